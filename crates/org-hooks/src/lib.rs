//! Tributary's organization hooks on GitHub, kept by the rules (`reconcile`): while the
//! Webhooks service is on, one hook on every organization the account owns where a
//! repository is imported, none elsewhere. The API reconciles after a change a user
//! makes (services, groups, deletion); the worker after an import and after membership
//! deliveries. Deliveries themselves are received by `api` and applied by `worker`.

mod reconcile;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use github::GithubClient;
use sea_orm::DatabaseConnection;

pub use reconcile::not_owner_reason;

/// Seals and opens secrets at rest (tokens, hook secrets) with the server's key.
pub trait Sealer: Send + Sync {
    fn seal(&self, plaintext: &str) -> String;
    fn open(&self, sealed: &str) -> anyhow::Result<String>;
}

/// The path deliveries arrive on, below the public URL.
pub const RECEIVER_PATH: &str = "/webhooks/github";

#[derive(Clone)]
pub struct OrgHooks {
    pub db: DatabaseConnection,
    pub github: GithubClient,
    pub secrets: Arc<dyn Sealer>,
    /// `TRIBUTARY_PUBLIC_URL`: hooks deliver to `{public_url}/webhooks/github/{integration id}`.
    pub public_url: String,
    /// One reconciliation per integration at a time in this process, so two imports
    /// ending together do not both add a hook.
    locks: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl OrgHooks {
    pub fn new(
        db: DatabaseConnection,
        github: GithubClient,
        secrets: Arc<dyn Sealer>,
        public_url: String,
    ) -> Self {
        OrgHooks {
            db,
            github,
            secrets,
            public_url,
            locks: Arc::default(),
        }
    }

    /// Where GitHub delivers an integration's events.
    pub fn hook_url(&self, integration_id: &str) -> String {
        format!(
            "{}{RECEIVER_PATH}/{integration_id}",
            self.public_url.trim_end_matches('/')
        )
    }

    fn lock_for(&self, integration_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.locks
            .lock()
            .expect("the lock map is never poisoned: nothing panics while holding it")
            .entry(integration_id.to_string())
            .or_default()
            .clone()
    }
}
