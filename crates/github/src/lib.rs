//! The GitHub client: REST where only REST exists (scopes, memberships, SSO headers),
//! GraphQL through graphql_client for data, and the connection test built on both.

pub mod client;
pub mod connection_test;
pub mod error;
pub mod import;
pub mod oauth;
pub mod operations;
pub mod repositories;
pub mod token;
pub mod webhook;

pub use client::{CONCURRENT_REQUESTS, GithubClient, GithubEndpoints};
pub use connection_test::{
    ConnectionFailure, ConnectionReport,
    organizations::{OrgAccess, OrgRole, OrganizationFinding},
    scopes::{MissingScope, ScopeCheck, Service},
};
pub use error::GithubError;
pub use oauth::{OAuthApp, OAuthError};
pub use repositories::RemoteRepository;
pub use token::{Token, TokenKind};
