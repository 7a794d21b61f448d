//! The service: what reconciling needs (database, GitHub, the key), where hooks
//! deliver, and one reconciliation per integration at a time.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use github::GithubClient;
use sea_orm::DatabaseConnection;

use crate::sealer::Sealer;

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

    pub(crate) fn lock_for(&self, integration_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.locks
            .lock()
            .expect("the lock map is never poisoned: nothing panics while holding it")
            .entry(integration_id.to_string())
            .or_default()
            .clone()
    }
}
