//! Why a callback ended without a grant: one stable code for the product's page
//! (`redirectAfter?error=CODE`), and the words for Tributary's own page and the log.

use github::OAuthError;

/// The `error=` a failed callback sends the browser back with. docs/oauth.md lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureCode {
    /// The person chose Cancel on GitHub's authorize page.
    AccessDenied,
    /// The round trip took longer than a state lives (10 minutes by default).
    StateExpired,
    /// GitHub did not accept the code (wrong, used or expired), or sent none.
    CodeExchangeFailed,
    /// Tributary's OAuth app is misconfigured or suspended: client id or secret, callback
    /// URL. An administrator fixes it; starting again does not help.
    OAuthAppMisconfigured,
    /// GitHub could not be reached to exchange the code.
    GithubUnreachable,
    /// GitHub authorized Tributary, but the connection test on the new token failed.
    ConnectionFailed,
    /// Something inside Tributary failed; the server log has the details.
    InternalError,
}

impl FailureCode {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureCode::AccessDenied => "ACCESS_DENIED",
            FailureCode::StateExpired => "STATE_EXPIRED",
            FailureCode::CodeExchangeFailed => "CODE_EXCHANGE_FAILED",
            FailureCode::OAuthAppMisconfigured => "OAUTH_APP_MISCONFIGURED",
            FailureCode::GithubUnreachable => "GITHUB_UNREACHABLE",
            FailureCode::ConnectionFailed => "CONNECTION_FAILED",
            FailureCode::InternalError => "INTERNAL_ERROR",
        }
    }
}

/// A failed callback: its code, and what a person reads on Tributary's page.
#[derive(Debug)]
pub(super) struct Failure {
    pub(super) code: FailureCode,
    pub(super) message: String,
}

impl Failure {
    pub(super) fn new(code: FailureCode, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// Logs the details and tells the browser only that something inside went wrong.
    pub(super) fn internal(error: anyhow::Error) -> Self {
        tracing::error!(error = ?error, "internal error in the OAuth callback");
        Failure::new(
            FailureCode::InternalError,
            "Tributary could not finish connecting because of an internal error; the server log has the details. Start connecting to GitHub again.",
        )
    }
}

impl From<OAuthError> for Failure {
    fn from(error: OAuthError) -> Self {
        let code = match &error {
            OAuthError::AccessDenied { .. } => FailureCode::AccessDenied,
            OAuthError::BadVerificationCode | OAuthError::Other { .. } => {
                FailureCode::CodeExchangeFailed
            }
            OAuthError::NotConfigured
            | OAuthError::BadUrl { .. }
            | OAuthError::IncorrectClientCredentials
            | OAuthError::RedirectUriMismatch { .. }
            | OAuthError::ApplicationSuspended => FailureCode::OAuthAppMisconfigured,
            OAuthError::Unreachable { .. } => FailureCode::GithubUnreachable,
        };
        Failure::new(code, error.to_string())
    }
}
