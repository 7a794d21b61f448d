//! Connecting through the OAuth app, over real HTTP on loopback: startOAuth → the
//! simulator's authorize page → our callback → an OAuth grant → createIntegration →
//! groups, and every way the round trip can fail.

use reqwest::{StatusCode, redirect::Policy};
use serde_json::{Value, json};
use tributary_tests::{Backend, TestApp, TestAppBuilder, logs, on_every_backend};

use crate::troubleshooting::issue;

const START: &str = r#"mutation($redirectAfter: String) {
  startOAuth(input: {redirectAfter: $redirectAfter}) { authorizeUrl state userErrors { code field } }
}"#;

const CREATE: &str = r#"mutation($grant: ID!) {
  createIntegration(input: {name: "via OAuth", oauthGrantId: $grant}) {
    integration { id authKind tokenKind login grantedScopes }
    userErrors { code field }
  }
}"#;

const GROUPS: &str = r#"query($id: ID!) {
  integration(id: $id) { groups { login access problem repositories(first: 100) { totalCount } } }
}"#;

const WRONG_SECRET: &str = "not-the-secret-0123456789";

/// Like `on_every_backend!`, for an app the test configures first.
macro_rules! on_every_backend_with {
    ($body:ident, $configure:expr) => {
        mod $body {
            use super::*;

            async fn run(backend: Backend) {
                let configure: fn(TestAppBuilder) -> TestAppBuilder = $configure;
                if let Some(app) = configure(TestApp::builder(backend)).start().await {
                    super::$body(&app).await;
                    app.finish().await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run(Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run(Backend::Postgres).await
            }
        }
    };
}

/// A browser that shows redirects instead of following them.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

pub(crate) fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .expect("a redirect")
        .to_str()
        .unwrap()
        .to_string()
}

async fn start(app: &TestApp, redirect_after: Option<&str>) -> (String, String) {
    let data = app
        .data(START, json!({ "redirectAfter": redirect_after }))
        .await;
    (
        data["startOAuth"]["authorizeUrl"]
            .as_str()
            .unwrap()
            .to_string(),
        data["startOAuth"]["state"].as_str().unwrap().to_string(),
    )
}

/// The pre-approval `/_sim` offers automated tests: the authorize URL's own parameters
/// plus the user who approves; answers where GitHub would send the browser.
pub(crate) async fn approve_at_sim(app: &TestApp, authorize_url: &str, login: &str) -> String {
    let mut body: serde_json::Map<String, Value> = url::Url::parse(authorize_url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect();
    body.insert("login".into(), json!(login));
    let answer: Value = app
        .http
        .post(format!("{}/_sim/oauth/authorize", app.sim.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["redirect_url"]
        .as_str()
        .unwrap_or_else(|| panic!("no redirect_url in {answer}"))
        .to_string()
}

/// Follows the callback as the browser would; answers the status and the page (or Location).
pub(crate) async fn callback(url: &str) -> (StatusCode, String) {
    let response = browser().get(url).send().await.unwrap();
    let status = response.status();
    if status.is_redirection() {
        return (status, location(&response));
    }
    (status, response.text().await.unwrap())
}

fn grant_id_on(page: &str) -> String {
    let start = page
        .find("<code id=\"grant\">")
        .expect("a grant id on the page")
        + 17;
    page[start..start + page[start..].find('<').unwrap()].to_string()
}

pub(crate) async fn connect(app: &TestApp, login: &str) -> String {
    connect_as(app, &app.api.api_key, login).await
}

/// An OAuth round trip started by the holder of `credential`, whose grant it is.
pub(crate) async fn connect_as(app: &TestApp, credential: &str, login: &str) -> String {
    let data = app
        .as_caller(credential)
        .data(START, json!({ "redirectAfter": null }))
        .await;
    let url = data["startOAuth"]["authorizeUrl"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, page) = callback(&approve_at_sim(app, &url, login).await).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    grant_id_on(&page)
}

/// The authorize page's form, as the browser posts it when the user clicks a button.
async fn submit_authorize_form(
    app: &TestApp,
    authorize_url: &str,
    decision: &str,
) -> reqwest::Response {
    let mut form: Vec<(String, String)> = url::Url::parse(authorize_url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    form.push(("login".into(), "tributary-svc".into()));
    form.push(("decision".into(), decision.into()));
    browser()
        .post(format!("{}/login/oauth/authorize", app.sim.base_url()))
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// One text column of every row `sql` selects, read straight from the database.
async fn column(app: &TestApp, sql: &str) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap();
    let _ = db.close().await;
    rows.iter()
        .map(|row| row.try_get::<String>("", "value").unwrap())
        .collect()
}

async fn grants_stored(app: &TestApp) -> usize {
    column(app, "SELECT id AS value FROM oauth_grants")
        .await
        .len()
}

fn group<'a>(groups: &'a Value, login: &str) -> &'a Value {
    groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["login"] == login)
        .unwrap_or_else(|| panic!("no group {login} in {groups}"))
}

async fn the_authorize_url_asks_for_every_required_scope_with_pkce(app: &TestApp) {
    let (authorize_url, state) = start(app, None).await;
    let sim = app.sim.base_url();
    assert!(authorize_url.starts_with(&format!("{sim}/login/oauth/authorize?")));
    assert_eq!(
        query_param(&authorize_url, "state").as_deref(),
        Some(state.as_str())
    );
    assert_eq!(
        query_param(&authorize_url, "allow_signup").as_deref(),
        Some("false")
    );
    assert_eq!(
        query_param(&authorize_url, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert_eq!(
        query_param(&authorize_url, "redirect_uri"),
        Some(format!("{}/oauth/github/callback", app.api.public_url))
    );
    let scopes = query_param(&authorize_url, "scope").unwrap();
    for scope in github::connection_test::scopes::REQUIRED_SCOPES {
        assert!(
            scope_listed(&scopes, scope),
            "{scope} missing from {scopes}"
        );
    }
}
on_every_backend!(the_authorize_url_asks_for_every_required_scope_with_pkce);

async fn approving_on_the_authorize_page_yields_a_grant_whose_token_works(app: &TestApp) {
    let (authorize_url, _) = start(app, None).await;
    // The authorize page, as a person sees it, and its form.
    let page = browser().get(&authorize_url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Authorize Tributary"), "{html}");
    let approved = submit_authorize_form(app, &authorize_url, "approve").await;
    assert_eq!(approved.status(), StatusCode::FOUND);
    let (status, page) = callback(&location(&approved)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("tributary-svc"), "{page}");
    let grant = grant_id_on(&page);

    let shown = app
        .data(
            "query($id: ID!) { oauthGrant(id: $id) { login grantedScopes used test { ok tokenKind message } } }",
            json!({ "id": grant }),
        )
        .await;
    assert_eq!(shown["oauthGrant"]["login"], "tributary-svc");
    assert_eq!(shown["oauthGrant"]["used"], false);
    assert_eq!(shown["oauthGrant"]["test"]["ok"], true);
    assert_eq!(shown["oauthGrant"]["test"]["tokenKind"], "OAUTH");
}
on_every_backend!(approving_on_the_authorize_page_yields_a_grant_whose_token_works);

async fn a_grant_creates_an_oauth_integration(app: &TestApp) {
    let grant = connect(app, "tributary-svc").await;
    let created =
        app.data(CREATE, json!({ "grant": grant })).await["createIntegration"]["integration"]
            .clone();
    assert_eq!(created["authKind"], "OAUTH");
    assert_eq!(created["tokenKind"], "OAUTH");
    assert_eq!(created["login"], "tributary-svc");
}
on_every_backend!(a_grant_creates_an_oauth_integration);

async fn a_grant_creates_one_integration_only(app: &TestApp) {
    let grant = connect(app, "tributary-svc").await;
    app.data(CREATE, json!({ "grant": grant })).await;
    let again = app.data(CREATE, json!({ "grant": grant })).await;
    assert_eq!(
        again["createIntegration"],
        json!({ "integration": null, "userErrors": [{ "code": "OAUTH_GRANT_USED", "field": ["input", "oauthGrantId"] }] })
    );
}
on_every_backend!(a_grant_creates_one_integration_only);

/// Opens a sealed column value with the test server's key, in its place.
fn open_sealed(app: &TestApp, sealed: &str, at: &entity::sealed::SealedAt) -> String {
    api::crypto::SecretBox::from_base64_key(app.config.encryption_key.as_deref().unwrap())
        .unwrap()
        .open(sealed, at)
        .unwrap()
}

/// The status GitHub (the simulator) answers `GET /user` with `token`.
async fn user_status(app: &TestApp, token: &str) -> StatusCode {
    reqwest::Client::new()
        .get(format!("{}/user", app.sim.base_url()))
        .bearer_auth(token)
        // GitHub refuses a request without one (403).
        .header("User-Agent", "tributary-tests")
        .send()
        .await
        .unwrap()
        .status()
}

/// What the simulator's OAuth app had revoked (`{client_id, login, what}`).
async fn revoked_at_github(app: &TestApp) -> Value {
    reqwest::get(format!("{}/_sim/oauth/revoked", app.sim.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Deleting an OAuth integration gives its token back: GitHub revokes it, so the app
/// no longer holds access the user cannot see a use for (issue 16, item 8).
async fn deleting_an_oauth_integration_revokes_its_token_at_github(app: &TestApp) {
    let integration = oauth_integration(app).await;
    let sealed = column(
        app,
        &format!(
            "SELECT token_ciphertext AS value FROM integrations WHERE id = '{}'",
            tributary_tests::row_id(&integration)
        ),
    )
    .await;
    let token = open_sealed(
        app,
        &sealed[0],
        &entity::sealed::SealedAt::integration_token(&tributary_tests::row_id(&integration)),
    );
    assert_eq!(user_status(app, &token).await, StatusCode::OK);
    let deleted = app
        .data(
            "mutation($id: ID!) { deleteIntegration(input: {integrationId: $id}) { deletedIntegrationId } }",
            json!({ "id": integration }),
        )
        .await;
    assert_eq!(
        deleted["deleteIntegration"]["deletedIntegrationId"],
        integration
    );
    assert_eq!(
        revoked_at_github(app).await,
        json!([{ "client_id": github_sim::DEFAULT_CLIENT_ID, "login": "tributary-svc", "what": "token" }])
    );
    assert_eq!(user_status(app, &token).await, StatusCode::UNAUTHORIZED);
}
on_every_backend!(deleting_an_oauth_integration_revokes_its_token_at_github);

/// A grant nobody spent within its hour holds a token for no integration: at the next
/// sweep it is revoked at GitHub and dropped; a spent grant's token is left alone.
async fn a_grant_that_expires_unspent_is_revoked_at_github(app: &TestApp) {
    let unspent = connect(app, "tributary-svc").await;
    let spent = oauth_integration(app).await;
    let grant_row = tributary_tests::row_id(&unspent);
    let sealed = column(
        app,
        &format!("SELECT token_ciphertext AS value FROM oauth_grants WHERE id = '{grant_row}'"),
    )
    .await;
    let token = open_sealed(
        app,
        &sealed[0],
        &entity::sealed::SealedAt::grant_token(&grant_row),
    );
    assert_eq!(user_status(app, &token).await, StatusCode::OK);
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    use sea_orm::ConnectionTrait;
    db.execute_unprepared("UPDATE oauth_grants SET expires_at = '2000-01-01T00:00:00+00:00'")
        .await
        .unwrap();
    // Starting another round trip sweeps (as the five-minute sweeper does).
    start(app, None).await;
    assert_eq!(
        revoked_at_github(app).await.as_array().unwrap().len(),
        1,
        "the unspent grant's token only: {}",
        revoked_at_github(app).await
    );
    assert_eq!(user_status(app, &token).await, StatusCode::UNAUTHORIZED);
    let left = column(app, "SELECT id AS value FROM oauth_grants").await;
    assert!(!left.contains(&grant_row), "the revoked grant is dropped");
    // The spent grant's integration still works.
    let sealed = column(
        app,
        &format!(
            "SELECT token_ciphertext AS value FROM integrations WHERE id = '{}'",
            tributary_tests::row_id(&spent)
        ),
    )
    .await;
    let at = entity::sealed::SealedAt::integration_token(&tributary_tests::row_id(&spent));
    assert_eq!(
        user_status(app, &open_sealed(app, &sealed[0], &at)).await,
        StatusCode::OK
    );
}
on_every_backend!(a_grant_that_expires_unspent_is_revoked_at_github);

/// An unspent grant whose token GitHub cannot revoke yet (it answers 502) is kept past
/// the day after which spent grants are purged, and is revoked and dropped once GitHub
/// answers again: its token is never left live and forgotten.
async fn an_unspent_grant_stays_until_github_has_revoked_its_token(app: &TestApp) {
    let unspent = connect(app, "tributary-svc").await;
    let grant_row = tributary_tests::row_id(&unspent);
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    use sea_orm::ConnectionTrait;
    db.execute_unprepared("UPDATE oauth_grants SET expires_at = '2000-01-01T00:00:00+00:00'")
        .await
        .unwrap();
    app.sim_control(
        reqwest::Method::POST,
        "/_sim/faults",
        Some(json!({ "bad_gateway_rate": 1.0 })),
    )
    .await;
    // Starting another round trip sweeps (as the five-minute sweeper does).
    start(app, None).await;
    let left = column(app, "SELECT id AS value FROM oauth_grants").await;
    assert!(
        left.contains(&grant_row),
        "kept while GitHub fails: {left:?}"
    );
    assert_eq!(revoked_at_github(app).await, json!([]));
    app.sim_control(reqwest::Method::DELETE, "/_sim/faults", None)
        .await;
    start(app, None).await;
    assert_eq!(revoked_at_github(app).await.as_array().unwrap().len(), 1);
    let left = column(app, "SELECT id AS value FROM oauth_grants").await;
    assert!(!left.contains(&grant_row), "dropped once revoked: {left:?}");
}
on_every_backend!(an_unspent_grant_stays_until_github_has_revoked_its_token);

/// An integration created from an OAuth grant of tributary-svc; its id.
async fn oauth_integration(app: &TestApp) -> String {
    let grant = connect(app, "tributary-svc").await;
    let created = app.data(CREATE, json!({ "grant": grant })).await;
    created["createIntegration"]["integration"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn groups(app: &TestApp, integration: &str) -> Value {
    app.data(GROUPS, json!({ "id": integration })).await["integration"]["groups"].clone()
}

async fn refresh_groups(app: &TestApp, integration: &str) {
    app.data(
        "mutation($id: ID!) { refreshGroups(input: {integrationId: $id}) { integration { id } } }",
        json!({ "id": integration }),
    )
    .await;
}

const REPORT: &str = "mutation($id: ID!, $org: String!) { reportOAuthApprovalRequested(input: {integrationId: $id, organization: $org}) { group { login access problem } userErrors { code } } }";

async fn an_organization_restricting_oauth_apps_is_listed_with_the_steps_to_grant_access(
    app: &TestApp,
) {
    let id = oauth_integration(app).await;
    // globex restricts OAuth apps: listed, with the steps, and no repositories.
    let groups = groups(app, &id).await;
    let globex = group(&groups, "globex");
    assert_eq!(globex["access"], "OAUTH_RESTRICTED");
    let steps = globex["problem"].as_str().unwrap();
    for step in [
        "Authorized OAuth Apps",
        "Request",
        "Third-party access",
        "Grant access",
        "refreshGroups",
    ] {
        assert!(steps.contains(step), "{step} missing from: {steps}");
    }
    assert_eq!(globex["repositories"]["totalCount"], 0);
    assert_eq!(group(&groups, "acme-corp")["access"], "OK");
}
on_every_backend!(an_organization_restricting_oauth_apps_is_listed_with_the_steps_to_grant_access);

const ISSUES: &str = r#"query($id: ID!) {
  integration(id: $id) { groups { login issues { code actor actionUrl } } }
}"#;

async fn issues_of(app: &TestApp, integration: &str, login: &str) -> Value {
    let groups =
        app.data(ISSUES, json!({ "id": integration })).await["integration"]["groups"].clone();
    group(&groups, login)["issues"].clone()
}

/// The account requests approval on Tributary's page among its authorized OAuth apps;
/// once reported, an owner grants it on the organization's third-party access page.
async fn an_unapproved_oauth_app_is_requested_by_the_account_then_granted_by_an_owner(
    app: &TestApp,
) {
    let id = oauth_integration(app).await;
    let web = app.config.github_web_url.trim_end_matches('/').to_string();
    let issues = issues_of(app, &id, "globex").await;
    let restricted = issue(&issues, "OAUTH_APP_NOT_APPROVED");
    assert_eq!(restricted["actor"], "ACCOUNT");
    assert_eq!(
        restricted["actionUrl"],
        format!(
            "{web}/settings/connections/applications/{}",
            github_sim::DEFAULT_CLIENT_ID
        )
    );
    assert_eq!(
        issues[0]["code"], "OAUTH_APP_NOT_APPROVED",
        "blocking first"
    );

    app.data(REPORT, json!({ "id": id, "org": "globex" })).await;
    let issues = issues_of(app, &id, "globex").await;
    let requested = issue(&issues, "APPROVAL_REQUESTED");
    assert_eq!(requested["actor"], "ORGANIZATION_OWNER");
    assert_eq!(
        requested["actionUrl"],
        format!("{web}/organizations/globex/settings/oauth_application_policy")
    );
    assert!(
        issues
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["code"] != "OAUTH_APP_NOT_APPROVED"),
        "{issues}"
    );
}
on_every_backend!(an_unapproved_oauth_app_is_requested_by_the_account_then_granted_by_an_owner);

async fn an_oauth_token_is_subject_to_saml_sso_like_a_classic_one(app: &TestApp) {
    let id = oauth_integration(app).await;
    assert_eq!(
        group(&groups(app, &id).await, "initech")["access"],
        "SSO_REQUIRED"
    );
}
on_every_backend!(an_oauth_token_is_subject_to_saml_sso_like_a_classic_one);

async fn a_members_approval_request_is_on_record_once_reported_and_survives_a_refresh(
    app: &TestApp,
) {
    let id = oauth_integration(app).await;
    // A member asks: GitHub answers as before, so the request is on record only once
    // reported, and survives a refresh until an owner grants it.
    set_policy(app, "globex", json!({ "approval": "requested" })).await;
    refresh_groups(app, &id).await;
    assert_eq!(
        group(&groups(app, &id).await, "globex")["access"],
        "OAUTH_RESTRICTED"
    );
    let reported = app.data(REPORT, json!({ "id": id, "org": "globex" })).await;
    let globex = &reported["reportOAuthApprovalRequested"]["group"];
    assert_eq!(globex["access"], "APPROVAL_REQUESTED");
    assert!(
        globex["problem"].as_str().unwrap().contains("Grant access"),
        "{globex}"
    );
    refresh_groups(app, &id).await;
    assert_eq!(
        group(&groups(app, &id).await, "globex")["access"],
        "APPROVAL_REQUESTED"
    );
}
on_every_backend!(a_members_approval_request_is_on_record_once_reported_and_survives_a_refresh);

async fn an_organization_that_restricts_nothing_cannot_be_reported_as_waiting(app: &TestApp) {
    let id = oauth_integration(app).await;
    let not_restricted = app
        .data(REPORT, json!({ "id": id, "org": "acme-corp" }))
        .await;
    assert_eq!(
        not_restricted["reportOAuthApprovalRequested"],
        json!({ "group": null, "userErrors": [{ "code": "ORGANIZATION_NOT_RESTRICTED" }] })
    );
    let unknown = app
        .data(REPORT, json!({ "id": id, "org": "no-such-org" }))
        .await;
    assert_eq!(
        unknown["reportOAuthApprovalRequested"]["userErrors"][0]["code"],
        "ORGANIZATION_UNKNOWN"
    );
}
on_every_backend!(an_organization_that_restricts_nothing_cannot_be_reported_as_waiting);

async fn once_an_owner_grants_access_the_organizations_repositories_are_listed(app: &TestApp) {
    let id = oauth_integration(app).await;
    set_policy(app, "globex", json!({ "approval": "requested" })).await;
    app.data(REPORT, json!({ "id": id, "org": "globex" })).await;
    set_policy(app, "globex", json!({ "approval": "approved" })).await;
    refresh_groups(app, &id).await;
    let groups = groups(app, &id).await;
    let globex = group(&groups, "globex");
    assert_eq!(globex["access"], "OK", "{globex}");
    assert!(globex["repositories"]["totalCount"].as_i64().unwrap() > 0);
}
on_every_backend!(once_an_owner_grants_access_the_organizations_repositories_are_listed);

fn scope_listed(scopes: &str, scope: &str) -> bool {
    scopes.split(' ').any(|s| s == scope)
}

async fn set_policy(app: &TestApp, org: &str, body: Value) {
    let response = app
        .http
        .post(format!("{}/_sim/oauth/orgs/{org}", app.sim.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
}

async fn states_are_used_once_and_only_ours(app: &TestApp) {
    let (url, _) = start(app, None).await;
    let back = approve_at_sim(app, &url, "tributary-svc").await;
    let (status, _) = callback(&back).await;
    assert_eq!(status, StatusCode::OK);

    let (status, page) = callback(&back).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("works once"), "replayed: {page}");

    let code = query_param(&back, "code").unwrap();
    let forged = format!(
        "{}/oauth/github/callback?code={code}&state=made-up-state",
        app.api.public_url
    );
    let (status, page) = callback(&forged).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("not issued by this Tributary server"),
        "forged: {page}"
    );

    let (status, page) = callback(&format!(
        "{}/oauth/github/callback?code={code}",
        app.api.public_url
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("no state"), "{page}");
    assert_eq!(grants_stored(app).await, 1);
}
on_every_backend!(states_are_used_once_and_only_ours);

async fn an_expired_state_is_refused(app: &TestApp) {
    let (url, _) = start(app, None).await;
    let back = approve_at_sim(app, &url, "tributary-svc").await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let (status, page) = callback(&back).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("expired"), "{page}");
    assert_eq!(grants_stored(app).await, 0);
}
on_every_backend_with!(an_expired_state_is_refused, |b| b
    .oauth_state_ttl(std::time::Duration::ZERO));

async fn github_refusals_show_a_page_and_store_nothing(app: &TestApp) {
    // Denied consent: GitHub sends the browser back with error=access_denied.
    let (url, state) = start(app, None).await;
    let denied = submit_authorize_form(app, &url, "deny").await;
    let back = location(&denied);
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(query_param(&back, "state"), Some(state));
    let (status, page) = callback(&back).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("Access was not granted"), "{page}");

    // A wrong code: GitHub answers bad_verification_code (with HTTP 200).
    let (url, _) = start(app, None).await;
    let back = approve_at_sim(app, &url, "tributary-svc").await;
    let code = query_param(&back, "code").unwrap();
    let (status, page) = callback(&back.replace(&code, "0123456789abcdef0123")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("did not accept the authorization code"),
        "{page}"
    );

    // A code GitHub already exchanged, brought back under a fresh state.
    let (url, _) = start(app, None).await;
    let first = approve_at_sim(app, &url, "tributary-svc").await;
    assert_eq!(callback(&first).await.0, StatusCode::OK);
    let (url, _) = start(app, None).await;
    let second = approve_at_sim(app, &url, "tributary-svc").await;
    let reused = second.replace(
        &query_param(&second, "code").unwrap(),
        &query_param(&first, "code").unwrap(),
    );
    let (status, page) = callback(&reused).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("did not accept the authorization code"),
        "{page}"
    );

    assert_eq!(
        grants_stored(app).await,
        1,
        "only the one good round trip left a grant"
    );
}
on_every_backend!(github_refusals_show_a_page_and_store_nothing);

async fn a_callback_url_github_does_not_accept_is_named(app: &TestApp) {
    let ours = format!("{}/oauth/github/callback", app.api.public_url);
    // The app on GitHub points somewhere else: GitHub sends the browser to the
    // registered callback with redirect_uri_mismatch.
    app.sim_handle.register_oauth_app(github_sim::OAuthApp {
        callback_url: "http://127.0.0.1:9/elsewhere".into(),
        ..app.sim_handle.default_oauth_app(&ours)
    });
    let (url, state) = start(app, None).await;
    let refused = browser().get(&url).send().await.unwrap();
    let back = location(&refused);
    assert!(back.starts_with("http://127.0.0.1:9/elsewhere?"), "{back}");
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some("redirect_uri_mismatch")
    );
    // Had it reached us, the page says what to fix.
    let (status, page) = callback(&format!(
        "{ours}?error=redirect_uri_mismatch&error_description=x&state={state}"
    ))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains(&ours) && page.contains("callback URL"),
        "{page}"
    );

    // The callback changed between authorize and exchange: the exchange refuses.
    app.sim_handle.default_oauth_app(&ours);
    let (url, _) = start(app, None).await;
    let back = approve_at_sim(app, &url, "tributary-svc").await;
    app.sim_handle.register_oauth_app(github_sim::OAuthApp {
        callback_url: "http://127.0.0.1:9/elsewhere".into(),
        ..app.sim_handle.default_oauth_app(&ours)
    });
    let (status, page) = callback(&back).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("refused the callback URL"), "{page}");
    assert_eq!(grants_stored(app).await, 0);
}
on_every_backend!(a_callback_url_github_does_not_accept_is_named);

async fn wrong_client_credentials_are_named_never_shown(app: &TestApp) {
    let (url, _) = start(app, None).await;
    let (status, page) = callback(&approve_at_sim(app, &url, "tributary-svc").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("TRIBUTARY_GITHUB_OAUTH_CLIENT_SECRET") && page.contains("client secret"),
        "{page}"
    );
    assert!(!page.contains(WRONG_SECRET));
    assert!(
        !logs::captured().contains(WRONG_SECRET),
        "the client secret reached the log"
    );
    assert_eq!(grants_stored(app).await, 0);
}
on_every_backend_with!(wrong_client_credentials_are_named_never_shown, |b| b
    .oauth_client(Some((github_sim::DEFAULT_CLIENT_ID, WRONG_SECRET))));

async fn without_client_settings_start_names_both(app: &TestApp) {
    let answer = app.data(START, json!({})).await;
    let start = &answer["startOAuth"];
    assert_eq!(start["authorizeUrl"], Value::Null);
    assert_eq!(start["userErrors"][0]["code"], "OAUTH_NOT_CONFIGURED");
    let message = app
        .data(
            "mutation { startOAuth { userErrors { message } } }",
            json!({}),
        )
        .await["startOAuth"]["userErrors"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("TRIBUTARY_GITHUB_OAUTH_CLIENT_ID")
            && message.contains("TRIBUTARY_GITHUB_OAUTH_CLIENT_SECRET"),
        "{message}"
    );
}
on_every_backend_with!(without_client_settings_start_names_both, |b| b
    .oauth_client(None));

async fn redirects_go_only_to_allowed_origins(app: &TestApp) {
    let public = app.api.public_url.clone();
    for refused in [
        "https://evil.example/integrations".to_string(),
        // Prefix tricks: userinfo, another port, another scheme.
        format!("{public}@evil.example/"),
        "https://app.example.com:8443/integrations".into(),
        "http://app.example.com/integrations".into(),
        "/relative".into(),
    ] {
        let answer = app.data(START, json!({ "redirectAfter": refused })).await;
        assert_eq!(
            answer["startOAuth"]["userErrors"],
            json!([{ "code": "REDIRECT_NOT_ALLOWED", "field": ["input", "redirectAfter"] }]),
            "{refused}"
        );
    }

    let target = "https://app.example.com/integrations/new?step=finish";
    let (url, _) = start(app, Some(target)).await;
    let (status, to) = callback(&approve_at_sim(app, &url, "tributary-svc").await).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        to.starts_with("https://app.example.com/integrations/new?step=finish&oauth_grant_id="),
        "{to}"
    );
    let grant = query_param(&to, "oauth_grant_id").unwrap();

    let (url, _) = start(app, Some(&format!("{public}/done"))).await;
    let (status, to) = callback(&approve_at_sim(app, &url, "tributary-svc").await).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        to.starts_with(&format!("{public}/done?oauth_grant_id=")),
        "{to}"
    );

    // Either credential, never both or none.
    let both = app
        .data(
            "mutation($g: ID!, $t: String!) { createIntegration(input: {name: \"x\", token: $t, oauthGrantId: $g}) { userErrors { code } } }",
            json!({ "g": grant, "t": app.token("owner") }),
        )
        .await;
    assert_eq!(
        both["createIntegration"]["userErrors"][0]["code"],
        "CREDENTIAL_AMBIGUOUS"
    );
    let none = app
        .data(
            "mutation { createIntegration(input: {name: \"x\"}) { userErrors { code } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        none["createIntegration"]["userErrors"][0]["code"],
        "CREDENTIAL_MISSING"
    );
}
on_every_backend_with!(redirects_go_only_to_allowed_origins, |b| b
    .oauth_allowed_redirect_origins(&["https://app.example.com"]));

const START_FOR_PRODUCT: &str = r#"mutation($redirectAfter: String, $clientState: String) {
  startOAuth(input: {redirectAfter: $redirectAfter, clientState: $clientState}) { authorizeUrl }
}"#;

const PRODUCT_PAGE: &str = "https://app.example.com/integrations/new?step=oauth";

/// Starts a round trip for the product's page with its own `clientState`; the authorize URL.
async fn start_for_product(app: &TestApp, client_state: &str) -> String {
    app.data(
        START_FOR_PRODUCT,
        json!({ "redirectAfter": PRODUCT_PAGE, "clientState": client_state }),
    )
    .await["startOAuth"]["authorizeUrl"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Where the callback sent the browser: the product's page, with its own query kept.
async fn returned_to_product(back: &str) -> String {
    let (status, to) = callback(back).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    assert!(to.starts_with(PRODUCT_PAGE), "{to}");
    assert_eq!(query_param(&to, "step").as_deref(), Some("oauth"));
    to
}

async fn a_successful_round_trip_echoes_the_products_state(app: &TestApp) {
    let url = start_for_product(app, "product-nonce-1").await;
    let to = returned_to_product(&approve_at_sim(app, &url, "tributary-svc").await).await;
    assert_eq!(
        query_param(&to, "state").as_deref(),
        Some("product-nonce-1")
    );
    assert!(query_param(&to, "error").is_none());
    let grant = query_param(&to, "oauth_grant_id").unwrap();
    let shown = app
        .data(
            "query($id: ID!) { oauthGrant(id: $id) { login } }",
            json!({ "id": grant }),
        )
        .await;
    assert_eq!(shown["oauthGrant"]["login"], "tributary-svc");

    // Without a clientState the redirect carries no state of ours.
    let (url, _) = start(app, Some(PRODUCT_PAGE)).await;
    let to = returned_to_product(&approve_at_sim(app, &url, "tributary-svc").await).await;
    assert!(query_param(&to, "state").is_none(), "{to}");
}
on_every_backend_with!(a_successful_round_trip_echoes_the_products_state, |b| b
    .oauth_allowed_redirect_origins(&["https://app.example.com"]));

/// Every failure once the state is ours goes back to the product's page with a code and
/// its state, and nothing else (no message, no secret); nothing is stored.
async fn failures_return_to_the_product_with_a_code_and_its_state(app: &TestApp) {
    let expect = |to: &str, code: &str, client_state: &str| {
        assert_eq!(query_param(to, "error").as_deref(), Some(code), "{to}");
        assert_eq!(
            query_param(to, "state").as_deref(),
            Some(client_state),
            "{to}"
        );
        let names: Vec<String> = url::Url::parse(to)
            .unwrap()
            .query_pairs()
            .map(|(k, _)| k.into_owned())
            .collect();
        assert_eq!(names, ["step", "error", "state"], "{to}");
    };

    // The person chose Cancel on GitHub.
    let url = start_for_product(app, "denied").await;
    let denied = submit_authorize_form(app, &url, "deny").await;
    expect(
        &returned_to_product(&location(&denied)).await,
        "ACCESS_DENIED",
        "denied",
    );

    // GitHub does not accept the code.
    let url = start_for_product(app, "bad-code").await;
    let back = approve_at_sim(app, &url, "tributary-svc").await;
    let code = query_param(&back, "code").unwrap();
    let to = returned_to_product(&back.replace(&code, "0123456789abcdef0123")).await;
    expect(&to, "CODE_EXCHANGE_FAILED", "bad-code");

    // GitHub authorizes, but its API fails the connection test.
    let url = start_for_product(app, "test-fails").await;
    let back = approve_at_sim(app, &url, "tributary-svc").await;
    app.sim_control(
        reqwest::Method::POST,
        "/_sim/faults",
        Some(json!({ "bad_gateway_rate": 1.0 })),
    )
    .await;
    let to = returned_to_product(&back).await;
    app.sim_control(reqwest::Method::DELETE, "/_sim/faults", None)
        .await;
    expect(&to, "CONNECTION_FAILED", "test-fails");

    // A replayed callback cannot be told from a foreign one: our page, not a redirect.
    let (status, _) = callback(&back).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(grants_stored(app).await, 0);
}
on_every_backend_with!(
    failures_return_to_the_product_with_a_code_and_its_state,
    |b| b.oauth_allowed_redirect_origins(&["https://app.example.com"])
);

async fn an_expired_round_trip_returns_to_the_product_as_state_expired(app: &TestApp) {
    let url = start_for_product(app, "slow").await;
    let back = approve_at_sim(app, &url, "tributary-svc").await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let to = returned_to_product(&back).await;
    assert_eq!(query_param(&to, "error").as_deref(), Some("STATE_EXPIRED"));
    assert_eq!(query_param(&to, "state").as_deref(), Some("slow"));
    assert_eq!(grants_stored(app).await, 0);
}
on_every_backend_with!(
    an_expired_round_trip_returns_to_the_product_as_state_expired,
    |b| b
        .oauth_state_ttl(std::time::Duration::ZERO)
        .oauth_allowed_redirect_origins(&["https://app.example.com"])
);

async fn a_client_state_is_bounded(app: &TestApp) {
    let answer = app
        .data(
            "mutation($clientState: String) { startOAuth(input: {clientState: $clientState}) { authorizeUrl userErrors { code field } } }",
            json!({ "clientState": "x".repeat(513) }),
        )
        .await;
    assert_eq!(
        answer["startOAuth"],
        json!({ "authorizeUrl": null, "userErrors": [{ "code": "CLIENT_STATE_TOO_LONG", "field": ["input", "clientState"] }] })
    );
    app.data(
        START_FOR_PRODUCT,
        json!({ "redirectAfter": null, "clientState": "x".repeat(512) }),
    )
    .await;
}
on_every_backend!(a_client_state_is_bounded);

/// The client secret and every OAuth token stay out of answers and logs, and tokens sit
/// encrypted at rest.
async fn oauth_secrets_never_leave_the_server(app: &TestApp) {
    let grant = connect(app, "tributary-svc").await;
    app.data(
        "query($id: ID!) { oauthGrant(id: $id) { login grantedScopes test { message warnings organizations { login problem } } } }",
        json!({ "id": grant }),
    )
    .await;
    let id = app.data(CREATE, json!({ "grant": grant })).await["createIntegration"]["integration"]
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.data(GROUPS, json!({ "id": id })).await;
    // A second grant (for another user) that is never used.
    connect(app, "member-svc").await;

    // Each sealed value with its row, to open it in its place.
    let mut stored: Vec<(String, entity::sealed::SealedAt)> = Vec::new();
    let places: [(&str, fn(&str) -> entity::sealed::SealedAt); 3] = [
        (
            "SELECT id || '|' || token_ciphertext AS value FROM oauth_grants",
            entity::sealed::SealedAt::grant_token,
        ),
        (
            "SELECT id || '|' || token_ciphertext AS value FROM integrations",
            entity::sealed::SealedAt::integration_token,
        ),
        (
            "SELECT state || '|' || pkce_verifier_ciphertext AS value FROM oauth_states",
            entity::sealed::SealedAt::state_verifier,
        ),
    ];
    for (sql, place) in places {
        for row in column(app, sql).await {
            let (id, sealed) = row.split_once('|').unwrap();
            stored.push((sealed.to_string(), place(id)));
        }
    }
    for (value, _) in &stored {
        assert!(!value.contains("gho_"), "a token is stored in clear");
    }
    // The simulator does not say which tokens it issued; the stored ones, opened, are
    // the tokens (and PKCE verifiers) that must never appear.
    let issued: Vec<String> = stored
        .iter()
        .filter_map(|(sealed, at)| app.api.integrations.secrets().open(sealed, at).ok())
        .collect();
    assert!(issued.iter().filter(|t| t.starts_with("gho_")).count() >= 2);

    let log = logs::captured();
    let responses = logs::responses().join("\n");
    for secret in issued
        .iter()
        .map(String::as_str)
        .chain([github_sim::DEFAULT_CLIENT_SECRET])
    {
        assert!(!log.contains(secret), "an OAuth secret appeared in the log");
        assert!(
            !responses.contains(secret),
            "an OAuth secret appeared in an API answer"
        );
    }
}
on_every_backend!(oauth_secrets_never_leave_the_server);

async fn a_pasted_token_turns_an_oauth_integration_into_a_token_one(app: &TestApp) {
    let grant = connect(app, "tributary-svc").await;
    let id = app.data(CREATE, json!({ "grant": grant })).await["createIntegration"]["integration"]
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    let updated = app
        .data(
            "mutation($id: ID!, $t: String!) { reconnectIntegration(input: {integrationId: $id, token: $t}) { connectionTest { ok } userErrors { code } } }",
            json!({ "id": id, "t": app.token("owner") }),
        )
        .await;
    assert_eq!(
        updated["reconnectIntegration"]["connectionTest"]["ok"],
        true
    );
    let shown = app
        .data(
            "query($id: ID!) { integration(id: $id) { authKind tokenKind } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(shown["integration"]["authKind"], "TOKEN");
    assert_eq!(
        shown["integration"]["tokenKind"],
        "CLASSIC_PERSONAL_ACCESS_TOKEN"
    );
}
on_every_backend!(a_pasted_token_turns_an_oauth_integration_into_a_token_one);
