//! `commit_days`: each contributor's commits per UTC day, and
//! `repository_commit_days`: the same per repository, kept by triggers on `commits`, so
//! that commit metrics read one row per contributor-day instead of every commit (a
//! year's `commitMetrics`: issue 15's speed target). The first serves queries over every
//! repository; the second those a repository filter narrows (a year of the bench's
//! data: 21,600 rows against 76,000).
//!
//! Beside the sums, a row keeps the first and the last of the day's 96 quarter-hours
//! that hold a commit that is not a merge. Every time zone in use since 1980 is a whole
//! number of quarter-hours from UTC, so a local midnight splits a UTC day between two
//! quarter-hours, and a query in any zone can tell from those two whether the row codes
//! on the local day before the split and on the one after (`metrics::day_plan`).
//!
//! The triggers make both roll-ups follow every write of a commit, whatever wrote it:
//! an insert adds to its rows; an update (a contributor moved by an e-mail link, a
//! commit stored again with other figures) or a delete (a repository or integration
//! removed) counts the old and new rows again from `commits`, which stay the truth.
//! Counting a row again reads one contributor's commits of one day through
//! `commits_integration_contributor_authored`.

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A roll-up: its name and its key, in its primary key's order (a contributor's days
/// next to each other, so that a range is read in the order its grouping needs).
struct RollUp {
    table: &'static str,
    key: &'static [&'static str],
}

const ROLL_UPS: [RollUp; 2] = [
    RollUp {
        table: "commit_days",
        key: &[
            "integration_id",
            "contributor",
            "contributor_is_login",
            "utc_day",
            "author_is_bot",
        ],
    },
    RollUp {
        table: "repository_commit_days",
        key: &[
            "integration_id",
            "repository_id",
            "contributor",
            "contributor_is_login",
            "utc_day",
            "author_is_bot",
        ],
    },
];

/// The figures after the key, in column order.
const FIGURES: &str =
    "first_coding_quarter, last_coding_quarter, commits, merge_commits, additions, deletions";

impl RollUp {
    fn columns(&self) -> String {
        format!("{}, {FIGURES}", self.key.join(", "))
    }

    fn create(&self, backend: DbBackend) -> String {
        let key_type = |column: &str| match column {
            "utc_day" => "BIGINT",
            "contributor_is_login" | "author_is_bot" => "BOOLEAN",
            _ => "TEXT",
        };
        let key = self
            .key
            .iter()
            .map(|column| format!("{column} {} NOT NULL", key_type(column)))
            .collect::<Vec<_>>()
            .join(", ");
        let without_rowid = match backend {
            // The table is its primary key: a range reads no second structure.
            DbBackend::Sqlite => " WITHOUT ROWID",
            _ => "",
        };
        format!(
            "CREATE TABLE {} ({key}, first_coding_quarter INTEGER, last_coding_quarter INTEGER, \
             commits BIGINT NOT NULL, merge_commits BIGINT NOT NULL, additions BIGINT NOT NULL, \
             deletions BIGINT NOT NULL, PRIMARY KEY ({})){without_rowid}",
            self.table,
            self.key.join(", ")
        )
    }

    /// `SELECT` of the rows from the commits `filter` keeps.
    fn aggregate(&self, backend: DbBackend, filter: &str) -> String {
        let sum = |column: &str| match backend {
            DbBackend::Postgres => format!("CAST(SUM({column}) AS BIGINT)"),
            _ => format!("SUM({column})"),
        };
        let key = self.key.join(", ").replace("utc_day", "s / 86400");
        format!(
            "SELECT {key}, MIN({quarter}), MAX({quarter}), COUNT(*), {merges}, {additions}, {deletions} \
             FROM (SELECT integration_id, repository_id, contributor, contributor_is_login, author_is_bot, \
             parent_count, additions, deletions, {s} AS s FROM commits WHERE {filter}) counted \
             GROUP BY {key}",
            quarter = coding_quarter("s", "parent_count"),
            merges = sum("CASE WHEN parent_count > 1 THEN 1 ELSE 0 END"),
            additions = sum("additions"),
            deletions = sum("deletions"),
            s = epoch(backend, "authored_at"),
        )
    }

    /// Adds the commit `row` (`NEW`) to its row.
    fn add(&self, backend: DbBackend, row: &str) -> String {
        let s = epoch(backend, &format!("{row}.authored_at"));
        let quarter = coding_quarter(&s, &format!("{row}.parent_count"));
        let key = self
            .key
            .iter()
            .map(|column| match *column {
                "utc_day" => format!("{s} / 86400"),
                column => format!("{row}.{column}"),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let table = self.table;
        let extreme = |function: &str, column: &str| {
            let (old, new) = (format!("{table}.{column}"), format!("excluded.{column}"));
            match backend {
                // Both ignore a null (a day of merges only, so far).
                DbBackend::Postgres => format!("{function}({old}, {new})"),
                _ => format!(
                    "CASE WHEN {old} IS NULL THEN {new} WHEN {new} IS NULL THEN {old} \
                     ELSE {}({old}, {new}) END",
                    if function == "LEAST" { "min" } else { "max" }
                ),
            }
        };
        format!(
            "INSERT INTO {table} ({columns}) VALUES ({key}, {quarter}, {quarter}, 1, \
             CASE WHEN {row}.parent_count > 1 THEN 1 ELSE 0 END, {row}.additions, {row}.deletions) \
             ON CONFLICT ({conflict}) DO UPDATE SET \
             first_coding_quarter = {first}, last_coding_quarter = {last}, \
             commits = {table}.commits + 1, \
             merge_commits = {table}.merge_commits + excluded.merge_commits, \
             additions = {table}.additions + excluded.additions, \
             deletions = {table}.deletions + excluded.deletions",
            columns = self.columns(),
            conflict = self.key.join(", "),
            first = extreme("LEAST", "first_coding_quarter"),
            last = extreme("GREATEST", "last_coding_quarter"),
        )
    }

    /// Counts again the row of the commit `row` (`OLD` or `NEW`) from `commits`.
    fn recount(&self, backend: DbBackend, row: &str) -> String {
        let (day_start, next_day_start) = match backend {
            DbBackend::Postgres => (
                format!(
                    "date_trunc('day', {row}.authored_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
                ),
                format!(
                    "(date_trunc('day', {row}.authored_at AT TIME ZONE 'UTC') + INTERVAL '1 day') AT TIME ZONE 'UTC'"
                ),
            ),
            // Stored timestamps are RFC 3339 text in UTC (`+00:00`), which sorts in time
            // order: a day's range is read from the index like any other range.
            _ => (
                format!("strftime('%Y-%m-%dT00:00:00+00:00', {row}.authored_at)"),
                format!("strftime('%Y-%m-%dT00:00:00+00:00', {row}.authored_at, '+1 day')"),
            ),
        };
        let key = self
            .key
            .iter()
            .filter(|column| **column != "utc_day")
            .map(|column| format!("{column} = {row}.{column}"))
            .collect::<Vec<_>>()
            .join(" AND ");
        format!(
            "DELETE FROM {table} WHERE {key} AND utc_day = {s} / 86400; \
             INSERT INTO {table} ({columns}) {select};",
            table = self.table,
            columns = self.columns(),
            s = epoch(backend, &format!("{row}.authored_at")),
            select = self.aggregate(
                backend,
                &format!("{key} AND authored_at >= {day_start} AND authored_at < {next_day_start}")
            ),
        )
    }
}

/// Seconds since 1970 of a timestamp expression.
fn epoch(backend: DbBackend, at: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("FLOOR(EXTRACT(EPOCH FROM {at}))::BIGINT"),
        _ => format!("unixepoch({at})"),
    }
}

/// The quarter-hour of the day (0–95) of a commit at second `s`, null for a merge.
fn coding_quarter(s: &str, parent_count: &str) -> String {
    format!("CASE WHEN {parent_count} <= 1 THEN {s} % 86400 / 900 END")
}

/// An update moves a commit between roll-up rows only through these columns.
const COUNTED: &[&str] = &[
    "integration_id",
    "repository_id",
    "contributor",
    "contributor_is_login",
    "author_is_bot",
    "authored_at",
    "parent_count",
    "additions",
    "deletions",
];

fn changed(backend: DbBackend) -> String {
    let differs = match backend {
        DbBackend::Postgres => "IS DISTINCT FROM",
        _ => "IS NOT",
    };
    COUNTED
        .iter()
        .map(|column| format!("OLD.{column} {differs} NEW.{column}"))
        .collect::<Vec<_>>()
        .join(" OR ")
}

fn each(statement: impl Fn(&RollUp) -> String) -> String {
    ROLL_UPS.iter().map(statement).collect::<Vec<_>>().join(" ")
}

fn up_statements(backend: DbBackend) -> Vec<String> {
    let mut statements: Vec<String> = ROLL_UPS.iter().map(|r| r.create(backend)).collect();
    let add = each(|r| format!("{};", r.add(backend, "NEW")));
    let recount_old = each(|r| r.recount(backend, "OLD"));
    let recount_new = each(|r| r.recount(backend, "NEW"));
    match backend {
        DbBackend::Postgres => statements.extend([
            format!(
                "CREATE FUNCTION commit_days_follow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 IF TG_OP = 'INSERT' THEN {add} RETURN NULL; END IF; \
                 {recount_old} \
                 IF TG_OP = 'UPDATE' THEN {recount_new} END IF; \
                 RETURN NULL; END $$"
            ),
            "CREATE TRIGGER commit_days_after_insert AFTER INSERT ON commits \
             FOR EACH ROW EXECUTE FUNCTION commit_days_follow()"
                .to_string(),
            format!(
                "CREATE TRIGGER commit_days_after_update AFTER UPDATE ON commits \
                 FOR EACH ROW WHEN ({}) EXECUTE FUNCTION commit_days_follow()",
                changed(backend)
            ),
            "CREATE TRIGGER commit_days_after_delete AFTER DELETE ON commits \
             FOR EACH ROW EXECUTE FUNCTION commit_days_follow()"
                .to_string(),
        ]),
        _ => statements.extend([
            format!("CREATE TRIGGER commit_days_after_insert AFTER INSERT ON commits BEGIN {add} END"),
            format!(
                "CREATE TRIGGER commit_days_after_update AFTER UPDATE ON commits WHEN {} \
                 BEGIN {recount_old} {recount_new} END",
                changed(backend)
            ),
            format!(
                "CREATE TRIGGER commit_days_after_delete AFTER DELETE ON commits BEGIN {recount_old} END"
            ),
        ]),
    }
    // The commits stored before.
    statements.extend(ROLL_UPS.iter().map(|r| {
        format!(
            "INSERT INTO {} ({}) {}",
            r.table,
            r.columns(),
            r.aggregate(backend, "TRUE")
        )
    }));
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
        for trigger in [
            "commit_days_after_insert",
            "commit_days_after_update",
            "commit_days_after_delete",
        ] {
            let statement = match backend {
                DbBackend::Postgres => format!("DROP TRIGGER {trigger} ON commits"),
                _ => format!("DROP TRIGGER {trigger}"),
            };
            db.execute_unprepared(&statement).await?;
        }
        if backend == DbBackend::Postgres {
            db.execute_unprepared("DROP FUNCTION commit_days_follow()")
                .await?;
        }
        for roll_up in &ROLL_UPS {
            db.execute_unprepared(&format!("DROP TABLE {}", roll_up.table))
                .await?;
        }
        Ok(())
    }
}
