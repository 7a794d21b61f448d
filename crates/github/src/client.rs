//! The HTTP side: one `reqwest` client, GitHub's headers, and the translation of
//! GitHub's status codes and headers into [`GithubError`].

use std::time::Duration;

use graphql_client::GraphQLQuery;
use reqwest::{Response, StatusCode, header::HeaderMap};
use serde::{Deserialize, de::DeserializeOwned};

use crate::{error::GithubError, token::Token};

const USER_AGENT: &str = concat!("tributary/", env!("CARGO_PKG_VERSION"));
const API_VERSION: &str = "2022-11-28";

/// Where GitHub is: the REST base, the GraphQL endpoint derived from it as GitHub
/// does, and the web base (OAuth pages, SSO links).
#[derive(Clone, Debug)]
pub struct GithubEndpoints {
    pub api: String,
    pub graphql: String,
    pub web: String,
}

impl GithubEndpoints {
    /// `https://api.github.com` → `/graphql`; a GitHub Enterprise Server base ending in
    /// `/api/v3` → `/api/graphql`.
    pub fn new(api: &str, web: &str) -> Self {
        let api = api.trim_end_matches('/').to_string();
        let graphql = match api.strip_suffix("/api/v3") {
            Some(host) => format!("{host}/api/graphql"),
            None => format!("{api}/graphql"),
        };
        GithubEndpoints {
            api,
            graphql,
            web: web.trim_end_matches('/').to_string(),
        }
    }
}

impl Default for GithubEndpoints {
    fn default() -> Self {
        GithubEndpoints::new("https://api.github.com", "https://github.com")
    }
}

/// How many requests one operation (a connection test, a group listing) keeps in
/// flight against GitHub at once.
pub const CONCURRENT_REQUESTS: usize = 4;

/// How long one request may take before it counts as a timeout (GitHub itself gives
/// up on a query after 10 s).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone, Debug)]
pub struct GithubClient {
    http: reqwest::Client,
    endpoints: GithubEndpoints,
}

/// A REST answer with the headers the connection test reads.
#[derive(Debug)]
pub struct RestResponse<T> {
    pub body: T,
    /// `X-OAuth-Scopes`: `None` when GitHub did not send it (fine-grained and App tokens).
    pub scopes: Option<Vec<String>>,
    /// `X-GitHub-SSO: partial-results; organizations=…`: orgs left out of a listing.
    pub sso_partial_org_ids: Vec<i64>,
    pub next_page: Option<String>,
}

/// The shape of a GitHub GraphQL error: `type` sits beside `message`, not in `extensions`.
#[derive(Debug, Deserialize)]
pub struct GraphQlError {
    pub message: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub path: Vec<serde_json::Value>,
    #[serde(default)]
    pub extensions: serde_json::Value,
}

#[derive(Debug, Deserialize)]
struct GraphQlResponse<T> {
    data: Option<T>,
    #[serde(default)]
    errors: Vec<GraphQlError>,
}

/// Data (possibly partial) and the errors GitHub reported beside it.
#[derive(Debug)]
pub struct GraphQlAnswer<T> {
    pub data: Option<T>,
    pub errors: Vec<GraphQlError>,
}

impl GithubClient {
    pub fn new(endpoints: GithubEndpoints) -> Self {
        GithubClient::with_request_timeout(endpoints, DEFAULT_REQUEST_TIMEOUT)
    }

    /// A client whose requests fail with [`GithubError::Timeout`] after `timeout`.
    pub fn with_request_timeout(endpoints: GithubEndpoints, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(Duration::from_secs(10).min(timeout))
            .timeout(timeout)
            .build()
            .expect("a reqwest client with static settings always builds");
        GithubClient { http, endpoints }
    }

    pub fn endpoints(&self) -> &GithubEndpoints {
        &self.endpoints
    }

    /// A request with GitHub's media type and API version, before its credentials.
    fn unauthenticated(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, url)
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", API_VERSION)
    }

    fn request(
        &self,
        method: reqwest::Method,
        url: &str,
        token: &Token,
    ) -> reqwest::RequestBuilder {
        self.unauthenticated(method, url)
            .bearer_auth(token.expose())
    }

    async fn send(
        &self,
        builder: reqwest::RequestBuilder,
        url: &str,
    ) -> Result<Response, GithubError> {
        builder.send().await.map_err(|e| transport_error(e, url))
    }

    /// `GET {api}{path}`; `path` may also be a full URL from a `Link` header.
    pub async fn rest_get<T: DeserializeOwned>(
        &self,
        token: &Token,
        path: &str,
    ) -> Result<RestResponse<T>, GithubError> {
        self.rest(reqwest::Method::GET, token, path, None).await
    }

    /// Any REST call with an optional JSON body; the answer's body is decoded as `T`
    /// (an empty body, as GitHub's 204s have, reads as JSON `null`).
    pub async fn rest<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        token: &Token,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<RestResponse<T>, GithubError> {
        let url = if path.starts_with("http") {
            // A page GitHub's `Link` header named: the token goes along only while it
            // stays on the configured GitHub origin.
            if !same_origin(path, &self.endpoints.api) {
                return Err(GithubError::Decode {
                    what: "a Link header".into(),
                    reason: "its next page lies off the configured GitHub origin; it is not followed with the token".into(),
                });
            }
            path.to_string()
        } else {
            format!("{}{}", self.endpoints.api, path)
        };
        let mut builder = self.request(method, &url, token);
        if let Some(body) = body {
            builder = builder.json(body);
        }
        let response = self.send(builder, &url).await?;
        let status = response.status();
        let headers = response.headers().clone();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            return Err(classify_failure(status, &headers, &body, path));
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| transport_error(e, &url))?;
        let body: T = if bytes.iter().all(u8::is_ascii_whitespace) {
            decode(b"null", path)?
        } else {
            decode(&bytes, path)?
        };
        Ok(RestResponse {
            body,
            scopes: headers.get("x-oauth-scopes").map(|v| {
                crate::connection_test::scopes::parse_scope_header(v.to_str().unwrap_or_default())
            }),
            sso_partial_org_ids: sso_partial_results(&headers),
            next_page: next_link(&headers),
        })
    }

    /// Revokes one user token of Tributary's OAuth app at GitHub: `DELETE
    /// /applications/{client_id}/token` with the app's client id and secret as basic
    /// credentials and the token in the body. `Ok(false)`: GitHub does not know the token
    /// (its user revoked it, or it was revoked before), which GitHub answers with 404
    /// (its description lists only 204 and 422).
    pub async fn revoke_oauth_token(
        &self,
        client_id: &str,
        client_secret: &str,
        token: &Token,
    ) -> Result<bool, GithubError> {
        let url = format!("{}/applications/{client_id}/token", self.endpoints.api);
        let builder = self
            .unauthenticated(reqwest::Method::DELETE, &url)
            .basic_auth(client_id, Some(client_secret))
            .json(&serde_json::json!({ "access_token": token.expose() }));
        let response = self.send(builder, &url).await?;
        let status = response.status();
        if status == reqwest::StatusCode::NO_CONTENT {
            return Ok(true);
        }
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(false);
        }
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        Err(classify_failure(
            status,
            &headers,
            &text,
            "revoke an OAuth token",
        ))
    }

    /// Runs one graphql_client operation. Partial data with errors is returned as such:
    /// GitHub answers 200 with `data` and `errors` when, say, one organization needs SSO.
    pub async fn graphql<Q: GraphQLQuery>(
        &self,
        token: &Token,
        variables: Q::Variables,
    ) -> Result<GraphQlAnswer<Q::ResponseData>, GithubError> {
        let body = Q::build_query(variables);
        self.graphql_document(token, &body, body.operation_name)
            .await
    }

    /// Runs a document built at run time (`body` is `{query, operationName, variables}`,
    /// as graphql_client's `QueryBody` serializes), answered as `T`; what
    /// [`graphql`](Self::graphql) does for a typed operation, errors and all.
    pub async fn graphql_document<T: serde::de::DeserializeOwned>(
        &self,
        token: &Token,
        body: &impl serde::Serialize,
        operation: &str,
    ) -> Result<GraphQlAnswer<T>, GithubError> {
        let url = &self.endpoints.graphql;
        let response = self
            .send(
                self.request(reqwest::Method::POST, url, token).json(&body),
                url,
            )
            .await?;
        let status = response.status();
        let headers = response.headers().clone();
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            return Err(classify_failure(status, &headers, &text, operation));
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| transport_error(e, url))?;
        let parsed: GraphQlResponse<T> = decode(&bytes, operation)?;
        if parsed.data.is_none() {
            if let Some(limited) = parsed
                .errors
                .iter()
                .find(|e| matches!(e.kind.as_deref(), Some("RATE_LIMITED" | "RATE_LIMIT")))
            {
                tracing::warn!(operation, message = %limited.message, "GraphQL rate limit reached");
                return Err(GithubError::RateLimited {
                    reset_at: reset_time(&headers),
                });
            }
            // GitHub gives up on a query after 10 s and says so in a 200 answer.
            if let Some(slow) = parsed.errors.iter().find(|e| {
                let m = e.message.to_ascii_lowercase();
                m.contains("timeout") || m.contains("in time")
            }) {
                return Err(GithubError::Timeout {
                    what: operation.to_string(),
                    reason: slow.message.clone(),
                });
            }
            let messages: Vec<&str> = parsed.errors.iter().map(|e| e.message.as_str()).collect();
            return Err(GithubError::GraphQl(messages.join("; ")));
        }
        Ok(GraphQlAnswer {
            data: parsed.data,
            errors: parsed.errors,
        })
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

#[derive(Deserialize)]
struct GithubMessage {
    message: String,
}

/// Maps a failed answer to an error, following GitHub's documented signals: 401, the
/// `X-GitHub-SSO` header, `retry-after` / `x-ratelimit-remaining: 0`, and the body's message.
fn classify_failure(
    status: StatusCode,
    headers: &HeaderMap,
    body: &str,
    what: &str,
) -> GithubError {
    let message = serde_json::from_str::<GithubMessage>(body)
        .map(|m| m.message)
        .unwrap_or_else(|_| body.chars().take(300).collect());
    if status == StatusCode::UNAUTHORIZED {
        return GithubError::BadCredentials;
    }
    if let Some(url) = header(headers, "x-github-sso").and_then(|v| sso_required_url(&v)) {
        let organization = organization_from_sso_url(&url).unwrap_or_else(|| what.to_string());
        return GithubError::SsoRequired { organization, url };
    }
    if status == StatusCode::FORBIDDEN || status == StatusCode::TOO_MANY_REQUESTS {
        let retry_after = header(headers, "retry-after")
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_secs);
        if retry_after.is_some() || message.contains("secondary rate limit") {
            return GithubError::SecondaryRateLimit { retry_after };
        }
        if header(headers, "x-ratelimit-remaining").as_deref() == Some("0") {
            return GithubError::RateLimited {
                reset_at: reset_time(headers),
            };
        }
        return GithubError::Forbidden {
            status: status.as_u16(),
            message,
        };
    }
    if status == StatusCode::BAD_GATEWAY || status == StatusCode::GATEWAY_TIMEOUT {
        return GithubError::Timeout {
            what: what.to_string(),
            reason: format!("{status}"),
        };
    }
    if status == StatusCode::NOT_FOUND {
        return GithubError::NotFound {
            what: what.to_string(),
        };
    }
    GithubError::Unexpected {
        status: status.as_u16(),
        what: what.to_string(),
        message,
    }
}

/// `x-ratelimit-reset` (epoch seconds) as a time.
fn reset_time(headers: &HeaderMap) -> Option<chrono::DateTime<chrono::Utc>> {
    header(headers, "x-ratelimit-reset")
        .and_then(|v| v.parse::<i64>().ok())
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
}

/// `required; url=https://github.com/orgs/ORG/sso?authorization_request=…` → the URL.
pub fn sso_required_url(value: &str) -> Option<String> {
    let rest = value.trim().strip_prefix("required;")?;
    rest.trim()
        .strip_prefix("url=")
        .map(|u| u.trim().to_string())
}

/// The organization login inside an SSO authorization URL (`…/orgs/ORG/sso…`).
pub fn organization_from_sso_url(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let mut segments = parsed.path_segments()?;
    while let Some(segment) = segments.next() {
        if segment == "orgs" {
            return segments.next().map(str::to_string);
        }
    }
    None
}

/// `partial-results; organizations=21955855,20582480` → the numeric ids.
fn sso_partial_results(headers: &HeaderMap) -> Vec<i64> {
    header(headers, "x-github-sso")
        .and_then(|v| {
            v.trim()
                .strip_prefix("partial-results;")
                .map(str::to_string)
        })
        .and_then(|rest| {
            rest.trim()
                .strip_prefix("organizations=")
                .map(str::to_string)
        })
        .map(|ids| {
            ids.split(',')
                .filter_map(|id| id.trim().parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Decodes GitHub's answer to `what` (an operation's name or a REST path). A failure
/// names where in the JSON it happened and why, with the answer's values left out
/// (they may be anyone's data): `data.repository.pullRequests.nodes[3].number: invalid
/// type: string "…", expected i64`.
fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, GithubError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        GithubError::Decode {
            what: what.to_string(),
            reason: format!(
                "{path}: {}",
                without_values(&error.into_inner().to_string())
            ),
        }
    })
}

/// A serde_json message with the values it quotes ("…" and `…`) blanked.
fn without_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut quote: Option<char> = None;
    for c in message.chars() {
        match (quote, c) {
            (None, '"' | '`') => {
                quote = Some(c);
                out.push(c);
                out.push('…');
            }
            (Some(open), c) if c == open => {
                quote = None;
                out.push(c);
            }
            (Some(_), _) => {}
            (None, c) => out.push(c),
        }
    }
    out
}

/// Whether `url` has `base`'s scheme, host and port.
fn same_origin(url: &str, base: &str) -> bool {
    match (url::Url::parse(url), url::Url::parse(base)) {
        (Ok(url), Ok(base)) => url.origin() == base.origin(),
        _ => false,
    }
}

/// The `rel="next"` target of a `Link` header.
fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = header(headers, "link")?;
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        params.contains("rel=\"next\"").then(|| {
            target
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
    })
}

fn transport_error(error: reqwest::Error, url: &str) -> GithubError {
    if error.is_timeout() {
        return GithubError::Timeout {
            what: url.to_string(),
            reason: "no answer within the request timeout".into(),
        };
    }
    GithubError::Unreachable {
        url: url.to_string(),
        reason: describe_transport_error(error),
    }
}

fn describe_transport_error(error: reqwest::Error) -> String {
    if error.is_connect() {
        "the connection failed".into()
    } else {
        // The URL is ours and holds no secret, and the error names it already; drop it
        // so the message stays short.
        error.without_url().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphql_endpoint_is_derived_as_github_does() {
        assert_eq!(
            GithubEndpoints::new("https://api.github.com", "https://github.com").graphql,
            "https://api.github.com/graphql"
        );
        assert_eq!(
            GithubEndpoints::new("https://ghe.example.com/api/v3/", "https://ghe.example.com")
                .graphql,
            "https://ghe.example.com/api/graphql"
        );
    }

    #[test]
    fn sso_headers_parse() {
        let url = sso_required_url(
            "required; url=https://github.com/orgs/initech/sso?authorization_request=abc",
        )
        .unwrap();
        assert_eq!(organization_from_sso_url(&url).as_deref(), Some("initech"));
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-github-sso",
            "partial-results; organizations=21955855,20582480"
                .parse()
                .unwrap(),
        );
        assert_eq!(sso_partial_results(&headers), vec![21955855, 20582480]);
    }

    #[test]
    fn an_undecodable_answer_names_the_path_and_not_the_data() {
        #[derive(Debug, serde::Deserialize)]
        struct Node {
            #[allow(dead_code)]
            number: i64,
        }
        #[derive(Debug, serde::Deserialize)]
        struct Page {
            #[allow(dead_code)]
            nodes: Vec<Node>,
        }
        let answer = br#"{"nodes": [{"number": 1}, {"number": "secret-title"}]}"#;
        let error = super::decode::<Page>(answer, "PullRequests").unwrap_err();
        let text = error.to_string();
        assert!(text.contains("PullRequests"), "{text}");
        assert!(text.contains("nodes[1].number"), "{text}");
        assert!(text.contains("expected i64"), "{text}");
        assert!(!text.contains("secret-title"), "{text}");
    }

    #[test]
    fn a_next_page_is_followed_only_on_githubs_origin() {
        let api = "https://api.github.com";
        assert!(super::same_origin(
            "https://api.github.com/orgs/x/hooks?page=2",
            api
        ));
        for elsewhere in [
            "https://evil.example.com/orgs/x/hooks?page=2",
            "http://api.github.com/orgs/x/hooks?page=2",
            "https://api.github.com:8443/orgs/x/hooks?page=2",
            "https://api.github.com.evil.example.com/x",
            "not a url",
        ] {
            assert!(!super::same_origin(elsewhere, api), "{elsewhere}");
        }
    }

    #[test]
    fn next_link_is_found() {
        let mut headers = HeaderMap::new();
        headers.insert("link", r#"<https://api.github.com/user/memberships/orgs?page=2>; rel="next", <https://api.github.com/user/memberships/orgs?page=3>; rel="last""#.parse().unwrap());
        assert_eq!(
            next_link(&headers).as_deref(),
            Some("https://api.github.com/user/memberships/orgs?page=2")
        );
    }
}
