//! DataLoaders for the fields nested in metrics: a page of pull requests or Work log
//! days asks for its repositories and contributor names in one statement each.

use std::{collections::HashMap, sync::Arc};

use async_graphql::dataloader::Loader;
use entity::repository;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter};

use super::loaders::StoreLoader;
use entity::sql::Sql;
use metrics::{ContributorKey, contributors::LookupAnswer};

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

    /// One statement for every key: a subquery per key that reads one index entry
    /// (`commits_integration_contributor_authored`), never all of a contributor's commits.
    async fn load(
        &self,
        keys: &[ContributorName],
    ) -> Result<HashMap<ContributorName, String>, Arc<DbErr>> {
        let mut out = HashMap::new();
        for chunk in keys.chunks(200) {
            let mut sql = Sql::new(self.db.get_database_backend());
            for (i, key) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(" UNION ALL ");
                }
                sql.push(&format!("SELECT CAST({i} AS BIGINT) AS position, (SELECT author_name FROM commits WHERE integration_id = "))
                    .bind(key.integration_id.clone())
                    .push(" AND contributor = ")
                    .bind(key.key.id().to_string())
                    .push(" AND contributor_is_login = ")
                    .bind(matches!(key.key, ContributorKey::Login(_)))
                    .push(" ORDER BY authored_at DESC LIMIT 1) AS found");
            }
            for answer in LookupAnswer::find_by_statement(sql.statement())
                .all(&self.db)
                .await?
            {
                if let Some(name) = answer.found {
                    out.insert(chunk[answer.position as usize].clone(), name);
                }
            }
        }
        Ok(out)
    }
}
