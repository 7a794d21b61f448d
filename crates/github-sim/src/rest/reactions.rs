//! Reactions (`content` filter, oldest first) of an issue or a pull request (as
//! the issue it also is), of an issue comment and of a review comment. The
//! simulator's content has reactions on pull requests only: the others list none.

use crate::call::Call;
use crate::content::Reaction;
use crate::reply::Reply;
use crate::rest_paging::paginate_with;

use super::access::RepoAt;
use super::index::Item;
use super::shapes::{reaction, reaction_content};

const CONTENTS: &[&str] = &[
    "+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes",
];

fn listing(call: &Call, at: &RepoAt, reactions: &[Reaction]) -> Reply {
    // The description lists no 422 here: a `content` GitHub does not know filters nothing.
    let content = call.param("content").filter(|c| CONTENTS.contains(c));
    let shown: Vec<&Reaction> = reactions
        .iter()
        .filter(|r| content.is_none_or(|c| reaction_content(r.content) == c))
        .collect();
    let scene = at.scene(call);
    paginate_with(call, shown.len(), |range| {
        shown[range].iter().map(|r| reaction(&scene, r)).collect()
    })
}

pub(crate) fn for_issue(call: &Call, at: &RepoAt, number: i64) -> Reply {
    match at.index.by_number.get(&number) {
        Some(Item::Pull(k)) => listing(call, at, &at.index.pull(*k).reactions),
        Some(Item::Issue(_)) => listing(call, at, &[]),
        None => Reply::not_found(),
    }
}

pub(crate) fn for_issue_comment(call: &Call, at: &RepoAt, id: i64) -> Reply {
    match at.index.issue_comment_ids.get(&id) {
        Some(_) => listing(call, at, &[]),
        None => Reply::not_found(),
    }
}

pub(crate) fn for_review_comment(call: &Call, at: &RepoAt, id: i64) -> Reply {
    match at.index.review_comment_ids.get(&id) {
        Some(_) => listing(call, at, &[]),
        None => Reply::not_found(),
    }
}
