//! How the importer treats GitHub's answers: which failures are retried and how, and
//! how long to wait. The numbers are settings so tests can shrink them.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBackoff, ExponentialBuilder};
use chrono::{DateTime, Utc};
use github::GithubError;
use queue::runs::Failure;

#[derive(Clone, Debug)]
pub struct ImportSettings {
    pub commit_page_size: u32,
    pub pull_request_page_size: u32,
    pub ticket_page_size: u32,
    /// How far behind a mark an incremental run starts, for clock skew and late writes.
    pub overlap: chrono::Duration,
    /// Consecutive failed attempts of one request before the run fails.
    pub max_attempts: u32,
    /// First wait of the exponential backoff after a server error.
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// GitHub asks for at least a minute after a secondary limit without `retry-after`.
    pub secondary_limit_wait: Duration,
    /// Points kept in hand: below this the token's workers wait for the reset.
    pub budget_reserve: i64,
    /// Fresh runs of one integration read together (`importer::batch`): a run's job
    /// takes up to this many, itself included, from those waiting for a job. 1 reads
    /// every run alone.
    pub batch_runs: usize,
}

impl Default for ImportSettings {
    fn default() -> Self {
        ImportSettings {
            commit_page_size: github::import::COMMIT_PAGE_SIZE,
            pull_request_page_size: github::import::PULL_REQUEST_PAGE_SIZE,
            ticket_page_size: github::import::TICKET_PAGE_SIZE,
            overlap: chrono::Duration::minutes(10),
            max_attempts: 6,
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(60),
            secondary_limit_wait: Duration::from_secs(60),
            budget_reserve: 1,
            batch_runs: BATCH_RUNS,
        }
    }
}

/// Fresh runs read together by default: 50 repositories' counts are one query of a
/// point, and their first pages a few queries more.
pub const BATCH_RUNS: usize = 50;

/// What to do after a failed request.
#[derive(Debug, PartialEq)]
pub enum Reaction {
    /// The query was too heavy (502, 504, timeout): halve its page size and retry.
    HalvePageAndRetry,
    /// Wait as GitHub asked, then retry.
    WaitAndRetry(Duration),
    /// The token's points are spent until then.
    WaitForReset(DateTime<Utc>),
    /// Another server error: back off and retry.
    BackOffAndRetry,
    /// The token no longer works.
    Revoked,
    /// Nothing a retry fixes; the failure says what.
    Fail(Failure),
}

pub const REVOKED_MESSAGE: &str = "the token was revoked or expired: update it";

impl ImportSettings {
    pub fn react(&self, error: &GithubError) -> Reaction {
        match error {
            GithubError::BadCredentials => Reaction::Revoked,
            error if error.is_timeout() => Reaction::HalvePageAndRetry,
            // The network, not the query: waiting is the cure.
            GithubError::Unreachable { .. } => Reaction::BackOffAndRetry,
            error if error.is_server_error() => Reaction::BackOffAndRetry,
            GithubError::SecondaryRateLimit { retry_after } => {
                Reaction::WaitAndRetry(retry_after.unwrap_or(self.secondary_limit_wait))
            }
            GithubError::RateLimited { reset_at } => Reaction::WaitForReset(
                reset_at.unwrap_or_else(|| Utc::now() + self.secondary_limit_wait),
            ),
            other => Reaction::Fail(Failure::github(other)),
        }
    }

    /// The waits between consecutive failed attempts of one request: exponential from
    /// `backoff_base`, each drawn between half its step and the whole step ("equal
    /// jitter": backon's jitter adds up to the delay it is given, so it is given half),
    /// never above `backoff_cap`; one fewer than `max_attempts`, then the run fails.
    pub fn backoff(&self) -> ExponentialBackoff {
        ExponentialBuilder::default()
            .with_min_delay(self.backoff_base / 2)
            .with_max_delay(self.backoff_cap / 2)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize)
            .with_jitter()
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unexpected(status: u16) -> GithubError {
        GithubError::Unexpected {
            status,
            what: "q".into(),
            message: String::new(),
        }
    }

    #[test]
    fn each_failure_gets_its_treatment() {
        let settings = ImportSettings::default();
        let timeout = GithubError::Timeout {
            what: "q".into(),
            reason: "502 Bad Gateway".into(),
        };
        assert_eq!(settings.react(&timeout), Reaction::HalvePageAndRetry);
        assert_eq!(settings.react(&unexpected(500)), Reaction::BackOffAndRetry);
        assert_eq!(settings.react(&unexpected(503)), Reaction::BackOffAndRetry);
        assert_eq!(
            settings.react(&GithubError::BadCredentials),
            Reaction::Revoked
        );
        assert_eq!(
            settings.react(&GithubError::SecondaryRateLimit {
                retry_after: Some(Duration::from_secs(3))
            }),
            Reaction::WaitAndRetry(Duration::from_secs(3))
        );
        assert_eq!(
            settings.react(&GithubError::RateLimited {
                reset_at: DateTime::from_timestamp(1_900_000_000, 0)
            }),
            Reaction::WaitForReset(DateTime::from_timestamp(1_900_000_000, 0).unwrap())
        );
        assert!(matches!(
            settings.react(&GithubError::NotFound { what: "x".into() }),
            Reaction::Fail(failure)
                if failure.code == entity::import_run::ErrorCode::RepositoryNotFound
        ));
    }

    #[test]
    fn backoff_grows_stays_under_its_cap_and_ends_before_the_last_attempt() {
        let settings = ImportSettings {
            max_attempts: 20,
            ..ImportSettings::default()
        };
        let waits: Vec<Duration> = settings.backoff().collect();
        assert_eq!(waits.len(), 19);
        assert!(waits.iter().all(|wait| *wait <= settings.backoff_cap));
        assert!(waits[0] >= settings.backoff_base / 2 && waits[0] <= settings.backoff_base);
        assert!(waits[3] >= settings.backoff_base * 4);
        assert!(*waits.last().unwrap() >= settings.backoff_cap / 2);
    }
}
