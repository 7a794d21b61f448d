//! The sweeper: the database is the truth about runs, the queue only carries them. A
//! run can lose its job in two ways, and each leaves a mark the database can see:
//! - its worker died (killed, or cut off from the database for longer than its lease):
//!   the run is RUNNING past `lease_expires_at`, since a live worker renews it every
//!   heartbeat;
//! - its job vanished from the queue (Redis restarted without its data, a failover to
//!   an empty replica) or was never pushed (the push failed after the run was stored):
//!   the run is QUEUED under another epoch than the queue's current one, or under
//!   none (see `epoch`);
//! - its job was taken from the queue but never reached a worker (Redis moved it to a
//!   worker's in-flight list and the connection broke before the answer came back):
//!   the run is QUEUED under the current epoch, pushed longer ago than
//!   `QueueConfig::job_silence`. Its push is forgotten, and it is pushed again like
//!   the others.
//!
//! Every worker sweeps every heartbeat. The first kind goes back to QUEUED (its
//! checkpoint kept, so it resumes) and then, like the second, gets a new job, within
//! its integration's window (`enqueue`: runs that wait their turn look the same, and
//! are pushed the same way). A job
//! pushed twice is harmless: a job carries only its run's id, and the first worker to
//! claim the run holds it; the other finds it leased or ended and drops its job.

use std::{future::Future, time::Duration};

use chrono::Utc;
use entity::import_run::{self, RunState};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
    sea_query::Expr,
};

use crate::storage::Queue;

/// What one pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// RUNNING runs past their lease, put back in the queue.
    pub released: u64,
    /// QUEUED runs without a job that got one (within their integration's window).
    pub requeued: usize,
}

/// One pass. `grace` is how long a QUEUED run may have gone without an epoch before
/// it counts as jobless: the time between storing a run and recording its push.
pub async fn sweep(
    db: &DatabaseConnection,
    queue: &Queue,
    grace: Duration,
) -> anyhow::Result<Swept> {
    let now = Utc::now();
    let released = import_run::Entity::update_many()
        .col_expr(import_run::Column::State, Expr::value(RunState::Queued))
        .col_expr(
            import_run::Column::LeaseExpiresAt,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .col_expr(
            import_run::Column::QueueEpoch,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            import_run::Column::WaitingFor,
            Expr::value(Option::<entity::import_run::WaitReason>::None),
        )
        .col_expr(
            import_run::Column::WaitingUntil,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .filter(import_run::Column::State.eq(RunState::Running))
        // Runs from before leases have none: they count as expired.
        .filter(
            Condition::any()
                .add(import_run::Column::LeaseExpiresAt.is_null())
                .add(import_run::Column::LeaseExpiresAt.lt(now)),
        )
        .exec(db)
        .await?
        .rows_affected;
    if released > 0 {
        tracing::warn!(
            released,
            "runs whose worker stopped renewing them went back to the queue"
        );
    }
    let epoch = queue.epoch.current().await?;
    let pushed_before =
        now - chrono::Duration::from_std(queue.config().job_silence()).unwrap_or_default();
    let silent = import_run::Entity::update_many()
        .col_expr(
            import_run::Column::QueueEpoch,
            Expr::value(Option::<String>::None),
        )
        .filter(import_run::Column::State.eq(RunState::Queued))
        .filter(import_run::Column::QueueEpoch.eq(epoch.as_str()))
        .filter(import_run::Column::UpdatedAt.lt(pushed_before))
        .exec(db)
        .await?
        .rows_affected;
    if silent > 0 {
        tracing::warn!(
            runs = silent,
            "queued runs whose job no worker took for a long while are pushed again (their job is presumed lost)"
        );
    }
    let queued_before = now - chrono::Duration::from_std(grace).unwrap_or_default();
    // Integrations with queued runs that have no job: their jobs vanished, a push
    // failed, or they wait their turn behind the integration's window. Each is topped
    // up to its window.
    let integrations: Vec<String> = import_run::Entity::find()
        .select_only()
        .column(import_run::Column::IntegrationId)
        .distinct()
        .filter(import_run::Column::State.eq(RunState::Queued))
        .filter(
            Condition::any()
                .add(import_run::Column::QueueEpoch.is_null())
                .add(import_run::Column::QueueEpoch.ne(epoch.as_str())),
        )
        // A run just stored gets its job from whoever stored it; and a run released
        // above kept its first `queued_at`, so it is not held back.
        .filter(import_run::Column::QueuedAt.lt(queued_before))
        .into_tuple()
        .all(db)
        .await?;
    let mut requeued = 0;
    for integration_id in integrations {
        requeued += queue.top_up_in(db, &integration_id, &epoch).await?;
    }
    if requeued > 0 {
        tracing::info!(
            runs = requeued,
            "queued runs without a job got one (the queue lost its data, a push failed, or their integration's window had room)"
        );
    }
    Ok(Swept { released, requeued })
}

/// Sweeps every `interval` until `stopped` completes. A failed pass (the database or
/// Redis away) is logged and tried again at the next tick.
pub async fn run_schedule(
    db: DatabaseConnection,
    queue: Queue,
    interval: Duration,
    stopped: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let passes = async {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(error) = sweep(&db, &queue, interval).await {
                tracing::warn!(%error, "the run sweep failed; trying again at the next heartbeat");
            }
        }
    };
    tokio::select! {
        () = passes => Ok(()),
        () = stopped => Ok(()),
    }
}
