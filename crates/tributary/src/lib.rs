//! Tributary's processes, wired: the only place that opens the database and the
//! queue, starts the API's server and the worker, and hands each library what it
//! needs. `main.rs` is the command line over these; the tests start the same.

pub mod config;
pub mod database;
pub mod rotate_key;
pub mod run_worker;
mod sealed;
pub mod serve;
pub mod user_token;

pub use config::Config;
pub use database::{connect_database, redact_url};
pub use run_worker::{RunningWorker, run_worker, spawn_worker};
pub use serve::{RunningApi, start};
