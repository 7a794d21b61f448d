//! Every scenario token through `testToken` and `createIntegration`.

use serde_json::{Value, json};
use tributary_tests::{Backend, TestApp, on_every_backend};

pub const TEST_TOKEN: &str = r#"
mutation($token: String!) {
  testToken(input: {token: $token}) {
    connectionTest {
      ok message login tokenKind grantedScopes failure
      missingScopes { scope disables why }
      availableServices
      organizations { login role access services problem ssoUrl hiddenPrivateRepos }
      warnings
    }
    userErrors { code field }
  }
}"#;

/// The connection test `testToken` answers; its user errors must agree with it.
pub async fn test_token(app: &TestApp, token: &str) -> Value {
    let answer = app.data(TEST_TOKEN, json!({ "token": token })).await["testToken"].clone();
    let test = answer["connectionTest"].clone();
    let outage =
        ["GITHUB_UNAVAILABLE", "RATE_LIMITED"].contains(&test["failure"].as_str().unwrap_or(""));
    assert_eq!(
        answer["userErrors"].as_array().unwrap().is_empty(),
        test["ok"] == true || outage,
        "a failing token is a user error, a passing one or an outage is not: {answer:#}"
    );
    test
}

fn org<'a>(test: &'a Value, login: &str) -> &'a Value {
    test["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["login"] == login)
        .unwrap_or_else(|| panic!("no finding for {login}: {test:#}"))
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

async fn owner_token_passes_with_every_service(app: &TestApp) {
    let test = test_token(app, &app.token("owner")).await;
    assert_eq!(test["ok"], true, "{test:#}");
    assert_eq!(test["message"], "Successfully connected via tributary-svc");
    assert_eq!(test["tokenKind"], "CLASSIC_PERSONAL_ACCESS_TOKEN");
    assert_eq!(test["missingScopes"], json!([]));
    assert_eq!(
        strings(&test["availableServices"]),
        ["REPOS", "PULL_REQUESTS", "TICKETS", "WEBHOOKS"]
    );

    let acme = org(&test, "acme-corp");
    assert_eq!(acme["role"], "OWNER");
    assert_eq!(acme["access"], "OK");
    assert_eq!(
        strings(&acme["services"]),
        ["REPOS", "PULL_REQUESTS", "TICKETS", "WEBHOOKS"]
    );

    let globex = org(&test, "globex");
    assert_eq!(globex["role"], "MEMBER");
    assert_eq!(
        strings(&globex["services"]),
        ["REPOS", "PULL_REQUESTS", "TICKETS"],
        "a member gets every service but webhooks"
    );
    let problem = globex["problem"].as_str().unwrap();
    assert!(
        problem.contains("member of globex, not an owner"),
        "{problem}"
    );
    assert!(problem.contains("webhooks"), "{problem}");

    // github-sim's globex has private repos only its owners see: the account is told to get access.
    let dataset = app.sim_handle.dataset();
    let hidden = dataset
        .repos
        .iter()
        .filter(|r| {
            r.owner == "globex" && r.private && !r.visible_to.iter().any(|u| u == "tributary-svc")
        })
        .count();
    assert!(hidden > 0, "the seed should hide some globex repos");
    assert_eq!(globex["hiddenPrivateRepos"], hidden as i64);
    assert!(
        problem.contains(&format!("{hidden} of the"))
            && problem.contains("add tributary-svc to them"),
        "{problem}"
    );

    let initech = org(&test, "initech");
    assert_eq!(
        initech["access"], "OK",
        "the owner token is SSO-authorized for initech"
    );
}
on_every_backend!(owner_token_passes_with_every_service);

async fn member_token_gets_everything_but_webhooks(app: &TestApp) {
    let test = test_token(app, &app.token("member")).await;
    assert_eq!(test["ok"], true, "{test:#}");
    assert_eq!(test["message"], "Successfully connected via member-svc");
    let orgs = test["organizations"].as_array().unwrap();
    assert_eq!(orgs.len(), 3, "{test:#}");
    for finding in orgs {
        assert_eq!(finding["role"], "MEMBER");
        assert_eq!(
            strings(&finding["services"]),
            ["REPOS", "PULL_REQUESTS", "TICKETS"]
        );
        assert!(
            finding["problem"]
                .as_str()
                .unwrap()
                .contains("not an owner")
        );
    }
}
on_every_backend!(member_token_gets_everything_but_webhooks);

async fn missing_scopes_are_named_with_the_services_they_disable(app: &TestApp) {
    let test = test_token(app, &app.token("missing-scopes")).await;
    assert_eq!(
        test["ok"], true,
        "repo and read:org still run repos, pull requests and tickets: {test:#}"
    );
    assert_eq!(strings(&test["grantedScopes"]), ["repo", "read:org"]);
    let missing: Vec<&str> = test["missingScopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["scope"].as_str().unwrap())
        .collect();
    assert_eq!(missing, ["admin:org", "admin:org_hook", "user"]);
    let hook = test["missingScopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["scope"] == "admin:org_hook")
        .unwrap();
    assert_eq!(strings(&hook["disables"]), ["WEBHOOKS"]);
    assert!(
        hook["why"]
            .as_str()
            .unwrap()
            .contains("organization webhooks")
    );
    assert_eq!(
        strings(&test["availableServices"]),
        ["REPOS", "PULL_REQUESTS", "TICKETS"]
    );
    let warnings = strings(&test["warnings"]).join("\n");
    assert!(
        warnings.contains("lacks the `admin:org_hook` scope")
            && warnings.contains("webhooks cannot work"),
        "{warnings}"
    );
}
on_every_backend!(missing_scopes_are_named_with_the_services_they_disable);

async fn fine_grained_token_is_refused_with_the_classic_advice(app: &TestApp) {
    let test = test_token(app, &app.token("fine-grained")).await;
    assert_eq!(test["ok"], false);
    assert_eq!(test["tokenKind"], "FINE_GRAINED_PERSONAL_ACCESS_TOKEN");
    let message = test["message"].as_str().unwrap();
    assert!(
        message.contains("Fine-grained personal access tokens"),
        "{message}"
    );
    assert!(
        message.contains("classic personal access token"),
        "{message}"
    );
    assert!(
        message.contains("admin:org_hook"),
        "the advice names the scopes: {message}"
    );
    assert_eq!(test["login"], Value::Null);
}
on_every_backend!(fine_grained_token_is_refused_with_the_classic_advice);

#[tokio::test]
async fn fine_grained_token_is_refused_before_any_network_call() {
    // GitHub points at a closed port: a network call would answer "Could not reach".
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let Some(app) = TestApp::builder(Backend::Sqlite)
        .github_api_url(format!("http://{closed}"))
        .start()
        .await
    else {
        return;
    };
    let test = test_token(
        &app,
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
    )
    .await;
    assert!(
        test["message"]
            .as_str()
            .unwrap()
            .contains("classic personal access token"),
        "{test:#}"
    );

    let unreachable = test_token(&app, &app.token("owner")).await;
    assert_eq!(unreachable["ok"], false);
    let message = unreachable["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("Could not reach GitHub at http://{closed}/user")),
        "{message}"
    );
    app.finish().await;
}

async fn sso_unauthorized_org_reports_the_authorization_url(app: &TestApp) {
    let test = test_token(app, &app.token("sso-unauthorized")).await;
    assert_eq!(test["ok"], true, "{test:#}");
    let initech = org(&test, "initech");
    assert_eq!(initech["access"], "SSO_REQUIRED");
    assert_eq!(initech["services"], json!([]));
    let url = initech["ssoUrl"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/orgs/initech/sso", app.sim.base_url())),
        "{url}"
    );
    let problem = initech["problem"].as_str().unwrap();
    assert!(
        problem.contains(url) && problem.contains("must be authorized again"),
        "{problem}"
    );
    // The SSO page the URL names exists.
    let page = app.http.get(url).send().await.unwrap();
    assert!(page.status().is_success());
    assert_eq!(org(&test, "acme-corp")["access"], "OK");
}
on_every_backend!(sso_unauthorized_org_reports_the_authorization_url);

async fn revoked_rate_limited_and_scopeless_tokens_fail_clearly(app: &TestApp) {
    let revoked = test_token(app, &app.token("revoked")).await;
    assert_eq!(revoked["ok"], false);
    assert_eq!(revoked["failure"], "BAD_CREDENTIALS");
    assert!(
        revoked["message"].as_str().unwrap().contains("revoked"),
        "{revoked:#}"
    );

    let limited = test_token(app, &app.token("secondary-rate-limit")).await;
    assert_eq!(limited["ok"], false);
    assert_eq!(limited["failure"], "RATE_LIMITED");
    let message = limited["message"].as_str().unwrap();
    assert!(
        message.contains("secondary rate limit") && message.contains("60 s"),
        "{message}"
    );

    let scopeless = test_token(app, &app.token("no-scopes")).await;
    assert_eq!(scopeless["ok"], false);
    assert_eq!(scopeless["failure"], "NO_REQUIRED_SCOPE");
    assert!(
        scopeless["message"]
            .as_str()
            .unwrap()
            .contains("none of the scopes"),
        "{scopeless:#}"
    );
    assert_eq!(scopeless["availableServices"], json!([]));

    let empty = test_token(app, "   ").await;
    assert_eq!(empty["ok"], false);
    assert!(empty["message"].as_str().unwrap().contains("empty"));
}
on_every_backend!(revoked_rate_limited_and_scopeless_tokens_fail_clearly);

const CREATE: &str = "mutation($name: String!, $token: String!) { createIntegration(input: {name: $name, token: $token, clientMutationId: $name}) { integration { id name login authKind tokenKind services { repos pullRequests tickets webhooks } availableServices } connectionTest { ok failure } userErrors { code field } clientMutationId } }";

async fn create_integration_accepts_passing_tokens_and_refuses_failing_ones(app: &TestApp) {
    for scenario in ["owner", "member", "missing-scopes", "sso-unauthorized"] {
        let data = app
            .data(
                CREATE,
                json!({ "name": scenario, "token": app.token(scenario) }),
            )
            .await;
        assert_eq!(data["createIntegration"]["userErrors"], json!([]));
        assert_eq!(data["createIntegration"]["clientMutationId"], scenario);
        assert_eq!(data["createIntegration"]["connectionTest"]["ok"], true);
        let created = &data["createIntegration"]["integration"];
        assert_eq!(created["authKind"], "TOKEN");
        assert_eq!(created["tokenKind"], "CLASSIC_PERSONAL_ACCESS_TOKEN");
        let webhooks = scenario != "missing-scopes";
        assert_eq!(
            created["services"],
            json!({ "repos": true, "pullRequests": true, "tickets": true, "webhooks": webhooks }),
            "{scenario}"
        );
    }
    // What the person can fix comes back as data, with the whole connection test.
    for (scenario, code, failure) in [
        ("fine-grained", "TOKEN_FINE_GRAINED", "FINE_GRAINED_TOKEN"),
        ("revoked", "TOKEN_INVALID", "BAD_CREDENTIALS"),
        (
            "no-scopes",
            "TOKEN_SCOPES_INSUFFICIENT",
            "NO_REQUIRED_SCOPE",
        ),
    ] {
        let data = app
            .data(
                CREATE,
                json!({ "name": scenario, "token": app.token(scenario) }),
            )
            .await;
        assert_eq!(
            data["createIntegration"],
            json!({
                "integration": null,
                "connectionTest": { "ok": false, "failure": failure },
                "userErrors": [{ "code": code, "field": ["input", "token"] }],
                "clientMutationId": scenario,
            }),
            "{scenario}"
        );
    }
    // GitHub's rate limit is what broke, not the token: a top-level error to retry.
    let limited = app
        .graphql(
            CREATE,
            json!({ "name": "limited", "token": app.token("secondary-rate-limit") }),
        )
        .await;
    assert_eq!(
        limited["errors"][0]["extensions"]["code"],
        "GITHUB_RATE_LIMITED"
    );
    let all = app.data("{ integrations { name } }", json!({})).await;
    assert_eq!(
        all["integrations"].as_array().unwrap().len(),
        4,
        "refused tokens store nothing"
    );

    let nameless = app
        .data(CREATE, json!({ "name": "  ", "token": app.token("owner") }))
        .await;
    assert_eq!(
        nameless["createIntegration"]["userErrors"],
        json!([{ "code": "NAME_BLANK", "field": ["input", "name"] }])
    );
}
on_every_backend!(create_integration_accepts_passing_tokens_and_refuses_failing_ones);
