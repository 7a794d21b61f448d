//! The HTTP surface: GraphQL (POST), GraphiQL (GET), subscriptions (WebSocket),
//! health and metrics, with the credential check (server key or user token) in front
//! of the API.

use std::sync::Arc;

use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_poem::{GraphQLProtocol, GraphQLRequest, GraphQLResponse};
use poem::{
    Body, Endpoint, EndpointExt, FromRequest, IntoResponse, Request, RequestBody, Response, Route,
    get, handler,
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::{Cors, Middleware, SizeLimit},
    web::{Data, Html, websocket::WebSocket},
};
use subtle::ConstantTimeEq;

use crate::{
    auth::{
        Caller, Reach,
        authenticate::{Authenticator, Refusal, WORKSPACE_HEADER, bearer},
    },
    graphql::TributarySchema,
    oauth::{
        callback,
        flow::{CALLBACK_PATH, OAuthFlow},
    },
    prometheus::{HttpLabels, Metrics, OperationLabels},
    subscriptions_socket, webhook_receiver,
};

/// GraphQL requests are small; a larger body is refused before it is read.
const MAX_REQUEST_BYTES: usize = 1 << 20;
/// The longest a GraphQL request may run (`TRIBUTARY_REQUEST_TIME_LIMIT_SECS`).
#[derive(Clone, Copy)]
pub struct RequestTimeLimit(pub std::time::Duration);

/// The origins whose browser pages may call `/graphql`.
#[derive(Clone, Debug, Default)]
pub struct CorsOrigins(Vec<HeaderValue>);

/// How long a browser may keep a preflight's answer.
const CORS_MAX_AGE_SECONDS: i32 = 600;

impl CorsOrigins {
    /// Exact origins (`scheme://host[:port]`, no path); anything else is a setting error.
    pub fn parse(origins: &[String]) -> anyhow::Result<Self> {
        let mut allowed = Vec::new();
        for origin in origins.iter().map(|o| o.trim()).filter(|o| !o.is_empty()) {
            let parsed = url::Url::parse(origin).map_err(|e| {
                anyhow::anyhow!("TRIBUTARY_CORS_ALLOWED_ORIGINS: {origin:?} is not an origin ({e})")
            })?;
            let exact = parsed.origin().ascii_serialization();
            // Exact origins only: a pattern (`*`) would never match what a browser sends.
            if !parsed.origin().is_tuple()
                || exact != origin.trim_end_matches('/')
                || origin.contains('*')
            {
                anyhow::bail!(
                    "TRIBUTARY_CORS_ALLOWED_ORIGINS: {origin:?} is not an origin; give scheme://host[:port] only, such as https://app.example.com"
                );
            }
            allowed.push(HeaderValue::from_str(&exact)?);
        }
        Ok(CorsOrigins(allowed))
    }

    /// `endpoint`, answering the allowed origins' preflights and requests with the CORS
    /// headers a browser needs (poem's middleware); requests from anywhere else, the
    /// same origin included, reach it untouched and get no CORS headers.
    fn around<E: Endpoint + 'static>(&self, endpoint: E) -> poem::endpoint::BoxEndpoint<'static> {
        if self.0.is_empty() {
            return endpoint.map_to_response().boxed();
        }
        let mut cors = Cors::new()
            .allow_methods([Method::POST, Method::GET])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .max_age(CORS_MAX_AGE_SECONDS);
        for origin in &self.0 {
            cors = cors.allow_origin(origin.clone());
        }
        let allowed = Arc::new(self.0.clone());
        let endpoint = Arc::new(endpoint.map_to_response());
        let with_cors = Arc::new(cors.transform(endpoint.clone()));
        poem::endpoint::make(move |request: Request| {
            let (allowed, endpoint, with_cors) =
                (allowed.clone(), endpoint.clone(), with_cors.clone());
            async move {
                let listed = request
                    .headers()
                    .get(header::ORIGIN)
                    .is_some_and(|origin| allowed.contains(origin));
                let mut response = if listed {
                    with_cors
                        .call(request)
                        .await
                        .map(IntoResponse::into_response)?
                } else {
                    endpoint.call(request).await?
                };
                // The answer differs by origin, so no cache may hand one origin's answer
                // to another (poem adds this only for pattern-matched origins).
                let vary = response.headers().get_all(header::VARY).iter().any(|v| {
                    v.to_str()
                        .is_ok_and(|v| v.to_ascii_lowercase().contains("origin"))
                });
                if !vary {
                    response
                        .headers_mut()
                        .append(header::VARY, HeaderValue::from_static("Origin"));
                }
                Ok::<_, poem::Error>(response)
            }
        })
        .boxed()
    }
}

pub fn routes(
    schema: TributarySchema,
    oauth: OAuthFlow,
    authenticator: Authenticator,
    metrics: Arc<Metrics>,
    receiver: webhook_receiver::Receiver,
    cors: CorsOrigins,
    time_limit: RequestTimeLimit,
    scrape_token: ScrapeToken,
) -> impl Endpoint {
    Route::new()
        // GitHub signs deliveries instead of sending the API key; the receiver reads
        // at most 25 MB of the body itself.
        .at(
            format!("{}/:integration_id", webhook_receiver::RECEIVER_PATH),
            poem::post(webhook_receiver::receive.data(receiver)),
        )
        // Only the API answers browsers of other origins; the webhook receiver and the
        // OAuth callback never send CORS headers.
        .at(
            "/graphql",
            cors.around(
                get(graphiql).post(
                    graphql
                        .with(SizeLimit::new(MAX_REQUEST_BYTES))
                        .catch_error(body_refused),
                ),
            ),
        )
        .at("/graphql/ws", get(graphql_ws))
        .at("/graphql/assets/:file", get(graphiql_asset))
        .at(CALLBACK_PATH, get(callback::handle))
        .at("/healthz", get(healthz))
        .at("/metrics", get(metrics_text))
        .data(schema)
        .data(oauth)
        .data(authenticator)
        .data(subscriptions_socket::OpenSockets::default())
        .data(time_limit)
        .data(scrape_token)
        .data(metrics.clone())
        .around(move |endpoint, request| {
            let metrics = metrics.clone();
            async move { count_request(endpoint, request, metrics).await }
        })
}

async fn count_request<E: Endpoint>(
    endpoint: Arc<E>,
    request: Request,
    metrics: Arc<Metrics>,
) -> poem::Result<Response> {
    let method = request.method().to_string();
    let route = match request.uri().path() {
        path @ ("/graphql" | "/graphql/ws" | "/healthz" | "/metrics" | CALLBACK_PATH) => {
            path.to_string()
        }
        path if path.starts_with(webhook_receiver::RECEIVER_PATH) => {
            format!("{}/:integration_id", webhook_receiver::RECEIVER_PATH)
        }
        _ => "other".to_string(),
    };
    let response = match endpoint.call(request).await {
        Ok(output) => output.into_response(),
        Err(error) => error.into_response(),
    };
    metrics
        .http_requests
        .get_or_create(&HttpLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .inc();
    Ok(response)
}

/// A 401 with the refusal's code; nothing about keys.
/// A request body refused before it is read (its declared length), answered as the
/// API's other refusals are: JSON with a code, not poem's plain text.
async fn body_refused(error: poem::error::SizedLimitError) -> Response {
    use poem::error::SizedLimitError;
    let (status, code, message) = match error {
        SizedLimitError::PayloadTooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "REQUEST_TOO_LARGE",
            format!(
                "a request body may hold at most {MAX_REQUEST_BYTES} bytes; send less (fewer ids, shorter text)"
            ),
        ),
        SizedLimitError::MissingContentLength => (
            StatusCode::LENGTH_REQUIRED,
            "LENGTH_REQUIRED",
            "send the body with a Content-Length header".to_string(),
        ),
    };
    let body =
        serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
}

fn unauthorized(refusal: Refusal) -> Response {
    let body = serde_json::json!({
        "errors": [{
            "message": refusal.message(),
            "extensions": { "code": refusal.code() }
        }]
    });
    Response::builder()
        .status(StatusCode::UNAUTHORIZED)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::WWW_AUTHENTICATE, "Bearer")
        .body(body.to_string())
}

/// The caller of a request, from its `Authorization` and workspace headers.
async fn caller_of(authenticator: &Authenticator, headers: &HeaderMap) -> Result<Caller, Refusal> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    authenticator
        .authenticate(text(header::AUTHORIZATION.as_str()), text(WORKSPACE_HEADER))
        .await
}

#[handler]
async fn graphql(
    schema: Data<&TributarySchema>,
    authenticator: Data<&Authenticator>,
    time_limit: Data<&RequestTimeLimit>,
    metrics: Data<&Arc<Metrics>>,
    http_request: &Request,
    body: Body,
) -> Response {
    // The credential is checked before the body is read.
    let caller = match caller_of(&authenticator, http_request.headers()).await {
        Ok(caller) => caller,
        Err(refusal) => return unauthorized(refusal),
    };
    let request = match GraphQLRequest::from_request(http_request, &mut RequestBody::new(body))
        .await
    {
        Ok(request) if carries_nul(&request.0) => {
            // A GraphQL request that cannot run, answered as its other refusals are.
            let body = serde_json::json!({ "errors": [{ "message": "text may not contain the NUL character (U+0000): nothing stores it", "extensions": { "code": "BAD_USER_INPUT" } }] });
            return Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        Ok(request) => request.0.data(caller),
        Err(error) => {
            let body = serde_json::json!({ "errors": [{ "message": format!("Malformed GraphQL request: {error}"), "extensions": { "code": "BAD_REQUEST" } }] });
            return Response::builder()
                .status(StatusCode::BAD_REQUEST)
                .header(header::CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
    };
    let labels = OperationLabels {
        operation: operation_label(&request),
    };
    let started = std::time::Instant::now();
    // Every request has a time limit; past it the work stops and the answer says so.
    let limit = time_limit.0.0;
    let response = match tokio::time::timeout(limit, schema.execute(request)).await {
        Ok(response) => response,
        Err(_) => {
            use async_graphql::ErrorExtensions;
            let error = async_graphql::Error::new(format!(
                "the request took longer than {:.1} seconds and was stopped; ask for less (a shorter range, fewer items)",
                limit.as_secs_f64()
            ))
            .extend_with(|_, e| e.set("code", "REQUEST_TIMEOUT"));
            async_graphql::Response::from_errors(vec![error.into_server_error(Default::default())])
        }
    };
    // The operation's name and outcome only: variables carry tokens and never reach the log.
    tracing::info!(
        operation = %labels.operation,
        errors = response.errors.len(),
        elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
        "graphql"
    );
    metrics.graphql_operations.get_or_create(&labels).inc();
    if !response.errors.is_empty() {
        metrics
            .graphql_errors
            .get_or_create(&labels)
            .inc_by(response.errors.len() as u64);
    }
    GraphQLResponse::from(response).into_response()
}

/// Whether the document or a variable holds U+0000, which PostgreSQL's text refuses
/// (a database error, deep in whatever stored or compared it): refused up front with a
/// code. In the document it can only be written as the escape `\u0000`.
fn carries_nul(request: &async_graphql::Request) -> bool {
    fn holds(value: &async_graphql::Value) -> bool {
        use async_graphql::Value::*;
        match value {
            String(text) => text.contains('\0'),
            Enum(name) => name.contains('\0'),
            List(items) => items.iter().any(holds),
            Object(fields) => fields
                .iter()
                .any(|(name, value)| name.contains('\0') || holds(value)),
            _ => false,
        }
    }
    request.query.contains('\0')
        || request.query.contains("\\u0000")
        || request.variables.iter().any(|(_, value)| holds(value))
}

/// The operation's name for metrics: the one the client chose, or the only named
/// operation of the document, or `anonymous`.
fn operation_label(request: &async_graphql::Request) -> String {
    use async_graphql::parser::types::DocumentOperations;
    let name =
        request.operation_name.clone().or_else(|| {
            match async_graphql::parser::parse_query(&request.query)
                .ok()?
                .operations
            {
                DocumentOperations::Multiple(operations) if operations.len() == 1 => {
                    operations.keys().next().map(|n| n.to_string())
                }
                _ => None,
            }
        });
    match name {
        // GraphQL names are [_A-Za-z][_0-9A-Za-z]*; anything else, or a very long one, would
        // only bloat the metric's label set.
        Some(name)
            if name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            name
        }
        Some(_) => "invalid".into(),
        None => "anonymous".into(),
    }
}

#[handler]
async fn graphql_ws(
    schema: Data<&TributarySchema>,
    authenticator: Data<&Authenticator>,
    sockets: Data<&subscriptions_socket::OpenSockets>,
    headers: &HeaderMap,
    protocol: GraphQLProtocol,
    websocket: WebSocket,
) -> impl IntoResponse {
    let schema = schema.clone();
    let authenticator = authenticator.clone();
    // Browsers cannot set headers on a WebSocket, so the credential usually comes in
    // connection_init; a backend may send it on the upgrade instead.
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let from_headers = (text(header::AUTHORIZATION.as_str()), text(WORKSPACE_HEADER));
    let sockets = sockets.clone();
    let limits = poem::web::websocket::WebSocketConfig::default()
        .max_message_size(Some(subscriptions_socket::MAX_MESSAGE_BYTES))
        .max_frame_size(Some(subscriptions_socket::MAX_MESSAGE_BYTES));
    websocket
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .config(limits)
        .on_upgrade(move |socket| {
            subscriptions_socket::serve(
                socket,
                schema,
                protocol,
                authenticator,
                from_headers,
                sockets,
            )
        })
}

#[handler]
fn graphiql() -> Html<String> {
    let examples = serde_json::to_string(include_str!("graphiql_examples.graphql"))
        .expect("a string always serializes");
    Html(
        include_str!("graphiql.html")
            .replace("__ENDPOINT__", "/graphql")
            .replace("__WS_ENDPOINT__", "/graphql/ws")
            .replace("__DEFAULT_QUERY__", &examples),
    )
}

/// GraphiQL's scripts and styles, served from the binary (see `assets/vendor/README.md`).
#[handler]
fn graphiql_asset(poem::web::Path(file): poem::web::Path<String>) -> Response {
    let (body, content_type): (&'static [u8], &str) = match file.as_str() {
        "graphiql.min.js" => (
            include_bytes!("../assets/vendor/graphiql.min.js"),
            "text/javascript; charset=utf-8",
        ),
        "graphiql.min.css" => (
            include_bytes!("../assets/vendor/graphiql.min.css"),
            "text/css; charset=utf-8",
        ),
        "react.production.min.js" => (
            include_bytes!("../assets/vendor/react.production.min.js"),
            "text/javascript; charset=utf-8",
        ),
        "react-dom.production.min.js" => (
            include_bytes!("../assets/vendor/react-dom.production.min.js"),
            "text/javascript; charset=utf-8",
        ),
        _ => return Response::builder().status(StatusCode::NOT_FOUND).finish(),
    };
    Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        // The files change only with the binary's version.
        .header(header::CACHE_CONTROL, "public, max-age=86400")
        .body(body)
}

#[handler]
fn healthz() -> &'static str {
    "ok"
}

/// `TRIBUTARY_METRICS_TOKEN`: a bearer that may scrape `/metrics` and nothing else.
#[derive(Clone, Default)]
pub struct ScrapeToken(pub Option<Arc<str>>);

impl ScrapeToken {
    fn admits(&self, headers: &HeaderMap) -> bool {
        let authorization = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        match (&self.0, bearer(authorization)) {
            (Some(token), Some(given)) => bool::from(given.as_bytes().ct_eq(token.as_bytes())),
            _ => false,
        }
    }
}

/// Prometheus' scrape: every integration's labels, so only for the scrape token or the
/// server key without a workspace header (operators), never for a user token.
#[handler]
async fn metrics_text(
    metrics: Data<&Arc<Metrics>>,
    authenticator: Data<&Authenticator>,
    scrape_token: Data<&ScrapeToken>,
    headers: &HeaderMap,
) -> Response {
    let caller = match scrape_token.admits(headers) {
        true => Ok(None),
        false => caller_of(&authenticator, headers).await.map(Some),
    };
    match caller {
        Ok(None) => {}
        Ok(Some(caller)) if caller.reach() == Reach::Everywhere => {}
        Ok(Some(_)) => {
            let body = serde_json::json!({
                "errors": [{
                    "message": "/metrics labels every workspace's integrations: scrape it with TRIBUTARY_METRICS_TOKEN or the server key, without a workspace header.",
                    "extensions": { "code": "FORBIDDEN" }
                }]
            });
            return Response::builder()
                .status(StatusCode::FORBIDDEN)
                .header(header::CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        Err(refusal) => return unauthorized(refusal),
    }
    metrics.refresh().await;
    Response::builder()
        .header(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )
        .body(metrics.render())
}

#[cfg(test)]
mod tests {
    use super::CorsOrigins;

    #[test]
    fn cors_origins_are_exact_origins() {
        let ok = CorsOrigins::parse(&[
            "https://app.example.com".into(),
            "http://localhost:3000/".into(),
        ])
        .unwrap();
        assert_eq!(ok.0.len(), 2);
        for bad in [
            "app.example.com",
            "https://app.example.com/path",
            "*",
            "https://*.example.com",
        ] {
            assert!(CorsOrigins::parse(&[bad.to_string()]).is_err(), "{bad}");
        }
    }
}
