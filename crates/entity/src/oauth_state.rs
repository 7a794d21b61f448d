use sea_orm::entity::prelude::*;

/// A `state` we put in an authorize URL: valid once, for a limited time.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_states")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub state: String,
    /// The workspace of the caller that started the round trip.
    pub workspace: String,
    /// That caller's token subject; `None` for the server key. Only the same caller
    /// spends the grant.
    pub subject: Option<String>,
    /// The PKCE verifier, sealed like a token.
    pub pkce_verifier_ciphertext: String,
    /// Where the browser goes after the callback (an allowed origin), if anywhere.
    pub redirect_after: Option<String>,
    /// The product's own opaque value (`startOAuth`'s `clientState`), echoed back as
    /// `state=` on the redirect.
    pub client_state: Option<String>,
    pub created_at: DateTimeUtc,
    /// Set when the callback used it; a second use is a replay.
    pub used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
