//! GraphQL types over repository content: commit history, pull requests and issues
//! with their nested connections, and `node(id:)` for the objects the importer's
//! follow-up queries reach. Connections page like GitHub's: `first` 1..100 (required
//! when nodes are asked for), opaque `after` cursors, `totalCount`, `pageInfo`.

use std::ops::Range;
use std::sync::Arc;

use async_graphql::{
    Context, Enum, Error, ID, InputObject, InputValueError, InputValueResult, Interface, Object,
    Scalar, ScalarType, SimpleObject, Union, Value,
};
use chrono::{DateTime, Utc};

use crate::content::{self, NodeRef, RepoContent, TimelineItem};
use crate::graphql::{
    GhDateTime, OrganizationNode, PageInfo, UserNode, gh_error, gql, validate_first,
};
use crate::ids;

/// A Git object ID.
pub struct GitObjectId(pub String);

/// A Git object ID.
#[Scalar(name = "GitObjectID")]
impl ScalarType for GitObjectId {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(s) => Ok(GitObjectId(s)),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

/// An ISO-8601 encoded date string. Unlike the DateTime type, GitTimestamp is not converted in UTC.
pub struct GitTimestamp(pub DateTime<Utc>);

/// An ISO-8601 encoded date string. Unlike the DateTime type, GitTimestamp is not converted in UTC.
#[Scalar(name = "GitTimestamp")]
impl ScalarType for GitTimestamp {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => DateTime::parse_from_rfc3339(s)
                .map(|d| GitTimestamp(d.with_timezone(&Utc)))
                .map_err(|_| {
                    InputValueError::custom(format!("{s:?} is not a valid ISO-8601 timestamp"))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        GhDateTime(self.0).to_value()
    }
}

/// The part of a connection one request sees.
pub(crate) struct Window {
    range: Range<usize>,
    page_info: PageInfo,
    total: i32,
}

/// Applies `first`/`after` to a list of `len` items. Cursors are opaque offsets, like
/// the `oid offset` GitHub puts in history cursors.
pub(crate) fn window(
    ctx: &Context<'_>,
    connection: &str,
    len: usize,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Window, Error> {
    let look = ctx.look_ahead();
    let needs_first = ["nodes", "edges", "pageInfo"]
        .iter()
        .any(|f| look.field(f).exists());
    let first = validate_first(connection, first, needs_first)?.unwrap_or(len);
    let start = match after {
        None => 0,
        Some(c) => match ids::decode_cursor(&c) {
            Some(offset) if offset >= 0 => (offset as usize + 1).min(len),
            _ => {
                return Err(gh_error(
                    "INVALID_CURSOR_ARGUMENTS",
                    format!("`{c}` does not appear to be a valid cursor."),
                ));
            }
        },
    };
    let end = start.saturating_add(first).min(len);
    let cursor = |i: usize| ids::encode_cursor(i as i64);
    Ok(Window {
        page_info: PageInfo {
            start_cursor: (end > start).then(|| cursor(start)),
            end_cursor: (end > start).then(|| cursor(end - 1)),
            has_next_page: end < len,
            has_previous_page: start > 0,
        },
        range: start..end,
        total: i32::try_from(len).unwrap_or(i32::MAX),
    })
}

/// Declares a connection type with `nodes`, `pageInfo` and `totalCount`.
macro_rules! connection {
    ($name:ident, $node:ty) => {
        #[derive(SimpleObject)]
        pub struct $name {
            nodes: Option<Vec<Option<$node>>>,
            page_info: PageInfo,
            total_count: i32,
        }

        impl $name {
            fn new(window: Window, node: impl FnMut(usize) -> $node) -> Self {
                $name {
                    nodes: Some(window.range.map(node).map(Some).collect()),
                    page_info: window.page_info,
                    total_count: window.total,
                }
            }
        }
    };
}

connection!(CommitHistoryConnection, CommitNode);
connection!(CommitConnection, CommitNode);
connection!(PullRequestConnection, PullRequestNode);
connection!(IssueConnection, IssueNode);
connection!(LabelConnection, Label);
connection!(UserConnection, UserNode);
connection!(ReviewRequestConnection, ReviewRequest);
connection!(PullRequestCommitConnection, PullRequestCommitNode);
connection!(PullRequestReviewConnection, PullRequestReview);
connection!(IssueCommentConnection, IssueComment);
connection!(PullRequestReviewThreadConnection, PullRequestReviewThread);
connection!(PullRequestReviewCommentConnection, PullRequestReviewComment);
connection!(ReactionConnection, Reaction);
connection!(IssueTimelineItemsConnection, IssueTimelineItems);

/// Represents an object which can take actions on GitHub. Typically a User or Bot.
#[derive(Interface)]
#[graphql(field(name = "login", ty = "String"))]
pub enum Actor {
    Bot(Bot),
    EnterpriseUserAccount(EnterpriseUserAccount),
    Mannequin(Mannequin),
    Organization(OrganizationNode),
    User(UserNode),
}

fn actor(ctx: &Context<'_>, actor: &Option<content::Actor>) -> Option<Actor> {
    let a = actor.as_ref()?;
    if a.is_bot {
        return Some(Actor::Bot(Bot::new(&a.login)));
    }
    user(ctx, &a.login).map(Actor::User)
}

fn user(ctx: &Context<'_>, login: &str) -> Option<UserNode> {
    let g = gql(ctx).ok()?;
    g.dataset.user(login).map(|u| UserNode(u.clone()))
}

/// A special type of user which takes actions on behalf of GitHub Apps.
#[derive(SimpleObject, Clone)]
pub struct Bot {
    id: ID,
    login: String,
}

impl Bot {
    fn new(login: &str) -> Bot {
        let id = login.bytes().fold(41_898_282i64, |h, b| {
            h.wrapping_mul(31).wrapping_add(b as i64)
        }) & 0x3fff_ffff;
        Bot {
            id: ID(ids::node_id("BOT", id)),
            login: login.to_string(),
        }
    }
}

/// A placeholder user for attribution of imported data on GitHub.
#[derive(SimpleObject)]
pub struct Mannequin {
    login: String,
}

/// An account for a user who is an admin of an enterprise or a member of an enterprise through one or more organizations.
#[derive(SimpleObject)]
pub struct EnterpriseUserAccount {
    login: String,
}

/// A team of users in an organization.
#[derive(SimpleObject)]
pub struct Team {
    combined_slug: String,
}

/// An object with an ID.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Issue(IssueNode),
    PullRequest(PullRequestNode),
    PullRequestReviewThread(PullRequestReviewThread),
}

/// `node(id:)` for the content objects the importer's follow-ups reach.
pub(crate) fn node(ctx: &Context<'_>, id: &str) -> Result<Option<Node>, Error> {
    let g = gql(ctx)?;
    let not_found = || {
        gh_error(
            "NOT_FOUND",
            format!("Could not resolve to a node with the global id of '{id}'"),
        )
    };
    let found = g.content.nodes.get(id).copied().ok_or_else(not_found)?;
    let repo_id = match found {
        NodeRef::PullRequest { repo, .. }
        | NodeRef::Issue { repo, .. }
        | NodeRef::ReviewThread { repo, .. } => repo,
    };
    let repo = g
        .content
        .repos
        .get(&repo_id)
        .cloned()
        .ok_or_else(not_found)?;
    let visible = g
        .dataset
        .repos
        .iter()
        .find(|r| r.id == repo_id)
        .is_some_and(|r| crate::graphql::viewer_can_see(g, r));
    if !visible {
        return Err(not_found());
    }
    Ok(Some(match found {
        NodeRef::PullRequest { index, .. } => Node::PullRequest(PullRequestNode { repo, index }),
        NodeRef::Issue { index, .. } => Node::Issue(IssueNode { repo, index }),
        NodeRef::ReviewThread { pull, index, .. } => {
            Node::PullRequestReviewThread(PullRequestReviewThread { repo, pull, index })
        }
    }))
}

/// Represents a Git object.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"), field(name = "oid", ty = "GitObjectId"))]
pub enum GitObject {
    Commit(CommitNode),
}

/// A commit of the default branch, or one of a pull request's commits.
#[derive(Clone)]
enum CommitAt {
    Branch(usize),
    PullRequest(usize, usize),
}

/// Represents a Git commit.
#[derive(Clone)]
pub struct CommitNode {
    repo: Arc<RepoContent>,
    at: CommitAt,
}

impl CommitNode {
    pub(crate) fn head(repo: Arc<RepoContent>) -> Option<CommitNode> {
        (!repo.commits.is_empty()).then_some(CommitNode {
            repo,
            at: CommitAt::Branch(0),
        })
    }

    fn branch(&self) -> Option<&content::Commit> {
        match self.at {
            CommitAt::Branch(i) => self.repo.commits.get(i),
            CommitAt::PullRequest(..) => None,
        }
    }

    fn pr_commit(&self) -> Option<&content::PullRequestCommit> {
        match self.at {
            CommitAt::PullRequest(p, i) => self.repo.pull_requests.get(p)?.commits.get(i),
            CommitAt::Branch(_) => None,
        }
    }

    fn oid_str(&self) -> &str {
        match (self.branch(), self.pr_commit()) {
            (Some(c), _) => &c.oid,
            (_, Some(c)) => &c.oid,
            _ => "",
        }
    }
}

/// Represents a Git commit.
#[Object(name = "Commit")]
impl CommitNode {
    async fn additions(&self) -> i32 {
        self.branch().map_or(0, |c| c.additions as i32)
    }

    async fn author(&self) -> Option<GitActor> {
        match (self.branch(), self.pr_commit()) {
            (Some(c), _) => Some(GitActor(c.author.clone())),
            (_, Some(c)) => Some(GitActor(c.author.clone())),
            _ => None,
        }
    }

    async fn authored_date(&self) -> GhDateTime {
        match (self.branch(), self.pr_commit()) {
            (Some(c), _) => GhDateTime(c.authored_at),
            (_, Some(c)) => GhDateTime(c.authored_at),
            _ => GhDateTime(content::epoch()),
        }
    }

    async fn changed_files_if_available(&self) -> Option<i32> {
        self.branch()?.changed_files.map(|n| n as i32)
    }

    async fn committed_date(&self) -> GhDateTime {
        match (self.branch(), self.pr_commit()) {
            (Some(c), _) => GhDateTime(c.committed_at),
            (_, Some(c)) => GhDateTime(c.committed_at),
            _ => GhDateTime(content::epoch()),
        }
    }

    async fn committer(&self) -> Option<GitActor> {
        match (self.branch(), self.pr_commit()) {
            (Some(c), _) => Some(GitActor(c.committer.clone())),
            (_, Some(c)) => Some(GitActor(c.author.clone())),
            _ => None,
        }
    }

    async fn deletions(&self) -> i32 {
        self.branch().map_or(0, |c| c.deletions as i32)
    }

    /// The linear commit history starting from (and including) this commit, in the same order as `git log`.
    async fn history(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
        since: Option<GitTimestamp>,
    ) -> Result<CommitHistoryConnection, Error> {
        let from = match self.at {
            CommitAt::Branch(i) => i,
            CommitAt::PullRequest(..) => self.repo.commits.len(),
        };
        // Newest first, so commits at or after `since` are a prefix.
        let tail = &self.repo.commits[from.min(self.repo.commits.len())..];
        let len = match since {
            Some(GitTimestamp(since)) => tail.partition_point(|c| c.committed_at >= since),
            None => tail.len(),
        };
        let window = window(ctx, "history", len, first, after)?;
        let repo = self.repo.clone();
        Ok(CommitHistoryConnection::new(window, |i| CommitNode {
            repo: repo.clone(),
            at: CommitAt::Branch(from + i),
        }))
    }

    async fn id(&self) -> ID {
        match (self.branch(), self.pr_commit()) {
            (Some(c), _) => ID(c.node_id.clone()),
            _ => ID(format!("C_{}", self.oid_str())),
        }
    }

    async fn message_headline(&self) -> String {
        match (self.branch(), self.pr_commit()) {
            (Some(c), _) => c.message_headline.clone(),
            (_, Some(c)) => c.message_headline.clone(),
            _ => String::new(),
        }
    }

    async fn oid(&self) -> GitObjectId {
        GitObjectId(self.oid_str().to_string())
    }

    /// The parents of a commit.
    async fn parents(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> Result<CommitConnection, Error> {
        let count = self.branch().map_or(1, |c| c.parent_count as usize);
        let window = window(ctx, "parents", count, first, after)?;
        let next = match self.at {
            CommitAt::Branch(i) => i + 1,
            CommitAt::PullRequest(..) => usize::MAX,
        };
        let repo = self.repo.clone();
        // The first parent is the next commit of the history; a merge's second parent
        // (the merged branch) is not modelled and answers as the same commit.
        Ok(CommitConnection::new(window, |_| CommitNode {
            repo: repo.clone(),
            at: CommitAt::Branch(next.min(repo.commits.len().saturating_sub(1))),
        }))
    }
}

/// Represents an actor in a Git commit (ie. an author or committer).
pub struct GitActor(content::GitActor);

/// Represents an actor in a Git commit (ie. an author or committer).
#[Object]
impl GitActor {
    async fn email(&self) -> Option<String> {
        self.0.email.clone()
    }

    async fn name(&self) -> Option<String> {
        self.0.name.clone()
    }

    async fn user(&self, ctx: &Context<'_>) -> Option<UserNode> {
        user(ctx, self.0.login.as_deref()?)
    }
}

/// Ways in which lists of issues can be ordered upon return.
#[derive(InputObject)]
pub struct IssueOrder {
    direction: OrderDirection,
    field: IssueOrderField,
}

/// Properties by which issue connections can be ordered.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum IssueOrderField {
    Comments,
    CreatedAt,
    UpdatedAt,
}

/// Possible directions in which to order a list of items when provided an `orderBy` argument.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum OrderDirection {
    Asc,
    Desc,
}

/// Ways in which to filter lists of issues.
#[derive(InputObject)]
pub struct IssueFilters {
    since: Option<GhDateTime>,
}

/// Orders item indexes as `orderBy` asks; ties by number, as GitHub breaks them by id.
fn ordered<T>(
    items: &[T],
    order: Option<IssueOrder>,
    key: impl Fn(&T, IssueOrderField) -> (DateTime<Utc>, usize, i64),
) -> Vec<usize> {
    let (field, direction) = order.map_or((IssueOrderField::CreatedAt, OrderDirection::Asc), |o| {
        (o.field, o.direction)
    });
    let mut indexes: Vec<usize> = (0..items.len()).collect();
    indexes.sort_by_key(|&i| {
        let (time, count, number) = key(&items[i], field);
        match field {
            IssueOrderField::Comments => (count as i64, DateTime::<Utc>::MIN_UTC, number),
            _ => (0, time, number),
        }
    });
    if direction == OrderDirection::Desc {
        indexes.reverse();
    }
    indexes
}

/// The repository's pull requests, as `Repository.pullRequests` lists them.
pub(crate) fn pull_requests(
    ctx: &Context<'_>,
    repo: Arc<RepoContent>,
    after: Option<String>,
    first: Option<i32>,
    order_by: Option<IssueOrder>,
) -> Result<PullRequestConnection, Error> {
    let order = ordered(&repo.pull_requests, order_by, |p, field| {
        let time = if field == IssueOrderField::UpdatedAt {
            p.updated_at
        } else {
            p.created_at
        };
        (time, p.comments.len(), p.number)
    });
    let window = window(ctx, "pullRequests", order.len(), first, after)?;
    Ok(PullRequestConnection::new(window, |i| PullRequestNode {
        repo: repo.clone(),
        index: order[i],
    }))
}

/// The repository's issues, as `Repository.issues` lists them (`since`: updated at
/// or after).
pub(crate) fn issues(
    ctx: &Context<'_>,
    repo: Arc<RepoContent>,
    after: Option<String>,
    filter_by: Option<IssueFilters>,
    first: Option<i32>,
    order_by: Option<IssueOrder>,
) -> Result<IssueConnection, Error> {
    let since = filter_by.and_then(|f| f.since).map(|s| s.0);
    let mut order = ordered(&repo.issues, order_by, |t, field| {
        let time = if field == IssueOrderField::UpdatedAt {
            t.updated_at
        } else {
            t.created_at
        };
        (time, t.comments.len(), t.number)
    });
    if let Some(since) = since {
        order.retain(|&i| repo.issues[i].updated_at >= since);
    }
    let window = window(ctx, "issues", order.len(), first, after)?;
    Ok(IssueConnection::new(window, |i| IssueNode {
        repo: repo.clone(),
        index: order[i],
    }))
}

/// The possible states of a pull request.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum PullRequestState {
    Closed,
    Merged,
    Open,
}

/// A repository pull request.
#[derive(Clone)]
pub struct PullRequestNode {
    repo: Arc<RepoContent>,
    index: usize,
}

impl PullRequestNode {
    fn pr(&self) -> &content::PullRequest {
        &self.repo.pull_requests[self.index]
    }
}

/// A repository pull request.
#[Object(name = "PullRequest")]
impl PullRequestNode {
    async fn additions(&self) -> i32 {
        self.pr().additions as i32
    }

    /// A list of Users assigned to this object.
    async fn assignees(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> Result<UserConnection, Error> {
        users(ctx, "assignees", &self.pr().assignees, after, first)
    }

    async fn author(&self, ctx: &Context<'_>) -> Option<Actor> {
        actor(ctx, &self.pr().author)
    }

    async fn base_ref_name(&self) -> String {
        self.pr().base_ref.clone()
    }

    async fn body(&self) -> String {
        self.pr().body.clone()
    }

    async fn changed_files(&self) -> i32 {
        self.pr().changed_files as i32
    }

    async fn closed_at(&self) -> Option<GhDateTime> {
        self.pr().closed_at.map(GhDateTime)
    }

    /// A list of comments associated with the pull request.
    async fn comments(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> Result<IssueCommentConnection, Error> {
        comments(ctx, &self.pr().comments, after, first)
    }

    /// A list of commits present in this pull request's head branch not present in the base branch.
    async fn commits(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> Result<PullRequestCommitConnection, Error> {
        let window = window(ctx, "commits", self.pr().commits.len(), first, after)?;
        Ok(PullRequestCommitConnection::new(window, |i| {
            PullRequestCommitNode {
                commit: CommitNode {
                    repo: self.repo.clone(),
                    at: CommitAt::PullRequest(self.index, i),
                },
            }
        }))
    }

    async fn created_at(&self) -> GhDateTime {
        GhDateTime(self.pr().created_at)
    }

    async fn deletions(&self) -> i32 {
        self.pr().deletions as i32
    }

    async fn head_ref_name(&self) -> String {
        self.pr().head_ref.clone()
    }

    async fn id(&self) -> ID {
        ID(self.pr().node_id.clone())
    }

    async fn is_draft(&self) -> bool {
        self.pr().is_draft
    }

    /// A list of labels associated with the object.
    async fn labels(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> Result<Option<LabelConnection>, Error> {
        labels(ctx, &self.pr().labels, after, first).map(Some)
    }

    async fn merge_commit(&self) -> Option<CommitNode> {
        let oid = self.pr().merge_commit_oid.as_ref()?;
        let index = self.repo.commits.iter().position(|c| &c.oid == oid)?;
        Some(CommitNode {
            repo: self.repo.clone(),
            at: CommitAt::Branch(index),
        })
    }

    async fn merged_at(&self) -> Option<GhDateTime> {
        self.pr().merged_at.map(GhDateTime)
    }

    async fn number(&self) -> i32 {
        self.pr().number as i32
    }

    /// A list of Reactions left on the Issue.
    async fn reactions(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> Result<ReactionConnection, Error> {
        let list = &self.pr().reactions;
        let window = window(ctx, "reactions", list.len(), first, after)?;
        Ok(ReactionConnection::new(window, |i| {
            Reaction(list[i].clone())
        }))
    }

    /// A list of review requests associated with the pull request.
    async fn review_requests(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> Result<Option<ReviewRequestConnection>, Error> {
        let list = &self.pr().requested_reviewers;
        let window = window(ctx, "reviewRequests", list.len(), first, after)?;
        Ok(Some(ReviewRequestConnection::new(window, |i| {
            ReviewRequest {
                requested_reviewer: match &list[i] {
                    content::Reviewer::Team(slug) => Some(RequestedReviewer::Team(Team {
                        combined_slug: slug.clone(),
                    })),
                    content::Reviewer::User(login) => user(ctx, login).map(RequestedReviewer::User),
                },
            }
        })))
    }

    /// The list of all review threads for this pull request.
    async fn review_threads(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> Result<PullRequestReviewThreadConnection, Error> {
        let window = window(
            ctx,
            "reviewThreads",
            self.pr().review_threads.len(),
            first,
            after,
        )?;
        Ok(PullRequestReviewThreadConnection::new(window, |i| {
            PullRequestReviewThread {
                repo: self.repo.clone(),
                pull: self.index,
                index: i,
            }
        }))
    }

    /// A list of reviews associated with the pull request.
    async fn reviews(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> Result<Option<PullRequestReviewConnection>, Error> {
        let list = &self.pr().reviews;
        let window = window(ctx, "reviews", list.len(), first, after)?;
        Ok(Some(PullRequestReviewConnection::new(window, |i| {
            PullRequestReview {
                review: list[i].clone(),
                author: actor(ctx, &list[i].author),
            }
        })))
    }

    async fn state(&self) -> PullRequestState {
        match self.pr().state {
            content::PullRequestState::Open => PullRequestState::Open,
            content::PullRequestState::Closed => PullRequestState::Closed,
            content::PullRequestState::Merged => PullRequestState::Merged,
        }
    }

    async fn title(&self) -> String {
        self.pr().title.clone()
    }

    async fn updated_at(&self) -> GhDateTime {
        GhDateTime(self.pr().updated_at)
    }
}

fn users(
    ctx: &Context<'_>,
    connection: &str,
    logins: &[String],
    after: Option<String>,
    first: Option<i32>,
) -> Result<UserConnection, Error> {
    let found: Vec<UserNode> = logins.iter().filter_map(|l| user(ctx, l)).collect();
    let window = window(ctx, connection, found.len(), first, after)?;
    let mut found = found.into_iter().map(Some).collect::<Vec<_>>();
    Ok(UserConnection::new(window, |i| {
        found[i]
            .take()
            .unwrap_or_else(|| unreachable!("each index is taken once"))
    }))
}

fn labels(
    ctx: &Context<'_>,
    names: &[String],
    after: Option<String>,
    first: Option<i32>,
) -> Result<LabelConnection, Error> {
    let window = window(ctx, "labels", names.len(), first, after)?;
    Ok(LabelConnection::new(window, |i| Label {
        name: names[i].clone(),
    }))
}

fn comments(
    ctx: &Context<'_>,
    list: &[content::Comment],
    after: Option<String>,
    first: Option<i32>,
) -> Result<IssueCommentConnection, Error> {
    let window = window(ctx, "comments", list.len(), first, after)?;
    Ok(IssueCommentConnection::new(window, |i| {
        IssueComment(comment_node(ctx, &list[i]))
    }))
}

/// The fields every kind of comment shares.
pub struct CommentFields {
    author: Option<Actor>,
    body: String,
    created_at: GhDateTime,
    id: ID,
}

fn comment_node(ctx: &Context<'_>, c: &content::Comment) -> CommentFields {
    CommentFields {
        author: actor(ctx, &c.author),
        body: c.body.clone(),
        created_at: GhDateTime(c.created_at),
        id: ID(c.node_id.clone()),
    }
}

/// Declares a comment type: both kinds answer the same fields from [`CommentFields`].
macro_rules! comment_object {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name(CommentFields);

        $(#[$doc])*
        #[Object]
        impl $name {
            async fn author(&self) -> &Option<Actor> {
                &self.0.author
            }

            async fn body(&self) -> &str {
                &self.0.body
            }

            async fn created_at(&self) -> &GhDateTime {
                &self.0.created_at
            }

            async fn id(&self) -> &ID {
                &self.0.id
            }
        }
    };
}

comment_object!(
    /// Represents a comment on an Issue.
    IssueComment
);
comment_object!(
    /// A review comment associated with a given repository pull request.
    PullRequestReviewComment
);

/// A label for categorizing Issues, Pull Requests, Milestones, or Discussions with a given Repository.
#[derive(SimpleObject)]
pub struct Label {
    name: String,
}

/// Types that can be requested reviewers.
#[derive(Union)]
pub enum RequestedReviewer {
    Bot(Bot),
    Mannequin(Mannequin),
    Team(Team),
    User(UserNode),
}

/// A request for a user to review a pull request.
#[derive(SimpleObject)]
pub struct ReviewRequest {
    requested_reviewer: Option<RequestedReviewer>,
}

/// Represents a Git commit part of a pull request.
#[derive(SimpleObject)]
#[graphql(name = "PullRequestCommit")]
pub struct PullRequestCommitNode {
    commit: CommitNode,
}

/// The possible states of a pull request review.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum PullRequestReviewState {
    Approved,
    ChangesRequested,
    Commented,
    Dismissed,
    Pending,
}

/// A review object for a given pull request.
pub struct PullRequestReview {
    review: content::Review,
    author: Option<Actor>,
}

/// A review object for a given pull request.
#[Object]
impl PullRequestReview {
    async fn author(&self) -> &Option<Actor> {
        &self.author
    }

    async fn body(&self) -> &str {
        &self.review.body
    }

    async fn id(&self) -> ID {
        ID(self.review.node_id.clone())
    }

    async fn state(&self) -> PullRequestReviewState {
        use content::ReviewState as S;
        match self.review.state {
            S::Approved => PullRequestReviewState::Approved,
            S::ChangesRequested => PullRequestReviewState::ChangesRequested,
            S::Commented => PullRequestReviewState::Commented,
            S::Dismissed => PullRequestReviewState::Dismissed,
            S::Pending => PullRequestReviewState::Pending,
        }
    }

    async fn submitted_at(&self) -> Option<GhDateTime> {
        self.review.submitted_at.map(GhDateTime)
    }
}

/// A threaded list of comments for a given pull request.
#[derive(Clone)]
pub struct PullRequestReviewThread {
    repo: Arc<RepoContent>,
    pull: usize,
    index: usize,
}

impl PullRequestReviewThread {
    fn thread(&self) -> &content::ReviewThread {
        &self.repo.pull_requests[self.pull].review_threads[self.index]
    }
}

/// A threaded list of comments for a given pull request.
#[Object]
impl PullRequestReviewThread {
    /// A list of pull request comments associated with the thread.
    async fn comments(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> Result<PullRequestReviewCommentConnection, Error> {
        let list = &self.thread().comments;
        let window = window(ctx, "comments", list.len(), first, after)?;
        Ok(PullRequestReviewCommentConnection::new(window, |i| {
            PullRequestReviewComment(comment_node(ctx, &list[i]))
        }))
    }

    async fn id(&self) -> ID {
        ID(self.thread().node_id.clone())
    }
}

/// Emojis that can be attached to Issues, Pull Requests and Comments.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum ReactionContent {
    Confused,
    Eyes,
    Heart,
    Hooray,
    Laugh,
    Rocket,
    ThumbsDown,
    ThumbsUp,
}

/// An emoji reaction to a particular piece of content.
pub struct Reaction(content::Reaction);

/// An emoji reaction to a particular piece of content.
#[Object]
impl Reaction {
    async fn content(&self) -> ReactionContent {
        use ReactionContent::*;
        match self.0.content {
            "CONFUSED" => Confused,
            "EYES" => Eyes,
            "HEART" => Heart,
            "HOORAY" => Hooray,
            "LAUGH" => Laugh,
            "ROCKET" => Rocket,
            "THUMBS_DOWN" => ThumbsDown,
            _ => ThumbsUp,
        }
    }

    async fn created_at(&self) -> GhDateTime {
        GhDateTime(self.0.created_at)
    }

    async fn id(&self) -> ID {
        ID(self.0.node_id.clone())
    }

    async fn user(&self, ctx: &Context<'_>) -> Option<UserNode> {
        user(ctx, self.0.user.as_deref()?)
    }
}

/// The possible states of an issue.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum IssueState {
    Closed,
    Open,
}

/// The possible state reasons of an issue.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum IssueStateReason {
    Completed,
    Duplicate,
    NotPlanned,
    Reopened,
}

/// The possible item types found in a timeline.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum IssueTimelineItemsItemType {
    AssignedEvent,
    ClosedEvent,
    IssueComment,
    LabeledEvent,
    ReopenedEvent,
    UnassignedEvent,
    UnlabeledEvent,
}

/// An Issue is a place to discuss ideas, enhancements, tasks, and bugs for a project.
#[derive(Clone)]
pub struct IssueNode {
    repo: Arc<RepoContent>,
    index: usize,
}

impl IssueNode {
    fn issue(&self) -> &content::Ticket {
        &self.repo.issues[self.index]
    }
}

/// An Issue is a place to discuss ideas, enhancements, tasks, and bugs for a project.
#[Object(name = "Issue")]
impl IssueNode {
    /// A list of Users assigned to this object.
    async fn assignees(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> Result<UserConnection, Error> {
        users(ctx, "assignees", &self.issue().assignees, after, first)
    }

    async fn author(&self, ctx: &Context<'_>) -> Option<Actor> {
        actor(ctx, &self.issue().author)
    }

    async fn closed_at(&self) -> Option<GhDateTime> {
        self.issue().closed_at.map(GhDateTime)
    }

    /// A list of comments associated with the Issue.
    async fn comments(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> Result<IssueCommentConnection, Error> {
        comments(ctx, &self.issue().comments, after, first)
    }

    async fn created_at(&self) -> GhDateTime {
        GhDateTime(self.issue().created_at)
    }

    async fn id(&self) -> ID {
        ID(self.issue().node_id.clone())
    }

    /// A list of labels associated with the object.
    async fn labels(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> Result<Option<LabelConnection>, Error> {
        labels(ctx, &self.issue().labels, after, first).map(Some)
    }

    async fn number(&self) -> i32 {
        self.issue().number as i32
    }

    async fn state(&self) -> IssueState {
        match self.issue().state {
            content::TicketState::Open => IssueState::Open,
            content::TicketState::Closed => IssueState::Closed,
        }
    }

    async fn state_reason(&self) -> Option<IssueStateReason> {
        Some(match self.issue().state_reason? {
            "COMPLETED" => IssueStateReason::Completed,
            "DUPLICATE" => IssueStateReason::Duplicate,
            "REOPENED" => IssueStateReason::Reopened,
            _ => IssueStateReason::NotPlanned,
        })
    }

    /// A list of events, comments, commits, etc. associated with the issue.
    async fn timeline_items(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
        item_types: Option<Vec<IssueTimelineItemsItemType>>,
    ) -> Result<IssueTimelineItemsConnection, Error> {
        use IssueTimelineItemsItemType as T;
        use content::TicketEventKind as K;
        let wanted = |item: &TimelineItem<'_>| {
            let Some(types) = &item_types else {
                return true;
            };
            let ty = match item {
                TimelineItem::Comment(_) => T::IssueComment,
                TimelineItem::Event(e) => match e.kind {
                    K::Closed => T::ClosedEvent,
                    K::Reopened => T::ReopenedEvent,
                    K::Assigned => T::AssignedEvent,
                    K::Unassigned => T::UnassignedEvent,
                    K::Labeled => T::LabeledEvent,
                    K::Unlabeled => T::UnlabeledEvent,
                },
            };
            types.contains(&ty)
        };
        let items: Vec<TimelineItem<'_>> =
            self.issue().timeline().into_iter().filter(wanted).collect();
        let window = window(ctx, "timelineItems", items.len(), first, after)?;
        Ok(IssueTimelineItemsConnection::new(window, |i| {
            timeline_item(ctx, items[i])
        }))
    }

    async fn title(&self) -> String {
        self.issue().title.clone()
    }

    async fn updated_at(&self) -> GhDateTime {
        GhDateTime(self.issue().updated_at)
    }
}

/// Types that can be assigned to issues.
#[derive(Union)]
pub enum Assignee {
    Bot(Bot),
    Mannequin(Mannequin),
    Organization(OrganizationNode),
    User(UserNode),
}

/// An item in an issue timeline
#[derive(Union)]
pub enum IssueTimelineItems {
    AssignedEvent(AssignedEvent),
    ClosedEvent(ClosedEvent),
    IssueComment(IssueComment),
    LabeledEvent(LabeledEvent),
    ReopenedEvent(ReopenedEvent),
    UnassignedEvent(UnassignedEvent),
    UnlabeledEvent(UnlabeledEvent),
}

/// Declares a timeline event type: `actor`, `createdAt`, `id`, plus its subject field.
macro_rules! timeline_event {
    ($name:ident) => {
        #[derive(SimpleObject)]
        pub struct $name {
            actor: Option<Actor>,
            created_at: GhDateTime,
            id: ID,
        }
    };
    ($name:ident, $field:ident: $ty:ty) => {
        #[derive(SimpleObject)]
        pub struct $name {
            actor: Option<Actor>,
            created_at: GhDateTime,
            id: ID,
            $field: $ty,
        }
    };
}

timeline_event!(ClosedEvent);
timeline_event!(ReopenedEvent);
timeline_event!(AssignedEvent, assignee: Option<Assignee>);
timeline_event!(UnassignedEvent, assignee: Option<Assignee>);
timeline_event!(LabeledEvent, label: Label);
timeline_event!(UnlabeledEvent, label: Label);

fn timeline_item(ctx: &Context<'_>, item: TimelineItem<'_>) -> IssueTimelineItems {
    use content::TicketEventKind as K;
    let e = match item {
        TimelineItem::Comment(c) => {
            return IssueTimelineItems::IssueComment(IssueComment(comment_node(ctx, c)));
        }
        TimelineItem::Event(e) => e,
    };
    let actor = actor(ctx, &e.actor);
    let created_at = GhDateTime(e.created_at);
    let id = ID(e.node_id.clone());
    let subject = e.subject.clone().unwrap_or_default();
    let assignee = || user(ctx, &subject).map(Assignee::User);
    let label = || Label {
        name: subject.clone(),
    };
    match e.kind {
        K::Closed => IssueTimelineItems::ClosedEvent(ClosedEvent {
            actor,
            created_at,
            id,
        }),
        K::Reopened => IssueTimelineItems::ReopenedEvent(ReopenedEvent {
            actor,
            created_at,
            id,
        }),
        K::Assigned => IssueTimelineItems::AssignedEvent(AssignedEvent {
            actor,
            created_at,
            id,
            assignee: assignee(),
        }),
        K::Unassigned => IssueTimelineItems::UnassignedEvent(UnassignedEvent {
            actor,
            created_at,
            id,
            assignee: assignee(),
        }),
        K::Labeled => IssueTimelineItems::LabeledEvent(LabeledEvent {
            actor,
            created_at,
            id,
            label: label(),
        }),
        K::Unlabeled => IssueTimelineItems::UnlabeledEvent(UnlabeledEvent {
            actor,
            created_at,
            id,
            label: label(),
        }),
    }
}
