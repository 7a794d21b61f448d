//! Issues as REST lists them — issues and pull requests alike, a pull request with
//! a `pull_request` key — with `state`, `since`, `labels`, `creator`, `assignee`,
//! `sort` and `direction`, paged with cursors on large repositories; and issue
//! comments, of one issue or of the whole repository.

use serde_json::Value;

use crate::call::Call;
use crate::content::{PullRequestState, TicketState};
use crate::hooks::payloads::{comment_json, issue_json, pr_issue_json};
use crate::reply::Reply;
use crate::rest_paging::CursorPaging;

use super::access::RepoAt;
use super::index::Item;
use super::params::{choice, comment_listing, descending, ordered, state, time};
use super::shapes::reactions_rollup;

const LIST_DOCS: &str = "https://docs.github.com/rest/issues/issues#list-repository-issues";
const COMMENTS_DOCS: &str =
    "https://docs.github.com/rest/issues/comments#list-issue-comments-for-a-repository";

/// An issue or a pull request as the issues listing shows it.
pub(crate) fn item_json(call: &Call, at: &RepoAt, item: Item) -> Value {
    let scene = at.scene(call);
    match item {
        Item::Issue(k) => issue_json(&scene, at.index.issue(k)),
        Item::Pull(k) => {
            let p = at.index.pull(k);
            let mut v = pr_issue_json(&scene, p);
            let url = v["url"].as_str().unwrap_or_default().to_string();
            v["reactions"] = reactions_rollup(&url, &p.reactions);
            v
        }
    }
}

struct Facts<'a> {
    open: bool,
    author: Option<&'a str>,
    labels: &'a [String],
    assignees: &'a [String],
    comments: usize,
}

fn facts(at: &RepoAt, item: Item) -> Facts<'_> {
    match item {
        Item::Issue(k) => {
            let t = at.index.issue(k);
            Facts {
                open: t.state == TicketState::Open,
                author: t.author.as_ref().map(|a| a.login.as_str()),
                labels: &t.labels,
                assignees: &t.assignees,
                comments: t.comments.len(),
            }
        }
        Item::Pull(k) => {
            let p = at.index.pull(k);
            Facts {
                open: p.state == PullRequestState::Open,
                author: p.author.as_ref().map(|a| a.login.as_str()),
                labels: &p.labels,
                assignees: &p.assignees,
                comments: p.comments.len(),
            }
        }
    }
}

pub(crate) fn list(call: &Call, at: &RepoAt) -> Reply {
    let checked = (|| {
        let state = state(call, Some(LIST_DOCS))?;
        let sort = choice(
            call,
            "sort",
            &["created", "updated", "comments"],
            "created",
            Some(LIST_DOCS),
        )?;
        let desc = descending(call, true, Some(LIST_DOCS))?;
        Ok::<_, Reply>((state, sort, desc, time(call, "since", Some(LIST_DOCS))?))
    })();
    let (state, sort, desc, since) = match checked {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let labels: Vec<&str> = call
        .param("labels")
        .map(|l| {
            l.split(',')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let creator = call.param("creator");
    let assignee = call.param("assignee");
    let index = &at.index;
    let chosen: Vec<Item> = index
        .items
        .iter()
        .copied()
        .filter(|&item| {
            let f = facts(at, item);
            (state == "all" || f.open == (state == "open"))
                && since.is_none_or(|s| index.updated_at(item) >= s)
                && labels.iter().all(|l| f.labels.iter().any(|have| have == l))
                && creator.is_none_or(|c| f.author.is_some_and(|a| a.eq_ignore_ascii_case(c)))
                && match assignee {
                    None => true,
                    Some("none") => f.assignees.is_empty(),
                    Some("*") => !f.assignees.is_empty(),
                    Some(a) => f.assignees.iter().any(|have| have.eq_ignore_ascii_case(a)),
                }
        })
        .collect();
    // `items` is in number (creation) order; ties of the other keys fall back to it.
    let items = ordered(chosen, desc, |item| {
        let (updated, comments) = match sort {
            "updated" => (Some(index.updated_at(item)), 0),
            "comments" => (None, facts(at, item).comments),
            _ => (None, 0),
        };
        (
            comments,
            updated,
            index.created_at(item),
            crate::hooks::payloads::database_id(index.node_id(item)),
        )
    });
    let keys: Vec<i64> = items
        .iter()
        .map(|&item| crate::hooks::payloads::database_id(index.node_id(item)))
        .collect();
    let paging = CursorPaging {
        keys: &keys,
        docs: LIST_DOCS,
    };
    paging.reply(call, |range| {
        items[range]
            .iter()
            .map(|&item| item_json(call, at, item))
            .collect()
    })
}

/// Conversation comments of issue or pull request `number`, or of the whole repository.
pub(crate) fn comments(call: &Call, at: &RepoAt, number: Option<i64>) -> Reply {
    let item = match number {
        Some(n) => match at.index.by_number.get(&n) {
            Some(item) => Some(*item),
            None => return Reply::not_found(),
        },
        None => None,
    };
    // One issue's comments take `since` only and come oldest first; only the
    // repository's listing is described as refusing what it does not know.
    let sorts: Option<&[&'static str]> = item.is_none().then_some(&["created", "updated"]);
    let refuse = item.is_none().then_some(COMMENTS_DOCS);
    let index = &at.index;
    let scene = at.scene(call);
    comment_listing(
        call,
        &index.issue_comments,
        |(on, _)| item.is_none_or(|i| on == i),
        |(on, k)| index.conversation(on)[k].created_at,
        sorts,
        refuse,
        |(on, k)| {
            let number = match on {
                Item::Issue(i) => index.issue(i).number,
                Item::Pull(p) => index.pull(p).number,
            };
            comment_json(&scene, number, &index.conversation(on)[k])
        },
    )
}
