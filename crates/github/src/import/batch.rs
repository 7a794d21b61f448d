//! Many small repositories in one query (issue 18). GitHub charges a query by the
//! requests its connections could need (one per connection, multiplied down the
//! nesting), ÷ 100, rounded, at least 1 point. A repository read alone costs at least a
//! point per listing however little it holds; read under aliases beside 49 others, its
//! listings cost what their connections add: a one-page history is 1 request, a pull
//! request 13, a ticket 4. So a query asks the first page of every listing of many
//! repositories at once, each page sized to what the repository holds.
//!
//! Two queries: [`GithubClient::plan_repositories`] learns every repository's counts
//! (commits and tickets since their marks, pull requests), `totalCount`s only, no
//! items; [`GithubClient::first_pages`] then reads the first page of each listing of
//! each repository, sized to its count and at most a listing's page, the way the
//! single-repository queries read it (the same fragments, so the same answer types):
//! items are completed past their nested first pages by the same follow-up queries.
//! A page GitHub says has more carries the cursor its listing continues from.
//!
//! A repository GitHub does not know (deleted, renamed, out of the token's reach) is
//! answered `None`; its run finds out alone, in words. Any other error fails the query.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::commits::{lanes_cursor, single_lane_page};
use super::convert::{reading, time};
use super::query::{Tally, timestamp};
use super::types::{Commit, Page, PullRequest, RateLimitReading, RepoRef, Ticket};
use crate::operations::{commit_history_lanes, pull_requests, repository_issues};
use crate::{client::GithubClient, error::GithubError, token::Token};

/// Requests one item of a listing adds to a query, from its fragment (each nested
/// connection is one request per item): a pull request's eight connections and its four
/// review threads' comments, a ticket's four (the `.graphql` files' cost notes).
const REQUESTS_PER_PULL_REQUEST: u32 = 13;
const REQUESTS_PER_TICKET: u32 = 4;
/// Nodes one item can bring at most (the nested page sizes added up), for GitHub's
/// limit of 500,000 nodes per query.
const NODES_PER_PULL_REQUEST: u32 = 100 + 50 + 50 + 4 + 4 * 50 + 50 + 100 + 100 + 100 + 20;
const NODES_PER_TICKET: u32 = 100 + 100 + 50 + 100;
/// What one query of first pages may hold: well under GitHub's node limit, and about
/// 20 points, so that a slow answer is rare and a failed one wastes little.
pub const MAX_REQUESTS_PER_QUERY: u32 = 2_000;
pub const MAX_NODES_PER_QUERY: u32 = 200_000;

/// One repository to plan: the listings' lower bounds (an incremental sync's marks).
#[derive(Clone, Debug)]
pub struct PlanRequest {
    pub repo: RepoRef,
    pub commits_since: Option<DateTime<Utc>>,
    pub tickets_since: Option<DateTime<Utc>>,
}

/// What a plan learns of one repository: the commits on its default branch and the
/// tickets since their bounds, and all its pull requests (which have no `since`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepoCounts {
    pub commits: i64,
    pub pull_requests: i64,
    pub tickets: i64,
    /// Where a commit import of more than a page starts: the lanes' state
    /// [`GithubClient::commit_page`] continues from, as its own first query would plan
    /// them (`None`: no commits since the bound).
    pub commit_lanes: Option<String>,
}

/// One repository's first pages to read; `None` leaves a listing out of the query.
#[derive(Clone, Debug)]
pub struct FirstPagesRequest {
    pub repo: RepoRef,
    /// `since` and page size of the commits' first page.
    pub commits: Option<(Option<DateTime<Utc>>, u32)>,
    pub pull_requests: Option<u32>,
    /// `since` and page size of the tickets' first page.
    pub tickets: Option<(Option<DateTime<Utc>>, u32)>,
}

impl FirstPagesRequest {
    /// The requests its connections add to a query (GitHub's formula).
    pub fn requests(&self) -> u32 {
        u32::from(self.commits.is_some())
            + self
                .pull_requests
                .map_or(0, |n| 1 + n * REQUESTS_PER_PULL_REQUEST)
            + self.tickets.map_or(0, |(_, n)| 1 + n * REQUESTS_PER_TICKET)
    }

    /// The nodes it can bring at most.
    pub fn nodes(&self) -> u32 {
        self.commits.map_or(0, |(_, n)| n)
            + self
                .pull_requests
                .map_or(0, |n| n * (1 + NODES_PER_PULL_REQUEST))
            + self.tickets.map_or(0, |(_, n)| n * (1 + NODES_PER_TICKET))
    }
}

/// One repository's first pages, each complete and carrying its follow-ups' cost.
#[derive(Debug, Default)]
pub struct FirstPages {
    pub commits: Option<Page<Commit>>,
    pub pull_requests: Option<Page<PullRequest>>,
    pub tickets: Option<Page<Ticket>>,
}

/// A query's answers, one per repository asked, in order: `None` where GitHub knows no
/// such repository. `requests` and `points` are the shared query's alone.
#[derive(Debug)]
pub struct Batch<T> {
    pub answers: Vec<Option<T>>,
    pub requests: u32,
    pub points: i64,
    pub rate_limit: Option<RateLimitReading>,
}

/// A GraphQL string literal (JSON's escapes are GraphQL's).
fn literal(text: &str) -> String {
    Value::String(text.to_string()).to_string()
}

fn repository_field(k: usize, repo: &RepoRef) -> String {
    format!(
        "  r{k}: repository(owner: {}, name: {}) {{\n",
        literal(&repo.owner),
        literal(&repo.name)
    )
}

fn history_arguments(since: Option<DateTime<Utc>>) -> String {
    since.map_or(String::new(), |s| {
        format!("since: {}", literal(&timestamp(s)))
    })
}

fn tickets_filter(since: Option<DateTime<Utc>>) -> String {
    since.map_or(String::new(), |s| {
        format!(", filterBy: {{since: {}}}", literal(&timestamp(s)))
    })
}

const RATE_LIMIT: &str = "  rateLimit {\n    cost\n    remaining\n    resetAt\n    limit\n  }\n";

/// The fragment definitions of a typed operation's document (they follow its operation).
fn fragments(query: &'static str) -> &'static str {
    query.find("\nfragment ").map_or("", |i| &query[i..])
}

/// The plan query's document: counts only, so its connections ask no items.
pub fn plan_document(requests: &[PlanRequest]) -> String {
    let mut doc = String::from("query RepositoryPlans {\n");
    for (k, r) in requests.iter().enumerate() {
        doc.push_str(&repository_field(k, &r.repo));
        // The newest commit too, for the lanes of a history longer than a page.
        let history = history_arguments(r.commits_since);
        let history = if history.is_empty() {
            "history(first: 1)".to_string()
        } else {
            format!("history(first: 1, {history})")
        };
        let _ = writeln!(
            doc,
            "    createdAt\n    defaultBranchRef {{ target {{ __typename ... on Commit {{ {history} {{ totalCount nodes {{ committedDate }} }} }} }} }}"
        );
        doc.push_str("    pullRequests { totalCount }\n");
        let filter = tickets_filter(r.tickets_since);
        let issues = if filter.is_empty() {
            "issues".to_string()
        } else {
            format!("issues({})", filter.trim_start_matches(", "))
        };
        let _ = writeln!(doc, "    {issues} {{ totalCount }}");
        doc.push_str("  }\n");
    }
    doc.push_str(RATE_LIMIT);
    doc.push_str("}\n");
    doc
}

/// The first pages' document: each repository's listings through the fragments the
/// single-repository queries use, only the fragments used (GitHub refuses unused ones).
pub fn first_pages_document(requests: &[FirstPagesRequest]) -> String {
    let mut doc = String::from("query RepositoryFirstPages {\n");
    for (k, r) in requests.iter().enumerate() {
        doc.push_str(&repository_field(k, &r.repo));
        if let Some((since, first)) = r.commits {
            let since = history_arguments(since);
            let since = if since.is_empty() {
                since
            } else {
                format!(", {since}")
            };
            let _ = writeln!(
                doc,
                "    defaultBranchRef {{ target {{ __typename ... on Commit {{ history(first: {first}{since}) {{ ...CommitLane }} }} }} }}"
            );
        }
        if let Some(first) = r.pull_requests {
            let _ = writeln!(
                doc,
                "    pullRequests(first: {first}, orderBy: {{field: UPDATED_AT, direction: DESC}}) {{ ...PullRequestListing }}"
            );
        }
        if let Some((since, first)) = r.tickets {
            let _ = writeln!(
                doc,
                "    issues(first: {first}{}, orderBy: {{field: UPDATED_AT, direction: ASC}}) {{ ...TicketListing }}",
                tickets_filter(since)
            );
        }
        doc.push_str("    __typename\n  }\n");
    }
    doc.push_str(RATE_LIMIT);
    doc.push_str("}\n");
    if requests.iter().any(|r| r.commits.is_some()) {
        doc.push_str(fragments(commit_history_lanes::QUERY));
    }
    if requests.iter().any(|r| r.pull_requests.is_some()) {
        doc.push_str(fragments(pull_requests::QUERY));
    }
    if requests.iter().any(|r| r.tickets.is_some()) {
        doc.push_str(fragments(repository_issues::QUERY));
    }
    doc
}

#[derive(Deserialize)]
struct Counted {
    #[serde(rename = "totalCount")]
    total_count: i64,
}

#[derive(Deserialize)]
struct Branch<T> {
    target: Option<Head<T>>,
}

#[derive(Deserialize)]
struct Head<T> {
    history: Option<T>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlannedRepository {
    created_at: String,
    default_branch_ref: Option<Branch<PlannedHistory>>,
    pull_requests: Counted,
    issues: Counted,
}

#[derive(Deserialize)]
struct PlannedHistory {
    #[serde(rename = "totalCount")]
    total_count: i64,
    nodes: Option<Vec<Option<Committed>>>,
}

#[derive(Deserialize)]
struct Committed {
    #[serde(rename = "committedDate")]
    committed_date: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RepositoryFirstPages {
    default_branch_ref: Option<Branch<commit_history_lanes::CommitLane>>,
    pull_requests: Option<pull_requests::PullRequestListing>,
    issues: Option<repository_issues::TicketListing>,
}

/// A batch's answer before its aliases are read.
struct Aliased {
    repositories: Vec<Option<Value>>,
    rate_limit: Option<RateLimitReading>,
}

impl Aliased {
    /// The answers read from it, with what its one query cost.
    fn batch<T>(rate_limit: Option<RateLimitReading>, answers: Vec<Option<T>>) -> Batch<T> {
        Batch {
            answers,
            requests: 1,
            points: rate_limit.as_ref().map_or(0, |r| r.cost),
            rate_limit,
        }
    }
}

impl GithubClient {
    /// Sends a document of `r0`…`rN` repository aliases: each alias's value, `None`
    /// where GitHub answered it NOT_FOUND; any other error fails the whole query.
    async fn aliased(
        &self,
        token: &Token,
        operation: &str,
        document: String,
        count: usize,
    ) -> Result<Aliased, GithubError> {
        let body = json!({ "query": document, "operationName": operation, "variables": {} });
        let answer = self
            .graphql_document::<Map<String, Value>>(token, &body, operation)
            .await?;
        let mut missing = std::collections::HashSet::new();
        for error in &answer.errors {
            let alias = error.path.first().and_then(Value::as_str);
            match (error.kind.as_deref(), alias) {
                (Some("NOT_FOUND"), Some(alias)) => {
                    missing.insert(alias.to_string());
                }
                _ => return Err(GithubError::GraphQl(error.message.clone())),
            }
        }
        let mut data = answer
            .data
            .ok_or_else(|| GithubError::GraphQl("GitHub answered no data".into()))?;
        let rate_limit = match data.remove("rateLimit") {
            Some(value) if !value.is_null() => {
                let r: commit_history_lanes::CommitHistoryLanesRateLimit =
                    decode(value, operation, "rateLimit")?;
                reading!(Some(r))
            }
            _ => None,
        };
        let repositories = (0..count)
            .map(|k| {
                let alias = format!("r{k}");
                match data.remove(&alias) {
                    Some(value) if !value.is_null() && !missing.contains(&alias) => Some(value),
                    _ => None,
                }
            })
            .collect();
        Ok(Aliased {
            repositories,
            rate_limit,
        })
    }

    /// Every repository's counts, in one query (`totalCount`s and the newest commit);
    /// `commit_page_size` is the lanes' page, for a history longer than one.
    pub async fn plan_repositories(
        &self,
        token: &Token,
        requests: &[PlanRequest],
        commit_page_size: u32,
    ) -> Result<Batch<RepoCounts>, GithubError> {
        let operation = "RepositoryPlans";
        let aliased = self
            .aliased(token, operation, plan_document(requests), requests.len())
            .await?;
        let answers = aliased
            .repositories
            .into_iter()
            .enumerate()
            .map(|(k, value)| {
                let Some(value) = value else { return Ok(None) };
                let planned: PlannedRepository = decode(value, operation, &format!("r{k}"))?;
                let history = planned
                    .default_branch_ref
                    .and_then(|b| b.target)
                    .and_then(|t| t.history);
                let commits = history.as_ref().map_or(0, |h| h.total_count);
                let newest = history
                    .and_then(|h| h.nodes)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .next();
                let commit_lanes = match newest {
                    Some(newest) => Some(lanes_cursor(
                        requests[k].commits_since,
                        time(&planned.created_at)?,
                        time(&newest.committed_date)?,
                        commits,
                        commit_page_size,
                    )),
                    None => None,
                };
                Ok(Some(RepoCounts {
                    commits,
                    pull_requests: planned.pull_requests.total_count,
                    tickets: planned.issues.total_count,
                    commit_lanes,
                }))
            })
            .collect::<Result<_, GithubError>>()?;
        Ok(Aliased::batch(aliased.rate_limit, answers))
    }

    /// Every repository's first pages, in one query, each item completed past its
    /// nested first pages (those follow-ups are on each page's own cost).
    pub async fn first_pages(
        &self,
        token: &Token,
        requests: &[FirstPagesRequest],
    ) -> Result<Batch<FirstPages>, GithubError> {
        let operation = "RepositoryFirstPages";
        let aliased = self
            .aliased(
                token,
                operation,
                first_pages_document(requests),
                requests.len(),
            )
            .await?;
        let mut answers = Vec::with_capacity(requests.len());
        for (k, (value, request)) in aliased.repositories.into_iter().zip(requests).enumerate() {
            let Some(value) = value else {
                answers.push(None);
                continue;
            };
            let repository: RepositoryFirstPages = decode(value, operation, &format!("r{k}"))?;
            let mut pages = FirstPages::default();
            if let Some((since, _)) = request.commits {
                let lane = repository
                    .default_branch_ref
                    .and_then(|b| b.target)
                    .and_then(|t| t.history);
                pages.commits = Some(match lane {
                    Some(lane) => single_lane_page(lane, since, Tally::default())?,
                    // No default branch (an empty repository): nothing to read.
                    None => Tally::default().page(Vec::new(), 0, None, false),
                });
            }
            if let Some(listing) = repository.pull_requests {
                pages.pull_requests = Some(
                    self.complete_pull_requests(token, listing, Tally::default())
                        .await?,
                );
            }
            if let Some(listing) = repository.issues {
                pages.tickets = Some(
                    self.complete_tickets(token, listing, Tally::default())
                        .await?,
                );
            }
            answers.push(Some(pages));
        }
        Ok(Aliased::batch(aliased.rate_limit, answers))
    }
}

fn decode<T: serde::de::DeserializeOwned>(
    value: Value,
    operation: &str,
    path: &str,
) -> Result<T, GithubError> {
    serde_json::from_value(value).map_err(|e| GithubError::Decode {
        what: format!("{path} of {operation}"),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(name: &str) -> RepoRef {
        RepoRef {
            owner: "acme".into(),
            name: name.into(),
        }
    }

    #[test]
    fn a_document_holds_only_the_fragments_it_uses() {
        let only_commits = first_pages_document(&[FirstPagesRequest {
            repo: repo("a"),
            commits: Some((None, 3)),
            pull_requests: None,
            tickets: None,
        }]);
        assert!(only_commits.contains("fragment CommitLane"));
        assert!(!only_commits.contains("fragment PullRequestListing"));
        assert!(!only_commits.contains("fragment TicketListing"));
        let all = first_pages_document(&[
            FirstPagesRequest {
                repo: repo("a\"b"),
                commits: None,
                pull_requests: Some(2),
                tickets: None,
            },
            FirstPagesRequest {
                repo: repo("c"),
                commits: None,
                pull_requests: None,
                tickets: Some((Some(Utc::now()), 1)),
            },
        ]);
        assert!(all.contains(r#"r0: repository(owner: "acme", name: "a\"b")"#));
        assert!(all.contains("fragment PullRequestListing"));
        assert!(all.contains("fragment TicketListing"));
        assert!(all.contains("filterBy: {since: "));
    }

    #[test]
    fn a_request_costs_what_its_connections_add() {
        let request = FirstPagesRequest {
            repo: repo("a"),
            commits: Some((None, 100)),
            pull_requests: Some(11),
            tickets: Some((None, 37)),
        };
        // The single-repository queries' figures: 1, 144 and 149 requests.
        assert_eq!(request.requests(), 1 + 144 + 149);
    }
}
