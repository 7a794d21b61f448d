//! The GraphQL schema: wiring of queries, mutations and subscriptions.

mod analytics;
mod analytics_inputs;
mod analytics_loaders;
pub mod connection_test;
pub mod cursor;
pub mod event_types;
mod import_group;
mod import_types;
mod loaders;
mod mutation;
pub mod oauth_types;
mod query;
mod subscription;
mod types;
mod webhook_types;

use async_graphql::{MergedObject, Schema, dataloader::DataLoader};

use loaders::StoreLoader;

use crate::{imports::Imports, integrations::service::Integrations, oauth::flow::OAuthFlow};

pub use subscription::SubscriptionRoot;

/// Every query: the integrations' and imports' own, and the metrics'.
#[derive(MergedObject)]
#[graphql(name = "QueryRoot")]
pub struct QueryRoot(query::QueryRoot, analytics::AnalyticsQuery);

/// Every mutation: the integrations' and imports' own, and `importGroup`. Named
/// `Mutation` because the integrations' part is still called `MutationRoot` itself.
#[derive(MergedObject)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(mutation::MutationRoot, import_group::ImportGroupMutation);

pub type TributarySchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// What the resolvers reach through the context.
pub struct Services {
    pub integrations: Integrations,
    pub imports: Imports,
    pub oauth: OAuthFlow,
    pub hooks: org_hooks::OrgHooks,
}

/// `None` builds the schema without services, for printing the SDL.
pub fn build_schema(services: Option<Services>) -> TributarySchema {
    let mut builder = Schema::build(
        QueryRoot(query::QueryRoot, analytics::AnalyticsQuery),
        MutationRoot(mutation::MutationRoot, import_group::ImportGroupMutation),
        SubscriptionRoot,
    )
    .limit_depth(16)
    .limit_complexity(5_000);
    if let Some(Services {
        integrations,
        imports,
        oauth,
        hooks,
    }) = services
    {
        // Without a cache, so a row changed by a mutation is never answered stale; batching
        // still merges the lookups of one screen.
        let loader = DataLoader::new(
            StoreLoader {
                db: integrations.db().clone(),
            },
            tokio::spawn,
        );
        builder = builder
            .data(loader)
            .data(integrations.db().clone())
            .data(integrations)
            .data(imports)
            .data(oauth)
            .data(hooks);
    }
    builder.finish()
}

/// The SDL `tributary schema` prints and `schema.graphql` holds.
pub fn sdl() -> String {
    build_schema(None).sdl()
}
