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

#[tokio::test]
async fn health_metrics_and_malformed_requests() {
    let Some(app) = TestApp::start(Backend::Sqlite).await else {
        return;
    };
    let health = app
        .http
        .get(format!("{}/healthz", app.api.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    let malformed = app
        .http
        .post(app.graphql_url())
        .bearer_auth("test-api-key")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let body: Value = malformed.json().await.unwrap();
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Malformed GraphQL request")
    );

    let invalid = app
        .graphql("query Broken { integrations { nope } }", json!({}))
        .await;
    assert!(
        invalid["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nope")
    );
    app.data("query Listing { integrations { id } }", json!({}))
        .await;

    let metrics = app
        .http
        .get(format!("{}/metrics", app.api.base_url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
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
