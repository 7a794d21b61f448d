//! Troubleshooting as data: each group's services and issues (a code, who acts, the
//! GitHub page where it is fixed), the same codes on a connection test's findings
//! before an integration exists, and what the deployment can do (`capabilities`).
//! Codes, actors and links only: never message text.

use serde_json::{Value, json};
use tributary_tests::{Backend, TestApp, TestAppBuilder, on_every_backend};

const GROUPS: &str = r#"query($id: ID!) {
  integration(id: $id) {
    availableServices
    groups {
      login kind role access ssoUrl hiddenPrivateRepos services
      issues { code actor actionUrl scope count disables message }
    }
  }
}"#;

const TEST_TOKEN: &str = r#"mutation($token: String!) {
  testToken(input: {token: $token}) {
    connectionTest { organizations { login services issues { code actor actionUrl scope count disables } } }
  }
}"#;

const CAPABILITIES: &str = r#"query {
  capabilities { oauth imports webhooks requiredScopes { scope enables why } }
}"#;

/// GitHub's web base as the API is configured (the simulator here).
fn web(app: &TestApp) -> String {
    app.config.github_web_url.trim_end_matches('/').to_string()
}

async fn integration(app: &TestApp, scenario: &str) -> Value {
    let id = app.create_integration(scenario).await;
    app.data(GROUPS, json!({ "id": id })).await["integration"].clone()
}

fn group<'a>(integration: &'a Value, login: &str) -> &'a Value {
    integration["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["login"] == login)
        .unwrap_or_else(|| panic!("no group {login} in {integration}"))
}

fn account_group(integration: &Value) -> &Value {
    integration["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["kind"] == "USER")
        .expect("the account's own group")
}

fn codes(issues: &Value) -> Vec<&str> {
    issues
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect()
}

/// The issue with `code` among a group's `issues`.
pub(crate) fn issue<'a>(issues: &'a Value, code: &str) -> &'a Value {
    issues
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {issues}"))
}

async fn an_owner_sees_no_issue_and_a_member_organization_needs_an_owner(app: &TestApp) {
    let integration = integration(app, "owner").await;
    let acme = group(&integration, "acme-corp");
    assert_eq!(acme["issues"], json!([]));
    assert_eq!(
        acme["services"],
        json!(["REPOS", "PULL_REQUESTS", "TICKETS", "WEBHOOKS"])
    );

    // tributary-svc is a member of globex, and some of globex's private repositories
    // are not shared with it.
    let globex = group(&integration, "globex");
    assert_eq!(globex["role"], "MEMBER");
    assert_eq!(
        globex["services"],
        json!(["REPOS", "PULL_REQUESTS", "TICKETS"])
    );
    assert_eq!(
        codes(&globex["issues"]),
        ["MEMBER_NOT_OWNER", "PRIVATE_REPOSITORIES_HIDDEN"]
    );
    let member = issue(&globex["issues"], "MEMBER_NOT_OWNER");
    assert_eq!(member["actor"], "ORGANIZATION_OWNER");
    assert_eq!(
        member["actionUrl"],
        format!("{}/orgs/globex/people", web(app))
    );
    assert_eq!(member["disables"], json!(["WEBHOOKS"]));
    let hidden = issue(&globex["issues"], "PRIVATE_REPOSITORIES_HIDDEN");
    assert_eq!(hidden["actor"], "ORGANIZATION_OWNER");
    assert_eq!(
        hidden["actionUrl"],
        format!("{}/orgs/globex/people", web(app))
    );
    assert!(hidden["count"].as_i64().unwrap() > 0);
    assert_eq!(hidden["count"], globex["hiddenPrivateRepos"]);
    assert_eq!(hidden["disables"], json!([]));
    assert!(!hidden["message"].as_str().unwrap().is_empty());

    let account = account_group(&integration);
    assert_eq!(account["issues"], json!([]));
    assert_eq!(account["services"], integration["availableServices"]);
}
on_every_backend!(an_owner_sees_no_issue_and_a_member_organization_needs_an_owner);

async fn an_organization_behind_sso_is_authorized_by_the_account_at_its_sso_url(app: &TestApp) {
    let integration = integration(app, "sso-unauthorized").await;
    let initech = group(&integration, "initech");
    assert_eq!(initech["services"], json!([]));
    assert_eq!(codes(&initech["issues"]), ["SSO_NOT_AUTHORIZED"]);
    let sso = issue(&initech["issues"], "SSO_NOT_AUTHORIZED");
    assert_eq!(sso["actor"], "ACCOUNT");
    assert!(initech["ssoUrl"].is_string(), "{initech}");
    assert_eq!(sso["actionUrl"], initech["ssoUrl"]);
    assert_eq!(
        sso["disables"],
        json!(["REPOS", "PULL_REQUESTS", "TICKETS", "WEBHOOKS"])
    );
}
on_every_backend!(an_organization_behind_sso_is_authorized_by_the_account_at_its_sso_url);

async fn each_missing_scope_that_disables_a_service_is_an_issue_on_every_group(app: &TestApp) {
    // `repo, read:org`: admin:org and admin:org_hook (webhooks) are missing, and `user`,
    // which disables nothing and so is a warning only.
    let integration = integration(app, "missing-scopes").await;
    let tokens = format!("{}/settings/tokens", web(app));
    for group in integration["groups"].as_array().unwrap() {
        let scopes: Vec<&Value> = group["issues"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["code"] == "MISSING_SCOPE")
            .collect();
        let names: Vec<&str> = scopes
            .iter()
            .map(|i| i["scope"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["admin:org", "admin:org_hook"], "{group}");
        for scope in scopes {
            assert_eq!(scope["actor"], "ACCOUNT");
            assert_eq!(scope["actionUrl"], tokens.as_str());
            assert_eq!(scope["disables"], json!(["WEBHOOKS"]));
        }
        assert!(
            !group["services"]
                .as_array()
                .unwrap()
                .contains(&json!("WEBHOOKS")),
            "{group}"
        );
    }
    assert_eq!(
        account_group(&integration)["services"],
        json!(["REPOS", "PULL_REQUESTS", "TICKETS"])
    );
}
on_every_backend!(each_missing_scope_that_disables_a_service_is_an_issue_on_every_group);

/// The wizard's Test connection screen gets the codes before an integration exists,
/// the same as the groups show after.
async fn a_connection_tests_findings_carry_the_groups_codes(app: &TestApp) {
    for (scenario, org) in [("owner", "globex"), ("sso-unauthorized", "initech")] {
        let tested = app
            .data(TEST_TOKEN, json!({ "token": app.token(scenario) }))
            .await;
        let finding = tested["testToken"]["connectionTest"]["organizations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["login"] == org)
            .unwrap_or_else(|| panic!("no finding for {org}: {tested}"))
            .clone();
        let integration = integration(app, scenario).await;
        let group = group(&integration, org);
        for field in ["code", "actor", "actionUrl", "scope", "count", "disables"] {
            // GitHub's SSO links carry a fresh authorization request each time they are asked for.
            let without_query = |value: &Value| match value.as_str() {
                Some(url) => json!(url.split('?').next().unwrap()),
                None => value.clone(),
            };
            let of = |issues: &Value| -> Vec<Value> {
                issues
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| without_query(&i[field]))
                    .collect()
            };
            assert_eq!(
                of(&finding["issues"]),
                of(&group["issues"]),
                "{scenario}: {field}"
            );
        }
        assert_eq!(finding["services"], group["services"], "{scenario}");
        assert!(
            !codes(&finding["issues"]).is_empty(),
            "{scenario}: {finding}"
        );
    }
}
on_every_backend!(a_connection_tests_findings_carry_the_groups_codes);

async fn capabilities_say_what_this_deployment_can_do(app: &TestApp) {
    let capabilities = app.data(CAPABILITIES, json!({})).await["capabilities"].clone();
    assert_eq!(capabilities["oauth"], true);
    // PostgreSQL without Redis queues nothing (README, Imports and workers).
    let queues = app.backend == Backend::Sqlite || app.config.redis_url.is_some();
    assert_eq!(capabilities["imports"], queues);
    // The simulator delivers to the loopback address the API listens on.
    assert_eq!(capabilities["webhooks"], queues);
    let scopes: Vec<&str> = capabilities["requiredScopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["scope"].as_str().unwrap())
        .collect();
    assert_eq!(scopes, github::connection_test::scopes::REQUIRED_SCOPES);
    let repo = &capabilities["requiredScopes"][0];
    assert_eq!(
        repo["enables"],
        json!(["REPOS", "PULL_REQUESTS", "TICKETS"])
    );
    assert!(!repo["why"].as_str().unwrap().is_empty());
}
on_every_backend!(capabilities_say_what_this_deployment_can_do);

fn without_oauth(builder: TestAppBuilder) -> TestAppBuilder {
    builder.oauth_client(None)
}

async fn capabilities_without_an_oauth_app_hide_the_oauth_tab(app: &TestApp) {
    let capabilities = app.data(CAPABILITIES, json!({})).await["capabilities"].clone();
    assert_eq!(capabilities["oauth"], false);
}
on_every_backend!(
    capabilities_without_an_oauth_app_hide_the_oauth_tab,
    without_oauth
);
