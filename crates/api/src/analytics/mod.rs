//! What the imported data is for: pull request and commit metrics and the Work log,
//! computed from the import tables at query time, and from each pull request's figures,
//! which the worker stores in the same transaction as the rows they come from (so a
//! webhook's upsert counts at once). Definitions, with worked examples, are in docs/metrics.md.
//!
//! Two rules from the seed hold everywhere here: no query reads the `reactions` table
//! (a 👍 on a pull request or a comment changes nothing), while a comment counts
//! whatever its text (an emoji alone is a comment); and tickets are read by the Work
//! log only.

pub mod commits;
pub mod contributors;
pub mod days;
pub mod loaders;
pub mod pull_requests;
pub mod scope;
pub use entity::sql;
pub mod work_log;

pub use contributors::ContributorKey;
pub use scope::{Scope, ScopeInput};
