//! What the API does with integrations: test tokens, create, switch services, refresh
//! groups and repositories. GraphQL resolvers are thin calls into [`service`].

pub mod approval;
pub mod credential;
pub mod group_listing;
pub mod group_store;
pub mod queries;
pub mod service;
pub mod switches;
