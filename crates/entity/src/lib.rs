//! The rows Tributary stores. GitHub's own ids are unique per integration, so a
//! refresh or a re-import updates rows instead of duplicating them.

pub mod comment;
pub mod commit;
pub mod commit_day;
pub mod connection_test;
pub mod deleted_node;
pub mod group;
pub mod import_run;
pub mod integration;
pub mod keyset;
pub mod oauth_grant;
pub mod oauth_state;
pub mod pull_request;
pub mod pull_request_commit;
pub mod pull_request_event;
pub mod pull_request_figures;
pub mod reaction;
pub mod repository;
pub mod repository_commit_day;
pub mod retry;
pub mod review;
pub mod run_details;
pub mod sealed;
pub mod sql;
pub mod sync_mark;
pub mod ticket;
pub mod ticket_event;
pub mod webhook;
pub mod webhook_delivery;

pub mod prelude {
    pub use super::group::Entity as Group;
    pub use super::import_run::Entity as ImportRun;
    pub use super::integration::Entity as Integration;
    pub use super::repository::Entity as Repository;
}

#[cfg(test)]
mod tests {
    use sea_orm::{ActiveEnum, Iterable};

    use super::{group, import_run, integration};

    fn stored<E: ActiveEnum<Value = String> + Iterable>() -> Vec<String> {
        E::iter().map(|e| e.to_value()).collect()
    }

    /// The text rows already hold: each variant keeps reading and writing it.
    #[test]
    fn stored_text() {
        assert_eq!(stored::<group::GroupKind>(), ["ORGANIZATION", "USER"]);
        assert_eq!(stored::<group::GroupRole>(), ["OWNER", "MEMBER"]);
        assert_eq!(
            stored::<group::GroupAccess>(),
            [
                "OK",
                "SSO_REQUIRED",
                "OAUTH_RESTRICTED",
                "APPROVAL_REQUESTED",
                "NOT_VISIBLE"
            ]
        );
        assert_eq!(stored::<integration::AuthKind>(), ["TOKEN", "OAUTH"]);
        assert_eq!(
            stored::<import_run::ErrorCode>(),
            [
                "BAD_CREDENTIALS",
                "SSO_REQUIRED",
                "RATE_LIMITED",
                "GITHUB_UNAVAILABLE",
                "REPOSITORY_NOT_FOUND",
                "FORBIDDEN",
                "GITHUB_ERROR",
                "QUEUE_UNAVAILABLE",
                "TOKEN_UNREADABLE",
                "INTERNAL"
            ]
        );
    }
}
