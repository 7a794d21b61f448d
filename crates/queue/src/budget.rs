//! The rate-limit budget of each token, shared by every worker: fed by the
//! `rateLimit { remaining resetAt }` of every answer, consulted before every request.
//! In Redis when there is one (workers in several processes share a token's points),
//! else in memory. Keyed by a hash of the token, never the token.

use std::{collections::HashMap, sync::Arc};

use chrono::{DateTime, Utc};
use github::Token;
use redis::AsyncCommands;
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reading {
    pub remaining: i64,
    pub reset_at: DateTime<Utc>,
}

#[derive(Clone)]
pub enum RateBudget {
    Memory(Arc<Mutex<HashMap<String, Reading>>>),
    Redis {
        connection: redis::aio::ConnectionManager,
        prefix: String,
    },
}

/// The key a token's budget is kept under.
pub fn budget_key(token: &Token) -> String {
    let digest = Sha256::digest(token.expose().as_bytes());
    hex::encode(&digest[..16])
}

impl RateBudget {
    pub fn in_memory() -> RateBudget {
        RateBudget::Memory(Arc::default())
    }

    pub async fn redis(url: &str, prefix: &str) -> anyhow::Result<RateBudget> {
        let client = redis::Client::open(url)?;
        Ok(RateBudget::Redis {
            connection: redis::aio::ConnectionManager::new(client).await?,
            prefix: prefix.to_string(),
        })
    }

    pub async fn record(&self, key: &str, reading: Reading) -> anyhow::Result<()> {
        match self {
            RateBudget::Memory(map) => {
                map.lock().await.insert(key.to_string(), reading);
            }
            RateBudget::Redis { connection, prefix } => {
                let redis_key = format!("{prefix}:rate-budget:{key}");
                let pipe = redis::pipe()
                    .hset(&redis_key, "remaining", reading.remaining)
                    .hset(&redis_key, "reset_at", reading.reset_at.timestamp())
                    // A spent window is worth nothing after its reset.
                    .expire_at(&redis_key, reading.reset_at.timestamp() + 60)
                    .clone();
                let _: () = reconnecting(connection, |mut c| {
                    let pipe = pipe.clone();
                    async move { pipe.query_async(&mut c).await }
                })
                .await?;
            }
        }
        Ok(())
    }

    /// When the token has fewer than `reserve` points left before its reset, the
    /// time to wait for; `None` to go ahead.
    pub async fn spent_until(
        &self,
        key: &str,
        reserve: i64,
    ) -> anyhow::Result<Option<DateTime<Utc>>> {
        Ok(self
            .reading(key)
            .await?
            .and_then(|r| (r.remaining < reserve && r.reset_at > Utc::now()).then_some(r.reset_at)))
    }

    /// The token's last reading, if an answer gave one (Redis forgets it after the reset).
    pub async fn reading(&self, key: &str) -> anyhow::Result<Option<Reading>> {
        Ok(match self {
            RateBudget::Memory(map) => map.lock().await.get(key).copied(),
            RateBudget::Redis { connection, prefix } => {
                let redis_key = format!("{prefix}:rate-budget:{key}");
                let values: HashMap<String, i64> = reconnecting(connection, |mut c| {
                    let redis_key = redis_key.clone();
                    async move { c.hgetall(redis_key).await }
                })
                .await?;
                match (values.get("remaining"), values.get("reset_at")) {
                    (Some(&remaining), Some(&reset)) => {
                        DateTime::from_timestamp(reset, 0).map(|reset_at| Reading {
                            remaining,
                            reset_at,
                        })
                    }
                    _ => None,
                }
            }
        })
    }
}

/// Runs `command` on the shared connection, once more if the connection had broken
/// (Redis restarted, a failover): the manager reconnects after the failed command, so
/// the second try goes over a new connection instead of failing an import.
pub(crate) async fn reconnecting<T, F, Fut>(
    connection: &redis::aio::ConnectionManager,
    command: F,
) -> redis::RedisResult<T>
where
    F: Fn(redis::aio::ConnectionManager) -> Fut,
    Fut: std::future::Future<Output = redis::RedisResult<T>>,
{
    match command(connection.clone()).await {
        Err(error) if error.is_io_error() || error.is_connection_dropped() => {
            tracing::warn!(%error, "the Redis connection broke; trying again on a new one");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            command(connection.clone()).await
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_spent_budget_waits_until_its_reset_and_a_past_reset_does_not() {
        let budget = RateBudget::in_memory();
        let key = budget_key(&Token::new("ghp_secret"));
        assert!(!key.contains("secret"));
        assert_eq!(budget.spent_until(&key, 1).await.unwrap(), None);
        let reset_at = Utc::now() + chrono::Duration::seconds(30);
        budget
            .record(
                &key,
                Reading {
                    remaining: 0,
                    reset_at,
                },
            )
            .await
            .unwrap();
        assert_eq!(budget.spent_until(&key, 1).await.unwrap(), Some(reset_at));
        budget
            .record(
                &key,
                Reading {
                    remaining: 0,
                    reset_at: Utc::now() - chrono::Duration::seconds(1),
                },
            )
            .await
            .unwrap();
        assert_eq!(budget.spent_until(&key, 1).await.unwrap(), None);
    }
}
