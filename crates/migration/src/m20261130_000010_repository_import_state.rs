//! What the Repos tab sorts and shows per repository:
//!
//! - `repositories.pushed_at` becomes a timestamp: it held GitHub's ISO 8601 text
//!   (`2024-05-01T12:00:00Z`), which sorts wrongly beside the other dates and cannot be
//!   compared with a bound time. PostgreSQL converts the column; SQLite keeps any column
//!   type, so its values are rewritten in the text form the other timestamps have there
//!   (`2024-05-01T12:00:00+00:00`), which sorts in time order.
//! - `import_runs.error_code`: why a run failed as a code beside its message. Runs that
//!   failed before are given the code their message shows, where it shows one.
//! - `import_runs (repository_id, queued_at)`: each repository's newest run.

use sea_orm_migration::{
    prelude::*,
    schema::*,
    sea_orm::{DbBackend, Statement, Value},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImportRuns {
    Table,
    ErrorCode,
    RepositoryId,
    QueuedAt,
}

const INDEX: &str = "import_runs_repository_queued";

/// The messages runs failed with before codes were stored (`LIKE` patterns, first
/// match wins) and the code each means.
const MESSAGES: &[(&str, &str)] = &[
    ("the token was revoked or expired%", "BAD_CREDENTIALS"),
    ("GitHub rejected the token (401%", "BAD_CREDENTIALS"),
    ("could not be queued%", "QUEUE_UNAVAILABLE"),
    ("GitHub failed % times in a row%", "GITHUB_UNAVAILABLE"),
    ("Could not reach GitHub%", "GITHUB_UNAVAILABLE"),
    ("GitHub did not answer%", "GITHUB_UNAVAILABLE"),
    ("%enforces SAML single sign-on%", "SSO_REQUIRED"),
    ("GitHub's secondary rate limit%", "RATE_LIMITED"),
    ("The token's GitHub rate limit%", "RATE_LIMITED"),
    ("GitHub refused access (%", "FORBIDDEN"),
    ("Not found on GitHub%", "REPOSITORY_NOT_FOUND"),
    (
        "the integration or repository was deleted",
        "REPOSITORY_NOT_FOUND",
    ),
    (
        "the integration's token cannot be read%",
        "TOKEN_UNREADABLE",
    ),
    ("internal error while storing%", "INTERNAL"),
    ("GitHub answered %", "GITHUB_ERROR"),
    ("GitHub's GraphQL API answered with errors%", "GITHUB_ERROR"),
    ("Could not read GitHub's answer%", "GITHUB_ERROR"),
];

async fn pushed_at_to_timestamp(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let sql = match manager.get_database_backend() {
        // Anything that is not an ISO date (never written by GitHub) becomes NULL.
        DbBackend::Postgres => {
            "ALTER TABLE repositories ALTER COLUMN pushed_at TYPE timestamp with time zone \
             USING (CASE WHEN pushed_at ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' THEN pushed_at::timestamptz END)"
        }
        // strftime reads `Z` and offsets, and answers NULL for what it cannot read.
        _ => {
            "UPDATE repositories SET pushed_at = strftime('%Y-%m-%dT%H:%M:%S', pushed_at) || '+00:00' \
             WHERE pushed_at IS NOT NULL"
        }
    };
    manager.get_connection().execute_unprepared(sql).await?;
    Ok(())
}

async fn pushed_at_to_text(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let sql = match manager.get_database_backend() {
        DbBackend::Postgres => {
            "ALTER TABLE repositories ALTER COLUMN pushed_at TYPE varchar \
             USING to_char(pushed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
        }
        _ => {
            "UPDATE repositories SET pushed_at = strftime('%Y-%m-%dT%H:%M:%SZ', pushed_at) \
             WHERE pushed_at IS NOT NULL"
        }
    };
    manager.get_connection().execute_unprepared(sql).await?;
    Ok(())
}

async fn backfill_error_codes(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let backend = manager.get_database_backend();
    let (code, pattern) = match backend {
        DbBackend::Postgres => ("$1", "$2"),
        _ => ("?", "?"),
    };
    let sql = format!(
        "UPDATE import_runs SET error_code = {code} \
         WHERE state = 'FAILED' AND error_code IS NULL AND error LIKE {pattern}"
    );
    for (like, value) in MESSAGES {
        manager
            .get_connection()
            .execute_raw(Statement::from_sql_and_values(
                backend,
                &sql,
                [Value::from(*value), Value::from(*like)],
            ))
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        pushed_at_to_timestamp(manager).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ImportRuns::Table)
                    .add_column(string_null(ImportRuns::ErrorCode))
                    .to_owned(),
            )
            .await?;
        backfill_error_codes(manager).await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(ImportRuns::Table)
                    .col(ImportRuns::RepositoryId)
                    .col(ImportRuns::QueuedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INDEX)
                    .table(ImportRuns::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ImportRuns::Table)
                    .drop_column(ImportRuns::ErrorCode)
                    .to_owned(),
            )
            .await?;
        pushed_at_to_text(manager).await
    }
}
