//! The GraphQL face of the metrics' inputs and enums: the filter every metrics query
//! takes, and the enums `metrics` defines, exposed under their GraphQL names.

use async_graphql::{Enum, ID, InputObject};
use chrono::NaiveDate;
use metrics::ScopeRequest;

/// What to count: one integration, optionally narrowed.
#[derive(InputObject, Clone, Debug)]
#[graphql(name = "AnalyticsFilter")]
pub struct ScopeInput {
    /// The integration whose imported data is counted.
    pub integration_id: ID,
    /// Only these repositories (Tributary ids); all of the integration's when absent.
    pub repository_ids: Option<Vec<ID>>,
    /// Only these contributors: GitHub logins, or e-mails for commit authors GitHub
    /// links to no account. A login includes the commits of every e-mail linked to it.
    pub contributors: Option<Vec<String>>,
    /// The first day counted (in `timeZone`).
    pub from: NaiveDate,
    /// The last day counted, included.
    pub to: NaiveDate,
    /// The IANA time zone whose midnights bound the days, e.g. `Europe/Berlin`.
    #[graphql(default = "UTC")]
    pub time_zone: String,
    /// Leave out bots: `[bot]` logins and accounts GitHub types `Bot`.
    #[graphql(default = false)]
    pub exclude_bots: bool,
}

impl From<&ScopeInput> for ScopeRequest {
    fn from(input: &ScopeInput) -> Self {
        ScopeRequest {
            integration_id: input.integration_id.to_string(),
            repository_ids: input
                .repository_ids
                .as_ref()
                .map(|ids| ids.iter().map(|id| id.to_string()).collect()),
            contributors: input.contributors.clone(),
            from: input.from,
            to: input.to,
            time_zone: input.time_zone.clone(),
            exclude_bots: input.exclude_bots,
        }
    }
}

/// Which pull requests a query counts.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[graphql(
    remote = "metrics::pull_requests::PullRequestSet",
    name = "PullRequestSet"
)]
pub enum PullRequestSetGql {
    /// Merged within the range (the default: most figures describe finished work).
    #[default]
    Merged,
    /// Opened within the range, whatever their state now.
    Opened,
}

/// What a Work log item records.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[graphql(
    remote = "metrics::work_log::WorkLogItemKind",
    name = "WorkLogItemKind"
)]
pub enum WorkLogItemKindGql {
    /// A commit with one parent, at its authored date.
    Commit,
    /// A commit with two or more parents.
    MergeCommit,
    PullRequestOpened,
    /// Attributed to the pull request's author (the import does not read who merged).
    PullRequestMerged,
    /// Closed without being merged; attributed to the pull request's author.
    PullRequestClosed,
    /// A conversation or review-thread comment on a pull request.
    PullRequestCommented,
    /// A submitted review (its state in `detail`).
    PullRequestReviewed,
    TicketOpened,
    TicketClosed,
    TicketReopened,
    TicketCommented,
    /// `detail` is the assignee.
    TicketAssigned,
    TicketUnassigned,
    /// `detail` is the label.
    TicketLabeled,
    TicketUnlabeled,
}
