use async_graphql::{Context, ID, Result, Subscription};
use futures_util::{Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;

use crate::{events::IntegrationEvent, integrations::Integrations};

pub struct SubscriptionRoot;

#[Subscription]
impl SubscriptionRoot {
    /// Changes to integrations as they happen (created, tested, refreshed, deleted);
    /// all integrations, or one.
    async fn integration_events(
        &self,
        ctx: &Context<'_>,
        integration_id: Option<ID>,
    ) -> Result<impl Stream<Item = IntegrationEvent>> {
        let receiver = ctx.data::<Integrations>()?.subscribe();
        Ok(BroadcastStream::new(receiver).filter_map(move |event| {
            let wanted = event.ok().filter(|e| {
                integration_id
                    .as_ref()
                    .is_none_or(|id| id.0 == e.integration_id)
            });
            async move { wanted }
        }))
    }
}
