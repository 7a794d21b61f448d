//! Group commit of verified deliveries. Each request hands its delivery to one intake
//! task and waits for the answer; the task takes whatever has gathered meanwhile (a
//! few such batches in flight at once), stores it with one `INSERT … ON CONFLICT DO
//! NOTHING RETURNING` and queues the new ones with one push, so that a burst costs a
//! few round trips instead of two per delivery (on SQLite, each of them waits for the
//! one write lock).
//!
//! An answer means what it meant per request: accepted once stored and queued; a
//! delivery that could not be queued is forgotten again, so a redelivery is new. A
//! delivery whose id or body was stored before is a duplicate.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use chrono::{DateTime, Utc};
use entity::webhook_delivery;
use queue::{DeliveryJob, Queue};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, IdenStatic,
    QueryFilter, QueryTrait,
    sea_query::{OnConflict, Query},
};
use tokio::sync::{Semaphore, mpsc, oneshot};

/// At most this many deliveries per statement and push, and (beyond the first) at
/// most this many bytes of bodies, so that one statement stays far below the
/// databases' limits on bound parameters and message sizes.
const BATCH_DELIVERIES: usize = 256;
const BATCH_BYTES: usize = 8 << 20;

/// Batches being stored and queued at once. One at a time would make every delivery
/// wait for the whole round trip of the batch before its own, however idle the
/// database; a few overlap those round trips, and batches grow only when all are busy.
const BATCHES_IN_FLIGHT: usize = 4;

/// Requests waiting for the intake beyond this wait to hand theirs over.
const WAITING_REQUESTS: usize = 4 * BATCH_DELIVERIES;

/// A verified delivery, as it is stored.
pub struct NewDelivery {
    pub integration_id: String,
    pub delivery_id: String,
    pub event: String,
    pub action: Option<String>,
    pub hook_id: Option<i64>,
    pub repository: Option<String>,
    pub body: String,
    /// SHA-256 of `body`, hex.
    pub body_sha256: String,
    pub received_at: DateTime<Utc>,
}

/// What became of one delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Taken {
    /// Stored and queued.
    Accepted,
    /// The same delivery was stored before (or earlier in the same batch).
    AlreadyReceived,
    /// The database refused it: nothing kept.
    NotStored,
    /// Stored, but the queue refused it: the row is forgotten again.
    NotQueued(String),
}

struct Waiting {
    delivery: NewDelivery,
    answer: oneshot::Sender<Taken>,
}

/// The requests' side of the intake task, which runs until the last clone is dropped.
#[derive(Clone)]
pub struct Intake {
    sender: mpsc::Sender<Waiting>,
}

impl Intake {
    /// Starts the intake task on the current runtime.
    pub fn start(db: DatabaseConnection, queue: Queue) -> Intake {
        let (sender, receiver) = mpsc::channel(WAITING_REQUESTS);
        tokio::spawn(run(db, queue, receiver));
        Intake { sender }
    }

    /// Stores and queues `delivery` with whatever else arrives meanwhile.
    pub async fn take(&self, delivery: NewDelivery) -> Taken {
        let (answer, answered) = oneshot::channel();
        if self
            .sender
            .send(Waiting { delivery, answer })
            .await
            .is_err()
        {
            return Taken::NotStored;
        }
        // The task drops the answer only if it stopped before storing anything.
        answered.await.unwrap_or(Taken::NotStored)
    }
}

async fn run(db: DatabaseConnection, queue: Queue, mut receiver: mpsc::Receiver<Waiting>) {
    let in_flight = Arc::new(Semaphore::new(BATCHES_IN_FLIGHT));
    let mut carried: Option<Waiting> = None;
    loop {
        // Deliveries gather in the channel while every batch in flight waits on the
        // database or the queue; the next batch takes them all.
        let Ok(permit) = in_flight.clone().acquire_owned().await else {
            return;
        };
        let first = match carried.take() {
            Some(waiting) => waiting,
            None => match receiver.recv().await {
                Some(waiting) => waiting,
                None => return,
            },
        };
        let mut bytes = first.delivery.body.len();
        let mut batch = vec![first];
        while batch.len() < BATCH_DELIVERIES {
            let Ok(next) = receiver.try_recv() else { break };
            bytes += next.delivery.body.len();
            if bytes > BATCH_BYTES {
                carried = Some(next);
                break;
            }
            batch.push(next);
        }
        let (db, queue) = (db.clone(), queue.clone());
        tokio::spawn(async move {
            let deliveries: Vec<&NewDelivery> = batch.iter().map(|w| &w.delivery).collect();
            let outcomes = keep(&db, &queue, &deliveries).await;
            for (waiting, outcome) in batch.into_iter().zip(outcomes) {
                // A request whose client went away has nobody to answer.
                let _ = waiting.answer.send(outcome);
            }
            drop(permit);
        });
    }
}

type Key<'a> = (&'a str, &'a str);

fn key(delivery: &NewDelivery) -> Key<'_> {
    (&delivery.integration_id, &delivery.delivery_id)
}

/// Stores and queues one batch; one outcome per delivery, in order.
async fn keep(db: &DatabaseConnection, queue: &Queue, batch: &[&NewDelivery]) -> Vec<Taken> {
    let firsts = first_occurrences(batch);
    let (inserted, not_stored) = match insert_new(db, &firsts).await {
        Ok(inserted) => (inserted, HashSet::new()),
        // One bad row fails the whole statement: store them one by one, so only that
        // one is answered 503.
        Err(error) if firsts.len() > 1 => {
            tracing::warn!(%error, deliveries = firsts.len(), "storing a batch of deliveries failed; storing them one by one");
            let mut inserted = HashSet::new();
            let mut not_stored = HashSet::new();
            for delivery in &firsts {
                match insert_new(db, &[delivery]).await {
                    Ok(one) => inserted.extend(one),
                    Err(error) => {
                        tracing::error!(%error, delivery = %delivery.delivery_id, "storing a delivery");
                        not_stored.insert((
                            delivery.integration_id.clone(),
                            delivery.delivery_id.clone(),
                        ));
                    }
                }
            }
            (inserted, not_stored)
        }
        Err(error) => {
            tracing::error!(%error, deliveries = batch.len(), "storing deliveries");
            return vec![Taken::NotStored; batch.len()];
        }
    };
    let new: Vec<&NewDelivery> = firsts
        .into_iter()
        .filter(|d| inserted.contains(&(d.integration_id.clone(), d.delivery_id.clone())))
        .collect();
    let mut queue_error = None;
    if !new.is_empty() {
        let jobs = new
            .iter()
            .map(|d| DeliveryJob {
                integration_id: d.integration_id.clone(),
                delivery_id: d.delivery_id.clone(),
            })
            .collect();
        if let Err(error) = queue.enqueue_deliveries(jobs).await {
            tracing::error!(%error, deliveries = new.len(), "queueing deliveries");
            if let Err(error) = forget(db, &new).await {
                tracing::error!(%error, "forgetting deliveries that could not be queued");
            }
            queue_error = Some(error.to_string());
        }
    }
    outcomes(batch, &inserted, &not_stored, queue_error.as_deref())
}

/// Each delivery's first occurrence in the batch, in order: the one to insert.
fn first_occurrences<'a>(batch: &[&'a NewDelivery]) -> Vec<&'a NewDelivery> {
    let mut seen = HashSet::new();
    batch
        .iter()
        .copied()
        .filter(|d| seen.insert(key(d)))
        .collect()
}

/// The answers once the batch is stored (`inserted`: the keys new to the table;
/// `not_stored`: those whose row failed) and pushed (`queue_error`: why the push failed,
/// if it did). A delivery repeated in the batch is a duplicate of its first occurrence,
/// and fails with it.
fn outcomes(
    batch: &[&NewDelivery],
    inserted: &HashSet<(String, String)>,
    not_stored: &HashSet<(String, String)>,
    queue_error: Option<&str>,
) -> Vec<Taken> {
    let mut answered: HashMap<Key<'_>, Taken> = HashMap::new();
    batch
        .iter()
        .map(|delivery| {
            let key = key(delivery);
            if let Some(first) = answered.get(&key) {
                return match first {
                    Taken::Accepted => Taken::AlreadyReceived,
                    other => other.clone(),
                };
            }
            let owned = (key.0.to_string(), key.1.to_string());
            let outcome = match (inserted.contains(&owned), queue_error) {
                _ if not_stored.contains(&owned) => Taken::NotStored,
                (false, _) => Taken::AlreadyReceived,
                (true, None) => Taken::Accepted,
                (true, Some(error)) => Taken::NotQueued(error.to_string()),
            };
            answered.insert(key, outcome.clone());
            outcome
        })
        .collect()
}

/// Inserts the deliveries not stored yet, in one statement; returns the keys it inserted.
async fn insert_new(
    db: &DatabaseConnection,
    deliveries: &[&NewDelivery],
) -> Result<HashSet<(String, String)>, DbErr> {
    let rows = deliveries.iter().map(|d| webhook_delivery::ActiveModel {
        integration_id: Set(d.integration_id.clone()),
        delivery_id: Set(d.delivery_id.clone()),
        event: Set(d.event.clone()),
        action: Set(d.action.clone()),
        hook_id: Set(d.hook_id),
        repository: Set(d.repository.clone()),
        body: Set(d.body.clone()),
        body_sha256: Set(Some(d.body_sha256.clone())),
        received_at: Set(d.received_at),
        applied_at: Set(None),
        outcome: Set(None),
        reason: Set(None),
    });
    // No conflict target: a delivery id seen before, or a body seen before under
    // another id (a replay: the signature covers only the body), is not inserted.
    let mut insert = webhook_delivery::Entity::insert_many(rows)
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .into_query();
    // Both PostgreSQL and SQLite (3.35 and later) return the rows a DO NOTHING kept.
    insert.returning(Query::returning().columns([
        webhook_delivery::Column::IntegrationId,
        webhook_delivery::Column::DeliveryId,
    ]));
    let rows = db.query_all(&insert).await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("", webhook_delivery::Column::IntegrationId.as_str())?,
                row.try_get("", webhook_delivery::Column::DeliveryId.as_str())?,
            ))
        })
        .collect()
}

/// Deletes stored deliveries that could not be queued.
async fn forget(db: &DatabaseConnection, deliveries: &[&NewDelivery]) -> Result<(), DbErr> {
    let keys = deliveries.iter().fold(Condition::any(), |any, d| {
        any.add(
            Condition::all()
                .add(webhook_delivery::Column::IntegrationId.eq(d.integration_id.as_str()))
                .add(webhook_delivery::Column::DeliveryId.eq(d.delivery_id.as_str())),
        )
    });
    webhook_delivery::Entity::delete_many()
        .filter(keys)
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(id: &str) -> NewDelivery {
        NewDelivery {
            integration_id: "i".into(),
            delivery_id: id.into(),
            event: "push".into(),
            action: None,
            hook_id: None,
            repository: None,
            body: "{}".into(),
            body_sha256: id.into(),
            received_at: Utc::now(),
        }
    }

    fn inserted(ids: &[&str]) -> HashSet<(String, String)> {
        ids.iter().map(|id| ("i".into(), id.to_string())).collect()
    }

    #[test]
    fn a_delivery_repeated_in_a_batch_is_inserted_once_and_answered_as_a_duplicate() {
        let (a, b, a_again, c) = (delivery("a"), delivery("b"), delivery("a"), delivery("c"));
        let batch = [&a, &b, &a_again, &c];
        let firsts: Vec<&str> = first_occurrences(&batch)
            .iter()
            .map(|d| d.delivery_id.as_str())
            .collect();
        assert_eq!(firsts, ["a", "b", "c"]);
        // b was stored by an earlier batch.
        assert_eq!(
            outcomes(&batch, &inserted(&["a", "c"]), &HashSet::new(), None),
            [
                Taken::Accepted,
                Taken::AlreadyReceived,
                Taken::AlreadyReceived,
                Taken::Accepted
            ]
        );
    }

    #[test]
    fn when_the_queue_fails_every_new_delivery_and_its_repeats_fail_but_old_ones_do_not() {
        let (a, b, a_again) = (delivery("a"), delivery("b"), delivery("a"));
        let batch = [&a, &b, &a_again];
        let failed = Taken::NotQueued("Redis is gone".into());
        assert_eq!(
            outcomes(
                &batch,
                &inserted(&["a"]),
                &HashSet::new(),
                Some("Redis is gone")
            ),
            [failed.clone(), Taken::AlreadyReceived, failed]
        );
    }

    /// A batch whose statement failed was stored row by row: only the row that failed
    /// (and its repeats) is answered 503; the others are accepted.
    #[test]
    fn a_row_that_failed_alone_is_the_only_one_not_stored() {
        let (a, bad, c, bad_again) = (
            delivery("a"),
            delivery("bad"),
            delivery("c"),
            delivery("bad"),
        );
        let batch = [&a, &bad, &c, &bad_again];
        assert_eq!(
            outcomes(&batch, &inserted(&["a", "c"]), &inserted(&["bad"]), None),
            [
                Taken::Accepted,
                Taken::NotStored,
                Taken::Accepted,
                Taken::NotStored
            ]
        );
    }
}
