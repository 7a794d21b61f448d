//! Commits: `GET /repos/{o}/{r}/commits` (`sha`, `since`, `until`; newest first)
//! and `GET /repos/{o}/{r}/commits/{ref}` with `stats` and `files`.

use poem::http::StatusCode;
use serde_json::Value;

use crate::call::Call;
use crate::reply::Reply;
use crate::rest_paging::paginate_with;

use super::access::RepoAt;
use super::index::CommitAt;
use super::params::time;
use super::shapes::{commit, pull_commit, with_details};

const LIST_DOCS: &str = "https://docs.github.com/rest/commits/commits#list-commits";
const GET_DOCS: &str = "https://docs.github.com/rest/commits/commits#get-a-commit";

/// Where a listing starts: the default branch (or a commit on it) walks the
/// branch back; a pull request's branch (or a commit on it) walks its commits back.
enum Start {
    Branch(usize),
    Pull(usize, usize),
}

fn start(at: &RepoAt, sha: Option<&str>) -> Option<Start> {
    let c = &at.index.content;
    match sha {
        None => Some(Start::Branch(0)),
        Some(s) if s.eq_ignore_ascii_case(&at.repo.default_branch) => Some(Start::Branch(0)),
        Some(s) => {
            if let Some(p) = c.pull_requests.iter().position(|p| p.head_ref == s) {
                return Some(Start::Pull(
                    p,
                    c.pull_requests[p].commits.len().checked_sub(1)?,
                ));
            }
            match at.index.commit(s)? {
                CommitAt::Default(k) => Some(Start::Branch(k)),
                CommitAt::Pull(p, k) => Some(Start::Pull(p, k)),
            }
        }
    }
}

/// The commit `k` of a listing that starts at `from`, as REST lists it.
fn listed(call: &Call, at: &RepoAt, from: &Start, k: usize) -> Value {
    let c = &at.index.content;
    let scene = at.scene(call);
    match *from {
        Start::Branch(_) => commit(
            &scene,
            &c.commits[k],
            c.commits.get(k + 1).map(|p| p.oid.as_str()),
        ),
        Start::Pull(p, _) => {
            let commits = &c.pull_requests[p].commits;
            let parent = k.checked_sub(1).map(|j| commits[j].oid.as_str());
            pull_commit(&scene, &commits[k], parent)
        }
    }
}

pub(crate) fn list(call: &Call, at: &RepoAt) -> Reply {
    let c = &at.index.content;
    if c.commits.is_empty() {
        return Reply::error(StatusCode::CONFLICT, "Git Repository is empty.", LIST_DOCS);
    }
    // The description lists no 422 here: a time GitHub cannot read is no bound.
    let (since, until) = match (time(call, "since", None), time(call, "until", None)) {
        (Ok(s), Ok(u)) => (s, u),
        (Err(reply), _) | (_, Err(reply)) => return reply,
    };
    let Some(from) = start(at, call.param("sha")) else {
        return Reply::not_found();
    };
    let within = |t| since.is_none_or(|s| t >= s) && until.is_none_or(|u| t <= u);
    // Positions, newest first: the branch from its start back, or a pull
    // request's commits from the start back to its first.
    let positions: Vec<usize> = match from {
        Start::Branch(k) => (k..c.commits.len())
            .filter(|&i| within(c.commits[i].committed_at))
            .collect(),
        Start::Pull(p, k) => (0..=k)
            .rev()
            .filter(|&i| within(c.pull_requests[p].commits[i].committed_at))
            .collect(),
    };
    paginate_with(call, positions.len(), |range| {
        positions[range]
            .iter()
            .map(|&k| listed(call, at, &from, k))
            .collect()
    })
}

pub(crate) fn get(call: &Call, at: &RepoAt, reference: &str) -> Reply {
    let c = &at.index.content;
    let refused = || {
        Reply::error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("No commit found for SHA: {reference}"),
            GET_DOCS,
        )
    };
    let Some(from) = start(at, Some(reference)) else {
        return refused();
    };
    let scene = at.scene(call);
    match from {
        Start::Branch(k) => {
            let Some(found) = c.commits.get(k) else {
                return refused();
            };
            let v = listed(call, at, &from, k);
            let files = found.changed_files.unwrap_or(1);
            Reply::ok(&with_details(
                &scene,
                v,
                &found.oid,
                found.additions,
                found.deletions,
                files,
            ))
        }
        Start::Pull(p, k) => {
            // A pull request's commits share its size evenly.
            let pr = &c.pull_requests[p];
            let n = pr.commits.len().max(1) as i64;
            let share = |total: i64| total / n + i64::from((k as i64) < total % n);
            let v = listed(call, at, &from, k);
            let files = (pr.changed_files / n).max(1);
            Reply::ok(&with_details(
                &scene,
                v,
                &pr.commits[k].oid,
                share(pr.additions),
                share(pr.deletions),
                files,
            ))
        }
    }
}
