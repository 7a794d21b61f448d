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

mod issues;
mod pulls;

pub use issues::*;
pub use pulls::*;

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
        until: Option<GitTimestamp>,
    ) -> Result<CommitHistoryConnection, Error> {
        let from = match self.at {
            CommitAt::Branch(i) => i,
            CommitAt::PullRequest(..) => self.repo.commits.len(),
        };
        // Newest first, so commits after `until` are a prefix and commits at or after
        // `since` another one. Both bounds are inclusive, as `git log --since --until`
        // compares the committer date (`date < since` and `date > until` are left out).
        let tail = &self.repo.commits[from.min(self.repo.commits.len())..];
        let end = match since {
            Some(GitTimestamp(since)) => tail.partition_point(|c| c.committed_at >= since),
            None => tail.len(),
        };
        let start = match until {
            Some(GitTimestamp(until)) => tail.partition_point(|c| c.committed_at > until),
            None => 0,
        }
        .min(end);
        let window = window(ctx, "history", end - start, first, after)?;
        let repo = self.repo.clone();
        Ok(CommitHistoryConnection::new(window, |i| CommitNode {
            repo: repo.clone(),
            at: CommitAt::Branch(from + start + i),
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
