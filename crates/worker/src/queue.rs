//! The job queues: apalis on Redis when `TRIBUTARY_REDIS_URL` is set (any number of
//! `tributary worker` processes share them), else apalis on the SQLite database itself.
//! Two queues under one prefix: imports, whose job carries only its run id (the run's
//! row holds everything else, so a job delivered twice or after a crash resumes the run
//! instead of repeating it), and webhook deliveries, whose job carries only the
//! delivery's key (its row holds the body, and says whether it was applied already).

use std::{future::Future, time::Duration};

use apalis::prelude::*;
use apalis_redis::RedisStorage;
use apalis_sqlite::SqliteStorage;
use futures_util::future::{BoxFuture, FutureExt, Shared};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

use crate::{budget::RateBudget, bus::ProgressBus, importer::Importer, webhooks::Webhooks};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImportJob {
    pub run_id: String,
}

/// A stored webhook delivery to apply.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeliveryJob {
    pub integration_id: String,
    pub delivery_id: String,
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
    Redis {
        imports: RedisStorage<ImportJob>,
        deliveries: RedisStorage<DeliveryJob>,
    },
    Sqlite {
        imports: SqliteStorage<ImportJob>,
        deliveries: SqliteStorage<DeliveryJob>,
    },
    /// PostgreSQL without Redis: the API serves, imports are refused with this reason.
    Unavailable(&'static str),
}

/// How often a worker looks for new jobs; left alone, apalis looks at each heartbeat
/// only (30 s), and a queued import would wait that long before it starts.
const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// Deliveries are small and many (GitHub expects an answer within 10 s and a busy
/// organization sends hundreds a second): polled often, taken a few at a time. On
/// SQLite, 200 per fetch stalled the receiver once per batch (every ~0.66 s, a batch's
/// worth at the apply rate): ack p99 87–98 ms at 1,000/s against 15 ms with 20
/// (BENCHMARKS.md); applying is no slower, it goes one delivery at a time anyway.
const DELIVERY_POLL_INTERVAL: Duration = Duration::from_millis(20);
const DELIVERY_BATCH: usize = 20;

pub const POSTGRES_NEEDS_REDIS: &str = "imports on PostgreSQL need Redis for their queue: set TRIBUTARY_REDIS_URL (for example redis://127.0.0.1:6379) for `tributary serve` and every `tributary worker`";

impl Queue {
    /// Opens the queue for `db`: Redis when configured, else the SQLite database.
    pub async fn connect(db: &DatabaseConnection, config: QueueConfig) -> anyhow::Result<Queue> {
        let queue_name = format!("{}:imports", config.redis_prefix);
        let delivery_queue_name = format!("{}:webhook-deliveries", config.redis_prefix);
        match &config.redis_url {
            Some(url) => {
                let connection = apalis_redis::connect(url.as_str()).await.map_err(|e| {
                    anyhow::anyhow!("connecting to Redis for the import queue: {e}")
                })?;
                let imports = RedisStorage::new(connection.clone()).with_config(
                    apalis_redis::Config::default()
                        .queue(&queue_name)
                        // A worker takes no more runs than it works on at once, so the
                        // rest stay in the queue for the other workers.
                        .batch_size(config.concurrency.max(1))
                        .heartbeat_interval(config.heartbeat),
                );
                let deliveries = RedisStorage::new(connection).with_config(
                    apalis_redis::Config::default()
                        .queue(&delivery_queue_name)
                        .batch_size(DELIVERY_BATCH)
                        .heartbeat_interval(config.heartbeat),
                );
                Ok(Queue {
                    storage: Storage::Redis {
                        imports,
                        deliveries,
                    },
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
                let imports = SqliteStorage::new(&pool).with_config(
                    apalis_sqlite::Config::default()
                        .queue(&queue_name)
                        .heartbeat_interval(config.heartbeat),
                );
                let deliveries = SqliteStorage::new(&pool).with_config(
                    apalis_sqlite::Config::default()
                        .queue(&delivery_queue_name)
                        .batch_size(DELIVERY_BATCH)
                        .heartbeat_interval(config.heartbeat),
                );
                Ok(Queue {
                    storage: Storage::Sqlite {
                        imports,
                        deliveries,
                    },
                    bus: ProgressBus::in_process(),
                    budget: RateBudget::in_memory(),
                    config,
                })
            }
        }
    }

    /// True when workers in other processes can share this queue.
    pub fn is_shared(&self) -> bool {
        matches!(self.storage, Storage::Redis { .. })
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
            Storage::Redis { mut imports, .. } => imports
                .push(job)
                .await
                .map_err(|e| anyhow::anyhow!("queueing the import in Redis: {e}")),
            Storage::Sqlite { mut imports, .. } => imports
                .push(job)
                .await
                .map_err(|e| anyhow::anyhow!("queueing the import: {e}")),
            Storage::Unavailable(reason) => Err(anyhow::anyhow!(reason)),
        }
    }

    /// Queues a stored webhook delivery for a worker to apply.
    pub async fn enqueue_delivery(
        &self,
        integration_id: &str,
        delivery_id: &str,
    ) -> anyhow::Result<()> {
        self.enqueue_deliveries(vec![DeliveryJob {
            integration_id: integration_id.to_string(),
            delivery_id: delivery_id.to_string(),
        }])
        .await
    }

    /// Queues stored webhook deliveries in their order, all or none: one Lua script
    /// on Redis, one transaction on SQLite.
    pub async fn enqueue_deliveries(&self, jobs: Vec<DeliveryJob>) -> anyhow::Result<()> {
        match self.storage.clone() {
            Storage::Redis { mut deliveries, .. } => deliveries
                .push_bulk(jobs)
                .await
                .map_err(|e| anyhow::anyhow!("queueing deliveries in Redis: {e}")),
            Storage::Sqlite { mut deliveries, .. } => deliveries
                .push_bulk(jobs)
                .await
                .map_err(|e| anyhow::anyhow!("queueing deliveries: {e}")),
            Storage::Unavailable(reason) => Err(anyhow::anyhow!(reason)),
        }
    }

    /// Runs a worker taking import and delivery jobs, and the webhook recovery
    /// schedule, until `shutdown` completes. `name` identifies
    /// the worker: a restarted worker with the same name takes its unfinished jobs back
    /// once its predecessor has missed a heartbeat. A worker that stops on an error
    /// (Redis or the database gone, or a predecessor of the same name still counted
    /// alive) starts again after a heartbeat interval.
    pub async fn work(
        &self,
        name: &str,
        importer: Importer,
        webhooks: Webhooks,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let shutdown = shutdown.boxed().shared();
        loop {
            let result = self
                .work_once(name, importer.clone(), webhooks.clone(), shutdown.clone())
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
        webhooks: Webhooks,
        shutdown: Shared<BoxFuture<'static, ()>>,
    ) -> anyhow::Result<()> {
        let stopped = |shutdown: Shared<BoxFuture<'static, ()>>| async move {
            shutdown.await;
            Ok::<(), std::io::Error>(())
        };
        let delivery_worker = format!("{name}-deliveries");
        let recovery = crate::webhooks::recovery::run_schedule(
            format!("{name}-webhook-recovery"),
            webhooks.clone(),
            stopped(shutdown.clone()),
        );
        tracing::info!(
            worker = name,
            shared = self.is_shared(),
            concurrency = self.config.concurrency,
            "import worker started"
        );
        macro_rules! run_workers {
            ($imports:expr, $deliveries:expr) => {{
                let imports = WorkerBuilder::new(name)
                    .backend($imports.poll_with_interval(POLL_INTERVAL))
                    .concurrency(self.config.concurrency)
                    .data(importer)
                    .data(webhooks.clone())
                    .build(run_import)
                    .run_until(stopped(shutdown.clone()));
                // One at a time, in the order received: a pull request's `opened` and
                // `edited` must not swap places.
                let deliveries = WorkerBuilder::new(delivery_worker.as_str())
                    .backend($deliveries.poll_with_interval(DELIVERY_POLL_INTERVAL))
                    .concurrency(1)
                    .data(webhooks.clone())
                    .build(run_delivery)
                    .run_until(stopped(shutdown.clone()));
                // The first to stop (on shutdown, or on an error such as a predecessor
                // of the same name still counted alive) stops the others, so that
                // `work` starts them all again.
                tokio::select! {
                    result = imports => result.map_err(|e| anyhow::anyhow!("{e}")),
                    result = deliveries => result.map_err(|e| anyhow::anyhow!("{e}")),
                    result = recovery => result,
                }
            }};
        }
        match self.storage.clone() {
            Storage::Redis {
                imports,
                deliveries,
            } => run_workers!(imports, deliveries),
            Storage::Sqlite {
                imports,
                deliveries,
            } => run_workers!(imports, deliveries),
            Storage::Unavailable(reason) => anyhow::bail!(reason),
        }
    }
}

fn sqlite_pool(db: &DatabaseConnection) -> Option<apalis_sqlite::SqlitePool> {
    (db.get_database_backend() == sea_orm::DbBackend::Sqlite)
        .then(|| db.get_sqlite_connection_pool().clone())
}

async fn run_import(
    job: ImportJob,
    importer: Data<Importer>,
    webhooks: Data<Webhooks>,
) -> Result<(), BoxDynError> {
    importer.run(&job.run_id).await.map_err(|e| {
        tracing::error!(run = %job.run_id, error = %e, "import job failed");
        e
    })?;
    // A repository may have become imported: its organization may now get a hook.
    webhooks.reconcile_after_run(&job.run_id).await;
    Ok(())
}

async fn run_delivery(job: DeliveryJob, webhooks: Data<Webhooks>) -> Result<(), BoxDynError> {
    webhooks
        .apply(&job.integration_id, &job.delivery_id)
        .await
        .map_err(|e| {
            tracing::error!(delivery = %job.delivery_id, error = %e, "delivery job failed");
            e.into()
        })
}
