use sea_orm::entity::prelude::*;

use crate::connection_test::ConnectionTest;

/// What a finished OAuth round trip leaves: the user token (sealed) and its connection
/// test, until `createIntegration` uses it once or it expires.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_grants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// AES-256-GCM: base64 of nonce ‖ ciphertext. Never leaves the server.
    pub token_ciphertext: String,
    /// The workspace of the caller that started the round trip.
    pub workspace: String,
    /// That caller's token subject; `None` for the server key. Only the same caller
    /// spends the grant.
    pub subject: Option<String>,
    pub login: String,
    pub account_id: i64,
    /// Comma-separated, as in `X-OAuth-Scopes`.
    pub granted_scopes: String,
    /// The connection test (no secret in it).
    #[sea_orm(column_type = "JsonBinary")]
    pub test: ConnectionTest,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
