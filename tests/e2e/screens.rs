//! The product's screens, walked as a frontend would: a page on the product's own origin
//! holding an admin user token (CORS and workspaces on the way); every request is an operation of
//! the `.graphql` files in tests/operations (what a client keeps and generates its types
//! from), and every assertion is on ids and codes, never on a message.

use api::auth::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tributary_tests::{TestApp, TestAppBuilder, on_every_backend};

use crate::oauth::{approve_at_sim, callback, query_param};

const WIZARD: &str = include_str!("../operations/wizard.graphql");
const INTEGRATION_PAGE: &str = include_str!("../operations/integration_page.graphql");
const REPOS_TAB: &str = include_str!("../operations/repos_tab.graphql");
const IMPORT_PAGE: &str = include_str!("../operations/import_page.graphql");

/// The product's web app: its origin, and the workspace its users' tokens are for.
const ORIGIN: &str = "https://app.example.com";
const WORKSPACE: &str = "acme-tenant";

/// A deployment that runs everything (PostgreSQL needs Redis for imports), called from
/// the product's web app on its own origin.
fn with_redis(builder: TestAppBuilder) -> TestAppBuilder {
    builder.redis().cors_allowed_origins(&[ORIGIN])
}

fn codes(errors: &Value) -> Vec<&str> {
    errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect()
}

/// Every operation the screens use, and the GraphiQL examples, validate against the schema.
#[test]
fn the_screens_operations_validate_against_the_schema() {
    use apollo_compiler::{ExecutableDocument, Schema};
    let schema = Schema::parse_and_validate(api::sdl(), "schema.graphql").expect("the API's SDL");
    for (name, document) in [
        ("wizard.graphql", WIZARD),
        ("integration_page.graphql", INTEGRATION_PAGE),
        ("repos_tab.graphql", REPOS_TAB),
        ("import_page.graphql", IMPORT_PAGE),
        (
            "graphiql_examples.graphql",
            include_str!("../../crates/api/src/graphiql_examples.graphql"),
        ),
    ] {
        if let Err(errors) = ExecutableDocument::parse_and_validate(&schema, document, name) {
            panic!("{errors}");
        }
    }
}

/// The Access token tab: capabilities, Test connection, Create; then the details page.
async fn the_wizard_by_token_and_the_integration_page(app: &TestApp) {
    let admin = app.user_token(WORKSPACE, Role::Admin);
    let browser = &app.as_browser(&admin, ORIGIN);
    let capabilities = browser
        .operation(WIZARD, "WizardCapabilities", json!({}))
        .await["capabilities"]
        .clone();
    assert_eq!(capabilities["oauth"], true);
    assert_eq!(capabilities["imports"], true);
    assert!(
        capabilities["requiredScopes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["scope"] == "admin:org_hook" && s["enables"] == json!(["WEBHOOKS"])),
        "{capabilities}"
    );

    // A fine-grained token: the screen branches on the code.
    let refused = browser
        .operation(
            WIZARD,
            "WizardTestToken",
            json!({ "token": app.token("fine-grained") }),
        )
        .await["testToken"]
        .clone();
    assert_eq!(codes(&refused["userErrors"]), ["TOKEN_FINE_GRAINED"]);
    assert_eq!(refused["userErrors"][0]["field"], json!(["input", "token"]));
    assert_eq!(refused["clientMutationId"], "wizard-test");

    // The owner's token: every shortfall is a code with a link and who acts.
    let tested = browser
        .operation(
            WIZARD,
            "WizardTestToken",
            json!({ "token": app.token("owner") }),
        )
        .await["testToken"]
        .clone();
    assert_eq!(tested["userErrors"], json!([]));
    let globex = tested["connectionTest"]["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["login"] == "globex")
        .unwrap();
    let member = globex["issues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "MEMBER_NOT_OWNER")
        .unwrap_or_else(|| panic!("globex: {globex}"));
    assert_eq!(member["actor"], "ORGANIZATION_OWNER");
    assert!(member["actionUrl"].as_str().unwrap().contains("globex"));

    let created = browser
        .operation(
            WIZARD,
            "WizardCreate",
            json!({ "name": "GitHub", "token": app.token("owner"), "services": { "tickets": false } }),
        )
        .await["createIntegration"]
        .clone();
    assert_eq!(created["userErrors"], json!([]));
    let integration = created["integration"]["id"].as_str().unwrap().to_string();
    assert_eq!(created["integration"]["services"]["tickets"], false);

    // The details page refetches it by id; groups carry services and issues as codes.
    let page = browser
        .operation(
            INTEGRATION_PAGE,
            "IntegrationPage",
            json!({ "id": integration }),
        )
        .await["node"]
        .clone();
    assert_eq!(page["id"], integration.as_str());
    let groups = page["groups"].as_array().unwrap();
    let acme = groups.iter().find(|g| g["login"] == "acme-corp").unwrap();
    assert_eq!(acme["issues"], json!([]));
    assert!(
        acme["services"]
            .as_array()
            .unwrap()
            .contains(&json!("WEBHOOKS"))
    );
    let globex = groups.iter().find(|g| g["login"] == "globex").unwrap();
    assert!(
        !globex["services"]
            .as_array()
            .unwrap()
            .contains(&json!("WEBHOOKS"))
    );
    assert!(codes(&globex["issues"]).contains(&"MEMBER_NOT_OWNER"));

    // Switching on what the token can run works; the answer is the same object.
    let switched = browser
        .operation(
            INTEGRATION_PAGE,
            "IntegrationSetServices",
            json!({ "id": integration, "services": { "tickets": true } }),
        )
        .await["setServices"]
        .clone();
    assert_eq!(switched["integration"]["id"], integration.as_str());
    assert_eq!(switched["integration"]["services"]["tickets"], true);

    // Reconnect: another account's token is refused as data, the same account's taken.
    let other = browser
        .operation(
            INTEGRATION_PAGE,
            "IntegrationReconnect",
            json!({ "id": integration, "token": app.token("member") }),
        )
        .await["reconnectIntegration"]
        .clone();
    assert_eq!(codes(&other["userErrors"]), ["ACCOUNT_MISMATCH"]);
    assert_eq!(other["integration"], Value::Null);
    let same = browser
        .operation(
            INTEGRATION_PAGE,
            "IntegrationReconnect",
            json!({ "id": integration, "token": app.token("owner") }),
        )
        .await["reconnectIntegration"]
        .clone();
    assert_eq!(same["userErrors"], json!([]));
    assert_eq!(same["integration"]["id"], integration.as_str());

    // Delete: the payload names the id to evict, and the id resolves to nothing after.
    let deleted = browser
        .operation(
            INTEGRATION_PAGE,
            "IntegrationDelete",
            json!({ "id": integration }),
        )
        .await["deleteIntegration"]
        .clone();
    assert_eq!(deleted["deletedIntegrationId"], integration.as_str());
    assert_eq!(deleted["clientMutationId"], "delete-1");
    let gone = browser
        .operation(
            INTEGRATION_PAGE,
            "IntegrationPage",
            json!({ "id": integration }),
        )
        .await;
    assert_eq!(gone["node"], Value::Null);
}
on_every_backend!(the_wizard_by_token_and_the_integration_page, with_redis);

/// The OAuth tab: start with the product's own state, come back to the product's page
/// with the grant id and that state, create; then reconnect through OAuth again.
async fn the_wizard_by_oauth_and_a_reconnect_through_oauth(app: &TestApp) {
    let admin = app.user_token(WORKSPACE, Role::Admin);
    let browser = &app.as_browser(&admin, ORIGIN);
    let target = format!("{}/integrations/new", app.api.public_url);
    let round_trip = |client_state: &'static str| {
        let target = target.clone();
        async move {
            let started = browser
                .operation(
                    WIZARD,
                    "WizardStartOAuth",
                    json!({ "redirectAfter": target, "clientState": client_state }),
                )
                .await["startOAuth"]
                .clone();
            assert_eq!(started["userErrors"], json!([]));
            let authorize = started["authorizeUrl"].as_str().unwrap().to_string();
            let (status, to) =
                callback(&approve_at_sim(app, &authorize, "tributary-svc").await).await;
            assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
            assert!(to.starts_with(&target), "{to}");
            assert_eq!(query_param(&to, "state").as_deref(), Some(client_state));
            query_param(&to, "oauth_grant_id").expect("the grant's id")
        }
    };
    let grant = round_trip("wizard-7f3a").await;
    let shown = browser
        .operation(WIZARD, "WizardOAuthGrant", json!({ "id": grant }))
        .await["oauthGrant"]
        .clone();
    assert_eq!(shown["id"], grant.as_str());
    assert_eq!(shown["used"], false);
    assert_eq!(shown["test"]["ok"], true);

    let created = browser
        .operation(
            WIZARD,
            "WizardCreate",
            json!({ "name": "via OAuth", "grant": grant }),
        )
        .await["createIntegration"]
        .clone();
    assert_eq!(created["userErrors"], json!([]));
    assert_eq!(created["integration"]["authKind"], "OAUTH");
    let integration = created["integration"]["id"].as_str().unwrap().to_string();
    // The grant is spent.
    let again = browser
        .operation(
            WIZARD,
            "WizardCreate",
            json!({ "name": "twice", "grant": grant }),
        )
        .await["createIntegration"]
        .clone();
    assert_eq!(codes(&again["userErrors"]), ["OAUTH_GRANT_USED"]);

    // A refreshed OAuth token is re-authorized through the same round trip.
    let fresh = round_trip("reconnect-1").await;
    let reconnected = browser
        .operation(
            INTEGRATION_PAGE,
            "IntegrationReconnect",
            json!({ "id": integration, "grant": fresh }),
        )
        .await["reconnectIntegration"]
        .clone();
    assert_eq!(reconnected["userErrors"], json!([]));
    assert_eq!(reconnected["integration"]["id"], integration.as_str());
    assert_eq!(reconnected["integration"]["authKind"], "OAUTH");
}
on_every_backend!(
    the_wizard_by_oauth_and_a_reconnect_through_oauth,
    with_redis
);

/// The Repos tab and the import page: search and page a group's repositories, import
/// one, follow it by subscription, and read its state from the repository.
async fn the_repos_tab_and_the_import_page(app: &TestApp) {
    let admin = app.user_token(WORKSPACE, Role::Admin);
    let browser = &app.as_browser(&admin, ORIGIN);
    let integration = browser.create_integration("owner").await;
    let page = browser
        .operation(
            INTEGRATION_PAGE,
            "IntegrationPage",
            json!({ "id": integration }),
        )
        .await["node"]
        .clone();
    let acme = page["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["login"] == "acme-corp")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Page through every repository two at a time; the pages join without overlap.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    let total = loop {
        let tab = browser
            .operation(
                REPOS_TAB,
                "ReposTab",
                json!({ "group": acme, "first": 2, "after": after }),
            )
            .await["node"]["repositories"]
            .clone();
        for node in tab["nodes"].as_array().unwrap() {
            seen.push(node["id"].as_str().unwrap().to_string());
        }
        if tab["pageInfo"]["hasNextPage"] != true {
            break tab["totalCount"].as_u64().unwrap() as usize;
        }
        after = tab["pageInfo"]["endCursor"].clone();
    };
    assert_eq!(seen.len(), total);
    let distinct: std::collections::BTreeSet<&String> = seen.iter().collect();
    assert_eq!(distinct.len(), total, "no repository twice");

    // Search narrows by name.
    let dataset = app
        .sim_control(reqwest::Method::GET, "/_sim/dataset", None)
        .await;
    let full_name = dataset["content"][0]["repository"]
        .as_str()
        .unwrap()
        .to_string();
    let name = full_name.split('/').nth(1).unwrap().to_string();
    let found = browser
        .operation(
            REPOS_TAB,
            "ReposTab",
            json!({ "group": acme, "first": 10, "query": name.to_uppercase() }),
        )
        .await["node"]["repositories"]
        .clone();
    let repository = found["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["fullName"] == full_name.as_str())
        .unwrap_or_else(|| panic!("{name} not found: {found}"))
        .clone();
    let repository_id = repository["id"].as_str().unwrap().to_string();
    assert_eq!(repository["activeImportRun"], Value::Null);

    // The import page subscribes before queueing, as a screen does.
    let mut progress = crate::subscriptions::Subscription::open_as(
        app,
        &admin,
        IMPORT_PAGE,
        "ImportPageProgress",
        json!({ "integration": integration }),
    )
    .await;
    let queued = browser
        .operation(
            REPOS_TAB,
            "ReposTabImport",
            json!({ "integration": integration, "repositories": [repository_id] }),
        )
        .await["importRepositories"]
        .clone();
    assert_eq!(queued["userErrors"], json!([]));
    let run = queued["importRuns"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(queued["importRuns"][0]["repository"]["selected"], true);

    // Importing the whole group does not queue the running repository again.
    let group = browser
        .operation(REPOS_TAB, "ReposTabImportGroup", json!({ "group": acme }))
        .await["importGroup"]
        .clone();
    assert_eq!(group["userErrors"], json!([]));
    let again: Vec<&Value> = group["importRuns"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["repository"]["id"] == repository_id.as_str())
        .collect();
    if let [only] = again.as_slice()
        && only["state"] != "SUCCEEDED"
    {
        assert_eq!(
            only["id"],
            run.as_str(),
            "the run in progress, not a second one"
        );
    }

    // Events carry the run itself, so a normalised cache updates the page.
    let last = progress
        .until(|event| {
            event["run"]["id"] == run.as_str()
                && ["SUCCEEDED", "FAILED"].contains(&event["run"]["state"].as_str().unwrap_or(""))
        })
        .await;
    assert_eq!(last["run"]["state"], "SUCCEEDED", "{last}");
    assert_eq!(last["run"]["repository"]["id"], repository_id.as_str());

    let shown = browser
        .operation(
            IMPORT_PAGE,
            "ImportPage",
            json!({ "repository": repository_id }),
        )
        .await["node"]
        .clone();
    assert_eq!(shown["lastImportRun"]["id"], run.as_str());
    assert_eq!(shown["lastImportRun"]["state"], "SUCCEEDED");
    assert_eq!(shown["lastImportRun"]["errorCode"], Value::Null);
    assert!(
        shown["importRuns"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == run.as_str())
    );

    // A finished run cannot be cancelled: a code, beside no data.
    let refused = browser
        .operation(IMPORT_PAGE, "ImportPageCancel", json!({ "run": run }))
        .await["cancelImport"]
        .clone();
    assert_eq!(codes(&refused["userErrors"]), ["RUN_NOT_CANCELLABLE"]);

    // A viewer of the same workspace, on the same page, sees the same import; its
    // attempt to import is FORBIDDEN; it sees no other workspace's integration.
    let viewer = app.user_token(WORKSPACE, Role::Viewer);
    let viewer_page = app.as_browser(&viewer, ORIGIN);
    let seen = viewer_page
        .operation(
            IMPORT_PAGE,
            "ImportPage",
            json!({ "repository": repository_id }),
        )
        .await["node"]
        .clone();
    assert_eq!(seen["lastImportRun"]["id"], run.as_str());
    let forbidden = viewer_page
        .graphql(
            "mutation($i: ID!, $r: [ID!]!) { importRepositories(input: {integrationId: $i, repositoryIds: $r}) { importRuns { id } } }",
            json!({ "i": integration, "r": [repository_id] }),
        )
        .await;
    assert_eq!(forbidden["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let elsewhere = app.create_integration("owner").await;
    let listed = viewer_page.data("{ integrations { id } }", json!({})).await;
    assert_eq!(listed["integrations"], json!([{ "id": integration }]));
    assert!(!listed.to_string().contains(&elsewhere));
}
on_every_backend!(the_repos_tab_and_the_import_page, with_redis);

/// GraphiQL's example operations run as a person exploring would run them, in the
/// page's order, each without a top-level error.
async fn the_graphiql_examples_run(app: &TestApp) {
    let examples = include_str!("../../crates/api/src/graphiql_examples.graphql");
    let token = app.token("owner");
    let tested = app
        .operation(examples, "TestToken", json!({ "token": token }))
        .await;
    assert_eq!(tested["testToken"]["connectionTest"]["ok"], true);
    let created = app
        .operation(
            examples,
            "CreateIntegration",
            json!({ "name": "GitHub", "token": token }),
        )
        .await;
    let id = created["createIntegration"]["integration"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let started = app.operation(examples, "StartOAuth", json!({})).await;
    assert_eq!(started["startOAuth"]["userErrors"], json!([]));
    let grant = crate::oauth::connect(app, "member-svc").await;
    let from_grant = app
        .operation(
            examples,
            "CreateFromOAuthGrant",
            json!({ "name": "via OAuth", "grant": grant }),
        )
        .await;
    assert_eq!(from_grant["createIntegration"]["userErrors"], json!([]));
    app.operation(examples, "Integrations", json!({})).await;
    app.operation(examples, "Groups", json!({ "id": id })).await;
    let node = app.operation(examples, "Node", json!({ "id": id })).await;
    assert_eq!(node["node"]["__typename"], "Integration");
    let group = app.operation(examples, "Groups", json!({ "id": id })).await["integration"]
        ["groups"][0]["id"]
        .clone();
    let tab = app
        .operation(
            examples,
            "ReposTab",
            json!({ "group": group, "search": "" }),
        )
        .await;
    assert_eq!(tab["node"]["id"], group);
    let imported = app
        .operation(examples, "ImportGroup", json!({ "group": group }))
        .await;
    assert_eq!(imported["importGroup"]["userErrors"], json!([]));
    app.operation(examples, "ImportRuns", json!({ "id": id }))
        .await;
    for name in ["SetServices", "TestConnection", "RefreshGroups"] {
        let answer = app.operation(examples, name, json!({ "id": id })).await;
        let payload = answer.as_object().unwrap().values().next().unwrap();
        assert_eq!(payload["userErrors"], json!([]), "{name}");
    }
    app.operation(
        examples,
        "ReconnectWithToken",
        json!({ "id": id, "token": token }),
    )
    .await;
    let today = chrono::Utc::now().date_naive();
    let filter = json!({ "filter": {
        "integrationId": id,
        "from": (today - chrono::Days::new(90)).to_string(),
        "to": today.to_string(),
        "timeZone": "Europe/Berlin",
        "excludeBots": true,
    }});
    for name in ["PullRequestMetrics", "CommitMetrics", "WorkLog"] {
        app.operation(examples, name, filter.clone()).await;
    }
    // Deleting while the group's imports still run: the cascade and the workers' writes
    // meet, and PostgreSQL may break a deadlock; the delete must still go through.
    let deleted = app
        .operation(examples, "DeleteIntegration", json!({ "id": id }))
        .await;
    assert_eq!(
        deleted["deleteIntegration"]["deletedIntegrationId"],
        id.as_str()
    );
}
on_every_backend!(the_graphiql_examples_run, with_redis);
