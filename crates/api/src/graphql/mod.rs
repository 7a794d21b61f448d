//! The GraphQL schema: wiring of queries, mutations and subscriptions.

mod analytics;
mod analytics_inputs;
mod analytics_loaders;
mod capabilities;
pub mod connection_test;
pub mod cursor;
mod date;
mod error_codes;
pub mod event_types;
mod group_issues;
mod import_types;
mod loaders;
mod mutations;
mod node;
pub mod node_id;
pub mod oauth_types;
mod query;
pub(crate) mod reach;
mod read_pool;
mod roles;
mod subscription;
mod types;
pub mod user_error;
mod viewer;
mod webhook_types;

use async_graphql::{MergedObject, Schema, dataloader::DataLoader};

use loaders::StoreLoader;

use crate::{imports::Imports, integrations::service::Integrations, oauth::flow::OAuthFlow};

pub use mutations::Mutation;
pub use read_pool::ReadPool;
pub use subscription::SubscriptionRoot;

/// Every query: objects by id, the integrations' and imports' own, the metrics', and
/// the deployment's capabilities.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct Query(
    node::NodeQuery,
    query::QueryRoot,
    analytics::AnalyticsQuery,
    capabilities::CapabilitiesQuery,
    viewer::ViewerQuery,
);

pub type TributarySchema = Schema<Query, Mutation, SubscriptionRoot>;

/// What the resolvers reach through the context.
pub struct Services {
    pub integrations: Integrations,
    pub reader: ReadPool,
    pub imports: Imports,
    pub oauth: OAuthFlow,
    pub hooks: org_hooks::OrgHooks,
    /// Whether imports and deliveries can be queued (`capabilities`).
    pub queue: queue::Queue,
}

/// `None` builds the schema without services, for printing the SDL.
pub fn build_schema(services: Option<Services>) -> TributarySchema {
    let mut builder = Schema::build(Query::default(), Mutation::default(), SubscriptionRoot)
        .extension(error_codes::ErrorCodes)
        .limit_depth(16)
        .limit_complexity(5_000)
        // Directives per field: `@include`/`@skip` need one or two; more only costs.
        .limit_directives(4);
    if let Some(Services {
        integrations,
        reader,
        imports,
        oauth,
        hooks,
        queue,
    }) = services
    {
        // Without a cache, so a row changed by a mutation is never answered stale; batching
        // still merges the lookups of one screen.
        let loader = DataLoader::new(
            StoreLoader {
                db: reader.lookups.clone(),
            },
            tokio::spawn,
        );
        builder = builder
            .data(loader)
            .data(integrations.db().clone())
            .data(reader)
            .data(integrations)
            .data(imports)
            .data(oauth)
            .data(hooks)
            .data(queue);
    }
    builder.finish()
}

/// The SDL `tributary schema` prints and `schema.graphql` holds.
pub fn sdl() -> String {
    build_schema(None).sdl()
}
