//! Every mutation, one module per screen's concern. Each takes one `input` and answers a
//! `…Payload` with the objects it changed, `userErrors` (what the person can fix) and
//! the `clientMutationId` it was given; what a program did wrong, or what broke, is a
//! top-level error with `extensions.code` (docs/api.md lists both).

mod connection;
mod imports;
mod integration;

use async_graphql::{MergedObject, Result};

use super::connection_test::ConnectionTest;
use super::user_error::UserError;
use crate::error::{ApiError, ApiResult};

/// Every mutation.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct Mutation(
    connection::ConnectionMutations,
    integration::IntegrationMutations,
    imports::ImportMutations,
);

/// A service's answer as a payload carries it.
pub(super) enum Answer<T> {
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
    pub(super) fn of(result: ApiResult<T>, credential_field: &str) -> Result<Answer<T>> {
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
    pub(super) fn split(self) -> (Option<T>, Vec<UserError>, Option<ConnectionTest>) {
        match self {
            Answer::Done(value) => (Some(value), Vec::new(), None),
            Answer::Refused { user_errors, test } => (None, user_errors, test),
        }
    }
}
