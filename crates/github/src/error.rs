//! Everything that can go wrong talking to GitHub, in words a user can act on.
//! No variant carries a token: messages are safe to log and to show.

use std::time::Duration;

use chrono::{DateTime, Utc};

#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    #[error(
        "GitHub rejected the token (401 Bad credentials): it was revoked, has expired or was mistyped. Update the integration with a new classic personal access token, or connect to GitHub with OAuth again and create the integration anew."
    )]
    BadCredentials,

    #[error(
        "Could not reach GitHub at {url}: {reason}. Check the GitHub API URL setting and this server's network access."
    )]
    Unreachable { url: String, reason: String },

    #[error("GitHub's secondary rate limit stopped the request{}; try again later.", retry_after.map(|d| format!(" (GitHub asks to wait {} s)", d.as_secs())).unwrap_or_default())]
    SecondaryRateLimit { retry_after: Option<Duration> },

    #[error("The token's GitHub rate limit is used up; it resets at {}.", reset_at.map(|t| t.to_rfc3339()).unwrap_or_else(|| "an unknown time".into()))]
    RateLimited { reset_at: Option<DateTime<Utc>> },

    /// A 502 or 504 from GitHub, GitHub's own "couldn't respond in time", or no answer
    /// within the client's request timeout: the query was too heavy or GitHub is slow.
    #[error(
        "GitHub did not answer {what} in time ({reason}); a smaller page usually gets through."
    )]
    Timeout { what: String, reason: String },

    #[error(
        "{organization}: the organization enforces SAML single sign-on and the token is not authorized for it. Authorize it at {url}"
    )]
    SsoRequired { organization: String, url: String },

    #[error("GitHub refused access ({status}): {message}")]
    Forbidden { status: u16, message: String },

    #[error("Not found on GitHub: {what}")]
    NotFound { what: String },

    #[error("GitHub answered {status} for {what}: {message}")]
    Unexpected {
        status: u16,
        what: String,
        message: String,
    },

    #[error("GitHub's GraphQL API answered with errors: {0}")]
    GraphQl(String),

    #[error("Could not read GitHub's answer for {what}: {reason}")]
    Decode { what: String, reason: String },
}

impl GithubError {
    /// A 502, 504 or timeout: retry the same query with a smaller page.
    pub fn is_timeout(&self) -> bool {
        matches!(self, GithubError::Timeout { .. })
    }

    /// Any other 5xx: retry later with backoff.
    pub fn is_server_error(&self) -> bool {
        matches!(self, GithubError::Unexpected { status, .. } if *status >= 500)
    }

    /// How long GitHub asked to wait (secondary limit), when it said so.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            GithubError::SecondaryRateLimit { retry_after } => *retry_after,
            _ => None,
        }
    }

    /// When the exhausted primary budget comes back, when GitHub said so.
    pub fn rate_limit_reset(&self) -> Option<DateTime<Utc>> {
        match self {
            GithubError::RateLimited { reset_at } => *reset_at,
            _ => None,
        }
    }

    /// Worth retrying later without the user doing anything.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            GithubError::Unreachable { .. }
                | GithubError::Timeout { .. }
                | GithubError::SecondaryRateLimit { .. }
                | GithubError::RateLimited { .. }
        ) || matches!(self, GithubError::Unexpected { status, .. } if *status >= 500)
    }
}
