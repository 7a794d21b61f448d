//! The job queues: apalis on Redis when `TRIBUTARY_REDIS_URL` is set (any number of
//! `tributary worker` processes share them), else apalis on the SQLite database itself.
//! Two queues under one prefix: imports, whose job carries only its run id (the run's
//! row holds everything else, so a job delivered twice or after a crash resumes the run
//! instead of repeating it), and webhook deliveries, whose job carries only the
//! delivery's key (its row holds the body, and says whether it was applied already).

use std::time::Duration;

use apalis_redis::RedisStorage;
use apalis_sqlite::SqliteStorage;
use sea_orm::DatabaseConnection;

use crate::{
    budget::RateBudget,
    epoch::QueueEpoch,
    jobs::{DeliveryJob, ImportJob},
    progress::ProgressBus,
};

/// Where the queue lives and how its workers behave.
#[derive(Clone, Debug)]
pub struct QueueConfig {
    pub redis_url: Option<String>,
    /// Prefix of every Redis key (queue, progress channel, budgets), so that
    /// deployments or tests sharing a Redis stay apart.
    pub redis_prefix: String,
    /// How often a worker proves it is alive; a worker silent for two intervals is
    /// dead and its jobs go back to the queue. Also how often a worker renews the
    /// lease of the runs it works on, and sweeps the runs that lost their job.
    pub heartbeat: Duration,
    /// Runs one worker process imports at once.
    pub concurrency: usize,
    /// Jobs of one integration in the queue (or running) at once; its other queued runs
    /// wait in the database and are pushed as these end (`enqueue`), so the queue stays
    /// fair between integrations: another integration's run waits behind at most this
    /// many of a big import's.
    pub window: usize,
    /// Progress events a subscriber may fall behind by before it is told it missed some.
    pub progress_capacity: usize,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            redis_url: None,
            redis_prefix: "tributary".into(),
            heartbeat: Duration::from_secs(30),
            concurrency: 4,
            window: DEFAULT_WINDOW,
            progress_capacity: crate::progress::DEFAULT_CAPACITY,
        }
    }
}

/// Enough for several workers to work on one integration at once, few enough that a
/// run of another integration starts soon.
pub const DEFAULT_WINDOW: usize = 16;

impl QueueConfig {
    /// How long a worker holds a run without renewing it: three heartbeats, so a
    /// database slow for one renewal does not hand a live run to another worker.
    pub fn run_lease(&self) -> Duration {
        self.heartbeat * 3
    }

    /// How long a pushed job may go untaken before the sweeper presumes it lost and
    /// pushes its run again: twenty heartbeats (ten minutes by default). A job can be
    /// lost with the queue's data kept: Redis moved it to a worker's in-flight list and
    /// the answer never reached the worker (the connection broke), so no live worker
    /// holds it and none will take it. A second job is harmless (the first to claim
    /// the run holds it; the other is dropped), so the limit is generous rather than
    /// tight: a job waiting behind a long queue gets at most one more every period.
    pub fn job_silence(&self) -> Duration {
        self.heartbeat * 20
    }
}

/// The queue, plus the bus and budget that go with its path.
#[derive(Clone)]
pub struct Queue {
    pub(crate) backend: Backend,
    pub bus: ProgressBus,
    pub budget: RateBudget,
    pub(crate) epoch: QueueEpoch,
    config: QueueConfig,
}

/// Where the jobs are kept; the worker's runner takes them from here.
#[derive(Clone)]
pub enum Backend {
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

/// Deliveries are small and many (GitHub expects an answer within 10 s and a busy
/// organization sends hundreds a second): taken a few at a time. On SQLite, 200 per
/// fetch stalled the receiver once per batch (every ~0.66 s, a batch's worth at the
/// apply rate): ack p99 87–98 ms at 1,000/s against 15 ms with 20 (BENCHMARKS.md);
/// applying is no slower, it goes one delivery at a time anyway.
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
                    backend: Backend::Redis {
                        imports,
                        deliveries,
                    },
                    bus: ProgressBus::redis(url, &config.redis_prefix, config.progress_capacity)
                        .await?,
                    budget: RateBudget::redis(url, &config.redis_prefix).await?,
                    epoch: QueueEpoch::redis(url, &config.redis_prefix).await?,
                    config,
                })
            }
            None => {
                let Some(pool) = sqlite_pool(db) else {
                    tracing::warn!("{POSTGRES_NEEDS_REDIS}");
                    return Ok(Queue {
                        backend: Backend::Unavailable(POSTGRES_NEEDS_REDIS),
                        bus: ProgressBus::in_process(config.progress_capacity),
                        budget: RateBudget::in_memory(),
                        epoch: QueueEpoch::Database,
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
                    backend: Backend::Sqlite {
                        imports,
                        deliveries,
                    },
                    bus: ProgressBus::in_process(config.progress_capacity),
                    budget: RateBudget::in_memory(),
                    epoch: QueueEpoch::Database,
                    config,
                })
            }
        }
    }

    /// True when workers in other processes can share this queue.
    pub fn is_shared(&self) -> bool {
        matches!(self.backend, Backend::Redis { .. })
    }

    /// Why no job can be queued here, if so.
    pub fn unavailable(&self) -> Option<&'static str> {
        match self.backend {
            Backend::Unavailable(reason) => Some(reason),
            _ => None,
        }
    }
}

fn sqlite_pool(db: &DatabaseConnection) -> Option<apalis_sqlite::SqlitePool> {
    (db.get_database_backend() == sea_orm::DbBackend::Sqlite)
        .then(|| db.get_sqlite_connection_pool().clone())
}

impl Queue {
    /// Where the jobs are kept, for the runner that takes them.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    pub fn config(&self) -> &QueueConfig {
        &self.config
    }

    /// The queue's current epoch (`epoch`).
    pub async fn current_epoch(&self) -> anyhow::Result<String> {
        self.epoch.current().await
    }
}
