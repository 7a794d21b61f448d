//! What a person can fix, answered as data beside a mutation's result: one code from
//! one enum, a sentence, and the input field it concerns (GitHub's `UserError`).

use async_graphql::{Enum, SimpleObject};

use super::connection_test::{ConnectionFailure, ConnectionTest};

/// Why a mutation did not do what was asked, in a form a screen can branch on.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserErrorCode {
    /// The token field was empty.
    TokenEmpty,
    /// A fine-grained personal access token (`github_pat_…`): create a classic one.
    TokenFineGrained,
    /// A GitHub App token (`ghu_…`, `ghs_…`, `ghr_…`): create a classic personal access token.
    TokenKindUnsupported,
    /// GitHub reported no OAuth scopes, so the token is not a classic token.
    TokenNotClassic,
    /// GitHub refused the token (revoked, expired or mistyped): paste a new one.
    TokenInvalid,
    /// The token has none of the scopes Tributary needs: add them (see `Query.capabilities`).
    TokenScopesInsufficient,
    /// A service cannot be switched on without a scope the token lacks; `field` names
    /// the service, `connectionTest.missingScopes` the scope.
    ScopeMissing,
    /// The new credential belongs to another GitHub account than the integration's.
    AccountMismatch,
    /// Neither a token nor an OAuth grant was given.
    CredentialMissing,
    /// Both a token and an OAuth grant were given; give one.
    CredentialAmbiguous,
    /// No OAuth grant with this id: connect to GitHub again.
    OauthGrantUnknown,
    /// The OAuth grant expired: connect to GitHub again.
    OauthGrantExpired,
    /// The OAuth grant was spent by another integration: connect to GitHub again.
    OauthGrantUsed,
    /// This deployment has no OAuth app configured; use a personal access token
    /// (`Query.capabilities.oauth` tells beforehand).
    OauthNotConfigured,
    /// `redirectAfter` is not on an origin the server allows.
    RedirectNotAllowed,
    /// `clientState` is longer than the server keeps.
    ClientStateTooLong,
    /// The name is empty.
    NameBlank,
    /// The name is longer than 100 characters.
    NameTooLong,
    /// Comment robustness thresholds out of order or range: regular from 1, robust
    /// above regular, both at most 10,000 characters.
    RobustnessThresholdsInvalid,
    /// No repository was named.
    RepositoriesMissing,
    /// More repositories named at once than one request takes (5,000): import a whole
    /// group with `importGroup`, or send them in parts.
    RepositoriesTooMany,
    /// A repository id names no repository of this integration.
    RepositoryUnknown,
    /// Nothing of the integration is imported yet, so there is nothing to sync.
    NothingImported,
    /// The group has no repository the integration can see (see the group's `issues`).
    NothingToImport,
    /// The run is not QUEUED or RUNNING, so it cannot be cancelled.
    RunNotCancellable,
    /// Only FAILED and CANCELLED runs can be retried.
    RunNotRetryable,
    /// This deployment cannot run imports (no queue); the server log says why.
    ImportsUnavailable,
    /// The queue could not take the runs just now (Redis unreachable): they are stored
    /// FAILED with `QUEUE_UNAVAILABLE` and can be retried once it is back.
    QueueUnavailable,
    /// The account has no organization by this login.
    OrganizationUnknown,
    /// The organization does not wait for an OAuth app approval.
    OrganizationNotRestricted,
    /// GitHub refused the connection test in another way (403, 404); `message` quotes it.
    GithubRefused,
}

/// Something the person can fix; the mutation changed nothing it concerns.
#[derive(SimpleObject, Clone, Debug)]
pub struct UserError {
    /// What went wrong, as a code a screen can branch on.
    pub code: UserErrorCode,
    /// What went wrong and what to do, in words.
    pub message: String,
    /// The path to the input field concerned (e.g. `["input", "token"]`), when one is.
    pub field: Option<Vec<String>>,
}

impl UserError {
    /// Why a failed connection test refuses the credential, at the input field that
    /// carried it (`token` or `oauthGrantId`).
    pub fn of_failed_test(test: &ConnectionTest, field: &str) -> UserError {
        let code = match test.failure {
            Some(ConnectionFailure::EmptyToken) => UserErrorCode::TokenEmpty,
            Some(ConnectionFailure::FineGrainedToken) => UserErrorCode::TokenFineGrained,
            Some(ConnectionFailure::GitHubAppToken) => UserErrorCode::TokenKindUnsupported,
            Some(ConnectionFailure::NotClassicToken) => UserErrorCode::TokenNotClassic,
            Some(ConnectionFailure::BadCredentials) => UserErrorCode::TokenInvalid,
            Some(ConnectionFailure::NoRequiredScope) => UserErrorCode::TokenScopesInsufficient,
            Some(
                ConnectionFailure::GithubRefused
                | ConnectionFailure::GithubUnavailable
                | ConnectionFailure::RateLimited,
            )
            | None => UserErrorCode::GithubRefused,
        };
        UserError::new(code, test.message.clone()).at(&[field])
    }

    /// The user errors a connection test answers with: none when it passed or when
    /// GitHub itself was down (nothing about the credential is known then), else why the
    /// credential cannot be used.
    pub fn of_test(test: &ConnectionTest, field: &str) -> Vec<UserError> {
        if test.ok || test.failure.is_some_and(|f| f.is_outage()) {
            Vec::new()
        } else {
            vec![UserError::of_failed_test(test, field)]
        }
    }

    pub fn new(code: UserErrorCode, message: impl Into<String>) -> Self {
        UserError {
            code,
            message: message.into(),
            field: None,
        }
    }

    /// The input field concerned, as a path below `input`.
    pub fn at(mut self, path: &[&str]) -> Self {
        self.field = Some(
            std::iter::once("input")
                .chain(path.iter().copied())
                .map(str::to_string)
                .collect(),
        );
        self
    }
}
