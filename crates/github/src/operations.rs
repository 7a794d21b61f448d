//! The GitHub GraphQL operations Tributary sends: one `.graphql` file each under
//! `graphql/`, typed by graphql_client from `graphql/schema.graphql` (GitHub's schema, cut
//! down to what we use). `OPERATION_FILES` lets a test validate every file against
//! GitHub's full public schema.

#![allow(clippy::upper_case_acronyms)]

use graphql_client::GraphQLQuery;

/// GitHub's custom scalars, as graphql_client needs them in scope.
pub type DateTime = String;
pub type URI = String;
pub type GitObjectID = String;
pub type GitTimestamp = String;

/// Every operation file, relative to this crate's root.
pub const OPERATION_FILES: &[&str] = &[
    "graphql/owner_repositories.graphql",
    "graphql/private_repository_count.graphql",
    "graphql/commit_history_plan.graphql",
    "graphql/commit_history_lanes.graphql",
    "graphql/pull_requests.graphql",
    "graphql/pull_request_commits.graphql",
    "graphql/pull_request_reviews.graphql",
    "graphql/pull_request_comments.graphql",
    "graphql/pull_request_review_threads.graphql",
    "graphql/review_thread_comments.graphql",
    "graphql/pull_request_reactions.graphql",
    "graphql/pull_request_timeline.graphql",
    "graphql/repository_issues.graphql",
    "graphql/issue_comments.graphql",
    "graphql/issue_timeline.graphql",
];

/// The cut-down GitHub schema the operations are typed against.
pub const SCHEMA_FILE: &str = "graphql/schema.graphql";

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/schema.graphql",
    query_path = "graphql/owner_repositories.graphql",
    response_derives = "Debug, Clone"
)]
pub struct OwnerRepositories;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/schema.graphql",
    query_path = "graphql/private_repository_count.graphql",
    response_derives = "Debug, Clone"
)]
pub struct PrivateRepositoryCount;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/schema.graphql",
    query_path = "graphql/commit_history_plan.graphql",
    response_derives = "Debug, Clone"
)]
pub struct CommitHistoryPlan;

/// Typed for its `CommitLane` fragment and its query text; the answer is read by
/// `import::commits`, because graphql_client types `@include`d fields as always present.
#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/schema.graphql",
    query_path = "graphql/commit_history_lanes.graphql",
    response_derives = "Debug, Clone"
)]
pub struct CommitHistoryLanes;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/schema.graphql",
    query_path = "graphql/pull_requests.graphql",
    response_derives = "Debug, Clone"
)]
pub struct PullRequests;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/schema.graphql",
    query_path = "graphql/pull_request_commits.graphql",
    response_derives = "Debug, Clone"
)]
pub struct PullRequestCommits;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/schema.graphql",
    query_path = "graphql/pull_request_reviews.graphql",
    response_derives = "Debug, Clone"
)]
pub struct PullRequestReviews;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/schema.graphql",
    query_path = "graphql/pull_request_comments.graphql",
    response_derives = "Debug, Clone"
)]
pub struct PullRequestComments;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/schema.graphql",
    query_path = "graphql/pull_request_review_threads.graphql",
    response_derives = "Debug, Clone"
)]
pub struct PullRequestReviewThreads;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/schema.graphql",
    query_path = "graphql/review_thread_comments.graphql",
    response_derives = "Debug, Clone"
)]
pub struct ReviewThreadComments;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/schema.graphql",
    query_path = "graphql/pull_request_reactions.graphql",
    response_derives = "Debug, Clone"
)]
pub struct PullRequestReactions;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/schema.graphql",
    query_path = "graphql/pull_request_timeline.graphql",
    response_derives = "Debug, Clone"
)]
pub struct PullRequestTimeline;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/schema.graphql",
    query_path = "graphql/repository_issues.graphql",
    response_derives = "Debug, Clone"
)]
pub struct RepositoryIssues;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/schema.graphql",
    query_path = "graphql/issue_comments.graphql",
    response_derives = "Debug, Clone"
)]
pub struct IssueComments;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/schema.graphql",
    query_path = "graphql/issue_timeline.graphql",
    response_derives = "Debug, Clone"
)]
pub struct IssueTimeline;

/// Absolute path of a file of this crate, for tests that read the `.graphql` files.
pub fn crate_file(relative: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}
