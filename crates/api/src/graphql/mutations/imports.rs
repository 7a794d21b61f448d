//! The import page's mutations: import repositories, sync, cancel, retry.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::answer::Answer;
use crate::auth::Role;
use crate::graphql::import_types::ImportRun;
use crate::graphql::node_id::{self, NodeKind};
use crate::graphql::user_error::UserError;
use crate::graphql::{reach, roles::Needs};
use crate::{error::IntoGraphQl, imports::Imports};

#[derive(Default)]
pub struct ImportMutations;

/// What `importRepositories` needs.
#[derive(InputObject)]
pub struct ImportRepositoriesInput {
    /// The integration the repositories belong to.
    pub integration_id: ID,
    /// The repositories to import (they become selected).
    pub repository_ids: Vec<ID>,
    /// Any string; the payload hands it back.
    pub client_mutation_id: Option<String>,
}

/// What `importGroup` needs.
#[derive(InputObject)]
pub struct ImportGroupInput {
    /// The group whose repositories to import.
    pub group_id: ID,
    /// Any string; the payload hands it back.
    pub client_mutation_id: Option<String>,
}

/// What `syncIntegration` needs.
#[derive(InputObject)]
pub struct SyncIntegrationInput {
    /// The integration whose imported repositories are synced.
    pub integration_id: ID,
    /// Any string; the payload hands it back.
    pub client_mutation_id: Option<String>,
}

/// What `cancelImport` and `retryImport` need.
#[derive(InputObject)]
pub struct ImportRunInput {
    /// The import run concerned.
    pub run_id: ID,
    /// Any string; the payload hands it back.
    pub client_mutation_id: Option<String>,
}

/// Runs queued (or already in progress) by a mutation.
#[derive(SimpleObject)]
pub struct ImportRunsPayload {
    /// One run per repository: the run just queued, or the one already queued or
    /// running (no repository is queued twice); empty when `userErrors` says why.
    pub import_runs: Vec<ImportRun>,
    /// What the person can fix.
    pub user_errors: Vec<UserError>,
    /// The input's `clientMutationId`.
    pub client_mutation_id: Option<String>,
}

/// One run after a change.
#[derive(SimpleObject)]
pub struct ImportRunPayload {
    /// The run as it is now; null when `userErrors` says why nothing changed.
    pub import_run: Option<ImportRun>,
    /// `RUN_NOT_CANCELLABLE`, `RUN_NOT_RETRYABLE`, `IMPORTS_UNAVAILABLE`.
    pub user_errors: Vec<UserError>,
    /// The input's `clientMutationId`.
    pub client_mutation_id: Option<String>,
}

pub(crate) fn runs_payload(
    answer: Answer<Vec<entity::import_run::Model>>,
    client_mutation_id: Option<String>,
) -> ImportRunsPayload {
    let (runs, user_errors, _) = answer.split();
    ImportRunsPayload {
        import_runs: runs
            .unwrap_or_default()
            .into_iter()
            .map(ImportRun)
            .collect(),
        user_errors,
        client_mutation_id,
    }
}

fn run_payload(
    answer: Answer<entity::import_run::Model>,
    client_mutation_id: Option<String>,
) -> ImportRunPayload {
    let (run, user_errors, _) = answer.split();
    ImportRunPayload {
        import_run: run.map(ImportRun),
        user_errors,
        client_mutation_id,
    }
}

#[Object]
impl ImportMutations {
    /// Queues a full import of each repository (they become selected): one run per
    /// repository, all queued at once.
    #[graphql(guard = "Needs::role(Role::Member, \"importRepositories\")")]
    async fn import_repositories(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration and its repositories.")] input: ImportRepositoriesInput,
    ) -> Result<ImportRunsPayload> {
        let integration = reach::require(ctx, &input.integration_id, NodeKind::Integration)
            .await
            .gql()?;
        let repositories =
            node_id::decode_all(&input.repository_ids, NodeKind::Repository).gql()?;
        let result = ctx
            .data::<Imports>()?
            .import_repositories(&integration, &repositories)
            .await;
        Ok(runs_payload(
            Answer::of(result, "repositoryIds")?,
            input.client_mutation_id,
        ))
    }

    /// Imports every repository of a group (an organization, or the account itself): a
    /// full run for each, queued at once; they become selected, so syncs cover them. A
    /// repository that already has a run queued or running is not queued again: the
    /// payload holds that run, in the group's order (owner and name).
    #[graphql(guard = "Needs::role(Role::Member, \"importGroup\")")]
    async fn import_group(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The group to import.")] input: ImportGroupInput,
    ) -> Result<ImportRunsPayload> {
        let group = reach::require(ctx, &input.group_id, NodeKind::Group)
            .await
            .gql()?;
        let result = ctx.data::<Imports>()?.import_group(&group).await;
        Ok(runs_payload(
            Answer::of(result, "groupId")?,
            input.client_mutation_id,
        ))
    }

    /// Queues an incremental run for every imported repository of the integration:
    /// only what changed since each repository's last successful run is fetched.
    #[graphql(guard = "Needs::role(Role::Member, \"syncIntegration\")")]
    async fn sync_integration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration to sync.")] input: SyncIntegrationInput,
    ) -> Result<ImportRunsPayload> {
        let integration = reach::require(ctx, &input.integration_id, NodeKind::Integration)
            .await
            .gql()?;
        let result = ctx.data::<Imports>()?.sync_integration(&integration).await;
        Ok(runs_payload(
            Answer::of(result, "integrationId")?,
            input.client_mutation_id,
        ))
    }

    /// Cancels a queued or running import; a running one stops before its next request,
    /// keeping every page it stored.
    #[graphql(guard = "Needs::role(Role::Member, \"cancelImport\")")]
    async fn cancel_import(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The run to cancel.")] input: ImportRunInput,
    ) -> Result<ImportRunPayload> {
        let run = reach::require(ctx, &input.run_id, NodeKind::ImportRun)
            .await
            .gql()?;
        let result = ctx.data::<Imports>()?.cancel(&run).await;
        Ok(run_payload(
            Answer::of(result, "runId")?,
            input.client_mutation_id,
        ))
    }

    /// Queues a failed or cancelled import again; it resumes after its last stored page.
    #[graphql(guard = "Needs::role(Role::Member, \"retryImport\")")]
    async fn retry_import(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The run to retry.")] input: ImportRunInput,
    ) -> Result<ImportRunPayload> {
        let run = reach::require(ctx, &input.run_id, NodeKind::ImportRun)
            .await
            .gql()?;
        let result = ctx.data::<Imports>()?.retry(&run).await;
        Ok(run_payload(
            Answer::of(result, "runId")?,
            input.client_mutation_id,
        ))
    }
}
