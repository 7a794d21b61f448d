//! `POST /graphql`, executed for real against the slice of GitHub's schema the
//! product uses (the contract is `crates/github/graphql/schema.graphql`).
//!
//! The request's way through: `execute.rs` parses it and charges what `cost.rs`
//! computes, then runs it against the schema of `schema.rs`, whose root is
//! `query.rs`. The object types each have a file named for what they are;
//! `context.rs`, `paging.rs` and `scalars.rs` hold what they share.

mod accounts;
mod actors;
mod comments;
mod commits;
mod context;
mod cost;
pub(crate) mod execute;
mod issues;
mod labels;
mod node;
mod ordering;
mod paging;
mod pull_timeline;
mod pulls;
mod query;
mod repositories;
mod repository;
mod reviewers;
mod scalars;
pub(crate) mod schema;
mod timeline_events;
