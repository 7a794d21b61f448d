//! Webhook deliveries on the worker's side: the delivery job that applies what GitHub
//! sent through the import's own upserts (`apply`), and the recovery schedule that asks
//! GitHub to redeliver what never arrived and runs a safety-net sync (`recovery`).
//! The API receives and stores deliveries (`api::webhook_receiver`); the hooks
//! themselves are kept by `org_hooks`.

mod apply;
pub mod recovery;

use std::{sync::Arc, time::Duration};

use github::GithubClient;
use org_hooks::{OrgHooks, Sealer};
use queue::Queue;
use sea_orm::DatabaseConnection;

#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// How often the recovery job looks at each hook's recent deliveries.
    pub recovery_interval: Duration,
    /// How often an incremental sync runs as a safety net for organizations with a hook;
    /// zero turns it off.
    pub safety_sync_interval: Duration,
    /// How long an applied delivery is kept (its body, and the id and body hash that
    /// make a repeat of it a duplicate); the recovery job deletes older ones.
    pub delivery_retention: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            recovery_interval: Duration::from_secs(300),
            safety_sync_interval: Duration::from_secs(24 * 3600),
            delivery_retention: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// What the delivery job and the recovery schedule work with.
#[derive(Clone)]
pub struct Deliveries {
    pub db: DatabaseConnection,
    pub github: GithubClient,
    pub secrets: Arc<dyn Sealer>,
    pub queue: Queue,
    pub hooks: OrgHooks,
    pub settings: WebhookSettings,
}
