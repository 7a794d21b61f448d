//! What the API does with imports: queue runs (one per repository), cancel and retry
//! them, list them, and announce every change on the progress bus. The worker does
//! the importing (crates/worker); this side never talks to GitHub.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::import_run::{RunKind, RunState};
use entity::{group, import_run, repository};
use queue::{
    ProgressBus, Queue,
    runs::{new_run, requeue, transition},
};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Iterable,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait, TryIntoModel,
    sea_query::{Alias, Expr, Func},
};

use crate::error::{ApiError, ApiResult};
use crate::graphql::user_error::UserErrorCode;
use crate::run_queries::{RunFilter, newest_runs};

/// The most repositories one `importRepositories` takes: its statements bind the list,
/// well within what SQLite (32,766 parameters) and PostgreSQL (65,535) accept, and an
/// organization of thousands fits in one call.
pub const MAX_REPOSITORIES_AT_ONCE: usize = 5_000;

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
    /// them selected; one run each, except that a repository with a run already queued
    /// or running gets that run back instead of a second one.
    pub async fn import_repositories(
        &self,
        integration_id: &str,
        repository_ids: &[String],
    ) -> ApiResult<Vec<import_run::Model>> {
        // What the input says is answered first, whatever the deployment.
        if repository_ids.is_empty() {
            return Err(ApiError::user_at(
                UserErrorCode::RepositoriesMissing,
                &["repositoryIds"],
                "name at least one repository to import",
            ));
        }
        if repository_ids.len() > MAX_REPOSITORIES_AT_ONCE {
            return Err(ApiError::user_at(
                UserErrorCode::RepositoriesTooMany,
                &["repositoryIds"],
                format!(
                    "{} repositories named; at most {MAX_REPOSITORIES_AT_ONCE} at once (importGroup imports a whole group)",
                    repository_ids.len()
                ),
            ));
        }
        self.queue_available()?;
        self.integration_exists(integration_id).await?;
        let mut seen = HashSet::new();
        let wanted: Vec<String> = repository_ids
            .iter()
            .filter(|id| seen.insert(id.as_str()))
            .cloned()
            .collect();
        let found = repository::Entity::find()
            .filter(repository::Column::Id.is_in(wanted.clone()))
            .all(&self.db)
            .await?;
        let found: HashMap<&str, &repository::Model> =
            found.iter().map(|r| (r.id.as_str(), r)).collect();
        for id in &wanted {
            match found.get(id.as_str()) {
                None => return Err(unknown_repository(id)),
                Some(repo) if repo.integration_id != integration_id => {
                    return Err(ApiError::user_at(
                        UserErrorCode::RepositoryUnknown,
                        &["repositoryIds"],
                        format!(
                            "the repository {}/{} belongs to another integration",
                            repo.owner, repo.name
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        self.import(integration_id, &wanted).await
    }

    /// [`import_repositories`](Self::import_repositories) for every repository of a
    /// group, by owner and name.
    pub async fn import_group(&self, group_id: &str) -> ApiResult<Vec<import_run::Model>> {
        self.queue_available()?;
        let group = group::Entity::find_by_id(group_id.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| not_found("group", group_id))?;
        let mut repositories = repository::Entity::find()
            .filter(repository::Column::GroupId.eq(group_id))
            .all(&self.db)
            .await?;
        // The Repos tab's order: case-insensitive, byte by byte, whatever the database.
        repositories
            .sort_by_cached_key(|r| (r.owner.to_lowercase(), r.name.to_lowercase(), r.id.clone()));
        let ids: Vec<String> = repositories.into_iter().map(|r| r.id).collect();
        if ids.is_empty() {
            return Err(ApiError::user_at(
                UserErrorCode::NothingToImport,
                &["groupId"],
                format!("{} has no repository the integration can see", group.login),
            ));
        }
        self.import(&group.integration_id, &ids).await
    }

    /// Marks the repositories selected and gives each its run, in their order: the one
    /// already queued or running, or a new full run. One statement marks, one reads the
    /// active runs, batched inserts add the new runs and one push queues them. Marking
    /// first locks the repositories' rows until the commit, so two imports of the same
    /// repositories at once queue one run, not two.
    async fn import(
        &self,
        integration_id: &str,
        repository_ids: &[String],
    ) -> ApiResult<Vec<import_run::Model>> {
        let txn = self.db.begin().await?;
        repository::Entity::update_many()
            .col_expr(repository::Column::Selected, Expr::value(true))
            .col_expr(repository::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(repository::Column::Id.is_in(repository_ids.iter().map(String::as_str)))
            .exec(&txn)
            .await?;
        let mut active = newest_runs(&txn, repository_ids, &RunFilter::active()).await?;
        let queued: Vec<import_run::Model> = repository_ids
            .iter()
            .filter(|id| !active.contains_key(*id))
            .map(|id| {
                new_run(integration_id, id, RunKind::Full)
                    .try_into_model()
                    .expect("a new run sets every column")
            })
            .collect();
        insert_runs(&txn, &queued).await?;
        txn.commit().await?;
        self.enqueue_all(&queued).await?;
        let mut queued: HashMap<String, import_run::Model> = queued
            .into_iter()
            .map(|run| (run.repository_id.clone(), run))
            .collect();
        Ok(repository_ids
            .iter()
            .filter_map(|id| active.remove(id).or_else(|| queued.remove(id)))
            .collect())
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
        let runs: Vec<import_run::Model> = selected
            .iter()
            .map(|repo| {
                new_run(integration_id, &repo.id, RunKind::Incremental)
                    .try_into_model()
                    .expect("a new run sets every column")
            })
            .collect();
        insert_runs(&self.db, &runs).await?;
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
            return Err(ApiError::user(
                UserErrorCode::RunNotCancellable,
                format!(
                    "the import run cannot be cancelled: it is {}",
                    run.state.to_value()
                ),
            ));
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
            return Err(ApiError::user(
                UserErrorCode::RunNotRetryable,
                format!(
                    "the import run cannot be retried: it is {}; only FAILED and CANCELLED runs can",
                    run.state.to_value()
                ),
            ));
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

    /// Queues the runs' jobs. When the queue cannot take them, the runs are already
    /// marked FAILED (`QUEUE_UNAVAILABLE`, visible and retryable), and the caller is
    /// told so with the same code rather than an internal error.
    async fn enqueue_all(&self, runs: &[import_run::Model]) -> ApiResult<()> {
        self.queue
            .enqueue_runs(&self.db, runs)
            .await
            .map_err(|_| {
                ApiError::user(
                    UserErrorCode::QueueUnavailable,
                    format!(
                        "The import queue could not be reached, so {} run(s) could not be queued; they are listed as FAILED with QUEUE_UNAVAILABLE. Retry them once the queue is back.",
                        runs.len()
                    ),
                )
            })
    }
}

/// Rows per insert: as many as half the backend's bound-parameter limit allows at a
/// run's columns (SQLite 32,766, PostgreSQL 65,535), so 5,000 runs are a few
/// statements, each a round trip.
fn insert_batch(db: &impl ConnectionTrait) -> usize {
    let parameters = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => 65_535,
        _ => 32_766,
    };
    (parameters / 2 / import_run::Column::iter().count()).max(1)
}

async fn insert_runs(db: &impl ConnectionTrait, runs: &[import_run::Model]) -> ApiResult<()> {
    for chunk in runs.chunks(insert_batch(db)) {
        import_run::Entity::insert_many(chunk.iter().cloned().map(import_run::ActiveModel::from))
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}
