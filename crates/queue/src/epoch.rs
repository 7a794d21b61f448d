//! The queue's epoch: which incarnation of the store its jobs live in. Redis can lose
//! every job at once (restarted without persistence, a failover to an empty replica,
//! a flush) while the database keeps the runs that wait for them; a run records the
//! epoch its job was pushed into, so a run QUEUED under another epoch than the queue's
//! current one, or under none (its push failed), is known to have no job, and the
//! sweeper gives it one. The epoch is a random id kept in Redis itself: it vanishes
//! with the jobs, and the next reader sets a new one.

use redis::aio::ConnectionManager;

/// Where the epoch is read.
#[derive(Clone)]
pub(crate) enum QueueEpoch {
    /// The queue is in the database itself: its jobs come and go with the runs'
    /// transactions, so there is one epoch for good.
    Database,
    Redis {
        connection: ConnectionManager,
        key: String,
    },
}

/// The epoch of a queue kept in the database.
pub const DATABASE_EPOCH: &str = "database";

impl QueueEpoch {
    pub(crate) async fn redis(url: &str, prefix: &str) -> anyhow::Result<QueueEpoch> {
        let client = redis::Client::open(url)?;
        Ok(QueueEpoch::Redis {
            connection: ConnectionManager::new(client).await?,
            key: format!("{prefix}:queue-epoch"),
        })
    }

    /// The current epoch; a new one when the store has none (it is new, or lost its
    /// data).
    pub(crate) async fn current(&self) -> anyhow::Result<String> {
        match self {
            QueueEpoch::Database => Ok(DATABASE_EPOCH.to_string()),
            QueueEpoch::Redis { connection, key } => {
                let candidate = uuid::Uuid::new_v4().to_string();
                // Set only if absent, then read: every process agrees on the winner.
                let (epoch,): (String,) = crate::budget::reconnecting(connection, |mut c| {
                    let pipe = redis::pipe()
                        .atomic()
                        .cmd("SET")
                        .arg(key)
                        .arg(&candidate)
                        .arg("NX")
                        .ignore()
                        .cmd("GET")
                        .arg(key)
                        .clone();
                    async move { pipe.query_async(&mut c).await }
                })
                .await?;
                Ok(epoch)
            }
        }
    }
}
