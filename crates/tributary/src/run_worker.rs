//! The worker in a process: `tributary worker`, or a task of `serve` and `demo`.

use std::sync::Arc;

use api::crypto::SecretBox;
use github::{GithubClient, GithubEndpoints};
use org_hooks::OrgHooks;
use queue::Queue;
use tokio::sync::oneshot;

use crate::{
    config::{Config, Keys},
    database::connect_database,
    sealed::SealedTokens,
};

/// An import worker running in this process.
pub struct RunningWorker {
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl RunningWorker {
    /// Lets the worker finish its current page, then stops it; a run still going is
    /// taken back by the next worker.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if tokio::time::timeout(std::time::Duration::from_secs(5), &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }

    /// Ends the worker at once, wherever it is, as a crash would.
    pub fn kill(self) {
        self.task.abort();
    }
}

/// The organization hooks with the server's key; hooks deliver to `config.public_url()`.
pub fn org_hooks(config: &Config, db: sea_orm::DatabaseConnection, secrets: SecretBox) -> OrgHooks {
    OrgHooks::new(
        db,
        github_client(config),
        Arc::new(SealedTokens(secrets)),
        config.public_url(),
    )
}

pub(crate) fn github_client(config: &Config) -> GithubClient {
    GithubClient::new(GithubEndpoints::new(
        &config.github_api_url,
        &config.github_web_url,
    ))
}

/// Starts an import worker on `queue` in a task of this process.
pub fn spawn_worker(
    config: &Config,
    db: sea_orm::DatabaseConnection,
    secrets: SecretBox,
    queue: Queue,
) -> RunningWorker {
    let deliveries = worker::Deliveries {
        db: db.clone(),
        github: github_client(config),
        secrets: Arc::new(SealedTokens(secrets.clone())),
        queue: queue.clone(),
        hooks: org_hooks(config, db.clone(), secrets.clone()),
        settings: config.webhook_settings(),
    };
    let importer = worker::Importer {
        db,
        github: github_client(config),
        tokens: Arc::new(SealedTokens(secrets)),
        bus: queue.bus.clone(),
        budget: queue.budget.clone(),
        settings: config.import.clone(),
        lease: queue.config().run_lease(),
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let name = config.worker_name();
    let task = tokio::spawn(async move {
        worker::runner::run(&queue, &name, importer, deliveries, async move {
            let _ = stopped.await;
        })
        .await
    });
    RunningWorker {
        stop: Some(stop),
        task,
    }
}

/// `tributary worker`: takes import jobs from the queue until Ctrl-C.
pub async fn run_worker(config: &Config) -> anyhow::Result<()> {
    let keys = Keys::resolve(config)?;
    let db = connect_database(&config.database_url()).await?;
    let queue = Queue::connect(&db, config.queue_config()).await?;
    if let Some(reason) = queue.unavailable() {
        anyhow::bail!(reason);
    }
    let running = spawn_worker(config, db, keys.secret_box, queue);
    tokio::signal::ctrl_c().await?;
    running.stop().await;
    Ok(())
}
