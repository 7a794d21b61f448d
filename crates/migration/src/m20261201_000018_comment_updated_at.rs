//! `comments.updated_at`: when GitHub last changed a comment (an edit), so that a late
//! or redelivered `issue_comment` payload, or an import page fetched before a webhook,
//! cannot put back an older body (issue 16: rows move only forward). Rows stored
//! before have none; their next write sets it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Comments {
    Table,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Comments::Table)
                    .add_column(timestamp_with_time_zone_null(Comments::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Comments::Table)
                    .drop_column(Comments::UpdatedAt)
                    .to_owned(),
            )
            .await
    }
}
