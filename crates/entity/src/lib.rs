//! The rows Tributary stores. GitHub's own ids are unique per integration, so a
//! refresh or a re-import updates rows instead of duplicating them.

pub mod group;
pub mod integration;
pub mod oauth_grant;
pub mod oauth_state;
pub mod repository;

pub mod prelude {
    pub use super::group::Entity as Group;
    pub use super::integration::Entity as Integration;
    pub use super::repository::Entity as Repository;
}
