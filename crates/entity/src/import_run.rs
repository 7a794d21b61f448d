use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::run_details::{Checkpoint, Counts, SkippedListings};

/// Where a run stands; stored as its name (`QUEUED`, …).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunState {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl RunState {
    /// A run in this state will not move again by itself (only a retry requeues it).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            RunState::Succeeded | RunState::Failed | RunState::Cancelled
        )
    }
}

/// What a run fetches; stored as its name (`FULL`, `INCREMENTAL`).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunKind {
    /// Everything GitHub has.
    Full,
    /// What changed since the repository's marks.
    Incremental,
}

/// Why a run failed, as a code a program can act on (the run's `error` says it in
/// words); stored as its name (`BAD_CREDENTIALS`, …).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// GitHub refused the token (401): revoked, expired or mistyped.
    BadCredentials,
    /// The organization enforces SAML SSO and the token is not authorized for it.
    SsoRequired,
    /// GitHub's primary or secondary rate limit stopped the run.
    RateLimited,
    /// GitHub could not be reached or kept failing (5xx, timeouts) past the retries.
    GithubUnavailable,
    /// GitHub does not know the repository (any more), or it left the integration.
    RepositoryNotFound,
    /// GitHub refused access to the repository's data (403).
    Forbidden,
    /// GitHub answered something Tributary could not use.
    GithubError,
    /// The run could not be put on the queue (Redis down, say).
    QueueUnavailable,
    /// The integration's stored token cannot be decrypted with this deployment's key.
    TokenUnreadable,
    /// Tributary itself failed (the database); the server log has the details.
    Internal,
}

/// What a RUNNING run is waiting for before its next request to GitHub; stored as its
/// name (`RATE_LIMIT`, …).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WaitReason {
    /// The token's rate-limit points are spent until GitHub's reset.
    RateLimit,
    /// GitHub's secondary rate limit: it asked to wait (`retry-after`).
    SecondaryRateLimit,
    /// GitHub failed (5xx, a timeout): the worker backs off before trying again.
    GithubUnavailable,
}

/// One import of one repository: what it fetched so far, where to resume, and how it ended.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub integration_id: String,
    pub repository_id: String,
    pub kind: RunKind,
    pub state: RunState,
    /// How many times a worker started it (a retry, or a resume after a worker died).
    pub attempt: i32,
    /// Per resource, the count fetched and GitHub's total.
    #[sea_orm(column_type = "JsonBinary")]
    pub counts: Counts,
    /// Resources the run did not fetch, with the reason.
    #[sea_orm(column_type = "JsonBinary")]
    pub skipped: SkippedListings,
    /// Per resource, the cursor after the last stored page.
    #[sea_orm(column_type = "JsonBinary")]
    pub checkpoint: Checkpoint,
    /// GitHub requests made and rate-limit points spent.
    pub requests: i64,
    pub points: i64,
    /// Why it failed, in words.
    pub error: Option<String>,
    /// Why it failed, as a code (null for runs that failed before codes were kept and
    /// whose message matched none).
    pub error_code: Option<ErrorCode>,
    pub queued_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
    /// Until when the worker running it holds it: renewed while it works, so a run
    /// RUNNING past it lost its worker and goes back to the queue.
    pub lease_expires_at: Option<DateTimeUtc>,
    /// The epoch of the queue its job was pushed into (`queue::storage::QueueEpoch`);
    /// a QUEUED run under another epoch, or none, has no job and gets one.
    pub queue_epoch: Option<String>,
    /// What the run is waiting for, while it waits (none otherwise).
    pub waiting_for: Option<WaitReason>,
    /// Until when it waits.
    pub waiting_until: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::repository::Entity",
        from = "Column::RepositoryId",
        to = "super::repository::Column::Id",
        on_delete = "Cascade"
    )]
    Repository,
}

impl Related<super::repository::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Repository.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
