use super::*;
use crate::{GithubSim, SimConfig};
use poem::Endpoint;

/// Status, the `x-oauth-scopes` header and the body of one request to the simulator.
async fn call(
    sim: &GithubSim,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, String)>,
) -> (StatusCode, Option<String>, String) {
    let mut req = Request::builder()
        .method(method)
        .uri(poem::http::Uri::try_from(path).unwrap())
        .header("host", "127.0.0.1:4000")
        .header("user-agent", "tributary-tests")
        .header("accept", "application/json");
    if let Some(token) = token {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    let req = match body {
        Some((content_type, body)) => req.header("content-type", content_type).body(body),
        None => req.finish(),
    };
    let response = sim.endpoint().call(req).await.unwrap();
    let status = response.status();
    let scopes = response
        .headers()
        .get("x-oauth-scopes")
        .map(|v| v.to_str().unwrap().to_string());
    (
        status,
        scopes,
        response.into_body().into_string().await.unwrap(),
    )
}

async fn post_json(sim: &GithubSim, path: &str, body: Value) -> Value {
    let (_, _, text) = call(
        sim,
        Method::POST,
        path,
        None,
        Some(("application/json", body.to_string())),
    )
    .await;
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

/// A `gho_` token for `tributary-svc`, through the pre-approval and the exchange.
async fn oauth_token(sim: &GithubSim) -> String {
    let approved = post_json(
        sim,
        "/_sim/oauth/authorize",
        json!({"client_id": DEFAULT_CLIENT_ID, "scope": "repo admin:org user", "state": "s1"}),
    )
    .await;
    let redirect = approved["redirect_url"].as_str().unwrap();
    assert!(
        redirect.starts_with(DEFAULT_CALLBACK) && redirect.ends_with("&state=s1"),
        "{redirect}"
    );
    let code = redirect
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let form =
        format!("client_id={DEFAULT_CLIENT_ID}&client_secret={DEFAULT_CLIENT_SECRET}&code={code}");
    let (status, _, text) = call(
        sim,
        Method::POST,
        "/login/oauth/access_token",
        None,
        Some(("application/x-www-form-urlencoded", form.clone())),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer["scope"], "repo,admin:org,user");
    assert_eq!(answer["token_type"], "bearer");
    // Codes are single-use: the same exchange again is GitHub's bad_verification_code, with 200.
    let (status, _, again) = call(
        sim,
        Method::POST,
        "/login/oauth/access_token",
        None,
        Some(("application/x-www-form-urlencoded", form)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        again.contains("\"error\":\"bad_verification_code\""),
        "{again}"
    );
    answer["access_token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn oauth_tokens_meet_organization_restrictions_as_on_github() {
    let sim = GithubSim::new(SimConfig::default());
    let token = oauth_token(&sim).await;
    assert!(token.starts_with("gho_") && token.len() == 40);

    let (status, scopes, _) = call(&sim, Method::GET, "/user", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(scopes.as_deref(), Some("repo, admin:org, user"));

    // globex restricts OAuth apps: 403 with GitHub's words, absent from /user/orgs,
    // still among the memberships.
    let (status, _, body) = call(&sim, Method::GET, "/orgs/globex", Some(&token), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("Although you appear to have the correct authorization credentials, the `globex` organization has enabled OAuth App access restrictions"), "{body}");
    let (_, _, orgs) = call(&sim, Method::GET, "/user/orgs", Some(&token), None).await;
    assert!(
        !orgs.contains("\"globex\"") && orgs.contains("\"acme-corp\""),
        "{orgs}"
    );
    let (_, _, memberships) = call(
        &sim,
        Method::GET,
        "/user/memberships/orgs",
        Some(&token),
        None,
    )
    .await;
    assert!(memberships.contains("\"globex\""), "{memberships}");

    // GraphQL: FORBIDDEN, and the non-null connection makes the organization null.
    let query = json!({"query": "{ organization(login: \"globex\") { repositories(first: 1) { totalCount } } }"});
    let (_, _, text) = call(
        &sim,
        Method::POST,
        "/graphql",
        Some(&token),
        Some(("application/json", query.to_string())),
    )
    .await;
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer["data"]["organization"], Value::Null, "{answer}");
    assert_eq!(answer["errors"][0]["type"], "FORBIDDEN", "{answer}");

    // A classic token of the same user is spared.
    let classic = sim.token("owner").unwrap();
    let (status, _, _) = call(&sim, Method::GET, "/orgs/globex", Some(&classic), None).await;
    assert_eq!(status, StatusCode::OK);

    // Requested changes nothing; approved opens the organization.
    post_json(
        &sim,
        "/_sim/oauth/orgs/globex",
        json!({"approval": "requested"}),
    )
    .await;
    let (status, _, _) = call(&sim, Method::GET, "/orgs/globex", Some(&token), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    post_json(
        &sim,
        "/_sim/oauth/orgs/globex",
        json!({"approval": "approved"}),
    )
    .await;
    let (status, _, _) = call(&sim, Method::GET, "/orgs/globex", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_exchange_answers_github_errors_with_200() {
    let sim = GithubSim::new(SimConfig::default());
    let wrong = post_json(
        &sim,
        "/login/oauth/access_token",
        json!({"client_id": DEFAULT_CLIENT_ID, "client_secret": "nope", "code": "x"}),
    )
    .await;
    assert_eq!(wrong["error"], "incorrect_client_credentials");
    assert!(
        wrong["error_uri"]
            .as_str()
            .unwrap()
            .ends_with("#incorrect-client-credentials")
    );

    // PKCE: the verifier must hash to the challenge.
    let verifier = "a-verifier-of-enough-length-0123456789abcdef";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let approved = post_json(
        &sim,
        "/_sim/oauth/authorize",
        json!({"client_id": DEFAULT_CLIENT_ID, "code_challenge": challenge, "code_challenge_method": "S256"}),
    )
    .await;
    let code = approved["redirect_url"]
        .as_str()
        .unwrap()
        .split("code=")
        .nth(1)
        .unwrap()
        .to_string();
    let exchange = |verifier: &str| json!({"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET, "code": code, "code_verifier": verifier});
    let refused = post_json(
        &sim,
        "/login/oauth/access_token",
        exchange("another-verifier"),
    )
    .await;
    assert_eq!(refused["error"], "bad_verification_code");
    let granted = post_json(&sim, "/login/oauth/access_token", exchange(verifier)).await;
    assert!(
        granted["access_token"]
            .as_str()
            .unwrap()
            .starts_with("gho_"),
        "{granted}"
    );

    // Without Accept: application/json, GitHub answers form-encoded.
    let req = Request::builder()
        .method(Method::POST)
        .uri(poem::http::Uri::from_static("/login/oauth/access_token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("client_id=nobody&client_secret=x&code=y");
    let response = sim.endpoint().call(req).await.unwrap();
    let text = response.into_body().into_string().await.unwrap();
    assert!(
        text.starts_with("error=incorrect_client_credentials&error_description="),
        "{text}"
    );
}

#[test]
fn redirect_uris_must_lie_under_the_callback() {
    let cb = "http://127.0.0.1:8080/oauth/github/callback";
    assert!(under_callback(cb, cb));
    assert!(under_callback(
        "http://127.0.0.1:8080/oauth/github/callback/x?y=1",
        cb
    ));
    assert!(!under_callback(
        "http://127.0.0.1:8080/oauth/github/callbackx",
        cb
    ));
    assert!(!under_callback(
        "http://127.0.0.1:8081/oauth/github/callback",
        cb
    ));
    assert!(!under_callback(
        "https://127.0.0.1:8080/oauth/github/callback",
        cb
    ));
    assert!(!under_callback(
        "http://evil.example/oauth/github/callback",
        cb
    ));
}

#[test]
fn granted_scopes_are_stored_normalized() {
    let asked: Vec<String> = ["repo", "admin:org", "read:org", "user", "read:user", "repo"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(normalize_scopes(&asked), ["repo", "admin:org", "user"]);
}
