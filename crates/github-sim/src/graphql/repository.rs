//! `Repository` and its default branch `Ref`: the entry to a repository's content.

use std::sync::Arc;

use async_graphql::{Context, Error, ID, Object, SimpleObject};

use super::accounts::{OrganizationNode, RepositoryOwner, UserNode};
use super::commits::{CommitNode, GitObject};
use super::context::gql;
use super::issues::{IssueConnection, IssueFilters, issues};
use super::ordering::IssueOrder;
use super::pulls::{PullRequestConnection, pull_requests};
use super::repositories::RepositoryNode;
use super::scalars::{GhDateTime, Uri};
use crate::dataset::OwnerType;
use crate::ids;

/// A repository contains the content for a project.
#[Object(name = "Repository")]
impl RepositoryNode {
    async fn database_id(&self) -> Option<i32> {
        i32::try_from(self.0.id).ok()
    }

    /// Identifies the date and time when the object was created.
    async fn created_at(&self) -> GhDateTime {
        GhDateTime(self.0.created_at)
    }

    async fn default_branch_ref(&self, ctx: &Context<'_>) -> Result<Option<RefNode>, Error> {
        let qualified = format!("refs/heads/{}", self.0.default_branch);
        let head = gql(ctx)?
            .content
            .repos
            .get(&self.0.id)
            .cloned()
            .and_then(CommitNode::head);
        Ok(Some(RefNode {
            id: ID(ids::ref_node_id(self.0.id, &qualified)),
            name: self.0.default_branch.clone(),
            target: head.map(GitObject::Commit),
        }))
    }

    async fn id(&self) -> ID {
        ID(self.0.node_id.clone())
    }

    async fn is_archived(&self) -> bool {
        self.0.archived
    }

    async fn is_fork(&self) -> bool {
        self.0.fork
    }

    async fn is_private(&self) -> bool {
        self.0.private
    }

    /// A list of issues that have been opened in the repository.
    async fn issues(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        filter_by: Option<IssueFilters>,
        first: Option<i32>,
        order_by: Option<IssueOrder>,
    ) -> Result<IssueConnection, Error> {
        let repo = self.content(ctx)?;
        issues(ctx, repo, after, filter_by, first, order_by)
    }

    async fn name(&self) -> String {
        self.0.name.clone()
    }

    async fn name_with_owner(&self) -> String {
        self.0.full_name()
    }

    async fn owner(&self, ctx: &Context<'_>) -> Result<RepositoryOwner, Error> {
        let g = gql(ctx)?;
        let owner = match self.0.owner_type {
            OwnerType::Organization => g
                .dataset
                .org(&self.0.owner)
                .map(|o| RepositoryOwner::Organization(OrganizationNode(o.clone()))),
            OwnerType::User => g
                .dataset
                .user(&self.0.owner)
                .map(|u| RepositoryOwner::User(UserNode(u.clone()))),
        };
        owner.ok_or_else(|| Error::new("Something went wrong while executing your query."))
    }

    /// A list of pull requests that have been opened in the repository.
    async fn pull_requests(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
        order_by: Option<IssueOrder>,
    ) -> Result<PullRequestConnection, Error> {
        let repo = self.content(ctx)?;
        pull_requests(ctx, repo, after, first, order_by)
    }

    async fn pushed_at(&self) -> Option<GhDateTime> {
        Some(GhDateTime(self.0.pushed_at))
    }

    async fn url(&self, ctx: &Context<'_>) -> Result<Uri, Error> {
        Ok(Uri(format!("{}/{}", gql(ctx)?.base, self.0.full_name())))
    }
}

impl RepositoryNode {
    fn content(&self, ctx: &Context<'_>) -> Result<Arc<crate::content::RepoContent>, Error> {
        gql(ctx)?
            .content
            .repos
            .get(&self.0.id)
            .cloned()
            .ok_or_else(|| Error::new("Something went wrong while executing your query."))
    }
}

/// Represents a Git reference.
#[derive(SimpleObject)]
#[graphql(name = "Ref")]
pub struct RefNode {
    pub(super) id: ID,
    pub(super) name: String,
    /// The object the ref points to. Returns null when object does not exist.
    pub(super) target: Option<GitObject>,
}
