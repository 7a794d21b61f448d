//! The import's own types: what a page of commits, pull requests or tickets holds,
//! in Tributary's terms rather than GraphQL's, and what reading it cost.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which repository to read.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RepoRef {
    pub owner: String,
    pub name: String,
}

/// A git identity as recorded in a commit; `login` is set when GitHub links the
/// e-mail to an account.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GitActor {
    pub name: Option<String>,
    pub email: Option<String>,
    pub login: Option<String>,
}

/// A GitHub account acting (author of a PR, a review, a comment...). `None` where
/// GitHub answers `null` (a deleted account, shown as "ghost").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub login: String,
    /// `__typename == "Bot"` (logins like `dependabot[bot]`).
    pub is_bot: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    /// `changedFilesIfAvailable`: GitHub leaves it null on very large commits.
    pub changed_files: Option<i64>,
    pub parent_count: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PullRequestState {
    Open,
    Closed,
    Merged,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    pub closed_at: Option<DateTime<Utc>>,
    pub author: Option<Actor>,
    pub base_ref: String,
    pub head_ref: String,
    pub additions: i64,
    pub deletions: i64,
    pub changed_files: i64,
    pub merge_commit_oid: Option<String>,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    /// Logins of requested users, `org/team-slug` for teams.
    pub requested_reviewers: Vec<String>,
    pub commits: Vec<PullRequestCommit>,
    pub reviews: Vec<Review>,
    /// Conversation comments and review-thread comments, told apart by `kind`.
    pub comments: Vec<Comment>,
    /// Stored for completeness; no metric ever counts a reaction.
    pub reactions: Vec<Reaction>,
    /// Who merged it, when merged.
    #[serde(default)]
    pub merged_by: Option<Actor>,
    /// Timeline events: who closed, reopened, merged, marked ready, converted to
    /// draft, requested a review or removed a request, and when.
    #[serde(default)]
    pub events: Vec<PullRequestEvent>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequestEvent {
    pub kind: PullRequestEventKind,
    pub actor: Option<Actor>,
    pub created_at: DateTime<Utc>,
    /// The requested reviewer's login, or `org/team-slug`, for review requests.
    pub subject: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequestCommit {
    pub oid: String,
    pub message_headline: String,
    pub authored_at: DateTime<Utc>,
    pub committed_at: DateTime<Utc>,
    pub author: GitActor,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReviewState {
    Approved,
    ChangesRequested,
    Commented,
    Dismissed,
    Pending,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub node_id: String,
    pub state: ReviewState,
    pub author: Option<Actor>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub body: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CommentKind {
    /// An `IssueComment`: the conversation tab of a PR, or a ticket's comment.
    Conversation,
    /// A `PullRequestReviewComment` in a review thread.
    ReviewThread,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub node_id: String,
    pub kind: CommentKind,
    pub author: Option<Actor>,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// When GitHub last changed it (its body, edited): what orders two versions of
    /// it. Every import and webhook says; `None` where a caller does not know.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    pub node_id: String,
    /// GitHub's `ReactionContent` (`THUMBS_UP`, `HOORAY`, ...).
    pub content: String,
    pub user: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketState {
    Open,
    Closed,
}

/// A GitHub issue that is not a pull request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub node_id: String,
    pub number: i64,
    pub title: String,
    pub state: TicketState,
    /// GitHub's `IssueStateReason` (`COMPLETED`, `NOT_PLANNED`, `REOPENED`, `DUPLICATE`).
    pub state_reason: Option<String>,
    pub author: Option<Actor>,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub comments: Vec<Comment>,
    pub events: Vec<TicketEvent>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketEventKind {
    Closed,
    Reopened,
    Assigned,
    Unassigned,
    Labeled,
    Unlabeled,
    Commented,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketEvent {
    pub node_id: String,
    pub kind: TicketEventKind,
    pub actor: Option<Actor>,
    pub created_at: DateTime<Utc>,
    /// The label's name or the assignee's login, for the events that have one.
    pub subject: Option<String>,
}

/// `rateLimit { cost remaining resetAt limit }` as GitHub reported it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimitReading {
    pub cost: i64,
    pub remaining: i64,
    pub limit: i64,
    pub reset_at: DateTime<Utc>,
}

/// One page of a top-level listing, plus what it cost (the page's query and every
/// follow-up query for nested connections).
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// `totalCount` of the listing as GitHub reported it.
    pub total_count: i64,
    pub end_cursor: Option<String>,
    pub has_next_page: bool,
    /// The newest reading (from the last request made for this page).
    pub rate_limit: Option<RateLimitReading>,
    pub requests: u32,
    /// Sum of `rateLimit.cost` over those requests.
    pub points: i64,
}
