//! The GitHub client: REST where only REST exists (scopes, memberships, SSO headers),
//! GraphQL through graphql_client for data, and the connection test built on both.

pub mod client;
pub mod connection;
pub mod error;
pub mod import;
pub mod oauth;
pub mod operations;
pub mod repositories;
pub mod scopes;
pub mod token;
pub mod webhook;

/// How many requests one operation (a connection test, a group listing) keeps in
/// flight against GitHub at once.
pub const CONCURRENT_REQUESTS: usize = 4;

pub use client::{GithubClient, GithubEndpoints};
pub use connection::{ConnectionReport, OrgAccess, OrgRole, OrganizationFinding};
pub use error::GithubError;
pub use oauth::{OAuthApp, OAuthError};
pub use repositories::RemoteRepository;
pub use scopes::{MissingScope, ScopeCheck, Service};
pub use token::{Token, TokenKind};
