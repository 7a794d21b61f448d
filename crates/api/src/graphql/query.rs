use crate::error::IntoGraphQl;
use async_graphql::{Context, ID, Object, Result};

use super::types::Integration;
use crate::integrations::Integrations;

pub struct QueryRoot;

#[Object]
impl QueryRoot {
    /// Every integration, oldest first.
    async fn integrations(&self, ctx: &Context<'_>) -> Result<Vec<Integration>> {
        Ok(ctx
            .data::<Integrations>()?
            .list()
            .await
            .gql()?
            .into_iter()
            .map(Integration)
            .collect())
    }

    /// A finished OAuth round trip (its login, scopes and connection test), or null.
    #[graphql(name = "oauthGrant")]
    async fn oauth_grant(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<crate::oauth::OAuthGrantView>> {
        ctx.data::<crate::oauth::OAuthFlow>()?
            .grant(&id)
            .await
            .gql()
    }

    /// One integration, or null when there is none with this id.
    async fn integration(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Integration>> {
        match ctx.data::<Integrations>()?.get(&id).await {
            Ok(model) => Ok(Some(Integration(model))),
            Err(crate::error::ApiError::NotFound { .. }) => Ok(None),
            Err(other) => Err(other.into_graphql()),
        }
    }
}
