//! Connecting through Tributary's OAuth app: `startOAuth` issues a state and the
//! authorize URL, `GET /oauth/github/callback` checks the state, exchanges the code,
//! runs the connection test and stores an OAuth grant, and `createIntegration` spends
//! the grant through the same path as a token.

use std::sync::Arc;

use async_graphql::{InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{group, oauth_grant, oauth_state};
use github::{OAuthApp, OAuthError, Token};
use poem::{
    Response, handler,
    http::{StatusCode, header},
    web::{Data, Query},
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, sea_query::Expr,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::{
    connection_test::{ConnectionTest, GroupAccess, access_name, parse_access},
    crypto::SecretBox,
    error::{ApiError, ApiResult},
    integrations::Integrations,
};

/// The path GitHub sends the browser back to, under `TRIBUTARY_PUBLIC_URL`.
pub const CALLBACK_PATH: &str = "/oauth/github/callback";

/// What `startOAuth` needs.
#[derive(InputObject, Default)]
pub struct StartOAuthInput {
    /// Where the browser goes after a successful callback, with `oauth_grant_id` added
    /// to its query; it must be on an allowed origin. Without it, the callback shows a
    /// small page with the result and the grant id. Failures always show a page.
    pub redirect_after: Option<String>,
}

/// Where to send the user's browser.
#[derive(SimpleObject)]
#[graphql(name = "OAuthStart")]
pub struct OAuthStart {
    /// GitHub's authorize page for Tributary's OAuth app (open it in a pop-up or tab).
    pub authorize_url: String,
    /// The state in the URL; GitHub hands it back on the callback, which accepts it once.
    pub state: String,
}

/// A finished OAuth round trip, waiting for `createIntegration(input: {oauthGrantId})`.
#[derive(SimpleObject)]
#[graphql(name = "OAuthGrant")]
pub struct OAuthGrantView {
    /// Give it to `createIntegration(input: {oauthGrantId})`.
    pub id: async_graphql::ID,
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

#[derive(Clone)]
pub struct OAuthFlow {
    inner: Arc<Inner>,
}

struct Inner {
    app: Result<OAuthApp, OAuthError>,
    allowed_origins: Vec<url::Origin>,
    state_ttl: chrono::Duration,
    grant_ttl: chrono::Duration,
    integrations: Integrations,
}

/// GitHub's callback query: a code and our state, or an error.
#[derive(Deserialize)]
pub struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Where a callback leaves the browser.
enum Outcome {
    /// The product's page on an allowed origin, with the grant id or error added.
    Redirect(String),
    /// A small page of ours.
    Page {
        status: StatusCode,
        title: String,
        body: String,
    },
}

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

impl OAuthFlow {
    /// `public_url` is how browsers reach this server (the bound address when not configured).
    pub fn new(
        settings: &OAuthSettings,
        public_url: &str,
        integrations: Integrations,
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
                allowed_origins,
                state_ttl: chrono::Duration::from_std(settings.state_ttl)?,
                grant_ttl: chrono::Duration::from_std(settings.grant_ttl)?,
                integrations,
            }),
        })
    }

    fn app(&self) -> ApiResult<&OAuthApp> {
        self.inner
            .app
            .as_ref()
            .map_err(|e| ApiError::BadInput(e.to_string()))
    }

    fn db(&self) -> &DatabaseConnection {
        self.inner.integrations.db()
    }

    fn secrets(&self) -> &SecretBox {
        self.inner.integrations.secrets()
    }

    /// Refuses anything but an absolute URL on an allowed origin (compared as scheme,
    /// host and port, never as a prefix).
    fn check_redirect_after(&self, target: &str) -> ApiResult<()> {
        match origin_of(target) {
            Some(origin) if self.inner.allowed_origins.contains(&origin) => Ok(()),
            _ => Err(ApiError::BadInput(format!(
                "redirectAfter {target} is not on an allowed origin; allowed are {}. Add the product's origin to TRIBUTARY_OAUTH_ALLOWED_REDIRECT_ORIGINS.",
                self.inner
                    .allowed_origins
                    .iter()
                    .map(|o| o.ascii_serialization())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    pub async fn start(&self, input: StartOAuthInput) -> ApiResult<OAuthStart> {
        let app = self.app()?;
        self.purge_stale().await?;
        let redirect_after = input
            .redirect_after
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        if let Some(target) = &redirect_after {
            self.check_redirect_after(target)?;
        }
        let request = app.authorize(&github::connection_test::scopes::REQUIRED_SCOPES);
        oauth_state::ActiveModel {
            state: Set(state_key(&request.state)),
            pkce_verifier_ciphertext: Set(self.secrets().seal(&request.pkce_verifier)),
            redirect_after: Set(redirect_after),
            created_at: Set(Utc::now()),
            used_at: Set(None),
        }
        .insert(self.db())
        .await?;
        Ok(OAuthStart {
            authorize_url: request.url,
            state: request.state,
        })
    }

    /// Drops states and grants a day past any use: a grant still holds a sealed token.
    /// Younger ones stay, so a late callback or grant is told it expired rather than unknown.
    async fn purge_stale(&self) -> ApiResult<()> {
        let day_ago = Utc::now() - chrono::Duration::days(1);
        oauth_state::Entity::delete_many()
            .filter(oauth_state::Column::CreatedAt.lt(day_ago - self.inner.state_ttl))
            .exec(self.db())
            .await?;
        oauth_grant::Entity::delete_many()
            .filter(oauth_grant::Column::ExpiresAt.lt(day_ago))
            .exec(self.db())
            .await?;
        Ok(())
    }

    async fn callback(&self, params: CallbackParams) -> Outcome {
        let state = match self.claim_state(params.state.as_deref()).await {
            Ok(state) => state,
            Err(message) => {
                tracing::warn!(error = %message, "OAuth callback refused");
                return failure_page(StatusCode::BAD_REQUEST, &message);
            }
        };
        let redirect_after = state.redirect_after.clone();
        match self.finish(state, params).await {
            Ok(grant) => match redirect_after {
                Some(target) => Outcome::Redirect(with_query(&target, "oauth_grant_id", &grant.id)),
                None => success_page(&grant),
            },
            Err(message) => {
                tracing::warn!(error = %message, "OAuth callback failed; nothing stored");
                failure_page(StatusCode::BAD_REQUEST, &message)
            }
        }
    }

    /// The state must be one we issued, unused and young; it is spent either way.
    async fn claim_state(&self, state: Option<&str>) -> Result<oauth_state::Model, String> {
        let Some(state) = state.filter(|s| !s.is_empty()) else {
            return Err("The callback carries no state, so it cannot be matched to a sign-in this server started. Start connecting to GitHub again from Tributary.".into());
        };
        let key = state_key(state);
        let found = oauth_state::Entity::find_by_id(key.clone())
            .one(self.db())
            .await
            .map_err(|e| internal(e.into()))?;
        let Some(found) = found else {
            return Err("This callback's state was not issued by this Tributary server, so it was refused (a forged or foreign link). Start connecting to GitHub again from Tributary.".into());
        };
        let now = Utc::now();
        // Claimed with a conditional update so two callbacks racing cannot both win.
        let claimed = oauth_state::Entity::update_many()
            .col_expr(oauth_state::Column::UsedAt, Expr::value(now))
            .filter(oauth_state::Column::State.eq(key))
            .filter(oauth_state::Column::UsedAt.is_null())
            .exec(self.db())
            .await
            .map_err(|e| internal(e.into()))?
            .rows_affected
            == 1;
        if !claimed {
            return Err("This sign-in was finished already: a callback's state works once, so a repeated or replayed callback is refused. Start connecting to GitHub again from Tributary.".into());
        }
        if found.created_at + self.inner.state_ttl < now {
            return Err(format!(
                "This sign-in took longer than {} minutes and expired. Start connecting to GitHub again from Tributary.",
                self.inner.state_ttl.num_minutes().max(1)
            ));
        }
        Ok(found)
    }

    async fn finish(
        &self,
        state: oauth_state::Model,
        params: CallbackParams,
    ) -> Result<oauth_grant::Model, String> {
        let app = self.app().map_err(|e| e.to_string())?;
        if let Some(error) = params.error.as_deref() {
            return Err(OAuthError::from_callback(
                error,
                params.error_description.as_deref(),
                app.redirect_url(),
            )
            .to_string());
        }
        let Some(code) = params.code.filter(|c| !c.is_empty()) else {
            return Err("GitHub's callback carries no code. Start connecting to GitHub again from Tributary.".into());
        };
        let verifier = self
            .secrets()
            .open(&state.pkce_verifier_ciphertext)
            .map_err(|e| e.to_string())?;
        let granted = app
            .exchange(&code, &verifier)
            .await
            .map_err(|e| e.to_string())?;
        let report = self
            .inner
            .integrations
            .github()
            .test_connection(&granted.token)
            .await;
        let test = ConnectionTest::from(&report);
        let Some(account) = report.account.as_ref().filter(|_| test.ok) else {
            return Err(format!(
                "GitHub authorized Tributary, but the connection test failed: {}",
                test.message
            ));
        };
        let now = Utc::now();
        let grant = oauth_grant::ActiveModel {
            id: Set(uuid::Uuid::new_v4().to_string()),
            token_ciphertext: Set(self.secrets().seal(granted.token.expose())),
            login: Set(account.login.clone()),
            account_id: Set(account.database_id),
            granted_scopes: Set(test.granted_scopes.join(", ")),
            test: Set(serde_json::to_string(&test).map_err(|e| internal(e.into()))?),
            created_at: Set(now),
            expires_at: Set(now + self.inner.grant_ttl),
            used_at: Set(None),
        }
        .insert(self.db())
        .await
        .map_err(|e| internal(e.into()))?;
        tracing::info!(grant = %grant.id, login = %grant.login, "OAuth grant stored");
        Ok(grant)
    }

    pub async fn grant(&self, id: &str) -> ApiResult<Option<OAuthGrantView>> {
        let Some(grant) = oauth_grant::Entity::find_by_id(id.to_string())
            .one(self.db())
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(OAuthGrantView {
            id: async_graphql::ID(grant.id.clone()),
            granted_scopes: github::connection_test::scopes::parse_scope_header(
                &grant.granted_scopes,
            ),
            test: serde_json::from_str(&grant.test).map_err(anyhow::Error::from)?,
            expires_at: grant.expires_at,
            used: grant.used_at.is_some(),
            login: grant.login,
        }))
    }
}

/// The token of an unused, unexpired grant (checked again when it is spent).
pub async fn open_grant(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    id: &str,
) -> ApiResult<Token> {
    let grant = oauth_grant::Entity::find_by_id(id.to_string())
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound {
            what: "OAuth grant",
            id: id.to_string(),
        })?;
    if grant.used_at.is_some() {
        return Err(ApiError::BadInput(format!(
            "OAuth grant {id} was used already; a grant creates one integration. Connect to GitHub again for a new one."
        )));
    }
    if grant.expires_at < Utc::now() {
        return Err(ApiError::BadInput(format!(
            "OAuth grant {id} expired at {}; connect to GitHub again for a new one.",
            grant.expires_at.to_rfc3339()
        )));
    }
    Ok(Token::new(secrets.open(&grant.token_ciphertext)?))
}

/// Marks the grant used inside the transaction that creates the integration, so a
/// failed creation leaves it usable and two racing creations cannot both spend it.
pub async fn spend_grant(db: &impl ConnectionTrait, id: &str) -> ApiResult<()> {
    let now = Utc::now();
    let spent = oauth_grant::Entity::update_many()
        .col_expr(oauth_grant::Column::UsedAt, Expr::value(now))
        .filter(oauth_grant::Column::Id.eq(id))
        .filter(oauth_grant::Column::UsedAt.is_null())
        .filter(oauth_grant::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?
        .rows_affected;
    if spent == 1 {
        Ok(())
    } else {
        Err(ApiError::BadInput(format!(
            "OAuth grant {id} was used or expired meanwhile; connect to GitHub again for a new one."
        )))
    }
}

/// Groups of the integration a member reported asking approval for.
pub(crate) async fn approval_requested_groups(
    db: &impl ConnectionTrait,
    integration_id: &str,
) -> ApiResult<Vec<i64>> {
    Ok(group::Entity::find()
        .filter(group::Column::IntegrationId.eq(integration_id))
        .filter(group::Column::Access.eq(access_name(GroupAccess::ApprovalRequested)))
        .all(db)
        .await?
        .into_iter()
        .map(|g| g.github_id)
        .collect())
}

/// GitHub answers a requested approval exactly like none, so a group still restricted
/// keeps the request on record (and its steps) until an owner grants it.
pub(crate) fn remembered_request(
    access: GroupAccess,
    github_id: i64,
    login: &str,
    requested: &[i64],
) -> Option<(GroupAccess, Option<String>)> {
    (access == GroupAccess::OAuthRestricted && requested.contains(&github_id)).then(|| {
        (
            GroupAccess::ApprovalRequested,
            Some(github::connection_test::organizations::approval_requested_steps(login)),
        )
    })
}

/// Records that a member asked the owners of `organization` to approve Tributary.
pub async fn report_approval_requested(
    integrations: &Integrations,
    integration_id: &str,
    organization: &str,
) -> ApiResult<group::Model> {
    integrations.get(integration_id).await?;
    let found = group::Entity::find()
        .filter(group::Column::IntegrationId.eq(integration_id))
        .all(integrations.db())
        .await?
        .into_iter()
        .find(|g| g.login.eq_ignore_ascii_case(organization.trim()))
        .ok_or_else(|| ApiError::NotFound {
            what: "group",
            id: organization.to_string(),
        })?;
    let access = parse_access(&found.access);
    if !matches!(
        access,
        GroupAccess::OAuthRestricted | GroupAccess::ApprovalRequested
    ) {
        return Err(ApiError::BadInput(format!(
            "{} does not wait for an OAuth app approval (its access is {}); only an organization that restricts OAuth apps (OAUTH_RESTRICTED) does.",
            found.login,
            access_name(access)
        )));
    }
    let login = found.login.clone();
    let mut active: group::ActiveModel = found.into();
    active.access = Set(access_name(GroupAccess::ApprovalRequested).into());
    active.problem = Set(Some(
        github::connection_test::organizations::approval_requested_steps(&login),
    ));
    Ok(active.update(integrations.db()).await?)
}

/// States are kept hashed: the table alone cannot answer a callback.
fn state_key(state: &str) -> String {
    Sha256::digest(state.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn origin_of(url: &str) -> Option<url::Origin> {
    let parsed = url::Url::parse(url).ok()?;
    let origin = parsed.origin();
    origin.is_tuple().then_some(origin)
}

fn with_query(target: &str, name: &str, value: &str) -> String {
    match url::Url::parse(target) {
        Ok(mut url) => {
            url.query_pairs_mut().append_pair(name, value);
            url.to_string()
        }
        Err(_) => target.to_string(),
    }
}

fn internal(error: anyhow::Error) -> String {
    tracing::error!(error = ?error, "internal error in the OAuth callback");
    "Tributary could not finish connecting because of an internal error; the server log has the details. Start connecting to GitHub again.".into()
}

fn success_page(grant: &oauth_grant::Model) -> Outcome {
    Outcome::Page {
        status: StatusCode::OK,
        title: "Connected to GitHub".into(),
        body: format!(
            "<p>Tributary is authorized as <strong>{login}</strong> with the scopes <code>{scopes}</code>.</p>\n\
             <p>OAuth grant: <code id=\"grant\">{id}</code></p>\n\
             <p>Finish with <code>createIntegration(input: {{name: \"…\", oauthGrantId: \"{id}\"}})</code> before {expires}.</p>",
            login = escape(&grant.login),
            scopes = escape(&grant.granted_scopes),
            id = escape(&grant.id),
            expires = grant.expires_at.to_rfc3339(),
        ),
    }
}

fn failure_page(status: StatusCode, message: &str) -> Outcome {
    Outcome::Page {
        status,
        title: "Not connected to GitHub".into(),
        body: format!("<p id=\"error\">{}</p>", escape(message)),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[handler]
pub async fn callback(flow: Data<&OAuthFlow>, params: Query<CallbackParams>) -> Response {
    match flow.callback(params.0).await {
        Outcome::Redirect(location) => Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header(header::LOCATION, location)
            .finish(),
        Outcome::Page {
            status,
            title,
            body,
        } => Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            // The page may show a grant id; keep it out of caches and referrers.
            .header(header::CACHE_CONTROL, "no-store")
            .header("referrer-policy", "no-referrer")
            .body(format!(
                "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{title} · Tributary</title></head>\n<body>\n<h1>{title}</h1>\n{body}\n</body>\n</html>\n"
            )),
    }
}
