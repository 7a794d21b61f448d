//! Payload → import types, so the worker stores a delivery with the import's upserts.

use crate::import::{
    Actor, Comment, CommentKind, PullRequest, PullRequestEvent, PullRequestEventKind,
    PullRequestState, Review, ReviewState, Ticket, TicketState,
};

use super::payload;

impl payload::Account {
    pub fn actor(&self) -> Actor {
        Actor {
            login: self.login.clone(),
            is_bot: self.kind.as_deref() == Some("Bot"),
        }
    }
}

fn actor(account: &Option<payload::Account>) -> Option<Actor> {
    account.as_ref().map(payload::Account::actor)
}

/// `not_planned` → `NOT_PLANNED`: GraphQL's spelling of REST's values.
fn graphql_enum(value: &str) -> String {
    value.to_ascii_uppercase()
}

impl payload::PullRequest {
    /// The pull request alone: its reviews, comments and commits come with their own
    /// events (or the next sync), so they are left as stored.
    pub fn to_import(&self, organization: &str) -> PullRequest {
        let state = if self.merged || self.merged_at.is_some() {
            PullRequestState::Merged
        } else if self.state == "closed" {
            PullRequestState::Closed
        } else {
            PullRequestState::Open
        };
        PullRequest {
            node_id: self.node_id.clone(),
            number: self.number,
            title: self.title.clone(),
            body: self.body.clone(),
            state,
            is_draft: self.draft,
            created_at: self.created_at,
            updated_at: self.updated_at,
            merged_at: self.merged_at,
            closed_at: self.closed_at,
            author: actor(&self.user),
            base_ref: self.base.git_ref.clone(),
            head_ref: self.head.git_ref.clone(),
            additions: self.additions,
            deletions: self.deletions,
            changed_files: self.changed_files,
            merge_commit_oid: self.merge_commit_sha.clone(),
            labels: self.labels.iter().map(|l| l.name.clone()).collect(),
            assignees: self.assignees.iter().map(|a| a.login.clone()).collect(),
            requested_reviewers: self
                .requested_reviewers
                .iter()
                .map(|a| a.login.clone())
                .chain(
                    self.requested_teams
                        .iter()
                        .map(|t| format!("{organization}/{}", t.slug)),
                )
                .collect(),
            commits: Vec::new(),
            reviews: Vec::new(),
            comments: Vec::new(),
            reactions: Vec::new(),
            merged_by: actor(&self.merged_by),
            events: Vec::new(),
        }
    }
}

impl payload::PullRequestEvent {
    /// The pull request with the timeline events its `action` makes: closing (and
    /// merging) by the sender at `closed_at`, reopening, marking ready, converting to
    /// draft, requesting or removing a review request at `updated_at`. A delivery has no
    /// event id; the store keys events by kind and second, so the import's event and
    /// this one are one row.
    pub fn to_import(&self, action: &str, organization: &str) -> PullRequest {
        let mut pr = self.pull_request.to_import(organization);
        let by = actor(&self.sender);
        let now = self.pull_request.updated_at;
        let event = |kind, created_at, subject: Option<String>| PullRequestEvent {
            kind,
            actor: by.clone(),
            created_at,
            subject,
        };
        let subject = self
            .requested_reviewer
            .as_ref()
            .map(|a| a.login.clone())
            .or_else(|| {
                self.requested_team
                    .as_ref()
                    .map(|t| format!("{organization}/{}", t.slug))
            });
        match action {
            "closed" => {
                let at = self.pull_request.closed_at.unwrap_or(now);
                if let Some(merged_at) = self.pull_request.merged_at {
                    let mut merged = event(PullRequestEventKind::Merged, merged_at, None);
                    merged.actor = pr.merged_by.clone().or(merged.actor);
                    pr.events.push(merged);
                }
                pr.events
                    .push(event(PullRequestEventKind::Closed, at, None));
            }
            "reopened" => pr
                .events
                .push(event(PullRequestEventKind::Reopened, now, None)),
            "ready_for_review" => {
                pr.events
                    .push(event(PullRequestEventKind::ReadyForReview, now, None))
            }
            "converted_to_draft" => {
                pr.events
                    .push(event(PullRequestEventKind::ConvertToDraft, now, None))
            }
            "review_requested" => {
                pr.events
                    .push(event(PullRequestEventKind::ReviewRequested, now, subject))
            }
            "review_request_removed" => pr.events.push(event(
                PullRequestEventKind::ReviewRequestRemoved,
                now,
                subject,
            )),
            _ => {}
        }
        pr
    }
}

impl payload::Review {
    pub fn to_import(&self) -> Review {
        let state = match self.state.to_ascii_lowercase().as_str() {
            "approved" => ReviewState::Approved,
            "changes_requested" => ReviewState::ChangesRequested,
            "dismissed" => ReviewState::Dismissed,
            "pending" => ReviewState::Pending,
            _ => ReviewState::Commented,
        };
        Review {
            node_id: self.node_id.clone(),
            state,
            author: actor(&self.user),
            submitted_at: self.submitted_at,
            body: self.body.clone(),
        }
    }
}

impl payload::Comment {
    pub fn to_import(&self, kind: CommentKind) -> Comment {
        Comment {
            node_id: self.node_id.clone(),
            kind,
            author: actor(&self.user),
            body: self.body.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

impl payload::Issue {
    /// The ticket alone: its comments come with `issue_comment` events; its timeline
    /// events have no id in the payload and come with the next sync.
    pub fn to_import(&self) -> Ticket {
        Ticket {
            node_id: self.node_id.clone(),
            number: self.number,
            title: self.title.clone(),
            state: if self.state == "closed" {
                TicketState::Closed
            } else {
                TicketState::Open
            },
            state_reason: self.state_reason.as_deref().map(graphql_enum),
            author: actor(&self.user),
            labels: self.labels.iter().map(|l| l.name.clone()).collect(),
            assignees: self.assignees.iter().map(|a| a.login.clone()).collect(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            closed_at: self.closed_at,
            comments: Vec::new(),
            events: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merged_pull_request_with_teams() {
        let pr: payload::PullRequest = serde_json::from_value(serde_json::json!({
            "node_id": "PR_1", "number": 7, "title": "t", "body": "b", "state": "closed",
            "merged": true, "draft": false,
            "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-02T00:00:00Z",
            "closed_at": "2024-01-02T00:00:00Z", "merged_at": "2024-01-02T00:00:00Z",
            "user": {"login": "dependabot[bot]", "type": "Bot"},
            "base": {"ref": "main"}, "head": {"ref": "f"},
            "additions": 3, "deletions": 1, "changed_files": 2, "merge_commit_sha": "abc",
            "labels": [{"name": "bug"}], "assignees": [{"login": "bob", "type": "User"}],
            "requested_reviewers": [{"login": "carol", "type": "User"}],
            "requested_teams": [{"slug": "platform"}]
        }))
        .unwrap();
        let converted = pr.to_import("acme");
        assert_eq!(converted.state, PullRequestState::Merged);
        assert!(converted.author.unwrap().is_bot);
        assert_eq!(
            converted.requested_reviewers,
            vec!["carol", "acme/platform"]
        );
        assert_eq!((converted.additions, converted.changed_files), (3, 2));
    }

    #[test]
    fn review_and_issue_states_take_graphqls_spelling() {
        let review: payload::Review = serde_json::from_value(serde_json::json!({
            "node_id": "PRR_1", "state": "changes_requested", "user": null,
            "submitted_at": null, "body": null
        }))
        .unwrap();
        assert_eq!(review.to_import().state, ReviewState::ChangesRequested);
        let issue: payload::Issue = serde_json::from_value(serde_json::json!({
            "node_id": "I_1", "number": 1, "title": "t", "state": "closed",
            "state_reason": "not_planned", "user": {"login": "a"}, "labels": [],
            "assignees": null, "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z", "closed_at": "2024-01-01T00:00:00Z"
        }))
        .unwrap();
        let ticket = issue.to_import();
        assert_eq!(ticket.state, TicketState::Closed);
        assert_eq!(ticket.state_reason.as_deref(), Some("NOT_PLANNED"));
        assert!(!issue.is_pull_request());
    }
}
