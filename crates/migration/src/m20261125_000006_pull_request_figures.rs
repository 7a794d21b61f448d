//! Each pull request's figures (time to first comment, reaction time, responsiveness,
//! …), computed from its timeline when the pull request or one of its actions is
//! stored, so that metrics over thousands of pull requests add up stored rows instead
//! of replaying every timeline per query. Two rows per pull request: with every action,
//! and without bots' actions (the `excludeBots` filter). `definition` says which
//! version of the definitions computed the row, so a change to them recomputes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Integrations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Repositories {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PullRequestFigures {
    Table,
    IntegrationId,
    PullRequestNodeId,
    WithoutBots,
    RepositoryId,
    Definition,
    TimeToFirstCommentHours,
    ReactionCount,
    ReactionHours,
    ResponsivenessCount,
    ResponsivenessHours,
    ThoroughlyReviewed,
    Comments,
    Reviews,
    ReviewerCount,
    Iterations,
    TimeToMergeHours,
    Size,
    Timeline,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use PullRequestFigures as F;
        manager
            .create_table(
                Table::create()
                    .table(F::Table)
                    .if_not_exists()
                    .col(string(F::IntegrationId))
                    .col(string(F::PullRequestNodeId))
                    .col(boolean(F::WithoutBots))
                    .col(string(F::RepositoryId))
                    .col(integer(F::Definition))
                    .col(double_null(F::TimeToFirstCommentHours))
                    .col(big_integer(F::ReactionCount))
                    .col(double(F::ReactionHours))
                    .col(big_integer(F::ResponsivenessCount))
                    .col(double(F::ResponsivenessHours))
                    .col(boolean(F::ThoroughlyReviewed))
                    .col(big_integer(F::Comments))
                    .col(big_integer(F::Reviews))
                    .col(big_integer(F::ReviewerCount))
                    .col(big_integer(F::Iterations))
                    .col(double_null(F::TimeToMergeHours))
                    .col(big_integer(F::Size))
                    // The lists a single pull request shows (each response, the reviewers).
                    .col(json(F::Timeline))
                    .primary_key(
                        Index::create()
                            .col(F::IntegrationId)
                            .col(F::PullRequestNodeId)
                            .col(F::WithoutBots),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(F::Table, F::IntegrationId)
                            .to(Integrations::Table, Integrations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    // Gone with their repository, as its pull requests are.
                    .foreign_key(
                        ForeignKey::create()
                            .from(F::Table, F::RepositoryId)
                            .to(Repositories::Table, Repositories::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PullRequestFigures::Table).to_owned())
            .await
    }
}
