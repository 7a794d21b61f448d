//! DataLoaders for the fields nested in metrics: a page of pull requests or Work log
//! days asks for its repositories and contributor names in one statement each.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::Loader;
use entity::repository;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::{contributors::ContributorKey, sql::Sql};
use crate::loaders::StoreLoader;

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

/// The name a contributor's commits give (the latest one alphabetically among them).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ContributorName {
    pub integration_id: String,
    pub key: ContributorKey,
}

impl Loader<ContributorName> for StoreLoader {
    type Value = String;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[ContributorName],
    ) -> Result<HashMap<ContributorName, String>, Arc<DbErr>> {
        let mut out = HashMap::new();
        let mut integrations: Vec<&str> = keys.iter().map(|k| k.integration_id.as_str()).collect();
        integrations.sort();
        integrations.dedup();
        for integration_id in integrations {
            let of_integration = keys.iter().filter(|k| k.integration_id == integration_id);
            let (logins, emails): (Vec<_>, Vec<_>) = of_integration
                .map(|k| k.key.clone())
                .partition(|k| matches!(k, ContributorKey::Login(_)));
            for (column, list) in [("author_login", logins), ("author_email", emails)] {
                if list.is_empty() {
                    continue;
                }
                let values: Vec<String> = list.iter().map(|k| k.id().to_string()).collect();
                let mut sql = Sql::new(self.db.get_database_backend());
                sql.push(&format!(
                    "SELECT {column} AS who, MAX(author_name) AS name FROM commits WHERE integration_id = "
                ))
                .bind(integration_id.to_string())
                .push(&format!(" AND author_name IS NOT NULL AND {column} IN "))
                .bind_list(&values)
                .push(&format!(" GROUP BY {column}"));
                for row in self.db.query_all_raw(sql.statement()).await? {
                    let who: String = row.try_get("", "who")?;
                    let key = if column == "author_login" {
                        ContributorKey::Login(who)
                    } else {
                        ContributorKey::Email(who)
                    };
                    out.insert(
                        ContributorName {
                            integration_id: integration_id.to_string(),
                            key,
                        },
                        row.try_get("", "name")?,
                    );
                }
            }
        }
        Ok(out)
    }
}
