//! `Commit` (default-branch history and pull request commits) and `GitActor`.

use std::sync::Arc;

use async_graphql::{Context, Error, ID, Interface, Object};

use super::accounts::UserNode;
use super::actors::user;
use super::paging::{connection, window};
use super::scalars::{GhDateTime, GitObjectId, GitTimestamp};
use crate::content::{self, RepoContent};

connection!(CommitHistoryConnection, CommitNode);

connection!(CommitConnection, CommitNode);

/// Represents a Git object.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"), field(name = "oid", ty = "GitObjectId"))]
pub enum GitObject {
    Commit(CommitNode),
}

/// A commit of the default branch, or one of a pull request's commits.
#[derive(Clone)]
pub(super) enum CommitAt {
    Branch(usize),
    PullRequest(usize, usize),
}

/// Represents a Git commit.
#[derive(Clone)]
pub struct CommitNode {
    pub(super) repo: Arc<RepoContent>,
    pub(super) at: CommitAt,
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
pub struct GitActor(pub(super) content::GitActor);

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
