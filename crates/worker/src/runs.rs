//! Import runs as the API and the worker share them: their states, what they count,
//! where they resume, and the transitions both sides make.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::import_run;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::Expr,
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunState {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl RunState {
    pub const ALL: [RunState; 5] = [
        RunState::Queued,
        RunState::Running,
        RunState::Succeeded,
        RunState::Failed,
        RunState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Queued => "QUEUED",
            RunState::Running => "RUNNING",
            RunState::Succeeded => "SUCCEEDED",
            RunState::Failed => "FAILED",
            RunState::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(text: &str) -> Option<RunState> {
        RunState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            RunState::Succeeded | RunState::Failed | RunState::Cancelled
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunKind {
    /// Everything GitHub has.
    Full,
    /// What changed since the repository's marks.
    Incremental,
}

impl RunKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Full => "FULL",
            RunKind::Incremental => "INCREMENTAL",
        }
    }

    pub fn parse(text: &str) -> Option<RunKind> {
        [RunKind::Full, RunKind::Incremental]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// A kind of row an import stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Resource {
    Commits,
    PullRequests,
    PullRequestCommits,
    Reviews,
    Comments,
    Reactions,
    Tickets,
    TicketEvents,
}

impl Resource {
    pub const ALL: [Resource; 8] = [
        Resource::Commits,
        Resource::PullRequests,
        Resource::PullRequestCommits,
        Resource::Reviews,
        Resource::Comments,
        Resource::Reactions,
        Resource::Tickets,
        Resource::TicketEvents,
    ];
}

/// The three listings a run walks page by page; every other resource is nested in one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Listing {
    Commits,
    PullRequests,
    Tickets,
}

impl Listing {
    pub const ALL: [Listing; 3] = [Listing::Commits, Listing::PullRequests, Listing::Tickets];

    pub fn as_str(self) -> &'static str {
        match self {
            Listing::Commits => "COMMITS",
            Listing::PullRequests => "PULL_REQUESTS",
            Listing::Tickets => "TICKETS",
        }
    }

    /// The resource counted with GitHub's `totalCount` of the listing.
    pub fn resource(self) -> Resource {
        match self {
            Listing::Commits => Resource::Commits,
            Listing::PullRequests => Resource::PullRequests,
            Listing::Tickets => Resource::Tickets,
        }
    }

    /// The integration service that must be on for this listing, named as users see it.
    pub fn service(self) -> &'static str {
        match self {
            Listing::Commits => "Repos",
            Listing::PullRequests => "Pull requests",
            Listing::Tickets => "Tickets",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceCount {
    pub fetched: i64,
    /// GitHub's `totalCount`, known for the three listings only.
    pub total: Option<i64>,
}

pub type Counts = BTreeMap<Resource, ResourceCount>;

/// A listing the run did not fetch, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub listing: Listing,
    pub reason: String,
}

/// Where a listing stands: the cursor after the last stored page, whether it is done,
/// and the newest date seen on the field its marks track (kept here so a resumed run
/// still advances the marks by everything it stored).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingProgress {
    pub after: Option<String>,
    pub done: bool,
    pub newest: Option<DateTime<Utc>>,
}

pub type Checkpoint = BTreeMap<Listing, ListingProgress>;

/// The JSON columns of a run, read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunDetails {
    pub counts: Counts,
    pub skipped: Vec<Skipped>,
    pub checkpoint: Checkpoint,
}

impl RunDetails {
    pub fn of(model: &import_run::Model) -> RunDetails {
        // Written only by this module; an unreadable column would be a bug, and starting
        // that part afresh is the lossless answer (upserts make refetching harmless).
        RunDetails {
            counts: serde_json::from_str(&model.counts).unwrap_or_default(),
            skipped: serde_json::from_str(&model.skipped).unwrap_or_default(),
            checkpoint: serde_json::from_str(&model.checkpoint).unwrap_or_default(),
        }
    }
}

pub fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("run details always serialize")
}

/// A new queued run.
pub fn new_run(
    integration_id: &str,
    repository_id: &str,
    kind: RunKind,
) -> import_run::ActiveModel {
    let now = Utc::now();
    import_run::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        integration_id: Set(integration_id.to_string()),
        repository_id: Set(repository_id.to_string()),
        kind: Set(kind.as_str().into()),
        state: Set(RunState::Queued.as_str().into()),
        attempt: Set(0),
        counts: Set(to_json(&Counts::new())),
        skipped: Set(to_json(&Vec::<Skipped>::new())),
        checkpoint: Set(to_json(&Checkpoint::new())),
        requests: Set(0),
        points: Set(0),
        error: Set(None),
        queued_at: Set(now),
        started_at: Set(None),
        finished_at: Set(None),
        updated_at: Set(now),
    }
}

/// Moves a run from one of `from` to `to`; false when it was in none of them (another
/// worker or a user got there first). The condition makes the move atomic.
pub async fn transition(
    db: &impl ConnectionTrait,
    run_id: &str,
    from: &[RunState],
    to: RunState,
    error: Option<&str>,
) -> Result<bool, DbErr> {
    let now = Utc::now();
    let mut update = import_run::Entity::update_many()
        .col_expr(import_run::Column::State, Expr::value(to.as_str()))
        .col_expr(import_run::Column::UpdatedAt, Expr::value(now));
    if to.is_final() {
        update = update.col_expr(import_run::Column::FinishedAt, Expr::value(now));
    }
    if let Some(error) = error {
        update = update.col_expr(import_run::Column::Error, Expr::value(error));
    }
    let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
    let result = update
        .filter(import_run::Column::Id.eq(run_id))
        .filter(import_run::Column::State.is_in(from))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Puts a failed or cancelled run back in the queue, keeping its checkpoint so it
/// resumes where it stopped.
pub async fn requeue(db: &impl ConnectionTrait, run_id: &str) -> Result<bool, DbErr> {
    let result = import_run::Entity::update_many()
        .col_expr(
            import_run::Column::State,
            Expr::value(RunState::Queued.as_str()),
        )
        .col_expr(
            import_run::Column::Error,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            import_run::Column::FinishedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(import_run::Column::QueuedAt, Expr::value(Utc::now()))
        .col_expr(import_run::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(import_run::Column::Id.eq(run_id))
        .filter(
            import_run::Column::State
                .is_in([RunState::Failed.as_str(), RunState::Cancelled.as_str()]),
        )
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
