//! The GraphQL schema: wiring of queries, mutations and subscriptions.

mod mutation;
mod query;
mod subscription;
mod types;

use async_graphql::Schema;

use crate::integrations::Integrations;

pub use mutation::MutationRoot;
pub use query::QueryRoot;
pub use subscription::SubscriptionRoot;

pub type TributarySchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

pub fn build_schema(integrations: Option<Integrations>) -> TributarySchema {
    let mut builder = Schema::build(QueryRoot, MutationRoot, SubscriptionRoot)
        .limit_depth(16)
        .limit_complexity(5_000);
    if let Some(integrations) = integrations {
        builder = builder.data(integrations);
    }
    builder.finish()
}

/// The SDL `tributary schema` prints and `schema.graphql` holds.
pub fn sdl() -> String {
    build_schema(None).sdl()
}
