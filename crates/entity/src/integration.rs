use sea_orm::entity::prelude::*;

use crate::connection_test::ConnectionTest;

/// How an integration authenticates to GitHub; stored as `TOKEN` or `OAUTH`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
pub enum AuthKind {
    /// A classic personal access token.
    Token,
    /// An OAuth app grant. Spelled out: the case rule would store `O_AUTH`.
    #[sea_orm(string_value = "OAUTH")]
    OAuth,
}

/// A connection to GitHub: how it authenticates (the token, encrypted), whose account
/// it is, which services are on, and the last connection test.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "integrations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The product's tenant it belongs to; nothing of it reaches another workspace.
    pub workspace: String,
    pub name: String,
    pub auth_kind: AuthKind,
    /// AES-256-GCM: base64 of nonce ‖ ciphertext. Never leaves the server.
    pub token_ciphertext: String,
    pub login: String,
    pub account_id: i64,
    /// The scopes GitHub reported, comma-separated as in `X-OAuth-Scopes`.
    pub granted_scopes: String,
    pub repos_enabled: bool,
    pub pull_requests_enabled: bool,
    pub tickets_enabled: bool,
    pub webhooks_enabled: bool,
    pub last_test_ok: bool,
    /// The last connection test (no secret in it).
    #[sea_orm(column_type = "JsonBinary")]
    pub last_test: ConnectionTest,
    pub last_tested_at: DateTimeUtc,
    /// Where regular and robust comments start, in characters (thoroughly reviewed
    /// pull requests need a regular or robust comment by a reviewer).
    pub comment_regular_from: i32,
    pub comment_robust_from: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::group::Entity")]
    Group,
    #[sea_orm(has_many = "super::repository::Entity")]
    Repository,
}

impl Related<super::group::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Group.def()
    }
}

impl Related<super::repository::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Repository.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
