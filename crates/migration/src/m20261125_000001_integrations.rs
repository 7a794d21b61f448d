use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Integrations {
    Table,
    Id,
    Name,
    AuthKind,
    TokenCiphertext,
    Login,
    AccountId,
    GrantedScopes,
    ReposEnabled,
    PullRequestsEnabled,
    TicketsEnabled,
    WebhooksEnabled,
    LastTestOk,
    LastTest,
    LastTestedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    Id,
    IntegrationId,
    GithubId,
    Login,
    Kind,
    Role,
    Access,
    Problem,
    SsoUrl,
    HiddenPrivateRepos,
    RefreshedAt,
}

#[derive(DeriveIden)]
enum Repositories {
    Table,
    Id,
    IntegrationId,
    GroupId,
    GithubNodeId,
    GithubDatabaseId,
    Owner,
    Name,
    Private,
    Archived,
    Fork,
    DefaultBranch,
    Url,
    PushedAt,
    Selected,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Integrations::Table)
                    .if_not_exists()
                    .col(string(Integrations::Id).primary_key())
                    .col(string(Integrations::Name))
                    .col(string(Integrations::AuthKind))
                    .col(text(Integrations::TokenCiphertext))
                    .col(string(Integrations::Login))
                    .col(big_integer(Integrations::AccountId))
                    .col(text(Integrations::GrantedScopes))
                    .col(boolean(Integrations::ReposEnabled))
                    .col(boolean(Integrations::PullRequestsEnabled))
                    .col(boolean(Integrations::TicketsEnabled))
                    .col(boolean(Integrations::WebhooksEnabled))
                    .col(boolean(Integrations::LastTestOk))
                    .col(text(Integrations::LastTest))
                    .col(timestamp_with_time_zone(Integrations::LastTestedAt))
                    .col(timestamp_with_time_zone(Integrations::CreatedAt))
                    .col(timestamp_with_time_zone(Integrations::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Groups::Table)
                    .if_not_exists()
                    .col(string(Groups::Id).primary_key())
                    .col(string(Groups::IntegrationId))
                    .col(big_integer(Groups::GithubId))
                    .col(string(Groups::Login))
                    .col(string(Groups::Kind))
                    .col(string_null(Groups::Role))
                    .col(string(Groups::Access))
                    .col(text_null(Groups::Problem))
                    .col(text_null(Groups::SsoUrl))
                    .col(big_integer_null(Groups::HiddenPrivateRepos))
                    .col(timestamp_with_time_zone(Groups::RefreshedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Groups::Table, Groups::IntegrationId)
                            .to(Integrations::Table, Integrations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("groups_integration_github_id")
                    .table(Groups::Table)
                    .col(Groups::IntegrationId)
                    .col(Groups::GithubId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Repositories::Table)
                    .if_not_exists()
                    .col(string(Repositories::Id).primary_key())
                    .col(string(Repositories::IntegrationId))
                    .col(string(Repositories::GroupId))
                    .col(string(Repositories::GithubNodeId))
                    .col(big_integer_null(Repositories::GithubDatabaseId))
                    .col(string(Repositories::Owner))
                    .col(string(Repositories::Name))
                    .col(boolean(Repositories::Private))
                    .col(boolean(Repositories::Archived))
                    .col(boolean(Repositories::Fork))
                    .col(string_null(Repositories::DefaultBranch))
                    .col(text(Repositories::Url))
                    .col(string_null(Repositories::PushedAt))
                    .col(boolean(Repositories::Selected).default(false))
                    .col(timestamp_with_time_zone(Repositories::CreatedAt))
                    .col(timestamp_with_time_zone(Repositories::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Repositories::Table, Repositories::IntegrationId)
                            .to(Integrations::Table, Integrations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Repositories::Table, Repositories::GroupId)
                            .to(Groups::Table, Groups::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("repositories_integration_node_id")
                    .table(Repositories::Table)
                    .col(Repositories::IntegrationId)
                    .col(Repositories::GithubNodeId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The Repos tab lists by owner and name, for the whole integration or one group.
        manager
            .create_index(
                Index::create()
                    .name("repositories_integration_owner_name")
                    .table(Repositories::Table)
                    .col(Repositories::IntegrationId)
                    .col(Repositories::Owner)
                    .col(Repositories::Name)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("repositories_group_owner_name")
                    .table(Repositories::Table)
                    .col(Repositories::GroupId)
                    .col(Repositories::Owner)
                    .col(Repositories::Name)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Repositories::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Groups::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Integrations::Table).to_owned())
            .await
    }
}
