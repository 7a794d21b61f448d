//! One page of a repository's tickets (issues that are not pull requests), each
//! complete: its comments and timeline events followed past their first page.

use chrono::{DateTime, Utc};

use super::convert::*;
use super::follow::{follow, follow_up};
use super::query::{Tally, not_found, timestamp};
use super::types::{Comment, CommentKind, Page, RepoRef, Ticket, TicketEvent, TicketState};
use crate::operations::*;
use crate::{client::GithubClient, error::GithubError, token::Token};

impl GithubClient {
    /// Tickets (issues that are not PRs) updated since `since`
    /// (`filterBy: {since:}`), ordered by `UPDATED_AT ASC`.
    pub async fn ticket_page(
        &self,
        token: &Token,
        repo: &RepoRef,
        since: Option<DateTime<Utc>>,
        after: Option<&str>,
        page_size: u32,
    ) -> Result<Page<Ticket>, GithubError> {
        let mut tally = Tally::default();
        let data = self
            .import_query::<RepositoryIssues>(
                token,
                repository_issues::Variables {
                    owner: repo.owner.clone(),
                    name: repo.name.clone(),
                    first: page_size.into(),
                    after: after.map(str::to_string),
                    since: since.map(timestamp),
                },
            )
            .await?;
        tally.record(reading!(data.rate_limit));
        let listing = data.repository.ok_or_else(|| not_found(repo))?.issues;
        self.complete_tickets(token, listing, tally).await
    }

    /// A page of tickets as GitHub listed them, each completed: comments and timeline
    /// events followed past their first page (the follow-ups go on `tally`).
    pub(super) async fn complete_tickets(
        &self,
        token: &Token,
        listing: repository_issues::TicketListing,
        mut tally: Tally,
    ) -> Result<Page<Ticket>, GithubError> {
        let total_count = listing.total_count;
        let end_cursor = listing.page_info.end_cursor.clone();
        let has_next_page = listing.page_info.has_next_page;
        let mut items = Vec::new();
        for issue in listing.nodes.into_iter().flatten().flatten() {
            let id = issue.id.clone();
            let mut comments =
                convert_nodes!(issue.comments, |c| comment!(c, CommentKind::Conversation));
            follow(
                &mut comments,
                next_cursor!(issue.comments.page_info),
                &mut tally,
                |after| self.issue_comments(token, &id, after),
            )
            .await?;
            let mut events = convert_nodes!(issue.timeline_items, |item| ticket_event!(
                repository_issues,
                item
            ));
            follow(
                &mut events,
                next_cursor!(issue.timeline_items.page_info),
                &mut tally,
                |after| self.issue_timeline(token, &id, after),
            )
            .await?;
            items.push(Ticket {
                node_id: issue.id,
                number: issue.number,
                title: issue.title,
                state: match issue.state {
                    repository_issues::IssueState::OPEN => TicketState::Open,
                    repository_issues::IssueState::CLOSED => TicketState::Closed,
                    repository_issues::IssueState::Other(s) => {
                        return Err(unknown("issue state", &s));
                    }
                },
                state_reason: issue.state_reason.map(|r| match r {
                    repository_issues::IssueStateReason::Other(s) => s,
                    known => format!("{known:?}"),
                }),
                author: actor!(issue.author),
                labels: match issue.labels {
                    Some(l) => convert_nodes!(l, |l| l.name),
                    None => Vec::new(),
                },
                assignees: convert_nodes!(issue.assignees, |u| u.login),
                created_at: time(&issue.created_at)?,
                updated_at: time(&issue.updated_at)?,
                closed_at: optional_time(issue.closed_at.as_ref())?,
                comments,
                events,
            });
        }
        Ok(tally.page(items, total_count, end_cursor, has_next_page))
    }

    follow_up!(
        issue_comments,
        IssueComments,
        issue_comments::IssueCommentsNode::Issue,
        |issue| Some(issue.comments),
        |c| comment!(c, CommentKind::Conversation),
        Comment
    );

    follow_up!(
        issue_timeline,
        IssueTimeline,
        issue_timeline::IssueTimelineNode::Issue,
        |issue| Some(issue.timeline_items),
        |item| ticket_event!(issue_timeline, item),
        TicketEvent
    );
}
