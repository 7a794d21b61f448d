//! Who may read a repository through REST: the same rules as GraphQL
//! (`Principal::sees_repo`), answered as GitHub's REST does — 404 for a repository
//! the caller may not see (private ones do not admit they exist), the SAML 403 of
//! `rest_errors` where an organization's SSO blocks the token.

use std::sync::Arc;

use crate::call::Call;
use crate::dataset::{Org, OwnerType, Repo};
use crate::hooks::payloads::Scene;
use crate::reply::Reply;
use crate::rest_errors::sso_required;

use super::index::RepoIndex;

/// A repository the caller may read, with its content's index.
pub(crate) struct RepoAt {
    pub repo: Repo,
    pub org: Option<Org>,
    pub index: Arc<RepoIndex>,
}

impl RepoAt {
    /// What the shared object shapes (`hooks::payloads`) need to draw this repository's objects.
    pub fn scene<'a>(&'a self, call: &'a Call) -> Scene<'a> {
        Scene {
            base: &call.base,
            dataset: call.dataset(),
            repo: &self.repo,
            org: self.org.as_ref(),
            open_issues: call
                .state
                .content()
                .repos
                .get(&self.repo.id)
                .map_or(0, |c| crate::hooks::payloads::open_issues(c)),
        }
    }
}

/// Whether the caller sees `repo` (anonymous callers see public repositories).
pub(crate) fn visible(call: &Call, repo: &Repo) -> bool {
    match call.principal {
        Some(p) => p.sees_repo(call.dataset(), repo),
        None => !repo.private,
    }
}

pub(crate) fn org_of<'a>(call: &'a Call, repo: &Repo) -> Option<&'a Org> {
    (repo.owner_type == OwnerType::Organization)
        .then(|| call.dataset().org(&repo.owner))
        .flatten()
}

/// The repository `owner/name` if the caller may read it, else GitHub's refusal.
pub(crate) fn repo(call: &Call, owner: &str, name: &str) -> Result<RepoAt, Reply> {
    let Some(repo) = call.dataset().repo(owner, name) else {
        return Err(Reply::not_found());
    };
    let org = org_of(call, repo);
    if let (Some(p), Some(org)) = (call.principal, org)
        && p.sso_blocked(call.dataset(), org)
    {
        return Err(sso_required(call, org));
    }
    if !visible(call, repo) {
        return Err(Reply::not_found());
    }
    let content = call.state.content();
    let Some(repo_content) = content.repos.get(&repo.id) else {
        return Err(Reply::not_found());
    };
    Ok(RepoAt {
        index: call.state.rest_indexes.get(repo.id, repo_content),
        org: org.cloned(),
        repo: repo.clone(),
    })
}
