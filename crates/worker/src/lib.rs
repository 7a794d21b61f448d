//! Background jobs: the GitHub import (one job per import run), the queue it runs on
//! (apalis on Redis, or on the database itself when no Redis is configured), the
//! progress bus that carries its progress to API subscribers, and the rate-limit
//! budget its workers share; and webhooks (the organization hooks kept by the rules,
//! received deliveries applied, missed ones recovered).

pub mod budget;
pub mod bus;
pub mod importer;
pub mod policy;
pub mod queue;
pub mod runs;
pub mod store;
pub mod webhooks;

pub use bus::{ProgressBus, ProgressEvent};
pub use importer::{Importer, TokenSource};
pub use policy::ImportSettings;
pub use webhooks::{Sealer, WebhookSettings, Webhooks};
