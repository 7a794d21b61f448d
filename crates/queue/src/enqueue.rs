//! Queueing jobs: the only part of the queue the API uses.

use apalis::prelude::*;
use chrono::Utc;
use entity::{
    import_run::{self, ErrorCode, RunKind, RunState},
    run_details::{Checkpoint, Listing, ListingProgress},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, sea_query::Expr,
};

use crate::{
    jobs::{DeliveryJob, ImportJob},
    progress::ProgressEvent,
    runs::{Failure, new_run, transition_all},
    storage::{Backend, Queue},
};

impl Queue {
    /// Queues the runs' jobs in their order, all or none (one Lua script on Redis, one
    /// transaction on SQLite), and records on the runs still QUEUED the epoch their
    /// jobs went into (see `epoch`).
    pub(crate) async fn push_runs(
        &self,
        db: &impl ConnectionTrait,
        runs: &[import_run::Model],
    ) -> anyhow::Result<()> {
        let epoch = self.epoch.current().await?;
        let jobs: Vec<ImportJob> = runs
            .iter()
            .map(|run| ImportJob {
                run_id: run.id.clone(),
            })
            .collect();
        match self.backend.clone() {
            Backend::Redis { mut imports, .. } => imports
                .push_bulk(jobs)
                .await
                .map_err(|e| anyhow::anyhow!("queueing the import in Redis: {e}"))?,
            Backend::Sqlite { mut imports, .. } => imports
                .push_bulk(jobs)
                .await
                .map_err(|e| anyhow::anyhow!("queueing the import: {e}"))?,
            Backend::Unavailable(reason) => anyhow::bail!(reason),
        }
        import_run::Entity::update_many()
            .col_expr(import_run::Column::QueueEpoch, Expr::value(epoch))
            .filter(import_run::Column::Id.is_in(runs.iter().map(|run| run.id.as_str())))
            .filter(import_run::Column::State.eq(RunState::Queued))
            .exec(db)
            .await?;
        Ok(())
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
        match self.backend.clone() {
            Backend::Redis { mut deliveries, .. } => deliveries
                .push_bulk(jobs)
                .await
                .map_err(|e| anyhow::anyhow!("queueing deliveries in Redis: {e}")),
            Backend::Sqlite { mut deliveries, .. } => deliveries
                .push_bulk(jobs)
                .await
                .map_err(|e| anyhow::anyhow!("queueing deliveries: {e}")),
            Backend::Unavailable(reason) => Err(anyhow::anyhow!(reason)),
        }
    }

    /// Queues an incremental run of one repository, of `only` these listings when
    /// given; nothing when one is already waiting in the queue (it will see the same
    /// changes). Returns the run's id.
    pub async fn queue_sync(
        &self,
        db: &DatabaseConnection,
        integration_id: &str,
        repository_id: &str,
        only: Option<&[Listing]>,
    ) -> anyhow::Result<Option<String>> {
        let waiting = import_run::Entity::find()
            .filter(import_run::Column::RepositoryId.eq(repository_id))
            .filter(import_run::Column::State.eq(RunState::Queued))
            .count(db)
            .await?;
        if waiting > 0 {
            return Ok(None);
        }
        let mut run = new_run(integration_id, repository_id, RunKind::Incremental);
        if let Some(only) = only {
            // A listing marked done is one the run never walks.
            let checkpoint = Checkpoint(
                Listing::ALL
                    .into_iter()
                    .filter(|l| !only.contains(l))
                    .map(|l| {
                        (
                            l,
                            ListingProgress {
                                done: true,
                                ..Default::default()
                            },
                        )
                    })
                    .collect(),
            );
            run.checkpoint = sea_orm::ActiveValue::Set(checkpoint);
        }
        let run = run.insert(db).await?;
        self.enqueue_run(db, &run).await?;
        Ok(Some(run.id))
    }

    /// Announces a queued run on the progress bus and queues its job. A run that cannot
    /// be queued is marked FAILED with the reason, so it stays visible instead of
    /// waiting forever.
    pub async fn enqueue_run(
        &self,
        db: &impl ConnectionTrait,
        run: &import_run::Model,
    ) -> anyhow::Result<()> {
        self.enqueue_runs(db, std::slice::from_ref(run)).await
    }

    /// [`enqueue_run`](Self::enqueue_run) for many runs at once: their jobs go in one
    /// push, and if it fails they are all marked FAILED (QUEUE_UNAVAILABLE) in one
    /// statement and announced so.
    pub async fn enqueue_runs(
        &self,
        db: &impl ConnectionTrait,
        runs: &[import_run::Model],
    ) -> anyhow::Result<()> {
        if runs.is_empty() {
            return Ok(());
        }
        for run in runs {
            self.announce(run).await;
        }
        let Err(error) = self.push_runs(db, runs).await else {
            return Ok(());
        };
        let failure = Failure::new(
            ErrorCode::QueueUnavailable,
            format!("could not be queued: {error}"),
        );
        let ids: Vec<String> = runs.iter().map(|run| run.id.clone()).collect();
        transition_all(
            db,
            &ids,
            &[RunState::Queued],
            RunState::Failed,
            Some(&failure),
        )
        .await?;
        for run in runs {
            self.announce(&import_run::Model {
                state: RunState::Failed,
                error: Some(failure.message.clone()),
                error_code: Some(failure.code),
                ..run.clone()
            })
            .await;
        }
        Err(error)
    }

    /// Tells the progress bus's subscribers where a run stands now.
    pub async fn announce(&self, run: &import_run::Model) {
        self.bus
            .publish(ProgressEvent {
                run_id: run.id.clone(),
                integration_id: run.integration_id.clone(),
                repository_id: run.repository_id.clone(),
                state: run.state,
                counts: run.counts.clone(),
                skipped: run.skipped.clone(),
                error: run.error.clone(),
                error_code: run.error_code,
                at: Utc::now(),
            })
            .await;
    }
}
