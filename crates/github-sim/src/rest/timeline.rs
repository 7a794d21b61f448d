//! Events: the repository's issue events (`GET /repos/{o}/{r}/issues/events`,
//! newest first, each with its `issue`) and one issue's or pull request's
//! timeline (`GET /repos/{o}/{r}/issues/{n}/timeline`, oldest first: its events,
//! comments as `commented`, and for a pull request its submitted reviews as
//! `reviewed` and commits as `committed`).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::call::Call;
use crate::content::ReviewState;
use crate::hooks::payloads::{Scene, comment_json, database_id, review_json};
use crate::reply::Reply;
use crate::rest_paging::paginate_with;

use super::access::RepoAt;
use super::index::{EventAt, Item};
use super::issues::item_json;
use super::shapes::{pull_event, ticket_event, user_or_ghost};

fn event_json(scene: &Scene, at: &RepoAt, (item, e): EventAt) -> Value {
    match item {
        Item::Issue(k) => ticket_event(scene, &at.index.issue(k).events[e]),
        Item::Pull(k) => {
            let p = at.index.pull(k);
            pull_event(scene, p.merge_commit_oid.as_deref(), &p.events[e])
        }
    }
}

/// Every issue and pull request event of the repository, newest first.
pub(crate) fn repo_events(call: &Call, at: &RepoAt) -> Reply {
    let events = &at.index.events;
    let scene = at.scene(call);
    paginate_with(call, events.len(), |range| {
        let newest_first = events.len() - range.end..events.len() - range.start;
        events[newest_first]
            .iter()
            .rev()
            .map(|&ev| {
                let mut v = event_json(&scene, at, ev);
                v["issue"] = item_json(call, at, ev.0);
                v
            })
            .collect()
    })
}

/// One entry of a timeline, built only when its page is.
#[derive(Clone, Copy)]
enum Entry {
    Event(usize),
    Comment(usize),
    Review(usize),
    Commit(usize),
}

pub(crate) fn for_issue(call: &Call, at: &RepoAt, number: i64) -> Reply {
    let Some(&item) = at.index.by_number.get(&number) else {
        return Reply::not_found();
    };
    let index = &at.index;
    let mut entries: Vec<(DateTime<Utc>, i64, Entry)> = Vec::new();
    let comments = index.conversation(item);
    entries.extend(
        comments
            .iter()
            .enumerate()
            .map(|(k, c)| (c.created_at, database_id(&c.node_id), Entry::Comment(k))),
    );
    match item {
        Item::Issue(k) => {
            let t = index.issue(k);
            entries.extend(
                t.events
                    .iter()
                    .enumerate()
                    .map(|(e, ev)| (ev.created_at, database_id(&ev.node_id), Entry::Event(e))),
            );
        }
        Item::Pull(k) => {
            let p = index.pull(k);
            entries.extend(
                p.events
                    .iter()
                    .enumerate()
                    .map(|(e, ev)| (ev.created_at, database_id(&ev.node_id), Entry::Event(e))),
            );
            entries.extend(p.reviews.iter().enumerate().filter_map(|(r, review)| {
                let submitted = review
                    .submitted_at
                    .filter(|_| review.state != ReviewState::Pending)?;
                Some((submitted, database_id(&review.node_id), Entry::Review(r)))
            }));
            entries.extend(
                p.commits
                    .iter()
                    .enumerate()
                    .map(|(c, commit)| (commit.committed_at, 0, Entry::Commit(c))),
            );
        }
    }
    entries.sort_by_key(|(at, id, _)| (*at, *id));
    let scene = at.scene(call);
    paginate_with(call, entries.len(), |range| {
        entries[range]
            .iter()
            .map(|(_, _, entry)| timeline_entry(&scene, at, item, number, entry))
            .collect()
    })
}

fn timeline_entry(scene: &Scene, at: &RepoAt, item: Item, number: i64, entry: &Entry) -> Value {
    let index = &at.index;
    match (*entry, item) {
        (Entry::Event(e), _) => event_json(scene, at, (item, e)),
        (Entry::Comment(k), _) => {
            let c = &index.conversation(item)[k];
            let mut v = comment_json(scene, number, c);
            let who = user_or_ghost(scene, c.author.as_ref());
            v["event"] = json!("commented");
            v["actor"] = who.clone();
            v["user"] = who;
            v
        }
        (Entry::Review(r), Item::Pull(p)) => {
            let pr = index.pull(p);
            let review = &pr.reviews[r];
            let mut v = review_json(scene, pr, review);
            v["event"] = json!("reviewed");
            v["user"] = user_or_ghost(scene, review.author.as_ref());
            v["commit_id"] = json!(pr.commits.last().map_or("", |c| c.oid.as_str()));
            v
        }
        (Entry::Commit(k), Item::Pull(p)) => {
            let pr = index.pull(p);
            let parent = k.checked_sub(1).map(|j| pr.commits[j].oid.as_str());
            let listed = super::shapes::pull_commit(scene, &pr.commits[k], parent);
            // The timeline flattens the git commit into the entry.
            let mut v = listed["commit"].clone();
            v["event"] = json!("committed");
            v["sha"] = listed["sha"].clone();
            v["node_id"] = listed["node_id"].clone();
            v["html_url"] = listed["html_url"].clone();
            v["parents"] = listed["parents"].clone();
            v
        }
        _ => Value::Null,
    }
}
