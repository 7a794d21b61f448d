//! What `startOAuth` takes and answers, and a stored OAuth grant as `oauthGrant` shows it.

use async_graphql::{ComplexObject, ID, InputObject, SimpleObject};
use chrono::{DateTime, Utc};

use super::connection_test::ConnectionTest;
use super::node_id::{self, NodeKind};

/// What `startOAuth` needs.
#[derive(InputObject, Default)]
pub struct StartOAuthInput {
    /// Where the browser goes after the callback; it must be on an allowed origin. On
    /// success `oauth_grant_id` is added to its query, on failure `error` with a code
    /// (`ACCESS_DENIED`, `STATE_EXPIRED`, `CODE_EXCHANGE_FAILED`, `OAUTH_APP_MISCONFIGURED`,
    /// `GITHUB_UNREACHABLE`, `CONNECTION_FAILED`, `INTERNAL_ERROR`; docs/oauth.md). Without
    /// it, the callback shows a small page with the result. A callback whose state is
    /// missing, unknown or used already always shows that page.
    pub redirect_after: Option<String>,
    /// Any string; the payload hands it back.
    pub client_mutation_id: Option<String>,
    /// The product's own opaque value (at most 512 characters), kept with the OAuth
    /// state and added to `redirectAfter`'s query as `state` on success and failure,
    /// so the product can check the round trip is its own.
    pub client_state: Option<String>,
}

/// Where to send the user's browser (`StartOAuthPayload` carries it to the client).
pub struct OAuthStart {
    /// GitHub's authorize page for Tributary's OAuth app (open it in a pop-up or tab).
    pub authorize_url: String,
    /// The state in the URL; GitHub hands it back on the callback, which accepts it once.
    pub state: String,
}

/// A finished OAuth round trip, waiting for `createIntegration(input: {oauthGrantId})`.
#[derive(SimpleObject)]
#[graphql(name = "OAuthGrant", complex)]
pub struct OAuthGrantView {
    /// The grant's row id (the global id is `id`).
    #[graphql(skip)]
    pub row_id: String,
    /// The GitHub account that authorized Tributary.
    pub login: String,
    /// The scopes GitHub granted.
    pub granted_scopes: Vec<String>,
    /// The connection test run right after the authorization.
    pub test: ConnectionTest,
    /// After this, connect to GitHub again for a new grant.
    pub expires_at: DateTime<Utc>,
    /// True once an integration was created from it; a grant is usable once.
    pub used: bool,
}

#[ComplexObject]
impl OAuthGrantView {
    /// The grant's global id: give it to `createIntegration` or `reconnectIntegration`
    /// as `oauthGrantId`.
    pub(crate) async fn id(&self) -> ID {
        node_id::encode(NodeKind::OAuthGrant, &self.row_id)
    }
}
