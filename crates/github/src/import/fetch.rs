//! The three page fetches and the follow-ups that complete each item's nested
//! connections. Every request's `rateLimit` is added to the page's tally.

use std::future::Future;

use chrono::{DateTime, SecondsFormat, Utc};
use graphql_client::GraphQLQuery;

use super::convert::*;
use super::{
    Comment, CommentKind, Page, PullRequest, PullRequestCommit, PullRequestState, RateLimitReading,
    Reaction, RepoRef, Review, Ticket, TicketEvent, TicketState,
};
use crate::operations::*;
use crate::{GithubClient, GithubError, Token};

/// What the requests made for one page cost.
#[derive(Default)]
pub(super) struct Tally {
    requests: u32,
    points: i64,
    rate_limit: Option<RateLimitReading>,
}

impl Tally {
    pub(super) fn record(&mut self, reading: Option<RateLimitReading>) {
        self.requests += 1;
        if let Some(reading) = reading {
            self.points += reading.cost;
            self.rate_limit = Some(reading);
        }
    }

    pub(super) fn page<T>(
        self,
        items: Vec<T>,
        total_count: i64,
        end_cursor: Option<String>,
        has_next_page: bool,
    ) -> Page<T> {
        Page {
            items,
            total_count,
            end_cursor,
            has_next_page,
            rate_limit: self.rate_limit,
            requests: self.requests,
            points: self.points,
        }
    }
}

/// One follow-up page: items, the next cursor, and what the request cost.
type FollowUp<T> = (Vec<T>, Option<String>, Option<RateLimitReading>);

/// Tries per follow-up request. A follow-up is one request inside a page already half
/// read: a 502 or a timeout on it is retried here, after a short pause, instead of
/// failing the page (whose retry would re-read everything, and meet the same odds
/// again on a long pull request). Other failures go to the worker's policy at once.
const FOLLOW_UP_ATTEMPTS: u32 = 4;

/// Fetches pages after `next` until the connection ends, appending to `items`.
async fn follow<T, F, Fut>(
    items: &mut Vec<T>,
    mut next: Option<String>,
    tally: &mut Tally,
    mut fetch: F,
) -> Result<(), GithubError>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<FollowUp<T>, GithubError>>,
{
    while let Some(cursor) = next.take() {
        let mut attempt = 1;
        let (more, cursor, reading) = loop {
            match fetch(cursor.clone()).await {
                Err(error)
                    if (error.is_timeout() || error.is_server_error())
                        && attempt < FOLLOW_UP_ATTEMPTS =>
                {
                    tracing::debug!(%error, attempt, "retrying a follow-up request");
                    tokio::time::sleep(std::time::Duration::from_millis(100 << attempt)).await;
                    attempt += 1;
                }
                answer => break answer?,
            }
        };
        tally.record(reading);
        items.extend(more);
        next = cursor;
    }
    Ok(())
}

/// A follow-up: `node(id:)` narrowed to `$node`, one more page of the connection
/// `$connection` picks from it (`None` where GitHub's schema lets it be null),
/// converted item by item.
macro_rules! follow_up {
    ($name:ident, $query:ident, $node:path, |$parent:ident| $connection:expr, |$item:ident| $convert:expr, $out:ty) => {
        async fn $name(
            &self,
            token: &Token,
            id: &str,
            after: String,
        ) -> Result<FollowUp<$out>, GithubError> {
            type Variables = <$query as GraphQLQuery>::Variables;
            let variables = Variables {
                id: id.into(),
                after: Some(after),
            };
            let data = self.import_query::<$query>(token, variables).await?;
            let reading = reading!(data.rate_limit);
            let Some($node($parent)) = data.node else {
                return Err(vanished(id));
            };
            let Some(connection) = $connection else {
                return Ok((Vec::new(), None, reading));
            };
            let next = next_cursor!(connection.page_info.clone());
            Ok((convert_nodes!(connection, |$item| $convert), next, reading))
        }
    };
}

pub(super) fn not_found(repo: &RepoRef) -> GithubError {
    GithubError::NotFound {
        what: format!("the repository {}/{}", repo.owner, repo.name),
    }
}

/// A follow-up's `node(id:)` came back as something else, or as nothing: the item was
/// deleted while we read it.
fn vanished(id: &str) -> GithubError {
    GithubError::NotFound {
        what: format!("the GitHub object {id} (deleted during the import?)"),
    }
}

pub(super) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl GithubClient {
    /// Runs one import operation; GraphQL errors beside data fail the page rather than
    /// let it lose items silently.
    pub(super) async fn import_query<Q: GraphQLQuery>(
        &self,
        token: &Token,
        variables: Q::Variables,
    ) -> Result<Q::ResponseData, GithubError> {
        let answer = self.graphql::<Q>(token, variables).await?;
        if !answer.errors.is_empty() {
            if let Some(e) = answer
                .errors
                .iter()
                .find(|e| e.kind.as_deref() == Some("NOT_FOUND"))
            {
                return Err(GithubError::NotFound {
                    what: e.message.clone(),
                });
            }
            let messages: Vec<&str> = answer.errors.iter().map(|e| e.message.as_str()).collect();
            return Err(GithubError::GraphQl(messages.join("; ")));
        }
        answer
            .data
            .ok_or_else(|| GithubError::GraphQl("GitHub answered no data".into()))
    }

    /// Pull requests ordered by `UPDATED_AT DESC`; the caller stops past its mark.
    pub async fn pull_request_page(
        &self,
        token: &Token,
        repo: &RepoRef,
        after: Option<&str>,
        page_size: u32,
    ) -> Result<Page<PullRequest>, GithubError> {
        use pull_requests::PullRequestsRepositoryPullRequestsNodesReviewRequestsNodesRequestedReviewer as Requested;
        let mut tally = Tally::default();
        let data = self
            .import_query::<PullRequests>(
                token,
                pull_requests::Variables {
                    owner: repo.owner.clone(),
                    name: repo.name.clone(),
                    first: page_size.into(),
                    after: after.map(str::to_string),
                },
            )
            .await?;
        tally.record(reading!(data.rate_limit));
        let listing = data
            .repository
            .ok_or_else(|| not_found(repo))?
            .pull_requests;
        let total_count = listing.total_count;
        let end_cursor = listing.page_info.end_cursor.clone();
        let has_next_page = listing.page_info.has_next_page;
        let mut items = Vec::new();
        for pr in listing.nodes.into_iter().flatten().flatten() {
            let id = pr.id.clone();
            let mut commits = convert_nodes!(pr.commits, |c| pull_request_commit!(c));
            let mut reviews = match pr.reviews {
                Some(r) => {
                    let next = next_cursor!(r.page_info.clone());
                    (convert_nodes!(r, |r| review!(r)), next)
                }
                None => (Vec::new(), None),
            };
            let mut comments =
                convert_nodes!(pr.comments, |c| comment!(c, CommentKind::Conversation));
            let mut reactions = convert_nodes!(pr.reactions, |r| reaction!(r));
            let mut thread_comments = Vec::new();
            for thread in pr.review_threads.nodes.into_iter().flatten().flatten() {
                let next = next_cursor!(thread.comments.page_info.clone());
                let mut first = thread_comments!(thread);
                self.follow_thread(token, &thread.id, &mut first, next, &mut tally)
                    .await?;
                thread_comments.extend(first);
            }
            follow(
                &mut commits,
                next_cursor!(pr.commits.page_info),
                &mut tally,
                |after| self.pull_request_commits(token, &id, after),
            )
            .await?;
            follow(&mut reviews.0, reviews.1.take(), &mut tally, |after| {
                self.pull_request_reviews(token, &id, after)
            })
            .await?;
            follow(
                &mut comments,
                next_cursor!(pr.comments.page_info),
                &mut tally,
                |after| self.pull_request_comments(token, &id, after),
            )
            .await?;
            follow(
                &mut reactions,
                next_cursor!(pr.reactions.page_info),
                &mut tally,
                |after| self.pull_request_reactions(token, &id, after),
            )
            .await?;
            let mut threads_next = next_cursor!(pr.review_threads.page_info);
            while let Some(after) = threads_next.take() {
                let (more, next) = self
                    .pull_request_review_threads(token, &id, after, &mut tally)
                    .await?;
                thread_comments.extend(more);
                threads_next = next;
            }
            comments.extend(thread_comments);
            let labels = match pr.labels {
                Some(l) => convert_nodes!(l, |l| l.name),
                None => Vec::new(),
            };
            let requested_reviewers = match pr.review_requests {
                Some(r) => convert_nodes!(r, |r| r.requested_reviewer)
                    .into_iter()
                    .flatten()
                    .filter_map(|r| match r {
                        Requested::User(u) => Some(u.login),
                        Requested::Bot(b) => Some(b.login),
                        Requested::Team(t) => Some(t.combined_slug),
                        Requested::Mannequin => None,
                    })
                    .collect(),
                None => Vec::new(),
            };
            items.push(PullRequest {
                node_id: pr.id,
                number: pr.number,
                title: pr.title,
                body: pr.body,
                state: match pr.state {
                    pull_requests::PullRequestState::OPEN => PullRequestState::Open,
                    pull_requests::PullRequestState::CLOSED => PullRequestState::Closed,
                    pull_requests::PullRequestState::MERGED => PullRequestState::Merged,
                    pull_requests::PullRequestState::Other(s) => {
                        return Err(unknown("pull request state", &s));
                    }
                },
                is_draft: pr.is_draft,
                created_at: time(&pr.created_at)?,
                updated_at: time(&pr.updated_at)?,
                merged_at: optional_time(pr.merged_at.as_ref())?,
                closed_at: optional_time(pr.closed_at.as_ref())?,
                author: actor!(pr.author),
                base_ref: pr.base_ref_name,
                head_ref: pr.head_ref_name,
                additions: pr.additions,
                deletions: pr.deletions,
                changed_files: pr.changed_files,
                merge_commit_oid: pr.merge_commit.map(|c| c.oid),
                labels,
                assignees: convert_nodes!(pr.assignees, |u| u.login),
                requested_reviewers,
                commits,
                reviews: reviews.0,
                comments,
                reactions,
            });
        }
        Ok(tally.page(items, total_count, end_cursor, has_next_page))
    }

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
        pull_request_commits,
        PullRequestCommits,
        pull_request_commits::PullRequestCommitsNode::PullRequest,
        |pr| Some(pr.commits),
        |c| pull_request_commit!(c),
        PullRequestCommit
    );

    follow_up!(
        pull_request_reviews,
        PullRequestReviews,
        pull_request_reviews::PullRequestReviewsNode::PullRequest,
        |pr| pr.reviews,
        |r| review!(r),
        Review
    );

    follow_up!(
        pull_request_comments,
        PullRequestComments,
        pull_request_comments::PullRequestCommentsNode::PullRequest,
        |pr| Some(pr.comments),
        |c| comment!(c, CommentKind::Conversation),
        Comment
    );

    follow_up!(
        pull_request_reactions,
        PullRequestReactions,
        pull_request_reactions::PullRequestReactionsNode::PullRequest,
        |pr| Some(pr.reactions),
        |r| reaction!(r),
        Reaction
    );

    /// One more page of review threads, each thread's comments followed to the end.
    async fn pull_request_review_threads(
        &self,
        token: &Token,
        id: &str,
        after: String,
        tally: &mut Tally,
    ) -> Result<(Vec<Comment>, Option<String>), GithubError> {
        let vars = pull_request_review_threads::Variables {
            id: id.into(),
            after: Some(after),
        };
        let data = self
            .import_query::<PullRequestReviewThreads>(token, vars)
            .await?;
        tally.record(reading!(data.rate_limit));
        let Some(pull_request_review_threads::PullRequestReviewThreadsNode::PullRequest(pr)) =
            data.node
        else {
            return Err(vanished(id));
        };
        let next = next_cursor!(pr.review_threads.page_info);
        let mut comments = Vec::new();
        for thread in pr.review_threads.nodes.into_iter().flatten().flatten() {
            let thread_next = next_cursor!(thread.comments.page_info.clone());
            let mut first = thread_comments!(thread);
            self.follow_thread(token, &thread.id, &mut first, thread_next, tally)
                .await?;
            comments.extend(first);
        }
        Ok((comments, next))
    }

    async fn follow_thread(
        &self,
        token: &Token,
        thread_id: &str,
        comments: &mut Vec<Comment>,
        next: Option<String>,
        tally: &mut Tally,
    ) -> Result<(), GithubError> {
        follow(comments, next, tally, |after| {
            self.review_thread_comments(token, thread_id, after)
        })
        .await
    }

    follow_up!(
        review_thread_comments,
        ReviewThreadComments,
        review_thread_comments::ReviewThreadCommentsNode::PullRequestReviewThread,
        |thread| Some(thread.comments),
        |c| comment!(c, CommentKind::ReviewThread),
        Comment
    );

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
