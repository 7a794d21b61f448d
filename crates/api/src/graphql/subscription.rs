use async_graphql::{Context, ID, Result, Subscription};
use futures_util::{Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;

use super::event_types::IntegrationEvent;
use super::node_id::{self, NodeKind};
use crate::error::IntoGraphQl;
use super::import_types::ImportProgressEvent;
use crate::{imports::Imports, integrations::service::Integrations};

/// Changes pushed as they happen, over `/graphql/ws` (graphql-transport-ws).
pub struct SubscriptionRoot;

/// Changes pushed as they happen, over `/graphql/ws` (graphql-transport-ws).
#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Changes to integrations as they happen (created, tested, refreshed, deleted);
    /// all integrations, or one.
    async fn integration_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this integration's events; every integration's when absent.")]
        integration_id: Option<ID>,
    ) -> Result<impl Stream<Item = IntegrationEvent>> {
        let integration_id = integration_id
            .map(|id| node_id::decode(&id, NodeKind::Integration))
            .transpose()
            .gql()?;
        let receiver = ctx.data::<Integrations>()?.subscribe();
        Ok(BroadcastStream::new(receiver).filter_map(move |event| {
            let wanted = event.ok().filter(|e| {
                integration_id
                    .as_ref()
                    .is_none_or(|id| *id == e.integration_id)
            });
            async move { wanted }
        }))
    }

    /// Every change of the integration's import runs as it happens, in order: queued,
    /// started, each stored page, and the final state of each run. Works across
    /// processes when workers run apart from the API (Redis).
    async fn import_progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration whose runs are followed.")] integration_id: ID,
    ) -> Result<impl Stream<Item = ImportProgressEvent>> {
        let integration_id = node_id::decode(&integration_id, NodeKind::Integration).gql()?;
        let receiver = ctx.data::<Imports>()?.bus().subscribe();
        Ok(BroadcastStream::new(receiver).filter_map(move |event| {
            let wanted = event
                .ok()
                .filter(|e| e.integration_id == integration_id)
                .map(ImportProgressEvent::from);
            async move { wanted }
        }))
    }
}
