//! GitHub's OAuth web flow for an OAuth app, through the `oauth2` crate: the authorize
//! URL (scopes, state, PKCE S256, `allow_signup=false`) and the code exchange, with
//! GitHub's error answers (which arrive with HTTP 200) turned into words a user can act on.

use std::time::Duration;

use oauth2::basic::{BasicClient, BasicErrorResponse, BasicErrorResponseType};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope,
    TokenResponse, TokenUrl,
};

use crate::token::Token;

type GithubOAuthClient =
    BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// The settings that name the two values.
pub const CLIENT_ID_SETTING: &str = "TRIBUTARY_GITHUB_OAUTH_CLIENT_ID";
pub const CLIENT_SECRET_SETTING: &str = "TRIBUTARY_GITHUB_OAUTH_CLIENT_SECRET";

/// Tributary's OAuth app on GitHub.
#[derive(Clone)]
pub struct OAuthApp {
    client: GithubOAuthClient,
    http: reqwest::Client,
}

impl std::fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthApp")
            .field("client_id", self.client.client_id())
            .finish_non_exhaustive()
    }
}

/// Where to send the browser, and what to keep until it comes back.
pub struct AuthorizeRequest {
    pub url: String,
    pub state: String,
    /// Secret until the exchange; store it sealed.
    pub pkce_verifier: String,
}

/// A user token from the exchange, with the scopes GitHub granted.
#[derive(Debug)]
pub struct GrantedToken {
    pub token: Token,
    pub scopes: Vec<String>,
}

/// Every way the OAuth flow ends without a token. Never carries a secret.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OAuthError {
    #[error(
        "The GitHub OAuth app is not configured: set {CLIENT_ID_SETTING} and {CLIENT_SECRET_SETTING} to the client id and a client secret of Tributary's OAuth app on GitHub (Settings → Developer settings → OAuth Apps)."
    )]
    NotConfigured,
    #[error("{setting} is not a valid URL ({url}).")]
    BadUrl { setting: &'static str, url: String },
    #[error(
        "Access was not granted on GitHub{}, so nothing was connected. To connect, start again and choose Authorize.",
        description.as_ref().map(|d| format!(" ({d})")).unwrap_or_default()
    )]
    AccessDenied { description: Option<String> },
    #[error(
        "GitHub did not accept the authorization code: it is incorrect, was used already, or expired (codes live 10 minutes). Start connecting again."
    )]
    BadVerificationCode,
    #[error(
        "GitHub rejected Tributary's OAuth client id or client secret. An administrator compares {CLIENT_ID_SETTING} and {CLIENT_SECRET_SETTING} with the OAuth app's settings on GitHub (Settings → Developer settings → OAuth Apps) and generates a new client secret if needed."
    )]
    IncorrectClientCredentials,
    #[error(
        "GitHub refused the callback URL {redirect_uri}: it must be the OAuth app's Authorization callback URL or lie under it. Set the app's callback URL on GitHub to {redirect_uri}, or correct TRIBUTARY_PUBLIC_URL."
    )]
    RedirectUriMismatch { redirect_uri: String },
    #[error(
        "GitHub has suspended Tributary's OAuth app; an administrator checks the app on GitHub (Settings → Developer settings → OAuth Apps)."
    )]
    ApplicationSuspended,
    #[error("GitHub answered the OAuth request with {code}{}.", description.as_ref().map(|d| format!(": {d}")).unwrap_or_default())]
    Other {
        code: String,
        description: Option<String>,
    },
    #[error(
        "Could not reach GitHub at {url} to finish the OAuth flow: {reason}. Check the GitHub web URL setting and this server's network access."
    )]
    Unreachable { url: String, reason: String },
}

impl OAuthError {
    /// The error GitHub put on the callback (`error=…&error_description=…`).
    pub fn from_callback(code: &str, description: Option<&str>, redirect_uri: &str) -> Self {
        Self::from_code(code, description.map(str::to_string), redirect_uri)
    }

    fn from_code(code: &str, description: Option<String>, redirect_uri: &str) -> Self {
        match code {
            "access_denied" => OAuthError::AccessDenied { description },
            "bad_verification_code" => OAuthError::BadVerificationCode,
            "incorrect_client_credentials" => OAuthError::IncorrectClientCredentials,
            "redirect_uri_mismatch" => OAuthError::RedirectUriMismatch {
                redirect_uri: redirect_uri.to_string(),
            },
            "application_suspended" => OAuthError::ApplicationSuspended,
            other => OAuthError::Other {
                code: other.to_string(),
                description,
            },
        }
    }
}

impl OAuthApp {
    /// `web_url` is GitHub's web base (`https://github.com`); `redirect_url` is this
    /// server's callback. Empty client id or secret → [`OAuthError::NotConfigured`].
    pub fn new(
        client_id: Option<&str>,
        client_secret: Option<&str>,
        web_url: &str,
        redirect_url: &str,
    ) -> Result<Self, OAuthError> {
        let (Some(client_id), Some(client_secret)) = (
            client_id.map(str::trim).filter(|s| !s.is_empty()),
            client_secret.map(str::trim).filter(|s| !s.is_empty()),
        ) else {
            return Err(OAuthError::NotConfigured);
        };
        let web = web_url.trim_end_matches('/');
        let bad_web = |_| OAuthError::BadUrl {
            setting: "TRIBUTARY_GITHUB_WEB_URL",
            url: web.to_string(),
        };
        let client = BasicClient::new(ClientId::new(client_id.to_string()))
            .set_client_secret(ClientSecret::new(client_secret.to_string()))
            .set_auth_uri(AuthUrl::new(format!("{web}/login/oauth/authorize")).map_err(bad_web)?)
            .set_token_uri(
                TokenUrl::new(format!("{web}/login/oauth/access_token")).map_err(bad_web)?,
            )
            .set_redirect_uri(RedirectUrl::new(redirect_url.to_string()).map_err(|_| {
                OAuthError::BadUrl {
                    setting: "TRIBUTARY_PUBLIC_URL",
                    url: redirect_url.to_string(),
                }
            })?)
            // GitHub documents the client credentials as body parameters.
            .set_auth_type(AuthType::RequestBody);
        // Following redirects from the token endpoint would hand the code elsewhere.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build()
            .expect("a reqwest client with static settings always builds");
        Ok(OAuthApp { client, http })
    }

    /// The app's client id (public: it is in every authorize URL).
    pub fn client_id(&self) -> &str {
        self.client.client_id().as_str()
    }

    pub fn redirect_url(&self) -> &str {
        self.client
            .redirect_uri()
            .map(|u| u.as_str())
            .unwrap_or_default()
    }

    /// A fresh state and PKCE pair, and the URL that asks for `scopes`.
    pub fn authorize(&self, scopes: &[&str]) -> AuthorizeRequest {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state) = self
            .client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(scopes.iter().map(|s| Scope::new(s.to_string())))
            .add_extra_param("allow_signup", "false")
            .set_pkce_challenge(challenge)
            .url();
        AuthorizeRequest {
            url: url.to_string(),
            state: state.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        }
    }

    /// Trades the callback's code for a user token.
    pub async fn exchange(
        &self,
        code: &str,
        pkce_verifier: &str,
    ) -> Result<GrantedToken, OAuthError> {
        let answer = self
            .client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await;
        match answer {
            Ok(token) => Ok(GrantedToken {
                token: Token::new(token.access_token().secret().clone()),
                // GitHub joins the granted scopes with commas, not spaces.
                scopes: token
                    .scopes()
                    .into_iter()
                    .flatten()
                    .flat_map(|s| {
                        s.split(',')
                            .map(str::trim)
                            .map(str::to_string)
                            .collect::<Vec<_>>()
                    })
                    .filter(|s| !s.is_empty())
                    .collect(),
            }),
            Err(RequestTokenError::ServerResponse(error)) => Err(self.server_error(&error)),
            // GitHub answers errors with HTTP 200, which oauth2 reads as a token that
            // failed to parse; the body is GitHub's error object.
            Err(RequestTokenError::Parse(parse, body)) => {
                match serde_json::from_slice::<BasicErrorResponse>(&body) {
                    Ok(error) => Err(self.server_error(&error)),
                    Err(_) => Err(OAuthError::Other {
                        code: "unreadable_answer".into(),
                        description: Some(format!(
                            "GitHub's token answer could not be read ({})",
                            parse.path()
                        )),
                    }),
                }
            }
            Err(RequestTokenError::Request(error)) => Err(OAuthError::Unreachable {
                url: self.client.token_uri().to_string(),
                reason: error.to_string(),
            }),
            Err(RequestTokenError::Other(reason)) => Err(OAuthError::Other {
                code: "unexpected_answer".into(),
                description: Some(reason),
            }),
        }
    }

    fn server_error(&self, error: &BasicErrorResponse) -> OAuthError {
        let code = match error.error() {
            BasicErrorResponseType::Extension(code) => code.clone(),
            other => other.to_string(),
        };
        OAuthError::from_code(
            &code,
            error.error_description().cloned(),
            self.redirect_url(),
        )
    }
}
