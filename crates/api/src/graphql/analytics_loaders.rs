//! DataLoaders for the fields nested in metrics: a page of pull requests or Work log
//! days asks for its repositories and contributor names in one statement each.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::Loader;
use entity::repository;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};

use super::loaders::StoreLoader;
use metrics::{ContributorKey, contributors};

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RepositoryById(pub String);

impl Loader<RepositoryById> for StoreLoader {
    type Value = repository::Model;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[RepositoryById],
    ) -> Result<HashMap<RepositoryById, repository::Model>, Arc<DbErr>> {
        let ids: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
        Ok(repository::Entity::find()
            .filter(repository::Column::Id.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| (RepositoryById(r.id.clone()), r))
            .collect())
    }
}

/// The name on a contributor's latest commit.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ContributorName {
    pub integration_id: String,
    pub key: ContributorKey,
}

impl Loader<ContributorName> for StoreLoader {
    type Value = String;
    type Error = Arc<DbErr>;

    /// One statement for every 200 keys (`metrics::contributors::latest_names`).
    async fn load(
        &self,
        keys: &[ContributorName],
    ) -> Result<HashMap<ContributorName, String>, Arc<DbErr>> {
        let asked: Vec<(&str, &ContributorKey)> = keys
            .iter()
            .map(|k| (k.integration_id.as_str(), &k.key))
            .collect();
        Ok(contributors::latest_names(&self.db, &asked)
            .await?
            .into_iter()
            .map(|(index, name)| (keys[index].clone(), name))
            .collect())
    }
}

/// Whether GitHub types a login `Bot` anywhere in the integration's data.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TypedBot {
    pub integration_id: String,
    pub login: String,
}

impl Loader<TypedBot> for StoreLoader {
    type Value = bool;
    type Error = Arc<DbErr>;

    /// One statement per integration asked about (`metrics::contributors::typed_bots`).
    async fn load(&self, keys: &[TypedBot]) -> Result<HashMap<TypedBot, bool>, Arc<DbErr>> {
        let mut by_integration: HashMap<&str, Vec<String>> = HashMap::new();
        for key in keys {
            by_integration
                .entry(key.integration_id.as_str())
                .or_default()
                .push(key.login.clone());
        }
        let mut answers = HashMap::new();
        for (integration_id, logins) in by_integration {
            let bots = contributors::typed_bots(&self.db, integration_id, &logins).await?;
            for login in logins {
                let is_bot = bots.contains(&login);
                answers.insert(
                    TypedBot {
                        integration_id: integration_id.to_string(),
                        login,
                    },
                    is_bot,
                );
            }
        }
        Ok(answers)
    }
}
