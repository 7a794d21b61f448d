//! What the API does with imports: queue runs (one per repository), cancel and retry
//! them, list them, and announce every change on the progress bus. The worker does
//! the importing (crates/worker); this side never talks to GitHub.

use chrono::Utc;
use entity::import_run::{RunKind, RunState};
use entity::{import_run, repository};
use queue::{
    ProgressBus, Queue,
    runs::{new_run, requeue, transition},
};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, Iterable,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
    sea_query::{Alias, Expr, Func},
};

use crate::error::{ApiError, ApiResult};
use crate::graphql::user_error::UserErrorCode;

#[derive(Clone)]
pub struct Imports {
    db: DatabaseConnection,
    queue: Queue,
}

fn not_found(what: &'static str, id: &str) -> ApiError {
    ApiError::NotFound {
        what,
        id: id.to_string(),
    }
}

/// A repository id that names none of the integration's repositories.
fn unknown_repository(_id: &str) -> ApiError {
    ApiError::user_at(
        UserErrorCode::RepositoryUnknown,
        &["repositoryIds"],
        "a repository named is not one of this integration's (or was removed from GitHub)",
    )
}

impl Imports {
    pub fn new(db: DatabaseConnection, queue: Queue) -> Self {
        Imports { db, queue }
    }

    pub fn bus(&self) -> &ProgressBus {
        &self.queue.bus
    }

    pub fn queue(&self) -> &Queue {
        &self.queue
    }

    /// Queues a full import of each repository (all of the integration's), marking
    /// them selected; one run each.
    pub async fn import_repositories(
        &self,
        integration_id: &str,
        repository_ids: &[String],
    ) -> ApiResult<Vec<import_run::Model>> {
        self.queue_available()?;
        self.integration_exists(integration_id).await?;
        if repository_ids.is_empty() {
            return Err(ApiError::user_at(
                UserErrorCode::RepositoriesMissing,
                &["repositoryIds"],
                "name at least one repository to import",
            ));
        }
        let mut wanted: Vec<String> = repository_ids.to_vec();
        wanted.dedup();
        let found = repository::Entity::find()
            .filter(repository::Column::Id.is_in(wanted.clone()))
            .all(&self.db)
            .await?;
        for id in &wanted {
            match found.iter().find(|r| &r.id == id) {
                None => return Err(unknown_repository(id)),
                Some(repo) if repo.integration_id != integration_id => {
                    return Err(ApiError::user_at(UserErrorCode::RepositoryUnknown, &["repositoryIds"], format!(
                        "the repository {}/{} belongs to another integration",
                        repo.owner, repo.name
                    )));
                }
                Some(_) => {}
            }
        }
        let txn = self.db.begin().await?;
        repository::Entity::update_many()
            .col_expr(repository::Column::Selected, Expr::value(true))
            .col_expr(repository::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(repository::Column::Id.is_in(wanted.clone()))
            .exec(&txn)
            .await?;
        let mut runs = Vec::with_capacity(wanted.len());
        for id in &wanted {
            runs.push(
                new_run(integration_id, id, RunKind::Full)
                    .insert(&txn)
                    .await?,
            );
        }
        txn.commit().await?;
        self.enqueue_all(&runs).await?;
        Ok(runs)
    }

    /// Queues an incremental run for every selected repository of the integration.
    pub async fn sync_integration(
        &self,
        integration_id: &str,
    ) -> ApiResult<Vec<import_run::Model>> {
        self.integration_exists(integration_id).await?;
        let selected = repository::Entity::find()
            .filter(repository::Column::IntegrationId.eq(integration_id))
            .filter(repository::Column::Selected.eq(true))
            .order_by_asc(repository::Column::Owner)
            .order_by_asc(repository::Column::Name)
            .all(&self.db)
            .await?;
        if selected.is_empty() {
            return Err(ApiError::user(
                UserErrorCode::NothingImported,
                "no repository of this integration is imported yet: import some with importRepositories first",
            ));
        }
        let txn = self.db.begin().await?;
        let mut runs = Vec::with_capacity(selected.len());
        for repo in &selected {
            runs.push(
                new_run(integration_id, &repo.id, RunKind::Incremental)
                    .insert(&txn)
                    .await?,
            );
        }
        txn.commit().await?;
        self.enqueue_all(&runs).await?;
        Ok(runs)
    }

    /// Cancels a queued or running run; a running one stops before its next request.
    pub async fn cancel(&self, run_id: &str) -> ApiResult<import_run::Model> {
        let run = self.get(run_id).await?;
        let cancelled = transition(
            &self.db,
            run_id,
            &[RunState::Queued, RunState::Running],
            RunState::Cancelled,
            None,
        )
        .await?;
        if !cancelled {
            return Err(ApiError::user(UserErrorCode::RunNotCancellable, format!(
                "the import run cannot be cancelled: it is {}",
                run.state.to_value()
            )));
        }
        let run = self.get(run_id).await?;
        self.queue.announce(&run).await;
        Ok(run)
    }

    /// Queues a failed or cancelled run again; it resumes from its last stored page.
    pub async fn retry(&self, run_id: &str) -> ApiResult<import_run::Model> {
        self.queue_available()?;
        let run = self.get(run_id).await?;
        if !requeue(&self.db, run_id).await? {
            return Err(ApiError::user(UserErrorCode::RunNotRetryable, format!(
                "the import run cannot be retried: it is {}; only FAILED and CANCELLED runs can",
                run.state.to_value()
            )));
        }
        let run = self.get(run_id).await?;
        self.enqueue_all(std::slice::from_ref(&run)).await?;
        Ok(run)
    }

    pub async fn get(&self, run_id: &str) -> ApiResult<import_run::Model> {
        import_run::Entity::find_by_id(run_id.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| not_found("import run", run_id))
    }

    /// A window of an integration's runs, newest first, and how many there are.
    pub async fn list(
        &self,
        integration_id: &str,
        offset: u64,
        limit: u64,
    ) -> ApiResult<(Vec<import_run::Model>, u64)> {
        self.integration_exists(integration_id).await?;
        let query =
            import_run::Entity::find().filter(import_run::Column::IntegrationId.eq(integration_id));
        let total = query.clone().count(&self.db).await?;
        let rows = query
            .order_by_desc(import_run::Column::QueuedAt)
            .order_by_desc(import_run::Column::Id)
            .offset(offset)
            .limit(limit)
            .all(&self.db)
            .await?;
        Ok((rows, total))
    }

    /// Runs per state, for the metrics.
    pub async fn count_by_state(&self) -> ApiResult<Vec<(RunState, u64)>> {
        let mut counts = Vec::new();
        for state in RunState::iter() {
            let count = import_run::Entity::find()
                .filter(import_run::Column::State.eq(state))
                .count(&self.db)
                .await?;
            counts.push((state, count));
        }
        Ok(counts)
    }

    /// GitHub requests made by the runs of each integration.
    pub async fn requests_by_integration(&self) -> ApiResult<Vec<(String, i64)>> {
        let rows: Vec<(String, Option<i64>)> = import_run::Entity::find()
            .select_only()
            .column(import_run::Column::IntegrationId)
            // PostgreSQL sums bigints as numeric; the cast keeps one type on both databases.
            .column_as(
                Expr::from(Func::cast_as(
                    Func::sum(Expr::col(import_run::Column::Requests)),
                    Alias::new("BIGINT"),
                )),
                "requests",
            )
            .group_by(import_run::Column::IntegrationId)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(integration, sum)| (integration, sum.unwrap_or(0)))
            .collect())
    }

    fn queue_available(&self) -> ApiResult<()> {
        match self.queue.unavailable() {
            Some(reason) => Err(ApiError::user(
                UserErrorCode::ImportsUnavailable,
                reason.to_string(),
            )),
            None => Ok(()),
        }
    }

    async fn integration_exists(&self, integration_id: &str) -> ApiResult<()> {
        entity::integration::Entity::find_by_id(integration_id.to_string())
            .one(&self.db)
            .await?
            .map(|_| ())
            .ok_or_else(|| not_found("integration", integration_id))
    }

    async fn enqueue_all(&self, runs: &[import_run::Model]) -> ApiResult<()> {
        for run in runs {
            self.queue
                .enqueue_run(&self.db, run)
                .await
                .map_err(ApiError::Internal)?;
        }
        Ok(())
    }
}
