//! Plain reads of import runs, in the order the API lists them (newest queued first):
//! pages of an integration's or a repository's runs, each repository's active and
//! newest run, and when each repository last synced. The GraphQL loaders batch many
//! keys into one call of each.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    import_run::{self, RunState},
    keyset::{SortColumn, SortKey, Window},
    sql::Sql,
};
use sea_orm::{ActiveEnum, ConnectionTrait, DbErr, EntityTrait, Value};
use serde::{Deserialize, Serialize};

/// Whose runs a list holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RunsOf {
    Integration,
    Repository,
}

impl RunsOf {
    fn column(self) -> &'static str {
        match self {
            RunsOf::Integration => "integration_id",
            RunsOf::Repository => "repository_id",
        }
    }
}

/// Which runs a list holds; `None` keeps all, an empty list none.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RunFilter {
    pub repository_ids: Option<Vec<String>>,
    pub states: Option<Vec<RunState>>,
}

impl RunFilter {
    /// The queued and running runs.
    pub fn active() -> RunFilter {
        RunFilter {
            repository_ids: None,
            states: Some(vec![RunState::Queued, RunState::Running]),
        }
    }
}

/// Where a run stands in a list: when it was queued, then its id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RunKey {
    pub queued_at: DateTime<Utc>,
    pub id: String,
}

impl RunKey {
    pub fn of(run: &import_run::Model) -> RunKey {
        RunKey {
            queued_at: run.queued_at,
            id: run.id.clone(),
        }
    }
}

/// The page of each list: the `limit` runs after a key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RunWindow {
    pub after: Option<RunKey>,
    pub limit: u64,
}

fn sort_key() -> SortKey {
    SortKey(vec![
        SortColumn::new("queued_at").descending(true),
        SortColumn::new("id").binary().descending(true),
    ])
}

fn push_filter(sql: &mut Sql, filter: &RunFilter) {
    if let Some(ids) = &filter.repository_ids {
        push_in(sql, "repository_id", ids);
    }
    if let Some(states) = &filter.states {
        let states: Vec<String> = states.iter().map(|s| s.to_value()).collect();
        push_in(sql, "state", &states);
    }
}

/// ` AND column IN (…)`, or a condition nothing meets for an empty list.
fn push_in(sql: &mut Sql, column: &str, values: &[String]) {
    if values.is_empty() {
        sql.push(" AND 1 = 0");
    } else {
        sql.push(&format!(" AND {column} IN ")).bind_list(values);
    }
}

/// The window of each list's runs that pass the filter, newest first, by the id of
/// the integration or repository whose list it is.
pub async fn run_pages(
    db: &impl ConnectionTrait,
    of: RunsOf,
    ids: &[String],
    filter: &RunFilter,
    window: &RunWindow,
) -> Result<HashMap<String, Vec<import_run::Model>>, DbErr> {
    let mut pages: HashMap<String, Vec<import_run::Model>> = HashMap::new();
    if ids.is_empty() {
        return Ok(pages);
    }
    let column = of.column();
    let keys = Window {
        after: window.after.as_ref().map(|k| {
            vec![
                Some(Value::from(k.queued_at)),
                Some(Value::from(k.id.clone())),
            ]
        }),
        before: None,
        limit: window.limit,
        backward: false,
    };
    let mut sql = Sql::new(db.get_database_backend());
    sort_key().push_partitioned_page(&mut sql, column, &keys, |sql| {
        sql.push(&format!("SELECT * FROM import_runs WHERE {column} IN "))
            .bind_list(ids);
        push_filter(sql, filter);
    });
    let rows = import_run::Entity::find()
        .from_raw_sql(sql.statement())
        .all(db)
        .await?;
    for run in rows {
        let list = match of {
            RunsOf::Integration => run.integration_id.clone(),
            RunsOf::Repository => run.repository_id.clone(),
        };
        pages.entry(list).or_default().push(run);
    }
    Ok(pages)
}

/// How many runs of each list pass the filter; a list without any is left out.
pub async fn run_counts(
    db: &impl ConnectionTrait,
    of: RunsOf,
    ids: &[String],
    filter: &RunFilter,
) -> Result<HashMap<String, u64>, DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let column = of.column();
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(&format!(
        "SELECT {column} AS list, COUNT(*) AS n FROM import_runs WHERE {column} IN "
    ))
    .bind_list(ids);
    push_filter(&mut sql, filter);
    sql.push(&format!(" GROUP BY {column}"));
    let mut counts = HashMap::new();
    for row in db.query_all_raw(sql.statement()).await? {
        let list: String = row.try_get("", "list")?;
        let n: i64 = row.try_get("", "n")?;
        counts.insert(list, n as u64);
    }
    Ok(counts)
}

/// The newest run of each repository that passes the filter (all runs, or the active
/// ones with [`RunFilter::active`]).
pub async fn newest_runs(
    db: &impl ConnectionTrait,
    repository_ids: &[String],
    filter: &RunFilter,
) -> Result<HashMap<String, import_run::Model>, DbErr> {
    let window = RunWindow {
        after: None,
        limit: 1,
    };
    Ok(
        run_pages(db, RunsOf::Repository, repository_ids, filter, &window)
            .await?
            .into_iter()
            .filter_map(|(id, mut runs)| runs.pop().map(|run| (id, run)))
            .collect(),
    )
}

/// When each repository's last successful run ended; a repository never synced is
/// left out.
pub async fn last_synced(
    db: &impl ConnectionTrait,
    repository_ids: &[String],
) -> Result<HashMap<String, DateTime<Utc>>, DbErr> {
    if repository_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT repository_id, MAX(finished_at) AS synced_at FROM import_runs \
         WHERE state = 'SUCCEEDED' AND repository_id IN ",
    )
    .bind_list(repository_ids);
    sql.push(" GROUP BY repository_id");
    let mut synced = HashMap::new();
    for row in db.query_all_raw(sql.statement()).await? {
        let id: String = row.try_get("", "repository_id")?;
        let at: Option<DateTime<Utc>> = row.try_get("", "synced_at")?;
        if let Some(at) = at {
            synced.insert(id, at);
        }
    }
    Ok(synced)
}
