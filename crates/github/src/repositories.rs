//! Listing a group's repositories through GraphQL, every page followed.

use chrono::{DateTime, Utc};

use crate::{
    client::GithubClient,
    error::GithubError,
    operations::{
        OwnerRepositories, PrivateRepositoryCount, owner_repositories, private_repository_count,
    },
    token::Token,
};

/// A repository as GitHub describes it; what the Repos tab lists and imports use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteRepository {
    pub node_id: String,
    pub database_id: Option<i64>,
    pub owner: String,
    pub name: String,
    pub private: bool,
    pub archived: bool,
    pub fork: bool,
    pub default_branch: Option<String>,
    pub url: String,
    /// When GitHub last saw a push to any branch.
    pub pushed_at: Option<DateTime<Utc>>,
}

fn pushed_time(value: &str) -> Result<DateTime<Utc>, GithubError> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| GithubError::Decode {
            what: format!("a repository's pushedAt {value:?}"),
            reason: e.to_string(),
        })
}

/// Repositories per GraphQL page: the maximum GitHub allows, and cheap (one point).
const PAGE_SIZE: i64 = 100;

impl GithubClient {
    /// Every repository `login` (an organization or a user) owns that the token can see.
    pub async fn owner_repositories(
        &self,
        token: &Token,
        login: &str,
    ) -> Result<Vec<RemoteRepository>, GithubError> {
        let mut repositories = Vec::new();
        let mut after = None;
        loop {
            let variables = owner_repositories::Variables {
                login: login.to_string(),
                first: PAGE_SIZE,
                after: after.take(),
            };
            let answer = self.graphql::<OwnerRepositories>(token, variables).await?;
            if let Some(error) = answer.errors.first() {
                return Err(graphql_access_error(login, error));
            }
            let Some(owner) = answer.data.and_then(|d| d.repository_owner) else {
                return Err(GithubError::NotFound {
                    what: format!("the account or organization {login}"),
                });
            };
            let page = owner.repositories;
            for n in page.nodes.into_iter().flatten().flatten() {
                let pushed_at = n.pushed_at.as_deref().map(pushed_time).transpose()?;
                repositories.push(RemoteRepository {
                    node_id: n.id,
                    database_id: n.database_id,
                    owner: n.owner.login,
                    name: n.name,
                    private: n.is_private,
                    archived: n.is_archived,
                    fork: n.is_fork,
                    default_branch: n.default_branch_ref.map(|r| r.name),
                    url: n.url,
                    pushed_at,
                });
            }
            match (page.page_info.has_next_page, page.page_info.end_cursor) {
                (true, Some(cursor)) => after = Some(cursor),
                _ => break,
            }
        }
        Ok(repositories)
    }

    /// How many private repositories of `login` the token can see.
    pub async fn visible_private_repository_count(
        &self,
        token: &Token,
        login: &str,
    ) -> Result<i64, GithubError> {
        let answer = self
            .graphql::<PrivateRepositoryCount>(
                token,
                private_repository_count::Variables {
                    login: login.to_string(),
                },
            )
            .await?;
        if let Some(error) = answer.errors.first() {
            return Err(graphql_access_error(login, error));
        }
        Ok(answer
            .data
            .and_then(|d| d.repository_owner)
            .map(|o| o.repositories.total_count)
            .unwrap_or(0))
    }
}

/// GitHub reports SSO and OAuth-restriction failures inside a 200 answer.
fn graphql_access_error(login: &str, error: &crate::client::GraphQlError) -> GithubError {
    if error
        .extensions
        .get("saml_failure")
        .and_then(|v| v.as_bool())
        == Some(true)
    {
        return GithubError::SsoRequired {
            organization: login.to_string(),
            url: String::new(),
        };
    }
    match error.kind.as_deref() {
        Some("FORBIDDEN") => GithubError::Forbidden {
            status: 200,
            message: error.message.clone(),
        },
        Some("NOT_FOUND") => GithubError::NotFound {
            what: format!("the account or organization {login}"),
        },
        _ => GithubError::GraphQl(error.message.clone()),
    }
}
