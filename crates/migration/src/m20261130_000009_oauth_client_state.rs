//! An OAuth state keeps the product's own `clientState` (startOAuth's input), which the
//! callback echoes back as `state=` on its redirect, so the product can check the round
//! trip is its own. Nullable: states issued before, and starts without one, have none.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OauthStates {
    Table,
    ClientState,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OauthStates::Table)
                    .add_column(text_null(OauthStates::ClientState))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OauthStates::Table)
                    .drop_column(OauthStates::ClientState)
                    .to_owned(),
            )
            .await
    }
}
