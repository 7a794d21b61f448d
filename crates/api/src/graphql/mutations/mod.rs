//! Every mutation, one module per screen's concern. Each takes one `input` and answers a
//! `…Payload` with the objects it changed, `userErrors` (what the person can fix) and
//! the `clientMutationId` it was given; what a program did wrong, or what broke, is a
//! top-level error with `extensions.code` (docs/api.md lists both).

mod answer;
mod connection;
mod imports;
mod integration;

use async_graphql::MergedObject;

/// Every mutation.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct Mutation(
    connection::ConnectionMutations,
    integration::IntegrationMutations,
    imports::ImportMutations,
);
