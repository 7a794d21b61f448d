//! Who merged and closed: Flow counts merges and closures as actions of whoever did
//! them. `pull_requests.merged_by_*` keeps GitHub's `mergedBy`; `pull_request_events`
//! keeps the timeline events that say who did what and when (closed, reopened, merged,
//! ready for review, converted to draft, review requested and removed). An event's key
//! is its kind and second on its pull request, so the same event from an import and
//! from a webhook (which carries no event id) is one row.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PullRequests {
    Table,
    MergedByLogin,
    MergedByIsBot,
}

#[derive(DeriveIden)]
enum PullRequestEvents {
    Table,
    IntegrationId,
    PullRequestNodeId,
    EventKey,
    RepositoryId,
    Kind,
    ActorLogin,
    ActorIsBot,
    Subject,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Repositories {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PullRequests::Table)
                    .add_column(string_null(PullRequests::MergedByLogin))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PullRequests::Table)
                    .add_column(boolean(PullRequests::MergedByIsBot).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PullRequestEvents::Table)
                    .if_not_exists()
                    .col(string(PullRequestEvents::IntegrationId))
                    .col(string(PullRequestEvents::PullRequestNodeId))
                    .col(string(PullRequestEvents::EventKey))
                    .col(string(PullRequestEvents::RepositoryId))
                    .col(string(PullRequestEvents::Kind))
                    .col(string_null(PullRequestEvents::ActorLogin))
                    .col(boolean(PullRequestEvents::ActorIsBot))
                    .col(string_null(PullRequestEvents::Subject))
                    .col(timestamp_with_time_zone(PullRequestEvents::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(PullRequestEvents::IntegrationId)
                            .col(PullRequestEvents::PullRequestNodeId)
                            .col(PullRequestEvents::EventKey),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PullRequestEvents::Table, PullRequestEvents::RepositoryId)
                            .to(Repositories::Table, Repositories::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The Work log reads each contributor's events of a range.
        manager
            .create_index(
                Index::create()
                    .name("pull_request_events_integration_created")
                    .table(PullRequestEvents::Table)
                    .col(PullRequestEvents::IntegrationId)
                    .col(PullRequestEvents::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PullRequestEvents::Table).to_owned())
            .await?;
        crate::columns::drop(
            manager,
            PullRequests::Table,
            [PullRequests::MergedByLogin, PullRequests::MergedByIsBot],
        )
        .await
    }
}
