use crate::error::{ApiError, Found, IntoGraphQl};
use async_graphql::{Context, ID, Object, Result};

use super::import_types::{ImportRun, ImportRunConnection, ImportState, integration_runs_page};
use super::node_id::{self, NodeKind};
use super::oauth_types::OAuthGrantView;
use super::reach;
use super::types::Integration;
use crate::{imports::Imports, integrations::service::Integrations, oauth::flow::OAuthFlow};

#[derive(Default)]
pub struct QueryRoot;

// Merged into the schema's `QueryRoot` (graphql/mod.rs) beside the metrics queries.
#[Object(name = "IntegrationQueries")]
impl QueryRoot {
    /// Every integration of the caller's workspace, oldest first.
    async fn integrations(&self, ctx: &Context<'_>) -> Result<Vec<Integration>> {
        let caller = reach::caller(ctx).gql()?;
        Ok(ctx
            .data::<Integrations>()?
            .list(caller.reach())
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
        #[graphql(desc = "The grant's id, as the callback handed it back.")] id: ID,
    ) -> Result<Option<OAuthGrantView>> {
        let key = node_id::decode(&id, NodeKind::OAuthGrant).gql()?;
        let caller = reach::caller(ctx).gql()?;
        ctx.data::<OAuthFlow>()?.grant(&key, caller).await.gql()
    }

    /// One integration, or null when there is none with this id.
    async fn integration(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration's id.")] id: ID,
    ) -> Result<Option<Integration>> {
        let Some(key) = reach::visible(ctx, &id, NodeKind::Integration)
            .await
            .gql()?
        else {
            return Ok(None);
        };
        Ok(ctx
            .data::<Integrations>()?
            .get(&key)
            .await
            .found()
            .gql()?
            .map(Integration))
    }

    /// The import runs of an integration, newest first; only those of some repositories
    /// or in some states when asked.
    async fn import_runs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration whose runs are listed.")] integration_id: ID,
        #[graphql(desc = "How many from the start (or after `after`), at most 100.")] first: Option<
            i32,
        >,
        #[graphql(desc = "The `endCursor` of the page before (paging forward).")] after: Option<
            String,
        >,
        #[graphql(desc = "Only the runs of these repositories (at most 500).")]
        repository_ids: Option<Vec<ID>>,
        #[graphql(desc = "Only runs in these states.")] states: Option<Vec<ImportState>>,
    ) -> Result<ImportRunConnection> {
        let key = reach::require(ctx, &integration_id, NodeKind::Integration)
            .await
            .gql()?;
        if repository_ids
            .as_ref()
            .is_some_and(|ids| ids.len() > metrics::scope::MAX_FILTER_ITEMS)
        {
            return Err(ApiError::BadInput(format!(
                "repositoryIds names more than {} repositories",
                metrics::scope::MAX_FILTER_ITEMS
            )))
            .gql();
        }
        let repositories = repository_ids
            .map(|ids| node_id::decode_all(&ids, NodeKind::Repository))
            .transpose()
            .gql()?;
        integration_runs_page(ctx, &key, repositories, states, after, first).await
    }

    /// One import run, or null when there is none with this id.
    async fn import_run(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The run's id.")] id: ID,
    ) -> Result<Option<ImportRun>> {
        let Some(key) = reach::visible(ctx, &id, NodeKind::ImportRun).await.gql()? else {
            return Ok(None);
        };
        Ok(ctx
            .data::<Imports>()?
            .get(&key)
            .await
            .found()
            .gql()?
            .map(ImportRun))
    }
}
