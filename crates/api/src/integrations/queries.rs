//! Plain reads of an integration's stored groups and repositories, in the order the API
//! lists them. The GraphQL loaders batch many keys into one call; the service asks for
//! one.

use std::collections::HashMap;

use entity::{group, integration, repository};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement, Value,
};

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

/// How many repositories each scope holds; a scope without any is left out.
pub async fn repository_counts(
    db: &DatabaseConnection,
    scopes: &[&RepositoryScope],
) -> Result<HashMap<RepositoryScope, u64>, DbErr> {
    let (groups, integrations) = partition(scopes);
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
            .all(db)
            .await?;
        for (integration_id, key, n) in rows {
            let scope = RepositoryScope {
                integration_id,
                group_id: by_group.then_some(key),
            };
            counts.insert(scope, n as u64);
        }
    }
    Ok(counts)
}

/// Rows `offset..offset+limit` of each scope's repositories, ordered by owner, name and
/// id, each with the scope it was found under (group scopes first). A row's scope can
/// differ from every one asked for (a group given with the wrong integration); callers
/// keep only the scopes they asked for.
pub async fn repository_pages(
    db: &DatabaseConnection,
    scopes: &[&RepositoryScope],
    offset: u64,
    limit: u64,
) -> Result<Vec<(RepositoryScope, repository::Model)>, DbErr> {
    let (groups, integrations) = partition(scopes);
    let mut found = Vec::new();
    for (ids, by_group) in [(groups, true), (integrations, false)] {
        if ids.is_empty() {
            continue;
        }
        for row in window(db, &ids, by_group, offset, limit).await? {
            found.push((scope_of(&row, by_group), row));
        }
    }
    Ok(found)
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

/// Rows `offset..offset+limit` of each group's (or integration's) repositories, in one
/// statement: `ROW_NUMBER()` numbers every partition (SQLite ≥ 3.25 and PostgreSQL).
async fn window(
    db: &DatabaseConnection,
    ids: &[String],
    by_group: bool,
    offset: u64,
    limit: u64,
) -> Result<Vec<repository::Model>, DbErr> {
    let backend = db.get_database_backend();
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
        .all(db)
        .await
}
