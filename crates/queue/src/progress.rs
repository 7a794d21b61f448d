//! Import progress, from the worker running a run to every API process subscribed:
//! an in-process broadcast on the embedded path, Redis pub/sub when the worker may be
//! another process. Both sides hold a `ProgressBus` and never know which it is.
//!
//! Events are advisory, the runs' rows hold the truth: a subscriber that falls behind
//! the bus (a full channel) or whose process lost Redis for a while is told with
//! [`Progress::Missed`] instead of silently missing events, and reads the rows again.

use std::time::Duration;

use backon::{ConstantBuilder, Retryable};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use entity::{
    import_run::{ErrorCode, RunState},
    run_details::{Counts, SkippedListings},
};

/// A run changed: it started, stored a page, or ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressEvent {
    pub run_id: String,
    pub integration_id: String,
    pub repository_id: String,
    pub state: RunState,
    pub counts: Counts,
    pub skipped: SkippedListings,
    pub error: Option<String>,
    /// Why it failed, as a code (absent from the messages of older workers).
    #[serde(default)]
    pub error_code: Option<ErrorCode>,
    pub at: DateTime<Utc>,
}

/// What a subscriber receives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    Changed(ProgressEvent),
    /// Events went by that this subscriber did not get: read the runs again.
    Missed,
}

/// A subscription to the bus.
pub struct ProgressReceiver(broadcast::Receiver<Progress>);

impl ProgressReceiver {
    /// The next change, or `Missed` after a gap (the channel overflowed for this
    /// subscriber, or the process lost Redis meanwhile); `None` once the bus is gone.
    pub async fn recv(&mut self) -> Option<Progress> {
        match self.0.recv().await {
            Ok(progress) => Some(progress),
            Err(broadcast::error::RecvError::Lagged(_)) => Some(Progress::Missed),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }

    /// The subscription as a stream of [`ProgressReceiver::recv`]'s answers.
    pub fn into_stream(self) -> impl futures_util::Stream<Item = Progress> + Send + 'static {
        futures_util::stream::unfold(self, |mut receiver| async move {
            receiver.recv().await.map(|progress| (progress, receiver))
        })
    }
}

#[derive(Clone)]
pub struct ProgressBus {
    local: broadcast::Sender<Progress>,
    redis: Option<RedisChannel>,
}

#[derive(Clone)]
struct RedisChannel {
    publisher: redis::aio::ConnectionManager,
    channel: String,
}

/// Events a subscriber may fall behind by before it misses some.
pub const DEFAULT_CAPACITY: usize = 1024;

impl ProgressBus {
    /// Events stay in this process; each subscriber may fall `capacity` events behind.
    pub fn in_process(capacity: usize) -> ProgressBus {
        ProgressBus {
            local: broadcast::channel(capacity.max(1)).0,
            redis: None,
        }
    }

    /// Events go through the Redis channel `{prefix}:import-progress`, and those of every
    /// process publishing there reach this process's subscribers.
    pub async fn redis(url: &str, prefix: &str, capacity: usize) -> anyhow::Result<ProgressBus> {
        let client = redis::Client::open(url)?;
        let publisher = redis::aio::ConnectionManager::new(client.clone()).await?;
        let channel = format!("{prefix}:import-progress");
        let local = broadcast::channel(capacity.max(1)).0;
        let mut pubsub = client.get_async_pubsub().await?;
        pubsub.subscribe(&channel).await?;
        tokio::spawn(forward(client, channel.clone(), pubsub, local.clone()));
        Ok(ProgressBus {
            local,
            redis: Some(RedisChannel { publisher, channel }),
        })
    }

    pub fn subscribe(&self) -> ProgressReceiver {
        ProgressReceiver(self.local.subscribe())
    }

    /// Publishes events in their order: on Redis in one pipeline, one round trip
    /// however many (queueing 5,000 runs announced each in its own took a third of a
    /// second).
    pub async fn publish_all(&self, events: Vec<ProgressEvent>) {
        let Some(redis) = &self.redis else {
            // No subscriber is not an error.
            for event in events {
                let _ = self.local.send(Progress::Changed(event));
            }
            return;
        };
        let mut pipeline = ::redis::pipe();
        for event in &events {
            let payload = serde_json::to_string(event).expect("events always serialize");
            pipeline.publish(&redis.channel, payload).ignore();
        }
        let mut connection = redis.publisher.clone();
        if let Err(error) = pipeline.query_async::<()>(&mut connection).await {
            // Progress is advisory: the runs' rows hold the truth.
            let first_run = events
                .first()
                .map(|e| e.run_id.as_str())
                .unwrap_or_default();
            tracing::warn!(%error, events = events.len(), first_run, "could not publish import progress to Redis");
        }
    }

    pub async fn publish(&self, event: ProgressEvent) {
        self.publish_all(vec![event]).await;
    }
}

/// Hands every message of the channel to local subscribers, resubscribing after a
/// dropped connection.
async fn forward(
    client: redis::Client,
    channel: String,
    mut pubsub: redis::aio::PubSub,
    local: broadcast::Sender<Progress>,
) {
    loop {
        {
            let mut messages = pubsub.on_message();
            while let Some(message) = messages.next().await {
                let Ok(payload) = message.get_payload::<String>() else {
                    continue;
                };
                match serde_json::from_str::<ProgressEvent>(&payload) {
                    Ok(event) => {
                        let _ = local.send(Progress::Changed(event));
                    }
                    Err(error) => {
                        tracing::warn!(%error, "ignoring an unreadable import progress message")
                    }
                }
            }
        }
        tracing::warn!("lost the Redis subscription for import progress; reconnecting");
        let resubscribe = || async {
            let mut fresh = client.get_async_pubsub().await?;
            fresh.subscribe(&channel).await?;
            Ok::<_, redis::RedisError>(fresh)
        };
        // Once a second, for as long as Redis is away: subscribers miss progress
        // meanwhile, and are told so once it is back.
        let every_second = ConstantBuilder::default()
            .with_delay(Duration::from_secs(1))
            .without_max_times();
        pubsub = resubscribe
            .retry(every_second)
            .sleep(tokio::time::sleep)
            .await
            .expect("retried without limit, it returns only on success");
        // Whatever was published meanwhile went by.
        let _ = local.send(Progress::Missed);
    }
}
