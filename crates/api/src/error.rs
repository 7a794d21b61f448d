//! Errors a client of the API can cause or meet, each with a stable code.

use crate::graphql::connection_test::ConnectionTest;
use crate::graphql::user_error::{UserError, UserErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A query's argument a person can fix (a time zone, a date range); mutations
    /// answer [`ApiError::User`] instead.
    #[error("{0}")]
    BadInput(String),
    /// Something the person can fix: a mutation answers it among its `userErrors`.
    #[error("{}", .0.message)]
    User(UserError),
    /// The caller's role is short of what the operation needs.
    #[error(
        "{operation} needs the {} role; this credential's role is {}",
        needed.claim(),
        have.claim()
    )]
    Forbidden {
        operation: String,
        needed: crate::auth::Role,
        have: crate::auth::Role,
    },
    /// No credential reached the resolver (a request the HTTP layer did not authenticate).
    #[error("this request carries no credential")]
    Unauthenticated,
    #[error("no {what} with id {id}")]
    NotFound { what: &'static str, id: String },
    /// The connection test failed: a mutation answers the whole test with user errors
    /// naming why (or, when GitHub itself is down, a top-level error).
    #[error("{}", .0.message)]
    ConnectionFailed(Box<ConnectionTest>),
    /// Not a global id of ours.
    #[error("{0:?} is not a Tributary id; ids come from this API and are opaque")]
    InvalidId(String),
    /// A global id of another type than the argument takes.
    #[error("expected the id of {expected}, got the id of {found}")]
    WrongIdType {
        expected: &'static str,
        found: &'static str,
    },
    /// `first` or `last` out of range, or both given.
    #[error("{0}")]
    InvalidPageSize(String),
    /// A cursor that is not one of this connection's.
    #[error(
        "the cursor is not one this connection gave out (or its ordering changed); start again without `after`/`before`"
    )]
    InvalidCursor,
    /// GitHub could not be reached, timed out or failed; nothing changed, retry later.
    #[error("{0}")]
    GithubUnavailable(String),
    /// GitHub's rate limit stopped the request; the message says when to retry.
    #[error("{0}")]
    GithubRateLimited(String),
    #[error(transparent)]
    Github(#[from] github::GithubError),
    #[error(transparent)]
    Crypto(#[from] crate::crypto::CryptoError),
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        ApiError::Internal(anyhow::Error::new(error).context("database"))
    }
}

impl From<metrics::ScopeError> for ApiError {
    fn from(error: metrics::ScopeError) -> Self {
        match error {
            metrics::ScopeError::BadInput(message) => ApiError::BadInput(message),
            metrics::ScopeError::UnknownIntegration(id) => ApiError::NotFound {
                what: "integration",
                id,
            },
            metrics::ScopeError::Database(error) => error.into(),
        }
    }
}

impl ApiError {
    /// PostgreSQL aborted the transaction to break a deadlock or a serialization
    /// conflict: nothing was written, and running it again is right.
    pub fn is_transient_conflict(&self) -> bool {
        match self {
            ApiError::Internal(error) => error
                .downcast_ref::<sea_orm::DbErr>()
                .is_some_and(entity::retry::is_transient_conflict),
            _ => false,
        }
    }

    /// A user error with `code`, for a mutation's `userErrors`.
    pub fn user(code: UserErrorCode, message: impl Into<String>) -> Self {
        ApiError::User(UserError::new(code, message))
    }

    /// As [`ApiError::user`], concerning the input field at `path` (below `input`).
    pub fn user_at(code: UserErrorCode, path: &[&str], message: impl Into<String>) -> Self {
        ApiError::User(UserError::new(code, message).at(path))
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadInput(_) => "BAD_USER_INPUT",
            ApiError::User(_) => "BAD_USER_INPUT",
            ApiError::NotFound { .. } => "NOT_FOUND",
            ApiError::Forbidden { .. } => "FORBIDDEN",
            ApiError::Unauthenticated => "UNAUTHENTICATED",
            ApiError::ConnectionFailed(_) => "CONNECTION_FAILED",
            ApiError::InvalidId(_) | ApiError::WrongIdType { .. } => "INVALID_ID",
            ApiError::InvalidPageSize(_) => "INVALID_PAGE_SIZE",
            ApiError::InvalidCursor => "INVALID_CURSOR",
            ApiError::GithubUnavailable(_) => "GITHUB_UNAVAILABLE",
            ApiError::GithubRateLimited(_) => "GITHUB_RATE_LIMITED",
            ApiError::Github(_) => "GITHUB_ERROR",
            ApiError::Crypto(_) => "SECRET_UNREADABLE",
            ApiError::Internal(_) => "INTERNAL",
        }
    }
}

/// `async_graphql::Error` converts from anything displayable, which would skip the
/// error code and show internal details; resolvers call `.gql()` instead.
pub trait IntoGraphQl<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> IntoGraphQl<T> for ApiResult<T> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(ApiError::into_graphql)
    }
}

impl ApiError {
    pub fn into_graphql(self) -> async_graphql::Error {
        use async_graphql::ErrorExtensions;
        let error = self;
        if let ApiError::Internal(inner) = &error {
            tracing::error!(error = ?inner, "internal error answering a GraphQL request");
        }
        let code = error.code();
        let message = match &error {
            // Database details help nobody calling the API; the log has them.
            ApiError::Internal(_) => "internal error; the server log has the details".to_string(),
            other => other.to_string(),
        };
        async_graphql::Error::new(message).extend_with(|_, e| e.set("code", code))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// For lookups a client makes by id (`integration(id:)`, `node(id:)`): an object that
/// does not exist is `None`, not an error.
pub trait Found<T> {
    fn found(self) -> ApiResult<Option<T>>;
}

impl<T> Found<T> for ApiResult<T> {
    fn found(self) -> ApiResult<Option<T>> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(ApiError::NotFound { .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }
}
