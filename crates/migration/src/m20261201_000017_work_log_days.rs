//! The Work log's (contributor, day) pairs per UTC day: `repository_work_log_days` per
//! repository and `work_log_days` over every repository, each row with the first and
//! the last quarter-hour of the day that holds any item of the contributor's (so a
//! query in any zone tells the local days it falls on, as for `commit_days`). A
//! quarter's Work log read about 80,000 rows from ten sources to find some 5,000
//! pairs (issue 15's speed target); the roll-ups hold the pairs themselves.
//!
//! Unlike the commit roll-ups, these are not added to row by row: whether a comment,
//! a review or an event is an item depends on other rows (its pull request or ticket
//! stored, a close that is a merge's own, a close without events). Triggers on every
//! table the Work log reads only mark the UTC days a write may change
//! (`work_log_stale_days`), and `metrics::work_log_days` counts those days again from
//! the sources before a query reads them: one definition of an item, in the query
//! crate, and a roll-up that is a cache the sources can rebuild at any time.
//!
//! A write marks the days of its old and new row's times; a pull request or ticket
//! stored or deleted also marks its comments', reviews' and events' days (they are
//! items only while it exists); a pull request event also marks the day its pull
//! request closed (a close without events is the author's).

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A table the Work log reads: its time columns (an item's day), the columns an update
/// must change to move an item, and the rows of other tables whose days a write of it
/// changes (`{row}` stands for `NEW` or `OLD`).
struct Source {
    table: &'static str,
    times: &'static [&'static str],
    counted: &'static [&'static str],
    dependents: &'static [Dependent],
}

/// Rows of `table` (of the same integration) whose `time` day a write of the source row
/// changes: those where `condition` holds (a column of theirs compared with `{row}`).
struct Dependent {
    table: &'static str,
    time: &'static str,
    condition: &'static str,
    /// The index that finds them, named for SQLite: without statistics (a new database,
    /// an import's first hours) its planner preferred the covering (integration, time)
    /// index, whose `time IS NOT NULL` looked like a range, and read every review or
    /// event of the integration for each pull request or ticket stored.
    sqlite_index: Option<&'static str>,
}

const SOURCES: [Source; 7] = [
    Source {
        table: "commits",
        times: &["authored_at"],
        counted: &[
            "repository_id",
            "contributor",
            "contributor_is_login",
            "author_is_bot",
            "authored_at",
        ],
        dependents: &[],
    },
    Source {
        table: "pull_requests",
        times: &["created_at", "merged_at", "closed_at"],
        counted: &[
            "repository_id",
            "author_login",
            "author_is_bot",
            "merged_by_login",
            "merged_by_is_bot",
            "created_at",
            "merged_at",
            "closed_at",
        ],
        dependents: &[
            Dependent {
                table: "comments",
                time: "created_at",
                condition: "parent_node_id = {row}.node_id",
                sqlite_index: Some("comments_parent"),
            },
            Dependent {
                table: "reviews",
                time: "submitted_at",
                condition: "pull_request_node_id = {row}.node_id",
                sqlite_index: Some("reviews_pull_request"),
            },
            Dependent {
                table: "pull_request_events",
                time: "created_at",
                condition: "pull_request_node_id = {row}.node_id",
                sqlite_index: None,
            },
        ],
    },
    Source {
        table: "pull_request_events",
        times: &["created_at"],
        counted: &[
            "repository_id",
            "kind",
            "actor_login",
            "actor_is_bot",
            "created_at",
        ],
        dependents: &[Dependent {
            table: "pull_requests",
            time: "closed_at",
            condition: "node_id = {row}.pull_request_node_id",
            sqlite_index: None,
        }],
    },
    Source {
        table: "comments",
        times: &["created_at"],
        counted: &[
            "repository_id",
            "parent_kind",
            "parent_node_id",
            "author_login",
            "author_is_bot",
            "created_at",
        ],
        dependents: &[],
    },
    Source {
        table: "reviews",
        times: &["submitted_at"],
        counted: &[
            "repository_id",
            "pull_request_node_id",
            "author_login",
            "author_is_bot",
            "submitted_at",
            "state",
        ],
        dependents: &[],
    },
    Source {
        table: "tickets",
        times: &["created_at"],
        counted: &[
            "repository_id",
            "author_login",
            "author_is_bot",
            "created_at",
        ],
        dependents: &[
            Dependent {
                table: "comments",
                time: "created_at",
                condition: "parent_node_id = {row}.node_id",
                sqlite_index: Some("comments_parent"),
            },
            Dependent {
                table: "ticket_events",
                time: "created_at",
                condition: "ticket_node_id = {row}.node_id",
                sqlite_index: Some("ticket_events_ticket"),
            },
        ],
    },
    Source {
        table: "ticket_events",
        times: &["created_at"],
        counted: &[
            "repository_id",
            "ticket_node_id",
            "kind",
            "actor_login",
            "created_at",
        ],
        dependents: &[],
    },
];

/// Seconds since 1970 of a timestamp expression.
fn epoch(backend: DbBackend, at: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("FLOOR(EXTRACT(EPOCH FROM {at}))::BIGINT"),
        _ => format!("unixepoch({at})"),
    }
}

/// Marks the UTC day of `time` of the written row (`NEW` or `OLD`) itself, or of each
/// of its `dependent` rows (aliased `d`). A `NULL` time marks none.
fn mark(backend: DbBackend, row: &str, time: &str, dependent: Option<&Dependent>) -> String {
    let (integration, time, from) = match dependent {
        None => (
            format!("{row}.integration_id"),
            format!("{row}.{time}"),
            "WHERE".to_string(),
        ),
        Some(dependent) => {
            let index = match (backend, dependent.sqlite_index) {
                (DbBackend::Sqlite, Some(index)) => format!(" INDEXED BY {index}"),
                _ => String::new(),
            };
            (
                "d.integration_id".to_string(),
                format!("d.{}", dependent.time),
                format!(
                    "FROM {} d{index} WHERE d.integration_id = {row}.integration_id AND d.{} AND",
                    dependent.table,
                    dependent.condition.replace("{row}", row)
                ),
            )
        }
    };
    format!(
        "INSERT INTO work_log_stale_days (integration_id, utc_day) \
         SELECT {integration}, {day} / 86400 {from} {time} IS NOT NULL \
         ON CONFLICT DO NOTHING;",
        day = epoch(backend, &time),
    )
}

impl Source {
    /// What a write of `row` (`NEW` or `OLD`) marks: the days of its own times and of
    /// its dependents' rows.
    fn marks(&self, backend: DbBackend, row: &str) -> String {
        let own = self.times.iter().map(|time| mark(backend, row, time, None));
        let dependents = self
            .dependents
            .iter()
            .map(|dependent| mark(backend, row, dependent.time, Some(dependent)));
        own.chain(dependents).collect::<Vec<_>>().join(" ")
    }

    fn changed(&self, backend: DbBackend) -> String {
        let differs = match backend {
            DbBackend::Postgres => "IS DISTINCT FROM",
            _ => "IS NOT",
        };
        self.counted
            .iter()
            .map(|column| format!("OLD.{column} {differs} NEW.{column}"))
            .collect::<Vec<_>>()
            .join(" OR ")
    }

    fn trigger(&self, event: &str) -> String {
        format!("work_log_stale_after_{event}_{}", self.table)
    }

    fn create(&self, backend: DbBackend) -> Vec<String> {
        let table = self.table;
        let (old, new) = (self.marks(backend, "OLD"), self.marks(backend, "NEW"));
        let changed = self.changed(backend);
        match backend {
            DbBackend::Postgres => vec![
                format!(
                    "CREATE FUNCTION work_log_stale_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                     IF TG_OP <> 'INSERT' THEN {old} END IF; \
                     IF TG_OP <> 'DELETE' THEN {new} END IF; \
                     RETURN NULL; END $$"
                ),
                format!(
                    "CREATE TRIGGER {} AFTER INSERT OR DELETE ON {table} \
                     FOR EACH ROW EXECUTE FUNCTION work_log_stale_{table}()",
                    self.trigger("write")
                ),
                format!(
                    "CREATE TRIGGER {} AFTER UPDATE ON {table} FOR EACH ROW WHEN ({changed}) \
                     EXECUTE FUNCTION work_log_stale_{table}()",
                    self.trigger("update")
                ),
            ],
            _ => vec![
                format!(
                    "CREATE TRIGGER {} AFTER INSERT ON {table} BEGIN {new} END",
                    self.trigger("insert")
                ),
                format!(
                    "CREATE TRIGGER {} AFTER UPDATE ON {table} WHEN {changed} BEGIN {old} {new} END",
                    self.trigger("update")
                ),
                format!(
                    "CREATE TRIGGER {} AFTER DELETE ON {table} BEGIN {old} END",
                    self.trigger("delete")
                ),
            ],
        }
    }

    fn drop(&self, backend: DbBackend) -> Vec<String> {
        let table = self.table;
        match backend {
            DbBackend::Postgres => vec![
                format!("DROP TRIGGER {} ON {table}", self.trigger("write")),
                format!("DROP TRIGGER {} ON {table}", self.trigger("update")),
                format!("DROP FUNCTION work_log_stale_{table}()"),
            ],
            _ => ["insert", "update", "delete"]
                .iter()
                .map(|event| format!("DROP TRIGGER {}", self.trigger(event)))
                .collect(),
        }
    }

    /// Marks every day the table's rows stored so far fall on.
    fn mark_stored(&self, backend: DbBackend) -> Vec<String> {
        self.times
            .iter()
            .map(|time| {
                format!(
                    "INSERT INTO work_log_stale_days (integration_id, utc_day) \
                     SELECT DISTINCT integration_id, {} / 86400 FROM {} WHERE {time} IS NOT NULL \
                     ON CONFLICT DO NOTHING",
                    epoch(backend, time),
                    self.table
                )
            })
            .collect()
    }
}

fn create_tables(backend: DbBackend) -> Vec<String> {
    let without_rowid = match backend {
        // The table is its primary key: a range reads no second structure.
        DbBackend::Sqlite => " WITHOUT ROWID",
        _ => "",
    };
    let figures = "first_quarter INTEGER NOT NULL, last_quarter INTEGER NOT NULL";
    vec![
        format!(
            "CREATE TABLE repository_work_log_days (integration_id TEXT NOT NULL, \
             repository_id TEXT NOT NULL, contributor TEXT NOT NULL, \
             contributor_is_login BOOLEAN NOT NULL, utc_day BIGINT NOT NULL, \
             is_bot BOOLEAN NOT NULL, {figures}, PRIMARY KEY (integration_id, repository_id, \
             utc_day, contributor, contributor_is_login, is_bot)){without_rowid}"
        ),
        format!(
            "CREATE TABLE work_log_days (integration_id TEXT NOT NULL, \
             contributor TEXT NOT NULL, contributor_is_login BOOLEAN NOT NULL, \
             utc_day BIGINT NOT NULL, is_bot BOOLEAN NOT NULL, {figures}, \
             PRIMARY KEY (integration_id, utc_day, contributor, contributor_is_login, is_bot)){without_rowid}"
        ),
        format!(
            "CREATE TABLE work_log_stale_days (integration_id TEXT NOT NULL, \
             utc_day BIGINT NOT NULL, PRIMARY KEY (integration_id, utc_day)){without_rowid}"
        ),
    ]
}

fn up_statements(backend: DbBackend) -> Vec<String> {
    let mut statements = create_tables(backend);
    for source in &SOURCES {
        statements.extend(source.create(backend));
    }
    // Everything stored before is counted at its first query.
    for source in &SOURCES {
        statements.extend(source.mark_stored(backend));
    }
    statements
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for statement in up_statements(manager.get_database_backend()) {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        for source in &SOURCES {
            for statement in source.drop(backend) {
                db.execute_unprepared(&statement).await?;
            }
        }
        for table in [
            "work_log_stale_days",
            "work_log_days",
            "repository_work_log_days",
        ] {
            db.execute_unprepared(&format!("DROP TABLE {table}"))
                .await?;
        }
        Ok(())
    }
}
