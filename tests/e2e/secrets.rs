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
        "mutation($id: ID!) { testConnection(input: {integrationId: $id}) { connectionTest { ok } } }",
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
            "mutation($t: String!) { testToken(input: {token: $t}) { connectionTest { ok message warnings } userErrors { code message } } }",
            json!({ "t": app.token(scenario) }),
        )
        .await;
        app.graphql(
            "mutation($t: String!) { createIntegration(input: {name: \"x\", token: $t}) { integration { id } connectionTest { message } userErrors { code message } } }",
            json!({ "t": app.token(scenario) }),
        )
        .await;
    }
    let update = app.graphql("mutation($id: ID!, $t: String!) { reconnectIntegration(input: {integrationId: $id, token: $t}) { connectionTest { ok message } userErrors { code message } } }", json!({ "id": id, "t": app.token("revoked") })).await;
    assert_eq!(
        update["data"]["reconnectIntegration"]["connectionTest"]["ok"],
        false
    );
    assert_eq!(
        update["data"]["reconnectIntegration"]["userErrors"][0]["code"],
        "TOKEN_INVALID"
    );

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
    // Every test app runs with the simulator's OAuth client secret configured; OAuth
    // tokens themselves are checked in oauth.rs, where round trips issue them.
    assert!(
        !log.contains(github_sim::DEFAULT_CLIENT_SECRET)
            && !responses.contains(github_sim::DEFAULT_CLIENT_SECRET),
        "the OAuth client secret left the server"
    );
}
on_every_backend!(tokens_never_leave_the_server);

#[tokio::test]
async fn a_changed_encryption_key_is_named_not_hidden() {
    let Some(app) = TestApp::start(tributary_tests::Backend::Sqlite).await else {
        return;
    };
    let id = app.create_integration("owner").await;
    // A second server on the same database with another key cannot read the stored token.
    let config = tributary::Config {
        listen: "127.0.0.1:0".into(),
        database_url: Some(app.database_url.clone()),
        github_api_url: app.sim.base_url(),
        github_web_url: app.sim.base_url(),
        api_key: Some("other-key".into()),
        encryption_key: Some(api::crypto::SecretBox::generate_key()),
        ..tributary::Config::default()
    };
    let other = tributary::start(&config).await.unwrap();
    let body: serde_json::Value = app
        .http
        .post(format!("{}/graphql", other.base_url()))
        .bearer_auth("other-key")
        .json(&json!({ "query": "mutation($id: ID!) { testConnection(input: {integrationId: $id}) { connectionTest { ok } } }", "variables": { "id": id } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "SECRET_UNREADABLE",
        "{body:#}"
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("TRIBUTARY_ENCRYPTION_KEY")
    );
    other.stop().await;
    // The original key still reads it: nothing was lost.
    let ok = app
        .data(
            "mutation($id: ID!) { testConnection(input: {integrationId: $id}) { connectionTest { ok } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(ok["testConnection"]["connectionTest"]["ok"], true);
    app.finish().await;
}

#[tokio::test]
async fn generated_keys_never_reach_the_log_and_their_file_is_named_once() {
    logs::install();
    let dir = std::env::temp_dir().join(format!("tributary-keys-e2e-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = tributary::Config {
        listen: "127.0.0.1:0".into(),
        database_url: Some(format!("sqlite://{}/tributary.db", dir.display())),
        ..tributary::Config::default()
    };
    let first = tributary::start(&config).await.unwrap();
    let api_key = first.api_key.clone();
    first.stop().await;
    let second = tributary::start(&config).await.unwrap();
    assert_eq!(
        second.api_key, api_key,
        "the generated key is kept and reused"
    );
    second.stop().await;

    let stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("tributary-keys.json")).unwrap())
            .unwrap();
    let encryption_key = stored["encryption_key"].as_str().unwrap();
    let log = logs::captured();
    // The server key goes to the terminal once (stderr), never into the log stream;
    // the log says once where the keys are kept.
    assert_eq!(
        log.matches(&api_key).count(),
        0,
        "the server key is never logged"
    );
    assert_eq!(
        log.matches("generated a server key and an encryption key")
            .count(),
        1,
        "{log}"
    );
    assert!(
        !log.contains(encryption_key),
        "the encryption key is never logged"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Posts `testConnection` for `id` to the server at `base_url`; the whole answer.
async fn test_connection_at(
    app: &TestApp,
    base_url: &str,
    key: &str,
    id: &str,
) -> serde_json::Value {
    app.http
        .post(format!("{base_url}/graphql"))
        .bearer_auth(key)
        .json(&json!({ "query": "mutation($id: ID!) { testConnection(input: {integrationId: $id}) { connectionTest { ok login } } }", "variables": { "id": id } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A sealed token is bound to its row: copied into another integration's row it does
/// not open there (the other integration does not silently act as the first one's
/// account), and it still opens in its own (issue 16, item 10).
async fn a_token_copied_to_another_row_does_not_open_there(app: &TestApp) {
    let owner = app.create_integration("owner").await;
    let member = app.create_integration("member").await;
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_string(
        backend,
        format!(
            "UPDATE integrations SET token_ciphertext = (SELECT token_ciphertext FROM integrations WHERE id = '{}') WHERE id = '{}'",
            tributary_tests::row_id(&owner),
            tributary_tests::row_id(&member)
        ),
    ))
    .await
    .unwrap();
    let moved = test_connection_at(app, &app.api.base_url(), &app.api.api_key, &member).await;
    assert_eq!(
        moved["errors"][0]["extensions"]["code"], "SECRET_UNREADABLE",
        "{moved:#}"
    );
    let own = test_connection_at(app, &app.api.base_url(), &app.api.api_key, &owner).await;
    assert_eq!(
        own["data"]["testConnection"]["connectionTest"]["ok"], true,
        "{own:#}"
    );
}
on_every_backend!(a_token_copied_to_another_row_does_not_open_there);

/// A key rotation without downtime: a server holding the new key and the old one
/// serves throughout; `rotate-key` seals every secret again under the new key; then the
/// old key alone opens nothing, the new one alone everything, and a second run has
/// nothing to do.
async fn rotating_the_key_seals_every_secret_again_while_servers_hold_both(app: &TestApp) {
    let id = app.create_integration("owner").await;
    app.create_integration("member").await;
    // An OAuth state and its sealed PKCE verifier.
    app.data(
        "mutation { startOAuth(input: {}) { authorizeUrl } }",
        json!({}),
    )
    .await;
    let old_key = app.config.encryption_key.clone().unwrap();
    let new_key = api::crypto::SecretBox::generate_key();
    let both = tributary::Config {
        listen: "127.0.0.1:0".into(),
        database_url: Some(app.database_url.clone()),
        github_api_url: app.sim.base_url(),
        github_web_url: app.sim.base_url(),
        api_key: Some("rotating-key".into()),
        encryption_key: Some(new_key.clone()),
        encryption_key_previous: vec![old_key.clone()],
        ..tributary::Config::default()
    };
    let rotating = tributary::start(&both).await.unwrap();
    let before = test_connection_at(app, &rotating.base_url(), "rotating-key", &id).await;
    assert_eq!(
        before["data"]["testConnection"]["connectionTest"]["ok"], true,
        "{before:#}"
    );

    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let secrets = tributary::config::Keys::resolve(&both).unwrap().secret_box;
    let report = tributary::rotate_key::reseal_all(&db, &secrets)
        .await
        .unwrap();
    assert_eq!(report.unreadable, 0, "{report}");
    assert!(
        report.resealed >= 3,
        "two tokens and a verifier at least: {report}"
    );

    let backend = db.get_database_backend();
    let stored = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT token_ciphertext AS value FROM integrations UNION ALL SELECT pkce_verifier_ciphertext FROM oauth_states",
        ))
        .await
        .unwrap();
    for row in stored {
        let value: String = row.try_get("", "value").unwrap();
        assert!(
            value.starts_with(&format!("v2:{}:", secrets.key_id())),
            "sealed under the new key: {value:.12}"
        );
    }
    let again = tributary::rotate_key::reseal_all(&db, &secrets)
        .await
        .unwrap();
    assert_eq!(again.resealed, 0, "nothing left to do: {again}");
    assert_eq!(again.current, report.resealed + report.current);

    let after = test_connection_at(app, &rotating.base_url(), "rotating-key", &id).await;
    assert_eq!(
        after["data"]["testConnection"]["connectionTest"]["ok"], true,
        "{after:#}"
    );
    // The server that holds only the old key can no longer open them, and says so.
    let old_only = test_connection_at(app, &app.api.base_url(), &app.api.api_key, &id).await;
    assert_eq!(
        old_only["errors"][0]["extensions"]["code"], "SECRET_UNREADABLE",
        "{old_only:#}"
    );
    rotating.stop().await;
}
on_every_backend!(rotating_the_key_seals_every_secret_again_while_servers_hold_both);
