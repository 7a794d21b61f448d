//! Each commit's contributor, resolved when it is stored: its GitHub login; for an
//! author GitHub links to no account, the login GitHub linked the same e-mail to on any
//! other commit (updated on the older commits when such a link first arrives), else the
//! e-mail itself. Commit metrics then group one short column instead of resolving
//! e-mails per query; `author_is_bot` spares every query three `LIKE`s.
//!
//! The covering index of commit metrics and the Work log moves to these columns.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Commits {
    Table,
    Contributor,
    ContributorIsLogin,
    AuthorIsBot,
}

const OLD_INDEX: (&str, &[&str]) = (
    "commits_integration_authored",
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
);

/// (name, columns) on `commits`.
const INDEXES: &[(&str, &[&str])] = &[
    // Covering: a date range grouped by contributor, with every filter's column.
    (
        "commits_integration_authored_contributor",
        &[
            "integration_id",
            "authored_at",
            "contributor",
            "contributor_is_login",
            "author_is_bot",
            "parent_count",
            "additions",
            "deletions",
            "repository_id",
        ],
    ),
    // A contributor's latest commit (their name).
    (
        "commits_integration_contributor_authored",
        &[
            "integration_id",
            "contributor",
            "contributor_is_login",
            "authored_at",
        ],
    ),
];

/// The same resolution as `worker::store` makes, for the rows stored before it.
const BACKFILL: &[&str] = &[
    "UPDATE commits SET contributor = author_login, contributor_is_login = TRUE \
     WHERE author_login IS NOT NULL",
    "UPDATE commits SET contributor = COALESCE((SELECT MIN(l.author_login) FROM commits l \
     WHERE l.integration_id = commits.integration_id AND l.author_email = commits.author_email \
     AND l.author_login IS NOT NULL), author_email, author_name, ''), \
     contributor_is_login = EXISTS (SELECT 1 FROM commits l \
     WHERE l.integration_id = commits.integration_id AND l.author_email = commits.author_email \
     AND l.author_login IS NOT NULL) \
     WHERE author_login IS NULL",
    "UPDATE commits SET author_is_bot = TRUE \
     WHERE COALESCE(author_login, '') LIKE '%[bot]' OR COALESCE(author_name, '') LIKE '%[bot]' \
     OR COALESCE(author_email, '') LIKE '%[bot]@%'",
];

fn create(name: &str, columns: &[&str]) -> IndexCreateStatement {
    let mut index = Index::create()
        .name(name)
        .table(Alias::new("commits"))
        .if_not_exists()
        .to_owned();
    for column in columns {
        index.col(Alias::new(*column));
    }
    index
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in [
            string(Commits::Contributor).default(""),
            boolean(Commits::ContributorIsLogin).default(false),
            boolean(Commits::AuthorIsBot).default(false),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Commits::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        for statement in BACKFILL {
            db.execute_unprepared(statement).await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name(OLD_INDEX.0)
                    .table(Alias::new("commits"))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in INDEXES {
            manager.create_index(create(name, columns)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in INDEXES {
            manager
                .drop_index(
                    Index::drop()
                        .name(*name)
                        .table(Alias::new("commits"))
                        .to_owned(),
                )
                .await?;
        }
        manager.create_index(create(OLD_INDEX.0, OLD_INDEX.1)).await?;
        for column in [
            Commits::Contributor,
            Commits::ContributorIsLogin,
            Commits::AuthorIsBot,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Commits::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
