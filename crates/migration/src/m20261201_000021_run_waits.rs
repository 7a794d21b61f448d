//! `import_runs.waiting_for` and `import_runs.waiting_until` (issue 18): a run that
//! waits for GitHub (its rate limit spent until the reset, a secondary limit's
//! `retry-after`, a back-off after failures) says so and until when, instead of looking
//! like a RUNNING run that does nothing.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImportRuns {
    Table,
    WaitingFor,
    WaitingUntil,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::columns::add(
            manager,
            ImportRuns::Table,
            [
                string_null(ImportRuns::WaitingFor),
                timestamp_with_time_zone_null(ImportRuns::WaitingUntil),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::columns::drop(
            manager,
            ImportRuns::Table,
            [ImportRuns::WaitingFor, ImportRuns::WaitingUntil],
        )
        .await
    }
}
