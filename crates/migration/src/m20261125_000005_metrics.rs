//! Indexes for the metrics and the Work log: every query filters one integration by a
//! date range (commits by authored date, pull requests by creation, merge or close,
//! reviews, comments and ticket activity by when they happened), and contributors are
//! resolved from commit authors' e-mails and logins.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index name, table, columns)
const INDEXES: &[(&str, &str, &[&str])] = &[
    // Covering: commit metrics and the Work log's commits group a date range by author
    // without reading the table (whose rows of one range lie all over it).
    (
        "commits_integration_authored",
        "commits",
        &[
            "integration_id",
            "authored_at",
            "author_login",
            "author_email",
            "author_name",
            "parent_count",
            "additions",
            "deletions",
        ],
    ),
    // Covering: the actions of the selected pull requests.
    (
        "comments_parent_actions",
        "comments",
        &[
            "integration_id",
            "parent_node_id",
            "parent_kind",
            "created_at",
            "author_login",
            "author_is_bot",
        ],
    ),
    (
        "pull_request_commits_actions",
        "pull_request_commits",
        &[
            "integration_id",
            "pull_request_node_id",
            "committed_at",
            "author_login",
        ],
    ),
    // A contributor's commits, newest first (their name; the contributors filter).
    (
        "commits_integration_login_authored",
        "commits",
        &["integration_id", "author_login", "authored_at"],
    ),
    // Covers e-mail → login linking and the contributor filter without reading rows.
    (
        "commits_integration_email_login",
        "commits",
        &["integration_id", "author_email", "author_login"],
    ),
    (
        "pull_requests_integration_created",
        "pull_requests",
        &["integration_id", "created_at"],
    ),
    (
        "pull_requests_integration_merged",
        "pull_requests",
        &["integration_id", "merged_at"],
    ),
    (
        "pull_requests_integration_closed",
        "pull_requests",
        &["integration_id", "closed_at"],
    ),
    (
        "reviews_integration_submitted",
        "reviews",
        &["integration_id", "submitted_at"],
    ),
    (
        "comments_integration_created",
        "comments",
        &["integration_id", "created_at"],
    ),
    (
        "tickets_integration_created",
        "tickets",
        &["integration_id", "created_at"],
    ),
    (
        "ticket_events_integration_created",
        "ticket_events",
        &["integration_id", "created_at"],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, columns) in INDEXES {
            let mut index = Index::create()
                .name(*name)
                .table(Alias::new(*table))
                .if_not_exists()
                .to_owned();
            for column in *columns {
                index.col(Alias::new(*column));
            }
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            manager
                .drop_index(
                    Index::drop()
                        .name(*name)
                        .table(Alias::new(*table))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
