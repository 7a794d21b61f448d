//! The parts of GitHub's webhook payloads Tributary reads. Every struct ignores
//! fields it does not name, and lists and optional objects GitHub may send as `null`
//! or leave out read as empty.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, de::DeserializeOwned};

/// `null` or absent → the type's default.
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + DeserializeOwned,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// What every payload may carry: the action, and the repository and organization it
/// concerns.
#[derive(Clone, Debug, Deserialize)]
pub struct Envelope {
    pub action: Option<String>,
    pub repository: Option<Repository>,
    pub organization: Option<Organization>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Repository {
    pub node_id: String,
    pub id: Option<i64>,
    pub name: String,
    pub full_name: String,
    pub owner: Account,
    #[serde(default)]
    pub private: bool,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub fork: bool,
    pub default_branch: Option<String>,
    #[serde(default)]
    pub html_url: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Organization {
    pub login: String,
    pub id: i64,
}

/// A user, bot or organization.
#[derive(Clone, Debug, Deserialize)]
pub struct Account {
    pub login: String,
    /// `User`, `Bot` or `Organization`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Label {
    pub name: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Team {
    pub slug: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Push {
    #[serde(rename = "ref")]
    pub git_ref: String,
    #[serde(default)]
    pub created: bool,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub forced: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub commits: Vec<PushCommit>,
    pub repository: Repository,
}

#[derive(Clone, Debug, Deserialize)]
pub struct PushCommit {
    pub id: String,
    pub message: String,
    pub timestamp: DateTime<Utc>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct BranchRef {
    #[serde(rename = "ref")]
    pub git_ref: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct PullRequest {
    pub node_id: String,
    pub number: i64,
    pub title: String,
    #[serde(default, deserialize_with = "nullable")]
    pub body: String,
    /// `open` or `closed`; merged pull requests are closed with `merged` true.
    pub state: String,
    #[serde(default, deserialize_with = "nullable")]
    pub merged: bool,
    #[serde(default, deserialize_with = "nullable")]
    pub draft: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub merged_at: Option<DateTime<Utc>>,
    pub user: Option<Account>,
    pub base: BranchRef,
    pub head: BranchRef,
    #[serde(default, deserialize_with = "nullable")]
    pub additions: i64,
    #[serde(default, deserialize_with = "nullable")]
    pub deletions: i64,
    #[serde(default, deserialize_with = "nullable")]
    pub changed_files: i64,
    pub merge_commit_sha: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub labels: Vec<Label>,
    #[serde(default, deserialize_with = "nullable")]
    pub assignees: Vec<Account>,
    #[serde(default, deserialize_with = "nullable")]
    pub requested_reviewers: Vec<Account>,
    #[serde(default, deserialize_with = "nullable")]
    pub requested_teams: Vec<Team>,
    /// Who merged it (null until merged).
    #[serde(default)]
    pub merged_by: Option<Account>,
}

/// `pull_request` events carry the whole pull request, who acted (`sender`) and, for
/// review requests, whom they concern.
#[derive(Clone, Debug, Deserialize)]
pub struct PullRequestEvent {
    pub pull_request: PullRequest,
    pub organization: Option<Organization>,
    pub repository: Repository,
    pub sender: Option<Account>,
    #[serde(default)]
    pub requested_reviewer: Option<Account>,
    #[serde(default)]
    pub requested_team: Option<Team>,
}

/// The pull request a review or comment belongs to (review events carry a shorter
/// pull request, without its line counts, so only its id is read).
#[derive(Clone, Debug, Deserialize)]
pub struct PullRequestRef {
    pub node_id: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Review {
    pub node_id: String,
    /// `approved`, `changes_requested`, `commented`, `dismissed` or `pending`.
    pub state: String,
    pub user: Option<Account>,
    pub submitted_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "nullable")]
    pub body: String,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ReviewEvent {
    pub review: Review,
    pub pull_request: PullRequestRef,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Comment {
    pub node_id: String,
    pub user: Option<Account>,
    #[serde(default, deserialize_with = "nullable")]
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ReviewCommentEvent {
    pub comment: Comment,
    pub pull_request: PullRequestRef,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ReviewThread {
    #[serde(default, deserialize_with = "nullable")]
    pub comments: Vec<Comment>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct ReviewThreadEvent {
    pub thread: ReviewThread,
    pub pull_request: PullRequestRef,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Issue {
    pub node_id: String,
    pub number: i64,
    pub title: String,
    /// `open` or `closed`.
    pub state: String,
    /// `completed`, `not_planned`, `reopened`, `duplicate` or null.
    pub state_reason: Option<String>,
    pub user: Option<Account>,
    #[serde(default, deserialize_with = "nullable")]
    pub labels: Vec<Label>,
    #[serde(default, deserialize_with = "nullable")]
    pub assignees: Vec<Account>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Present when the issue is a pull request.
    pub pull_request: Option<serde_json::Value>,
}

impl Issue {
    pub fn is_pull_request(&self) -> bool {
        self.pull_request.as_ref().is_some_and(|v| !v.is_null())
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct IssuesEvent {
    pub issue: Issue,
}

#[derive(Clone, Debug, Deserialize)]
pub struct IssueCommentEvent {
    pub comment: Comment,
    pub issue: Issue,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Membership {
    /// `admin` (an owner) or `member`.
    pub role: Option<String>,
    pub user: Option<Account>,
}

/// `organization` events (`member_added`, `member_removed`, `member_invited`, `renamed`, …).
#[derive(Clone, Debug, Deserialize)]
pub struct OrganizationEvent {
    pub membership: Option<Membership>,
    pub organization: Organization,
}

/// `repository` events: `changes` says what a rename or an edit changed.
#[derive(Clone, Debug, Deserialize)]
pub struct RepositoryEvent {
    pub repository: Repository,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_and_missing_fields_read_as_empty() {
        let pr: PullRequest = serde_json::from_value(serde_json::json!({
            "node_id": "PR_1", "number": 1, "title": "t", "body": null, "state": "open",
            "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
            "closed_at": null, "merged_at": null, "user": null,
            "base": {"ref": "main"}, "head": {"ref": "f"}, "labels": null,
            "merged": null, "extra": {"ignored": true}
        }))
        .unwrap();
        assert_eq!(pr.body, "");
        assert!(pr.labels.is_empty() && !pr.merged && pr.additions == 0);
    }
}
