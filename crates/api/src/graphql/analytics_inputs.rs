//! The GraphQL face of the metrics' inputs and enums: the filter every metrics query
//! takes, and the enums `metrics` defines, exposed under their GraphQL names.

use async_graphql::{Enum, ID, InputObject};
use metrics::ScopeRequest;

use super::date::Date;
use super::node_id::{self, NodeKind};
use crate::error::ApiResult;

/// What to count: one integration, optionally narrowed.
#[derive(InputObject, Clone, Debug)]
#[graphql(name = "AnalyticsFilter")]
pub struct ScopeInput {
    /// The integration whose imported data is counted.
    pub integration_id: ID,
    /// Only these repositories (at most 500); all of the integration's when absent.
    pub repository_ids: Option<Vec<ID>>,
    /// Only these contributors: GitHub logins, or e-mails for commit authors GitHub
    /// links to no account. A login includes the commits of every e-mail linked to it.
    /// At most 500, with `contributorIds`.
    pub contributors: Option<Vec<String>>,
    /// Only these contributors, by `Contributor.id` (added to `contributors`).
    pub contributor_ids: Option<Vec<ID>>,
    /// The first day counted (in `timeZone`).
    pub from: Date,
    /// The last day counted, included.
    pub to: Date,
    /// The IANA time zone whose midnights bound the days, e.g. `Europe/Berlin`.
    #[graphql(default = "UTC")]
    pub time_zone: String,
    /// Leave out bots: `[bot]` logins and accounts GitHub types `Bot`.
    #[graphql(default = false)]
    pub exclude_bots: bool,
}

impl ScopeInput {
    /// The request the metrics crate resolves, with every global id decoded.
    pub fn request(&self) -> ApiResult<ScopeRequest> {
        let integration_id = node_id::decode(&self.integration_id, NodeKind::Integration)?;
        let repository_ids = self
            .repository_ids
            .as_deref()
            .map(|ids| node_id::decode_all(ids, NodeKind::Repository))
            .transpose()?;
        let mut contributors = self.contributors.clone();
        if let Some(ids) = &self.contributor_ids {
            let list = contributors.get_or_insert_with(Vec::new);
            for id in ids {
                let key = node_id::decode(id, NodeKind::Contributor)?;
                // `<integration>:<login|email>:<value>`: the filter takes the value.
                let parts = node_id::split_key(id, &key, 3)?;
                list.push(parts[2].clone());
            }
        }
        Ok(ScopeRequest {
            integration_id,
            repository_ids,
            contributors,
            from: self.from.0,
            to: self.to.0,
            time_zone: self.time_zone.clone(),
            exclude_bots: self.exclude_bots,
        })
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
    /// A pull request was opened (drafts included).
    PullRequestOpened,
    /// Attributed to the pull request's author (the import does not read who merged).
    PullRequestMerged,
    /// Closed without being merged; attributed to the pull request's author.
    PullRequestClosed,
    /// A conversation or review-thread comment on a pull request.
    PullRequestCommented,
    /// A submitted review (its state in `detail`).
    PullRequestReviewed,
    /// A ticket was opened.
    TicketOpened,
    /// A ticket was closed.
    TicketClosed,
    /// A ticket was reopened.
    TicketReopened,
    /// A comment on a ticket.
    TicketCommented,
    /// `detail` is the assignee.
    TicketAssigned,
    /// `detail` is the assignee removed.
    TicketUnassigned,
    /// `detail` is the label.
    TicketLabeled,
    /// `detail` is the label removed.
    TicketUnlabeled,
}
