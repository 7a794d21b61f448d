//! `node(id:)` for the content objects the importer's follow-up queries reach.

use async_graphql::{Context, Error, ID, Interface};

use super::context::{gh_error, gql, viewer_can_see};
use super::issues::IssueNode;
use super::pulls::{PullRequestNode, PullRequestReviewThread};
use crate::content::NodeRef;

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
        .is_some_and(|r| viewer_can_see(g, r));
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
