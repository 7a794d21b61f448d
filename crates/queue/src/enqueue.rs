//! Queueing jobs: the only part of the queue the API uses.

use apalis::prelude::*;
use chrono::Utc;
use entity::{
    import_run::{self, ErrorCode, RunKind, RunState},
    run_details::{Checkpoint, Listing, ListingProgress},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
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
        epoch: &str,
    ) -> anyhow::Result<()> {
        if runs.is_empty() {
            return Ok(());
        }
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
        // The push's time too: a job untaken for long is presumed lost (`sweeper`).
        import_run::Entity::update_many()
            .col_expr(import_run::Column::QueueEpoch, Expr::value(epoch))
            .col_expr(
                import_run::Column::UpdatedAt,
                Expr::value(chrono::Utc::now()),
            )
            .filter(import_run::Column::Id.is_in(runs.iter().map(|run| run.id.as_str())))
            .filter(import_run::Column::State.eq(RunState::Queued))
            .exec(db)
            .await?;
        Ok(())
    }

    /// How many more jobs of the integration the queue may hold: its window less its
    /// runs RUNNING or QUEUED with a job in this epoch.
    async fn room(
        &self,
        db: &impl ConnectionTrait,
        integration_id: &str,
        epoch: &str,
    ) -> anyhow::Result<usize> {
        let holding = import_run::Entity::find()
            .filter(import_run::Column::IntegrationId.eq(integration_id))
            .filter(
                Condition::any()
                    .add(import_run::Column::State.eq(RunState::Running))
                    .add(
                        Condition::all()
                            .add(import_run::Column::State.eq(RunState::Queued))
                            .add(import_run::Column::QueueEpoch.eq(epoch)),
                    ),
            )
            .count(db)
            .await?;
        Ok(self.config().window.saturating_sub(holding as usize))
    }

    /// Pushes, per integration, as many of `runs` (in their order) as its window has
    /// room for; the others stay QUEUED in the database, without a job, until
    /// [`top_up`](Self::top_up) pushes them as the integration's runs end.
    async fn push_within_windows(
        &self,
        db: &impl ConnectionTrait,
        runs: &[import_run::Model],
    ) -> anyhow::Result<()> {
        let epoch = self.epoch.current().await?;
        let integrations: std::collections::BTreeSet<&str> =
            runs.iter().map(|r| r.integration_id.as_str()).collect();
        for integration_id in integrations {
            let of_it: Vec<import_run::Model> = runs
                .iter()
                .filter(|run| run.integration_id == integration_id)
                .cloned()
                .collect();
            let room = self.room(db, integration_id, &epoch).await?;
            self.push_runs(db, &of_it[..room.min(of_it.len())], &epoch)
                .await?;
        }
        Ok(())
    }

    /// Pushes the integration's oldest queued runs without a job, as many as its window
    /// has room for; how many. Called when one of its runs ends, and by the sweeper.
    pub async fn top_up(
        &self,
        db: &impl ConnectionTrait,
        integration_id: &str,
    ) -> anyhow::Result<usize> {
        let epoch = self.epoch.current().await?;
        self.top_up_in(db, integration_id, &epoch).await
    }

    /// [`top_up`](Self::top_up) under an epoch the caller has just read.
    pub(crate) async fn top_up_in(
        &self,
        db: &impl ConnectionTrait,
        integration_id: &str,
        epoch: &str,
    ) -> anyhow::Result<usize> {
        let room = self.room(db, integration_id, epoch).await?;
        if room == 0 {
            return Ok(0);
        }
        let waiting = import_run::Entity::find()
            .filter(import_run::Column::IntegrationId.eq(integration_id))
            .filter(import_run::Column::State.eq(RunState::Queued))
            .filter(
                Condition::any()
                    .add(import_run::Column::QueueEpoch.is_null())
                    .add(import_run::Column::QueueEpoch.ne(epoch)),
            )
            .order_by_asc(import_run::Column::QueuedAt)
            .limit(room as u64)
            .all(db)
            .await?;
        self.push_runs(db, &waiting, epoch).await?;
        Ok(waiting.len())
    }

    /// [`top_up`](Self::top_up) for the integration of a run that just ended (or was
    /// dropped).
    pub async fn top_up_after(
        &self,
        db: &impl ConnectionTrait,
        run_id: &str,
    ) -> anyhow::Result<usize> {
        let integration: Option<String> = import_run::Entity::find_by_id(run_id.to_string())
            .select_only()
            .column(import_run::Column::IntegrationId)
            .into_tuple()
            .one(db)
            .await?;
        match integration {
            Some(integration_id) => self.top_up(db, &integration_id).await,
            None => Ok(0),
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
    /// push per integration, within its window (the rest wait in the database for
    /// [`top_up`](Self::top_up)), and if a push fails they are all marked FAILED
    /// (QUEUE_UNAVAILABLE) in one statement and announced so.
    pub async fn enqueue_runs(
        &self,
        db: &impl ConnectionTrait,
        runs: &[import_run::Model],
    ) -> anyhow::Result<()> {
        if runs.is_empty() {
            return Ok(());
        }
        self.announce_all(runs.iter().cloned()).await;
        let Err(error) = self.push_within_windows(db, runs).await else {
            return Ok(());
        };
        // The run tells its readers what happened and what to do; why the queue failed
        // (a Redis or database error's text) goes to the log, never to a client.
        tracing::warn!(%error, runs = runs.len(), "the import queue refused runs");
        let failure = Failure::new(
            ErrorCode::QueueUnavailable,
            "could not be queued: the import queue could not be reached; retry once it is back",
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
        self.announce_all(runs.iter().map(|run| import_run::Model {
            state: RunState::Failed,
            error: Some(failure.message.clone()),
            error_code: Some(failure.code),
            ..run.clone()
        }))
        .await;
        Err(error)
    }

    /// Tells the progress bus's subscribers where a run stands now.
    pub async fn announce(&self, run: &import_run::Model) {
        self.bus.publish(event_of(run)).await;
    }

    /// [`announce`](Self::announce) for many runs, in one go.
    pub async fn announce_all(&self, runs: impl IntoIterator<Item = import_run::Model>) {
        self.bus
            .publish_all(runs.into_iter().map(|run| event_of(&run)).collect())
            .await;
    }
}

/// Where a run stands, as the progress bus tells it.
fn event_of(run: &import_run::Model) -> ProgressEvent {
    ProgressEvent {
        run_id: run.id.clone(),
        integration_id: run.integration_id.clone(),
        repository_id: run.repository_id.clone(),
        state: run.state,
        counts: run.counts.clone(),
        skipped: run.skipped.clone(),
        error: run.error.clone(),
        error_code: run.error_code,
        at: Utc::now(),
    }
}
