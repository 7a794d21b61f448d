//! GraphQL types of imports: runs, their per-resource progress, and progress events.

use async_graphql::{
    Context, Enum, ID, Object, Result, SimpleObject,
    connection::{Connection, Edge, EmptyFields, query},
};
use chrono::{DateTime, Utc};
use entity::run_details::{Counts, Resource, Skipped};
use entity::{import_run, repository};
use queue::ProgressEvent;
use sea_orm::EntityTrait;

use super::node_id::{self, NodeKind};
use super::types::Repository;
use crate::{
    error::{ApiError, IntoGraphQl},
    imports::Imports,
    integrations::service::Integrations,
};

/// Where an import run stands.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::import_run::RunState")]
pub enum ImportState {
    /// Waiting for a worker.
    Queued,
    /// A worker is fetching and storing pages.
    Running,
    /// Everything was fetched and stored.
    Succeeded,
    /// Stopped by an error; `error` says why. `retryImport` resumes it.
    Failed,
    /// Stopped by a user. `retryImport` resumes it.
    Cancelled,
}

/// What an import run fetches.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::import_run::RunKind")]
pub enum ImportKind {
    /// Everything GitHub has for the repository.
    Full,
    /// Only what changed since the repository's last successful run.
    Incremental,
}

/// A kind of data an import stores.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::run_details::Resource")]
pub enum ImportResource {
    /// Commits on the default branch.
    Commits,
    /// Pull requests of every state, drafts included.
    PullRequests,
    /// The commits listed on pull requests.
    PullRequestCommits,
    /// Submitted reviews of pull requests.
    Reviews,
    /// Conversation and review-thread comments on pull requests, and ticket comments.
    Comments,
    /// Reactions to pull requests: stored, never counted by a metric.
    Reactions,
    /// GitHub issues that are not pull requests.
    Tickets,
    /// Ticket timeline events (closed, reopened, assigned, labeled, ...).
    TicketEvents,
}

/// How far one resource of a run got.
#[derive(SimpleObject, Clone, Debug)]
pub struct ResourceProgress {
    /// The kind of data.
    pub resource: ImportResource,
    /// Rows fetched and stored so far.
    pub fetched: i64,
    /// The total GitHub reported (known for commits, pull requests and tickets).
    pub total: Option<i64>,
}

/// A resource a run did not fetch, and why.
#[derive(SimpleObject, Clone, Debug)]
pub struct SkippedResource {
    /// The kind of data left out.
    pub resource: ImportResource,
    /// Why, in words.
    pub reason: String,
}

fn resources(counts: &Counts) -> Vec<ResourceProgress> {
    Resource::ALL
        .into_iter()
        .map(|resource| {
            let count = counts.get(&resource).copied().unwrap_or_default();
            ResourceProgress {
                resource: resource.into(),
                fetched: count.fetched,
                total: count.total,
            }
        })
        .collect()
}

fn skipped(list: &[Skipped]) -> Vec<SkippedResource> {
    list.iter()
        .map(|s| SkippedResource {
            resource: s.listing.resource().into(),
            reason: s.reason.clone(),
        })
        .collect()
}

pub struct ImportRun(pub import_run::Model);

/// One import of one repository.
#[Object]
impl ImportRun {
    /// The run's global id.
    pub(crate) async fn id(&self) -> ID {
        node_id::encode(NodeKind::ImportRun, &self.0.id)
    }

    /// The global id of the integration the run belongs to.
    async fn integration_id(&self) -> ID {
        node_id::encode(NodeKind::Integration, &self.0.integration_id)
    }

    /// The global id of the repository imported.
    async fn repository_id(&self) -> ID {
        node_id::encode(NodeKind::Repository, &self.0.repository_id)
    }

    /// The repository imported; null once it is gone from the integration.
    async fn repository(&self, ctx: &Context<'_>) -> Result<Option<Repository>> {
        let db = ctx.data::<Integrations>()?.db();
        let found = repository::Entity::find_by_id(self.0.repository_id.clone())
            .one(db)
            .await
            .map_err(|e| ApiError::from(e).into_graphql())?;
        Ok(found.map(Repository::from))
    }

    /// A full import, or an incremental sync.
    async fn kind(&self) -> ImportKind {
        self.0.kind.into()
    }

    /// Where the run stands.
    async fn state(&self) -> ImportState {
        self.0.state.into()
    }

    /// How many times a worker started it (retries and resumes included).
    async fn attempt(&self) -> i32 {
        self.0.attempt
    }

    /// Per resource, the rows fetched and GitHub's total.
    async fn resources(&self) -> Vec<ResourceProgress> {
        resources(&self.0.counts)
    }

    /// Resources the integration's services left out, with the reason.
    async fn skipped(&self) -> Vec<SkippedResource> {
        skipped(&self.0.skipped)
    }

    /// Requests made to GitHub.
    async fn github_requests(&self) -> i64 {
        self.0.requests
    }

    /// GitHub rate-limit points spent.
    async fn rate_limit_points(&self) -> i64 {
        self.0.points
    }

    /// Why the run failed, in words.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }

    /// When the run was queued (again, for a retry).
    async fn queued_at(&self) -> DateTime<Utc> {
        self.0.queued_at
    }

    /// When a worker first started it.
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }

    /// When it ended: succeeded, failed or was cancelled.
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }
}

/// A run changed: queued, started, stored a page, or ended (SUCCEEDED, FAILED, CANCELLED).
#[derive(SimpleObject, Clone, Debug)]
pub struct ImportProgressEvent {
    /// The run that changed.
    pub run_id: ID,
    /// The integration the run belongs to.
    pub integration_id: ID,
    /// The repository the run imports.
    pub repository_id: ID,
    /// The run's state after the change; the last event of a run has its final state.
    pub state: ImportState,
    /// Per resource, the rows fetched so far and GitHub's total.
    pub resources: Vec<ResourceProgress>,
    /// Resources the run leaves out, with the reason.
    pub skipped: Vec<SkippedResource>,
    /// Why the run failed, in words (FAILED only).
    pub error: Option<String>,
    /// When the change happened.
    pub at: DateTime<Utc>,
}

impl From<ProgressEvent> for ImportProgressEvent {
    fn from(event: ProgressEvent) -> Self {
        ImportProgressEvent {
            run_id: node_id::encode(NodeKind::ImportRun, &event.run_id),
            integration_id: node_id::encode(NodeKind::Integration, &event.integration_id),
            repository_id: node_id::encode(NodeKind::Repository, &event.repository_id),
            state: event.state.into(),
            resources: resources(&event.counts),
            skipped: skipped(&event.skipped),
            error: event.error,
            at: event.at,
        }
    }
}

#[derive(SimpleObject)]
pub struct ImportRunConnectionFields {
    /// All runs of the integration.
    pub total_count: u64,
}

const MAX_PAGE: usize = 100;
const DEFAULT_PAGE: usize = 20;

/// The integration's runs, newest first, as a Relay connection (forward paging).
pub async fn import_runs_page(
    imports: &Imports,
    integration_id: &str,
    after: Option<String>,
    first: Option<i32>,
) -> Result<Connection<usize, ImportRun, ImportRunConnectionFields, EmptyFields>> {
    query(
        after,
        None,
        first,
        None,
        |after: Option<usize>, _before: Option<usize>, first: Option<usize>, _last| async move {
            let size = first.unwrap_or(DEFAULT_PAGE);
            if size > MAX_PAGE {
                return Err(async_graphql::Error::new(format!(
                    "first can be at most {MAX_PAGE}"
                )));
            }
            let start = after.map(|a| a + 1).unwrap_or(0);
            let (rows, total) = imports
                .list(integration_id, start as u64, size as u64)
                .await
                .gql()?;
            let total = total as usize;
            let mut connection = Connection::with_additional_fields(
                start > 0,
                start + rows.len() < total,
                ImportRunConnectionFields {
                    total_count: total as u64,
                },
            );
            connection.edges.extend(
                rows.into_iter()
                    .enumerate()
                    .map(|(i, run)| Edge::new(start + i, ImportRun(run))),
            );
            Ok::<_, async_graphql::Error>(connection)
        },
    )
    .await
}
