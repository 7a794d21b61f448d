//! The Work log's roll-ups (`work_log_days` over every repository,
//! `repository_work_log_days` per repository: migration 17): per UTC day, each
//! contributor's first and last quarter-hour with an item, so a page's pairs are read
//! from one row per contributor-day instead of every item ([`crate::day_plan`]).
//!
//! Triggers on every source table mark the days a write may change
//! (`work_log_stale_days`); before a query reads a range, [`refresh`] counts its marked
//! days again from the same sources the Work log lists its items from
//! ([`crate::work_log_sources`]), so the two cannot disagree. The roll-ups are a cache:
//! emptying them and marking every day rebuilds them.

use entity::sql::Sql;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult, TransactionTrait};

use crate::{
    bots::GHOST,
    day_plan::{Plan, RawSpan, push_spans},
    days::epoch_sql,
    scope::Scope,
    work_log_sources::{push_source_pairs, sources},
};

const DAY: i64 = 86_400;

/// Spans of days counted again per statement: each source binds two instants per span.
const SPANS_PER_STATEMENT: usize = 100;

/// How long a query waits for the writing connection to count its range's marked days
/// again before it reads the sources instead (SQLite has one writing connection, which
/// an import page or a burst of deliveries may hold for a while).
const REFRESH_WAIT: std::time::Duration = std::time::Duration::from_millis(250);

/// How [`crate::work_log::page`] reads the scope's pairs from the roll-ups: `None` when
/// it cannot (no whole day in the range, a filter on the deleted-account `ghost`, whose
/// items the sources select by a login they do not have, or a refresh that failed or
/// could not have the writing connection in time: then the sources answer, as they did
/// before the roll-ups). A range without marked days needs no refresh, and so no writer.
pub(crate) async fn plan(
    writer: &DatabaseConnection,
    reader: &DatabaseConnection,
    scope: &Scope,
) -> Option<Plan> {
    if scope
        .contributors
        .as_ref()
        .is_some_and(|selection| selection.logins.iter().any(|login| login == GHOST))
    {
        return None;
    }
    let plan = scope.day_plan();
    let (first, last) = plan.run_days()?;
    // Read through a reader, so a range without marked days never asks for the writer.
    let marked = match marked_days(reader, &scope.integration_id, first, last).await {
        Ok(marked) if marked.is_empty() => return Some(plan),
        Ok(marked) => marked,
        Err(error) => {
            tracing::warn!(%error, "the Work log's marked days could not be read; reading the sources");
            return None;
        }
    };
    match tokio::time::timeout(
        REFRESH_WAIT,
        refresh(writer, &scope.integration_id, &marked),
    )
    .await
    {
        Ok(Ok(_)) => Some(plan),
        Ok(Err(error)) => {
            tracing::warn!(%error, "the Work log's roll-ups could not be refreshed; reading the sources");
            None
        }
        // Dropped mid-transaction, the refresh rolls back and its marks stay.
        Err(_) => {
            tracing::info!("the writing connection is busy; the Work log reads the sources");
            None
        }
    }
}

/// The integration's marked days from `first_day` to `last_day` (UTC day numbers), in
/// order.
async fn marked_days(
    db: &DatabaseConnection,
    integration_id: &str,
    first_day: i64,
    last_day: i64,
) -> Result<Vec<i64>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT utc_day FROM work_log_stale_days WHERE integration_id = ")
        .bind(integration_id.to_string())
        .push(" AND utc_day BETWEEN ")
        .bind(first_day)
        .push(" AND ")
        .bind(last_day)
        .push(" ORDER BY utc_day");
    Ok(StaleDay::find_by_statement(sql.statement())
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.utc_day)
        .collect())
}

#[derive(FromQueryResult)]
struct StaleDay {
    utc_day: i64,
}

/// Marked days counted again per transaction: on SQLite the refresh holds the one
/// writing connection while it counts, and a quarter's worth at once (271 ms in the
/// bench) held every webhook delivery behind it; a week at a time lets them in between.
const DAYS_PER_TRANSACTION: usize = 7;

/// Counts again the integration's `marked` days (UTC day numbers, in order, as
/// [`marked_days`] read them), a few days per transaction ([`DAYS_PER_TRANSACTION`]);
/// answers how many marks it took. Each transaction takes the marks it deletes over its
/// span of days, so concurrent refreshes never count a day twice at once, a day marked
/// since the list was read is counted too, and a write committed meanwhile marks its
/// day again.
pub async fn refresh(
    db: &DatabaseConnection,
    integration_id: &str,
    marked: &[i64],
) -> Result<usize, DbErr> {
    let mut counted = 0;
    for days in marked.chunks(DAYS_PER_TRANSACTION) {
        counted += refresh_span(db, integration_id, days[0], days[days.len() - 1]).await?;
    }
    Ok(counted)
}

/// [`refresh`] of the marked days from `first_day` to `last_day`, in one transaction.
async fn refresh_span(
    db: &DatabaseConnection,
    integration_id: &str,
    first_day: i64,
    last_day: i64,
) -> Result<usize, DbErr> {
    let backend = db.get_database_backend();
    let txn = db.begin().await?;
    let mut claim = Sql::new(backend);
    claim
        .push("DELETE FROM work_log_stale_days WHERE integration_id = ")
        .bind(integration_id.to_string())
        .push(" AND utc_day BETWEEN ")
        .bind(first_day)
        .push(" AND ")
        .bind(last_day)
        .push(" RETURNING utc_day");
    let mut days: Vec<i64> = StaleDay::find_by_statement(claim.statement())
        .all(&txn)
        .await?
        .into_iter()
        .map(|row| row.utc_day)
        .collect();
    days.sort_unstable();
    let runs = runs_of(&days);
    for chunk in runs.chunks(SPANS_PER_STATEMENT) {
        count_again(&txn, integration_id, chunk).await?;
    }
    txn.commit().await?;
    Ok(days.len())
}

/// Consecutive days as (first, last).
fn runs_of(days: &[i64]) -> Vec<(i64, i64)> {
    let mut runs: Vec<(i64, i64)> = Vec::new();
    for &day in days {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == day => *last = day,
            _ => runs.push((day, day)),
        }
    }
    runs
}

/// `AND (utc_day BETWEEN first AND last OR …)`.
fn push_days(sql: &mut Sql, runs: &[(i64, i64)]) {
    sql.push(" AND (");
    for (i, (first, last)) in runs.iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        sql.push("utc_day BETWEEN ")
            .bind(*first)
            .push(" AND ")
            .bind(*last);
    }
    sql.push(")");
}

async fn count_again(
    db: &impl ConnectionTrait,
    integration_id: &str,
    runs: &[(i64, i64)],
) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    for table in ["repository_work_log_days", "work_log_days"] {
        let mut delete = Sql::new(backend);
        delete
            .push(&format!("DELETE FROM {table} WHERE integration_id = "))
            .bind(integration_id.to_string());
        push_days(&mut delete, runs);
        db.execute_raw(delete.statement()).await?;
    }

    let spans: Vec<RawSpan> = runs
        .iter()
        .map(|(first, last)| RawSpan {
            from: first * DAY,
            to: (last + 1) * DAY,
        })
        .collect();
    let mut insert = Sql::new(backend);
    insert
        .push(
            "INSERT INTO repository_work_log_days (integration_id, repository_id, contributor, \
             contributor_is_login, utc_day, is_bot, first_quarter, last_quarter) SELECT ",
        )
        .bind(integration_id.to_string())
        .push(
            ", repository_id, contributor, contributor_is_login, utc_day, is_bot, \
             MIN(quarter), MAX(quarter) FROM (",
        );
    for (i, source) in sources().iter().enumerate() {
        if i > 0 {
            insert.push(" UNION ALL ");
        }
        let second = epoch_sql(backend, &format!("x.{}", source.time_column));
        insert
            .push(&format!(
                "SELECT x.repository_id AS repository_id, {}, {} AS is_bot, \
                 {second} / {DAY} AS utc_day, {second} % {DAY} / 900 AS quarter{}x.integration_id = ",
                source.who(),
                source.is_bot(),
                source.from,
            ))
            .bind(integration_id.to_string())
            .push(" AND ");
        push_spans(&mut insert, &format!("x.{}", source.time_column), &spans);
        insert.push(source.extra);
    }
    insert
        .push(") items GROUP BY repository_id, contributor, contributor_is_login, utc_day, is_bot");
    db.execute_raw(insert.statement()).await?;

    let mut merge = Sql::new(backend);
    merge
        .push(
            "INSERT INTO work_log_days (integration_id, contributor, contributor_is_login, \
             utc_day, is_bot, first_quarter, last_quarter) SELECT integration_id, contributor, \
             contributor_is_login, utc_day, is_bot, MIN(first_quarter), MAX(last_quarter) \
             FROM repository_work_log_days WHERE integration_id = ",
        )
        .bind(integration_id.to_string());
    push_days(&mut merge, runs);
    merge.push(" GROUP BY integration_id, contributor, contributor_is_login, utc_day, is_bot");
    db.execute_raw(merge.statement()).await?;
    Ok(())
}

/// The pairs of the scope: from a roll-up for the plan's runs (`work_log_days`, or
/// `repository_work_log_days` under a repository filter), each row on the local day
/// before its day's split when its first item is, and on the one after when its last
/// item is; from the sources for the plan's other days.
pub(crate) fn push_pairs(sql: &mut Sql, scope: &Scope, plan: &Plan) {
    let table = match scope.repository_ids {
        Some(_) => "repository_work_log_days",
        None => "work_log_days",
    };
    let shift = plan.by_run("d", |split| split.shift);
    let split = plan.by_run("d", |split| split.split);
    let sides = [
        (
            format!("d.utc_day + {shift}"),
            format!(" AND d.first_quarter < {split}"),
        ),
        (
            format!("d.utc_day + {shift} + 1"),
            format!(" AND d.last_quarter >= {split}"),
        ),
    ];
    for (i, (local_day, condition)) in sides.iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ");
        }
        sql.push(&format!(
            "SELECT d.contributor, d.contributor_is_login, {local_day} AS local_day \
             FROM {table} d WHERE d.integration_id = "
        ))
        .bind(scope.integration_id.clone());
        plan.restrict_to_runs(sql, "d");
        scope.restrict_repositories(sql, "d");
        scope.restrict_contributor(sql, "d", "is_bot");
        sql.push(condition);
    }
    if !plan.raw.is_empty() {
        sql.push(" UNION ");
        push_source_pairs(sql, scope, &plan.raw);
    }
}

#[cfg(test)]
mod tests {
    use super::runs_of;

    #[test]
    fn consecutive_days_make_one_run() {
        assert_eq!(runs_of(&[]), vec![]);
        assert_eq!(
            runs_of(&[3, 4, 5, 9, 11, 12]),
            vec![(3, 5), (9, 9), (11, 12)]
        );
    }
}
