//! The GitHub GraphQL operations Tributary sends: one `.graphql` file each under
//! `graphql/`, typed by graphql_client from `graphql/schema.graphql` (GitHub's schema, cut
//! down to what we use). `OPERATION_FILES` lets a test validate every file against
//! GitHub's full public schema.

#![allow(clippy::upper_case_acronyms)]

use graphql_client::GraphQLQuery;

/// GitHub's custom scalars, as graphql_client needs them in scope.
pub type DateTime = String;
pub type URI = String;

/// Every operation file, relative to this crate's root.
pub const OPERATION_FILES: &[&str] = &[
    "graphql/owner_repositories.graphql",
    "graphql/private_repository_count.graphql",
];

/// The cut-down GitHub schema the operations are typed against.
pub const SCHEMA_FILE: &str = "graphql/schema.graphql";

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/schema.graphql",
    query_path = "graphql/owner_repositories.graphql",
    response_derives = "Debug, Clone"
)]
pub struct OwnerRepositories;

#[derive(GraphQLQuery)]
#[graphql(
    schema_path = "graphql/schema.graphql",
    query_path = "graphql/private_repository_count.graphql",
    response_derives = "Debug, Clone"
)]
pub struct PrivateRepositoryCount;

/// Absolute path of a file of this crate, for tests that read the `.graphql` files.
pub fn crate_file(relative: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}
