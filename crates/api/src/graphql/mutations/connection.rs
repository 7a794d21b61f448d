//! The Add Integration wizard's mutations and the credential's upkeep: test a token,
//! start OAuth, create the integration, re-test it, reconnect it.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};

use super::answer::Answer;
use crate::auth::Role;
use crate::graphql::connection_test::ConnectionTest;
use crate::graphql::node_id::{self, NodeKind};
use crate::graphql::oauth_types::StartOAuthInput;
use crate::graphql::types::{Integration, ServicesInput};
use crate::graphql::user_error::UserError;
use crate::graphql::{reach, roles::Needs};
use crate::{
    error::IntoGraphQl,
    integrations::{credential::Credential, service::Integrations},
    oauth::flow::OAuthFlow,
};

#[derive(Default)]
pub struct ConnectionMutations;

/// What `testToken` needs.
#[derive(InputObject)]
pub struct TestTokenInput {
    /// The token to test; nothing is stored.
    pub token: String,
    /// Any string; the payload hands it back.
    pub client_mutation_id: Option<String>,
}

/// What `testToken` found.
#[derive(SimpleObject)]
pub struct TestTokenPayload {
    /// Who the token belongs to, its scopes and every organization's role and access.
    pub connection_test: ConnectionTest,
    /// Why the token cannot be used, when it cannot (the code mirrors `connectionTest.failure`).
    pub user_errors: Vec<UserError>,
    /// The input's `clientMutationId`.
    pub client_mutation_id: Option<String>,
}

/// What `startOAuth` answers.
#[derive(SimpleObject)]
pub struct StartOAuthPayload {
    /// GitHub's authorize page for Tributary's OAuth app (open it in a pop-up or tab);
    /// null when `userErrors` says why not.
    pub authorize_url: Option<String>,
    /// The state in the URL; GitHub hands it back on the callback, which accepts it once.
    pub state: Option<String>,
    /// `OAUTH_NOT_CONFIGURED`, `REDIRECT_NOT_ALLOWED`, `CLIENT_STATE_TOO_LONG`.
    pub user_errors: Vec<UserError>,
    /// The input's `clientMutationId`.
    pub client_mutation_id: Option<String>,
}

/// What `createIntegration` needs.
#[derive(InputObject)]
pub struct CreateIntegrationInput {
    /// Shown in the product's list of integrations.
    pub name: String,
    /// A classic personal access token (`ghp_…`), preferably of a service account.
    /// Give this or `oauthGrantId`, not both.
    pub token: Option<String>,
    /// The OAuth grant's global id the callback handed back (`startOAuth`); usable once,
    /// before it expires.
    #[graphql(name = "oauthGrantId")]
    pub oauth_grant_id: Option<ID>,
    /// Services to run; those left out are on where the token allows them.
    pub services: Option<ServicesInput>,
    /// Any string; the payload hands it back.
    pub client_mutation_id: Option<String>,
}

/// What `createIntegration` did.
#[derive(SimpleObject)]
pub struct CreateIntegrationPayload {
    /// The new integration; null when `userErrors` says why not.
    pub integration: Option<Integration>,
    /// The connection test the credential went through (also when it failed).
    pub connection_test: Option<ConnectionTest>,
    /// What the person can fix: the token, the grant, the name, a service's scope.
    pub user_errors: Vec<UserError>,
    /// The input's `clientMutationId`.
    pub client_mutation_id: Option<String>,
}

/// What `testConnection` needs.
#[derive(InputObject)]
pub struct TestConnectionInput {
    /// The integration whose stored credential is tested.
    pub integration_id: ID,
    /// Any string; the payload hands it back.
    pub client_mutation_id: Option<String>,
}

/// What `testConnection` found.
#[derive(SimpleObject)]
pub struct TestConnectionPayload {
    /// The integration, with the fresh test as `lastConnectionTest`.
    pub integration: Option<Integration>,
    /// The fresh test.
    pub connection_test: Option<ConnectionTest>,
    /// Why the stored credential no longer works, when it does not.
    pub user_errors: Vec<UserError>,
    /// The input's `clientMutationId`.
    pub client_mutation_id: Option<String>,
}

/// What `reconnectIntegration` needs: a new credential, by either path.
#[derive(InputObject)]
pub struct ReconnectIntegrationInput {
    /// The integration to reconnect; its repositories and data stay.
    pub integration_id: ID,
    /// A new classic personal access token. Give this or `oauthGrantId`, not both.
    pub token: Option<String>,
    /// A new OAuth grant's global id (`startOAuth`, then the callback).
    #[graphql(name = "oauthGrantId")]
    pub oauth_grant_id: Option<ID>,
    /// Any string; the payload hands it back.
    pub client_mutation_id: Option<String>,
}

/// What `reconnectIntegration` did.
#[derive(SimpleObject)]
pub struct ReconnectIntegrationPayload {
    /// The integration with its new credential; null when `userErrors` says why not
    /// (the old credential then stays).
    pub integration: Option<Integration>,
    /// The test the new credential went through (also when it failed).
    pub connection_test: Option<ConnectionTest>,
    /// What the person can fix: the credential, or that it is another account's.
    pub user_errors: Vec<UserError>,
    /// The input's `clientMutationId`.
    pub client_mutation_id: Option<String>,
}

/// The input field a credential came in.
fn credential_field(token: &Option<String>) -> &'static str {
    if token.is_some() {
        "token"
    } else {
        "oauthGrantId"
    }
}

fn grant_key(id: &Option<ID>) -> Result<Option<String>> {
    id.as_ref()
        .map(|id| node_id::decode(id, NodeKind::OAuthGrant))
        .transpose()
        .gql()
}

#[Object]
impl ConnectionMutations {
    /// Tests a token against GitHub without storing anything: who it belongs to, its
    /// scopes against those Tributary needs, and every organization's role and access.
    #[graphql(guard = "Needs::role(Role::Admin, \"testToken\")")]
    async fn test_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token to test.")] input: TestTokenInput,
    ) -> Result<TestTokenPayload> {
        let test = ctx.data::<Integrations>()?.test_token(&input.token).await;
        // The test is the answer, an outage included (`connectionTest.failure`); only
        // what the person can change about the token is a user error.
        let user_errors = UserError::of_test(&test, "token");
        Ok(TestTokenPayload {
            connection_test: test,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Starts connecting through Tributary's OAuth app: open `authorizeUrl` in the
    /// user's browser; GitHub comes back to `/oauth/github/callback`, which stores an
    /// OAuth grant for `createIntegration` or `reconnectIntegration`.
    #[graphql(
        name = "startOAuth",
        guard = "Needs::role(Role::Admin, \"startOAuth\")"
    )]
    async fn start_oauth(
        &self,
        ctx: &Context<'_>,
        #[graphql(default, desc = "Where the browser goes afterwards.")] input: StartOAuthInput,
    ) -> Result<StartOAuthPayload> {
        let client_mutation_id = input.client_mutation_id.clone();
        let caller = reach::caller(ctx).gql()?;
        let (start, user_errors, _) = Answer::of(
            ctx.data::<OAuthFlow>()?.start(input, caller).await,
            "redirectAfter",
        )?
        .split();
        Ok(StartOAuthPayload {
            authorize_url: start.as_ref().map(|s| s.authorize_url.clone()),
            state: start.map(|s| s.state),
            user_errors,
            client_mutation_id,
        })
    }

    /// Tests the token (or the OAuth grant's token) and, if it passes, stores the
    /// integration (token encrypted) with its groups and repositories. A failing
    /// credential is refused with the whole test; a grant is spent by the integration
    /// it creates.
    #[graphql(guard = "Needs::role(Role::Admin, \"createIntegration\")")]
    async fn create_integration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The name, the credential and the services.")]
        input: CreateIntegrationInput,
    ) -> Result<CreateIntegrationPayload> {
        let integrations = ctx.data::<Integrations>()?;
        let caller = reach::caller(ctx).gql()?;
        let grant = grant_key(&input.oauth_grant_id)?;
        let result = match Credential::from_input(input.token.as_deref(), grant.as_deref()) {
            Ok(credential) => {
                integrations
                    .create(
                        caller,
                        &input.name,
                        credential,
                        input.services.map(Into::into),
                    )
                    .await
            }
            Err(error) => Err(error),
        };
        let (model, user_errors, test) =
            Answer::of(result, credential_field(&input.token))?.split();
        Ok(CreateIntegrationPayload {
            connection_test: test.or_else(|| model.as_ref().map(|m| m.last_test.clone().into())),
            integration: model.map(Integration),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Re-tests the stored credential and records the result (GitHub being down
    /// changes nothing and is a top-level error).
    #[graphql(guard = "Needs::role(Role::Member, \"testConnection\")")]
    async fn test_connection(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration to test.")] input: TestConnectionInput,
    ) -> Result<TestConnectionPayload> {
        let id = reach::require(ctx, &input.integration_id, NodeKind::Integration)
            .await
            .gql()?;
        let (model, test) = ctx
            .data::<Integrations>()?
            .test_connection(&id)
            .await
            .gql()?;
        // An outage never gets here: the service answers it as a top-level error.
        let user_errors = UserError::of_test(&test, "integrationId");
        Ok(TestConnectionPayload {
            integration: Some(Integration(model)),
            connection_test: Some(test),
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }

    /// Replaces the integration's credential by either path (a pasted token or a new
    /// OAuth grant) when the new one passes the test and belongs to the same account;
    /// repositories, imports and data stay. A refreshed token must be authorized for
    /// SAML SSO again, which the test checks.
    #[graphql(guard = "Needs::role(Role::Admin, \"reconnectIntegration\")")]
    async fn reconnect_integration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration and its new credential.")]
        input: ReconnectIntegrationInput,
    ) -> Result<ReconnectIntegrationPayload> {
        let id = reach::require(ctx, &input.integration_id, NodeKind::Integration)
            .await
            .gql()?;
        let caller = reach::caller(ctx).gql()?;
        let grant = grant_key(&input.oauth_grant_id)?;
        let result = match Credential::from_input(input.token.as_deref(), grant.as_deref()) {
            Ok(credential) => {
                ctx.data::<Integrations>()?
                    .reconnect(&id, caller, credential)
                    .await
            }
            Err(error) => Err(error),
        };
        let (done, user_errors, failed_test) =
            Answer::of(result, credential_field(&input.token))?.split();
        let (integration, test) = match done {
            Some((model, test)) => (Some(Integration(model)), Some(test)),
            None => (None, failed_test),
        };
        Ok(ReconnectIntegrationPayload {
            integration,
            connection_test: test,
            user_errors,
            client_mutation_id: input.client_mutation_id,
        })
    }
}
