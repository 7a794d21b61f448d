//! `importGroup`: import every repository of a group (an organization, or the account
//! itself) in one step, from the Repos tab.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};

use super::import_types::ImportRun;
use crate::{error::ApiError, imports::Imports};

/// What `importGroup` needs.
#[derive(InputObject)]
pub struct ImportGroupInput {
    /// The group whose repositories to import.
    pub group_id: ID,
    /// Echoed in the payload, for the client's own bookkeeping.
    pub client_mutation_id: Option<String>,
}

/// What `importGroup` did.
#[derive(SimpleObject)]
pub struct ImportGroupPayload {
    /// One run per repository of the group, by owner and name: the run just queued, or
    /// the one that was already queued or running (no repository is queued twice).
    /// Empty when there are user errors.
    pub import_runs: Vec<ImportRun>,
    /// What the user can fix; empty on success.
    pub user_errors: Vec<UserError>,
    /// The input's `clientMutationId`.
    pub client_mutation_id: Option<String>,
}

// Placeholder until graphql/user_error.rs (the mutation layer's shared `UserError` and
// its code enum) is merged in; only the codes importGroup answers are here.
/// A problem with the input that the user can fix, beside the payload's data.
#[derive(SimpleObject, Clone, Debug)]
pub struct UserError {
    /// What went wrong, for programs.
    pub code: UserErrorCode,
    /// What went wrong, for people.
    pub message: String,
    /// The path of the input field at fault (`["input", "groupId"]`), when one is.
    pub field: Option<Vec<String>>,
}

/// Codes of user errors.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserErrorCode {
    /// No such object (here: no group with that id).
    NotFound,
    /// The group has no repository the integration can see (see the group's `problem`).
    NothingToImport,
}

#[derive(Default)]
pub struct ImportGroupMutation;

#[Object]
impl ImportGroupMutation {
    /// Imports every repository of a group: a full run for each, queued at once; they
    /// become selected, so syncs cover them. A repository that already has a run queued
    /// or running is not queued again: the payload holds that run.
    async fn import_group(
        &self,
        ctx: &Context<'_>,
        input: ImportGroupInput,
    ) -> Result<ImportGroupPayload> {
        let imports = ctx.data::<Imports>()?;
        // A deployment that cannot queue is no user's to fix: a top-level error.
        if let Some(reason) = imports.queue().unavailable() {
            return Err(ApiError::BadInput(reason.to_string()).into_graphql());
        }
        let field = || Some(vec!["input".to_string(), "groupId".to_string()]);
        let (import_runs, user_errors) = match imports.import_group(&input.group_id).await {
            Ok(runs) => (runs.into_iter().map(ImportRun).collect(), Vec::new()),
            Err(error @ ApiError::NotFound { .. }) => (
                Vec::new(),
                vec![UserError {
                    code: UserErrorCode::NotFound,
                    message: error.to_string(),
                    field: field(),
                }],
            ),
            Err(ApiError::BadInput(message)) => (
                Vec::new(),
                vec![UserError {
                    code: UserErrorCode::NothingToImport,
                    message,
                    field: field(),
                }],
            ),
            Err(other) => return Err(other.into_graphql()),
        };
        Ok(ImportGroupPayload {
            import_runs,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
