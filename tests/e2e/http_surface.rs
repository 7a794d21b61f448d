//! The HTTP surface: the key in front of the API, GraphiQL, health, metrics, bad requests.

use serde_json::{Value, json};
use tributary_tests::{Backend, TestApp};

#[tokio::test]
async fn the_api_needs_the_bearer_key_but_graphiql_loads_without_it() {
    let Some(app) = TestApp::start(Backend::Sqlite).await else {
        return;
    };
    let query = json!({ "query": "{ integrations { id } }" });
    for authorization in [
        None,
        Some("Bearer wrong-key"),
        Some("test-api-key"),
        Some("Basic dGVzdDp0ZXN0"),
    ] {
        let mut request = app.http.post(app.graphql_url()).json(&query);
        if let Some(value) = authorization {
            request = request.header("Authorization", value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{authorization:?}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("Authorization: Bearer")
        );
    }
    let ok = app
        .http
        .post(app.graphql_url())
        .bearer_auth("test-api-key")
        .json(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);

    let page = app.http.get(app.graphql_url()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("GraphiQL")
            && html.contains("mutation TestToken")
            && html.contains("/graphql/ws")
    );
    app.finish().await;
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.http
        .get(format!("{}{path}", app.api.base_url()))
        .send()
        .await
        .unwrap()
}

/// Posts a body that is no JSON to /graphql; the answer's status and body.
async fn post_malformed(app: &TestApp) -> (reqwest::StatusCode, Value) {
    let malformed = app
        .http
        .post(app.graphql_url())
        .bearer_auth("test-api-key")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    (malformed.status(), malformed.json().await.unwrap())
}

/// Runs the operation Broken, which asks for a field that does not exist.
async fn query_broken(app: &TestApp) -> Value {
    app.graphql("query Broken { integrations { nope } }", json!({}))
        .await
}

#[tokio::test]
async fn health_answers_ok() {
    let Some(app) = TestApp::start(Backend::Sqlite).await else {
        return;
    };
    assert_eq!(get(&app, "/healthz").await.status(), 200);
    app.finish().await;
}

#[tokio::test]
async fn a_malformed_request_is_a_bad_request_saying_so() {
    let Some(app) = TestApp::start(Backend::Sqlite).await else {
        return;
    };
    let (status, body) = post_malformed(&app).await;
    assert_eq!(status, 400);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Malformed GraphQL request")
    );
    app.finish().await;
}

/// A body over the limit is refused from its declared length, with a code a program can
/// branch on (poem's own answer was the plain text "payload too large"; the fuzzing test
/// found it).
#[tokio::test]
async fn an_oversized_body_is_refused_with_a_code() {
    let Some(app) = TestApp::start(Backend::Sqlite).await else {
        return;
    };
    let padding = "x".repeat(2 << 20);
    let response = app
        .http
        .post(app.graphql_url())
        .bearer_auth(&app.api.api_key)
        .json(&json!({ "query": "{ __typename }", "variables": { "padding": padding } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "REQUEST_TOO_LARGE",
        "{body}"
    );
    app.finish().await;
}

#[tokio::test]
async fn an_invalid_query_names_the_field_that_does_not_exist() {
    let Some(app) = TestApp::start(Backend::Sqlite).await else {
        return;
    };
    assert!(
        query_broken(&app).await["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nope")
    );
    app.finish().await;
}

#[tokio::test]
async fn metrics_count_requests_by_status_and_operations_and_their_errors() {
    let Some(app) = TestApp::start(Backend::Sqlite).await else {
        return;
    };
    post_malformed(&app).await;
    query_broken(&app).await;
    app.data("query Listing { integrations { id } }", json!({}))
        .await;
    let metrics = app.scrape_metrics().await;
    assert!(
        metrics.contains(
            r#"tributary_http_requests_total{method="POST",route="/graphql",status="400"} 1"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"tributary_graphql_operations_total{operation="Listing"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"tributary_graphql_errors_total{operation="Broken"} 1"#),
        "{metrics}"
    );
    app.finish().await;
}

/// A browser page on an allowed origin may call /graphql: its preflight and its request
/// get the CORS headers. Any other origin gets none (the browser then keeps the answer
/// from the page), same-origin requests (GraphiQL) work as before, and the webhook
/// receiver and the OAuth callback never answer with CORS headers.
#[tokio::test]
async fn only_allowed_origins_get_cors_headers_and_only_on_graphql() {
    let Some(app) = TestApp::builder(Backend::Sqlite)
        .cors_allowed_origins(&["https://app.example.com"])
        .start()
        .await
    else {
        return;
    };
    let preflight = |origin: &str, path: &str| {
        app.http
            .request(
                reqwest::Method::OPTIONS,
                format!("{}{path}", app.api.base_url()),
            )
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type",
            )
            .send()
    };
    let allowed = preflight("https://app.example.com", "/graphql")
        .await
        .unwrap();
    assert!(allowed.status().is_success(), "{}", allowed.status());
    let headers = allowed.headers();
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://app.example.com"
    );
    let methods = headers["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .to_uppercase();
    assert!(methods.contains("POST"), "{methods}");
    let allowed_headers = headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(
        allowed_headers.contains("authorization") && allowed_headers.contains("content-type"),
        "{allowed_headers}"
    );
    assert!(headers.contains_key("access-control-max-age"));

    let request = |origin: &str| {
        app.http
            .post(app.graphql_url())
            .bearer_auth(&app.api.api_key)
            .header("Origin", origin)
            .json(&json!({ "query": "{ integrations { id } }" }))
            .send()
    };
    let answered = request("https://app.example.com").await.unwrap();
    assert_eq!(answered.status(), 200);
    assert_eq!(
        answered.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert!(
        answered.headers().get_all("vary").iter().any(|v| v
            .to_str()
            .unwrap()
            .to_lowercase()
            .contains("origin")),
        "Vary: Origin"
    );

    // Another origin, a look-alike included: no CORS headers at all.
    for other in [
        "https://evil.example",
        "https://app.example.com.evil.example",
        "http://app.example.com",
    ] {
        let refused = preflight(other, "/graphql").await.unwrap();
        assert!(
            refused
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{other}"
        );
        let answered = request(other).await.unwrap();
        assert!(
            answered
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{other}"
        );
    }
    // The same origin as the API (GraphiQL's page) works without CORS.
    let same = request(&app.api.base_url()).await.unwrap();
    assert_eq!(same.status(), 200);

    // Neither the webhook receiver nor the OAuth callback speaks CORS.
    for path in [
        "/webhooks/github/some-integration",
        "/oauth/github/callback",
    ] {
        let answer = preflight("https://app.example.com", path).await.unwrap();
        assert!(
            answer
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{path}"
        );
    }
    app.finish().await;
}

/// `TRIBUTARY_METRICS_TOKEN` scrapes `/metrics` and opens nothing else; a wrong one is
/// refused like any unknown credential, and the server key still scrapes.
#[tokio::test]
async fn the_metrics_token_scrapes_metrics_and_nothing_else() {
    const TOKEN: &str = "scrape-0123456789abcdef0123456789abcdef";
    let Some(app) = TestApp::builder(Backend::Sqlite)
        .metrics_token(TOKEN)
        .start()
        .await
    else {
        return;
    };
    let scrape = |bearer: &str| {
        app.http
            .get(format!("{}/metrics", app.api.base_url()))
            .bearer_auth(bearer)
            .send()
    };
    let with_token = scrape(TOKEN).await.unwrap();
    assert_eq!(with_token.status(), 200);
    assert!(
        with_token.text().await.unwrap().ends_with("# EOF\n"),
        "the scrape's text"
    );
    let wrong = scrape("scrape-wrong").await.unwrap();
    assert_eq!(wrong.status(), 401);
    let refusal: Value = wrong.json().await.unwrap();
    assert_eq!(
        refusal["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    app.scrape_metrics().await;
    // The scrape token is no credential of the API.
    let graphql = app
        .http
        .post(format!("{}/graphql", app.api.base_url()))
        .bearer_auth(TOKEN)
        .json(&json!({ "query": "{ integrations { id } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(graphql.status(), 401);
    app.finish().await;
}

/// What a scrape computes from the database (runs by state, requests and rate limits
/// per integration) stands for 15 seconds: scrapes in between run no query and open no
/// token. Request counters stay live.
#[tokio::test]
async fn metrics_figures_are_computed_at_most_every_15_seconds() {
    let Some(app) = TestApp::start(Backend::Sqlite).await else {
        return;
    };
    let runs = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with("tributary_import_runs{"))
            .map(str::to_string)
            .collect()
    };
    let first = app.scrape_metrics().await;
    assert!(
        !runs(&first).is_empty() && runs(&first).iter().all(|l| l.ends_with(" 0")),
        "no run yet: {first}"
    );
    let integration = app.create_integration("owner").await;
    let repository = app
        .data(
            "query($id: ID!) { integration(id: $id) { repositories(first: 1) { nodes { id } } } }",
            json!({ "id": integration }),
        )
        .await["integration"]["repositories"]["nodes"][0]["id"]
        .clone();
    app.data(
        "mutation($i: ID!, $r: [ID!]!) { importRepositories(input: {integrationId: $i, repositoryIds: $r}) { importRuns { id } } }",
        json!({ "i": integration, "r": [repository] }),
    )
    .await;
    let second = app.scrape_metrics().await;
    assert_eq!(
        runs(&second),
        runs(&first),
        "the run queued since is not counted: the figures stand for 15 s"
    );
    assert!(
        second.contains(
            r#"tributary_http_requests_total{method="GET",route="/metrics",status="200"} 1"#
        ),
        "{second}"
    );
    app.finish().await;
}

/// Every request has a time limit, answered with a code; a field takes few directives.
#[tokio::test]
async fn a_request_past_its_time_limit_is_stopped_with_a_code_and_directives_are_bounded() {
    let Some(app) = TestApp::builder(Backend::Sqlite)
        // No time at all: whatever waits for the database is past it.
        .request_time_limit(std::time::Duration::ZERO)
        .start()
        .await
    else {
        return;
    };
    // A hundred lookups one after the other: far past the timer's first tick (a
    // single quick query can finish before a zero limit is noticed).
    let ids: Vec<String> = (0..100)
        .map(|_| {
            tributary_tests::global_id(
                tributary_tests::NodeKind::Integration,
                &uuid::Uuid::new_v4().to_string(),
            )
        })
        .collect();
    let slow = app
        .graphql(
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ids }),
        )
        .await;
    assert_eq!(
        slow["errors"][0]["extensions"]["code"], "REQUEST_TIMEOUT",
        "{slow}"
    );
    let many = app
        .graphql(
            "query($t: Boolean = true) { capabilities @include(if: $t) @include(if: $t) @skip(if: false) @skip(if: false) @include(if: $t) { oauth } }",
            json!({}),
        )
        .await;
    assert_eq!(
        many["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{many}"
    );
    app.finish().await;
}
