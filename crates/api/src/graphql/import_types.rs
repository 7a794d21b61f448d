//! GraphQL types of imports: runs, their per-resource progress and progress events, and
//! the repositories they import with where their imports stand (a repository and its
//! runs name each other, so they live in one file).

use async_graphql::{ComplexObject, Context, Enum, ID, Object, Result, SimpleObject, Union};
use chrono::{DateTime, Utc};
use entity::run_details::{Counts, Resource, Skipped};
use entity::{import_run, repository};
use queue::ProgressEvent;

use super::cursor::{Page, PageLimits, PageRequest};
use super::loaders::{
    ActiveRun, GroupWebhook, LastRun, LastSynced, RepositoryById, RunCount, RunPage, load,
};
use super::node_id::{self, NodeKind};
use super::webhook_types::OrganizationWebhook;
use crate::{
    error::IntoGraphQl,
    integrations::service::Integrations,
    run_queries::{RunFilter, RunKey, RunWindow, RunsOf},
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

/// Why a run failed, as a code a program can act on; `error` says it in words.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::import_run::ErrorCode")]
pub enum ImportErrorCode {
    /// GitHub refused the token (401): it was revoked, expired or mistyped. Update the
    /// integration's token (or reconnect through OAuth), then retry the run.
    BadCredentials,
    /// The organization enforces SAML SSO and the token is not authorized for it:
    /// authorize it (the group's `ssoUrl`), then retry.
    SsoRequired,
    /// GitHub's rate limit stopped the run; retry after the limit resets.
    RateLimited,
    /// GitHub could not be reached or kept failing (5xx, timeouts) through every retry;
    /// retry later.
    GithubUnavailable,
    /// GitHub does not know the repository (deleted, renamed away or no longer visible
    /// to the token), or it left the integration; refresh the groups.
    RepositoryNotFound,
    /// GitHub refused access to the repository's data (403): check the token's access
    /// to it.
    Forbidden,
    /// GitHub answered something Tributary could not use; retry, and report it if it
    /// stays.
    GithubError,
    /// The run could not be put on the queue (Redis was down, say); retry once the
    /// queue is back.
    QueueUnavailable,
    /// The integration's stored token cannot be decrypted with this deployment's
    /// encryption key: restore the key, or update the token.
    TokenUnreadable,
    /// Tributary itself failed; the server log has the details. Retry.
    Internal,
}

/// What a RUNNING run is waiting for before its next request to GitHub.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::import_run::WaitReason")]
pub enum ImportWaitReason {
    /// The token's rate-limit points are spent: the run goes on after GitHub's reset
    /// (`until`). The integration's `rateLimit` shows what is left.
    RateLimit,
    /// GitHub's secondary rate limit (too many requests at once): it asked to wait
    /// (`retry-after`).
    SecondaryRateLimit,
    /// GitHub failed (5xx, a timeout): the worker backs off before trying again.
    GithubUnavailable,
}

/// What a RUNNING run is waiting for, and until when.
#[derive(SimpleObject, Clone, Debug)]
pub struct ImportRunWait {
    /// Why it waits.
    pub reason: ImportWaitReason,
    /// When it will make its next request (its best estimate).
    pub until: DateTime<Utc>,
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

/// A GitHub repository of a group.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Repository {
    /// The repository's row id (the global id is `id`).
    #[graphql(skip)]
    pub row_id: String,
    /// GitHub's GraphQL node id.
    pub github_id: ID,
    /// The owning organization or user.
    pub owner: String,
    /// The repository's name.
    pub name: String,
    /// Visible only to those GitHub lets see it.
    pub private: bool,
    /// Read-only on GitHub.
    pub archived: bool,
    /// A fork of another repository.
    pub fork: bool,
    /// The branch whose commits are imported.
    pub default_branch: Option<String>,
    /// The repository's page on GitHub.
    pub url: String,
    /// Chosen for import (by `importRepositories` or `importGroup`): syncs cover it.
    pub selected: bool,
    /// When GitHub last saw a push to any branch; null when it never did.
    pub pushed_at: Option<DateTime<Utc>>,
    #[graphql(skip)]
    pub group_id: String,
}

#[ComplexObject]
impl Repository {
    /// The repository's global id.
    pub(crate) async fn id(&self) -> ID {
        node_id::encode(NodeKind::Repository, &self.row_id)
    }

    /// `owner/name`.
    async fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// The run queued or running for this repository, if any: what the import page
    /// follows (`importProgress`) and what `importGroup` answers instead of queueing
    /// another.
    async fn active_import_run(&self, ctx: &Context<'_>) -> Result<Option<ImportRun>> {
        Ok(load(ctx, ActiveRun(self.row_id.clone()))
            .await?
            .map(ImportRun))
    }

    /// The newest run of this repository by queue time, whatever its state.
    async fn last_import_run(&self, ctx: &Context<'_>) -> Result<Option<ImportRun>> {
        Ok(load(ctx, LastRun(self.row_id.clone()))
            .await?
            .map(ImportRun))
    }

    /// When the last successful run of this repository ended (an import or a sync):
    /// its data is current up to about then. Null until one succeeds.
    async fn last_synced_at(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        load(ctx, LastSynced(self.row_id.clone())).await
    }

    /// The repository's import runs, newest first (forward paging).
    async fn import_runs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The `endCursor` of the page before (paging forward).")] after: Option<
            String,
        >,
        #[graphql(desc = "How many from the start (or after `after`), at most 100.")] first: Option<
            i32,
        >,
        #[graphql(desc = "Only runs in these states.")] states: Option<Vec<ImportState>>,
    ) -> Result<ImportRunConnection> {
        let filter = RunFilter {
            repository_ids: None,
            states: states.map(|s| s.into_iter().map(Into::into).collect()),
        };
        import_runs_page(ctx, RunsOf::Repository, &self.row_id, filter, after, first).await
    }

    /// Tributary's hook in the repository's organization (the same for every
    /// repository there): whether it delivers, or why not. Null for the account's own
    /// repositories, and until the webhook rules first look at the organization.
    async fn webhook(&self, ctx: &Context<'_>) -> Result<Option<OrganizationWebhook>> {
        Ok(load(ctx, GroupWebhook(self.group_id.clone()))
            .await?
            .map(OrganizationWebhook))
    }
}

impl From<repository::Model> for Repository {
    fn from(r: repository::Model) -> Self {
        Repository {
            row_id: r.id,
            github_id: ID(r.github_node_id),
            owner: r.owner,
            name: r.name,
            private: r.private,
            archived: r.archived,
            fork: r.fork,
            default_branch: r.default_branch,
            url: r.url,
            selected: r.selected,
            pushed_at: r.pushed_at,
            group_id: r.group_id,
        }
    }
}

#[derive(Clone)]
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
        let found = load(ctx, RepositoryById(self.0.repository_id.clone())).await?;
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

    /// Why the run failed, in words (for people; programs read `errorCode`).
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }

    /// Why the run failed, as a code (FAILED only; null for runs that failed before
    /// codes were kept, when their message matched none).
    async fn error_code(&self) -> Option<ImportErrorCode> {
        self.0.error_code.map(Into::into)
    }

    /// What the run is waiting for before its next request to GitHub, and until when;
    /// null while it is not waiting (every event of the progress subscription carries
    /// the run, so a screen learns when a wait starts and ends).
    async fn wait(&self) -> Option<ImportRunWait> {
        Some(ImportRunWait {
            reason: self.0.waiting_for?.into(),
            until: self.0.waiting_until?,
        })
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
#[derive(SimpleObject, Clone)]
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
    /// Why the run failed, as a code (FAILED only).
    pub error_code: Option<ImportErrorCode>,
    /// When the change happened.
    pub at: DateTime<Utc>,
    /// The run as stored when the event was delivered (it may be a step further than
    /// `state`), so a normalised cache updates the run from the event itself.
    pub run: ImportRun,
}

impl ImportProgressEvent {
    pub fn new(event: ProgressEvent, run: import_run::Model) -> Self {
        ImportProgressEvent {
            run_id: node_id::encode(NodeKind::ImportRun, &event.run_id),
            integration_id: node_id::encode(NodeKind::Integration, &event.integration_id),
            repository_id: node_id::encode(NodeKind::Repository, &event.repository_id),
            state: event.state.into(),
            resources: resources(&event.counts),
            skipped: skipped(&event.skipped),
            error: event.error,
            error_code: event.error_code.map(Into::into),
            at: event.at,
            run: ImportRun(run),
        }
    }
}

/// Events went by that this subscriber did not get: it fell behind the stream, or this
/// server lost its link to the workers (Redis) for a while. Whatever the runs did
/// meanwhile is in the runs themselves: refetch them (`importRuns`,
/// `Repository.activeImportRun`); the events after this one arrive as usual.
#[derive(SimpleObject, Clone, Debug)]
pub struct ImportEventsMissed {
    /// The integration subscribed to.
    pub integration_id: ID,
    /// When the gap was noticed.
    pub at: DateTime<Utc>,
}

/// What `importProgress` pushes: a run's change, or word that some were missed.
#[derive(Union, Clone)]
pub enum ImportProgressUpdate {
    Event(Box<ImportProgressEvent>),
    Missed(ImportEventsMissed),
}

pub type ImportRunConnection = Page<ImportRun>;

const PAGE: PageLimits = PageLimits {
    default: 20,
    max: 100,
};

const ORDERING: &str = "importRuns:QUEUED_AT:DESC";

/// The runs of an integration that pass the filters, newest first (forward paging).
pub async fn integration_runs_page(
    ctx: &Context<'_>,
    integration_id: &str,
    repository_ids: Option<Vec<String>>,
    states: Option<Vec<ImportState>>,
    after: Option<String>,
    first: Option<i32>,
) -> Result<ImportRunConnection> {
    // An unknown integration is named, not answered with an empty list.
    ctx.data::<Integrations>()?
        .get(integration_id)
        .await
        .gql()?;
    let filter = RunFilter {
        repository_ids,
        states: states.map(|s| s.into_iter().map(Into::into).collect()),
    };
    import_runs_page(
        ctx,
        RunsOf::Integration,
        integration_id,
        filter,
        after,
        first,
    )
    .await
}

/// The runs of an integration or a repository that pass the filter, newest first, as a
/// Relay connection (forward paging); pages of many repositories load together.
pub async fn import_runs_page(
    ctx: &Context<'_>,
    of: RunsOf,
    id: &str,
    filter: RunFilter,
    after: Option<String>,
    first: Option<i32>,
) -> Result<ImportRunConnection> {
    let request = PageRequest::<RunKey>::forward(ORDERING, after, first, PAGE).gql()?;
    let page = load(
        ctx,
        RunPage {
            of,
            id: id.to_string(),
            filter: filter.clone(),
            window: RunWindow {
                after: request.after.clone(),
                limit: request.fetch(),
            },
        },
    );
    let count = load(
        ctx,
        RunCount {
            of,
            id: id.to_string(),
            filter,
        },
    );
    let (rows, total) = futures_util::try_join!(page, count)?;
    Ok(request.connection(
        rows.unwrap_or_default(),
        RunKey::of,
        ImportRun,
        total.unwrap_or(0),
    ))
}
