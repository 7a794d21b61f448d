//! Plain reads of an integration's stored groups and repositories, in the order the API
//! lists them. The GraphQL loaders batch many keys into one call; the service asks for
//! one.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    group, integration,
    keyset::{SortColumn, SortKey, Window},
    repository,
    sql::Sql,
    webhook,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, Value,
};
use serde::{Deserialize, Serialize};

/// Where repositories are listed: a whole integration, or one of its groups.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RepositoryScope {
    pub integration_id: String,
    pub group_id: Option<String>,
}

/// The groups of these integrations, by kind and login.
pub async fn groups_of(
    db: &DatabaseConnection,
    integration_ids: &[&str],
) -> Result<Vec<group::Model>, DbErr> {
    group::Entity::find()
        .filter(group::Column::IntegrationId.is_in(integration_ids.iter().copied()))
        .order_by_asc(group::Column::Kind)
        .order_by_asc(group::Column::Login)
        .all(db)
        .await
}

/// The integrations with these ids (a group's troubleshooting reads its integration's
/// last connection test).
pub async fn integrations_by_id(
    db: &DatabaseConnection,
    ids: &[&str],
) -> Result<Vec<integration::Model>, DbErr> {
    integration::Entity::find()
        .filter(integration::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

/// Which of a scope's repositories a list holds; `None` keeps all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RepositoryFilter {
    /// Part of the name, or of `owner/name` when it holds a `/`; case-insensitive.
    pub query: Option<String>,
    pub private: Option<bool>,
    pub archived: Option<bool>,
    pub selected: Option<bool>,
}

/// What a repository list is sorted by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RepositorySort {
    /// Owner, then name, case-insensitively.
    #[default]
    Name,
    /// GitHub's last push; never-pushed repositories last.
    PushedAt,
    /// The end of the last successful import run; never-imported repositories last.
    LastSyncedAt,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RepositoryOrder {
    pub sort: RepositorySort,
    pub descending: bool,
}

/// Where a repository stands in a list: its sort key in every ordering (`at` is the
/// push or sync time the ordering sorts by, absent for names).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RepositoryKey {
    pub at: Option<DateTime<Utc>>,
    pub owner: String,
    pub name: String,
    pub id: String,
}

/// A repository as a list holds it, with what the list sorted it by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedRepository {
    pub repository: repository::Model,
    pub key: RepositoryKey,
}

/// The page of each scope: the repositories strictly between two keys, `limit` of them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RepositoryWindow {
    pub after: Option<RepositoryKey>,
    pub before: Option<RepositoryKey>,
    pub limit: u64,
    /// The last `limit` before `before` (or the end), fetched in reverse order.
    pub backward: bool,
}

/// The end of each repository's last successful run, as a column of the listing.
const LAST_SYNCED_AT: &str = "(SELECT MAX(import_runs.finished_at) FROM import_runs \
     WHERE import_runs.repository_id = repositories.id AND import_runs.state = 'SUCCEEDED')";

impl RepositoryOrder {
    fn sort_key(self) -> SortKey {
        let at = match self.sort {
            RepositorySort::Name => None,
            RepositorySort::PushedAt => Some("pushed_at"),
            RepositorySort::LastSyncedAt => Some("last_synced_at"),
        };
        // Ties on a date go by name, ascending whichever way the dates go.
        let by_name = at.is_none() && self.descending;
        let mut columns: Vec<SortColumn> = at
            .map(|at| SortColumn::new(at).nullable().descending(self.descending))
            .into_iter()
            .collect();
        columns.extend([
            SortColumn::new("owner").lowercase().descending(by_name),
            SortColumn::new("name").lowercase().descending(by_name),
            SortColumn::new("id").binary().descending(by_name),
        ]);
        SortKey(columns)
    }

    fn values(self, key: &RepositoryKey) -> Vec<Option<Value>> {
        let mut values = Vec::new();
        if self.sort != RepositorySort::Name {
            values.push(key.at.map(Value::from));
        }
        values.extend([
            Some(Value::from(key.owner.clone())),
            Some(Value::from(key.name.clone())),
            Some(Value::from(key.id.clone())),
        ]);
        values
    }
}

/// The longest `query` a list takes.
pub const MAX_QUERY_LENGTH: usize = 256;

/// Appends ` AND …` for each part of the filter.
fn push_filter(sql: &mut Sql, filter: &RepositoryFilter) {
    for (column, wanted) in [
        ("private", filter.private),
        ("archived", filter.archived),
        ("selected", filter.selected),
    ] {
        if let Some(wanted) = wanted {
            sql.push(&format!(" AND {column} = ")).bind(wanted);
        }
    }
    if let Some(query) = filter
        .query
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
    {
        let target = if query.contains('/') {
            "LOWER(owner || '/' || name)"
        } else {
            "LOWER(name)"
        };
        let escaped = query
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        sql.push(&format!(" AND {target} LIKE "))
            .bind(format!("%{escaped}%"))
            .push(" ESCAPE '\\'");
    }
}

/// How many repositories of each scope pass the filter; a scope without any is left out.
pub async fn repository_counts(
    db: &impl ConnectionTrait,
    scopes: &[&RepositoryScope],
    filter: &RepositoryFilter,
) -> Result<HashMap<RepositoryScope, u64>, DbErr> {
    let (groups, integrations) = partition(scopes);
    let mut counts: HashMap<RepositoryScope, u64> = HashMap::new();
    for (ids, by_group) in [(groups, true), (integrations, false)] {
        if ids.is_empty() {
            continue;
        }
        let column = scope_column(by_group);
        let mut sql = Sql::new(db.get_database_backend());
        sql.push(&format!(
            "SELECT integration_id, {column} AS scope, COUNT(*) AS n FROM repositories WHERE {column} IN "
        ))
        .bind_list(&ids);
        push_filter(&mut sql, filter);
        sql.push(&format!(" GROUP BY integration_id, {column}"));
        for row in db.query_all_raw(sql.statement()).await? {
            let integration_id: String = row.try_get("", "integration_id")?;
            let key: String = row.try_get("", "scope")?;
            let n: i64 = row.try_get("", "n")?;
            let scope = RepositoryScope {
                integration_id,
                group_id: by_group.then_some(key),
            };
            counts.insert(scope, n as u64);
        }
    }
    Ok(counts)
}

/// The window of each scope's repositories that pass the filter, in `order`, each with
/// the scope it was found under (group scopes first). A row's scope can differ from
/// every one asked for (a group given with the wrong integration); callers keep only
/// the scopes they asked for.
pub async fn repository_pages(
    db: &impl ConnectionTrait,
    scopes: &[&RepositoryScope],
    filter: &RepositoryFilter,
    order: RepositoryOrder,
    window: &RepositoryWindow,
) -> Result<Vec<(RepositoryScope, ListedRepository)>, DbErr> {
    let (groups, integrations) = partition(scopes);
    let sort_key = order.sort_key();
    let keys = Window {
        after: window.after.as_ref().map(|k| order.values(k)),
        before: window.before.as_ref().map(|k| order.values(k)),
        limit: window.limit,
        backward: window.backward,
    };
    let by_sync = order.sort == RepositorySort::LastSyncedAt;
    let mut found = Vec::new();
    for (ids, by_group) in [(groups, true), (integrations, false)] {
        if ids.is_empty() {
            continue;
        }
        let column = scope_column(by_group);
        let mut sql = Sql::new(db.get_database_backend());
        sort_key.push_partitioned_page(&mut sql, column, &keys, |sql| {
            sql.push("SELECT repositories.*");
            if by_sync {
                sql.push(&format!(", {LAST_SYNCED_AT} AS last_synced_at"));
            }
            sql.push(&format!(" FROM repositories WHERE {column} IN "))
                .bind_list(&ids);
            push_filter(sql, filter);
        });
        for row in db.query_all_raw(sql.statement()).await? {
            let repository = repository::Model::from_query_result(&row, "")?;
            let at = match order.sort {
                RepositorySort::Name => None,
                RepositorySort::PushedAt => repository.pushed_at,
                RepositorySort::LastSyncedAt => row.try_get("", "last_synced_at")?,
            };
            let key = RepositoryKey {
                at,
                owner: repository.owner.clone(),
                name: repository.name.clone(),
                id: repository.id.clone(),
            };
            found.push((
                scope_of(&repository, by_group),
                ListedRepository { repository, key },
            ));
        }
    }
    Ok(found)
}

/// These repositories, by id.
pub async fn repositories_by_id(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> Result<HashMap<String, repository::Model>, DbErr> {
    Ok(repository::Entity::find()
        .filter(repository::Column::Id.is_in(ids.iter().map(String::as_str)))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect())
}

/// The hook row of each organization group (by group id): user groups, and
/// organizations the rules never looked at, have none.
pub async fn webhooks_of_groups(
    db: &impl ConnectionTrait,
    group_ids: &[String],
) -> Result<HashMap<String, webhook::Model>, DbErr> {
    if group_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT webhooks.*, groups.id AS group_key FROM groups JOIN webhooks \
         ON webhooks.integration_id = groups.integration_id AND webhooks.github_org_id = groups.github_id \
         WHERE groups.kind = 'ORGANIZATION' AND groups.id IN ",
    )
    .bind_list(group_ids);
    let mut hooks = HashMap::new();
    for row in db.query_all_raw(sql.statement()).await? {
        let group: String = row.try_get("", "group_key")?;
        hooks.insert(group, webhook::Model::from_query_result(&row, "")?);
    }
    Ok(hooks)
}

fn scope_column(by_group: bool) -> &'static str {
    if by_group {
        "group_id"
    } else {
        "integration_id"
    }
}

/// Group scopes are batched by group, integration scopes by integration; a group given
/// with the wrong integration matches nothing.
fn partition(scopes: &[&RepositoryScope]) -> (Vec<String>, Vec<String>) {
    let (mut by_group, mut by_integration) = (Vec::new(), Vec::new());
    for scope in scopes {
        match &scope.group_id {
            Some(group) => by_group.push(group.clone()),
            None => by_integration.push(scope.integration_id.clone()),
        }
    }
    by_group.sort();
    by_group.dedup();
    by_integration.sort();
    by_integration.dedup();
    (by_group, by_integration)
}

fn scope_of(row: &repository::Model, by_group: bool) -> RepositoryScope {
    RepositoryScope {
        integration_id: row.integration_id.clone(),
        group_id: by_group.then(|| row.group_id.clone()),
    }
}
