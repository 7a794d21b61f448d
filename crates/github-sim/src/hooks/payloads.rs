//! Webhook payloads with the shapes of GitHub's example deliveries, built from the
//! simulator's data so ids, node ids and logins agree with its REST and GraphQL.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sha1::{Digest, Sha1};

use super::hook::{Hook, hook_json};
use crate::content::{
    Actor, Comment, Commit, GitActor, PullRequest, PullRequestState, RepoContent, Review,
    ReviewState, Reviewer, Ticket, TicketState,
};
use crate::dataset::{Dataset, Org, OrgRole, Repo, User};
use crate::ids;
use crate::rest_json::{org_json, team_json, user_json};
use crate::urlenc::encode_component;

const ZEN: &[&str] = &[
    "Design for failure.",
    "Keep it logically awesome.",
    "Speak like a human.",
    "Non-blocking is better than blocking.",
    "Favor focus over features.",
    "Approachable is better than simple.",
    "Practicality beats purity.",
    "Responsive is better than fast.",
    "Encourage flow.",
    "Half measures are as bad as nothing at all.",
];

/// A user as webhook payloads embed one: REST's shape without `user_view_type`, which
/// the webhook description's `user` does not allow (nor do GitHub's example deliveries
/// carry it).
fn account_json(base: &str, user: &User) -> Value {
    let mut v = user_json(base, user);
    if let Some(o) = v.as_object_mut() {
        o.remove("user_view_type");
    }
    v
}

/// An organization where payloads name an account (a repository's `owner`): the user
/// shape, with `type: Organization`, as in GitHub's example deliveries.
fn org_account_json(base: &str, org: &Org) -> Value {
    let mut v = account_json(
        base,
        &User {
            login: org.login.clone(),
            id: org.id,
            node_id: org.node_id.clone(),
            name: None,
            service_account: false,
            created_at: org.created_at,
        },
    );
    v["type"] = json!("Organization");
    v
}

/// The `ping` GitHub sends when a hook is created or pinged.
pub(crate) fn ping(base: &str, hook: &Hook, org: &Org, sender: &User) -> Value {
    json!({
        "zen": ZEN[(hook.id as usize) % ZEN.len()],
        "hook_id": hook.id,
        "hook": hook_json(base, hook),
        "organization": org_json(base, org),
        "sender": account_json(base, sender),
    })
}

/// What the payload is about: the repository (as it is now) and its organization.
pub(crate) struct Scene<'a> {
    pub base: &'a str,
    pub dataset: &'a Dataset,
    pub repo: &'a Repo,
    pub org: Option<&'a Org>,
    /// Open issues and pull requests (GitHub counts both in `open_issues_count`).
    pub open_issues: usize,
}

/// What `open_issues_count` counts: open issues and open pull requests.
pub(crate) fn open_issues(content: &RepoContent) -> usize {
    content
        .issues
        .iter()
        .filter(|t| t.state == TicketState::Open)
        .count()
        + content
            .pull_requests
            .iter()
            .filter(|p| p.state == PullRequestState::Open)
            .count()
}

/// Something that happened to a repository, turned into one delivery by [`build`].
pub(crate) enum Change {
    Push {
        branch: String,
        before: String,
        after: String,
        /// Oldest first.
        commits: Vec<Commit>,
        forced: bool,
        created: bool,
        pusher: String,
    },
    BranchCreated {
        branch: String,
        sender: String,
    },
    PullRequest {
        action: &'static str,
        number: i64,
        sender: String,
        changes: Option<Value>,
    },
    Review {
        number: i64,
        review: String,
    },
    IssueComment {
        number: i64,
        comment: String,
    },
    Issue {
        action: &'static str,
        number: i64,
        sender: String,
    },
    Repository {
        action: &'static str,
        sender: String,
        changes: Option<Value>,
    },
}

/// GitHub lists at most this many commits in a push delivery (the Events API's
/// limit of 20 does not apply to webhooks); more than that and the consumer must
/// fetch the rest.
pub(crate) const PUSH_COMMITS_CAP: usize = 2048;
const ZERO_SHA: &str = "0000000000000000000000000000000000000000";

/// The event name and payload for one change, read from the content as it is now.
pub(crate) fn build(scene: &Scene, content: &RepoContent, change: Change) -> (&'static str, Value) {
    let (event, mut payload) = match change {
        Change::Push {
            branch,
            before,
            after,
            commits,
            forced,
            created,
            pusher,
        } => (
            "push",
            push(
                scene, &branch, &before, &after, &commits, forced, created, &pusher,
            ),
        ),
        Change::BranchCreated { branch, sender } => (
            "create",
            json!({
                "ref": branch,
                "ref_type": "branch",
                "master_branch": scene.repo.default_branch,
                "description": null,
                "pusher_type": "user",
                "sender": sender_json(scene, &sender),
            }),
        ),
        Change::PullRequest {
            action,
            number,
            sender,
            changes,
        } => {
            let pr = pull(content, number);
            let mut v = json!({
                "action": action,
                "number": number,
                "pull_request": pr.map(|p| pull_request_json(scene, p)),
                "sender": sender_json(scene, &sender),
            });
            if let Some(changes) = changes {
                v["changes"] = changes;
            }
            ("pull_request", v)
        }
        Change::Review { number, review } => {
            let pr = pull(content, number);
            let review = pr.and_then(|p| p.reviews.iter().find(|r| r.node_id == review));
            let sender = review
                .and_then(|r| r.author.as_ref())
                .map(|a| a.login.clone())
                .unwrap_or_default();
            (
                "pull_request_review",
                json!({
                    "action": "submitted",
                    "review": match (pr, review) {
                        (Some(p), Some(r)) => review_json(scene, p, r),
                        _ => Value::Null,
                    },
                    "pull_request": pr.map(|p| simple_pull_request_json(scene, p)),
                    "sender": sender_json(scene, &sender),
                }),
            )
        }
        Change::IssueComment { number, comment } => {
            let (issue, found) = match pull(content, number) {
                Some(p) => (
                    pr_issue_json(scene, p),
                    p.comments.iter().find(|c| c.node_id == comment),
                ),
                None => {
                    let t = ticket(content, number);
                    (
                        t.map_or(Value::Null, |t| issue_json(scene, t)),
                        t.and_then(|t| t.comments.iter().find(|c| c.node_id == comment)),
                    )
                }
            };
            let sender = found
                .and_then(|c| c.author.as_ref())
                .map(|a| a.login.clone())
                .unwrap_or_default();
            (
                "issue_comment",
                json!({
                    "action": "created",
                    "issue": issue,
                    "comment": found.map(|c| comment_json(scene, number, c)),
                    "sender": sender_json(scene, &sender),
                }),
            )
        }
        Change::Issue {
            action,
            number,
            sender,
        } => (
            "issues",
            json!({
                "action": action,
                "issue": ticket(content, number).map(|t| issue_json(scene, t)),
                "sender": sender_json(scene, &sender),
            }),
        ),
        Change::Repository {
            action,
            sender,
            changes,
        } => {
            let mut v = json!({"action": action, "sender": sender_json(scene, &sender)});
            if let Some(changes) = changes {
                v["changes"] = changes;
            }
            ("repository", v)
        }
    };
    payload["repository"] = repository_json(scene);
    if let Some(org) = scene.org {
        payload["organization"] = org_json(scene.base, org);
    }
    (event, payload)
}

fn pull(content: &RepoContent, number: i64) -> Option<&PullRequest> {
    content.pull_requests.iter().find(|p| p.number == number)
}

fn ticket(content: &RepoContent, number: i64) -> Option<&Ticket> {
    content.issues.iter().find(|t| t.number == number)
}

/// A stable number standing in for ids the simulator does not keep (bots, labels).
pub(crate) fn pseudo_id(text: &str) -> i64 {
    (ids::splitmix64(text.bytes().fold(0u64, |h, b| h.rotate_left(5) ^ b as u64)) % 900_000_000)
        as i64
        + 100_000_000
}

pub(crate) fn database_id(node_id: &str) -> i64 {
    ids::database_id(node_id).unwrap_or_else(|| pseudo_id(node_id))
}

/// The account behind a login; bots and unknown logins get a `Bot` stand-in.
pub(crate) fn sender_json(scene: &Scene, login: &str) -> Value {
    match scene.dataset.user(login) {
        Some(user) => account_json(scene.base, user),
        None => {
            let id = pseudo_id(login);
            let mut v = account_json(
                scene.base,
                &User {
                    login: login.to_string(),
                    id,
                    node_id: ids::node_id("BOT", id),
                    name: None,
                    service_account: false,
                    created_at: Utc::now(),
                },
            );
            v["type"] = json!("Bot");
            v
        }
    }
}

pub(crate) fn actor_json(scene: &Scene, actor: Option<&Actor>) -> Value {
    actor.map_or(Value::Null, |a| sender_json(scene, &a.login))
}

/// A repository as webhook payloads carry it: every field the webhook description's
/// `repository` requires, the URL templates GitHub lists whether or not the simulator
/// serves them.
pub(crate) fn repository_json(scene: &Scene) -> Value {
    let r = scene.repo;
    let b = scene.base;
    let full = r.full_name();
    let api = format!("{b}/repos/{full}");
    let host = b.split("://").nth(1).unwrap_or(b);
    let owner = match scene.org {
        Some(org) => org_account_json(b, org),
        None => sender_json(scene, &r.owner),
    };
    let mut value = json!({
        "id": r.id,
        "node_id": r.node_id,
        "name": r.name,
        "full_name": full,
        "private": r.private,
        "owner": owner,
        "html_url": format!("{b}/{full}"),
        "description": null,
        "fork": r.fork,
        "url": api,
        "created_at": r.created_at,
        "updated_at": r.pushed_at,
        "pushed_at": r.pushed_at,
        "git_url": format!("git://{host}/{full}.git"),
        "ssh_url": format!("git@{host}:{full}.git"),
        "clone_url": format!("{b}/{full}.git"),
        "svn_url": format!("{b}/{full}"),
    });
    let settings = json!({
        "homepage": null,
        "size": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "language": null,
        "has_issues": true,
        "has_projects": true,
        "has_downloads": true,
        "has_wiki": true,
        "has_pages": false,
        "has_discussions": false,
        "forks_count": 0,
        "mirror_url": null,
        "archived": r.archived,
        "disabled": false,
        "open_issues_count": scene.open_issues,
        "license": null,
        "allow_forking": true,
        "is_template": false,
        "web_commit_signoff_required": false,
        "topics": [],
        "visibility": if r.private { "private" } else { "public" },
        "forks": 0,
        "open_issues": scene.open_issues,
        "watchers": 0,
        "default_branch": r.default_branch,
        "custom_properties": {},
    });
    let urls = json!({
        "forks_url": format!("{api}/forks"),
        "keys_url": format!("{api}/keys{{/key_id}}"),
        "collaborators_url": format!("{api}/collaborators{{/collaborator}}"),
        "teams_url": format!("{api}/teams"),
        "hooks_url": format!("{api}/hooks"),
        "issue_events_url": format!("{api}/issues/events{{/number}}"),
        "events_url": format!("{api}/events"),
        "assignees_url": format!("{api}/assignees{{/user}}"),
        "branches_url": format!("{api}/branches{{/branch}}"),
        "tags_url": format!("{api}/tags"),
        "blobs_url": format!("{api}/git/blobs{{/sha}}"),
        "git_tags_url": format!("{api}/git/tags{{/sha}}"),
        "git_refs_url": format!("{api}/git/refs{{/sha}}"),
        "trees_url": format!("{api}/git/trees{{/sha}}"),
        "statuses_url": format!("{api}/statuses/{{sha}}"),
        "languages_url": format!("{api}/languages"),
        "stargazers_url": format!("{api}/stargazers"),
        "contributors_url": format!("{api}/contributors"),
        "subscribers_url": format!("{api}/subscribers"),
        "subscription_url": format!("{api}/subscription"),
        "commits_url": format!("{api}/commits{{/sha}}"),
        "git_commits_url": format!("{api}/git/commits{{/sha}}"),
        "comments_url": format!("{api}/comments{{/number}}"),
        "issue_comment_url": format!("{api}/issues/comments{{/number}}"),
        "contents_url": format!("{api}/contents/{{+path}}"),
        "compare_url": format!("{api}/compare/{{base}}...{{head}}"),
        "merges_url": format!("{api}/merges"),
        "archive_url": format!("{api}/{{archive_format}}{{/ref}}"),
        "downloads_url": format!("{api}/downloads"),
        "issues_url": format!("{api}/issues{{/number}}"),
        "pulls_url": format!("{api}/pulls{{/number}}"),
        "milestones_url": format!("{api}/milestones{{/number}}"),
        "notifications_url": format!("{api}/notifications{{?since,all,participating}}"),
        "labels_url": format!("{api}/labels{{/name}}"),
        "releases_url": format!("{api}/releases{{/id}}"),
        "deployments_url": format!("{api}/deployments"),
    });
    for part in [settings, urls] {
        if let (Some(v), Value::Object(more)) = (value.as_object_mut(), part) {
            v.extend(more);
        }
    }
    value
}

fn commit_json(scene: &Scene, c: &Commit) -> Value {
    let person = |g: &GitActor| json!({"name": g.name, "email": g.email, "username": g.login});
    let tree = hex::encode(Sha1::digest(c.oid.as_bytes()));
    json!({
        "id": c.oid,
        "tree_id": tree,
        "distinct": true,
        "message": c.message_headline,
        "timestamp": c.committed_at,
        "url": format!("{}/{}/commit/{}", scene.base, scene.repo.full_name(), c.oid),
        "author": person(&c.author),
        "committer": person(&c.committer),
        "added": [],
        "removed": [],
        "modified": [],
    })
}

#[allow(clippy::too_many_arguments)]
fn push(
    scene: &Scene,
    branch: &str,
    before: &str,
    after: &str,
    commits: &[Commit],
    forced: bool,
    created: bool,
    pusher: &str,
) -> Value {
    let full = scene.repo.full_name();
    let listed = &commits[commits.len().saturating_sub(PUSH_COMMITS_CAP)..];
    let compare = if created {
        format!("{}/{full}/compare/{branch}", scene.base)
    } else {
        format!(
            "{}/{full}/compare/{}...{}",
            scene.base,
            &before[..12.min(before.len())],
            &after[..12.min(after.len())]
        )
    };
    let pusher_user = scene.dataset.user(pusher);
    json!({
        "ref": format!("refs/heads/{branch}"),
        "before": if created { ZERO_SHA } else { before },
        "after": after,
        "created": created,
        "deleted": false,
        "forced": forced,
        "base_ref": null,
        "compare": compare,
        "commits": listed.iter().map(|c| commit_json(scene, c)).collect::<Vec<_>>(),
        "head_commit": commits.last().map(|c| commit_json(scene, c)),
        "pusher": {
            "name": pusher,
            "email": pusher_user.map(|u| format!("{}+{}@users.noreply.github.com", u.id, u.login)),
        },
        "sender": sender_json(scene, pusher),
    })
}

pub(crate) fn labels_json(scene: &Scene, labels: &[String]) -> Vec<Value> {
    labels
        .iter()
        .map(|name| {
            let id = pseudo_id(&format!("{}#{name}", scene.repo.id));
            json!({
                "id": id,
                "node_id": ids::node_id("LA", id),
                "url": format!("{}/repos/{}/labels/{}", scene.base, scene.repo.full_name(), encode_component(name)),
                "name": name,
                "color": "ededed",
                "default": default_description(name).is_some(),
                // A string (the default labels' own, or empty): REST's pull request
                // listing describes label descriptions as non-nullable.
                "description": default_description(name).unwrap_or(""),
            })
        })
        .collect()
}

/// The description GitHub gives its default labels.
fn default_description(label: &str) -> Option<&'static str> {
    match label {
        "bug" => Some("Something isn't working"),
        "enhancement" => Some("New feature or request"),
        "documentation" => Some("Improvements or additions to documentation"),
        _ => None,
    }
}

pub(crate) fn logins_json(scene: &Scene, logins: &[String]) -> Vec<Value> {
    logins.iter().map(|l| sender_json(scene, l)).collect()
}

fn reactions_json(url: &str) -> Value {
    json!({"url": format!("{url}/reactions"), "total_count": 0, "+1": 0, "-1": 0, "laugh": 0,
           "hooray": 0, "confused": 0, "heart": 0, "rocket": 0, "eyes": 0})
}

fn branch_json(scene: &Scene, branch: &str, sha: &str) -> Value {
    let owner = scene.repo.owner.clone();
    json!({
        "label": format!("{owner}:{branch}"),
        "ref": branch,
        "sha": sha,
        "user": repository_json(scene)["owner"].clone(),
        "repo": repository_json(scene),
    })
}

/// A pull request as review deliveries carry it (the description's
/// `simple-pull-request`): no merge state, size or counts.
fn simple_pull_request_json(scene: &Scene, p: &PullRequest) -> Value {
    let b = scene.base;
    let full = scene.repo.full_name();
    let api = format!("{b}/repos/{full}/pulls/{}", p.number);
    let issue_api = format!("{b}/repos/{full}/issues/{}", p.number);
    let html = format!("{b}/{full}/pull/{}", p.number);
    let head_sha = p.commits.last().map(|c| c.oid.clone()).unwrap_or_default();
    let (reviewers, teams): (Vec<_>, Vec<_>) = p
        .requested_reviewers
        .iter()
        .partition(|r| matches!(r, Reviewer::User(_)));
    let reviewer_logins: Vec<String> = reviewers
        .iter()
        .map(|r| match r {
            Reviewer::User(l) | Reviewer::Team(l) => l.clone(),
        })
        .collect();
    let teams: Vec<Value> = teams
        .iter()
        .map(|r| match r {
            Reviewer::User(t) | Reviewer::Team(t) => team_json(b, t, pseudo_id(t)),
        })
        .collect();
    let state = if p.state == PullRequestState::Open {
        "open"
    } else {
        "closed"
    };
    let mut value = json!({
        "url": api,
        "id": database_id(&p.node_id),
        "node_id": p.node_id,
        "html_url": html,
        "diff_url": format!("{html}.diff"),
        "patch_url": format!("{html}.patch"),
        "issue_url": issue_api,
        "number": p.number,
        "state": state,
        "locked": false,
        "title": p.title,
        "user": actor_json(scene, p.author.as_ref()),
        "body": if p.body.is_empty() { Value::Null } else { json!(p.body) },
        "created_at": p.created_at,
        "updated_at": p.updated_at,
        "closed_at": p.closed_at,
        "merged_at": p.merged_at,
        "merge_commit_sha": p.merge_commit_oid,
        "assignee": p.assignees.first().map(|l| sender_json(scene, l)),
        "assignees": logins_json(scene, &p.assignees),
        "requested_reviewers": logins_json(scene, &reviewer_logins),
        "requested_teams": teams,
        "labels": labels_json(scene, &p.labels),
        "milestone": null,
        "draft": p.is_draft,
        "commits_url": format!("{api}/commits"),
        "review_comments_url": format!("{api}/comments"),
        "review_comment_url": format!("{b}/repos/{full}/pulls/comments{{/number}}"),
        "comments_url": format!("{issue_api}/comments"),
        "statuses_url": format!("{b}/repos/{full}/statuses/{head_sha}"),
    });
    let links = json!({
        "self": {"href": api},
        "html": {"href": html},
        "issue": {"href": issue_api},
        "comments": {"href": format!("{issue_api}/comments")},
        "review_comments": {"href": format!("{api}/comments")},
        "review_comment": {"href": format!("{b}/repos/{full}/pulls/comments{{/number}}")},
        "commits": {"href": format!("{api}/commits")},
        "statuses": {"href": format!("{b}/repos/{full}/statuses/{head_sha}")},
    });
    let rest = json!({
        "head": branch_json(scene, &p.head_ref, &head_sha),
        "base": branch_json(scene, &p.base_ref, ""),
        "_links": links,
        "author_association": "MEMBER",
        "auto_merge": null,
        "active_lock_reason": null,
    });
    if let (Some(v), Value::Object(more)) = (value.as_object_mut(), rest) {
        v.extend(more);
    }
    value
}

/// A pull request as `pull_request` deliveries carry it: the simple shape and its
/// merge state, size and counts.
pub(crate) fn pull_request_json(scene: &Scene, p: &PullRequest) -> Value {
    let mut value = simple_pull_request_json(scene, p);
    let full = json!({
        "merged": p.state == PullRequestState::Merged,
        "mergeable": null,
        "rebaseable": null,
        "mergeable_state": "unknown",
        "merged_by": actor_json(scene, p.merged_by.as_ref()),
        "comments": p.comments.len(),
        "review_comments": p.review_threads.iter().map(|t| t.comments.len()).sum::<usize>(),
        "maintainer_can_modify": false,
        "commits": p.commits.len(),
        "additions": p.additions,
        "deletions": p.deletions,
        "changed_files": p.changed_files,
    });
    if let (Some(v), Value::Object(more)) = (value.as_object_mut(), full) {
        v.extend(more);
    }
    value
}

#[allow(clippy::too_many_arguments)]
fn issue_shape(
    scene: &Scene,
    node_id: &str,
    number: i64,
    title: &str,
    author: Option<&Actor>,
    labels: &[String],
    assignees: &[String],
    open: bool,
    comments: usize,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
    body: Option<&str>,
) -> Value {
    let b = scene.base;
    let full = scene.repo.full_name();
    let api = format!("{b}/repos/{full}/issues/{number}");
    json!({
        "url": api,
        "repository_url": format!("{b}/repos/{full}"),
        "labels_url": format!("{api}/labels{{/name}}"),
        "comments_url": format!("{api}/comments"),
        "events_url": format!("{api}/events"),
        "html_url": format!("{b}/{full}/issues/{number}"),
        "id": database_id(node_id),
        "node_id": node_id,
        "number": number,
        "title": title,
        "user": actor_json(scene, author),
        "labels": labels_json(scene, labels),
        "state": if open { "open" } else { "closed" },
        "locked": false,
        "assignee": assignees.first().map(|l| sender_json(scene, l)),
        "assignees": logins_json(scene, assignees),
        "milestone": null,
        "comments": comments,
        "created_at": created_at,
        "updated_at": updated_at,
        "closed_at": closed_at,
        "author_association": "MEMBER",
        "active_lock_reason": null,
        "body": body,
        "reactions": reactions_json(&api),
        "timeline_url": format!("{api}/timeline"),
        "performed_via_github_app": null,
    })
}

pub(crate) fn issue_json(scene: &Scene, t: &Ticket) -> Value {
    let mut v = issue_shape(
        scene,
        &t.node_id,
        t.number,
        &t.title,
        t.author.as_ref(),
        &t.labels,
        &t.assignees,
        t.state == TicketState::Open,
        t.comments.len(),
        t.created_at,
        t.updated_at,
        t.closed_at,
        None,
    );
    v["state_reason"] = json!(t.state_reason.map(str::to_ascii_lowercase));
    v
}

/// A pull request seen as the issue it also is (what `issue_comment` carries).
pub(crate) fn pr_issue_json(scene: &Scene, p: &PullRequest) -> Value {
    let mut v = issue_shape(
        scene,
        &p.node_id,
        p.number,
        &p.title,
        p.author.as_ref(),
        &p.labels,
        &p.assignees,
        p.state == PullRequestState::Open,
        p.comments.len(),
        p.created_at,
        p.updated_at,
        p.closed_at,
        Some(&p.body),
    );
    let html = format!(
        "{}/{}/pull/{}",
        scene.base,
        scene.repo.full_name(),
        p.number
    );
    v["draft"] = json!(p.is_draft);
    v["pull_request"] = json!({
        "url": format!("{}/repos/{}/pulls/{}", scene.base, scene.repo.full_name(), p.number),
        "html_url": html,
        "diff_url": format!("{html}.diff"),
        "patch_url": format!("{html}.patch"),
        "merged_at": p.merged_at,
    });
    v
}

pub(crate) fn comment_json(scene: &Scene, number: i64, c: &Comment) -> Value {
    let b = scene.base;
    let full = scene.repo.full_name();
    let id = database_id(&c.node_id);
    let url = format!("{b}/repos/{full}/issues/comments/{id}");
    json!({
        "url": url,
        "html_url": format!("{b}/{full}/issues/{number}#issuecomment-{id}"),
        "issue_url": format!("{b}/repos/{full}/issues/{number}"),
        "id": id,
        "node_id": c.node_id,
        "user": actor_json(scene, c.author.as_ref()),
        "created_at": c.created_at,
        "updated_at": c.created_at,
        "author_association": "MEMBER",
        "body": c.body,
        "reactions": reactions_json(&url),
        "performed_via_github_app": null,
    })
}

pub(crate) fn review_json(scene: &Scene, p: &PullRequest, r: &Review) -> Value {
    let b = scene.base;
    let full = scene.repo.full_name();
    let id = database_id(&r.node_id);
    let html = format!("{b}/{full}/pull/{}#pullrequestreview-{id}", p.number);
    let pr_api = format!("{b}/repos/{full}/pulls/{}", p.number);
    let state = match r.state {
        ReviewState::Approved => "approved",
        ReviewState::ChangesRequested => "changes_requested",
        ReviewState::Commented => "commented",
        ReviewState::Dismissed => "dismissed",
        ReviewState::Pending => "pending",
    };
    json!({
        "id": id,
        "node_id": r.node_id,
        "user": actor_json(scene, r.author.as_ref()),
        "body": if r.body.is_empty() { Value::Null } else { json!(r.body) },
        "commit_id": p.commits.last().map(|c| c.oid.clone()),
        "submitted_at": r.submitted_at,
        "state": state,
        "html_url": html,
        "pull_request_url": pr_api,
        "author_association": "MEMBER",
        "_links": {"html": {"href": html}, "pull_request": {"href": pr_api}},
    })
}

/// `organization` `member_added` / `member_removed`: someone joined or left `org`.
pub(crate) fn organization_member(
    base: &str,
    org: &Org,
    action: &str,
    member: &User,
    role: OrgRole,
    sender: &User,
) -> Value {
    json!({
        "action": action,
        "membership": {
            "url": format!("{base}/orgs/{}/memberships/{}", org.login, member.login),
            "state": "active",
            "role": role.as_str(),
            "organization_url": format!("{base}/orgs/{}", org.login),
            "user": account_json(base, member),
        },
        "organization": org_json(base, org),
        "sender": account_json(base, sender),
    })
}
