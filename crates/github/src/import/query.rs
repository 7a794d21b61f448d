//! What every import page shares: one GraphQL query sent with errors beside data
//! refused, the tally of what a page's queries cost, and the spellings of a missing
//! repository and of a time in a query's variables.

use chrono::{DateTime, SecondsFormat, Utc};
use graphql_client::GraphQLQuery;

use super::types::{Page, RateLimitReading, RepoRef};
use crate::{client::GithubClient, error::GithubError, token::Token};

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

pub(super) fn not_found(repo: &RepoRef) -> GithubError {
    GithubError::NotFound {
        what: format!("the repository {}/{}", repo.owner, repo.name),
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
}
