//! Webhooks on the worker's side: the reconciler that keeps exactly one organization
//! hook where the rules want one (and none elsewhere), the delivery job that applies
//! what GitHub sent through the import's own upserts, and the recovery schedule that
//! asks GitHub to redeliver what never arrived and runs a safety-net sync.

mod apply;
mod reconcile;
pub mod recovery;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::Utc;
use entity::import_run;
use github::GithubClient;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};

use crate::{
    bus::ProgressEvent,
    queue::Queue,
    runs::{Checkpoint, Listing, ListingProgress, RunDetails, RunKind, RunState, new_run, to_json},
};

pub use reconcile::HookState;

/// Seals and opens secrets at rest (tokens, hook secrets) with the server's key.
pub trait Sealer: Send + Sync {
    fn seal(&self, plaintext: &str) -> String;
    fn open(&self, sealed: &str) -> anyhow::Result<String>;
}

#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// `TRIBUTARY_PUBLIC_URL`: hooks deliver to `{public_url}/webhooks/github/{integration id}`.
    pub public_url: String,
    /// How often the recovery job looks at each hook's recent deliveries.
    pub recovery_interval: Duration,
    /// How often an incremental sync runs as a safety net for organizations with a hook;
    /// zero turns it off.
    pub safety_sync_interval: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            public_url: "http://127.0.0.1:8080".into(),
            recovery_interval: Duration::from_secs(300),
            safety_sync_interval: Duration::from_secs(24 * 3600),
        }
    }
}

/// The path deliveries arrive on, below the public URL.
pub const RECEIVER_PATH: &str = "/webhooks/github";

#[derive(Clone)]
pub struct Webhooks {
    pub db: DatabaseConnection,
    pub github: GithubClient,
    pub secrets: Arc<dyn Sealer>,
    pub queue: Queue,
    pub settings: WebhookSettings,
    /// One reconciliation per integration at a time in this process, so two imports
    /// ending together do not both add a hook.
    locks: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl Webhooks {
    pub fn new(
        db: DatabaseConnection,
        github: GithubClient,
        secrets: Arc<dyn Sealer>,
        queue: Queue,
        settings: WebhookSettings,
    ) -> Self {
        Webhooks {
            db,
            github,
            secrets,
            queue,
            settings,
            locks: Arc::default(),
        }
    }

    /// Where GitHub delivers an integration's events.
    pub fn hook_url(&self, integration_id: &str) -> String {
        format!(
            "{}{RECEIVER_PATH}/{integration_id}",
            self.settings.public_url.trim_end_matches('/')
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

    /// Queues an incremental run of one repository, of `only` these listings when
    /// given; nothing when one is already waiting in the queue (it will see the same
    /// changes). Returns the run's id.
    pub async fn queue_sync(
        &self,
        integration_id: &str,
        repository_id: &str,
        only: Option<&[Listing]>,
    ) -> anyhow::Result<Option<String>> {
        let waiting = import_run::Entity::find()
            .filter(import_run::Column::RepositoryId.eq(repository_id))
            .filter(import_run::Column::State.eq(RunState::Queued.as_str()))
            .count(&self.db)
            .await?;
        if waiting > 0 {
            return Ok(None);
        }
        let mut run = new_run(integration_id, repository_id, RunKind::Incremental);
        if let Some(only) = only {
            // A listing marked done is one the run never walks.
            let checkpoint: Checkpoint = Listing::ALL
                .into_iter()
                .filter(|l| !only.contains(l))
                .map(|l| {
                    (
                        l,
                        ListingProgress {
                            done: true,
                            ..Default::default()
                        },
                    )
                })
                .collect();
            run.checkpoint = sea_orm::ActiveValue::Set(to_json(&checkpoint));
        }
        let run = run.insert(&self.db).await?;
        let details = RunDetails::of(&run);
        self.queue
            .bus
            .publish(ProgressEvent {
                run_id: run.id.clone(),
                integration_id: run.integration_id.clone(),
                repository_id: run.repository_id.clone(),
                state: RunState::Queued,
                counts: details.counts,
                skipped: details.skipped,
                error: None,
                at: Utc::now(),
            })
            .await;
        if let Err(error) = self.queue.enqueue(&run.id).await {
            let reason = format!("could not be queued: {error}");
            crate::runs::transition(
                &self.db,
                &run.id,
                &[RunState::Queued],
                RunState::Failed,
                Some(&reason),
            )
            .await?;
            return Err(error);
        }
        Ok(Some(run.id))
    }
}
