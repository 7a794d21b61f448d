//! Comment nodes: conversation comments (on pull requests and issues) and
//! review-thread comments, written by whoever the caller names or by a drawn account.

use chrono::{DateTime, Utc};

use super::builder::RepoBuilder;
use super::model::{Actor, Comment, CommentKind};
use super::people::People;
use super::texts::comment_body;

pub(super) fn comment(
    b: &mut RepoBuilder,
    author: Option<Actor>,
    kind: CommentKind,
    body: &str,
    at: DateTime<Utc>,
) -> Comment {
    Comment {
        node_id: b.node_id(if kind == CommentKind::Conversation {
            "IC"
        } else {
            "PRRC"
        }),
        kind,
        author,
        body: body.to_string(),
        created_at: at,
    }
}

/// A comment by a drawn account (people, bots, deleted accounts) of a drawn length.
pub(super) fn drawn_comment(
    b: &mut RepoBuilder,
    people: &People,
    kind: CommentKind,
    at: DateTime<Utc>,
) -> Comment {
    let body = comment_body(b);
    let author = people.actor(&mut b.rng);
    comment(b, author, kind, &body, at)
}
