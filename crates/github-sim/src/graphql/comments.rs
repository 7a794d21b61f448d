//! Issue comments and review comments, which answer the same fields.

use async_graphql::{Context, Error, ID, Object};

use super::actors::{Actor, actor};
use super::paging::{connection, window};
use super::scalars::GhDateTime;
use crate::content::{self};

connection!(IssueCommentConnection, IssueComment);

pub(super) fn comments(
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
    pub(super) author: Option<Actor>,
    pub(super) body: String,
    pub(super) created_at: GhDateTime,
    pub(super) id: ID,
}

pub(super) fn comment_node(ctx: &Context<'_>, c: &content::Comment) -> CommentFields {
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
        pub struct $name(pub(super) CommentFields);

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

            /// The simulator edits no comment: GitHub answers `createdAt` for one never
            /// edited.
            async fn updated_at(&self) -> &GhDateTime {
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
