//! One page of a repository's pull requests, each complete: its commits, reviews,
//! conversation comments, reactions and review threads' comments followed past their
//! first page.

use super::convert::*;
use super::follow::{follow, follow_up, vanished};
use super::query::{Tally, not_found};
use super::types::{
    Comment, CommentKind, Page, PullRequest, PullRequestCommit, PullRequestEvent, PullRequestState,
    Reaction, RepoRef, Review,
};
use crate::operations::*;
use crate::{client::GithubClient, error::GithubError, token::Token};

impl GithubClient {
    /// Pull requests ordered by `UPDATED_AT DESC`; the caller stops past its mark.
    pub async fn pull_request_page(
        &self,
        token: &Token,
        repo: &RepoRef,
        after: Option<&str>,
        page_size: u32,
    ) -> Result<Page<PullRequest>, GithubError> {
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
        self.complete_pull_requests(token, listing, tally).await
    }

    /// A page of pull requests as GitHub listed them, each completed: its nested
    /// connections followed past their first page (the follow-ups go on `tally`).
    pub(super) async fn complete_pull_requests(
        &self,
        token: &Token,
        listing: pull_requests::PullRequestListing,
        mut tally: Tally,
    ) -> Result<Page<PullRequest>, GithubError> {
        use pull_requests::PullRequestListingNodesReviewRequestsNodesRequestedReviewer as Requested;
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
            let mut events =
                convert_nodes!(pr.timeline_items, |e| pull_request_event!(pull_requests, e));
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
            follow(
                &mut events,
                next_cursor!(pr.timeline_items.page_info),
                &mut tally,
                |after| self.pull_request_timeline(token, &id, after),
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
                merged_by: actor!(pr.merged_by),
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
        pull_request_timeline,
        PullRequestTimeline,
        pull_request_timeline::PullRequestTimelineNode::PullRequest,
        |pr| Some(pr.timeline_items),
        |e| pull_request_event!(pull_request_timeline, e),
        PullRequestEvent
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
}
