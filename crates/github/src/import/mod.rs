//! What an import reads from GitHub, in Tributary's own terms: one page of commits,
//! pull requests or tickets at a time, each item complete (its nested connections —
//! reviews, comments, review-thread comments, reactions, commits, timeline events —
//! followed past their first page, never truncated).
//!
//! The worker owns the policy (budgets, waiting, page-size halving, retries); this
//! module owns the GraphQL operations and turns their answers into these types.
//!
//! `types` holds those types; `batch` reads many small repositories in one query; `commits`, `pull_requests` and `tickets` read one page
//! each; `follow` completes nested connections past their first page; `query` is what
//! every page shares (sending a query, tallying its cost); `convert` turns
//! graphql_client's generated types into the import's.

pub mod batch;
mod commits;
mod convert;
mod follow;
mod pull_requests;
mod query;
mod tickets;
mod types;

pub use commits::LANES;
pub use types::*;

/// Page sizes the importer starts with (the worker halves them after a 502 or a
/// timeout). GitHub counts one request per connection, multiplied by the page sizes of
/// the connections above it, and charges requests ÷ 100 rounded to the nearest whole
/// point, so up to 149 requests cost 1 point. Leaf connections' page sizes multiply
/// nothing, so each top-level size is the largest that keeps its query at 149 requests
/// or fewer without shrinking any nested first page (which would send more PRs or
/// tickets to follow-up queries):
/// - commits: [`LANES`] sibling `history` connections are 20 requests, 1 point for up
///   to 20 × 100 commits;
/// - pull requests: 1 + 11·(8 nested connections + 5 review threads' comments) = 144
///   requests (12 would be 157 → 2 points);
/// - tickets: 1 + 37·4 nested connections = 149 requests (38 would be 153 → 2 points).
pub const COMMIT_PAGE_SIZE: u32 = 100;
pub const PULL_REQUEST_PAGE_SIZE: u32 = 11;
pub const TICKET_PAGE_SIZE: u32 = 37;
