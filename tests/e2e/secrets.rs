//! Tokens never appear in an API answer or a log line, and sit encrypted in the database.

use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use tributary_tests::{TestApp, logs, on_every_backend};

const EVERYTHING: &str = r#"
query($id: ID!) {
  integration(id: $id) {
    id name authKind login tokenKind grantedScopes availableServices
    lastConnectionTest { ok message login warnings organizations { login problem ssoUrl } missingScopes { scope why } }
    groups { login problem ssoUrl repositories(first: 100) { nodes { fullName url } } }
  }
}"#;

async fn tokens_never_leave_the_server(app: &TestApp) {
    let id = app.create_integration("owner").await;
    app.data(EVERYTHING, json!({ "id": id })).await;
    app.data(
        "mutation($id: ID!) { testConnection(integrationId: $id) { ok } }",
        json!({ "id": id }),
    )
    .await;
    for scenario in [
        "fine-grained",
        "revoked",
        "sso-unauthorized",
        "secondary-rate-limit",
        "missing-scopes",
        "no-scopes",
    ] {
        app.graphql(
            "mutation($t: String!) { testToken(token: $t) { ok message warnings } }",
            json!({ "t": app.token(scenario) }),
        )
        .await;
        app.graphql(
            "mutation($t: String!) { createIntegration(input: {name: \"x\", token: $t}) { id } }",
            json!({ "t": app.token(scenario) }),
        )
        .await;
    }
    let update = app.graphql("mutation($id: ID!, $t: String!) { updateToken(integrationId: $id, token: $t) { ok message } }", json!({ "id": id, "t": app.token("revoked") })).await;
    assert_eq!(update["data"]["updateToken"]["ok"], false);

    // At rest: the row holds ciphertext only.
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT token_ciphertext FROM integrations",
        ))
        .await
        .unwrap()
        .unwrap();
    let stored: String = row.try_get("", "token_ciphertext").unwrap();
    assert!(
        !stored.contains(&app.token("owner")) && !stored.contains("ghp_"),
        "the token is stored in clear"
    );
    let _ = db.close().await;

    let log = logs::captured();
    let responses = logs::responses().join("\n");
    assert!(!log.is_empty(), "the log capture works");
    for token in app.all_tokens() {
        assert!(
            !responses.contains(&token),
            "a token appeared in an API answer"
        );
        assert!(!log.contains(&token), "a token appeared in the log");
    }
    assert!(
        !log.contains("test-api-key"),
        "the API key appeared in the log"
    );
}
on_every_backend!(tokens_never_leave_the_server);
