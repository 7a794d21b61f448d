//! The simulator's own control endpoints under `/_sim/` (no authentication; never
//! counted in the statistics, never hit by faults). Every answer is JSON; a bad
//! request answers 422 `{"message": "..."}`.
//!
//! ## `GET /_sim/tokens`
//! The scenario tokens: `[{"name": "owner", "token": "ghp_…", "description": "…"}, …]`.
//!
//! ## `GET /_sim/dataset[?repo=owner/name]`
//! The seeded world: `{"seed", "users", "orgs", "repos", "tokens", "content": [...]}`.
//! `content` has one entry per repository (all of them, or the one `repo` names), in
//! `repos` order:
//! ```json
//! {"repository": "acme-corp/billing-api",
//!  "commits": [{"node_id": "C_kgDO…", "oid": "3f2a…", "message_headline": "Fix retry loop",
//!               "authored_at": "2025-01-02T03:04:05Z", "committed_at": "…",
//!               "author": {"name": "Alice Okafor", "email": "alice.okafor@example.com", "login": "alice-okafor"},
//!               "committer": {…}, "additions": 12, "deletions": 3, "changed_files": 2, "parent_count": 1}],
//!  "pull_requests": [{"node_id": "PR_…", "number": 1, "title": "…", "body": "…", "state": "OPEN|CLOSED|MERGED",
//!               "is_draft": false, "created_at": "…", "updated_at": "…", "merged_at": null, "closed_at": null,
//!               "merged_by": {"login": "bruno-silva", "is_bot": false} | null,
//!               "author": {"login": "alice-okafor", "is_bot": false} | null,
//!               "base_ref": "main", "head_ref": "feature/1-work", "additions": 1, "deletions": 0,
//!               "changed_files": 1, "merge_commit_oid": null, "labels": ["bug"], "assignees": ["…"],
//!               "requested_reviewers": ["bruno-silva", "acme-corp/platform"],
//!               "commits": [{"oid", "message_headline", "authored_at", "committed_at", "author"}],
//!               "reviews": [{"node_id", "state": "APPROVED|CHANGES_REQUESTED|COMMENTED|DISMISSED|PENDING",
//!                            "author", "submitted_at", "body"}],
//!               "comments": [{"node_id", "kind": "CONVERSATION", "author", "body", "created_at"}],
//!               "review_threads": [{"node_id": "PRRT_…", "comments": [{… "kind": "REVIEW_THREAD" …}]}],
//!               "reactions": [{"node_id", "content": "THUMBS_UP", "user": "…", "created_at"}],
//!               "events": [{"node_id": "ME_…", "kind": "CLOSED|REOPENED|MERGED|READY_FOR_REVIEW|CONVERT_TO_DRAFT|
//!                                                 REVIEW_REQUESTED|REVIEW_REQUEST_REMOVED",
//!                           "actor": {"login", "is_bot"} | null, "created_at": "…",
//!                           "subject": "bruno-silva" | "acme-corp/platform" | null}]}],
//!  "issues": [{"node_id": "I_…", "number": 2, "title": "…", "state": "OPEN|CLOSED",
//!              "state_reason": "COMPLETED|NOT_PLANNED|REOPENED" | null, "author", "labels", "assignees",
//!              "created_at", "updated_at", "closed_at", "comments": [{…}],
//!              "events": [{"node_id", "kind": "CLOSED|REOPENED|ASSIGNED|UNASSIGNED|LABELED|UNLABELED",
//!                          "actor", "created_at", "subject": "bug" | "alice-okafor" | null}]}]}
//! ```
//! The field names are the importer's (`github::import`); a ticket's timeline as
//! GitHub serves it is `events` plus `comments` (as `COMMENTED`) by `created_at`. A pull
//! request's `events` are its timeline events, oldest first (GraphQL `timelineItems`): a
//! merge is `MERGED` then `CLOSED` at `merged_at` by `merged_by`; `closed_at` is the last
//! `CLOSED`; `subject` is the reviewer of a review-request event (a login, or a team as
//! `org/team`); `requested_reviewers` are the requests still pending (a review answers
//! its author's).
//!
//! ## `GET /_sim/stats`, `POST /_sim/stats/reset`
//! What API clients spent since the start or the last reset (reset answers the same
//! shape, zeroed):
//! ```json
//! {"graphql": {"requests": 14, "points": 14,
//!              "operations": {"CommitHistoryLanes": {"requests": 4, "points": 4}, "PullRequests": {…}}},
//!  "rest": {"requests": 2, "points": 2, "routes": {"GET /user": {"requests": 1, "points": 1},
//!           "GET /repos/{owner}/{repo}/pulls": {"requests": 1, "points": 1}}},
//!  "faults": {"bad_gateway": 1, "secondary_rate_limit": 2, "rate_limited": 0, "revoked": 0},
//!  "total": {"requests": 16, "points": 16}}
//! ```
//! REST requests are counted by route template (as GitHub's REST description names
//! the route; a path no route matches counts as `(no such route)`).
//! GraphQL points follow GitHub's cost rule (requests per connection, multiplied
//! down the nesting, ÷ 100, rounded, at least 1); each REST request is one point. A
//! request answered by a fault counts under `faults` only.
//!
//! ## `POST /_sim/mutate`
//! Changes one repository like activity on GitHub would, bumping `updatedAt` (to now)
//! of what changed. Body:
//! ```json
//! {"repo": "acme-corp/billing-api", "actions": [
//!   {"action": "add_commits", "count": 2, "author": "alice-okafor"},
//!   {"action": "add_pull_request", "title": "New work", "body": "", "author": "alice-okafor", "draft": false},
//!   {"action": "edit_pull_request", "number": 3, "title": "Renamed", "body": "…", "state": "MERGED", "actor": "bruno-silva"},
//!   {"action": "add_comment", "number": 3, "body": "👍", "author": "alice-okafor"},
//!   {"action": "add_review", "number": 3, "state": "APPROVED", "body": "", "author": "alice-okafor"},
//!   {"action": "add_issue", "title": "It broke", "author": "alice-okafor"},
//!   {"action": "close_issue", "number": 4, "reason": "COMPLETED"},
//!   {"action": "reopen_issue", "number": 4},
//!   {"action": "force_push", "count": 1, "drop": 2, "author": "alice-okafor"},
//!   {"action": "create_branch", "name": "feature/x", "count": 1, "author": "alice-okafor"},
//!   {"action": "rename_repo", "name": "billing-core"},
//!   {"action": "archive_repo", "archived": true}
//! ]}
//! ```
//! `force_push` drops the default branch's `drop` newest commits (default 1) and pushes
//! `count` new ones (default 1); `create_branch` branches off the default branch's head
//! with `count` new commits (default 0; only the default branch is kept in the content,
//! the new branch exists in its deliveries); `rename_repo` and `archive_repo` change the
//! repository REST, GraphQL and `/_sim/dataset` serve (`content` then answers to the new
//! name).
//!
//! For a repository of an organization, every action is also delivered to the
//! organization's hooks (see "Webhook deliveries"):
//! - `add_commits` → `push` to `refs/heads/<default branch>` (`before`/`after`, `commits`
//!   oldest first, at most 2048 of them — GitHub's cap for webhooks; the Events API's 20
//!   does not apply — `head_commit`, `forced: false`);
//! - `force_push` → `push` with `forced: true`;
//! - `create_branch` → `create` (`ref_type: branch`) then `push` with `created: true`;
//! - `add_pull_request` → `pull_request` `opened`; `edit_pull_request` → `edited` (with
//!   `changes`) when the title or body changed, then `closed` (`merged: true` and
//!   `merged_by` for `MERGED`) or `reopened` when the state did, each sent by `actor`;
//! - `add_comment` → `issue_comment` `created` (a pull request's issue carries a
//!   `pull_request` key); `add_review` → `pull_request_review` `submitted` (not for `PENDING`);
//! - `add_issue`, `close_issue`, `reopen_issue` → `issues` `opened`, `closed`, `reopened`;
//! - `rename_repo` → `repository` `renamed` (`changes.repository.name.from`);
//!   `archive_repo` → `repository` `archived` / `unarchived`.
//!
//! Ids agree with REST and GraphQL: `node_id`s are the GraphQL ids, numeric `id`s are
//! the database ids inside them.
//! Every field but `action`, `repo`, `number` and `count` is optional (`author`
//! and `actor` default to the first person of the dataset; `state` of `edit_pull_request` is
//! `OPEN`, `CLOSED` or `MERGED`, changed as on GitHub — a close adds a `CLOSED` event, a
//! reopen (of a pull request closed unmerged) a `REOPENED` one, a merge (of an open
//! pull request that is not a draft) `MERGED` and `CLOSED` and sets `merged_by`; asking
//! for the state it has changes nothing, and what GitHub refuses answers 422;
//! `add_review` answers its author's pending review request; `reason` is `COMPLETED` or `NOT_PLANNED`;
//! `add_comment` takes a pull request's or an issue's number). Actions apply in order
//! and all or none. Answer:
//! ```json
//! {"results": [{"action": "add_commits", "node_ids": ["C_…", "C_…"]},
//!              {"action": "add_pull_request", "number": 97, "node_ids": ["PR_…"]},
//!              {"action": "edit_pull_request", "number": 3, "node_ids": ["PR_…"]}, …]}
//! ```
//! `node_ids` are the new nodes (commits, pull request, comment, review, issue,
//! closed/reopened event), or the changed pull request for `edit_pull_request` followed
//! by the events its state change added.
//!
//! ## `POST /_sim/faults`, `GET /_sim/faults`, `DELETE /_sim/faults`
//! `POST` replaces the faults in force (absent fields are off) and answers them;
//! `DELETE` clears them. Body:
//! ```json
//! {"latency_ms": 50, "bad_gateway_rate": 0.2,
//!  "secondary_rate_limit": {"requests": 3, "retry_after_secs": 1},
//!  "exhausted_budget": {"reset_in_secs": 5},
//!  "revoked_tokens": ["owner"]}
//! ```
//! 502s are drawn deterministically from the seed and the order of requests. While
//! the budget is exhausted, GraphQL answers 200 `{"errors": [{"type": "RATE_LIMITED"}]}`
//! and REST 403, both with `x-ratelimit-remaining: 0` and `x-ratelimit-reset`.
//! `revoked_tokens` takes tokens or scenario names; those get 401 Bad credentials.
//! Answer: `{"latency_ms", "bad_gateway_rate", "secondary_rate_limit": {…} | null,
//! "exhausted_until": "…" | null, "revoked_tokens": [...]}`.
//!
//! ## `GET /_sim/hooks`
//! Every organization webhook the simulator holds (made through `POST /orgs/{org}/hooks`):
//! ```json
//! [{"id": 503214876, "org": "acme-corp", "url": "http://127.0.0.1:8080/webhooks/github/1",
//!   "events": ["push", "pull_request"], "active": true, "content_type": "json",
//!   "created_by": {"kind": "personal_access_token", "login": "tributary-svc"}
//!               | {"kind": "oauth_app", "client_id": "Ov23li…", "login": "tributary-svc"},
//!   "created_at": "…", "updated_at": "…"}]
//! ```
//!
//! ## `POST /_sim/hooks/{id}/deliver`
//! Body `{"event": "push", "payload": {…}}`: signs the payload with the hook's secret and
//! sends it now with GitHub's headers and the hook's content type, whatever the hook
//! subscribes to, and answers once the receiver has:
//! `{"status": 202, "delivery_id": 12000000042, "guid": "…"}`, or
//! `{"status": 0, "delivery_id": …, "guid": …, "error": "failed to connect to host"}`
//! when nothing answered. The attempt is recorded like any other delivery (it shows in
//! `GET /orgs/{org}/hooks/{id}/deliveries` and can be redelivered). 404 for an unknown hook.
//!
//! ## `POST /_sim/orgs/{org}/members/{login}`
//! Body `{"role": "admin" | "member" | null}`: `login` becomes an owner, a member, or
//! leaves the organization; REST (`/user/memberships/orgs/{org}`, `/orgs/{org}`) and
//! GraphQL (`viewerCanAdminister`, `viewerIsAMember`) answer with the new role at once.
//! Joining sends `organization` `member_added`, leaving `member_removed` (`membership`
//! with the role); a change between member and owner sends nothing, as GitHub documents
//! no event for it. Answer: `{"org": "acme-corp", "login": "member-svc", "role": "admin",
//! "previous": "member"}`.
//!
//! ## Webhook deliveries
//! Hooks get deliveries as on GitHub: a `ping` when created (if active) or pinged, and
//! the events `/_sim/mutate` and `/_sim/orgs/{org}/members/{login}` cause, for
//! repositories of the hook's organization, to active hooks that subscribe to the event
//! (or `*`). They are sent in the background (the call that caused them does not wait),
//! in order per hook, with a 10 s timeout; an unreachable receiver is recorded as
//! `status_code: 0`, `status: "failed to connect to host"`.

use poem::http::{Method, StatusCode};
use serde_json::json;

use crate::content::RepoContent;
use crate::faults::FaultRequest;
use crate::members::{self, RoleRequest};
use crate::mutate::{self, MutateRequest};
use crate::reply::Reply;
use crate::state::SimState;
use crate::stats::Stats;

pub(crate) fn handle(
    state: &SimState,
    method: &Method,
    path: &str,
    query: &[(String, String)],
    body: &[u8],
    base: &str,
) -> Reply {
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match (method.as_str(), path) {
        ("GET", "/_sim/dataset") => dataset(state, param("repo")),
        ("GET", "/_sim/stats") => Reply::ok(&state.stats().report()),
        ("POST", "/_sim/stats/reset") => {
            *state.stats() = Stats::default();
            Reply::ok(&state.stats().report())
        }
        ("GET", "/_sim/faults") => Reply::ok(&state.faults().report()),
        ("DELETE", "/_sim/faults") => {
            state.faults().set(FaultRequest::default(), |_| None);
            Reply::ok(&state.faults().report())
        }
        ("POST", "/_sim/faults") => match parse::<FaultRequest>(body) {
            Ok(request) => {
                let resolve = |t: &str| {
                    state
                        .dataset()
                        .tokens
                        .iter()
                        .find(|s| s.name == t)
                        .map(|s| s.token.clone())
                };
                state.faults().set(request, resolve);
                Reply::ok(&state.faults().report())
            }
            Err(reply) => reply,
        },
        ("POST", "/_sim/mutate") => match parse::<MutateRequest>(body) {
            Ok(request) => match mutate::apply(state, request, base) {
                Ok(applied) => {
                    if let Some(org) = &applied.org {
                        let outgoing = applied
                            .events
                            .iter()
                            .flat_map(|(event, payload)| state.hooks.fan_out(org, event, payload))
                            .collect();
                        state.hooks.send_later(outgoing);
                    }
                    Reply::ok(&json!({ "results": applied.results }))
                }
                Err(message) => unprocessable(&message),
            },
            Err(reply) => reply,
        },
        ("POST", p) if members::owns(p).is_some() => {
            let Some((org, login)) = members::owns(p) else {
                return unprocessable("Unreachable.");
            };
            match parse::<RoleRequest>(body) {
                Ok(request) => match members::set_role(state, org, login, request, base) {
                    Ok(answer) => Reply::ok(&answer),
                    Err(message) => unprocessable(&message),
                },
                Err(reply) => reply,
            }
        }
        _ => Reply::json(
            StatusCode::NOT_FOUND,
            &json!({"message": format!("No simulator endpoint {method} {path}.")}),
        ),
    }
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Reply> {
    serde_json::from_slice(body).map_err(|e| unprocessable(&format!("Invalid body: {e}")))
}

fn unprocessable(message: &str) -> Reply {
    Reply::json(
        StatusCode::UNPROCESSABLE_ENTITY,
        &json!({ "message": message }),
    )
}

/// The repositories' content in `repos` order, optionally one repository.
fn selected<'a>(
    world: &'a crate::dataset::Dataset,
    content: &'a crate::content::Content,
    keep: impl Fn(&crate::dataset::Repo) -> bool + 'a,
) -> impl Iterator<Item = &'a RepoContent> + 'a {
    world
        .repos
        .iter()
        .filter(move |r| keep(r))
        .filter_map(move |r| content.repos.get(&r.id).map(|c| &**c))
}

fn dataset(state: &SimState, repo: Option<&str>) -> Reply {
    let content = state.content();
    let world = state.dataset();
    let repos: Vec<&RepoContent> = selected(&world, &content, |r| {
        repo.is_none_or(|name| r.full_name().eq_ignore_ascii_case(name))
    })
    .collect();
    if let Some(name) = repo.filter(|_| repos.is_empty()) {
        return unprocessable(&format!("No repository {name} in the dataset."));
    }
    let mut value = serde_json::to_value(&*world).unwrap_or_else(|_| json!({}));
    if let Some(object) = value.as_object_mut() {
        object.insert("content".into(), json!(repos));
    }
    Reply::ok(&value)
}
