//! `POST /_sim/mutate`: activity on a repository after the import started — new
//! commits, force pushes, new branches, new, edited, closed, reopened or merged pull
//! requests (with the timeline events and merger `content::lifecycle` records), comments,
//! reviews, new, closed or reopened issues, a renamed or archived repository — each
//! bumping `updatedAt` to now as GitHub does, and each turned into the webhook
//! deliveries GitHub would send. The JSON is documented in `control.rs`.

use std::sync::Arc;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::content::{
    self, Actor, Comment, CommentKind, People, PullRequest, PullRequestState, RepoBuilder,
    RepoContent, Review, ReviewState, Ticket, TicketEvent, TicketEventKind, TicketState,
};
use crate::dataset::{OwnerType, Repo};
use crate::hooks::payloads::{self, Change, Scene};
use crate::ids;
use crate::state::SimState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MutateRequest {
    pub repo: String,
    pub actions: Vec<Action>,
}

#[derive(Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    AddCommits {
        count: usize,
        author: Option<String>,
    },
    AddPullRequest {
        title: Option<String>,
        body: Option<String>,
        author: Option<String>,
        #[serde(default)]
        draft: bool,
    },
    EditPullRequest {
        number: i64,
        title: Option<String>,
        body: Option<String>,
        state: Option<PullRequestState>,
        /// Who edits, closes, reopens or merges it.
        actor: Option<String>,
    },
    AddComment {
        number: i64,
        body: Option<String>,
        author: Option<String>,
    },
    AddReview {
        number: i64,
        state: Option<ReviewState>,
        body: Option<String>,
        author: Option<String>,
    },
    AddIssue {
        title: Option<String>,
        author: Option<String>,
    },
    CloseIssue {
        number: i64,
        reason: Option<String>,
    },
    ReopenIssue {
        number: i64,
    },
    /// Rewrites the default branch: drops its `drop` newest commits and pushes `count` new ones.
    ForcePush {
        #[serde(default = "one")]
        count: usize,
        #[serde(default = "one")]
        drop: usize,
        author: Option<String>,
    },
    /// A new branch off the default branch's head, with `count` new commits on it.
    CreateBranch {
        name: String,
        #[serde(default)]
        count: usize,
        author: Option<String>,
    },
    RenameRepo {
        name: String,
    },
    ArchiveRepo {
        #[serde(default = "yes")]
        archived: bool,
    },
}

fn one() -> usize {
    1
}

fn yes() -> bool {
    true
}

/// What a mutation did: the per-action results and the deliveries it causes
/// (`event`, payload) for the hooks of `org`.
pub struct Applied {
    pub results: Vec<ActionResult>,
    pub org: Option<String>,
    pub events: Vec<(&'static str, serde_json::Value)>,
}

#[derive(Serialize)]
pub struct ActionResult {
    action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    number: Option<i64>,
    node_ids: Vec<String>,
}

/// Applies every action to a copy of the repository's content and swaps it in, so a
/// failing action changes nothing and readers never see half a mutation.
pub fn apply(state: &SimState, request: MutateRequest, base: &str) -> Result<Applied, String> {
    let (owner, name) = request
        .repo
        .split_once('/')
        .ok_or_else(|| format!("`repo` must be owner/name, not {:?}.", request.repo))?;
    let mut guard = state.content.write().unwrap_or_else(|e| e.into_inner());
    let dataset = state.dataset();
    let original = dataset
        .repo(owner, name)
        .ok_or_else(|| format!("No repository {} in the dataset.", request.repo))?;
    let mut repo = original.clone();
    let org = (repo.owner_type == OwnerType::Organization)
        .then(|| dataset.org(&repo.owner))
        .flatten();
    let people = People::new(&dataset);
    let mut content = (**guard).clone();
    let repo_content = content
        .repos
        .get_mut(&repo.id)
        .ok_or_else(|| format!("{} has no content.", request.repo))?;
    let c = Arc::make_mut(repo_content);
    let mut b = RepoBuilder {
        rng: ChaCha8Rng::seed_from_u64(ids::splitmix64(dataset.seed ^ c.next_id as u64)),
        next_id: c.next_id,
    };
    let mut results = Vec::new();
    let mut events = Vec::new();
    for (step, action) in request.actions.into_iter().enumerate() {
        // Later actions happen later, so each one is visibly newer than the last.
        let now = Utc::now().trunc_subsecs(0) + Duration::seconds(step as i64);
        let mut changes = Vec::new();
        let mut step = Step {
            people: &people,
            dataset: &dataset,
            repo: &mut repo,
            changes: &mut changes,
            now,
        };
        results.push(apply_one(c, &mut b, &mut step, action)?);
        c.repository = repo.full_name();
        let scene = Scene {
            base,
            dataset: &dataset,
            repo: &repo,
            org,
            open_issues: payloads::open_issues(c),
        };
        events.extend(changes.into_iter().map(|ch| payloads::build(&scene, c, ch)));
    }
    c.next_id = b.next_id;
    if repo.name != original.name || repo.archived != original.archived {
        let mut world = state.dataset.write().unwrap_or_else(|e| e.into_inner());
        let mut changed = (**world).clone();
        if let Some(slot) = changed.repos.iter_mut().find(|r| r.id == repo.id) {
            *slot = repo.clone();
        }
        *world = Arc::new(changed);
    }
    let snapshot = Arc::new(c.clone());
    content.index_repo(repo.id, snapshot.clone());
    content.repos.insert(repo.id, snapshot);
    *guard = Arc::new(content);
    Ok(Applied {
        results,
        org: org.map(|o| o.login.clone()),
        events,
    })
}

/// What one action works with besides the repository's content.
struct Step<'a> {
    people: &'a People,
    dataset: &'a crate::dataset::Dataset,
    repo: &'a mut Repo,
    changes: &'a mut Vec<Change>,
    now: DateTime<Utc>,
}

fn person(step: &Step, login: Option<String>) -> Result<Actor, String> {
    match login {
        None => Ok(Actor {
            login: step.people.humans[0].0.clone(),
            is_bot: false,
        }),
        Some(login) => step
            .dataset
            .user(&login)
            .map(|u| Actor {
                login: u.login.clone(),
                is_bot: false,
            })
            .ok_or_else(|| format!("No user {login} in the dataset.")),
    }
}

fn pull(c: &mut RepoContent, number: i64) -> Result<&mut PullRequest, String> {
    c.pull_requests
        .iter_mut()
        .find(|p| p.number == number)
        .ok_or_else(|| format!("{} has no pull request #{number}.", c.repository))
}

fn issue(c: &mut RepoContent, number: i64) -> Result<&mut Ticket, String> {
    c.issues
        .iter_mut()
        .find(|i| i.number == number)
        .ok_or_else(|| format!("{} has no issue #{number}.", c.repository))
}

fn next_number(c: &RepoContent) -> i64 {
    c.pull_requests
        .iter()
        .map(|p| p.number)
        .chain(c.issues.iter().map(|i| i.number))
        .max()
        .unwrap_or(0)
        + 1
}

/// `count` new commits by `author`, oldest first, each a second after the last.
fn new_commits(
    b: &mut RepoBuilder,
    step: &Step,
    author: Option<String>,
    count: usize,
) -> Result<Vec<content::Commit>, String> {
    let author = person(step, author)?;
    let actor = step.people.linked(&author.login, &author.login);
    Ok((0..count)
        .map(|i| {
            let mut commit = content::new_commit(b, step.people, step.now, false);
            commit.committed_at = step.now + Duration::seconds(i as i64);
            commit.authored_at = commit.committed_at;
            commit.author = actor.clone();
            commit.committer = actor.clone();
            commit
        })
        .collect())
}

fn apply_one(
    c: &mut RepoContent,
    b: &mut RepoBuilder,
    step: &mut Step,
    action: Action,
) -> Result<ActionResult, String> {
    let now = step.now;
    let default_branch = step.repo.default_branch.clone();
    let first_human = step.people.humans[0].0.clone();
    let result = |action, number, node_ids| ActionResult {
        action,
        number,
        node_ids,
    };
    Ok(match action {
        Action::AddCommits { count, author } => {
            let pusher = person(step, author.clone())?.login;
            let commits = new_commits(b, step, author, count)?;
            let ids = commits.iter().map(|c| c.node_id.clone()).collect();
            let before = c.commits.first().map(|h| h.oid.clone()).unwrap_or_default();
            for commit in &commits {
                c.commits.insert(0, commit.clone());
            }
            if !commits.is_empty() {
                step.changes.push(Change::Push {
                    branch: default_branch,
                    before,
                    after: c.commits[0].oid.clone(),
                    commits,
                    forced: false,
                    created: false,
                    pusher,
                });
            }
            result("add_commits", None, ids)
        }
        Action::ForcePush {
            count,
            drop,
            author,
        } => {
            if drop >= c.commits.len() {
                return Err(format!(
                    "{} has {} commits: a force push may drop at most {}.",
                    c.repository,
                    c.commits.len(),
                    c.commits.len().saturating_sub(1)
                ));
            }
            let pusher = person(step, author.clone())?.login;
            let before = c.commits[0].oid.clone();
            c.commits.drain(..drop);
            let commits = new_commits(b, step, author, count)?;
            let ids = commits.iter().map(|c| c.node_id.clone()).collect();
            for commit in &commits {
                c.commits.insert(0, commit.clone());
            }
            step.changes.push(Change::Push {
                branch: default_branch,
                before,
                after: c.commits[0].oid.clone(),
                commits,
                forced: true,
                created: false,
                pusher,
            });
            result("force_push", None, ids)
        }
        Action::CreateBranch {
            name,
            count,
            author,
        } => {
            if name.is_empty() || name == default_branch {
                return Err(format!("Branch {name:?} already exists."));
            }
            let pusher = person(step, author.clone())?.login;
            // Only the default branch is kept; the new branch lives in its deliveries.
            let commits = new_commits(b, step, author, count)?;
            let ids = commits.iter().map(|c| c.node_id.clone()).collect();
            let after = commits
                .last()
                .or(c.commits.first())
                .map(|h| h.oid.clone())
                .unwrap_or_default();
            step.changes.push(Change::BranchCreated {
                branch: name.clone(),
                sender: pusher.clone(),
            });
            step.changes.push(Change::Push {
                branch: name,
                before: String::new(),
                after,
                commits,
                forced: false,
                created: true,
                pusher,
            });
            result("create_branch", None, ids)
        }
        Action::RenameRepo { name } => {
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.'));
            if !valid {
                return Err(format!("{name:?} is not a repository name."));
            }
            let taken = step.dataset.repos.iter().any(|r| {
                r.id != step.repo.id
                    && r.owner.eq_ignore_ascii_case(&step.repo.owner)
                    && r.name.eq_ignore_ascii_case(&name)
            });
            if taken {
                return Err(format!("{}/{name} already exists.", step.repo.owner));
            }
            let from = std::mem::replace(&mut step.repo.name, name);
            step.changes.push(Change::Repository {
                action: "renamed",
                sender: first_human,
                changes: Some(serde_json::json!({"repository": {"name": {"from": from}}})),
            });
            result("rename_repo", None, vec![step.repo.node_id.clone()])
        }
        Action::ArchiveRepo { archived } => {
            if step.repo.archived != archived {
                step.repo.archived = archived;
                step.changes.push(Change::Repository {
                    action: if archived { "archived" } else { "unarchived" },
                    sender: first_human,
                    changes: None,
                });
            }
            result("archive_repo", None, vec![step.repo.node_id.clone()])
        }
        Action::AddPullRequest {
            title,
            body,
            author,
            draft,
        } => {
            let author = person(step, author)?;
            let number = next_number(c);
            let node_id = b.node_id("PR");
            let identity = step.people.git_actor_of(&mut b.rng, Some(&author));
            let commit = content::pr_commit(b, identity, now);
            step.changes.push(Change::PullRequest {
                action: "opened",
                number,
                sender: author.login.clone(),
                changes: None,
            });
            c.pull_requests.push(PullRequest {
                node_id: node_id.clone(),
                number,
                title: title.unwrap_or_else(|| format!("Change #{number}")),
                body: body.unwrap_or_default(),
                state: PullRequestState::Open,
                is_draft: draft,
                created_at: now,
                updated_at: now,
                merged_at: None,
                closed_at: None,
                merged_by: None,
                author: Some(author),
                base_ref: default_branch.clone(),
                head_ref: format!("feature/{number}-work"),
                additions: 1,
                deletions: 0,
                changed_files: 1,
                merge_commit_oid: None,
                labels: Vec::new(),
                assignees: Vec::new(),
                requested_reviewers: Vec::new(),
                commits: vec![commit],
                reviews: Vec::new(),
                comments: Vec::new(),
                review_threads: Vec::new(),
                reactions: Vec::new(),
                events: Vec::new(),
            });
            result("add_pull_request", Some(number), vec![node_id])
        }
        Action::EditPullRequest {
            number,
            title,
            body,
            state: new_state,
            actor,
        } => {
            let actor = person(step, actor)?;
            let head = c.commits.first().map(|h| h.oid.clone());
            let pr = pull(c, number)?;
            let mut edits = serde_json::Map::new();
            if let Some(title) = title.filter(|t| *t != pr.title) {
                let from = std::mem::replace(&mut pr.title, title);
                edits.insert("title".into(), serde_json::json!({ "from": from }));
            }
            if let Some(body) = body.filter(|t| *t != pr.body) {
                let from = std::mem::replace(&mut pr.body, body);
                edits.insert("body".into(), serde_json::json!({ "from": from }));
            }
            if !edits.is_empty() {
                step.changes.push(Change::PullRequest {
                    action: "edited",
                    number,
                    sender: actor.login.clone(),
                    changes: Some(serde_json::Value::Object(edits)),
                });
            }
            let mut ids = vec![pr.node_id.clone()];
            // Asking for the state it already has changes nothing, as on GitHub.
            let (action, events) = match new_state.filter(|s| *s != pr.state) {
                None => (None, Vec::new()),
                Some(PullRequestState::Closed) => {
                    (Some("closed"), vec![pr.close(b, Some(actor.clone()), now)?])
                }
                Some(PullRequestState::Open) => (
                    Some("reopened"),
                    vec![pr.reopen(b, Some(actor.clone()), now)?],
                ),
                Some(PullRequestState::Merged) => {
                    let events = pr.merge(b, Some(actor.clone()), now)?;
                    pr.merge_commit_oid = head;
                    (Some("closed"), events.to_vec())
                }
            };
            ids.extend(events);
            if let Some(action) = action {
                step.changes.push(Change::PullRequest {
                    action,
                    number,
                    sender: actor.login.clone(),
                    changes: None,
                });
            }
            pr.updated_at = now;
            result("edit_pull_request", Some(number), ids)
        }
        Action::AddComment {
            number,
            body,
            author,
        } => {
            let author = person(step, author)?;
            let comment = Comment {
                node_id: b.node_id("IC"),
                kind: CommentKind::Conversation,
                author: Some(author),
                body: body.unwrap_or_else(|| "👍".into()),
                created_at: now,
            };
            let id = comment.node_id.clone();
            step.changes.push(Change::IssueComment {
                number,
                comment: id.clone(),
            });
            let missing = format!("{} has no pull request or issue #{number}.", c.repository);
            if let Ok(pr) = pull(c, number) {
                pr.comments.push(comment);
                pr.updated_at = now;
            } else {
                let ticket = issue(c, number).map_err(|_| missing)?;
                ticket.comments.push(comment);
                ticket.updated_at = now;
            }
            result("add_comment", Some(number), vec![id])
        }
        Action::AddReview {
            number,
            state: review_state,
            body,
            author,
        } => {
            let author = person(step, author)?;
            let review_author = author.login.clone();
            let review_state = review_state.unwrap_or(ReviewState::Approved);
            let review = Review {
                node_id: b.node_id("PRR"),
                state: review_state,
                author: Some(author),
                submitted_at: (review_state != ReviewState::Pending).then_some(now),
                body: body.unwrap_or_default(),
            };
            let id = review.node_id.clone();
            if review_state != ReviewState::Pending {
                step.changes.push(Change::Review {
                    number,
                    review: id.clone(),
                });
            }
            let pr = pull(c, number)?;
            if review_state != ReviewState::Pending {
                pr.answer_review_request(&review_author);
            }
            pr.reviews.push(review);
            pr.updated_at = now;
            result("add_review", Some(number), vec![id])
        }
        Action::AddIssue { title, author } => {
            let author = person(step, author)?;
            let number = next_number(c);
            let node_id = b.node_id("I");
            step.changes.push(Change::Issue {
                action: "opened",
                number,
                sender: author.login.clone(),
            });
            c.issues.push(Ticket {
                node_id: node_id.clone(),
                number,
                title: title.unwrap_or_else(|| format!("Problem #{number}")),
                state: TicketState::Open,
                state_reason: None,
                author: Some(author),
                labels: Vec::new(),
                assignees: Vec::new(),
                created_at: now,
                updated_at: now,
                closed_at: None,
                comments: Vec::new(),
                events: Vec::new(),
            });
            result("add_issue", Some(number), vec![node_id])
        }
        Action::CloseIssue { number, reason } => {
            let reason = match reason.as_deref() {
                None | Some("COMPLETED") => "COMPLETED",
                Some("NOT_PLANNED") => "NOT_PLANNED",
                Some(other) => {
                    return Err(format!(
                        "Unknown close reason {other:?}: use COMPLETED or NOT_PLANNED."
                    ));
                }
            };
            let event_id = b.node_id("CE");
            let actor = person(step, None)?;
            step.changes.push(Change::Issue {
                action: "closed",
                number,
                sender: actor.login.clone(),
            });
            let ticket = issue(c, number)?;
            ticket.state = TicketState::Closed;
            ticket.state_reason = Some(reason);
            ticket.closed_at = Some(now);
            ticket.updated_at = now;
            ticket.events.push(TicketEvent {
                node_id: event_id.clone(),
                kind: TicketEventKind::Closed,
                actor: Some(actor),
                created_at: now,
                subject: None,
            });
            result("close_issue", Some(number), vec![event_id])
        }
        Action::ReopenIssue { number } => {
            let event_id = b.node_id("REE");
            let actor = person(step, None)?;
            step.changes.push(Change::Issue {
                action: "reopened",
                number,
                sender: actor.login.clone(),
            });
            let ticket = issue(c, number)?;
            ticket.state = TicketState::Open;
            ticket.state_reason = Some("REOPENED");
            ticket.closed_at = None;
            ticket.updated_at = now;
            ticket.events.push(TicketEvent {
                node_id: event_id.clone(),
                kind: TicketEventKind::Reopened,
                actor: Some(actor),
                created_at: now,
                subject: None,
            });
            result("reopen_issue", Some(number), vec![event_id])
        }
    })
}
