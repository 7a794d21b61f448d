//! Changes to integrations, as the integrations service publishes them and the
//! `integrationEvents` subscription pushes them.

use async_graphql::{Enum, SimpleObject};
use chrono::{DateTime, Utc};

/// What happened to an integration.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntegrationEventKind {
    Created,
    /// Renamed, or its services switched.
    Updated,
    ConnectionTested,
    GroupsRefreshed,
    Deleted,
}

/// Something happened to an integration.
#[derive(SimpleObject, Clone, Debug)]
pub struct IntegrationEvent {
    /// The integration concerned.
    pub integration_id: String,
    /// What happened.
    pub kind: IntegrationEventKind,
    /// When it happened.
    pub at: DateTime<Utc>,
}
