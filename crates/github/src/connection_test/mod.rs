//! The connection test: who the token belongs to, which scopes it has against what
//! Tributary needs, and for every organization whether and how it can be used.
//! It stores nothing; callers decide what to keep.
//!
//! This file runs the test and words its verdict; [`scopes`] decides which scopes are
//! missing and which services each one disables; [`organizations`] finds, for each
//! organization, the role, SAML SSO, OAuth-app approval and visibility; [`issues`]
//! turns a group's findings into codes, each with who acts and the GitHub page where.

pub mod issues;
pub mod organizations;
pub mod scopes;

use serde::Deserialize;

use crate::{
    client::GithubClient,
    error::GithubError,
    token::{Token, TokenKind},
};
use organizations::OrganizationFinding;
use scopes::{MissingScope, REQUIRED_SCOPES, ScopeCheck, Service};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub login: String,
    pub database_id: i64,
    pub node_id: String,
}

#[derive(Clone, Debug)]
pub struct ConnectionReport {
    pub ok: bool,
    pub message: String,
    pub token_kind: TokenKind,
    pub account: Option<Account>,
    pub granted_scopes: Vec<String>,
    pub missing_scopes: Vec<MissingScope>,
    pub available_services: Vec<Service>,
    pub organizations: Vec<OrganizationFinding>,
    pub warnings: Vec<String>,
    /// Why the test failed, as a code; `None` when `ok`.
    pub failure: Option<ConnectionFailure>,
}

/// Why a token cannot be used at all, as a code a caller can act on without reading
/// `message`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionFailure {
    EmptyToken,
    FineGrainedToken,
    GitHubAppToken,
    /// GitHub reported no OAuth scopes: not a classic token.
    NotClassicToken,
    /// 401: revoked, expired or mistyped.
    BadCredentials,
    /// Connected, but none of the required scopes is granted.
    NoRequiredScope,
    /// GitHub could not be reached, timed out or answered 5xx.
    GithubUnavailable,
    /// A primary or secondary rate limit stopped the test.
    RateLimited,
    /// GitHub refused in another way (403, 404, an answer we could not read).
    GithubRefused,
}

impl ConnectionFailure {
    fn of(error: &GithubError) -> Self {
        match error {
            GithubError::BadCredentials => ConnectionFailure::BadCredentials,
            GithubError::RateLimited { .. } | GithubError::SecondaryRateLimit { .. } => {
                ConnectionFailure::RateLimited
            }
            GithubError::Unreachable { .. } | GithubError::Timeout { .. } => {
                ConnectionFailure::GithubUnavailable
            }
            error if error.is_server_error() => ConnectionFailure::GithubUnavailable,
            _ => ConnectionFailure::GithubRefused,
        }
    }

    /// Nothing the person can change about the token fixes it; trying later may.
    pub fn is_outage(self) -> bool {
        matches!(
            self,
            ConnectionFailure::GithubUnavailable | ConnectionFailure::RateLimited
        )
    }
}

impl ConnectionReport {
    fn failed(
        token_kind: TokenKind,
        failure: ConnectionFailure,
        message: impl Into<String>,
    ) -> Self {
        ConnectionReport {
            failure: Some(failure),
            ok: false,
            message: message.into(),
            token_kind,
            account: None,
            granted_scopes: Vec::new(),
            missing_scopes: Vec::new(),
            available_services: Vec::new(),
            organizations: Vec::new(),
            warnings: Vec::new(),
        }
    }

    pub fn login(&self) -> Option<&str> {
        self.account.as_ref().map(|a| a.login.as_str())
    }
}

#[derive(Deserialize)]
struct UserBody {
    login: String,
    id: i64,
    node_id: String,
}

impl GithubClient {
    /// Runs the whole test. Never fails: every problem becomes part of the report.
    pub async fn test_connection(&self, token: &Token) -> ConnectionReport {
        let kind = token.kind();
        if token.expose().is_empty() {
            return ConnectionReport::failed(
                kind,
                ConnectionFailure::EmptyToken,
                "The token is empty: paste a classic personal access token.",
            );
        }
        if let Some(refusal) = kind.refusal() {
            let failure = match kind {
                TokenKind::FineGrainedPersonalAccessToken => ConnectionFailure::FineGrainedToken,
                _ => ConnectionFailure::GitHubAppToken,
            };
            return ConnectionReport::failed(kind, failure, refusal);
        }
        match self.run_connection_test(token, kind).await {
            Ok(report) => report,
            Err(error) => {
                ConnectionReport::failed(kind, ConnectionFailure::of(&error), error.to_string())
            }
        }
    }

    async fn run_connection_test(
        &self,
        token: &Token,
        kind: TokenKind,
    ) -> Result<ConnectionReport, GithubError> {
        let user = self.rest_get::<UserBody>(token, "/user").await?;
        let account = Account {
            login: user.body.login,
            database_id: user.body.id,
            node_id: user.body.node_id,
        };
        let Some(granted) = user.scopes else {
            let refusal = TokenKind::FineGrainedPersonalAccessToken
                .refusal()
                .unwrap_or_default();
            return Ok(ConnectionReport {
                account: Some(account),
                ..ConnectionReport::failed(
                    kind,
                    ConnectionFailure::NotClassicToken,
                    format!(
                        "GitHub reported no OAuth scopes for this token, so it is not a classic token. {refusal}"
                    ),
                )
            });
        };
        let scopes = ScopeCheck::new(granted);
        let available = scopes.available_services();
        let mut warnings = scopes.warnings();

        let organizations = self
            .organization_findings(token, &account.login, &scopes, &available, &mut warnings)
            .await?;
        warnings.extend(organizations.iter().filter_map(|o| o.problem.clone()));

        let (ok, message) = if available.is_empty() {
            (
                false,
                format!(
                    "Connected as {}, but the token has none of the scopes Tributary needs ({}): no service could work.",
                    account.login,
                    REQUIRED_SCOPES.join(", ")
                ),
            )
        } else {
            (
                true,
                format!("Successfully connected via {}", account.login),
            )
        };
        Ok(ConnectionReport {
            ok,
            message,
            token_kind: kind,
            granted_scopes: scopes.granted.clone(),
            missing_scopes: scopes.missing.clone(),
            available_services: available,
            organizations,
            warnings,
            account: Some(account),
            failure: (!ok).then_some(ConnectionFailure::NoRequiredScope),
        })
    }
}
