//! `PullRequest` with its commits, reviews, review requests, review threads and
//! reactions, and `Repository.pullRequests`.

use std::sync::Arc;

use async_graphql::{Context, Enum, Error, ID, Object, SimpleObject};

use super::accounts::UserNode;
use super::actors::{Actor, UserConnection, actor, user, users};
use super::comments::{IssueCommentConnection, PullRequestReviewComment, comment_node, comments};
use super::commits::{CommitAt, CommitNode};
use super::context::gql;
use super::labels::{LabelConnection, labels};
use super::ordering::{IssueOrder, IssueOrderField, ordered};
use super::paging::{Bounds, connection, window};
use super::pull_timeline::{
    PullRequestTimelineItemsConnection, PullRequestTimelineItemsItemType, timeline_items,
};
use super::reviewers::{RequestedReviewer, requested_reviewer};
use super::scalars::GhDateTime;
use crate::content::{self, RepoContent};

connection!(PullRequestConnection, PullRequestNode);

connection!(ReviewRequestConnection, ReviewRequest);

connection!(PullRequestCommitConnection, PullRequestCommitNode);

connection!(PullRequestReviewConnection, PullRequestReview);

connection!(PullRequestReviewThreadConnection, PullRequestReviewThread);

connection!(PullRequestReviewCommentConnection, PullRequestReviewComment);

connection!(ReactionConnection, Reaction);

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
    pub(super) repo: Arc<RepoContent>,
    pub(super) index: usize,
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

    pub(super) async fn id(&self) -> ID {
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

    /// The actor who merged the pull request.
    async fn merged_by(&self, ctx: &Context<'_>) -> Option<Actor> {
        actor(ctx, &self.pr().merged_by)
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
                requested_reviewer: requested_reviewer(ctx, &list[i]),
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

    /// A list of reviews associated with the pull request. (Pending reviews show only
    /// to their author, the viewer.)
    async fn reviews(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> Result<Option<PullRequestReviewConnection>, Error> {
        let list = &self.pr().reviews;
        let seen = self
            .pr()
            .reviews_seen_by(Some(gql(ctx)?.principal.user.login.as_str()));
        let window = window(ctx, "reviews", seen.len(), first, after)?;
        Ok(Some(PullRequestReviewConnection::new(window, |i| {
            let review = &list[seen[i]];
            PullRequestReview {
                review: review.clone(),
                author: actor(ctx, &review.author),
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

    /// A list of events, comments, commits, etc. associated with the pull request.
    #[allow(clippy::too_many_arguments)]
    async fn timeline_items(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        item_types: Option<Vec<PullRequestTimelineItemsItemType>>,
        last: Option<i32>,
        since: Option<GhDateTime>,
        skip: Option<i32>,
    ) -> Result<PullRequestTimelineItemsConnection, Error> {
        let bounds = Bounds {
            after,
            before,
            first,
            last,
            skip,
        };
        timeline_items(ctx, self.pr(), item_types, since.map(|s| s.0), bounds)
    }

    async fn title(&self) -> String {
        self.pr().title.clone()
    }

    async fn updated_at(&self) -> GhDateTime {
        GhDateTime(self.pr().updated_at)
    }
}

/// A request for a user to review a pull request.
#[derive(SimpleObject)]
pub struct ReviewRequest {
    pub(super) requested_reviewer: Option<RequestedReviewer>,
}

/// Represents a Git commit part of a pull request.
#[derive(SimpleObject)]
#[graphql(name = "PullRequestCommit")]
pub struct PullRequestCommitNode {
    pub(super) commit: CommitNode,
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
    pub(super) review: content::Review,
    pub(super) author: Option<Actor>,
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

    pub(super) async fn id(&self) -> ID {
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
    pub(super) repo: Arc<RepoContent>,
    pub(super) pull: usize,
    pub(super) index: usize,
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

    pub(super) async fn id(&self) -> ID {
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
pub struct Reaction(pub(super) content::Reaction);

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

    pub(super) async fn id(&self) -> ID {
        ID(self.0.node_id.clone())
    }

    async fn user(&self, ctx: &Context<'_>) -> Option<UserNode> {
        user(ctx, self.0.user.as_deref()?)
    }
}
