//! How a pull request moves on GitHub and the timeline event each move leaves, so its
//! state, `closedAt`, `mergedAt`, `mergedBy`, `isDraft`, review requests and events
//! always agree: a merge is a `MERGED` and a `CLOSED` event at the same instant by the
//! merger; a reopen follows a close; `closedAt` is the last close and is cleared by a
//! reopen; only an open pull request that is not a draft can be merged. Generation and
//! `/_sim/mutate` both go through here, and refuse what GitHub refuses.

use chrono::{DateTime, Utc};

use super::builder::RepoBuilder;
use super::model::{
    Actor, PullRequest, PullRequestEvent, PullRequestEventKind as Kind, PullRequestState, Reviewer,
};

impl PullRequest {
    /// Closes an open pull request without merging it.
    pub(crate) fn close(
        &mut self,
        b: &mut RepoBuilder,
        by: Option<Actor>,
        at: DateTime<Utc>,
    ) -> Result<String, String> {
        self.must_be_open("closed")?;
        self.state = PullRequestState::Closed;
        self.closed_at = Some(at);
        Ok(self.record(b, Kind::Closed, by, at, None))
    }

    /// Reopens a pull request closed without a merge (a merged one stays merged).
    pub(crate) fn reopen(
        &mut self,
        b: &mut RepoBuilder,
        by: Option<Actor>,
        at: DateTime<Utc>,
    ) -> Result<String, String> {
        match self.state {
            PullRequestState::Closed => {}
            PullRequestState::Open => {
                return Err(format!("Pull request #{} is already open.", self.number));
            }
            PullRequestState::Merged => {
                return Err(format!(
                    "Pull request #{} is merged and cannot be reopened.",
                    self.number
                ));
            }
        }
        self.state = PullRequestState::Open;
        self.closed_at = None;
        Ok(self.record(b, Kind::Reopened, by, at, None))
    }

    /// Merges an open pull request that is ready for review: `MERGED` then `CLOSED`,
    /// both by the merger at the same instant. Answers both events' ids.
    pub(crate) fn merge(
        &mut self,
        b: &mut RepoBuilder,
        by: Option<Actor>,
        at: DateTime<Utc>,
    ) -> Result<[String; 2], String> {
        self.must_be_open("merged")?;
        if self.is_draft {
            return Err(format!(
                "Pull request #{} is still a draft and cannot be merged.",
                self.number
            ));
        }
        self.state = PullRequestState::Merged;
        self.merged_at = Some(at);
        self.closed_at = Some(at);
        self.merged_by = by.clone();
        let merged = self.record(b, Kind::Merged, by.clone(), at, None);
        let closed = self.record(b, Kind::Closed, by, at, None);
        Ok([merged, closed])
    }

    pub(crate) fn mark_ready_for_review(
        &mut self,
        b: &mut RepoBuilder,
        by: Option<Actor>,
        at: DateTime<Utc>,
    ) -> Result<String, String> {
        self.must_be_open("marked ready for review")?;
        if !self.is_draft {
            return Err(format!("Pull request #{} is not a draft.", self.number));
        }
        self.is_draft = false;
        Ok(self.record(b, Kind::ReadyForReview, by, at, None))
    }

    pub(crate) fn convert_to_draft(
        &mut self,
        b: &mut RepoBuilder,
        by: Option<Actor>,
        at: DateTime<Utc>,
    ) -> Result<String, String> {
        self.must_be_open("converted to a draft")?;
        if self.is_draft {
            return Err(format!("Pull request #{} is already a draft.", self.number));
        }
        self.is_draft = true;
        Ok(self.record(b, Kind::ConvertToDraft, by, at, None))
    }

    /// Asks `reviewer` for a review; the request stays pending until removed or
    /// answered by a review ([`PullRequest::answer_review_request`]).
    pub(crate) fn request_review(
        &mut self,
        b: &mut RepoBuilder,
        by: Option<Actor>,
        reviewer: Reviewer,
        at: DateTime<Utc>,
    ) -> String {
        if !self.requested_reviewers.contains(&reviewer) {
            self.requested_reviewers.push(reviewer.clone());
        }
        self.record(b, Kind::ReviewRequested, by, at, Some(reviewer))
    }

    pub(crate) fn remove_review_request(
        &mut self,
        b: &mut RepoBuilder,
        by: Option<Actor>,
        reviewer: Reviewer,
        at: DateTime<Utc>,
    ) -> Result<String, String> {
        let Some(k) = self.requested_reviewers.iter().position(|r| *r == reviewer) else {
            return Err(format!(
                "Pull request #{} has no pending review request for {reviewer:?}.",
                self.number
            ));
        };
        self.requested_reviewers.remove(k);
        Ok(self.record(b, Kind::ReviewRequestRemoved, by, at, Some(reviewer)))
    }

    /// A submitted review answers its author's pending request: GitHub drops the
    /// request from `reviewRequests` and records no event for it.
    pub(crate) fn answer_review_request(&mut self, reviewer: &str) {
        self.requested_reviewers
            .retain(|r| !matches!(r, Reviewer::User(login) if login == reviewer));
    }

    fn must_be_open(&self, what: &str) -> Result<(), String> {
        match self.state {
            PullRequestState::Open => Ok(()),
            PullRequestState::Closed => Err(format!(
                "Pull request #{} is closed and cannot be {what}.",
                self.number
            )),
            PullRequestState::Merged => Err(format!(
                "Pull request #{} is merged and cannot be {what}.",
                self.number
            )),
        }
    }

    /// Appends an event (events are recorded in time order) and bumps `updatedAt`.
    fn record(
        &mut self,
        b: &mut RepoBuilder,
        kind: Kind,
        actor: Option<Actor>,
        at: DateTime<Utc>,
        subject: Option<Reviewer>,
    ) -> String {
        let node_id = b.node_id(kind.node_prefix());
        self.events.push(PullRequestEvent {
            node_id: node_id.clone(),
            kind,
            actor,
            created_at: at,
            subject,
        });
        self.updated_at = self.updated_at.max(at);
        node_id
    }
}
