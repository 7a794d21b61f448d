//! The single poem endpoint: GitHub's cross-cutting behaviour (User-Agent,
//! authentication, secondary limits, common headers) before dispatching to
//! REST, GraphQL, the web pages or the simulator's own `/_sim` routes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use poem::http::{HeaderValue, StatusCode, header};
use poem::{Endpoint, Request, Response};
use serde_json::{Value, json};

use crate::auth::{Auth, Principal, authenticate};
use crate::content::Content;
use crate::dataset::Dataset;
use crate::faults::{Fault, Faults};
use crate::hooks::Hooks;
use crate::ratelimit::{RateLimiter, Resource, Snapshot};
use crate::stats::Stats;
use crate::{control, graphql, ids, oauth, rest, web};

pub(crate) struct SimState {
    pub stats: Mutex<Stats>,
    pub faults: Mutex<Faults>,
    /// Swapped whole when a control endpoint renames or archives a repository or
    /// changes a member's role, so a request reads one consistent world.
    pub dataset: RwLock<Arc<Dataset>>,
    /// Swapped whole on every `/_sim/mutate`, so a request reads one consistent state.
    pub content: RwLock<Arc<Content>>,
    pub schema: graphql::SimSchema,
    pub limiter: RateLimiter,
    pub oauth: oauth::OAuthState,
    pub hooks: Arc<Hooks>,
    counter: AtomicU64,
}

impl SimState {
    pub fn new(dataset: Dataset, content: Content) -> SimState {
        SimState {
            stats: Mutex::new(Stats::default()),
            faults: Mutex::new(Faults::default()),
            hooks: Arc::new(Hooks::new(dataset.seed)),
            dataset: RwLock::new(Arc::new(dataset)),
            content: RwLock::new(Arc::new(content)),
            schema: graphql::build_schema(),
            limiter: RateLimiter::default(),
            oauth: oauth::OAuthState::new(),
            counter: AtomicU64::new(0),
        }
    }

    pub fn dataset(&self) -> Arc<Dataset> {
        self.dataset
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn content(&self) -> Arc<Content> {
        self.content
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn stats(&self) -> MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn next_seq(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    /// Opaque value for an SSO authorization URL; fresh per response like GitHub's.
    pub fn sso_url(&self, base: &str, org: &str) -> String {
        let opaque = ids::opaque(self.dataset().seed, self.next_seq());
        format!("{base}/orgs/{org}/sso?authorization_request={opaque}")
    }
}

pub const REST_DOCS: &str = "https://docs.github.com/rest";
pub const GRAPHQL_DOCS: &str = "https://docs.github.com/graphql";
const SECONDARY_DOCS: &str = "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits";
const UA_REQUIRED: &str = "Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.";

/// A response under construction; common headers are added once, at the end.
pub(crate) struct Reply {
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: String,
    pub headers: Vec<(String, String)>,
    pub rate: Option<Snapshot>,
}

impl Reply {
    pub fn json(status: StatusCode, body: &Value) -> Reply {
        Reply {
            status,
            content_type: "application/json; charset=utf-8",
            body: body.to_string(),
            headers: Vec::new(),
            rate: None,
        }
    }

    pub fn ok(body: &Value) -> Reply {
        Reply::json(StatusCode::OK, body)
    }

    /// GitHub's REST error shape: `message`, `documentation_url`, `status` (a string).
    pub fn error(status: StatusCode, message: &str, docs: &str) -> Reply {
        Reply::json(
            status,
            &json!({"message": message, "documentation_url": docs, "status": status.as_u16().to_string()}),
        )
    }

    pub fn not_found() -> Reply {
        Reply::error(StatusCode::NOT_FOUND, "Not Found", REST_DOCS)
    }

    pub fn text(status: StatusCode, content_type: &'static str, body: String) -> Reply {
        Reply {
            status,
            content_type,
            body,
            headers: Vec::new(),
            rate: None,
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

/// Everything a handler needs about the current request.
pub(crate) struct Call<'a> {
    pub state: &'a SimState,
    /// The world as this request found it.
    pub dataset: Arc<Dataset>,
    pub principal: Option<&'a Principal>,
    pub base: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub request_id: String,
}

impl Call<'_> {
    pub fn dataset(&self) -> &Dataset {
        &self.dataset
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

pub(crate) struct SimEndpoint {
    pub state: Arc<SimState>,
}

impl Endpoint for SimEndpoint {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        Ok(handle(&self.state, req).await)
    }
}

async fn handle(state: &SimState, req: Request) -> Response {
    let dataset = state.dataset();
    let request_id = ids::request_id(dataset.seed, state.next_seq());
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let base = base_url(&req);
    let query = parse_query(req.uri().query().unwrap_or(""));

    if oauth::owns(&path) {
        let reply = oauth::handle(&state.oauth, &dataset, req, &path, &query).await;
        return finish(reply, &request_id, None, None);
    }

    if crate::hooks::sim::owns(&path) {
        let body = req.into_body().into_bytes().await.unwrap_or_default();
        let reply = crate::hooks::sim::handle(state, &method, &path, &body).await;
        return finish(reply, &request_id, None, None);
    }

    if path.starts_with("/_sim/") && path != "/_sim/tokens" {
        let body = req.into_body().into_bytes().await.unwrap_or_default();
        let reply = control::handle(state, &method, &path, &query, &body, &base);
        return finish(reply, &request_id, None, None);
    }

    if let Some(reply) = web::handle(state, &method, &path, &query, &base) {
        return finish(reply, &request_id, None, None);
    }

    let has_ua = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !v.trim().is_empty());
    if !has_ua {
        let reply = Reply::text(
            StatusCode::FORBIDDEN,
            "text/plain; charset=utf-8",
            format!("{UA_REQUIRED}\n"),
        );
        return finish(reply, &request_id, None, None);
    }

    let is_graphql = path == "/graphql" || path == "/graphql/";
    let docs = if is_graphql { GRAPHQL_DOCS } else { REST_DOCS };
    let auth_header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let bad_credentials = || {
        let body = if is_graphql {
            json!({"message": "Bad credentials", "documentation_url": docs})
        } else {
            json!({"message": "Bad credentials", "documentation_url": docs, "status": "401"})
        };
        finish(
            Reply::json(StatusCode::UNAUTHORIZED, &body),
            &request_id,
            None,
            None,
        )
    };
    let auth = match authenticate(&dataset, auth_header) {
        Auth::BadCredentials => match state.oauth.authenticate(&dataset, auth_header) {
            Some(principal) => Auth::User(Box::new(principal)),
            None => Auth::BadCredentials,
        },
        other => other,
    };
    let principal = match auth {
        Auth::BadCredentials => return bad_credentials(),
        Auth::Anonymous => None,
        Auth::User(p) => Some(*p),
    };
    if principal
        .as_ref()
        .is_some_and(|p| state.faults().is_revoked(&p.token.token))
    {
        state.stats().fault("revoked");
        return bad_credentials();
    }

    if let Some(p) = principal
        .as_ref()
        .filter(|p| p.token.secondary_rate_limited)
    {
        let reply = secondary_limit(&request_id, 60);
        return finish(reply, &request_id, Some(p), Some(""));
    }

    let latency = state.faults().latency_ms;
    if latency > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
    }
    let fault = state.faults().next(dataset.seed);
    if let Some(fault) = fault {
        let reply = match fault {
            Fault::BadGateway => {
                state.stats().fault("bad_gateway");
                Reply::text(
                    StatusCode::BAD_GATEWAY,
                    "text/html; charset=utf-8",
                    "<html><body><h1>502 Bad Gateway</h1></body></html>\n".into(),
                )
            }
            Fault::SecondaryRateLimit { retry_after_secs } => {
                state.stats().fault("secondary_rate_limit");
                secondary_limit(&request_id, retry_after_secs)
            }
            Fault::RateLimited { reset } => {
                state.stats().fault("rate_limited");
                let user_id = principal.as_ref().map_or(0, |p| p.user.id);
                let resource = if is_graphql {
                    Resource::Graphql
                } else {
                    Resource::Core
                };
                let rate = Snapshot {
                    resource,
                    limit: graphql::LIMIT,
                    used: graphql::LIMIT,
                    reset: reset.timestamp(),
                };
                let mut reply = if is_graphql {
                    graphql::rate_limited_reply(user_id)
                } else {
                    Reply::error(
                        StatusCode::FORBIDDEN,
                        &format!("API rate limit exceeded for user ID {user_id}."),
                        REST_DOCS,
                    )
                };
                reply.rate = Some(rate);
                reply
            }
        };
        return finish(reply, &request_id, principal.as_ref(), Some(""));
    }

    let call = Call {
        state,
        dataset: dataset.clone(),
        principal: principal.as_ref(),
        base,
        path,
        query,
        request_id: request_id.clone(),
    };

    if is_graphql {
        if method != poem::http::Method::POST {
            return finish(
                Reply::not_found(),
                &request_id,
                principal.as_ref(),
                Some(""),
            );
        }
        let body = match req.into_body().into_bytes().await {
            Ok(b) => b,
            Err(_) => {
                let reply = Reply::error(
                    StatusCode::BAD_REQUEST,
                    "Problems parsing JSON",
                    GRAPHQL_DOCS,
                );
                return finish(reply, &request_id, principal.as_ref(), Some(""));
            }
        };
        let reply = match &principal {
            Some(p) => graphql::execute(&call, p, &body).await,
            None => Reply::json(
                StatusCode::UNAUTHORIZED,
                &json!({
                    "message": "This endpoint requires you to be authenticated.",
                    "documentation_url": "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql"
                }),
            ),
        };
        return finish(reply, &request_id, principal.as_ref(), Some("repo"));
    }

    let body = req.into_body().into_bytes().await.unwrap_or_default();
    let (reply, accepted) = rest::handle(&call, &method, &body);
    state.stats().rest(format!("{method} {}", call.path));
    finish(reply, &request_id, principal.as_ref(), Some(accepted))
}

/// GitHub's answer when a secondary rate limit stops a request.
fn secondary_limit(request_id: &str, retry_after_secs: u64) -> Reply {
    let message = format!(
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID {request_id} and timestamp {}.",
        chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC")
    );
    let body = json!({"message": message, "documentation_url": SECONDARY_DOCS, "status": "403"});
    Reply::json(StatusCode::FORBIDDEN, &body).header("retry-after", retry_after_secs.to_string())
}

/// Adds the headers GitHub puts on every response.
fn finish(
    reply: Reply,
    request_id: &str,
    principal: Option<&Principal>,
    accepted: Option<&str>,
) -> Response {
    let mut builder = Response::builder()
        .status(reply.status)
        .header(header::CONTENT_TYPE, reply.content_type)
        .header("x-github-media-type", "github.v3; format=json")
        .header("x-github-request-id", request_id)
        .header("x-github-api-version-selected", "2022-11-28");
    if let Some(rate) = &reply.rate {
        for (name, value) in rate.headers() {
            builder = builder.header(name, value);
        }
    }
    if let (Some(scopes), Some(accepted)) = (principal.and_then(Principal::scopes_header), accepted)
    {
        builder = builder
            .header("x-oauth-scopes", header_value(&scopes))
            .header("x-accepted-oauth-scopes", header_value(accepted));
    }
    for (name, value) in &reply.headers {
        builder = builder.header(name.as_str(), header_value(value));
    }
    builder.body(reply.body)
}

fn header_value(v: &str) -> HeaderValue {
    HeaderValue::from_str(v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// API and web share one origin, taken from the Host the client used.
fn base_url(req: &Request) -> String {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_else(|| "localhost".to_string());
    format!("http://{host}")
}

pub(crate) fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

pub(crate) fn encode_component(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parsing_never_panics() {
        assert_eq!(
            parse_query("a=1&b=%41&c=%4&d=%&e=%zz"),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "A".into()),
                ("c".into(), "%4".into()),
                ("d".into(), "%".into()),
                ("e".into(), "%zz".into()),
            ]
        );
        assert_eq!(percent_decode("%C3%A9%"), "é%");
    }
}
