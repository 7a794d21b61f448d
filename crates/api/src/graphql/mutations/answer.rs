//! A service's result split the way every payload carries it: the value, or the user
//! errors (with a failed connection test whole); anything else a top-level error.

use async_graphql::Result;

use crate::error::{ApiError, ApiResult};
use crate::graphql::connection_test::ConnectionTest;
use crate::graphql::user_error::UserError;

/// A service's answer as a payload carries it.
pub(crate) enum Answer<T> {
    /// It did what was asked.
    Done(T),
    /// It refused with what the person can fix; a failed connection test comes whole.
    Refused {
        user_errors: Vec<UserError>,
        test: Option<ConnectionTest>,
    },
}

impl<T> Answer<T> {
    /// Splits a service result: user errors and failed tests become data, anything
    /// else stays a top-level error. `credential_field` is the input field a failed
    /// test's error points at.
    pub(crate) fn of(result: ApiResult<T>, credential_field: &str) -> Result<Answer<T>> {
        match result {
            Ok(value) => Ok(Answer::Done(value)),
            Err(ApiError::User(error)) => Ok(Answer::Refused {
                user_errors: vec![error],
                test: None,
            }),
            Err(ApiError::ConnectionFailed(test)) => Ok(Answer::Refused {
                user_errors: vec![UserError::of_failed_test(&test, credential_field)],
                test: Some(*test),
            }),
            Err(other) => Err(other.into_graphql()),
        }
    }

    /// The value when done; the user errors either way.
    pub(crate) fn split(self) -> (Option<T>, Vec<UserError>, Option<ConnectionTest>) {
        match self {
            Answer::Done(value) => (Some(value), Vec::new(), None),
            Answer::Refused { user_errors, test } => (None, user_errors, test),
        }
    }
}
