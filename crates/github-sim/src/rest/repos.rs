//! Repositories: `GET /orgs/{org}/repos`, `GET /user/repos` and
//! `GET /repos/{owner}/{repo}`, with GitHub's `type`, `visibility`, `affiliation`,
//! `sort`, `direction`, `since` and `before`.

use poem::http::StatusCode;

use crate::call::Call;
use crate::dataset::{OrgRole, OwnerType, Repo};
use crate::hooks::payloads::Scene;
use crate::reply::{REST_DOCS, Reply};
use crate::rest_errors::sso_required;
use crate::rest_paging::paginate_with;

use super::access::{RepoAt, org_of, visible};
use super::params::{choice, descending, time};
use super::shapes::repository;

const USER_DOCS: &str =
    "https://docs.github.com/rest/repos/repos#list-repositories-for-the-authenticated-user";

/// Whether the caller administers `repo` (its `permissions`).
fn admin(call: &Call, repo: &Repo) -> bool {
    let Some(p) = call.principal else {
        return false;
    };
    match repo.owner_type {
        OwnerType::User => repo.owner.eq_ignore_ascii_case(&p.user.login),
        OwnerType::Organization => org_of(call, repo)
            .and_then(|o| call.dataset().role(o, &p.user.login))
            .is_some_and(|r| r == OrgRole::Admin),
    }
}

fn repo_json(call: &Call, repo: &Repo) -> serde_json::Value {
    let content = call.state.content();
    let scene = Scene {
        base: &call.base,
        dataset: call.dataset(),
        repo,
        org: org_of(call, repo),
        open_issues: content
            .repos
            .get(&repo.id)
            .map_or(0, |c| crate::hooks::payloads::open_issues(c)),
    };
    repository(
        &scene,
        content.repos.get(&repo.id).map(|c| &**c),
        admin(call, repo),
    )
}

pub(crate) fn get(call: &Call, at: &RepoAt) -> Reply {
    let mut v = repository(
        &at.scene(call),
        Some(&at.index.content),
        admin(call, &at.repo),
    );
    if let Some(org) = &at.org {
        v["organization"] = v["owner"].clone();
        v["organization"]["login"] = serde_json::json!(org.login);
    }
    Reply::ok(&v)
}

/// Orders repositories by `sort` (`created`, `updated`, `pushed`, `full_name`).
fn sorted<'a>(
    call: &Call,
    mut repos: Vec<&'a Repo>,
    default: &'static str,
    refuse: Option<&str>,
) -> Result<Vec<&'a Repo>, Reply> {
    let sort = choice(
        call,
        "sort",
        &["created", "updated", "pushed", "full_name"],
        default,
        refuse,
    )?;
    let desc = descending(call, sort != "full_name", refuse)?;
    match sort {
        "full_name" => repos.sort_by_key(|r| r.full_name().to_ascii_lowercase()),
        "created" => repos.sort_by_key(|r| (r.created_at, r.id)),
        _ => repos.sort_by_key(|r| (r.pushed_at, r.id)),
    }
    if desc {
        repos.reverse();
    }
    Ok(repos)
}

fn page(call: &Call, repos: Vec<&Repo>) -> Reply {
    paginate_with(call, repos.len(), |range| {
        repos[range].iter().map(|r| repo_json(call, r)).collect()
    })
}

pub(crate) fn for_org(call: &Call, login: &str) -> Reply {
    let Some(org) = call.dataset().org(login) else {
        return Reply::not_found();
    };
    if call
        .principal
        .is_some_and(|p| p.sso_blocked(call.dataset(), org))
    {
        return sso_required(call, org);
    }
    let kind = match choice(
        call,
        "type",
        &["all", "public", "private", "forks", "sources", "member"],
        "all",
        // The description lists no 422 for this listing: unknown values are the defaults.
        None,
    ) {
        Ok(k) => k,
        Err(reply) => return reply,
    };
    let repos: Vec<&Repo> = call
        .dataset()
        .repos_owned_by(&org.login)
        .filter(|r| visible(call, r))
        .filter(|r| match kind {
            "public" => !r.private,
            "private" => r.private,
            "forks" => r.fork,
            "sources" => !r.fork,
            _ => true,
        })
        .collect();
    match sorted(call, repos, "created", None) {
        Ok(repos) => page(call, repos),
        Err(reply) => reply,
    }
}

pub(crate) fn for_user(call: &Call) -> Reply {
    let Some(p) = call.principal else {
        return Reply::error(
            StatusCode::UNAUTHORIZED,
            "Requires authentication",
            REST_DOCS,
        );
    };
    let kind = call.param("type");
    if kind.is_some() && (call.param("visibility").is_some() || call.param("affiliation").is_some())
    {
        return Reply::error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "If you specify visibility or affiliation, you cannot specify type.",
            USER_DOCS,
        );
    }
    let checked = (|| {
        let kind = choice(
            call,
            "type",
            &["all", "owner", "public", "private", "member"],
            "all",
            Some(USER_DOCS),
        )?;
        let visibility = choice(
            call,
            "visibility",
            &["all", "public", "private"],
            "all",
            Some(USER_DOCS),
        )?;
        Ok::<_, Reply>((
            kind,
            visibility,
            time(call, "since", Some(USER_DOCS))?,
            time(call, "before", Some(USER_DOCS))?,
        ))
    })();
    let (kind, visibility, since, before) = match checked {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let affiliation: Vec<&str> = call
        .param("affiliation")
        .unwrap_or("owner,collaborator,organization_member")
        .split(',')
        .map(str::trim)
        .collect();
    let login = &p.user.login;
    let owned = |r: &Repo| r.owner.eq_ignore_ascii_case(login);
    let collaborator = |r: &Repo| r.collaborators.iter().any(|c| c == login);
    let member =
        |r: &Repo| org_of(call, r).is_some_and(|o| call.dataset().role(o, login).is_some());
    let repos: Vec<&Repo> = call
        .dataset()
        .repos
        .iter()
        .filter(|r| visible(call, r))
        .filter(|r| match kind {
            "owner" => owned(r),
            "public" => !r.private && (owned(r) || collaborator(r) || member(r)),
            "private" => r.private && (owned(r) || collaborator(r) || member(r)),
            "member" => collaborator(r) || member(r),
            _ => {
                (affiliation.contains(&"owner") && owned(r))
                    || (affiliation.contains(&"collaborator") && collaborator(r))
                    || (affiliation.contains(&"organization_member") && member(r))
            }
        })
        .filter(|r| match visibility {
            "public" => !r.private,
            "private" => r.private,
            _ => true,
        })
        .filter(|r| {
            since.is_none_or(|t| r.pushed_at >= t) && before.is_none_or(|t| r.pushed_at < t)
        })
        .collect();
    match sorted(call, repos, "full_name", Some(USER_DOCS)) {
        Ok(repos) => page(call, repos),
        Err(reply) => reply,
    }
}
