//! Reading an account's groups from GitHub: the account itself and its organizations,
//! and the repositories of each group the token can reach. Nothing is written here, so
//! a failure half-way leaves the stored groups as they were.

use std::collections::HashMap;

use entity::group::GroupKind;
use futures_util::{StreamExt, stream};
use github::{ConnectionReport, GithubClient, GithubError, RemoteRepository, Token};

use crate::{
    error::ApiResult,
    graphql::connection_test::{GroupAccess, GroupRole},
};

/// What GitHub listed: groups, and the repositories of the reachable ones by group id.
#[derive(Default)]
pub(crate) struct GroupListing {
    pub(crate) groups: Vec<GroupRow>,
    pub(crate) repositories: HashMap<i64, Vec<RemoteRepository>>,
}

/// One group as GitHub described it.
pub(crate) struct GroupRow {
    pub(crate) github_id: i64,
    pub(crate) login: String,
    pub(crate) kind: GroupKind,
    pub(crate) role: Option<GroupRole>,
    pub(crate) access: GroupAccess,
    pub(crate) problem: Option<String>,
    pub(crate) sso_url: Option<String>,
    pub(crate) hidden_private_repos: Option<i64>,
}

/// Reads the account and its organizations as groups, and each reachable group's repositories.
pub(crate) async fn read_groups(
    github: &GithubClient,
    token: &Token,
    report: &ConnectionReport,
) -> ApiResult<GroupListing> {
    let Some(account) = &report.account else {
        return Ok(GroupListing::default());
    };
    let mut groups = vec![GroupRow {
        github_id: account.database_id,
        login: account.login.clone(),
        kind: GroupKind::User,
        role: Some(GroupRole::Owner),
        access: GroupAccess::Ok,
        problem: None,
        sso_url: None,
        hidden_private_repos: None,
    }];
    groups.extend(report.organizations.iter().filter_map(|org| {
        Some(GroupRow {
            github_id: org.database_id?,
            login: org.login.clone(),
            kind: GroupKind::Organization,
            role: org.role.map(GroupRole::from),
            access: GroupAccess::from(org.access),
            problem: org.problem.clone(),
            sso_url: org.sso_url.clone(),
            hidden_private_repos: org.hidden_private_repos,
        })
    }));

    let reachable: Vec<Option<String>> = groups
        .iter()
        .map(|g| (g.access == GroupAccess::Ok).then(|| g.login.clone()))
        .collect();
    let listings: Vec<_> = stream::iter(reachable)
        .map(|login| async move {
            match login {
                Some(login) => github.owner_repositories(token, &login).await.map(Some),
                None => Ok(None),
            }
        })
        .buffered(github::CONCURRENT_REQUESTS)
        .collect()
        .await;
    let mut repositories: HashMap<i64, Vec<RemoteRepository>> = HashMap::new();
    for (group, listing) in groups.iter_mut().zip(listings) {
        match listing {
            Ok(Some(list)) => {
                repositories.insert(group.github_id, list);
            }
            Ok(None) => {}
            Err(
                error @ (GithubError::SsoRequired { .. }
                | GithubError::Forbidden { .. }
                | GithubError::NotFound { .. }),
            ) => {
                group.access = if matches!(error, GithubError::SsoRequired { .. }) {
                    GroupAccess::SsoRequired
                } else {
                    GroupAccess::NotVisible
                };
                group.problem = Some(format!(
                    "The repositories of {} could not be listed: {error}",
                    group.login
                ));
            }
            Err(fatal) => return Err(fatal.into()),
        }
    }
    Ok(GroupListing {
        groups,
        repositories,
    })
}
