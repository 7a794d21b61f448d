//! DataLoaders for the Repos tab: a list of integrations with their groups and each
//! group's repositories costs three queries, whatever the number of groups (and one
//! more for the integration behind the groups' services and issues). The
//! queries themselves are `integrations::queries`; these only batch keys into them.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::{group, integration, repository};
use sea_orm::DatabaseConnection;

use crate::integrations::queries::{
    RepositoryScope, groups_of, integrations_by_id, repository_counts, repository_pages,
};

/// The groups of an integration.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GroupsOf(pub String);

/// An integration, by id.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IntegrationById(pub String);

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
    type Error = std::sync::Arc<sea_orm::DbErr>;

    async fn load(&self, keys: &[RepositoryCount]) -> LoadResult<HashMap<RepositoryCount, u64>> {
        let scopes: Vec<&RepositoryScope> = keys.iter().map(|k| &k.0).collect();
        let counts = repository_counts(&self.db, &scopes).await?;
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
            let in_window: Vec<&RepositoryScope> = keys
                .iter()
                .filter(|k| k.offset == offset && k.limit == limit)
                .map(|k| &k.scope)
                .collect();
            for (scope, row) in repository_pages(&self.db, &in_window, offset, limit).await? {
                let key = RepositoryPage {
                    scope,
                    offset,
                    limit,
                };
                if let Some(page) = out.get_mut(&key) {
                    page.push(row);
                }
            }
        }
        Ok(out)
    }
}
