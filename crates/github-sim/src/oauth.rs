//! github.com's OAuth app side: the authorize page, the code exchange with GitHub's
//! error answers, `gho_` tokens, and organizations that restrict OAuth apps — plus the
//! `/_sim/oauth/…` controls tests and the demo use to register apps, pre-approve and
//! toggle an organization's approval.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use poem::Request;
use poem::http::{Method, StatusCode, header};
use rand::Rng;
use rand::distributions::Alphanumeric;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::auth::{Principal, normalize_scopes, token_from_header};
use crate::dataset::{Dataset, Org, Token, TokenKind};
use crate::html::{escape, page};
use crate::reply::Reply;
use crate::urlenc::{self, encode_component};

/// The app every simulator knows from the start (tests and `tributary demo` use it).
pub const DEFAULT_CLIENT_ID: &str = "Ov23liTributarySim01";
pub const DEFAULT_CLIENT_SECRET: &str = "5f1b0c4e8d7a6932e1f0b4c3d2a19876e5f4c3b2";
const DEFAULT_CALLBACK: &str = "http://127.0.0.1:8080/oauth/github/callback";
/// Who approves when nobody is named: the service account the scenarios revolve around.
const DEFAULT_LOGIN: &str = "tributary-svc";
/// Codes live ten minutes, as on GitHub.
const CODE_LIFETIME: Duration = Duration::from_secs(600);

const RESTRICTION_DOCS: &str =
    "https://docs.github.com/articles/restricting-access-to-your-organization-s-data/";
const AUTHZ_ERRORS: &str = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/";
const TOKEN_ERRORS: &str = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/";

/// GitHub's answer to an OAuth token reading data of an organization that restricts
/// OAuth apps and has not approved the token's app.
pub fn restriction_message(org: &str) -> String {
    format!(
        "Although you appear to have the correct authorization credentials, the `{org}` organization has enabled OAuth App access restrictions, meaning that data access to third-parties is limited. For more information on these restrictions, including how to enable this app, visit {RESTRICTION_DOCS}"
    )
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct OAuthApp {
    pub client_id: String,
    pub client_secret: String,
    pub name: String,
    /// The app's "Authorization callback URL"; redirect URIs must lie under it.
    pub callback_url: String,
}

/// An organization's answer to one OAuth app when it restricts OAuth apps.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Approval {
    #[default]
    None,
    /// A member asked; GitHub still answers as if nothing happened until an owner grants it.
    Requested,
    Approved,
}

#[derive(Serialize, Clone, Debug, Default)]
struct OrgPolicy {
    restricted: bool,
    /// By client id.
    approvals: HashMap<String, Approval>,
}

struct PendingCode {
    client_id: String,
    redirect_uri: Option<String>,
    login: String,
    scopes: Vec<String>,
    challenge: Option<String>,
    issued: Instant,
}

struct IssuedToken {
    client_id: String,
    login: String,
    scopes: Vec<String>,
}

#[derive(Default)]
struct World {
    apps: Vec<OAuthApp>,
    codes: HashMap<String, PendingCode>,
    tokens: HashMap<String, IssuedToken>,
    orgs: HashMap<String, OrgPolicy>,
    /// What `DELETE /applications/{client_id}/token` and `/grant` revoked, in order:
    /// `{client_id, login, what}` (never the token).
    revoked: Vec<serde_json::Value>,
}

pub(crate) struct OAuthState {
    world: Mutex<World>,
}

impl OAuthState {
    pub fn new() -> OAuthState {
        let mut world = World::default();
        world.apps.push(OAuthApp {
            client_id: DEFAULT_CLIENT_ID.into(),
            client_secret: DEFAULT_CLIENT_SECRET.into(),
            name: "Tributary".into(),
            callback_url: DEFAULT_CALLBACK.into(),
        });
        // New organizations restrict OAuth apps by default; globex shows it.
        world.orgs.insert(
            "globex".into(),
            OrgPolicy {
                restricted: true,
                approvals: HashMap::new(),
            },
        );
        OAuthState {
            world: Mutex::new(world),
        }
    }

    fn world(&self) -> std::sync::MutexGuard<'_, World> {
        // A panic elsewhere leaves the maps consistent; keep serving.
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The principal behind a `gho_` token this simulator issued.
    pub fn authenticate(&self, dataset: &Dataset, header: Option<&str>) -> Option<Principal> {
        let secret = token_from_header(header?.trim())?;
        let world = self.world();
        let issued = world.tokens.get(&secret)?;
        let user = dataset.user(&issued.login)?.clone();
        let oauth_blocked_orgs = world
            .orgs
            .iter()
            .filter(|(_, p)| {
                p.restricted
                    && p.approvals
                        .get(&issued.client_id)
                        .copied()
                        .unwrap_or_default()
                        != Approval::Approved
            })
            .map(|(org, _)| org.clone())
            .collect();
        Some(Principal {
            token: Token {
                name: format!("oauth:{}", issued.client_id),
                token: secret.clone(),
                login: issued.login.clone(),
                kind: TokenKind::OAuth,
                scopes: Some(issued.scopes.clone()),
                sso_authorized_orgs: Vec::new(),
                secondary_rate_limited: false,
                description: "An OAuth app's user token".into(),
            },
            user,
            oauth_blocked_orgs,
        })
    }
}

/// Whether this module answers `path`.
pub(crate) fn owns(path: &str) -> bool {
    path.starts_with("/login/oauth/")
        || path.starts_with("/_sim/oauth/")
        || path.starts_with("/applications/")
}

pub(crate) async fn handle(
    state: &OAuthState,
    dataset: &Dataset,
    req: Request,
    path: &str,
    query: &[(String, String)],
) -> Reply {
    let method = req.method().clone();
    let accept_json = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let basic = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(basic_credentials);
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    let body = req.into_body().into_bytes().await.unwrap_or_default();
    let mut params: Vec<(String, String)> = query.to_vec();
    params.extend(body_params(&body, is_json));
    let params = Params(params);

    match (method, path.trim_end_matches('/')) {
        (Method::GET, "/login/oauth/authorize") => authorize_page(state, dataset, &params),
        (Method::POST, "/login/oauth/authorize") => {
            let deny = params.get("decision") == Some("deny");
            decide(state, dataset, &params, !deny)
        }
        (Method::POST, "/login/oauth/access_token") => {
            let (client_id, client_secret) = match basic {
                Some((id, secret)) => (Some(id), Some(secret)),
                None => (
                    params.get("client_id").map(str::to_string),
                    params.get("client_secret").map(str::to_string),
                ),
            };
            let answer = exchange(state, &params, client_id, client_secret);
            token_reply(answer, accept_json)
        }
        (Method::DELETE, other) if other.starts_with("/applications/") => {
            revoke(state, other, basic, &params)
        }
        (Method::GET, "/_sim/oauth/revoked") => Reply::ok(&json!(state.world().revoked)),
        (Method::GET, "/_sim/oauth/apps") => Reply::ok(&json!(state.world().apps)),
        (Method::POST, "/_sim/oauth/apps") => register_app(state, &params),
        (Method::POST, "/_sim/oauth/authorize") => match check_request(state, &params) {
            Ok(request) => match signed_in(dataset, &params) {
                Ok(login) => {
                    let location = approve(state, request, login);
                    Reply::ok(&json!({ "redirect_url": location }))
                }
                Err(reply) => reply,
            },
            Err(reply) => reply,
        },
        (Method::GET, "/_sim/oauth/orgs") => {
            let world = state.world();
            Reply::ok(&json!(world.orgs))
        }
        (Method::POST, other) if other.starts_with("/_sim/oauth/orgs/") => {
            let org = &other["/_sim/oauth/orgs/".len()..];
            set_policy(state, dataset, org, &params)
        }
        _ => Reply::not_found(),
    }
}

/// `DELETE /applications/{client_id}/token` (one token) and `/grant` (every token of
/// the user for the app), authenticated by the app's client id and secret. GitHub answers
/// 404 to wrong client credentials and to a token it does not know (live behaviour; its
/// description lists 204 and 422), 422 without `access_token`, 204 when revoked.
fn revoke(
    state: &OAuthState,
    path: &str,
    basic: Option<(String, String)>,
    params: &Params,
) -> Reply {
    let rest = &path["/applications/".len()..];
    let Some((client_id, what @ ("token" | "grant"))) = rest.split_once('/') else {
        return Reply::not_found();
    };
    let mut world = state.world();
    let app_known = basic.is_some_and(|(id, secret)| {
        id == client_id
            && world
                .apps
                .iter()
                .any(|app| app.client_id == id && app.client_secret == secret)
    });
    if !app_known {
        return Reply::not_found();
    }
    let Some(token) = params.get("access_token").filter(|t| !t.is_empty()) else {
        return Reply::json(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({
                "message": "Validation Failed",
                "errors": [{ "resource": "OauthAccess", "field": "access_token", "code": "missing_field" }],
                "documentation_url": "https://docs.github.com/rest/apps/oauth-applications#delete-an-app-token",
                "status": "422"
            }),
        );
    };
    let Some(login) = world
        .tokens
        .get(token)
        .filter(|issued| issued.client_id == client_id)
        .map(|issued| issued.login.clone())
    else {
        return Reply::not_found();
    };
    match what {
        "token" => {
            world.tokens.remove(token);
        }
        _ => world
            .tokens
            .retain(|_, issued| !(issued.client_id == client_id && issued.login == login)),
    }
    world
        .revoked
        .push(json!({ "client_id": client_id, "login": login, "what": what }));
    Reply::text(
        StatusCode::NO_CONTENT,
        "application/json; charset=utf-8",
        String::new(),
    )
}

struct Params(Vec<(String, String)>);

impl Params {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

fn body_params(body: &[u8], is_json: bool) -> Vec<(String, String)> {
    if is_json {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
            return Vec::new();
        };
        return map
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                (k, v)
            })
            .collect();
    }
    urlenc::parse_query(&String::from_utf8_lossy(body))
}

fn basic_credentials(header: &str) -> Option<(String, String)> {
    let encoded = header.trim().strip_prefix("Basic ")?;
    let text = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((urlenc::percent_decode(id), urlenc::percent_decode(secret)))
}

/// A validated authorization request.
struct AuthorizationRequest {
    app: OAuthApp,
    redirect_uri: Option<String>,
    scopes: Vec<String>,
    state: Option<String>,
    challenge: Option<String>,
}

impl AuthorizationRequest {
    fn target(&self) -> &str {
        self.redirect_uri
            .as_deref()
            .unwrap_or(&self.app.callback_url)
    }
}

/// GitHub's checks before showing the page: a known client id, a redirect URI under the
/// registered callback (else a redirect to the callback with `redirect_uri_mismatch`),
/// and PKCE with S256 only.
fn check_request(state: &OAuthState, params: &Params) -> Result<AuthorizationRequest, Reply> {
    let app = params
        .get("client_id")
        .and_then(|id| {
            state
                .world()
                .apps
                .iter()
                .find(|a| a.client_id == id)
                .cloned()
        })
        .ok_or_else(not_found_page)?;
    let redirect_uri = params.get("redirect_uri").map(str::to_string);
    if let Some(uri) = &redirect_uri
        && !under_callback(uri, &app.callback_url)
    {
        let location = with_query(
            &app.callback_url,
            &[
                ("error", Some("redirect_uri_mismatch")),
                (
                    "error_description",
                    Some(
                        "The redirect_uri MUST match the registered callback URL for this application.",
                    ),
                ),
                (
                    "error_uri",
                    Some(&format!("{AUTHZ_ERRORS}#redirect-uri-mismatch")),
                ),
                ("state", params.get("state")),
            ],
        );
        return Err(redirect(&location));
    }
    let challenge = params.get("code_challenge").map(str::to_string);
    if challenge.is_some() && params.get("code_challenge_method") != Some("S256") {
        return Err(Reply::text(
            StatusCode::BAD_REQUEST,
            "text/html; charset=utf-8",
            page(
                "Invalid request",
                "<p>code_challenge_method must be S256.</p>",
            ),
        ));
    }
    let requested: Vec<String> = params
        .get("scope")
        .unwrap_or("")
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    Ok(AuthorizationRequest {
        app,
        redirect_uri,
        scopes: normalize_scopes(&requested),
        state: params.get("state").map(str::to_string),
        challenge,
    })
}

/// Same scheme, host and port, and a path at or below the callback's.
fn under_callback(uri: &str, callback: &str) -> bool {
    let (Ok(uri), Ok(callback)) = (url::Url::parse(uri), url::Url::parse(callback)) else {
        return false;
    };
    if uri.origin() != callback.origin() {
        return false;
    }
    let base = callback.path().trim_end_matches('/');
    let path = uri.path();
    path == base || path.starts_with(&format!("{base}/"))
}

fn not_found_page() -> Reply {
    Reply::text(
        StatusCode::NOT_FOUND,
        "text/html; charset=utf-8",
        page(
            "Page not found",
            "<p>This is not the web page you are looking for.</p>",
        ),
    )
}

fn redirect(location: &str) -> Reply {
    Reply::text(StatusCode::FOUND, "text/html; charset=utf-8", String::new())
        .header("location", location)
}

fn with_query(base: &str, pairs: &[(&str, Option<&str>)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={}", encode_component(v))))
        .collect();
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}{}", query.join("&"))
}

fn authorize_page(state: &OAuthState, dataset: &Dataset, params: &Params) -> Reply {
    let request = match check_request(state, params) {
        Ok(request) => request,
        Err(reply) => return reply,
    };
    let hidden: String = [
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
    ]
    .iter()
    .filter_map(|name| {
        params.get(name).map(|v| {
            format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                escape(v)
            )
        })
    })
    .collect::<Vec<_>>()
    .join("\n");
    let chosen = params.get("login").unwrap_or(DEFAULT_LOGIN);
    let users: String = dataset
        .users
        .iter()
        .map(|u| {
            let selected = if u.login == chosen { " selected" } else { "" };
            format!(
                "<option value=\"{l}\"{selected}>{l}</option>",
                l = escape(&u.login)
            )
        })
        .collect();
    let scopes: String = request
        .scopes
        .iter()
        .map(|s| format!("<li><code>{}</code></li>", escape(s)))
        .collect();
    let body = format!(
        "<h1>Authorize {name}</h1>\n\
         <p><strong>{name}</strong> wants to access your account.</p>\n\
         <ul>{scopes}</ul>\n\
         <p>Authorizing will redirect to <code>{target}</code></p>\n\
         <form method=\"post\" action=\"/login/oauth/authorize\">\n{hidden}\n\
         <label>Signed in as <select name=\"login\">{users}</select></label>\n\
         <button type=\"submit\" name=\"decision\" value=\"approve\">Authorize {name}</button>\n\
         <button type=\"submit\" name=\"decision\" value=\"deny\">Cancel</button>\n\
         </form>",
        name = escape(&request.app.name),
        target = escape(request.target()),
    );
    Reply::text(
        StatusCode::OK,
        "text/html; charset=utf-8",
        page(&format!("Authorize {}", request.app.name), &body),
    )
}

fn decide(state: &OAuthState, dataset: &Dataset, params: &Params, approved: bool) -> Reply {
    let request = match check_request(state, params) {
        Ok(request) => request,
        Err(reply) => return reply,
    };
    if !approved {
        let location = with_query(
            request.target(),
            &[
                ("error", Some("access_denied")),
                (
                    "error_description",
                    Some("The user has denied your application access."),
                ),
                ("error_uri", Some(&format!("{AUTHZ_ERRORS}#access-denied"))),
                ("state", request.state.as_deref()),
            ],
        );
        return redirect(&location);
    }
    match signed_in(dataset, params) {
        Ok(login) => redirect(&approve(state, request, login)),
        Err(reply) => reply,
    }
}

/// The dataset user who approves (the simulator's stand-in for GitHub's session).
fn signed_in<'a>(dataset: &Dataset, params: &'a Params) -> Result<&'a str, Reply> {
    let login = params.get("login").unwrap_or(DEFAULT_LOGIN);
    match dataset.user(login) {
        Some(_) => Ok(login),
        None => Err(Reply::json(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({"message": format!("github-sim has no user {login}")}),
        )),
    }
}

/// Issues a code for `login` and answers where the browser goes next.
fn approve(state: &OAuthState, request: AuthorizationRequest, login: &str) -> String {
    let code: String = {
        let mut rng = rand::thread_rng();
        (0..20)
            .map(|_| format!("{:x}", rng.gen_range(0..16u8)))
            .collect()
    };
    let location = with_query(
        request.target(),
        &[("code", Some(&code)), ("state", request.state.as_deref())],
    );
    state.world().codes.insert(
        code,
        PendingCode {
            client_id: request.app.client_id,
            redirect_uri: request.redirect_uri,
            login: login.to_string(),
            scopes: request.scopes,
            challenge: request.challenge,
            issued: Instant::now(),
        },
    );
    location
}

enum TokenAnswer {
    Token {
        access_token: String,
        scope: String,
    },
    Error {
        error: &'static str,
        description: &'static str,
        anchor: &'static str,
    },
}

fn exchange(
    state: &OAuthState,
    params: &Params,
    client_id: Option<String>,
    client_secret: Option<String>,
) -> TokenAnswer {
    let mut world = state.world();
    let Some(app) = world
        .apps
        .iter()
        .find(|a| {
            Some(&a.client_id) == client_id.as_ref()
                && Some(&a.client_secret) == client_secret.as_ref()
        })
        .cloned()
    else {
        return TokenAnswer::Error {
            error: "incorrect_client_credentials",
            description: "The client_id and/or client_secret passed are incorrect.",
            anchor: "incorrect-client-credentials",
        };
    };
    let bad_code = TokenAnswer::Error {
        error: "bad_verification_code",
        description: "The code passed is incorrect or expired.",
        anchor: "bad-verification-code",
    };
    let Some(code) = params.get("code") else {
        return bad_code;
    };
    let Some(pending) = world.codes.get(code) else {
        return bad_code;
    };
    if pending.client_id != app.client_id || pending.issued.elapsed() > CODE_LIFETIME {
        return bad_code;
    }
    if let Some(uri) = params.get("redirect_uri")
        && (pending
            .redirect_uri
            .as_deref()
            .is_some_and(|given| given != uri)
            || !under_callback(uri, &app.callback_url))
    {
        return TokenAnswer::Error {
            error: "redirect_uri_mismatch",
            description: "The redirect_uri MUST match the registered callback URL for this application.",
            anchor: "redirect-uri-mismatch",
        };
    }
    if let Some(challenge) = &pending.challenge {
        let verified = params.get("code_verifier").is_some_and(|verifier| {
            URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == *challenge
        });
        if !verified {
            return bad_code;
        }
    }
    let Some(pending) = world.codes.remove(code) else {
        return bad_code;
    };
    let access_token = format!(
        "gho_{}",
        rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(36)
            .map(char::from)
            .collect::<String>()
    );
    let scope = pending.scopes.join(",");
    world.tokens.insert(
        access_token.clone(),
        IssuedToken {
            client_id: app.client_id,
            login: pending.login,
            scopes: pending.scopes,
        },
    );
    TokenAnswer::Token {
        access_token,
        scope,
    }
}

/// JSON when asked for it, GitHub's form encoding otherwise; errors too come with 200.
fn token_reply(answer: TokenAnswer, accept_json: bool) -> Reply {
    let pairs: Vec<(&str, String)> = match answer {
        TokenAnswer::Token {
            access_token,
            scope,
        } => vec![
            ("access_token", access_token),
            ("scope", scope),
            ("token_type", "bearer".into()),
        ],
        TokenAnswer::Error {
            error,
            description,
            anchor,
        } => vec![
            ("error", error.into()),
            ("error_description", description.into()),
            ("error_uri", format!("{TOKEN_ERRORS}#{anchor}")),
        ],
    };
    if accept_json {
        let map: serde_json::Map<String, Value> = pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), Value::String(v)))
            .collect();
        return Reply::ok(&Value::Object(map));
    }
    let body: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode_component(v)))
        .collect();
    Reply::text(
        StatusCode::OK,
        "application/x-www-form-urlencoded; charset=utf-8",
        body.join("&"),
    )
}

fn register_app(state: &OAuthState, params: &Params) -> Reply {
    let Some(callback_url) = params.get("callback_url") else {
        return Reply::json(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({"message": "callback_url is required"}),
        );
    };
    if url::Url::parse(callback_url).is_err() {
        return Reply::json(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({"message": "callback_url must be an absolute URL"}),
        );
    }
    let app = OAuthApp {
        client_id: params
            .get("client_id")
            .map(str::to_string)
            .unwrap_or_else(|| format!("Ov23li{}", random_alphanumeric(14))),
        client_secret: params
            .get("client_secret")
            .map(str::to_string)
            .unwrap_or_else(|| random_alphanumeric(40).to_lowercase()),
        name: params.get("name").unwrap_or("Tributary").to_string(),
        callback_url: callback_url.to_string(),
    };
    upsert_app(state, app.clone());
    Reply::ok(&json!(app))
}

pub(crate) fn upsert_app(state: &OAuthState, app: OAuthApp) {
    let mut world = state.world();
    world.apps.retain(|a| a.client_id != app.client_id);
    world.apps.push(app);
}

fn random_alphanumeric(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

fn set_policy(state: &OAuthState, dataset: &Dataset, org: &str, params: &Params) -> Reply {
    let Some(org) = dataset.org(org) else {
        return Reply::not_found();
    };
    let approval = match params
        .get("approval")
        .map(|a| serde_json::from_value::<Approval>(Value::String(a.to_string())))
    {
        None => None,
        Some(Ok(a)) => Some(a),
        Some(Err(_)) => {
            return Reply::json(
                StatusCode::UNPROCESSABLE_ENTITY,
                &json!({"message": "approval is one of none, requested, approved"}),
            );
        }
    };
    let mut world = state.world();
    let policy = world.orgs.entry(org.login.to_lowercase()).or_default();
    if let Some(restricted) = params.get("restricted") {
        policy.restricted = restricted == "true";
    }
    if let Some(approval) = approval {
        let client = params.get("client_id").unwrap_or(DEFAULT_CLIENT_ID);
        policy.approvals.insert(client.to_string(), approval);
    }
    Reply::ok(&json!(policy))
}

impl Principal {
    /// Whether `org` restricts OAuth apps and has not approved this token's app.
    pub fn oauth_blocked(&self, org: &Org) -> bool {
        self.oauth_blocked_orgs
            .iter()
            .any(|o| o.eq_ignore_ascii_case(&org.login))
    }

    /// The OAuth app behind a `gho_` token; `None` for personal access tokens.
    pub fn oauth_client_id(&self) -> Option<&str> {
        if self.token.kind != TokenKind::OAuth {
            return None;
        }
        self.token.name.strip_prefix("oauth:")
    }
}

#[cfg(test)]
mod tests;
