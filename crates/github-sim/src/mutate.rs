//! `POST /_sim/mutate`: activity on a repository after the import started — new
//! commits, new or edited pull requests, comments, reviews, new, closed or reopened
//! issues — each bumping `updatedAt` to now as GitHub does. The JSON is documented
//! in `control.rs`.

use std::sync::Arc;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::content::{
    self, Actor, Comment, CommentKind, People, PullRequest, PullRequestState, RepoBuilder,
    RepoContent, Review, ReviewState, Ticket, TicketEvent, TicketEventKind, TicketState,
};
use crate::http::SimState;
use crate::ids;

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
pub fn apply(state: &SimState, request: MutateRequest) -> Result<Vec<ActionResult>, String> {
    let (owner, name) = request
        .repo
        .split_once('/')
        .ok_or_else(|| format!("`repo` must be owner/name, not {:?}.", request.repo))?;
    let repo = state
        .dataset
        .repo(owner, name)
        .ok_or_else(|| format!("No repository {} in the dataset.", request.repo))?;
    let people = People::new(&state.dataset);
    let mut guard = state.content.write().unwrap_or_else(|e| e.into_inner());
    let mut content = (**guard).clone();
    let repo_content = content
        .repos
        .get_mut(&repo.id)
        .ok_or_else(|| format!("{} has no content.", request.repo))?;
    let c = Arc::make_mut(repo_content);
    let mut b = RepoBuilder {
        rng: ChaCha8Rng::seed_from_u64(ids::splitmix64(state.dataset.seed ^ c.next_id as u64)),
        next_id: c.next_id,
    };
    let mut results = Vec::new();
    for (step, action) in request.actions.into_iter().enumerate() {
        // Later actions happen later, so each one is visibly newer than the last.
        let now = Utc::now().trunc_subsecs(0) + Duration::seconds(step as i64);
        results.push(apply_one(c, &mut b, &people, state, action, now)?);
    }
    c.next_id = b.next_id;
    let snapshot = Arc::new(c.clone());
    content.index_repo(repo.id, snapshot.clone());
    content.repos.insert(repo.id, snapshot);
    *guard = Arc::new(content);
    Ok(results)
}

fn person(state: &SimState, people: &People, login: Option<String>) -> Result<Actor, String> {
    match login {
        None => Ok(Actor {
            login: people.humans[0].0.clone(),
            is_bot: false,
        }),
        Some(login) => state
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

fn apply_one(
    c: &mut RepoContent,
    b: &mut RepoBuilder,
    people: &People,
    state: &SimState,
    action: Action,
    now: DateTime<Utc>,
) -> Result<ActionResult, String> {
    let result = |action, number, node_ids| ActionResult {
        action,
        number,
        node_ids,
    };
    Ok(match action {
        Action::AddCommits { count, author } => {
            let author = person(state, people, author)?;
            let actor = people.linked(&author.login, &author.login);
            let mut ids = Vec::new();
            for i in 0..count {
                let mut commit = content::new_commit(b, people, now, false);
                commit.committed_at = now + Duration::seconds(i as i64);
                commit.authored_at = commit.committed_at;
                commit.author = actor.clone();
                commit.committer = actor.clone();
                ids.push(commit.node_id.clone());
                c.commits.insert(0, commit);
            }
            result("add_commits", None, ids)
        }
        Action::AddPullRequest {
            title,
            body,
            author,
            draft,
        } => {
            let author = person(state, people, author)?;
            let number = next_number(c);
            let node_id = b.node_id("PR");
            let commit = content::pr_commit(b, people, now);
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
                author: Some(author),
                base_ref: "main".into(),
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
            });
            result("add_pull_request", Some(number), vec![node_id])
        }
        Action::EditPullRequest {
            number,
            title,
            body,
            state: new_state,
        } => {
            let head = c.commits.first().map(|h| h.oid.clone());
            let pr = pull(c, number)?;
            if let Some(title) = title {
                pr.title = title;
            }
            if let Some(body) = body {
                pr.body = body;
            }
            if let Some(s) = new_state {
                pr.state = s;
                pr.is_draft &= s == PullRequestState::Open;
                pr.closed_at = (s != PullRequestState::Open).then_some(now);
                pr.merged_at = (s == PullRequestState::Merged).then_some(now);
                pr.merge_commit_oid = if s == PullRequestState::Merged {
                    head
                } else {
                    None
                };
            }
            pr.updated_at = now;
            result("edit_pull_request", Some(number), vec![pr.node_id.clone()])
        }
        Action::AddComment {
            number,
            body,
            author,
        } => {
            let author = person(state, people, author)?;
            let comment = Comment {
                node_id: b.node_id("IC"),
                kind: CommentKind::Conversation,
                author: Some(author),
                body: body.unwrap_or_else(|| "👍".into()),
                created_at: now,
            };
            let id = comment.node_id.clone();
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
            let author = person(state, people, author)?;
            let review_state = review_state.unwrap_or(ReviewState::Approved);
            let review = Review {
                node_id: b.node_id("PRR"),
                state: review_state,
                author: Some(author),
                submitted_at: (review_state != ReviewState::Pending).then_some(now),
                body: body.unwrap_or_default(),
            };
            let id = review.node_id.clone();
            let pr = pull(c, number)?;
            pr.reviews.push(review);
            pr.updated_at = now;
            result("add_review", Some(number), vec![id])
        }
        Action::AddIssue { title, author } => {
            let author = person(state, people, author)?;
            let number = next_number(c);
            let node_id = b.node_id("I");
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
            let actor = person(state, people, None)?;
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
            let actor = person(state, people, None)?;
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
