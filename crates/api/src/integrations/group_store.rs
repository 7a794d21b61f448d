//! Storing an account's groups and their repositories as GitHub listed them.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::{group, repository};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::OnConflict,
};

use super::{
    approval::{approval_requested_groups, remembered_request},
    group_listing::GroupListing,
};
use crate::error::ApiResult;

/// Stores a listing: upserts groups and repositories by GitHub id, and removes what
/// GitHub no longer lists. Callers run it inside their transaction.
pub(crate) async fn write_groups(
    txn: &impl ConnectionTrait,
    integration_id: &str,
    listing: &GroupListing,
) -> ApiResult<()> {
    let GroupListing {
        groups,
        repositories,
    } = listing;
    let now = Utc::now();
    let requested = approval_requested_groups(txn, integration_id).await?;
    let group_rows: Vec<group::ActiveModel> = groups
        .iter()
        .map(|g| {
            let (access, problem) = remembered_request(g.access, g.github_id, &g.login, &requested)
                .unwrap_or((g.access, g.problem.clone()));
            group::ActiveModel {
                id: Set(uuid::Uuid::new_v4().to_string()),
                integration_id: Set(integration_id.to_string()),
                github_id: Set(g.github_id),
                login: Set(g.login.clone()),
                kind: Set(g.kind),
                role: Set(g.role.map(Into::into)),
                access: Set(access.into()),
                problem: Set(problem),
                sso_url: Set(g.sso_url.clone()),
                hidden_private_repos: Set(g.hidden_private_repos),
                refreshed_at: Set(now),
            }
        })
        .collect();
    group::Entity::insert_many(group_rows)
        .on_conflict(
            OnConflict::columns([group::Column::IntegrationId, group::Column::GithubId])
                .update_columns([
                    group::Column::Login,
                    group::Column::Kind,
                    group::Column::Role,
                    group::Column::Access,
                    group::Column::Problem,
                    group::Column::SsoUrl,
                    group::Column::HiddenPrivateRepos,
                    group::Column::RefreshedAt,
                ])
                .to_owned(),
        )
        .exec(txn)
        .await?;
    let listed: Vec<i64> = groups.iter().map(|g| g.github_id).collect();
    group::Entity::delete_many()
        .filter(group::Column::IntegrationId.eq(integration_id))
        .filter(group::Column::GithubId.is_not_in(listed))
        .exec(txn)
        .await?;
    let group_ids: HashMap<i64, String> = group::Entity::find()
        .filter(group::Column::IntegrationId.eq(integration_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|g| (g.github_id, g.id))
        .collect();

    for (github_id, list) in repositories {
        let group_id = &group_ids[github_id];
        let seen: HashSet<&str> = list.iter().map(|r| r.node_id.as_str()).collect();
        // Bounded batches keep every statement under SQLite's and PostgreSQL's bind limits.
        for chunk in list.chunks(200) {
            let rows: Vec<repository::ActiveModel> = chunk
                .iter()
                .map(|r| repository::ActiveModel {
                    id: Set(uuid::Uuid::new_v4().to_string()),
                    integration_id: Set(integration_id.to_string()),
                    group_id: Set(group_id.clone()),
                    github_node_id: Set(r.node_id.clone()),
                    github_database_id: Set(r.database_id),
                    owner: Set(r.owner.clone()),
                    name: Set(r.name.clone()),
                    private: Set(r.private),
                    archived: Set(r.archived),
                    fork: Set(r.fork),
                    default_branch: Set(r.default_branch.clone()),
                    url: Set(r.url.clone()),
                    pushed_at: Set(r.pushed_at),
                    selected: Set(false),
                    created_at: Set(now),
                    updated_at: Set(now),
                })
                .collect();
            repository::Entity::insert_many(rows)
                .on_conflict(
                    OnConflict::columns([
                        repository::Column::IntegrationId,
                        repository::Column::GithubNodeId,
                    ])
                    .update_columns([
                        repository::Column::GroupId,
                        repository::Column::GithubDatabaseId,
                        repository::Column::Owner,
                        repository::Column::Name,
                        repository::Column::Private,
                        repository::Column::Archived,
                        repository::Column::Fork,
                        repository::Column::DefaultBranch,
                        repository::Column::Url,
                        repository::Column::PushedAt,
                        repository::Column::UpdatedAt,
                    ])
                    .to_owned(),
                )
                .exec(txn)
                .await?;
        }
        let stale: Vec<String> = repository::Entity::find()
            .filter(repository::Column::GroupId.eq(group_id.as_str()))
            .all(txn)
            .await?
            .into_iter()
            .filter(|r| !seen.contains(r.github_node_id.as_str()))
            .map(|r| r.id)
            .collect();
        if !stale.is_empty() {
            repository::Entity::delete_many()
                .filter(repository::Column::Id.is_in(stale))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}
