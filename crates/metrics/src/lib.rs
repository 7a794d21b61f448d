//! The product's metrics, in one place: their definitions, what is computed when data
//! is written, and the queries that read them. Definitions, with worked examples and
//! the Pluralsight Flow page each follows, are in docs/metrics.md.
//!
//! - `pull_request_timeline`: the definitions on one pull request's timeline (time to
//!   first comment, reaction time, responsiveness, thoroughly reviewed, iterations).
//! - `pull_request_figures`: those figures computed when a pull request or one of its
//!   actions is written (the worker calls it in the same transaction, so a webhook's
//!   upsert counts at once) and stored beside it; `refresh_stale` at start.
//! - `robustness`: trivial, regular and robust comments (thresholds per integration).
//! - `contributors` and `bots`: who an action counts for, and who is a bot.
//! - `scope`, `days`: the filters every query takes, and local days in SQL.
//! - `day_plan`: how a range reads the per-UTC-day roll-ups (quarter-hours): the
//!   commits' (`commit_days`) and the Work log's (`work_log_days`, counted again from
//!   the sources where writes marked a day stale); `work_log_sources`: the Work log's
//!   kinds of items, read by both.
//! - `pull_requests`, `commits`, `work_log`: the read queries behind `api`'s GraphQL,
//!   each reading its rows into a `FromQueryResult` struct (`count`: a count's row).
//!
//! Two rules from the seed hold everywhere here: no query reads the `reactions` table
//! (a 👍 on a pull request or a comment changes nothing), while a comment counts
//! whatever its text (an emoji alone is a comment); and tickets are read by the Work
//! log only.

pub mod bots;
pub mod commits;
pub mod contributors;
pub mod count;
pub mod day_plan;
pub mod days;
pub mod pull_request_figures;
pub mod pull_request_timeline;
pub mod pull_requests;
pub mod robustness;
pub mod scope;
pub mod work_log;
pub mod work_log_days;
pub mod work_log_sources;

pub use contributors::ContributorKey;
pub use scope::{Scope, ScopeError, ScopeRequest};
