//! What each role may do: every mutation names the least role it needs with
//! `#[graphql(guard = "Needs::role(Role::…, \"mutationName\")")]`; queries and
//! subscriptions need only a valid credential (every role reads). docs/auth.md has the
//! table, and `tests/e2e/roles.rs` holds every role against every mutation.

use async_graphql::{Context, Guard, Result};

use super::reach::caller;
use crate::auth::Role;
use crate::error::{ApiError, IntoGraphQl};

/// A mutation's guard: the caller's role must be at least `needed`, else `FORBIDDEN`
/// naming the role needed.
pub(crate) struct Needs {
    needed: Role,
    operation: &'static str,
}

impl Needs {
    pub(crate) fn role(needed: Role, operation: &'static str) -> Self {
        Needs { needed, operation }
    }
}

impl Guard for Needs {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let have = caller(ctx).gql()?.role();
        if have >= self.needed {
            Ok(())
        } else {
            Err(ApiError::Forbidden {
                operation: self.operation.to_string(),
                needed: self.needed,
                have,
            }
            .into_graphql())
        }
    }
}
