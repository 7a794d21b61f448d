//! Import runs as the API and the worker share them: their states, what they count,
//! where they resume, and the transitions both sides make.

use chrono::{DateTime, Utc};
use entity::{
    import_run::{self, ErrorCode, RunKind, RunState, WaitReason},
    run_details::{Checkpoint, Counts, SkippedListings},
};
use github::GithubError;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::Expr,
};

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
        kind: Set(kind),
        state: Set(RunState::Queued),
        attempt: Set(0),
        counts: Set(Counts::default()),
        skipped: Set(SkippedListings::default()),
        checkpoint: Set(Checkpoint::default()),
        requests: Set(0),
        points: Set(0),
        error: Set(None),
        error_code: Set(None),
        queued_at: Set(now),
        started_at: Set(None),
        finished_at: Set(None),
        updated_at: Set(now),
        lease_expires_at: Set(None),
        queue_epoch: Set(None),
        waiting_for: Set(None),
        waiting_until: Set(None),
    }
}

/// Why a run failed: a code for programs, a message for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub code: ErrorCode,
    pub message: String,
}

impl Failure {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// GitHub's error, with its own message.
    pub fn github(error: &GithubError) -> Self {
        Failure::new(error_code(error), error.to_string())
    }
}

/// The code of a run that GitHub's error stopped.
pub fn error_code(error: &GithubError) -> ErrorCode {
    match error {
        GithubError::BadCredentials => ErrorCode::BadCredentials,
        GithubError::SsoRequired { .. } => ErrorCode::SsoRequired,
        GithubError::SecondaryRateLimit { .. } | GithubError::RateLimited { .. } => {
            ErrorCode::RateLimited
        }
        GithubError::Unreachable { .. } | GithubError::Timeout { .. } => {
            ErrorCode::GithubUnavailable
        }
        GithubError::Unexpected { status, .. } if *status >= 500 => ErrorCode::GithubUnavailable,
        GithubError::Forbidden { .. } => ErrorCode::Forbidden,
        GithubError::NotFound { .. } => ErrorCode::RepositoryNotFound,
        GithubError::Unexpected { .. } | GithubError::GraphQl(_) | GithubError::Decode { .. } => {
            ErrorCode::GithubError
        }
    }
}

/// Moves a run from one of `from` to `to`; false when it was in none of them (another
/// worker or a user got there first). The condition makes the move atomic.
pub async fn transition(
    db: &impl ConnectionTrait,
    run_id: &str,
    from: &[RunState],
    to: RunState,
    failure: Option<&Failure>,
) -> Result<bool, DbErr> {
    Ok(transition_all(db, &[run_id.to_string()], from, to, failure).await? == 1)
}

/// [`transition`] for many runs in one statement; how many moved.
pub async fn transition_all(
    db: &impl ConnectionTrait,
    run_ids: &[String],
    from: &[RunState],
    to: RunState,
    failure: Option<&Failure>,
) -> Result<u64, DbErr> {
    let now = Utc::now();
    let mut update = import_run::Entity::update_many()
        .col_expr(import_run::Column::State, Expr::value(to))
        .col_expr(import_run::Column::UpdatedAt, Expr::value(now));
    if to.is_final() {
        update = update
            .col_expr(import_run::Column::FinishedAt, Expr::value(now))
            .col_expr(
                import_run::Column::WaitingFor,
                Expr::value(Option::<WaitReason>::None),
            )
            .col_expr(
                import_run::Column::WaitingUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            );
    }
    if let Some(failure) = failure {
        update = update
            .col_expr(
                import_run::Column::Error,
                Expr::value(failure.message.as_str()),
            )
            .col_expr(import_run::Column::ErrorCode, Expr::value(failure.code));
    }
    let result = update
        .filter(import_run::Column::Id.is_in(run_ids.iter().map(String::as_str)))
        .filter(import_run::Column::State.is_in(from.iter().copied()))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Puts a failed or cancelled run back in the queue, keeping its checkpoint so it
/// resumes where it stopped.
pub async fn requeue(db: &impl ConnectionTrait, run_id: &str) -> Result<bool, DbErr> {
    let result = import_run::Entity::update_many()
        .col_expr(import_run::Column::State, Expr::value(RunState::Queued))
        .col_expr(
            import_run::Column::Error,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            import_run::Column::ErrorCode,
            Expr::value(Option::<ErrorCode>::None),
        )
        .col_expr(
            import_run::Column::FinishedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(import_run::Column::QueuedAt, Expr::value(Utc::now()))
        .col_expr(import_run::Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(
            import_run::Column::QueueEpoch,
            Expr::value(Option::<String>::None),
        )
        .filter(import_run::Column::Id.eq(run_id))
        .filter(import_run::Column::State.is_in([RunState::Failed, RunState::Cancelled]))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
