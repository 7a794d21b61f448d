//! Changes to integrations, as the integrations service publishes them and the
//! `integrationEvents` subscription pushes them.

use async_graphql::{Enum, ID, Object};
use chrono::{DateTime, Utc};

use super::node_id::{self, NodeKind};

/// What happened to an integration.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntegrationEventKind {
    /// `createIntegration` stored it.
    Created,
    /// Renamed, or its services switched.
    Updated,
    /// Its connection was tested, or its credential replaced.
    ConnectionTested,
    /// Its groups and repositories were read anew from GitHub.
    GroupsRefreshed,
    /// It was deleted with everything stored for it.
    Deleted,
}

/// Something happened to an integration.
#[derive(Clone, Debug)]
pub struct IntegrationEvent {
    /// The integration's row id.
    pub integration_id: String,
    /// Its workspace: only that workspace's subscribers receive the event.
    pub workspace: String,
    pub kind: IntegrationEventKind,
    pub at: DateTime<Utc>,
}

/// Something happened to an integration.
#[Object]
impl IntegrationEvent {
    /// The global id of the integration concerned (refetch it with `node`, or evict it
    /// on DELETED).
    async fn integration_id(&self) -> ID {
        node_id::encode(NodeKind::Integration, &self.integration_id)
    }

    /// What happened.
    async fn kind(&self) -> IntegrationEventKind {
        self.kind
    }

    /// When it happened.
    async fn at(&self) -> DateTime<Utc> {
        self.at
    }
}
