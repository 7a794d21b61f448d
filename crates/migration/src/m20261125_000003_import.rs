//! The import: runs (one per repository and request, with their checkpoint), the
//! high-water marks of incremental sync, and the GitHub data itself.
//!
//! Every data row is keyed by what GitHub calls it — the node id within an
//! integration, or the oid within a repository for commits — so a retried page or a
//! re-run updates rows instead of adding them. Dates, authors and repositories are
//! indexed for the metrics built on these tables.

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
enum ImportRuns {
    Table,
    Id,
    IntegrationId,
    RepositoryId,
    Kind,
    State,
    Attempt,
    Counts,
    Skipped,
    Checkpoint,
    Requests,
    Points,
    Error,
    QueuedAt,
    StartedAt,
    FinishedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SyncMarks {
    Table,
    RepositoryId,
    Resource,
    IntegrationId,
    Mark,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Commits {
    Table,
    RepositoryId,
    Oid,
    IntegrationId,
    NodeId,
    MessageHeadline,
    AuthoredAt,
    CommittedAt,
    AuthorName,
    AuthorEmail,
    AuthorLogin,
    CommitterName,
    CommitterEmail,
    CommitterLogin,
    Additions,
    Deletions,
    ChangedFiles,
    ParentCount,
    ImportedAt,
}

#[derive(DeriveIden)]
enum PullRequests {
    Table,
    IntegrationId,
    NodeId,
    RepositoryId,
    Number,
    Title,
    Body,
    State,
    IsDraft,
    CreatedAt,
    UpdatedAt,
    MergedAt,
    ClosedAt,
    AuthorLogin,
    AuthorIsBot,
    BaseRef,
    HeadRef,
    Additions,
    Deletions,
    ChangedFiles,
    MergeCommitOid,
    Labels,
    Assignees,
    RequestedReviewers,
    ImportedAt,
}

#[derive(DeriveIden)]
enum PullRequestCommits {
    Table,
    IntegrationId,
    PullRequestNodeId,
    Oid,
    RepositoryId,
    MessageHeadline,
    AuthoredAt,
    CommittedAt,
    AuthorName,
    AuthorEmail,
    AuthorLogin,
}

#[derive(DeriveIden)]
enum Reviews {
    Table,
    IntegrationId,
    NodeId,
    RepositoryId,
    PullRequestNodeId,
    State,
    AuthorLogin,
    AuthorIsBot,
    SubmittedAt,
    Body,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    IntegrationId,
    NodeId,
    RepositoryId,
    ParentNodeId,
    ParentKind,
    Kind,
    AuthorLogin,
    AuthorIsBot,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Reactions {
    Table,
    IntegrationId,
    NodeId,
    RepositoryId,
    SubjectNodeId,
    Content,
    UserLogin,
    CreatedAt,
    ExcludedFromMetrics,
}

#[derive(DeriveIden)]
enum Tickets {
    Table,
    IntegrationId,
    NodeId,
    RepositoryId,
    Number,
    Title,
    State,
    StateReason,
    AuthorLogin,
    AuthorIsBot,
    Labels,
    Assignees,
    CreatedAt,
    UpdatedAt,
    ClosedAt,
    ImportedAt,
}

#[derive(DeriveIden)]
enum TicketEvents {
    Table,
    IntegrationId,
    NodeId,
    RepositoryId,
    TicketNodeId,
    Kind,
    ActorLogin,
    Subject,
    CreatedAt,
}

fn cascade_to_repository<T: IntoIden + 'static, C: IntoIden + 'static>(
    table: T,
    column: C,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Repositories::Table, Repositories::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn cascade_to_integration<T: IntoIden + 'static, C: IntoIden + 'static>(
    table: T,
    column: C,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Integrations::Table, Integrations::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn index<T: IntoIden + 'static>(
    name: &str,
    table: T,
    columns: Vec<DynIden>,
) -> IndexCreateStatement {
    let mut statement = Index::create().name(name).table(table).to_owned();
    for column in columns {
        statement.col(column);
    }
    statement
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ImportRuns::Table)
                    .if_not_exists()
                    .col(string(ImportRuns::Id).primary_key())
                    .col(string(ImportRuns::IntegrationId))
                    .col(string(ImportRuns::RepositoryId))
                    .col(string(ImportRuns::Kind))
                    .col(string(ImportRuns::State))
                    .col(integer(ImportRuns::Attempt).default(0))
                    .col(text(ImportRuns::Counts))
                    .col(text(ImportRuns::Skipped))
                    .col(text(ImportRuns::Checkpoint))
                    .col(big_integer(ImportRuns::Requests).default(0))
                    .col(big_integer(ImportRuns::Points).default(0))
                    .col(text_null(ImportRuns::Error))
                    .col(timestamp_with_time_zone(ImportRuns::QueuedAt))
                    .col(timestamp_with_time_zone_null(ImportRuns::StartedAt))
                    .col(timestamp_with_time_zone_null(ImportRuns::FinishedAt))
                    .col(timestamp_with_time_zone(ImportRuns::UpdatedAt))
                    .foreign_key(&mut cascade_to_integration(
                        ImportRuns::Table,
                        ImportRuns::IntegrationId,
                    ))
                    .foreign_key(&mut cascade_to_repository(
                        ImportRuns::Table,
                        ImportRuns::RepositoryId,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SyncMarks::Table)
                    .if_not_exists()
                    .col(string(SyncMarks::RepositoryId))
                    .col(string(SyncMarks::Resource))
                    .col(string(SyncMarks::IntegrationId))
                    .col(timestamp_with_time_zone(SyncMarks::Mark))
                    .col(timestamp_with_time_zone(SyncMarks::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(SyncMarks::RepositoryId)
                            .col(SyncMarks::Resource),
                    )
                    .foreign_key(&mut cascade_to_repository(
                        SyncMarks::Table,
                        SyncMarks::RepositoryId,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Commits::Table)
                    .if_not_exists()
                    .col(string(Commits::RepositoryId))
                    .col(string(Commits::Oid))
                    .col(string(Commits::IntegrationId))
                    .col(string(Commits::NodeId))
                    .col(text(Commits::MessageHeadline))
                    .col(timestamp_with_time_zone(Commits::AuthoredAt))
                    .col(timestamp_with_time_zone(Commits::CommittedAt))
                    .col(string_null(Commits::AuthorName))
                    .col(string_null(Commits::AuthorEmail))
                    .col(string_null(Commits::AuthorLogin))
                    .col(string_null(Commits::CommitterName))
                    .col(string_null(Commits::CommitterEmail))
                    .col(string_null(Commits::CommitterLogin))
                    .col(big_integer(Commits::Additions))
                    .col(big_integer(Commits::Deletions))
                    .col(big_integer_null(Commits::ChangedFiles))
                    .col(integer(Commits::ParentCount))
                    .col(timestamp_with_time_zone(Commits::ImportedAt))
                    .primary_key(Index::create().col(Commits::RepositoryId).col(Commits::Oid))
                    .foreign_key(&mut cascade_to_repository(
                        Commits::Table,
                        Commits::RepositoryId,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PullRequests::Table)
                    .if_not_exists()
                    .col(string(PullRequests::IntegrationId))
                    .col(string(PullRequests::NodeId))
                    .col(string(PullRequests::RepositoryId))
                    .col(big_integer(PullRequests::Number))
                    .col(text(PullRequests::Title))
                    .col(text(PullRequests::Body))
                    .col(string(PullRequests::State))
                    .col(boolean(PullRequests::IsDraft))
                    .col(timestamp_with_time_zone(PullRequests::CreatedAt))
                    .col(timestamp_with_time_zone(PullRequests::UpdatedAt))
                    .col(timestamp_with_time_zone_null(PullRequests::MergedAt))
                    .col(timestamp_with_time_zone_null(PullRequests::ClosedAt))
                    .col(string_null(PullRequests::AuthorLogin))
                    .col(boolean(PullRequests::AuthorIsBot))
                    .col(string(PullRequests::BaseRef))
                    .col(string(PullRequests::HeadRef))
                    .col(big_integer(PullRequests::Additions))
                    .col(big_integer(PullRequests::Deletions))
                    .col(big_integer(PullRequests::ChangedFiles))
                    .col(string_null(PullRequests::MergeCommitOid))
                    .col(json(PullRequests::Labels))
                    .col(json(PullRequests::Assignees))
                    .col(json(PullRequests::RequestedReviewers))
                    .col(timestamp_with_time_zone(PullRequests::ImportedAt))
                    .primary_key(
                        Index::create()
                            .col(PullRequests::IntegrationId)
                            .col(PullRequests::NodeId),
                    )
                    .foreign_key(&mut cascade_to_repository(
                        PullRequests::Table,
                        PullRequests::RepositoryId,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PullRequestCommits::Table)
                    .if_not_exists()
                    .col(string(PullRequestCommits::IntegrationId))
                    .col(string(PullRequestCommits::PullRequestNodeId))
                    .col(string(PullRequestCommits::Oid))
                    .col(string(PullRequestCommits::RepositoryId))
                    .col(text(PullRequestCommits::MessageHeadline))
                    .col(timestamp_with_time_zone(PullRequestCommits::AuthoredAt))
                    .col(timestamp_with_time_zone(PullRequestCommits::CommittedAt))
                    .col(string_null(PullRequestCommits::AuthorName))
                    .col(string_null(PullRequestCommits::AuthorEmail))
                    .col(string_null(PullRequestCommits::AuthorLogin))
                    .primary_key(
                        Index::create()
                            .col(PullRequestCommits::IntegrationId)
                            .col(PullRequestCommits::PullRequestNodeId)
                            .col(PullRequestCommits::Oid),
                    )
                    .foreign_key(&mut cascade_to_repository(
                        PullRequestCommits::Table,
                        PullRequestCommits::RepositoryId,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Reviews::Table)
                    .if_not_exists()
                    .col(string(Reviews::IntegrationId))
                    .col(string(Reviews::NodeId))
                    .col(string(Reviews::RepositoryId))
                    .col(string(Reviews::PullRequestNodeId))
                    .col(string(Reviews::State))
                    .col(string_null(Reviews::AuthorLogin))
                    .col(boolean(Reviews::AuthorIsBot))
                    .col(timestamp_with_time_zone_null(Reviews::SubmittedAt))
                    .col(text(Reviews::Body))
                    .primary_key(
                        Index::create()
                            .col(Reviews::IntegrationId)
                            .col(Reviews::NodeId),
                    )
                    .foreign_key(&mut cascade_to_repository(
                        Reviews::Table,
                        Reviews::RepositoryId,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Comments::Table)
                    .if_not_exists()
                    .col(string(Comments::IntegrationId))
                    .col(string(Comments::NodeId))
                    .col(string(Comments::RepositoryId))
                    .col(string(Comments::ParentNodeId))
                    .col(string(Comments::ParentKind))
                    .col(string(Comments::Kind))
                    .col(string_null(Comments::AuthorLogin))
                    .col(boolean(Comments::AuthorIsBot))
                    .col(text(Comments::Body))
                    .col(timestamp_with_time_zone(Comments::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(Comments::IntegrationId)
                            .col(Comments::NodeId),
                    )
                    .foreign_key(&mut cascade_to_repository(
                        Comments::Table,
                        Comments::RepositoryId,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Reactions::Table)
                    .if_not_exists()
                    .col(string(Reactions::IntegrationId))
                    .col(string(Reactions::NodeId))
                    .col(string(Reactions::RepositoryId))
                    .col(string(Reactions::SubjectNodeId))
                    .col(string(Reactions::Content))
                    .col(string_null(Reactions::UserLogin))
                    .col(timestamp_with_time_zone(Reactions::CreatedAt))
                    .col(boolean(Reactions::ExcludedFromMetrics).default(true))
                    .primary_key(
                        Index::create()
                            .col(Reactions::IntegrationId)
                            .col(Reactions::NodeId),
                    )
                    .foreign_key(&mut cascade_to_repository(
                        Reactions::Table,
                        Reactions::RepositoryId,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Tickets::Table)
                    .if_not_exists()
                    .col(string(Tickets::IntegrationId))
                    .col(string(Tickets::NodeId))
                    .col(string(Tickets::RepositoryId))
                    .col(big_integer(Tickets::Number))
                    .col(text(Tickets::Title))
                    .col(string(Tickets::State))
                    .col(string_null(Tickets::StateReason))
                    .col(string_null(Tickets::AuthorLogin))
                    .col(boolean(Tickets::AuthorIsBot))
                    .col(json(Tickets::Labels))
                    .col(json(Tickets::Assignees))
                    .col(timestamp_with_time_zone(Tickets::CreatedAt))
                    .col(timestamp_with_time_zone(Tickets::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Tickets::ClosedAt))
                    .col(timestamp_with_time_zone(Tickets::ImportedAt))
                    .primary_key(
                        Index::create()
                            .col(Tickets::IntegrationId)
                            .col(Tickets::NodeId),
                    )
                    .foreign_key(&mut cascade_to_repository(
                        Tickets::Table,
                        Tickets::RepositoryId,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TicketEvents::Table)
                    .if_not_exists()
                    .col(string(TicketEvents::IntegrationId))
                    .col(string(TicketEvents::NodeId))
                    .col(string(TicketEvents::RepositoryId))
                    .col(string(TicketEvents::TicketNodeId))
                    .col(string(TicketEvents::Kind))
                    .col(string_null(TicketEvents::ActorLogin))
                    .col(string_null(TicketEvents::Subject))
                    .col(timestamp_with_time_zone(TicketEvents::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(TicketEvents::IntegrationId)
                            .col(TicketEvents::NodeId),
                    )
                    .foreign_key(&mut cascade_to_repository(
                        TicketEvents::Table,
                        TicketEvents::RepositoryId,
                    ))
                    .to_owned(),
            )
            .await?;
        // The runs of an integration are listed newest first and counted by state; the
        // data is filtered by repository and date, and by author, for the metrics.
        for statement in [
            index(
                "import_runs_integration_queued",
                ImportRuns::Table,
                vec![
                    ImportRuns::IntegrationId.into_iden(),
                    ImportRuns::QueuedAt.into_iden(),
                ],
            ),
            index(
                "import_runs_repository_state",
                ImportRuns::Table,
                vec![
                    ImportRuns::RepositoryId.into_iden(),
                    ImportRuns::State.into_iden(),
                ],
            ),
            index(
                "commits_repository_committed",
                Commits::Table,
                vec![
                    Commits::RepositoryId.into_iden(),
                    Commits::CommittedAt.into_iden(),
                ],
            ),
            index(
                "commits_integration_author",
                Commits::Table,
                vec![
                    Commits::IntegrationId.into_iden(),
                    Commits::AuthorLogin.into_iden(),
                ],
            ),
            index(
                "pull_requests_repository_created",
                PullRequests::Table,
                vec![
                    PullRequests::RepositoryId.into_iden(),
                    PullRequests::CreatedAt.into_iden(),
                ],
            ),
            index(
                "pull_requests_integration_author",
                PullRequests::Table,
                vec![
                    PullRequests::IntegrationId.into_iden(),
                    PullRequests::AuthorLogin.into_iden(),
                ],
            ),
            index(
                "reviews_repository_submitted",
                Reviews::Table,
                vec![
                    Reviews::RepositoryId.into_iden(),
                    Reviews::SubmittedAt.into_iden(),
                ],
            ),
            index(
                "reviews_integration_author",
                Reviews::Table,
                vec![
                    Reviews::IntegrationId.into_iden(),
                    Reviews::AuthorLogin.into_iden(),
                ],
            ),
            index(
                "reviews_pull_request",
                Reviews::Table,
                vec![
                    Reviews::IntegrationId.into_iden(),
                    Reviews::PullRequestNodeId.into_iden(),
                ],
            ),
            index(
                "comments_repository_created",
                Comments::Table,
                vec![
                    Comments::RepositoryId.into_iden(),
                    Comments::CreatedAt.into_iden(),
                ],
            ),
            index(
                "comments_integration_author",
                Comments::Table,
                vec![
                    Comments::IntegrationId.into_iden(),
                    Comments::AuthorLogin.into_iden(),
                ],
            ),
            index(
                "comments_parent",
                Comments::Table,
                vec![
                    Comments::IntegrationId.into_iden(),
                    Comments::ParentNodeId.into_iden(),
                ],
            ),
            index(
                "tickets_repository_created",
                Tickets::Table,
                vec![
                    Tickets::RepositoryId.into_iden(),
                    Tickets::CreatedAt.into_iden(),
                ],
            ),
            index(
                "tickets_integration_author",
                Tickets::Table,
                vec![
                    Tickets::IntegrationId.into_iden(),
                    Tickets::AuthorLogin.into_iden(),
                ],
            ),
            index(
                "ticket_events_repository_created",
                TicketEvents::Table,
                vec![
                    TicketEvents::RepositoryId.into_iden(),
                    TicketEvents::CreatedAt.into_iden(),
                ],
            ),
            index(
                "ticket_events_ticket",
                TicketEvents::Table,
                vec![
                    TicketEvents::IntegrationId.into_iden(),
                    TicketEvents::TicketNodeId.into_iden(),
                ],
            ),
        ] {
            manager.create_index(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            TicketEvents::Table.into_iden(),
            Tickets::Table.into_iden(),
            Reactions::Table.into_iden(),
            Comments::Table.into_iden(),
            Reviews::Table.into_iden(),
            PullRequestCommits::Table.into_iden(),
            PullRequests::Table.into_iden(),
            Commits::Table.into_iden(),
            SyncMarks::Table.into_iden(),
            ImportRuns::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
