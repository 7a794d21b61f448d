use crate::error::IntoGraphQl;
use async_graphql::{Context, ID, Object, Result};
use org_hooks::OrgHooks;

use super::connection_test::ConnectionTest;
use super::import_types::ImportRun;
use super::oauth_types::{OAuthStart, StartOAuthInput};
use super::types::{CreateIntegrationInput, Group, Integration, ServicesInput};
use crate::{
    imports::Imports,
    integrations::{credential::Credential, service::Integrations},
    oauth::flow::OAuthFlow,
};

pub struct MutationRoot;

#[Object]
impl MutationRoot {
    /// Tests a token against GitHub without storing anything: who it belongs to, its
    /// scopes against those Tributary needs, and every organization's role and access.
    async fn test_token(&self, ctx: &Context<'_>, token: String) -> Result<ConnectionTest> {
        Ok(ctx.data::<Integrations>()?.test_token(&token).await)
    }

    /// Starts connecting through Tributary's OAuth app: open `authorizeUrl` in the
    /// user's browser; GitHub comes back to `/oauth/github/callback`, which stores an
    /// OAuth grant for `createIntegration`.
    #[graphql(name = "startOAuth")]
    async fn start_oauth(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] input: StartOAuthInput,
    ) -> Result<OAuthStart> {
        ctx.data::<OAuthFlow>()?.start(input).await.gql()
    }

    /// Tests the token (or the OAuth grant's token) and, if it passes, stores the
    /// integration (token encrypted) with its groups and repositories. A failing token is
    /// refused with the test's message; a grant is spent by the integration it creates.
    async fn create_integration(
        &self,
        ctx: &Context<'_>,
        input: CreateIntegrationInput,
    ) -> Result<Integration> {
        let integrations = ctx.data::<Integrations>()?;
        let credential = Credential::from_input(
            input.token.as_deref(),
            input.oauth_grant_id.as_ref().map(|id| id.as_str()),
        )
        .gql()?;
        let model = integrations
            .create(&input.name, credential, input.services.map(Into::into))
            .await
            .gql()?;
        Ok(Integration(model))
    }

    /// Re-tests the stored token and records the result.
    async fn test_connection(
        &self,
        ctx: &Context<'_>,
        integration_id: ID,
    ) -> Result<ConnectionTest> {
        ctx.data::<Integrations>()?
            .test_connection(&integration_id)
            .await
            .gql()
    }

    /// Replaces the token when the new one passes the test (it must belong to the same
    /// account); the answer is the test either way, and a failing token is not stored.
    async fn update_token(
        &self,
        ctx: &Context<'_>,
        integration_id: ID,
        token: String,
    ) -> Result<ConnectionTest> {
        ctx.data::<Integrations>()?
            .update_token(&integration_id, &token)
            .await
            .gql()
    }

    /// Switches services on or off; a service the token cannot run is refused with the
    /// scope it needs. Webhooks are added or removed by the rules before the answer.
    async fn set_services(
        &self,
        ctx: &Context<'_>,
        integration_id: ID,
        services: ServicesInput,
    ) -> Result<Integration> {
        let model = ctx
            .data::<Integrations>()?
            .set_services(&integration_id, services.into())
            .await
            .gql()?;
        reconcile_webhooks(ctx, &integration_id).await?;
        Ok(Integration(model))
    }

    /// Gives the integration another name.
    async fn rename_integration(
        &self,
        ctx: &Context<'_>,
        integration_id: ID,
        name: String,
    ) -> Result<Integration> {
        Ok(Integration(
            ctx.data::<Integrations>()?
                .rename(&integration_id, &name)
                .await
                .gql()?,
        ))
    }

    /// Re-reads organizations, roles, access and repositories from GitHub; webhooks
    /// follow the roles found.
    async fn refresh_groups(&self, ctx: &Context<'_>, integration_id: ID) -> Result<Integration> {
        let model = ctx
            .data::<Integrations>()?
            .refresh_groups(&integration_id)
            .await
            .gql()?;
        reconcile_webhooks(ctx, &integration_id).await?;
        Ok(Integration(model))
    }

    /// Records that a member asked the owners of `organization` to approve Tributary
    /// (GitHub → Settings → Applications → Authorized OAuth Apps → Tributary → Request).
    /// GitHub does not tell apps about pending requests, so the group shows
    /// APPROVAL_REQUESTED from this until an owner grants it and refreshGroups sees it.
    #[graphql(name = "reportOAuthApprovalRequested")]
    async fn report_oauth_approval_requested(
        &self,
        ctx: &Context<'_>,
        integration_id: ID,
        organization: String,
    ) -> Result<Group> {
        Ok(Group(
            ctx.data::<Integrations>()?
                .report_approval_requested(&integration_id, &organization)
                .await
                .gql()?,
        ))
    }

    /// Deletes the integration and everything stored for it, removing its webhooks from
    /// GitHub first; false when there was none.
    async fn delete_integration(&self, ctx: &Context<'_>, integration_id: ID) -> Result<bool> {
        if let Err(error) = ctx.data::<OrgHooks>()?.remove_all(&integration_id).await {
            tracing::warn!(integration = %integration_id.as_str(), %error, "the integration's webhooks could not all be removed");
        }
        ctx.data::<Integrations>()?
            .delete(&integration_id)
            .await
            .gql()
    }

    /// Queues a full import of each repository (they become selected): one run per
    /// repository, all queued at once.
    async fn import_repositories(
        &self,
        ctx: &Context<'_>,
        integration_id: ID,
        repository_ids: Vec<ID>,
    ) -> Result<Vec<ImportRun>> {
        let ids: Vec<String> = repository_ids.into_iter().map(|id| id.0).collect();
        Ok(ctx
            .data::<Imports>()?
            .import_repositories(&integration_id, &ids)
            .await
            .gql()?
            .into_iter()
            .map(ImportRun)
            .collect())
    }

    /// Queues an incremental run for every imported repository of the integration:
    /// only what changed since each repository's last successful run is fetched.
    async fn sync_integration(
        &self,
        ctx: &Context<'_>,
        integration_id: ID,
    ) -> Result<Vec<ImportRun>> {
        Ok(ctx
            .data::<Imports>()?
            .sync_integration(&integration_id)
            .await
            .gql()?
            .into_iter()
            .map(ImportRun)
            .collect())
    }

    /// Cancels a queued or running import; a running one stops before its next request,
    /// keeping every page it stored.
    async fn cancel_import(&self, ctx: &Context<'_>, run_id: ID) -> Result<ImportRun> {
        Ok(ImportRun(
            ctx.data::<Imports>()?.cancel(&run_id).await.gql()?,
        ))
    }

    /// Queues a failed or cancelled import again; it resumes after its last stored page.
    async fn retry_import(&self, ctx: &Context<'_>, run_id: ID) -> Result<ImportRun> {
        Ok(ImportRun(
            ctx.data::<Imports>()?.retry(&run_id).await.gql()?,
        ))
    }
}

/// Applies the webhook rules after a change. GitHub's refusals show on the
/// integration's `webhooks` (ERROR with the reason); anything else is logged, since
/// the change itself is stored and the next reconciliation (after an import, a role
/// change) tries again.
async fn reconcile_webhooks(ctx: &Context<'_>, integration_id: &str) -> Result<()> {
    if let Err(error) = ctx.data::<OrgHooks>()?.reconcile(integration_id).await {
        tracing::warn!(integration = %integration_id, %error, "webhooks could not be reconciled");
    }
    Ok(())
}
