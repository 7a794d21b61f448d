use crate::error::IntoGraphQl;
use async_graphql::{Context, ID, Object, Result};

use super::import_types::{ImportRun, ImportRunConnection, ImportState, integration_runs_page};
use super::oauth_types::OAuthGrantView;
use super::types::Integration;
use crate::{imports::Imports, integrations::service::Integrations, oauth::flow::OAuthFlow};

pub struct QueryRoot;

// Merged into the schema's `QueryRoot` (graphql/mod.rs) beside the metrics queries.
#[Object(name = "IntegrationQueries")]
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
    async fn oauth_grant(&self, ctx: &Context<'_>, id: ID) -> Result<Option<OAuthGrantView>> {
        ctx.data::<OAuthFlow>()?.grant(&id).await.gql()
    }

    /// One integration, or null when there is none with this id.
    async fn integration(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Integration>> {
        match ctx.data::<Integrations>()?.get(&id).await {
            Ok(model) => Ok(Some(Integration(model))),
            Err(crate::error::ApiError::NotFound { .. }) => Ok(None),
            Err(other) => Err(other.into_graphql()),
        }
    }

    /// The import runs of an integration, newest first; only those of some repositories
    /// or in some states when asked.
    async fn import_runs(
        &self,
        ctx: &Context<'_>,
        integration_id: ID,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(desc = "Only the runs of these repositories.")] repository_ids: Option<Vec<ID>>,
        #[graphql(desc = "Only runs in these states.")] states: Option<Vec<ImportState>>,
    ) -> Result<ImportRunConnection> {
        integration_runs_page(ctx, &integration_id, repository_ids, states, after, first).await
    }

    /// One import run, or null when there is none with this id.
    async fn import_run(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ImportRun>> {
        match ctx.data::<Imports>()?.get(&id).await {
            Ok(run) => Ok(Some(ImportRun(run))),
            Err(crate::error::ApiError::NotFound { .. }) => Ok(None),
            Err(other) => Err(other.into_graphql()),
        }
    }
}
