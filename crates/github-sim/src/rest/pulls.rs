//! Pull requests: the listing (`state`, `head`, `base`, `sort`, `direction`), one
//! pull request, its commits, reviews and review comments, and the repository's
//! review comments (`since`).

use serde_json::Value;

use crate::call::Call;
use crate::content::{PullRequest, PullRequestState};
use crate::hooks::payloads::{pull_request_json, review_json};
use crate::reply::Reply;
use crate::rest_paging::paginate_with;

use super::access::RepoAt;
use super::params::{choice, comment_listing, descending, ordered, state};
use super::shapes::{pull_commit, repository, review_comment, user_or_ghost};

const LIST_DOCS: &str = "https://docs.github.com/rest/pulls/pulls#list-pull-requests";

/// GitHub lists at most this many commits of a pull request.
const PULL_COMMITS_CAP: usize = 250;

/// What "Get a pull request" has and the listing leaves out: a REST collector
/// needs one call per pull request for them.
const DETAIL_ONLY: &[&str] = &[
    "merged",
    "mergeable",
    "rebaseable",
    "mergeable_state",
    "merged_by",
    "comments",
    "review_comments",
    "maintainer_can_modify",
    "commits",
    "additions",
    "deletions",
    "changed_files",
];

/// A pull request as "Get a pull request" answers it: the delivery's shape with
/// REST's whole repository under `head` and `base`, and `ghost` for a deleted author.
fn full(call: &Call, at: &RepoAt, p: &PullRequest) -> Value {
    let scene = at.scene(call);
    let mut v = pull_request_json(&scene, p);
    let repo = repository(&scene, Some(&at.index.content), false);
    v["head"]["repo"] = repo.clone();
    v["base"]["repo"] = repo;
    v["user"] = user_or_ghost(&scene, p.author.as_ref());
    v
}

/// A pull request as the listing shows it (`pull-request-simple`).
fn simple(call: &Call, at: &RepoAt, p: &PullRequest) -> Value {
    let mut v = full(call, at, p);
    if let Some(o) = v.as_object_mut() {
        for key in DETAIL_ONLY {
            o.remove(*key);
        }
    }
    v
}

fn popularity(p: &PullRequest) -> usize {
    p.comments.len()
        + p.review_threads
            .iter()
            .map(|t| t.comments.len())
            .sum::<usize>()
}

pub(crate) fn list(call: &Call, at: &RepoAt) -> Reply {
    let checked = (|| {
        let state = state(call, Some(LIST_DOCS))?;
        let sort = choice(
            call,
            "sort",
            &["created", "updated", "popularity", "long-running"],
            "created",
            Some(LIST_DOCS),
        )?;
        let desc = descending(call, sort == "created", Some(LIST_DOCS))?;
        Ok::<_, Reply>((state, sort, desc))
    })();
    let (state, sort, desc) = match checked {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let c = &at.index.content;
    let now = chrono::Utc::now();
    let month = chrono::Duration::days(30);
    // `head` is `user:ref` (or a bare ref, which GitHub matches under the owner).
    let head = call
        .param("head")
        .map(|h| h.rsplit(':').next().unwrap_or(h));
    let base = call.param("base");
    let chosen: Vec<usize> = (0..c.pull_requests.len())
        .filter(|&k| {
            let p = &c.pull_requests[k];
            let open = p.state == PullRequestState::Open;
            (state == "all" || open == (state == "open"))
                && head.is_none_or(|h| p.head_ref == h)
                && base.is_none_or(|b| p.base_ref == b)
                // Open for more than a month and active within the last one.
                && (sort != "long-running" || (open && p.created_at < now - month && p.updated_at > now - month))
        })
        .collect();
    let pulls = ordered(chosen, desc, |k| {
        let p = &c.pull_requests[k];
        let at = match sort {
            "updated" => p.updated_at,
            _ => p.created_at,
        };
        let popular = if sort == "popularity" {
            popularity(p)
        } else {
            0
        };
        (popular, at, p.number)
    });
    paginate_with(call, pulls.len(), |range| {
        pulls[range]
            .iter()
            .map(|&k| simple(call, at, &c.pull_requests[k]))
            .collect()
    })
}

fn pull(at: &RepoAt, number: i64) -> Result<&PullRequest, Reply> {
    at.index.pull_number(number).ok_or_else(Reply::not_found)
}

pub(crate) fn get(call: &Call, at: &RepoAt, number: i64) -> Reply {
    match pull(at, number) {
        Ok(p) => Reply::ok(&full(call, at, p)),
        Err(reply) => reply,
    }
}

/// The pull request's commits, oldest first, at most 250.
pub(crate) fn commits(call: &Call, at: &RepoAt, number: i64) -> Reply {
    let p = match pull(at, number) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let listed = p.commits.len().min(PULL_COMMITS_CAP);
    let scene = at.scene(call);
    paginate_with(call, listed, |range| {
        range
            .map(|k| {
                let parent = k.checked_sub(1).map(|j| p.commits[j].oid.as_str());
                pull_commit(&scene, &p.commits[k], parent)
            })
            .collect()
    })
}

/// Its reviews in the order they were made; a pending review shows only to its author.
pub(crate) fn reviews(call: &Call, at: &RepoAt, number: i64) -> Reply {
    let p = match pull(at, number) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let shown = p.reviews_seen_by(call.principal.map(|c| c.user.login.as_str()));
    let scene = at.scene(call);
    paginate_with(call, shown.len(), |range| {
        shown[range]
            .iter()
            .map(|&k| {
                // REST answers an empty review body as "", webhooks as null.
                let mut v = review_json(&scene, p, &p.reviews[k]);
                if v["body"].is_null() {
                    v["body"] = serde_json::json!("");
                }
                v
            })
            .collect()
    })
}

/// Review comments of one pull request (`number`) or of the whole repository.
pub(crate) fn review_comments(call: &Call, at: &RepoAt, number: Option<i64>) -> Reply {
    let pull_index = match number {
        Some(n) => match at.index.by_number.get(&n) {
            Some(super::index::Item::Pull(k)) => Some(*k),
            _ => return Reply::not_found(),
        },
        None => None,
    };
    let sorts: Option<&[&'static str]> = Some(if number.is_some() {
        &["created", "updated"]
    } else {
        &["created", "updated", "created_at"]
    });
    let index = &at.index;
    let scene = at.scene(call);
    comment_listing(
        call,
        &index.review_comments,
        |at| pull_index.is_none_or(|k| at.0 == k),
        |at| index.review_comment(at).created_at,
        sorts,
        // The description lists no 422 for review comment listings.
        None,
        |(p, t, k)| {
            let pr = index.pull(p);
            let head = pr.commits.last().map_or("", |c| c.oid.as_str());
            review_comment(&scene, pr.number, head, t, index.review_comment((p, t, k)))
        },
    )
}
