//! A worker's hold on the run it works on (issue 16, item 11). Claiming a run sets its
//! lease; the worker renews it every third of the lease while it works, waits for
//! GitHub's rate limit included; a run RUNNING past its lease lost its worker, and the
//! queue's sweeper (`queue::sweeper`) queues it again. The claim's attempt number
//! fences the writes: once another worker has claimed the run (its attempt is
//! higher), the old holder's renewals and pages change nothing, and it stops.

use std::time::Duration;

use chrono::Utc;
use entity::import_run::{self, RunState};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, sea_query::Expr,
};

/// One claim of one run: the run's id and the attempt the claim made it.
#[derive(Clone, Debug)]
pub struct Lease {
    pub run_id: String,
    pub attempt: i32,
    pub length: Duration,
}

impl Lease {
    /// When a lease taken or renewed now ends.
    pub fn expires_at(length: Duration) -> chrono::DateTime<Utc> {
        Utc::now() + chrono::Duration::from_std(length).unwrap_or(chrono::Duration::MAX)
    }

    /// The rows a claim may take: QUEUED, or RUNNING without a live lease (its worker
    /// died; from before leases, none).
    pub fn claimable() -> Condition {
        Condition::any()
            .add(import_run::Column::State.eq(RunState::Queued))
            .add(
                Condition::all()
                    .add(import_run::Column::State.eq(RunState::Running))
                    .add(
                        Condition::any()
                            .add(import_run::Column::LeaseExpiresAt.is_null())
                            .add(import_run::Column::LeaseExpiresAt.lt(Utc::now())),
                    ),
            )
    }

    /// The run as long as this claim holds it: still RUNNING, at this attempt.
    pub fn held(&self) -> Condition {
        Condition::all()
            .add(import_run::Column::Id.eq(self.run_id.as_str()))
            .add(import_run::Column::State.eq(RunState::Running))
            .add(import_run::Column::Attempt.eq(self.attempt))
    }

    /// Renews the lease; false when the claim no longer holds the run (cancelled, or
    /// taken by another worker after this one went quiet for too long).
    pub async fn renew(&self, db: &DatabaseConnection) -> Result<bool, sea_orm::DbErr> {
        let renewed = import_run::Entity::update_many()
            .col_expr(
                import_run::Column::LeaseExpiresAt,
                Expr::value(Some(Lease::expires_at(self.length))),
            )
            .filter(self.held())
            .exec(db)
            .await?;
        Ok(renewed.rows_affected == 1)
    }

    /// Renews the lease every third of its length until the claim no longer holds the
    /// run; a failed renewal (the database away for a moment) is tried at the next tick.
    pub async fn keep(&self, db: &DatabaseConnection) {
        loop {
            tokio::time::sleep(self.length / 3).await;
            match self.renew(db).await {
                Ok(true) => {}
                Ok(false) => return,
                Err(error) => {
                    tracing::warn!(%error, "could not renew the run's lease; trying again")
                }
            }
        }
    }
}
