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
        // One column a statement: SQLite's ALTER TABLE adds one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(ImportRuns::Table)
                    .add_column(string_null(ImportRuns::WaitingFor))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ImportRuns::Table)
                    .add_column(timestamp_with_time_zone_null(ImportRuns::WaitingUntil))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [ImportRuns::WaitingFor, ImportRuns::WaitingUntil] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ImportRuns::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
