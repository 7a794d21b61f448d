//! Errors a client of the API can cause or meet, each with a stable code.

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadInput(String),
    #[error("no {what} with id {id}")]
    NotFound { what: &'static str, id: String },
    /// The connection test failed; the message is the test's own.
    #[error("{0}")]
    ConnectionFailed(String),
    #[error(transparent)]
    Github(#[from] github::GithubError),
    #[error(transparent)]
    Crypto(#[from] crate::crypto::CryptoError),
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
    /// `first` or `last` out of range, or both given.
    #[error("{0}")]
    InvalidPageSize(String),
    /// A cursor that does not decode, or that another ordering or list handed out.
    #[error("the cursor is not one this list handed out with this ordering")]
    InvalidCursor,
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
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadInput(_) => "BAD_USER_INPUT",
            ApiError::NotFound { .. } => "NOT_FOUND",
            ApiError::ConnectionFailed(_) => "CONNECTION_FAILED",
            ApiError::Github(_) => "GITHUB_ERROR",
            ApiError::Crypto(_) => "SECRET_UNREADABLE",
            ApiError::Internal(_) => "INTERNAL",
            ApiError::InvalidPageSize(_) => "INVALID_PAGE_SIZE",
            ApiError::InvalidCursor => "INVALID_CURSOR",
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
