use async_graphql::{Context, ID, Result, Subscription};
use chrono::Utc;
use entity::import_run;
use futures_util::{Stream, StreamExt};
use queue::Progress;
use sea_orm::{DatabaseConnection, EntityTrait};
use tokio_stream::wrappers::BroadcastStream;

use super::event_types::IntegrationEvent;
use super::import_types::{ImportEventsMissed, ImportProgressEvent, ImportProgressUpdate};
use super::node_id::NodeKind;
use super::reach;
use crate::auth::Reach;
use crate::error::IntoGraphQl;
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
        let integration_id = match integration_id {
            Some(id) => Some(
                reach::require(ctx, &id, NodeKind::Integration)
                    .await
                    .gql()?,
            ),
            None => None,
        };
        // The caller's workspace only, also for events of integrations created later.
        let workspace = match reach::caller(ctx).gql()?.reach() {
            Reach::Workspace(workspace) => Some(workspace.to_string()),
            Reach::Everywhere => None,
        };
        let receiver = ctx.data::<Integrations>()?.subscribe();
        Ok(BroadcastStream::new(receiver).filter_map(move |event| {
            let wanted = event.ok().filter(|e| {
                integration_id
                    .as_ref()
                    .is_none_or(|id| *id == e.integration_id)
                    && workspace.as_ref().is_none_or(|w| *w == e.workspace)
            });
            async move { wanted }
        }))
    }

    /// Every change of the integration's import runs as it happens, in order: queued,
    /// started, each stored page, and the final state of each run, each with the run
    /// itself. A subscriber that fell behind (or whose server lost Redis for a while)
    /// gets `ImportEventsMissed` in place of what it missed, and refetches the runs.
    /// Works across processes when workers run apart from the API (Redis).
    async fn import_progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration whose runs are followed.")] integration_id: ID,
    ) -> Result<impl Stream<Item = ImportProgressUpdate>> {
        // On the bus before the first await: the socket answers a client's ping while
        // this resolver may still wait on the reach check, and a client that starts an
        // import once answered must not lose its first events to that wait. Until the
        // check passes they only gather in the receiver.
        let receiver = ctx.data::<Imports>()?.bus().subscribe();
        let row = reach::require(ctx, &integration_id, NodeKind::Integration)
            .await
            .gql()?;
        let db = ctx.data::<DatabaseConnection>()?.clone();
        Ok(receiver.into_stream().filter_map(move |progress| {
            let (db, integration_id, row) = (db.clone(), integration_id.clone(), row.clone());
            async move {
                match progress {
                    Progress::Changed(event) if event.integration_id == row => {
                        // A run deleted meanwhile (its integration or repository went)
                        // has nothing left to show.
                        let run = import_run::Entity::find_by_id(event.run_id.clone())
                            .one(&db)
                            .await;
                        match run {
                            Ok(Some(run)) => Some(ImportProgressUpdate::Event(Box::new(
                                ImportProgressEvent::new(event, run),
                            ))),
                            Ok(None) => None,
                            Err(error) => {
                                tracing::warn!(%error, run = %event.run_id, "could not read a run for its progress event");
                                Some(missed(integration_id))
                            }
                        }
                    }
                    Progress::Changed(_) => None,
                    Progress::Missed => Some(missed(integration_id)),
                }
            }
        }))
    }
}

fn missed(integration_id: ID) -> ImportProgressUpdate {
    ImportProgressUpdate::Missed(ImportEventsMissed {
        integration_id,
        at: Utc::now(),
    })
}
