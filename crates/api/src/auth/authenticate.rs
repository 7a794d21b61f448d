//! Turns a request's credential into a [`Caller`]: the server key (compared in constant
//! time), or a user token (verified by [`TokenVerifier`]). A refusal names its code and
//! never anything about keys.

use std::sync::Arc;

use subtle::ConstantTimeEq;

use super::{
    Caller,
    token::{TokenRefusal, TokenSettings, TokenVerifier},
};

/// The header with which the server key names the one workspace it acts in.
pub const WORKSPACE_HEADER: &str = "X-Tributary-Workspace";
/// A workspace id is the product's own short string.
const MAX_WORKSPACE_LENGTH: usize = 200;

/// Why a request was refused (answered 401, or a closed socket).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No credential, or neither the server key nor a token.
    Unauthenticated,
    /// A user token, refused for this reason.
    Token(TokenRefusal),
    /// The server key with an empty or overlong `X-Tributary-Workspace`.
    BadWorkspaceHeader,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Unauthenticated => "UNAUTHENTICATED",
            Refusal::Token(refusal) => refusal.code(),
            Refusal::BadWorkspaceHeader => "WORKSPACE_HEADER_INVALID",
        }
    }

    pub fn message(self) -> String {
        match self {
            Refusal::Unauthenticated => "Missing or wrong credential: send `Authorization: Bearer <token>` with a user token from your identity provider, or the server key (TRIBUTARY_API_KEY).".into(),
            Refusal::Token(refusal) => format!("The user token was refused: {refusal}."),
            Refusal::BadWorkspaceHeader => format!(
                "{WORKSPACE_HEADER} must name a workspace (1 to {MAX_WORKSPACE_LENGTH} characters)."
            ),
        }
    }
}

/// Who may call: the server key and the user tokens the settings accept.
#[derive(Clone)]
pub struct Authenticator {
    api_key: Arc<str>,
    tokens: Arc<TokenVerifier>,
    default_workspace: Arc<str>,
}

/// The credential of an `Authorization: Bearer …` value, if it carries one.
pub fn bearer(authorization: Option<&str>) -> Option<&str> {
    authorization
        .map(str::trim)
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

impl Authenticator {
    pub fn new(api_key: &str, tokens: TokenSettings, default_workspace: &str) -> Self {
        Authenticator {
            api_key: api_key.into(),
            tokens: Arc::new(TokenVerifier::new(tokens)),
            default_workspace: default_workspace.into(),
        }
    }

    /// The caller an `Authorization` value (and, for the server key, a workspace
    /// header) stands for.
    pub async fn authenticate(
        &self,
        authorization: Option<&str>,
        workspace_header: Option<&str>,
    ) -> Result<Caller, Refusal> {
        let Some(given) = bearer(authorization) else {
            return Err(Refusal::Unauthenticated);
        };
        if bool::from(given.as_bytes().ct_eq(self.api_key.as_bytes())) {
            let workspace = match workspace_header.map(str::trim) {
                None => None,
                Some(w) if w.is_empty() || w.chars().count() > MAX_WORKSPACE_LENGTH => {
                    return Err(Refusal::BadWorkspaceHeader);
                }
                Some(w) => Some(w.to_string()),
            };
            return Ok(Caller::ServerKey {
                workspace,
                default_workspace: self.default_workspace.to_string(),
            });
        }
        // A JWT is three base64url parts; anything else is a wrong key, and is not
        // parsed as a token (nor does its refusal say how it differs from the key).
        if given.split('.').count() == 3 {
            return self.tokens.verify(given).await.map_err(Refusal::Token);
        }
        Err(Refusal::Unauthenticated)
    }
}
