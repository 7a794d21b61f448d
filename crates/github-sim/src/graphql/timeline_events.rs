//! Timeline events, as issue and pull request timelines both list them: each is an
//! `actor`, a `createdAt`, an `id` and, for some, what the event is about.

use async_graphql::{ID, SimpleObject};

use super::actors::Actor;
use super::scalars::GhDateTime;

/// Declares a timeline event type: `actor`, `createdAt`, `id`, plus its subject field.
macro_rules! timeline_event {
    ($name:ident) => {
        #[derive(async_graphql::SimpleObject)]
        pub struct $name {
            pub(super) actor: Option<$crate::graphql::actors::Actor>,
            pub(super) created_at: $crate::graphql::scalars::GhDateTime,
            pub(super) id: async_graphql::ID,
        }
    };
    ($name:ident, $field:ident: $ty:ty) => {
        #[derive(async_graphql::SimpleObject)]
        pub struct $name {
            pub(super) actor: Option<$crate::graphql::actors::Actor>,
            pub(super) created_at: $crate::graphql::scalars::GhDateTime,
            pub(super) id: async_graphql::ID,
            pub(super) $field: $ty,
        }
    };
}

pub(super) use timeline_event;

/// Represents a 'closed' event on any `Closable`.
#[derive(SimpleObject)]
pub struct ClosedEvent {
    pub(super) actor: Option<Actor>,
    pub(super) created_at: GhDateTime,
    pub(super) id: ID,
}

/// Represents a 'reopened' event on any `Closable`.
#[derive(SimpleObject)]
pub struct ReopenedEvent {
    pub(super) actor: Option<Actor>,
    pub(super) created_at: GhDateTime,
    pub(super) id: ID,
}
