//! What makes the database the truth about runs whose job is gone (issue 16, item 11):
//! `import_runs.lease_expires_at`, until when the worker running a run holds it (it
//! renews the lease while it works; a run still RUNNING past its lease lost its
//! worker), and `import_runs.queue_epoch`, the epoch of the queue its job was pushed
//! into (a run QUEUED under another epoch than the queue's own, or under none, has no
//! job: Redis lost its data, or the push failed). Rows from before have neither, and
//! the sweeper gives them a job once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImportRuns {
    Table,
    LeaseExpiresAt,
    QueueEpoch,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::columns::add(
            manager,
            ImportRuns::Table,
            [
                timestamp_with_time_zone_null(ImportRuns::LeaseExpiresAt),
                string_null(ImportRuns::QueueEpoch),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::columns::drop(
            manager,
            ImportRuns::Table,
            [ImportRuns::LeaseExpiresAt, ImportRuns::QueueEpoch],
        )
        .await
    }
}
