//! DataLoaders for the Repos tab and the import page: a list of integrations with their
//! groups, each group's repositories and each repository's import state costs one
//! query per kind of field, whatever the number of groups and repositories. The
//! queries themselves are `integrations::queries` and `run_queries`; these only batch
//! keys into them. The integration behind the groups' services and issues loads
//! once per screen too.

use std::collections::HashMap;
use std::hash::Hash;

use async_graphql::{
    Context, Result,
    dataloader::{DataLoader, Loader},
};
use chrono::{DateTime, Utc};
use entity::{group, import_run, integration, repository, webhook};
use sea_orm::DatabaseConnection;

use crate::error::ApiError;
use crate::integrations::queries::{
    ListedRepository, RepositoryFilter, RepositoryOrder, RepositoryScope, RepositoryWindow,
    groups_of, integrations_by_id, repositories_by_id, repository_counts, repository_pages,
    webhooks_of_groups,
};
use crate::run_queries::{
    RunFilter, RunWindow, RunsOf, last_synced, newest_runs, run_counts, run_pages,
};

/// The groups of an integration.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GroupsOf(pub String);

/// An integration, by id.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IntegrationById(pub String);

/// How many repositories of a scope pass a filter.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RepositoryCount {
    pub scope: RepositoryScope,
    pub filter: RepositoryFilter,
}

/// One page of a scope's repositories that pass a filter, in an order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RepositoryPage {
    pub scope: RepositoryScope,
    pub filter: RepositoryFilter,
    pub order: RepositoryOrder,
    pub window: RepositoryWindow,
}

/// A repository by its id.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RepositoryById(pub String);

/// A repository's queued or running run (the newest, should there be several).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ActiveRun(pub String);

/// A repository's newest run, by queue time.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LastRun(pub String);

/// When a repository's last successful run ended.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LastSynced(pub String);

/// The hook of a group's organization.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GroupWebhook(pub String);

/// One page of an integration's or a repository's runs that pass a filter.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RunPage {
    pub of: RunsOf,
    pub id: String,
    pub filter: RunFilter,
    pub window: RunWindow,
}

/// How many runs of an integration or a repository pass a filter.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RunCount {
    pub of: RunsOf,
    pub id: String,
    pub filter: RunFilter,
}

pub struct StoreLoader {
    pub db: DatabaseConnection,
}

/// Loader errors are cloned to every waiting field, so they travel shared; the
/// database's own error is logged where it is answered.
type LoadError = std::sync::Arc<sea_orm::DbErr>;
type LoadResult<T> = Result<T, LoadError>;

/// The keys by what one query can answer together (a filter, an order, a window),
/// with those parts' keys in first-seen order.
fn batches<K, B: Eq + Hash + Clone>(keys: &[K], batch: impl Fn(&K) -> B) -> Vec<(B, Vec<&K>)> {
    let mut order: Vec<B> = Vec::new();
    let mut grouped: HashMap<B, Vec<&K>> = HashMap::new();
    for key in keys {
        let b = batch(key);
        if !grouped.contains_key(&b) {
            order.push(b.clone());
        }
        grouped.entry(b).or_default().push(key);
    }
    order
        .into_iter()
        .map(|b| {
            let keys = grouped.remove(&b).unwrap_or_default();
            (b, keys)
        })
        .collect()
}

/// The ids of keys like `ActiveRun(id)`, each once.
fn ids<'a>(keys: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let mut ids: Vec<String> = keys.into_iter().cloned().collect();
    ids.sort();
    ids.dedup();
    ids
}

/// A loader's database error, answered like every internal error: logged, not shown.
fn database_error(error: std::sync::Arc<sea_orm::DbErr>) -> async_graphql::Error {
    ApiError::Internal(anyhow::anyhow!("loading the Repos tab: {error}")).into_graphql()
}

/// One value through the schema's loader.
pub async fn load<K>(ctx: &Context<'_>, key: K) -> Result<Option<<StoreLoader as Loader<K>>::Value>>
where
    K: Send + Sync + Clone + Eq + std::hash::Hash + 'static,
    StoreLoader: Loader<K, Error = std::sync::Arc<sea_orm::DbErr>>,
{
    ctx.data::<DataLoader<StoreLoader>>()?
        .load_one(key)
        .await
        .map_err(database_error)
}

impl Loader<GroupsOf> for StoreLoader {
    type Value = Vec<group::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[GroupsOf]) -> LoadResult<HashMap<GroupsOf, Self::Value>> {
        let ids: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
        let rows = groups_of(&self.db, &ids).await?;
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

impl Loader<IntegrationById> for StoreLoader {
    type Value = integration::Model;
    type Error = std::sync::Arc<sea_orm::DbErr>;

    async fn load(
        &self,
        keys: &[IntegrationById],
    ) -> LoadResult<HashMap<IntegrationById, Self::Value>> {
        let ids: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
        Ok(integrations_by_id(&self.db, &ids)
            .await?
            .into_iter()
            .map(|row| (IntegrationById(row.id.clone()), row))
            .collect())
    }
}

impl Loader<RepositoryCount> for StoreLoader {
    type Value = u64;
    type Error = LoadError;

    async fn load(&self, keys: &[RepositoryCount]) -> LoadResult<HashMap<RepositoryCount, u64>> {
        let mut out = HashMap::new();
        for (filter, keys) in batches(keys, |k| k.filter.clone()) {
            let scopes: Vec<&RepositoryScope> = keys.iter().map(|k| &k.scope).collect();
            let counts = repository_counts(&self.db, &scopes, &filter).await?;
            for key in keys {
                out.insert(key.clone(), counts.get(&key.scope).copied().unwrap_or(0));
            }
        }
        Ok(out)
    }
}

impl Loader<RepositoryPage> for StoreLoader {
    type Value = Vec<ListedRepository>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[RepositoryPage],
    ) -> LoadResult<HashMap<RepositoryPage, Self::Value>> {
        let mut out: HashMap<RepositoryPage, Self::Value> =
            keys.iter().map(|k| (k.clone(), Vec::new())).collect();
        // One query per filter, order and window; a screen asks for the same everywhere.
        let batched = batches(keys, |k| (k.filter.clone(), k.order, k.window.clone()));
        for ((filter, order, window), keys) in batched {
            let scopes: Vec<&RepositoryScope> = keys.iter().map(|k| &k.scope).collect();
            for (scope, row) in repository_pages(&self.db, &scopes, &filter, order, &window).await?
            {
                let key = RepositoryPage {
                    scope,
                    filter: filter.clone(),
                    order,
                    window: window.clone(),
                };
                if let Some(page) = out.get_mut(&key) {
                    page.push(row);
                }
            }
        }
        Ok(out)
    }
}

/// A loader whose key wraps one id, answered by a query that maps ids to values (an id
/// left out has none).
macro_rules! by_id {
    ($key:ident => $value:ty, |$db:ident, $ids:ident| $query:expr) => {
        impl Loader<$key> for StoreLoader {
            type Value = $value;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> LoadResult<HashMap<$key, $value>> {
                let $db = &self.db;
                let $ids = ids(keys.iter().map(|k| &k.0));
                let found = $query.await?;
                Ok(found
                    .into_iter()
                    .map(|(id, value)| ($key(id), value))
                    .collect())
            }
        }
    };
}

by_id!(RepositoryById => repository::Model, |db, ids| repositories_by_id(db, &ids));
by_id!(ActiveRun => import_run::Model, |db, ids| newest_runs(db, &ids, &RunFilter::active()));
by_id!(LastRun => import_run::Model, |db, ids| newest_runs(db, &ids, &RunFilter::default()));
by_id!(LastSynced => DateTime<Utc>, |db, ids| last_synced(db, &ids));
by_id!(GroupWebhook => webhook::Model, |db, ids| webhooks_of_groups(db, &ids));

impl Loader<RunPage> for StoreLoader {
    type Value = Vec<import_run::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[RunPage]) -> LoadResult<HashMap<RunPage, Self::Value>> {
        let mut out = HashMap::new();
        for ((of, filter, window), keys) in
            batches(keys, |k| (k.of, k.filter.clone(), k.window.clone()))
        {
            let mut pages = run_pages(
                &self.db,
                of,
                &ids(keys.iter().map(|k| &k.id)),
                &filter,
                &window,
            )
            .await?;
            for key in keys {
                out.insert(key.clone(), pages.remove(&key.id).unwrap_or_default());
            }
        }
        Ok(out)
    }
}

impl Loader<RunCount> for StoreLoader {
    type Value = u64;
    type Error = LoadError;

    async fn load(&self, keys: &[RunCount]) -> LoadResult<HashMap<RunCount, u64>> {
        let mut out = HashMap::new();
        for ((of, filter), keys) in batches(keys, |k| (k.of, k.filter.clone())) {
            let counts =
                run_counts(&self.db, of, &ids(keys.iter().map(|k| &k.id)), &filter).await?;
            for key in keys {
                out.insert(key.clone(), counts.get(&key.id).copied().unwrap_or(0));
            }
        }
        Ok(out)
    }
}
