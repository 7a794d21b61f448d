//! What REST listings of one repository need besides its content: the orders GitHub
//! lists things in, and lookups by number, sha and id. Built once per version of a
//! repository's content (a `/_sim/mutate` swaps the version in) and kept until the
//! next one, so a page costs the page, not a sort of the repository.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use crate::content::{Comment, PullRequest, RepoContent, Ticket};
use crate::ids;

/// An issue of the repository as REST sees them: an issue or a pull request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Item {
    Issue(usize),
    Pull(usize),
}

/// Where a commit sits: on the default branch, or only on a pull request's branch.
#[derive(Clone, Copy, Debug)]
pub(crate) enum CommitAt {
    Default(usize),
    Pull(usize, usize),
}

/// A conversation comment: the item it is on and its position there.
pub(crate) type IssueCommentAt = (Item, usize);
/// A review comment: pull request, thread, position in the thread.
pub(crate) type ReviewCommentAt = (usize, usize, usize);

/// A timeline event of an issue or a pull request: the item and the event's position.
pub(crate) type EventAt = (Item, usize);

pub(crate) struct RepoIndex {
    pub content: Arc<RepoContent>,
    /// Issues and pull requests by number (which is creation order).
    pub items: Vec<Item>,
    pub by_number: HashMap<i64, Item>,
    pub commits: HashMap<String, CommitAt>,
    /// Every conversation comment of issues and pull requests, oldest first (ties by id).
    pub issue_comments: Vec<IssueCommentAt>,
    pub issue_comment_ids: HashMap<i64, IssueCommentAt>,
    /// Every review comment, oldest first (ties by id).
    pub review_comments: Vec<ReviewCommentAt>,
    pub review_comment_ids: HashMap<i64, ReviewCommentAt>,
    /// Every issue and pull request event, oldest first (ties by id).
    pub events: Vec<EventAt>,
}

impl RepoIndex {
    fn build(content: Arc<RepoContent>) -> RepoIndex {
        let c = &*content;
        let mut items: Vec<Item> = (0..c.issues.len())
            .map(Item::Issue)
            .chain((0..c.pull_requests.len()).map(Item::Pull))
            .collect();
        items.sort_by_key(|i| number(c, *i));
        let by_number = items.iter().map(|i| (number(c, *i), *i)).collect();

        let mut commits: HashMap<String, CommitAt> = HashMap::new();
        for (p, pr) in c.pull_requests.iter().enumerate() {
            for (k, commit) in pr.commits.iter().enumerate() {
                commits.insert(commit.oid.clone(), CommitAt::Pull(p, k));
            }
        }
        // The default branch wins where a commit is on both.
        for (k, commit) in c.commits.iter().enumerate() {
            commits.insert(commit.oid.clone(), CommitAt::Default(k));
        }

        let mut issue_comments: Vec<IssueCommentAt> = items
            .iter()
            .flat_map(|i| (0..conversation(c, *i).len()).map(move |k| (*i, k)))
            .collect();
        issue_comments.sort_by_key(|(i, k)| key(&conversation(c, *i)[*k]));
        let issue_comment_ids = issue_comments
            .iter()
            .map(|at| (comment_id(&conversation(c, at.0)[at.1]), *at))
            .collect();

        let mut review_comments: Vec<ReviewCommentAt> = Vec::new();
        for (p, pr) in c.pull_requests.iter().enumerate() {
            for (t, thread) in pr.review_threads.iter().enumerate() {
                review_comments.extend((0..thread.comments.len()).map(|k| (p, t, k)));
            }
        }
        review_comments.sort_by_key(|at| key(review_comment(c, *at)));
        let review_comment_ids = review_comments
            .iter()
            .map(|at| (comment_id(review_comment(c, *at)), *at))
            .collect();

        let mut events: Vec<EventAt> = items
            .iter()
            .flat_map(|i| {
                let n = match *i {
                    Item::Issue(k) => c.issues[k].events.len(),
                    Item::Pull(k) => c.pull_requests[k].events.len(),
                };
                (0..n).map(move |e| (*i, e))
            })
            .collect();
        events.sort_by_key(|at| event_key(c, *at));

        RepoIndex {
            items,
            by_number,
            commits,
            issue_comments,
            issue_comment_ids,
            review_comments,
            review_comment_ids,
            events,
            content,
        }
    }

    pub fn issue(&self, k: usize) -> &Ticket {
        &self.content.issues[k]
    }

    pub fn pull(&self, k: usize) -> &PullRequest {
        &self.content.pull_requests[k]
    }

    pub fn pull_number(&self, number: i64) -> Option<&PullRequest> {
        match self.by_number.get(&number)? {
            Item::Pull(k) => Some(self.pull(*k)),
            Item::Issue(_) => None,
        }
    }

    pub fn conversation(&self, item: Item) -> &[Comment] {
        conversation(&self.content, item)
    }

    pub fn review_comment(&self, at: ReviewCommentAt) -> &Comment {
        review_comment(&self.content, at)
    }

    pub fn updated_at(&self, item: Item) -> DateTime<Utc> {
        match item {
            Item::Issue(k) => self.issue(k).updated_at,
            Item::Pull(k) => self.pull(k).updated_at,
        }
    }

    pub fn created_at(&self, item: Item) -> DateTime<Utc> {
        match item {
            Item::Issue(k) => self.issue(k).created_at,
            Item::Pull(k) => self.pull(k).created_at,
        }
    }

    pub fn node_id(&self, item: Item) -> &str {
        match item {
            Item::Issue(k) => &self.issue(k).node_id,
            Item::Pull(k) => &self.pull(k).node_id,
        }
    }

    /// A commit by full sha or an unambiguous prefix of at least 7 characters, as
    /// GitHub resolves them.
    pub fn commit(&self, sha: &str) -> Option<CommitAt> {
        if let Some(at) = self.commits.get(sha) {
            return Some(*at);
        }
        if sha.len() < 7 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut found = self.commits.iter().filter(|(oid, _)| oid.starts_with(sha));
        match (found.next(), found.next()) {
            (Some((_, at)), None) => Some(*at),
            _ => None,
        }
    }
}

fn number(c: &RepoContent, item: Item) -> i64 {
    match item {
        Item::Issue(k) => c.issues[k].number,
        Item::Pull(k) => c.pull_requests[k].number,
    }
}

fn conversation(c: &RepoContent, item: Item) -> &[Comment] {
    match item {
        Item::Issue(k) => &c.issues[k].comments,
        Item::Pull(k) => &c.pull_requests[k].comments,
    }
}

fn review_comment(c: &RepoContent, (p, t, k): ReviewCommentAt) -> &Comment {
    &c.pull_requests[p].review_threads[t].comments[k]
}

/// The database id inside a node id: the `id` REST answers with.
pub(crate) fn comment_id(c: &Comment) -> i64 {
    ids::database_id(&c.node_id).unwrap_or_default()
}

fn key(c: &Comment) -> (DateTime<Utc>, i64) {
    (c.created_at, comment_id(c))
}

fn event_key(c: &RepoContent, (item, e): EventAt) -> (DateTime<Utc>, i64) {
    let (at, node) = match item {
        Item::Issue(k) => (
            c.issues[k].events[e].created_at,
            &c.issues[k].events[e].node_id,
        ),
        Item::Pull(k) => (
            c.pull_requests[k].events[e].created_at,
            &c.pull_requests[k].events[e].node_id,
        ),
    };
    (at, ids::database_id(node).unwrap_or_default())
}

/// The index of each repository's current content, rebuilt when its content changes.
#[derive(Default)]
pub(crate) struct RestIndexes {
    by_repo: Mutex<HashMap<i64, Arc<RepoIndex>>>,
}

impl RestIndexes {
    pub fn get(&self, repo_id: i64, content: &Arc<RepoContent>) -> Arc<RepoIndex> {
        let mut cached = self.by_repo.lock().unwrap_or_else(|e| e.into_inner());
        match cached.get(&repo_id) {
            Some(index) if Arc::ptr_eq(&index.content, content) => index.clone(),
            _ => {
                let index = Arc::new(RepoIndex::build(content.clone()));
                cached.insert(repo_id, index.clone());
                index
            }
        }
    }
}
