//! Changes to integrations, pushed to GraphQL subscribers.

use async_graphql::{Enum, SimpleObject};
use chrono::{DateTime, Utc};

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntegrationEventKind {
    Created,
    Updated,
    ConnectionTested,
    GroupsRefreshed,
    Deleted,
}

/// Something happened to an integration.
#[derive(SimpleObject, Clone, Debug)]
pub struct IntegrationEvent {
    pub integration_id: String,
    pub kind: IntegrationEventKind,
    pub at: DateTime<Utc>,
}
