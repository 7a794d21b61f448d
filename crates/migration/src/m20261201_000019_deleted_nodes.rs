//! `deleted_nodes`: the GitHub node ids of comments and tickets a webhook deleted. A
//! late or redelivered `created`/`edited` payload for one of them (GitHub does not
//! deliver in order) would otherwise store it again (issue 16: rows move only forward;
//! a deletion is the furthest forward). GitHub never reuses a node id.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DeletedNodes {
    Table,
    IntegrationId,
    NodeId,
    DeletedAt,
}

#[derive(DeriveIden)]
enum Integrations {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DeletedNodes::Table)
                    .col(string(DeletedNodes::IntegrationId))
                    .col(string(DeletedNodes::NodeId))
                    .col(timestamp_with_time_zone(DeletedNodes::DeletedAt))
                    .primary_key(
                        Index::create()
                            .col(DeletedNodes::IntegrationId)
                            .col(DeletedNodes::NodeId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DeletedNodes::Table, DeletedNodes::IntegrationId)
                            .to(Integrations::Table, Integrations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DeletedNodes::Table).to_owned())
            .await
    }
}
