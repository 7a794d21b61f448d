//! How a new integration authenticates, as `createIntegration` gives it.

use crate::error::{ApiError, ApiResult};
use crate::graphql::user_error::UserErrorCode;

/// How a new integration authenticates: a pasted token or a finished OAuth round trip.
#[derive(Clone, Copy, Debug)]
pub enum Credential<'a> {
    Token(&'a str),
    OAuthGrant(&'a str),
}

impl<'a> Credential<'a> {
    /// Exactly one of the two inputs.
    pub fn from_input(token: Option<&'a str>, oauth_grant_id: Option<&'a str>) -> ApiResult<Self> {
        match (token, oauth_grant_id) {
            (Some(token), None) => Ok(Credential::Token(token)),
            (None, Some(grant)) => Ok(Credential::OAuthGrant(grant)),
            (None, None) => Err(ApiError::user(
                UserErrorCode::CredentialMissing,
                "give the integration a credential: `token` (a classic personal access token) or `oauthGrantId` (from connecting to GitHub with OAuth)",
            )),
            (Some(_), Some(_)) => Err(ApiError::user_at(
                UserErrorCode::CredentialAmbiguous,
                &["oauthGrantId"],
                "give either `token` or `oauthGrantId`, not both",
            )),
        }
    }
}
