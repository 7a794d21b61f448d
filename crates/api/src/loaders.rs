//! DataLoaders for the Repos tab: a list of integrations with their groups and each
//! group's repositories costs three queries, whatever the number of groups.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::{group, repository};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Statement, Value,
};

/// The groups of an integration.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GroupsOf(pub String);

/// Where repositories are listed: a whole integration, or one of its groups.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RepositoryScope {
    pub integration_id: String,
    pub group_id: Option<String>,
}

/// How many repositories a scope holds.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RepositoryCount(pub RepositoryScope);

/// One page of a scope's repositories, ordered by owner, name and id.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RepositoryPage {
    pub scope: RepositoryScope,
    pub offset: u64,
    pub limit: u64,
}

pub struct StoreLoader {
    pub db: DatabaseConnection,
}

/// Loader errors are cloned to every waiting field, so they travel as text; the
/// database's own error is logged where it happens.
type LoadResult<T> = Result<T, std::sync::Arc<sea_orm::DbErr>>;

impl Loader<GroupsOf> for StoreLoader {
    type Value = Vec<group::Model>;
    type Error = std::sync::Arc<sea_orm::DbErr>;

    async fn load(&self, keys: &[GroupsOf]) -> LoadResult<HashMap<GroupsOf, Self::Value>> {
        let ids: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
        let rows = group::Entity::find()
            .filter(group::Column::IntegrationId.is_in(ids))
            .order_by_asc(group::Column::Kind)
            .order_by_asc(group::Column::Login)
            .all(&self.db)
            .await?;
        let mut out: HashMap<GroupsOf, Vec<group::Model>> =
            keys.iter().map(|k| (k.clone(), Vec::new())).collect();
        for row in rows {
            if let Some(list) = out.get_mut(&GroupsOf(row.integration_id.clone())) {
                list.push(row);
            }
        }
        Ok(out)
    }
}

/// Group scopes are batched by group, integration scopes by integration; a group given
/// with the wrong integration matches nothing.
fn partition<'a>(scopes: impl Iterator<Item = &'a RepositoryScope>) -> (Vec<String>, Vec<String>) {
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

impl Loader<RepositoryCount> for StoreLoader {
    type Value = u64;
    type Error = std::sync::Arc<sea_orm::DbErr>;

    async fn load(&self, keys: &[RepositoryCount]) -> LoadResult<HashMap<RepositoryCount, u64>> {
        let (groups, integrations) = partition(keys.iter().map(|k| &k.0));
        let mut counts: HashMap<RepositoryScope, u64> = HashMap::new();
        for (ids, by_group) in [(groups, true), (integrations, false)] {
            if ids.is_empty() {
                continue;
            }
            let column = if by_group {
                repository::Column::GroupId
            } else {
                repository::Column::IntegrationId
            };
            let rows: Vec<(String, String, i64)> = repository::Entity::find()
                .select_only()
                .column(repository::Column::IntegrationId)
                .column(column)
                .column_as(repository::Column::Id.count(), "n")
                .filter(column.is_in(ids))
                .group_by(repository::Column::IntegrationId)
                .group_by(column)
                .into_tuple()
                .all(&self.db)
                .await?;
            for (integration_id, key, n) in rows {
                let scope = RepositoryScope {
                    integration_id,
                    group_id: by_group.then_some(key),
                };
                counts.insert(scope, n as u64);
            }
        }
        Ok(keys
            .iter()
            .map(|k| (k.clone(), counts.get(&k.0).copied().unwrap_or(0)))
            .collect())
    }
}

impl Loader<RepositoryPage> for StoreLoader {
    type Value = Vec<repository::Model>;
    type Error = std::sync::Arc<sea_orm::DbErr>;

    async fn load(
        &self,
        keys: &[RepositoryPage],
    ) -> LoadResult<HashMap<RepositoryPage, Self::Value>> {
        let mut out: HashMap<RepositoryPage, Vec<repository::Model>> =
            keys.iter().map(|k| (k.clone(), Vec::new())).collect();
        // One query per page window and kind of scope; a screen asks for the same window everywhere.
        let mut windows: Vec<(u64, u64)> = keys.iter().map(|k| (k.offset, k.limit)).collect();
        windows.sort();
        windows.dedup();
        for (offset, limit) in windows {
            let in_window = keys
                .iter()
                .filter(|k| k.offset == offset && k.limit == limit);
            let (groups, integrations) = partition(in_window.map(|k| &k.scope));
            for (ids, by_group) in [(groups, true), (integrations, false)] {
                if ids.is_empty() {
                    continue;
                }
                for row in self.window(&ids, by_group, offset, limit).await? {
                    let key = RepositoryPage {
                        scope: scope_of(&row, by_group),
                        offset,
                        limit,
                    };
                    if let Some(page) = out.get_mut(&key) {
                        page.push(row);
                    }
                }
            }
        }
        Ok(out)
    }
}

impl StoreLoader {
    /// Rows `offset..offset+limit` of each group's (or integration's) repositories, in one
    /// statement: `ROW_NUMBER()` numbers every partition (SQLite ≥ 3.25 and PostgreSQL).
    async fn window(
        &self,
        ids: &[String],
        by_group: bool,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<repository::Model>, sea_orm::DbErr> {
        let backend = self.db.get_database_backend();
        let placeholder = |n: usize| match backend {
            DbBackend::Postgres => format!("${n}"),
            _ => "?".to_string(),
        };
        let column = if by_group {
            "group_id"
        } else {
            "integration_id"
        };
        let list: Vec<String> = (1..=ids.len()).map(placeholder).collect();
        let sql = format!(
            "SELECT * FROM (SELECT repositories.*, ROW_NUMBER() OVER (PARTITION BY {column} ORDER BY owner, name, id) - 1 AS position \
             FROM repositories WHERE {column} IN ({})) ranked \
             WHERE position >= {} AND position < {} ORDER BY {column}, position",
            list.join(", "),
            placeholder(ids.len() + 1),
            placeholder(ids.len() + 2),
        );
        let mut values: Vec<Value> = ids.iter().map(|id| Value::from(id.clone())).collect();
        values.push(Value::from(offset as i64));
        values.push(Value::from((offset + limit) as i64));
        repository::Entity::find()
            .from_raw_sql(Statement::from_sql_and_values(backend, sql, values))
            .all(&self.db)
            .await
    }
}
