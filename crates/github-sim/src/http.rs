//! The single poem endpoint: GitHub's cross-cutting behaviour (User-Agent,
//! authentication, secondary limits, common headers) before dispatching to
//! REST, GraphQL, the web pages or the simulator's own `/_sim` routes.

use std::sync::Arc;

use poem::http::{HeaderValue, StatusCode, header};
use poem::{Endpoint, Request, Response};
use serde_json::json;

use crate::auth::{Auth, Principal, authenticate};
use crate::call::Call;
use crate::faults::Fault;
use crate::graphql::execute::{LIMIT, execute as execute_graphql, rate_limited_reply};
use crate::hooks::sim as hooks_sim;
use crate::ratelimit::{Resource, Snapshot};
use crate::reply::{GRAPHQL_DOCS, REST_DOCS, Reply};
use crate::state::SimState;
use crate::urlenc::parse_query;
use crate::{control, ids, oauth, rest, web};

const SECONDARY_DOCS: &str = "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits";
const UA_REQUIRED: &str = "Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.";

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
    let origin = origin_ip(&req);

    if oauth::owns(&path) {
        // The applications API (revoking tokens and grants) is GitHub's REST API and
        // fails like it; the web pages of the OAuth flow do not.
        if path.starts_with("/applications/")
            && matches!(state.faults().next(dataset.seed), Some(Fault::BadGateway))
        {
            state.stats().fault("bad_gateway");
            return finish(bad_gateway(), &request_id, None, None);
        }
        let mut reply = oauth::handle(&state.oauth, &dataset, req, &path, &query).await;
        if path.starts_with("/applications/") {
            reply.rate = Some(app_window(state, &path));
        }
        return finish(reply, &request_id, None, None);
    }

    if hooks_sim::owns(&path) {
        let body = req.into_body().into_bytes().await.unwrap_or_default();
        let reply = hooks_sim::handle(state, &method, &path, &body).await;
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
        let mut reply = Reply::json(StatusCode::UNAUTHORIZED, &body);
        // An unknown token is no user: the answer shows the anonymous window.
        reply.rate = Some(window(state, None, &origin, is_graphql));
        finish(reply, &request_id, None, None)
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
        let mut reply = secondary_limit(&request_id, 60);
        reply.rate = Some(window(state, Some(p), &origin, is_graphql));
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
                bad_gateway()
            }
            Fault::SecondaryRateLimit { retry_after_secs } => {
                state.stats().fault("secondary_rate_limit");
                let mut reply = secondary_limit(&request_id, retry_after_secs);
                reply.rate = Some(window(state, principal.as_ref(), &origin, is_graphql));
                reply
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
                    limit: LIMIT,
                    used: LIMIT,
                    reset: reset.timestamp(),
                };
                let mut reply = if is_graphql {
                    rate_limited_reply(user_id)
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
        origin,
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
            Some(p) => execute_graphql(&call, p, &body).await,
            None => Reply::json(
                StatusCode::UNAUTHORIZED,
                &json!({
                    "message": "This endpoint requires you to be authenticated.",
                    "documentation_url": "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql"
                }),
            ),
        };
        state.latency.hold(&reply, true).await;
        return finish(reply, &request_id, principal.as_ref(), Some("repo"));
    }

    let body = req.into_body().into_bytes().await.unwrap_or_default();
    let handled = rest::handle(&call, &method, &body);
    state.stats().rest(format!("{method} {}", handled.template));
    state.latency.hold(&handled.reply, false).await;
    finish(
        handled.reply,
        &request_id,
        principal.as_ref(),
        Some(handled.accepted),
    )
}

/// The caller's window as it stands, for an answer that stops a request before it is
/// charged: GitHub sends the rate-limit headers on those too.
fn window(
    state: &SimState,
    principal: Option<&Principal>,
    origin: &str,
    is_graphql: bool,
) -> Snapshot {
    let (key, limit) = rest::core_window(state, principal, origin);
    if is_graphql {
        let limit = if principal.is_some() { LIMIT } else { 0 };
        state.limiter.peek(&key, Resource::Graphql, limit)
    } else {
        state.limiter.peek(&key, Resource::Core, limit)
    }
}

/// The address the request comes from (empty when the transport has none, as in
/// in-process tests): GitHub keeps anonymous callers' windows per originating IP.
fn origin_ip(req: &Request) -> String {
    req.remote_addr()
        .as_socket_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default()
}

/// The applications API is called with an OAuth app's client credentials and spends
/// the app's own hourly window (5,000 requests), shown in the headers; the simulator
/// does not refuse an app that spent it.
fn app_window(state: &SimState, path: &str) -> Snapshot {
    let client_id = path.split('/').nth(2).unwrap_or_default();
    let key = format!("app:{client_id}");
    match state.limiter.charge(&key, Resource::Core, 5000, 1) {
        Ok(rate) | Err(rate) => rate,
    }
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

/// GitHub's 502 page, as its load balancer answers a request it could not serve.
fn bad_gateway() -> Reply {
    Reply::text(
        StatusCode::BAD_GATEWAY,
        "text/html; charset=utf-8",
        "<html><body><h1>502 Bad Gateway</h1></body></html>\n".into(),
    )
}
