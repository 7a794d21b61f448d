//! The integration details page's mutations: services, name, groups, OAuth approval,
//! deletion.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use org_hooks::OrgHooks;

use super::answer::Answer;
use crate::auth::Role;
use crate::graphql::connection_test::ConnectionTest;
use crate::graphql::node_id::NodeKind;
use crate::graphql::types::{Group, Integration, ServicesInput};
use crate::graphql::user_error::UserError;
use crate::graphql::{reach, roles::Needs};
use crate::{error::IntoGraphQl, integrations::service::Integrations, oauth::flow::OAuthFlow};

#[derive(Default)]
pub struct IntegrationMutations;

/// What `setServices` needs.
#[derive(InputObject)]
pub struct SetServicesInput {
    /// The integration whose services switch.
    pub integration_id: ID,
    /// The switches to change; a field left out keeps its value.
    pub services: ServicesInput,
    /// Any string; the payload hands it back.
    pub client_mutation_id: Option<String>,
}

/// What `setCommentRobustness` needs.
#[derive(InputObject)]
pub struct SetCommentRobustnessInput {
    /// The integration whose comments are judged.
    pub integration_id: ID,
    /// Characters (of the trimmed text) from which a comment is regular, at least 1.
    pub regular_from: i32,
    /// Characters from which a comment is robust, above `regularFrom`.
    pub robust_from: i32,
    /// Any string; the payload hands it back.
    pub client_mutation_id: Option<String>,
}

/// What `renameIntegration` needs.
#[derive(InputObject)]
pub struct RenameIntegrationInput {
    /// The integration to rename.
    pub integration_id: ID,
    /// The new name (1 to 100 characters).
    pub name: String,
    /// Any string; the payload hands it back.
    pub client_mutation_id: Option<String>,
}

/// What `refreshGroups`, `deleteIntegration` and other mutations on one integration need.
#[derive(InputObject)]
pub struct IntegrationInput {
    /// The integration concerned.
    pub integration_id: ID,
    /// Any string; the payload hands it back.
    pub client_mutation_id: Option<String>,
}

/// What `reportOAuthApprovalRequested` needs.
#[derive(InputObject)]
pub struct ReportOAuthApprovalRequestedInput {
    /// The integration whose account asked.
    pub integration_id: ID,
    /// The organization's login.
    pub organization: String,
    /// Any string; the payload hands it back.
    pub client_mutation_id: Option<String>,
}

/// An integration after a change.
#[derive(SimpleObject)]
pub struct IntegrationPayload {
    /// The integration as it is now; null when `userErrors` says why nothing changed.
    pub integration: Option<Integration>,
    /// What the person can fix.
    pub user_errors: Vec<UserError>,
    /// The input's `clientMutationId`.
    pub client_mutation_id: Option<String>,
}

/// What `refreshGroups` did.
#[derive(SimpleObject)]
pub struct RefreshGroupsPayload {
    /// The integration with its groups and repositories as GitHub has them now; when
    /// the credential failed, as it was, with the failed test as `lastConnectionTest`.
    pub integration: Option<Integration>,
    /// The connection test the refresh began with.
    pub connection_test: Option<ConnectionTest>,
    /// Why the credential no longer works, when it does not.
    pub user_errors: Vec<UserError>,
    /// The input's `clientMutationId`.
    pub client_mutation_id: Option<String>,
}

/// What `reportOAuthApprovalRequested` did.
#[derive(SimpleObject)]
pub struct ReportOAuthApprovalRequestedPayload {
    /// The organization's group, now APPROVAL_REQUESTED.
    pub group: Option<Group>,
    /// `ORGANIZATION_UNKNOWN` or `ORGANIZATION_NOT_RESTRICTED`.
    pub user_errors: Vec<UserError>,
    /// The input's `clientMutationId`.
    pub client_mutation_id: Option<String>,
}

/// What `deleteIntegration` did.
#[derive(SimpleObject)]
pub struct DeleteIntegrationPayload {
    /// The global id of the integration deleted (evict it); null when there was none.
    pub deleted_integration_id: Option<ID>,
    /// Always empty today; here so that every payload has the same shape.
    pub user_errors: Vec<UserError>,
    /// The input's `clientMutationId`.
    pub client_mutation_id: Option<String>,
}

/// The integration's key, when the caller's workspace holds it (`NOT_FOUND` otherwise).
async fn integration_key(ctx: &Context<'_>, id: &ID) -> Result<String> {
    reach::require(ctx, id, NodeKind::Integration).await.gql()
}

/// The payload of a change that answers the integration.
fn integration_payload(
    answer: Answer<entity::integration::Model>,
    client_mutation_id: Option<String>,
) -> IntegrationPayload {
    let (model, user_errors, _) = answer.split();
    IntegrationPayload {
        integration: model.map(Integration),
        user_errors,
        client_mutation_id,
    }
}

#[Object]
impl IntegrationMutations {
    /// Switches services on or off; a service the token cannot run is refused with
    /// `SCOPE_MISSING` at its field. Webhooks are added or removed by the rules before
    /// the answer.
    #[graphql(guard = "Needs::role(Role::Admin, \"setServices\")")]
    async fn set_services(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration and the switches.")] input: SetServicesInput,
    ) -> Result<IntegrationPayload> {
        let id = integration_key(ctx, &input.integration_id).await?;
        let result = ctx
            .data::<Integrations>()?
            .set_services(&id, input.services.into())
            .await;
        let answer = Answer::of(result, "services")?;
        if matches!(answer, Answer::Done(_)) {
            reconcile_webhooks(ctx, &id).await?;
        }
        Ok(integration_payload(answer, input.client_mutation_id))
    }

    /// Sets the comment robustness thresholds: how long a comment must be to count as
    /// regular or robust (thoroughly reviewed pull requests need one by a reviewer). The
    /// integration's pull request figures are computed again before the answer.
    #[graphql(guard = "Needs::role(Role::Admin, \"setCommentRobustness\")")]
    async fn set_comment_robustness(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration and its thresholds.")] input: SetCommentRobustnessInput,
    ) -> Result<IntegrationPayload> {
        let id = integration_key(ctx, &input.integration_id).await?;
        let result = ctx
            .data::<Integrations>()?
            .set_comment_robustness(&id, input.regular_from, input.robust_from)
            .await;
        Ok(integration_payload(
            Answer::of(result, "robustFrom")?,
            input.client_mutation_id,
        ))
    }

    /// Gives the integration another name.
    #[graphql(guard = "Needs::role(Role::Admin, \"renameIntegration\")")]
    async fn rename_integration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration and its new name.")] input: RenameIntegrationInput,
    ) -> Result<IntegrationPayload> {
        let id = integration_key(ctx, &input.integration_id).await?;
        let result = ctx.data::<Integrations>()?.rename(&id, &input.name).await;
        Ok(integration_payload(
            Answer::of(result, "name")?,
            input.client_mutation_id,
        ))
    }

    /// Re-reads organizations, roles, access and repositories from GitHub; webhooks
    /// follow the roles found.
    #[graphql(guard = "Needs::role(Role::Member, \"refreshGroups\")")]
    async fn refresh_groups(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration to refresh.")] input: IntegrationInput,
    ) -> Result<RefreshGroupsPayload> {
        let id = integration_key(ctx, &input.integration_id).await?;
        let integrations = ctx.data::<Integrations>()?;
        let answer = Answer::of(integrations.refresh_groups(&id).await, "integrationId")?;
        let (model, user_errors, test) = answer.split();
        let model = match model {
            Some(model) => {
                reconcile_webhooks(ctx, &id).await?;
                model
            }
            // The failed test was recorded on the integration: answer it as it is now.
            None => integrations.get(&id).await.gql()?,
        };
        Ok(RefreshGroupsPayload {
            connection_test: Some(test.unwrap_or_else(|| model.last_test.clone().into())),
            integration: Some(Integration(model)),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Records that a member asked the owners of `organization` to approve Tributary
    /// (GitHub → Settings → Applications → Authorized OAuth Apps → Tributary → Request).
    /// GitHub does not tell apps about pending requests, so the group shows
    /// APPROVAL_REQUESTED from this until an owner grants it and refreshGroups sees it.
    #[graphql(
        name = "reportOAuthApprovalRequested",
        guard = "Needs::role(Role::Admin, \"reportOAuthApprovalRequested\")"
    )]
    async fn report_oauth_approval_requested(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration and the organization.")]
        input: ReportOAuthApprovalRequestedInput,
    ) -> Result<ReportOAuthApprovalRequestedPayload> {
        let id = integration_key(ctx, &input.integration_id).await?;
        let result = ctx
            .data::<Integrations>()?
            .report_approval_requested(&id, &input.organization)
            .await;
        let (group, user_errors, _) = Answer::of(result, "organization")?.split();
        Ok(ReportOAuthApprovalRequestedPayload {
            group: group.map(Group),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Deletes the integration and everything stored for it, removing its webhooks from
    /// GitHub first.
    #[graphql(guard = "Needs::role(Role::Admin, \"deleteIntegration\")")]
    async fn delete_integration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration to delete.")] input: IntegrationInput,
    ) -> Result<DeleteIntegrationPayload> {
        // Another workspace's integration answers as a missing one: nothing deleted.
        let Some(id) = reach::visible(ctx, &input.integration_id, NodeKind::Integration)
            .await
            .gql()?
        else {
            return Ok(DeleteIntegrationPayload {
                deleted_integration_id: None,
                user_errors: Vec::new(),
                client_mutation_id: input.client_mutation_id,
            });
        };
        if let Err(error) = ctx.data::<OrgHooks>()?.remove_all(&id).await {
            tracing::warn!(integration = %id, %error, "the integration's webhooks could not all be removed");
        }
        let integrations = ctx.data::<Integrations>()?;
        // An OAuth token is Tributary's to give back: read before the row goes.
        let oauth_token = match integrations.get(&id).await {
            Ok(model) if model.auth_kind == entity::integration::AuthKind::OAuth => {
                integrations.token_of(&model).ok()
            }
            _ => None,
        };
        let deleted = integrations.delete(&id).await.gql()?;
        if let (true, Some(token)) = (deleted, oauth_token) {
            match ctx.data::<OAuthFlow>()?.revoke(&token).await {
                Ok(_) => {
                    tracing::info!(integration = %id, "the integration's OAuth token was revoked at GitHub")
                }
                Err(error) => {
                    tracing::warn!(integration = %id, %error, "the deleted integration's OAuth token could not be revoked at GitHub; its user can revoke it under Settings → Applications")
                }
            }
        }
        Ok(DeleteIntegrationPayload {
            deleted_integration_id: deleted.then(|| input.integration_id.clone()),
            user_errors: Vec::new(),
            client_mutation_id: input.client_mutation_id,
        })
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
