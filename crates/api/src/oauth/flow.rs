//! The OAuth flow's settings and its start: `startOAuth` checks where the browser may
//! go after, issues a state and answers GitHub's authorize URL.

use std::sync::Arc;

use chrono::Utc;
use github::{GithubClient, OAuthApp, OAuthError};
use sea_orm::DatabaseConnection;

use super::{grants, states};
use crate::auth::Caller;
use crate::{
    crypto::SecretBox,
    error::{ApiError, ApiResult},
    graphql::oauth_types::{OAuthGrantView, OAuthStart, StartOAuthInput},
    graphql::user_error::UserErrorCode,
};

/// The path GitHub sends the browser back to, under `TRIBUTARY_PUBLIC_URL`.
pub const CALLBACK_PATH: &str = "/oauth/github/callback";

/// The longest `clientState` `startOAuth` keeps: it travels in a URL.
pub const CLIENT_STATE_LIMIT: usize = 512;

/// Tributary's OAuth app on GitHub, and how long its states and grants live.
#[derive(Clone)]
pub struct OAuthSettings {
    pub client_id: Option<String>,
    /// No `Debug` here, so that the secret cannot reach a log.
    pub client_secret: Option<String>,
    pub github_web_url: String,
    /// Origins `startOAuth`'s `redirectAfter` may use besides the public URL's.
    pub allowed_redirect_origins: Vec<String>,
    pub state_ttl: std::time::Duration,
    pub grant_ttl: std::time::Duration,
}

#[derive(Clone)]
pub struct OAuthFlow {
    inner: Arc<Inner>,
}

struct Inner {
    app: Result<OAuthApp, OAuthError>,
    /// For revoking tokens at GitHub (`DELETE /applications/{client_id}/token`).
    client_secret: Option<String>,
    allowed_origins: Vec<url::Origin>,
    state_ttl: chrono::Duration,
    grant_ttl: chrono::Duration,
    db: DatabaseConnection,
    github: GithubClient,
    secrets: SecretBox,
}

impl OAuthFlow {
    /// `public_url` is how browsers reach this server (the bound address when not configured).
    pub fn new(
        settings: &OAuthSettings,
        public_url: &str,
        db: DatabaseConnection,
        github: GithubClient,
        secrets: SecretBox,
    ) -> anyhow::Result<Self> {
        let redirect_url = format!("{}{CALLBACK_PATH}", public_url.trim_end_matches('/'));
        let app = OAuthApp::new(
            settings.client_id.as_deref(),
            settings.client_secret.as_deref(),
            &settings.github_web_url,
            &redirect_url,
        );
        let mut allowed_origins = vec![origin_of(public_url).ok_or_else(|| {
            anyhow::anyhow!("TRIBUTARY_PUBLIC_URL is not an absolute URL: {public_url}")
        })?];
        for entry in &settings.allowed_redirect_origins {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            allowed_origins.push(origin_of(entry).ok_or_else(|| {
                anyhow::anyhow!(
                    "TRIBUTARY_OAUTH_ALLOWED_REDIRECT_ORIGINS: {entry} is not an origin such as https://app.example.com"
                )
            })?);
        }
        Ok(OAuthFlow {
            inner: Arc::new(Inner {
                app,
                client_secret: settings.client_secret.clone(),
                allowed_origins,
                state_ttl: chrono::Duration::from_std(settings.state_ttl)?,
                grant_ttl: chrono::Duration::from_std(settings.grant_ttl)?,
                db,
                github,
                secrets,
            }),
        })
    }

    /// The app, or why it is not configured.
    pub(super) fn app(&self) -> ApiResult<&OAuthApp> {
        self.inner
            .app
            .as_ref()
            .map_err(|e| ApiError::user(UserErrorCode::OauthNotConfigured, e.to_string()))
    }

    /// The OAuth app's client id, when the app is configured.
    pub fn client_id(&self) -> Option<&str> {
        self.inner.app.as_ref().ok().map(OAuthApp::client_id)
    }

    pub(super) fn db(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    pub(super) fn github(&self) -> &GithubClient {
        &self.inner.github
    }

    pub(super) fn secrets(&self) -> &SecretBox {
        &self.inner.secrets
    }

    /// How long a state answers a callback.
    pub(super) fn state_ttl(&self) -> chrono::Duration {
        self.inner.state_ttl
    }

    /// How long a stored grant can be spent.
    pub(super) fn grant_ttl(&self) -> chrono::Duration {
        self.inner.grant_ttl
    }

    /// Refuses anything but an absolute URL on an allowed origin (compared as scheme,
    /// host and port, never as a prefix).
    fn check_redirect_after(&self, target: &str) -> ApiResult<()> {
        match origin_of(target) {
            Some(origin) if self.inner.allowed_origins.contains(&origin) => Ok(()),
            _ => Err(ApiError::user_at(
                UserErrorCode::RedirectNotAllowed,
                &["redirectAfter"],
                format!(
                    "redirectAfter {target} is not on an allowed origin; allowed are {}. Add the product's origin to TRIBUTARY_OAUTH_ALLOWED_REDIRECT_ORIGINS.",
                    self.inner
                        .allowed_origins
                        .iter()
                        .map(|o| o.ascii_serialization())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    /// An authorize URL for `caller`, whose grant it will be.
    pub async fn start(&self, input: StartOAuthInput, caller: &Caller) -> ApiResult<OAuthStart> {
        let app = self.app()?;
        self.purge_stale().await?;
        let redirect_after = input
            .redirect_after
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        if let Some(target) = &redirect_after {
            self.check_redirect_after(target)?;
        }
        let client_state = input.client_state.filter(|s| !s.is_empty());
        if let Some(value) = &client_state
            && value.chars().count() > CLIENT_STATE_LIMIT
        {
            return Err(ApiError::user_at(
                UserErrorCode::ClientStateTooLong,
                &["clientState"],
                format!(
                    "clientState is longer than {CLIENT_STATE_LIMIT} characters; give a short opaque value (a random id) and keep anything larger on the product's side"
                ),
            ));
        }
        let request = app.authorize(&github::connection_test::scopes::REQUIRED_SCOPES);
        states::issue(
            self.db(),
            self.secrets(),
            &request.state,
            &request.pkce_verifier,
            states::Return {
                redirect_after,
                client_state,
                started_by: grants::StartedBy::of(caller),
            },
        )
        .await?;
        Ok(OAuthStart {
            authorize_url: request.url,
            state: request.state,
        })
    }

    /// Drops states and grants a day past any use: a grant still holds a sealed token.
    /// Younger ones stay, so a late callback or grant is told it expired rather than
    /// unknown; those that expired unspent are revoked at GitHub first.
    async fn purge_stale(&self) -> ApiResult<()> {
        self.revoke_expired_grants().await?;
        let day_ago = Utc::now() - chrono::Duration::days(1);
        states::purge(self.db(), day_ago - self.inner.state_ttl).await?;
        grants::purge(self.db(), day_ago).await
    }

    /// Revokes at GitHub the token of every grant that expired unspent, and drops the
    /// grant (a late `createIntegration` is told there is no such grant). A grant
    /// GitHub could not be asked about stays for the next sweep; one whose token the
    /// encryption key no longer opens cannot be revoked and is dropped.
    pub async fn revoke_expired_grants(&self) -> ApiResult<usize> {
        let mut revoked = 0;
        for grant in grants::expired_unspent(self.db(), Utc::now()).await? {
            let at = entity::sealed::SealedAt::grant_token(&grant.id);
            match self.secrets().open(&grant.token_ciphertext, &at) {
                Ok(token) => match self.revoke(&github::Token::new(token)).await {
                    Ok(_) => revoked += 1,
                    Err(error) => {
                        tracing::warn!(grant = %grant.id, %error, "an expired OAuth grant's token could not be revoked at GitHub; trying again later");
                        continue;
                    }
                },
                Err(_) => {
                    tracing::warn!(grant = %grant.id, "an expired OAuth grant's token cannot be opened with the current key; dropped without revoking");
                }
            }
            grants::delete(self.db(), &grant.id).await?;
        }
        Ok(revoked)
    }

    /// Every five minutes, [`Self::revoke_expired_grants`]: an unspent grant's token is
    /// revoked within minutes of its expiry, whether or not anyone connects again.
    pub fn spawn_expiry_sweeper(&self) {
        let flow = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(300));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                if let Err(error) = flow.revoke_expired_grants().await {
                    tracing::warn!(%error, "expired OAuth grants could not be swept");
                }
            }
        });
    }

    /// Revokes one token of Tributary's OAuth app at GitHub: `Ok(false)` when GitHub
    /// did not know it (already revoked), or when no OAuth app is configured (then no
    /// OAuth token was granted by this server).
    pub async fn revoke(&self, token: &github::Token) -> Result<bool, github::GithubError> {
        let (Some(client_id), Some(secret)) =
            (self.client_id(), self.inner.client_secret.as_deref())
        else {
            return Ok(false);
        };
        self.github()
            .revoke_oauth_token(client_id, secret, token)
            .await
    }

    /// A stored grant `caller` started, for `oauthGrant`.
    pub async fn grant(&self, id: &str, caller: &Caller) -> ApiResult<Option<OAuthGrantView>> {
        grants::view(self.db(), id, caller).await
    }
}

fn origin_of(url: &str) -> Option<url::Origin> {
    let parsed = url::Url::parse(url).ok()?;
    let origin = parsed.origin();
    origin.is_tuple().then_some(origin)
}
