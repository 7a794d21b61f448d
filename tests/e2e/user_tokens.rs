//! User tokens over real HTTP: each refusal with its 401 and code (and nothing about
//! keys), RS256 and ES256 tokens checked against a JWKS the test serves, a rotated-in
//! key picked up, and a subscription closed when its token expires.

use base64::Engine;
use futures_util::StreamExt;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode, get_current_timestamp};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tributary_tests::{Backend, TestApp, identity_provider::IdentityProvider};

const SECRET: &str = "the product's identity provider's HS256 secret";
const ISSUER: &str = "https://id.example.com";
const AUDIENCE: &str = "tributary";
const NAMESPACE: &str = "https://tributary.example/claims";

fn claims(change: impl FnOnce(&mut Value)) -> Value {
    let now = get_current_timestamp();
    let mut claims = json!({
        "sub": "user-1",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 3600,
        NAMESPACE: { "workspace": "acme", "role": "viewer" },
    });
    change(&mut claims);
    claims
}

fn hs256(claims: &Value, secret: &[u8]) -> String {
    encode(
        &Header::default(),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

fn base64url(text: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

/// The status, `extensions.code` and whole body of `{ viewer { workspace role } }`
/// sent with `Authorization: <authorization>`.
async fn call(app: &TestApp, authorization: Option<&str>) -> (u16, Value) {
    let mut request = app
        .http
        .post(app.graphql_url())
        .json(&json!({ "query": "{ viewer { workspace role subject } }" }));
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    if status == 401 {
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
    }
    (status, response.json().await.unwrap())
}

async fn refused_with(app: &TestApp, token: &str) -> String {
    let (status, body) = call(app, Some(&format!("Bearer {token}"))).await;
    assert_eq!(status, 401, "{body}");
    let text = body.to_string();
    assert!(!text.contains(SECRET), "nothing about keys: {text}");
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn each_refused_token_answers_401_with_its_code() {
    let Some(app) = TestApp::builder(Backend::Sqlite)
        .jwt(tributary::config::JwtConfig {
            secret: Some(SECRET.into()),
            issuer: Some(ISSUER.into()),
            audience: Some(AUDIENCE.into()),
            workspace_claim: format!("{NAMESPACE}.workspace"),
            role_claim: format!("{NAMESPACE}.role"),
            ..Default::default()
        })
        .start()
        .await
    else {
        return;
    };
    let secret = SECRET.as_bytes();
    let now = get_current_timestamp();
    let good = hs256(&claims(|_| {}), secret);
    let (status, body) = call(&app, Some(&format!("Bearer {good}"))).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"]["viewer"],
        json!({ "workspace": "acme", "role": "VIEWER", "subject": "user-1" })
    );

    let parts: Vec<&str> = good.split('.').collect();
    let tampered_payload =
        base64url(&claims(|c| c[NAMESPACE]["role"] = json!("admin")).to_string());
    let cases: Vec<(String, &str)> = vec![
        (
            hs256(&claims(|c| c["exp"] = json!(now - 3600)), secret),
            "TOKEN_EXPIRED",
        ),
        (
            hs256(&claims(|c| c["nbf"] = json!(now + 3600)), secret),
            "TOKEN_NOT_YET_VALID",
        ),
        (
            hs256(
                &claims(|c| {
                    c.as_object_mut().unwrap().remove("exp");
                }),
                secret,
            ),
            "TOKEN_WITHOUT_EXPIRY",
        ),
        (
            hs256(
                &claims(|c| c["iss"] = json!("https://evil.example.com")),
                secret,
            ),
            "TOKEN_WRONG_ISSUER",
        ),
        (
            hs256(&claims(|c| c["aud"] = json!("another-service")), secret),
            "TOKEN_WRONG_AUDIENCE",
        ),
        (
            format!(
                "{}.{}.",
                base64url(r#"{"alg":"none","typ":"JWT"}"#),
                parts[1]
            ),
            "TOKEN_ALGORITHM_REFUSED",
        ),
        // An RS256 token where no JWKS is configured.
        (
            format!(
                "{}.{}.c2ln",
                base64url(r#"{"alg":"RS256","typ":"JWT","kid":"k"}"#),
                parts[1]
            ),
            "TOKEN_ALGORITHM_REFUSED",
        ),
        // The payload changed after signing: a viewer making itself an admin.
        (
            format!("{}.{tampered_payload}.{}", parts[0], parts[2]),
            "TOKEN_SIGNATURE_INVALID",
        ),
        (
            hs256(&claims(|_| {}), b"another secret, somebody else's"),
            "TOKEN_SIGNATURE_INVALID",
        ),
        (
            hs256(
                &claims(|c| {
                    c[NAMESPACE].as_object_mut().unwrap().remove("workspace");
                }),
                secret,
            ),
            "TOKEN_WITHOUT_WORKSPACE",
        ),
        (
            hs256(&claims(|c| c[NAMESPACE]["role"] = json!("owner")), secret),
            "TOKEN_ROLE_UNKNOWN",
        ),
        ("e30.e30.e30".to_string(), "TOKEN_MALFORMED"),
        ("not-the-key".to_string(), "UNAUTHENTICATED"),
    ];
    for (token, code) in cases {
        assert_eq!(refused_with(&app, &token).await, code, "{token}");
    }
    let (status, body) = call(&app, None).await;
    assert_eq!(
        (status, body["errors"][0]["extensions"]["code"].clone()),
        (401, json!("UNAUTHENTICATED"))
    );
    // The server key still does everything, and says so.
    let (status, body) = call(&app, Some(&format!("Bearer {}", app.api.api_key))).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"]["viewer"],
        json!({ "workspace": null, "role": "ADMIN", "subject": null })
    );
    app.finish().await;
}

/// RS256 and ES256 tokens verify against the provider's JWKS, fetched over HTTP; an
/// HS256 token made with the RSA public key as its secret is refused (the key-confusion
/// attack); an unknown kid is refused until the provider publishes it and the set is
/// fetched again.
#[tokio::test]
async fn tokens_verify_against_the_providers_jwks_and_a_rotated_key_is_picked_up() {
    let provider = IdentityProvider::start().await;
    provider.publish_rsa("rsa-1");
    provider.publish_ec("ec-1");
    let Some(app) = TestApp::builder(Backend::Sqlite)
        .jwt(tributary::config::JwtConfig {
            jwks_url: Some(provider.jwks_url.clone()),
            issuer: Some(ISSUER.into()),
            workspace_claim: format!("{NAMESPACE}.workspace"),
            role_claim: format!("{NAMESPACE}.role"),
            jwks_refetch_interval: std::time::Duration::from_millis(300),
            ..Default::default()
        })
        .start()
        .await
    else {
        return;
    };
    let claims = claims(|_| {});
    for (alg, kid) in [(Algorithm::RS256, "rsa-1"), (Algorithm::ES256, "ec-1")] {
        let (status, body) = call(
            &app,
            Some(&format!("Bearer {}", provider.sign(alg, kid, &claims))),
        )
        .await;
        assert_eq!(status, 200, "{alg:?}: {body}");
        assert_eq!(body["data"]["viewer"]["workspace"], "acme");
    }
    let confused = hs256(&claims, &provider.rsa_public_modulus());
    assert_eq!(
        refused_with(&app, &confused).await,
        "TOKEN_ALGORITHM_REFUSED"
    );
    // An ES256 token under a kid the provider has not published yet.
    let rotated = provider.sign(Algorithm::ES256, "ec-2", &claims);
    assert_eq!(refused_with(&app, &rotated).await, "TOKEN_KEY_UNKNOWN");
    // Signed by the EC key but naming the RSA key's kid.
    let mismatched = provider.sign(Algorithm::ES256, "rsa-1", &claims);
    assert!(refused_with(&app, &mismatched).await.starts_with("TOKEN_"));
    provider.publish_ec("ec-2");
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let (status, body) = call(&app, Some(&format!("Bearer {rotated}"))).await;
    assert_eq!(status, 200, "the rotated-in key is fetched: {body}");
    app.finish().await;
}

/// A subscription authenticated with a user token is closed (4403, `TOKEN_EXPIRED`)
/// when the token expires; a refused token closes the socket with 4403 and its code.
#[tokio::test]
async fn a_subscription_closes_when_its_token_expires() {
    let Some(app) = TestApp::start(Backend::Sqlite).await else {
        return;
    };
    let short = app.user_token_for(
        "acme",
        api::auth::Role::Viewer,
        "user-1",
        std::time::Duration::from_secs(2),
    );
    let (_sink, mut stream) = crate::subscriptions::connect(app.api.addr, &short).await;
    assert_eq!(
        crate::subscriptions::next_json(&mut stream).await.unwrap()["type"],
        "connection_ack"
    );
    let (code, reason) = close_frame(&mut stream).await;
    assert_eq!(code, 4403);
    assert!(reason.starts_with("TOKEN_EXPIRED"), "{reason}");

    let (_sink, mut stream) = crate::subscriptions::connect(app.api.addr, "not-a-credential").await;
    let (code, reason) = close_frame(&mut stream).await;
    assert_eq!(code, 4403);
    assert!(reason.starts_with("UNAUTHENTICATED"), "{reason}");
    app.finish().await;
}

/// Reads until the server closes the socket (within 10 s); its code and reason.
async fn close_frame(stream: &mut crate::subscriptions::Stream) -> (u16, String) {
    loop {
        let message = tokio::time::timeout(std::time::Duration::from_secs(10), stream.next())
            .await
            .expect("the socket closes within 10 s")
            .expect("a close frame before the end")
            .unwrap();
        if let Message::Close(Some(frame)) = message {
            return (frame.code.into(), frame.reason.to_string());
        }
    }
}

/// A socket reads at most 64 KiB a message, before authentication too; and one caller
/// holds at most 16 subscription sockets: the next is closed with 4429, and a place
/// freed by closing one is taken again.
#[tokio::test]
async fn subscription_sockets_are_bounded_per_message_and_per_caller() {
    use futures_util::SinkExt;
    let Some(app) = TestApp::start(Backend::Sqlite).await else {
        return;
    };
    // An oversized connection_init never gets an acknowledgement.
    let (mut sink, mut stream) = crate::subscriptions::connect(app.api.addr, "x").await;
    let huge =
        json!({ "type": "connection_init", "payload": { "padding": "a".repeat(100 << 10) } });
    let _ = sink.send(Message::text(huge.to_string())).await;
    let acknowledged = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while let Some(Ok(message)) = stream.next().await {
            if let Message::Text(text) = message
                && text.contains("connection_ack")
            {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    assert!(!acknowledged, "an oversized message is not read");

    let token = app.user_token("acme", api::auth::Role::Viewer);
    let mut open = Vec::new();
    for _ in 0..16 {
        let (sink, mut stream) = crate::subscriptions::connect(app.api.addr, &token).await;
        assert_eq!(
            crate::subscriptions::next_json(&mut stream).await.unwrap()["type"],
            "connection_ack"
        );
        open.push((sink, stream));
    }
    let (_sink, mut seventeenth) = crate::subscriptions::connect(app.api.addr, &token).await;
    let (code, reason) = close_frame(&mut seventeenth).await;
    assert_eq!(code, 4429);
    assert!(reason.starts_with("TOO_MANY_SOCKETS"), "{reason}");
    // Another caller is not held back.
    let other = app.user_token_for(
        "acme",
        api::auth::Role::Viewer,
        "someone-else",
        std::time::Duration::from_secs(60),
    );
    let (_s, mut theirs) = crate::subscriptions::connect(app.api.addr, &other).await;
    assert_eq!(
        crate::subscriptions::next_json(&mut theirs).await.unwrap()["type"],
        "connection_ack"
    );
    // Closing one frees its place.
    let (mut sink, _stream) = open.pop().unwrap();
    sink.close().await.unwrap();
    let mut acknowledged = false;
    for _ in 0..50 {
        let (_s, mut stream) = crate::subscriptions::connect(app.api.addr, &token).await;
        if crate::subscriptions::next_json(&mut stream)
            .await
            .is_some_and(|m| m["type"] == "connection_ack")
        {
            acknowledged = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(acknowledged, "a freed place is taken again");
    drop(open);
    app.finish().await;
}
