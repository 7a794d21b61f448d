//! REST objects of repository content that webhook payloads do not carry (or carry
//! shorter): the repository as REST lists it, commits with their stats and files,
//! review comments, issue events, timeline entries and reactions. Objects both
//! share (pull requests, issues, comments, reviews, labels, users) come from
//! `hooks::payloads`, so ids and shapes agree between REST and deliveries.

use serde_json::{Value, json};
use sha1::{Digest, Sha1};

use crate::content::{
    Actor, Comment, Commit, GitActor, PullRequestCommit, PullRequestEvent, PullRequestEventKind,
    Reaction, RepoContent, Reviewer, TicketEvent, TicketEventKind, TicketState,
};
use crate::dataset::User;
use crate::hooks::payloads::{Scene, actor_json, database_id, repository_json, sender_json};
use crate::rest_json::team_json;

/// GitHub shows a deleted account as `ghost` where its REST objects need a user.
const GHOST_ID: i64 = 10_137;

pub(crate) fn user_or_ghost(scene: &Scene, actor: Option<&Actor>) -> Value {
    match actor {
        Some(a) => actor_json(scene, Some(a)),
        None => crate::rest_json::user_json(
            scene.base,
            &User {
                login: "ghost".into(),
                id: GHOST_ID,
                node_id: "MDQ6VXNlcjEwMTM3".into(),
                name: Some("Deleted user".into()),
                service_account: false,
                created_at: crate::content::epoch(),
            },
        ),
    }
}

/// The repository as REST answers it (`full-repository`, also valid as
/// `repository` and `minimal-repository`); `permissions` are the caller's.
pub(crate) fn repository(scene: &Scene, content: Option<&RepoContent>, admin: bool) -> Value {
    let mut v = repository_json(scene);
    let api = format!("{}/repos/{}", scene.base, scene.repo.full_name());
    let open = content.map_or(0, |c| {
        c.issues
            .iter()
            .filter(|t| t.state == TicketState::Open)
            .count()
            + c.pull_requests
                .iter()
                .filter(|p| p.closed_at.is_none())
                .count()
    });
    let host = scene.base.trim_start_matches("http://");
    let full = scene.repo.full_name();
    // The URL templates of the repository's API, under `api`.
    const URLS: &[(&str, &str)] = &[
        ("archive_url", "/{archive_format}{/ref}"),
        ("assignees_url", "/assignees{/user}"),
        ("blobs_url", "/git/blobs{/sha}"),
        ("branches_url", "/branches{/branch}"),
        ("collaborators_url", "/collaborators{/collaborator}"),
        ("comments_url", "/comments{/number}"),
        ("compare_url", "/compare/{base}...{head}"),
        ("contents_url", "/contents/{+path}"),
        ("contributors_url", "/contributors"),
        ("deployments_url", "/deployments"),
        ("downloads_url", "/downloads"),
        ("events_url", "/events"),
        ("forks_url", "/forks"),
        ("git_commits_url", "/git/commits{/sha}"),
        ("git_refs_url", "/git/refs{/sha}"),
        ("git_tags_url", "/git/tags{/sha}"),
        ("issue_comment_url", "/issues/comments{/number}"),
        ("issue_events_url", "/issues/events{/number}"),
        ("keys_url", "/keys{/key_id}"),
        ("labels_url", "/labels{/name}"),
        ("languages_url", "/languages"),
        ("merges_url", "/merges"),
        ("milestones_url", "/milestones{/number}"),
        (
            "notifications_url",
            "/notifications{?since,all,participating}",
        ),
        ("releases_url", "/releases{/id}"),
        ("stargazers_url", "/stargazers"),
        ("statuses_url", "/statuses/{sha}"),
        ("subscribers_url", "/subscribers"),
        ("subscription_url", "/subscription"),
        ("tags_url", "/tags"),
        ("teams_url", "/teams"),
        ("trees_url", "/git/trees{/sha}"),
    ];
    let more = json!({
        "ssh_url": format!("git@{host}:{full}.git"),
        "svn_url": format!("{}/{full}", scene.base),
        "mirror_url": null,
        "language": null,
        "license": null,
        "forks": 0,
        "forks_count": 0,
        "stargazers_count": 0,
        "watchers": 0,
        "watchers_count": 0,
        "network_count": 0,
        "subscribers_count": 0,
        "open_issues": open,
        "open_issues_count": open,
        "has_downloads": true,
        "has_pages": false,
        "has_discussions": false,
        "allow_forking": !scene.repo.private,
        "permissions": {"admin": admin, "maintain": admin, "push": admin, "triage": admin, "pull": true},
    });
    if let Some(o) = v.as_object_mut() {
        for (key, suffix) in URLS {
            o.insert((*key).into(), json!(format!("{api}{suffix}")));
        }
    }
    if let (Some(o), Value::Object(more)) = (v.as_object_mut(), more) {
        o.extend(more);
    }
    v
}

fn git_user(g: &GitActor, at: chrono::DateTime<chrono::Utc>) -> Value {
    json!({"name": g.name, "email": g.email, "date": at})
}

/// The account GitHub links a commit's author or committer to, `null` when none.
fn linked(scene: &Scene, g: &GitActor) -> Value {
    g.login
        .as_deref()
        .map_or(Value::Null, |l| sender_json(scene, l))
}

/// A commit's `tree` sha: stable, derived from the commit's.
fn tree_sha(oid: &str) -> String {
    hex::encode(Sha1::digest(format!("tree {oid}").as_bytes()))
}

/// What REST's commit objects share, with `parents` given.
#[allow(clippy::too_many_arguments)]
fn commit_shape(
    scene: &Scene,
    oid: &str,
    node_id: &str,
    message: &str,
    author: &GitActor,
    committer: &GitActor,
    authored_at: chrono::DateTime<chrono::Utc>,
    committed_at: chrono::DateTime<chrono::Utc>,
    parents: &[&str],
) -> Value {
    let b = scene.base;
    let full = scene.repo.full_name();
    let api = format!("{b}/repos/{full}");
    let tree = tree_sha(oid);
    json!({
        "sha": oid,
        "node_id": node_id,
        "commit": {
            "author": git_user(author, authored_at),
            "committer": git_user(committer, committed_at),
            "message": message,
            "tree": {"sha": tree, "url": format!("{api}/git/trees/{tree}")},
            "url": format!("{api}/git/commits/{oid}"),
            "comment_count": 0,
            "verification": {"verified": false, "reason": "unsigned", "signature": null, "payload": null, "verified_at": null},
        },
        "url": format!("{api}/commits/{oid}"),
        "html_url": format!("{b}/{full}/commit/{oid}"),
        "comments_url": format!("{api}/commits/{oid}/comments"),
        "author": linked(scene, author),
        "committer": linked(scene, committer),
        "parents": parents.iter().map(|p| json!({
            "sha": p,
            "url": format!("{api}/commits/{p}"),
            "html_url": format!("{b}/{full}/commit/{p}"),
        })).collect::<Vec<_>>(),
    })
}

/// A default-branch commit; `parent` is the next older commit of the branch.
pub(crate) fn commit(scene: &Scene, c: &Commit, parent: Option<&str>) -> Value {
    commit_shape(
        scene,
        &c.oid,
        &c.node_id,
        &c.message_headline,
        &c.author,
        &c.committer,
        c.authored_at,
        c.committed_at,
        &parent.into_iter().collect::<Vec<_>>(),
    )
}

/// A commit of a pull request's branch, with the node id GraphQL gives it.
pub(crate) fn pull_commit(scene: &Scene, c: &PullRequestCommit, parent: Option<&str>) -> Value {
    let node_id = format!("C_{}", c.oid);
    commit_shape(
        scene,
        &c.oid,
        &node_id,
        &c.message_headline,
        &c.author,
        &c.author,
        c.authored_at,
        c.committed_at,
        &parent.into_iter().collect::<Vec<_>>(),
    )
}

/// `stats` and `files` of "Get a commit": the commit's additions and deletions
/// spread over `changed_files` files (the simulator keeps no paths or patches, so
/// file names are made up, stable per commit).
pub(crate) fn with_details(
    scene: &Scene,
    mut v: Value,
    oid: &str,
    additions: i64,
    deletions: i64,
    changed_files: i64,
) -> Value {
    let n = changed_files.max(i64::from(additions + deletions > 0));
    let share = |total: i64, k: i64| total / n.max(1) + i64::from(k < total % n.max(1));
    let full = scene.repo.full_name();
    let files: Vec<Value> = (0..n)
        .map(|k| {
            let (a, d) = (share(additions, k), share(deletions, k));
            let filename = format!("src/{}/{}.rs", &oid[..2.min(oid.len())], k + 1);
            let blob = hex::encode(Sha1::digest(format!("blob {oid} {k}").as_bytes()));
            json!({
                "sha": blob,
                "filename": filename,
                "status": if d == 0 && a > 0 { "added" } else { "modified" },
                "additions": a,
                "deletions": d,
                "changes": a + d,
                "blob_url": format!("{}/{full}/blob/{oid}/{filename}", scene.base),
                "raw_url": format!("{}/{full}/raw/{oid}/{filename}", scene.base),
                "contents_url": format!("{}/repos/{full}/contents/{filename}?ref={oid}", scene.base),
            })
        })
        .collect();
    v["stats"] =
        json!({"total": additions + deletions, "additions": additions, "deletions": deletions});
    v["files"] = json!(files);
    v
}

/// A review comment (`pull-request-review-comment`) on pull request `number`.
pub(crate) fn review_comment(
    scene: &Scene,
    number: i64,
    head: &str,
    thread: usize,
    c: &Comment,
) -> Value {
    let b = scene.base;
    let full = scene.repo.full_name();
    let id = database_id(&c.node_id);
    let url = format!("{b}/repos/{full}/pulls/comments/{id}");
    let html = format!("{b}/{full}/pull/{number}#discussion_r{id}");
    let pr = format!("{b}/repos/{full}/pulls/{number}");
    json!({
        "url": url,
        "id": id,
        "node_id": c.node_id,
        "pull_request_review_id": null,
        "diff_hunk": "@@ -1,3 +1,4 @@",
        "path": format!("src/{}.rs", thread + 1),
        "commit_id": head,
        "original_commit_id": head,
        "user": actor_json(scene, c.author.as_ref()),
        "body": c.body,
        "created_at": c.created_at,
        "updated_at": c.created_at,
        "html_url": html,
        "pull_request_url": pr,
        "author_association": "MEMBER",
        "_links": {"self": {"href": url}, "html": {"href": html}, "pull_request": {"href": pr}},
        "reactions": reactions_rollup(&url, &[]),
    })
}

/// The `reactions` summary GitHub puts on issues and comments.
pub(crate) fn reactions_rollup(url: &str, reactions: &[Reaction]) -> Value {
    let mut v = json!({"url": format!("{url}/reactions"), "total_count": reactions.len()});
    for name in [
        "+1", "-1", "laugh", "hooray", "confused", "heart", "rocket", "eyes",
    ] {
        let n = reactions
            .iter()
            .filter(|r| reaction_content(r.content) == name)
            .count();
        v[name] = json!(n);
    }
    v
}

/// GraphQL's reaction names as REST spells them.
pub(crate) fn reaction_content(graphql: &str) -> &'static str {
    match graphql {
        "THUMBS_UP" => "+1",
        "THUMBS_DOWN" => "-1",
        "LAUGH" => "laugh",
        "HOORAY" => "hooray",
        "CONFUSED" => "confused",
        "HEART" => "heart",
        "ROCKET" => "rocket",
        _ => "eyes",
    }
}

pub(crate) fn reaction(scene: &Scene, r: &Reaction) -> Value {
    json!({
        "id": database_id(&r.node_id),
        "node_id": r.node_id,
        "user": r.user.as_deref().map_or(Value::Null, |l| sender_json(scene, l)),
        "content": reaction_content(r.content),
        "created_at": r.created_at,
    })
}

/// What every issue event shares; `issue` is added by the repository-wide listing.
fn event_shape(
    scene: &Scene,
    node_id: &str,
    event: &str,
    actor: Option<&Actor>,
    at: chrono::DateTime<chrono::Utc>,
) -> Value {
    let id = database_id(node_id);
    json!({
        "id": id,
        "node_id": node_id,
        "url": format!("{}/repos/{}/issues/events/{id}", scene.base, scene.repo.full_name()),
        "actor": user_or_ghost(scene, actor),
        "event": event,
        "commit_id": null,
        "commit_url": null,
        "created_at": at,
        "performed_via_github_app": null,
    })
}

pub(crate) fn ticket_event(scene: &Scene, e: &TicketEvent) -> Value {
    let name = match e.kind {
        TicketEventKind::Closed => "closed",
        TicketEventKind::Reopened => "reopened",
        TicketEventKind::Assigned => "assigned",
        TicketEventKind::Unassigned => "unassigned",
        TicketEventKind::Labeled => "labeled",
        TicketEventKind::Unlabeled => "unlabeled",
    };
    let mut v = event_shape(scene, &e.node_id, name, e.actor.as_ref(), e.created_at);
    let subject = e.subject.clone().unwrap_or_default();
    match e.kind {
        TicketEventKind::Assigned | TicketEventKind::Unassigned => {
            v["assignee"] = sender_json(scene, &subject);
            v["assigner"] = v["actor"].clone();
        }
        TicketEventKind::Labeled | TicketEventKind::Unlabeled => {
            v["label"] = json!({"name": subject, "color": "ededed"});
        }
        TicketEventKind::Closed => v["state_reason"] = json!("completed"),
        TicketEventKind::Reopened => v["state_reason"] = json!("reopened"),
    }
    v
}

pub(crate) fn pull_event(scene: &Scene, merge_commit: Option<&str>, e: &PullRequestEvent) -> Value {
    let name = match e.kind {
        PullRequestEventKind::Closed => "closed",
        PullRequestEventKind::Reopened => "reopened",
        PullRequestEventKind::Merged => "merged",
        PullRequestEventKind::ReadyForReview => "ready_for_review",
        PullRequestEventKind::ConvertToDraft => "convert_to_draft",
        PullRequestEventKind::ReviewRequested => "review_requested",
        PullRequestEventKind::ReviewRequestRemoved => "review_request_removed",
    };
    let mut v = event_shape(scene, &e.node_id, name, e.actor.as_ref(), e.created_at);
    if e.kind == PullRequestEventKind::Merged
        && let Some(sha) = merge_commit
    {
        v["commit_id"] = json!(sha);
        v["commit_url"] = json!(format!(
            "{}/repos/{}/commits/{sha}",
            scene.base,
            scene.repo.full_name()
        ));
    }
    match &e.subject {
        Some(Reviewer::User(login)) => {
            v["review_requester"] = v["actor"].clone();
            v["requested_reviewer"] = sender_json(scene, login);
        }
        Some(Reviewer::Team(team)) => {
            let id = crate::hooks::payloads::pseudo_id(team);
            v["review_requester"] = v["actor"].clone();
            v["requested_team"] = team_json(scene.base, team, id);
        }
        None => {}
    }
    v
}
