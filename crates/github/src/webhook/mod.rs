//! GitHub's webhooks, both ends: the organization hooks Tributary keeps on GitHub
//! (REST calls on hooks and their deliveries), and the deliveries GitHub sends — the
//! signature over the raw body, the payloads Tributary reads (only the fields it uses,
//! tolerant of the rest), and their conversion into the import's own types so a
//! delivery is stored by the same upserts as an import (REST's `node_id` is GraphQL's `id`).

mod convert;
pub mod org_hooks;
pub mod payload;
mod signature;

pub use signature::{SIGNATURE_HEADER, sign, verify, well_formed};

/// The events an organization hook of Tributary subscribes to.
pub const EVENTS: &[&str] = &[
    "push",
    "pull_request",
    "pull_request_review",
    "pull_request_review_comment",
    "pull_request_review_thread",
    "issues",
    "issue_comment",
    "create",
    "delete",
    "repository",
    "member",
    "membership",
    "organization",
];

/// GitHub does not deliver payloads over 25 MB.
pub const MAX_PAYLOAD_BYTES: usize = 25 * 1024 * 1024;

/// GitHub lists at most this many commits in a push delivery; a longer push is cut.
pub const PUSH_COMMIT_LIMIT: usize = 2048;
