//! OAuth: the states we issued (one browser round trip each) and the grants a
//! finished round trip leaves for `createIntegration`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OauthStates {
    Table,
    State,
    PkceVerifierCiphertext,
    RedirectAfter,
    CreatedAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum OauthGrants {
    Table,
    Id,
    TokenCiphertext,
    Login,
    AccountId,
    GrantedScopes,
    Test,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OauthStates::Table)
                    .if_not_exists()
                    .col(string(OauthStates::State).primary_key())
                    .col(text(OauthStates::PkceVerifierCiphertext))
                    .col(text_null(OauthStates::RedirectAfter))
                    .col(timestamp_with_time_zone(OauthStates::CreatedAt))
                    .col(timestamp_with_time_zone_null(OauthStates::UsedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OauthGrants::Table)
                    .if_not_exists()
                    .col(string(OauthGrants::Id).primary_key())
                    .col(text(OauthGrants::TokenCiphertext))
                    .col(string(OauthGrants::Login))
                    .col(big_integer(OauthGrants::AccountId))
                    .col(text(OauthGrants::GrantedScopes))
                    .col(text(OauthGrants::Test))
                    .col(timestamp_with_time_zone(OauthGrants::CreatedAt))
                    .col(timestamp_with_time_zone(OauthGrants::ExpiresAt))
                    .col(timestamp_with_time_zone_null(OauthGrants::UsedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OauthGrants::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(OauthStates::Table).to_owned())
            .await
    }
}
