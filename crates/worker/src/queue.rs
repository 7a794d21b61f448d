//! The job queue: apalis on Redis when `TRIBUTARY_REDIS_URL` is set (any number of
//! `tributary worker` processes share it), else apalis on the SQLite database itself.
//! A job carries only its run id; the run's row holds everything else, so a job
//! delivered twice or after a crash resumes the run instead of repeating it.

use std::{future::Future, time::Duration};

use apalis::prelude::*;
use apalis_redis::RedisStorage;
use apalis_sqlite::SqliteStorage;
use futures_util::future::{BoxFuture, FutureExt, Shared};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

use crate::{budget::RateBudget, bus::ProgressBus, importer::Importer};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImportJob {
    pub run_id: String,
}

/// Where the queue lives and how its workers behave.
#[derive(Clone, Debug)]
pub struct QueueConfig {
    pub redis_url: Option<String>,
    /// Prefix of every Redis key (queue, progress channel, budgets), so that
    /// deployments or tests sharing a Redis stay apart.
    pub redis_prefix: String,
    /// How often a worker proves it is alive; a worker silent for two intervals is
    /// dead and its jobs go back to the queue.
    pub heartbeat: Duration,
    /// Runs one worker process imports at once.
    pub concurrency: usize,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            redis_url: None,
            redis_prefix: "tributary".into(),
            heartbeat: Duration::from_secs(30),
            concurrency: 4,
        }
    }
}

/// The queue, plus the bus and budget that go with its path.
#[derive(Clone)]
pub struct Queue {
    storage: Storage,
    pub bus: ProgressBus,
    pub budget: RateBudget,
    config: QueueConfig,
}

#[derive(Clone)]
enum Storage {
    Redis(RedisStorage<ImportJob>),
    Sqlite(SqliteStorage<ImportJob>),
    /// PostgreSQL without Redis: the API serves, imports are refused with this reason.
    Unavailable(&'static str),
}

/// How often a worker looks for new jobs; left alone, apalis looks at each heartbeat
/// only (30 s), and a queued import would wait that long before it starts.
const POLL_INTERVAL: Duration = Duration::from_millis(200);

pub const POSTGRES_NEEDS_REDIS: &str = "imports on PostgreSQL need Redis for their queue: set TRIBUTARY_REDIS_URL (for example redis://127.0.0.1:6379) for `tributary serve` and every `tributary worker`";

impl Queue {
    /// Opens the queue for `db`: Redis when configured, else the SQLite database.
    pub async fn connect(db: &DatabaseConnection, config: QueueConfig) -> anyhow::Result<Queue> {
        let queue_name = format!("{}:imports", config.redis_prefix);
        match &config.redis_url {
            Some(url) => {
                let connection = apalis_redis::connect(url.as_str()).await.map_err(|e| {
                    anyhow::anyhow!("connecting to Redis for the import queue: {e}")
                })?;
                let storage = RedisStorage::new(connection).with_config(
                    apalis_redis::Config::default()
                        .queue(&queue_name)
                        // A worker takes no more runs than it works on at once, so the
                        // rest stay in the queue for the other workers.
                        .batch_size(config.concurrency.max(1))
                        .heartbeat_interval(config.heartbeat),
                );
                Ok(Queue {
                    storage: Storage::Redis(storage),
                    bus: ProgressBus::redis(url, &config.redis_prefix).await?,
                    budget: RateBudget::redis(url, &config.redis_prefix).await?,
                    config,
                })
            }
            None => {
                let Some(pool) = sqlite_pool(db) else {
                    tracing::warn!("{POSTGRES_NEEDS_REDIS}");
                    return Ok(Queue {
                        storage: Storage::Unavailable(POSTGRES_NEEDS_REDIS),
                        bus: ProgressBus::in_process(),
                        budget: RateBudget::in_memory(),
                        config,
                    });
                };
                // Only apalis' tables: its `setup` would also set pragmas on one pooled
                // connection (synchronous OFF, a 250 MB page cache) that the importer then
                // writes through. WAL and NORMAL syncs are already set on every connection.
                SqliteStorage::<()>::migrations()
                    .run(&pool)
                    .await
                    .map_err(|e| anyhow::anyhow!("preparing the import queue in SQLite: {e}"))?;
                let storage = SqliteStorage::new(&pool).with_config(
                    apalis_sqlite::Config::default()
                        .queue(&queue_name)
                        .heartbeat_interval(config.heartbeat),
                );
                Ok(Queue {
                    storage: Storage::Sqlite(storage),
                    bus: ProgressBus::in_process(),
                    budget: RateBudget::in_memory(),
                    config,
                })
            }
        }
    }

    /// True when workers in other processes can share this queue.
    pub fn is_shared(&self) -> bool {
        matches!(self.storage, Storage::Redis(_))
    }

    /// Why no job can be queued here, if so.
    pub fn unavailable(&self) -> Option<&'static str> {
        match self.storage {
            Storage::Unavailable(reason) => Some(reason),
            _ => None,
        }
    }

    pub async fn enqueue(&self, run_id: &str) -> anyhow::Result<()> {
        let job = ImportJob {
            run_id: run_id.to_string(),
        };
        match self.storage.clone() {
            Storage::Redis(mut storage) => storage
                .push(job)
                .await
                .map_err(|e| anyhow::anyhow!("queueing the import in Redis: {e}")),
            Storage::Sqlite(mut storage) => storage
                .push(job)
                .await
                .map_err(|e| anyhow::anyhow!("queueing the import: {e}")),
            Storage::Unavailable(reason) => Err(anyhow::anyhow!(reason)),
        }
    }

    /// Runs a worker taking import jobs until `shutdown` completes. `name` identifies
    /// the worker: a restarted worker with the same name takes its unfinished jobs back
    /// once its predecessor has missed a heartbeat. A worker that stops on an error
    /// (Redis or the database gone, or a predecessor of the same name still counted
    /// alive) starts again after a heartbeat interval.
    pub async fn work(
        &self,
        name: &str,
        importer: Importer,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let shutdown = shutdown.boxed().shared();
        loop {
            let result = self
                .work_once(name, importer.clone(), shutdown.clone())
                .await;
            if shutdown.peek().is_some() {
                return Ok(());
            }
            if let Err(error) = result {
                tracing::warn!(worker = name, %error, "the import worker stopped; starting it again");
            }
            tokio::select! {
                _ = tokio::time::sleep(self.config.heartbeat) => {}
                _ = shutdown.clone() => return Ok(()),
            }
        }
    }

    async fn work_once(
        &self,
        name: &str,
        importer: Importer,
        shutdown: Shared<BoxFuture<'static, ()>>,
    ) -> anyhow::Result<()> {
        let shutdown = async move {
            shutdown.await;
            Ok::<(), std::io::Error>(())
        };
        tracing::info!(
            worker = name,
            shared = self.is_shared(),
            concurrency = self.config.concurrency,
            "import worker started"
        );
        let result = match self.storage.clone() {
            Storage::Redis(storage) => {
                WorkerBuilder::new(name)
                    .backend(storage.poll_with_interval(POLL_INTERVAL))
                    .concurrency(self.config.concurrency)
                    .data(importer)
                    .build(run_import)
                    .run_until(shutdown)
                    .await
            }
            Storage::Sqlite(storage) => {
                WorkerBuilder::new(name)
                    .backend(storage.poll_with_interval(POLL_INTERVAL))
                    .concurrency(self.config.concurrency)
                    .data(importer)
                    .build(run_import)
                    .run_until(shutdown)
                    .await
            }
            Storage::Unavailable(reason) => anyhow::bail!(reason),
        };
        result.map_err(|e| anyhow::anyhow!("{e}"))
    }
}

fn sqlite_pool(db: &DatabaseConnection) -> Option<apalis_sqlite::SqlitePool> {
    (db.get_database_backend() == sea_orm::DbBackend::Sqlite)
        .then(|| db.get_sqlite_connection_pool().clone())
}

async fn run_import(job: ImportJob, importer: Data<Importer>) -> Result<(), BoxDynError> {
    importer.run(&job.run_id).await.map_err(|e| {
        tracing::error!(run = %job.run_id, error = %e, "import job failed");
        e.into()
    })
}
