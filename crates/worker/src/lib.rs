//! The worker: runs what the queue holds. The runner (`runner`) takes import and
//! delivery jobs; an import run fetches a repository page by page through GitHub's
//! GraphQL API (`importer`, with its GitHub policy in `policy` and its hold on the run
//! in `lease`) and stores each page (`store`, the upserts imports and deliveries
//! share); a delivery is applied by `deliveries::apply`, and `deliveries::recovery`
//! redelivers what never arrived.

pub mod deliveries;
pub mod importer;
pub mod lease;
pub mod policy;
pub mod runner;
pub mod store;

pub use deliveries::{Deliveries, WebhookSettings};
pub use importer::{Importer, TokenSource};
pub use policy::{BATCH_RUNS, ImportSettings};
