//! The content types: commits, pull requests with their reviews, comments,
//! threads, reactions and timeline events, issues with their timeline, and one
//! repository's whole content. Field names follow the importer's types (`github::import`).

use chrono::{DateTime, Utc};
use serde::Serialize;

/// How much content one repository gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RepoSize {
    pub commits: usize,
    pub pull_requests: usize,
    pub issues: usize,
    /// Reviews and conversation comments a pull request gets on average.
    pub reviews_per_pr: usize,
    pub comments_per_pr: usize,
}

#[derive(Serialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct GitActor {
    pub name: Option<String>,
    pub email: Option<String>,
    /// The account GitHub links to the e-mail, if any.
    pub login: Option<String>,
}

#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub login: String,
    pub is_bot: bool,
}

#[derive(Serialize, Clone, Debug)]
pub struct Commit {
    pub node_id: String,
    pub oid: String,
    pub message_headline: String,
    pub authored_at: DateTime<Utc>,
    pub committed_at: DateTime<Utc>,
    pub author: GitActor,
    pub committer: GitActor,
    pub additions: i64,
    pub deletions: i64,
    pub changed_files: Option<i64>,
    pub parent_count: i64,
}

#[derive(Serialize, serde::Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PullRequestState {
    Open,
    Closed,
    Merged,
}

#[derive(Serialize, Clone, Debug)]
pub struct PullRequestCommit {
    pub oid: String,
    pub message_headline: String,
    pub authored_at: DateTime<Utc>,
    pub committed_at: DateTime<Utc>,
    pub author: GitActor,
}

#[derive(Serialize, serde::Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReviewState {
    Approved,
    ChangesRequested,
    Commented,
    Dismissed,
    Pending,
}

#[derive(Serialize, Clone, Debug)]
pub struct Review {
    pub node_id: String,
    pub state: ReviewState,
    pub author: Option<Actor>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub body: String,
}

#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CommentKind {
    Conversation,
    ReviewThread,
}

#[derive(Serialize, Clone, Debug)]
pub struct Comment {
    pub node_id: String,
    pub kind: CommentKind,
    pub author: Option<Actor>,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize, Clone, Debug)]
pub struct ReviewThread {
    pub node_id: String,
    pub comments: Vec<Comment>,
}

#[derive(Serialize, Clone, Debug)]
pub struct Reaction {
    pub node_id: String,
    pub content: &'static str,
    pub user: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A requested reviewer: a user's login, or a team as `org/team-slug`.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
#[serde(untagged)]
pub enum Reviewer {
    User(String),
    Team(String),
}

#[derive(Serialize, Clone, Debug)]
pub struct PullRequest {
    pub node_id: String,
    pub number: i64,
    pub title: String,
    pub body: String,
    pub state: PullRequestState,
    pub is_draft: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub merged_at: Option<DateTime<Utc>>,
    /// The last close (a merge closes too); `None` while open.
    pub closed_at: Option<DateTime<Utc>>,
    /// Who merged it: the actor of the `MERGED` event.
    pub merged_by: Option<Actor>,
    pub author: Option<Actor>,
    pub base_ref: String,
    pub head_ref: String,
    pub additions: i64,
    pub deletions: i64,
    pub changed_files: i64,
    pub merge_commit_oid: Option<String>,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub requested_reviewers: Vec<Reviewer>,
    pub commits: Vec<PullRequestCommit>,
    pub reviews: Vec<Review>,
    /// Conversation comments only; review-thread comments sit in their threads.
    pub comments: Vec<Comment>,
    pub review_threads: Vec<ReviewThread>,
    pub reactions: Vec<Reaction>,
    /// Its timeline events, oldest first (same-second events in the order GitHub shows
    /// them: a merge's `MERGED` before its `CLOSED`).
    pub events: Vec<PullRequestEvent>,
}

#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PullRequestEventKind {
    Closed,
    Reopened,
    Merged,
    ReadyForReview,
    ConvertToDraft,
    ReviewRequested,
    ReviewRequestRemoved,
}

impl PullRequestEventKind {
    /// The prefix of GitHub's node ids for the event's type (`CE_…`, `ME_…`, …).
    pub fn node_prefix(self) -> &'static str {
        match self {
            PullRequestEventKind::Closed => "CE",
            PullRequestEventKind::Reopened => "REE",
            PullRequestEventKind::Merged => "ME",
            PullRequestEventKind::ReadyForReview => "RFRE",
            PullRequestEventKind::ConvertToDraft => "CTDE",
            PullRequestEventKind::ReviewRequested => "RRE",
            PullRequestEventKind::ReviewRequestRemoved => "RRRE",
        }
    }
}

#[derive(Serialize, Clone, Debug)]
pub struct PullRequestEvent {
    pub node_id: String,
    pub kind: PullRequestEventKind,
    pub actor: Option<Actor>,
    pub created_at: DateTime<Utc>,
    /// For review-request events, the reviewer: a login, or a team as `org/team-slug`.
    pub subject: Option<Reviewer>,
}

#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketState {
    Open,
    Closed,
}

#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketEventKind {
    Closed,
    Reopened,
    Assigned,
    Unassigned,
    Labeled,
    Unlabeled,
}

#[derive(Serialize, Clone, Debug)]
pub struct TicketEvent {
    pub node_id: String,
    pub kind: TicketEventKind,
    pub actor: Option<Actor>,
    pub created_at: DateTime<Utc>,
    /// The label's name or the assignee's login.
    pub subject: Option<String>,
}

/// A GitHub issue (never a pull request).
#[derive(Serialize, Clone, Debug)]
pub struct Ticket {
    pub node_id: String,
    pub number: i64,
    pub title: String,
    pub state: TicketState,
    pub state_reason: Option<&'static str>,
    pub author: Option<Actor>,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub comments: Vec<Comment>,
    /// Closed, reopened, (un)assigned and (un)labeled events; comments appear in the
    /// timeline too (as `Commented`), taken from `comments`.
    pub events: Vec<TicketEvent>,
}

impl PullRequest {
    /// The positions of the reviews `viewer` (a login; `None`: anonymous) sees, in the
    /// order they were made: on GitHub a pending review shows only to its author, in
    /// REST and GraphQL alike.
    pub fn reviews_seen_by(&self, viewer: Option<&str>) -> Vec<usize> {
        (0..self.reviews.len())
            .filter(|&k| {
                let review = &self.reviews[k];
                review.state != ReviewState::Pending
                    || review.author.as_ref().map(|a| a.login.as_str()) == viewer
            })
            .collect()
    }
}

impl Ticket {
    /// The timeline GitHub shows for the item types the importer asks for: events and
    /// comments, oldest first.
    pub fn timeline(&self) -> Vec<TimelineItem<'_>> {
        let mut items: Vec<TimelineItem<'_>> = self
            .events
            .iter()
            .map(TimelineItem::Event)
            .chain(self.comments.iter().map(TimelineItem::Comment))
            .collect();
        items.sort_by(|a, b| (a.created_at(), a.node_id()).cmp(&(b.created_at(), b.node_id())));
        items
    }
}

#[derive(Clone, Copy, Debug)]
pub enum TimelineItem<'a> {
    Event(&'a TicketEvent),
    Comment(&'a Comment),
}

impl TimelineItem<'_> {
    pub fn created_at(&self) -> DateTime<Utc> {
        match self {
            TimelineItem::Event(e) => e.created_at,
            TimelineItem::Comment(c) => c.created_at,
        }
    }

    pub fn node_id(&self) -> &str {
        match self {
            TimelineItem::Event(e) => &e.node_id,
            TimelineItem::Comment(c) => &c.node_id,
        }
    }
}

/// One repository's content. `commits` is the default branch, newest first.
#[derive(Serialize, Clone, Debug)]
pub struct RepoContent {
    pub repository: String,
    pub commits: Vec<Commit>,
    pub pull_requests: Vec<PullRequest>,
    pub issues: Vec<Ticket>,
    /// The next database id for a new node of this repository.
    #[serde(skip)]
    pub next_id: i64,
}

/// Where a node id points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeRef {
    PullRequest {
        repo: i64,
        index: usize,
    },
    Issue {
        repo: i64,
        index: usize,
    },
    ReviewThread {
        repo: i64,
        pull: usize,
        index: usize,
    },
}
