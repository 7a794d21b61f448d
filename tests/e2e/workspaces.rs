//! Workspaces: a caller holding one workspace's token finds nothing of another, as if
//! it did not exist. The schema is enumerated by introspection, so a root field added
//! later without a cross-workspace call here fails the test instead of skipping the
//! rule; every call is made with another workspace's ids, and that workspace's data is
//! checked untouched afterwards.

use std::collections::BTreeSet;

use api::auth::Role;
use futures_util::SinkExt;
use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tributary_tests::{TestApp, TestAppBuilder, on_every_backend};

use crate::subscriptions::{Subscription, connect, next_json};

/// The other workspace, whose objects the caller must never reach.
const THEIRS: &str = "globex-tenant";
/// The caller's own workspace.
const OURS: &str = "acme-tenant";
/// The other workspace's integration name: it must never appear in an answer.
const THEIR_NAME: &str = "Globex confidential integration";

/// The other workspace's objects, one of every kind that has a global id.
struct Theirs {
    token: String,
    integration: String,
    group: String,
    repository: String,
    run: String,
    pull_request: String,
    contributor: String,
    webhook: String,
    grant: String,
}

impl Theirs {
    fn ids(&self) -> Vec<&str> {
        vec![
            &self.integration,
            &self.group,
            &self.repository,
            &self.run,
            &self.pull_request,
            &self.contributor,
            &self.webhook,
            &self.grant,
        ]
    }
}

fn with_redis(builder: TestAppBuilder) -> TestAppBuilder {
    // PostgreSQL queues imports on Redis.
    builder.redis()
}

const CREATE: &str = r#"mutation($name: String!, $token: String!) {
  createIntegration(input: {name: $name, token: $token}) { integration { id } userErrors { code } }
}"#;

async fn create(app: &TestApp, credential: &str, name: &str) -> String {
    let data = app
        .as_caller(credential)
        .data(CREATE, json!({ "name": name, "token": app.token("owner") }))
        .await;
    assert_eq!(data["createIntegration"]["userErrors"], json!([]));
    data["createIntegration"]["integration"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Everything of the other workspace: an integration with an imported repository (so
/// runs, pull requests and contributors exist), its webhooks and an unspent OAuth grant.
async fn their_workspace(app: &TestApp) -> Theirs {
    let token = app.user_token(THEIRS, Role::Admin);
    let as_them = app.as_caller(&token);
    let integration = create(app, &token, THEIR_NAME).await;
    let dataset = app.sim_control(Method::GET, "/_sim/dataset", None).await;
    let with_content = dataset["content"][0]["repository"]
        .as_str()
        .unwrap()
        .to_string();
    let listing = as_them
        .data(
            "query($id: ID!) { integration(id: $id) { groups { id } repositories(first: 100) { nodes { id fullName } } } }",
            json!({ "id": integration }),
        )
        .await["integration"]
        .clone();
    let repository = listing["repositories"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["fullName"] == with_content.as_str())
        .expect("the dataset's repository is listed")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let run = as_them
        .data(
            "mutation($i: ID!, $r: [ID!]!) { importRepositories(input: {integrationId: $i, repositoryIds: $r}) { importRuns { id } userErrors { code } } }",
            json!({ "i": integration, "r": [repository] }),
        )
        .await["importRepositories"]["importRuns"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut state = Value::Null;
    for _ in 0..600 {
        state = as_them
            .data(
                "query($id: ID!) { importRun(id: $id) { state } }",
                json!({ "id": run }),
            )
            .await["importRun"]["state"]
            .clone();
        if state == "SUCCEEDED" || state == "FAILED" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(state, "SUCCEEDED", "their import");
    let pull_requests = as_them
        .data(
            "query($f: AnalyticsFilter!) { pullRequestMetrics(filter: $f, set: OPENED) { pullRequests(first: 1) { nodes { id author { id } } } } }",
            json!({ "f": { "integrationId": integration, "from": "2020-01-01", "to": "2029-12-31" } }),
        )
        .await;
    let first = &pull_requests["pullRequestMetrics"]["pullRequests"]["nodes"][0];
    // After the import, the organization owning the repository gets its webhook row
    // (the hooks are reconciled once the import is done, not before it answers).
    let mut webhooks = Value::Null;
    for _ in 0..200 {
        webhooks = as_them
            .data(
                "query($id: ID!) { integration(id: $id) { webhooks { id } } }",
                json!({ "id": integration }),
            )
            .await;
        if webhooks["integration"]["webhooks"][0]["id"].is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let grant = crate::oauth::connect_as(app, &token, "tributary-svc").await;
    Theirs {
        integration,
        group: listing["groups"][0]["id"].as_str().unwrap().to_string(),
        repository,
        run,
        pull_request: first["id"].as_str().expect("a pull request").to_string(),
        contributor: first["author"]["id"].as_str().unwrap().to_string(),
        webhook: webhooks["integration"]["webhooks"][0]["id"]
            .as_str()
            .expect("a webhook row")
            .to_string(),
        grant,
        token,
    }
}

/// What a call with the other workspace's ids must answer.
enum Expect {
    /// A top-level `NOT_FOUND`, as for an id that names nothing.
    NotFound,
    /// `data.<field>` is null (or, for a list, only nulls).
    Nothing(&'static str),
    /// The payload at `data.<field>` refuses with this user error, as for a grant or
    /// repository that does not exist.
    UserError(&'static str, &'static str),
    /// `data.<field>` answers the caller's own things only.
    OwnOnly,
}

struct Call {
    field: &'static str,
    document: String,
    variables: Value,
    expect: Expect,
}

fn call(field: &'static str, document: &str, variables: Value, expect: Expect) -> Call {
    Call {
        field,
        document: document.to_string(),
        variables,
        expect,
    }
}

/// Every root query and mutation, called with the other workspace's ids (several
/// times where a field takes several kinds). A root field missing here fails
/// `every_root_field_is_called_with_another_workspaces_ids`.
fn calls(theirs: &Theirs, ours: &str) -> Vec<Call> {
    let filter =
        json!({ "integrationId": theirs.integration, "from": "2020-01-01", "to": "2029-12-31" });
    let mut calls: Vec<Call> = theirs
        .ids()
        .into_iter()
        .map(|id| {
            call(
                "node",
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
                Expect::Nothing("node"),
            )
        })
        .collect();
    calls.extend([
        call("nodes", "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", json!({ "ids": theirs.ids() }), Expect::Nothing("nodes")),
        call("integrations", "{ integrations { id name } }", json!({}), Expect::OwnOnly),
        call("oauthGrant", "query($id: ID!) { oauthGrant(id: $id) { id login } }", json!({ "id": theirs.grant }), Expect::Nothing("oauthGrant")),
        call("integration", "query($id: ID!) { integration(id: $id) { id name } }", json!({ "id": theirs.integration }), Expect::Nothing("integration")),
        call("importRuns", "query($id: ID!) { importRuns(integrationId: $id) { totalCount nodes { id } } }", json!({ "id": theirs.integration }), Expect::NotFound),
        call("importRuns", "query($id: ID!, $r: [ID!]) { importRuns(integrationId: $id, repositoryIds: $r) { totalCount nodes { id } } }", json!({ "id": ours, "r": [theirs.repository] }), Expect::OwnOnly),
        call("importRun", "query($id: ID!) { importRun(id: $id) { id } }", json!({ "id": theirs.run }), Expect::Nothing("importRun")),
        call("pullRequestMetrics", "query($f: AnalyticsFilter!) { pullRequestMetrics(filter: $f) { aggregate { pullRequests } } }", json!({ "f": filter }), Expect::NotFound),
        call("commitMetrics", "query($f: AnalyticsFilter!) { commitMetrics(filter: $f) { commits } }", json!({ "f": filter }), Expect::NotFound),
        call("workLog", "query($f: AnalyticsFilter!) { workLog(filter: $f) { totalCount } }", json!({ "f": filter }), Expect::NotFound),
        call("capabilities", "{ capabilities { oauth } }", json!({}), Expect::OwnOnly),
        call("viewer", "{ viewer { workspace role } }", json!({}), Expect::OwnOnly),
        // Mutations, each with an admin's token: only the workspace stops them.
        call("testToken", "mutation($t: String!) { testToken(input: {token: $t}) { userErrors { code } } }", json!({ "t": "ghp_not-a-real-token" }), Expect::OwnOnly),
        call("startOAuth", "mutation { startOAuth(input: {}) { state userErrors { code } } }", json!({}), Expect::OwnOnly),
        call("createIntegration", "mutation($g: ID!) { createIntegration(input: {name: \"stolen\", oauthGrantId: $g}) { integration { id } userErrors { code } } }", json!({ "g": theirs.grant }), Expect::UserError("createIntegration", "OAUTH_GRANT_UNKNOWN")),
        call("testConnection", "mutation($i: ID!) { testConnection(input: {integrationId: $i}) { integration { id } } }", json!({ "i": theirs.integration }), Expect::NotFound),
        call("reconnectIntegration", "mutation($i: ID!, $t: String!) { reconnectIntegration(input: {integrationId: $i, token: $t}) { integration { id } userErrors { code } } }", json!({ "i": theirs.integration, "t": "ghp_x" }), Expect::NotFound),
        call("reconnectIntegration", "mutation($i: ID!, $g: ID!) { reconnectIntegration(input: {integrationId: $i, oauthGrantId: $g}) { integration { id } userErrors { code } } }", json!({ "i": ours, "g": theirs.grant }), Expect::UserError("reconnectIntegration", "OAUTH_GRANT_UNKNOWN")),
        call("setServices", "mutation($i: ID!) { setServices(input: {integrationId: $i, services: {tickets: false}}) { integration { id } } }", json!({ "i": theirs.integration }), Expect::NotFound),
        call("renameIntegration", "mutation($i: ID!) { renameIntegration(input: {integrationId: $i, name: \"taken over\"}) { integration { id } } }", json!({ "i": theirs.integration }), Expect::NotFound),
        call("setCommentRobustness", "mutation($i: ID!) { setCommentRobustness(input: {integrationId: $i, regularFrom: 1, robustFrom: 2}) { integration { id } } }", json!({ "i": theirs.integration }), Expect::NotFound),
        call("refreshGroups", "mutation($i: ID!) { refreshGroups(input: {integrationId: $i}) { integration { id } } }", json!({ "i": theirs.integration }), Expect::NotFound),
        call("reportOAuthApprovalRequested", "mutation($i: ID!) { reportOAuthApprovalRequested(input: {integrationId: $i, organization: \"acme-corp\"}) { group { id } } }", json!({ "i": theirs.integration }), Expect::NotFound),
        call("deleteIntegration", "mutation($i: ID!) { deleteIntegration(input: {integrationId: $i}) { deletedIntegrationId } }", json!({ "i": theirs.integration }), Expect::Nothing("deleteIntegration")),
        call("importRepositories", "mutation($i: ID!, $r: [ID!]!) { importRepositories(input: {integrationId: $i, repositoryIds: $r}) { importRuns { id } userErrors { code } } }", json!({ "i": theirs.integration, "r": [theirs.repository] }), Expect::NotFound),
        call("importRepositories", "mutation($i: ID!, $r: [ID!]!) { importRepositories(input: {integrationId: $i, repositoryIds: $r}) { importRuns { id } userErrors { code } } }", json!({ "i": ours, "r": [theirs.repository] }), Expect::UserError("importRepositories", "REPOSITORY_UNKNOWN")),
        call("importGroup", "mutation($g: ID!) { importGroup(input: {groupId: $g}) { importRuns { id } } }", json!({ "g": theirs.group }), Expect::NotFound),
        call("syncIntegration", "mutation($i: ID!) { syncIntegration(input: {integrationId: $i}) { importRuns { id } } }", json!({ "i": theirs.integration }), Expect::NotFound),
        call("cancelImport", "mutation($r: ID!) { cancelImport(input: {runId: $r}) { importRun { id } } }", json!({ "r": theirs.run }), Expect::NotFound),
        call("retryImport", "mutation($r: ID!) { retryImport(input: {runId: $r}) { importRun { id } } }", json!({ "r": theirs.run }), Expect::NotFound),
    ]);
    calls
}

/// The subscriptions, each with the other workspace's integration.
const SUBSCRIPTIONS: [(&str, &str); 2] = [
    (
        "integrationEvents",
        "subscription($id: ID) { integrationEvents(integrationId: $id) { integrationId kind } }",
    ),
    (
        "importProgress",
        "subscription($id: ID!) { importProgress(integrationId: $id) { __typename } }",
    ),
];

const ROOT_FIELDS: &str = r#"{
  __schema {
    queryType { fields { name } }
    mutationType { fields { name } }
    subscriptionType { fields { name } }
  }
}"#;

fn names(fields: &Value) -> BTreeSet<String> {
    fields
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect()
}

async fn every_root_field_is_called_with_another_workspaces_ids(app: &TestApp) {
    let theirs = their_workspace(app).await;
    let token = app.user_token(OURS, Role::Admin);
    let ours = create(app, &token, "Acme's own").await;
    let as_us = app.as_caller(&token);

    let schema = as_us.data(ROOT_FIELDS, json!({})).await["__schema"].clone();
    let calls = calls(&theirs, &ours);
    let called: BTreeSet<String> = calls.iter().map(|c| c.field.to_string()).collect();
    let mut roots = names(&schema["queryType"]["fields"]);
    roots.extend(names(&schema["mutationType"]["fields"]));
    let missing: Vec<&String> = roots.difference(&called).collect();
    assert!(
        missing.is_empty(),
        "root fields without a cross-workspace call in tests/e2e/workspaces.rs: {missing:?}"
    );
    let subscriptions = names(&schema["subscriptionType"]["fields"]);
    let subscribed: BTreeSet<String> = SUBSCRIPTIONS.iter().map(|(f, _)| f.to_string()).collect();
    assert_eq!(
        subscriptions, subscribed,
        "every subscription is tried below"
    );

    for call in &calls {
        let body = as_us.graphql(&call.document, call.variables.clone()).await;
        let text = body.to_string();
        assert!(!text.contains(THEIR_NAME), "{}: {body}", call.field);
        let given = call.variables.to_string();
        for id in theirs.ids() {
            assert!(
                given.contains(id) || !text.contains(id),
                "{} answered an id of theirs it was not given: {body}",
                call.field
            );
        }
        match call.expect {
            Expect::NotFound => assert_eq!(
                body["errors"][0]["extensions"]["code"], "NOT_FOUND",
                "{}: {body}",
                call.field
            ),
            Expect::Nothing(field) => {
                assert!(body.get("errors").is_none(), "{}: {body}", call.field);
                let answer = match &body["data"][field] {
                    Value::Array(items) => items.iter().all(Value::is_null),
                    Value::Object(payload) => payload.values().all(Value::is_null),
                    other => other.is_null(),
                };
                assert!(answer, "{}: {body}", call.field);
            }
            Expect::UserError(field, code) => {
                assert!(body.get("errors").is_none(), "{}: {body}", call.field);
                assert_eq!(
                    body["data"][field]["userErrors"][0]["code"], code,
                    "{}: {body}",
                    call.field
                );
            }
            Expect::OwnOnly => {
                assert!(
                    !text.contains(&theirs.integration),
                    "{}: {body}",
                    call.field
                );
            }
        }
    }
    let own = as_us.data("{ integrations { id } }", json!({})).await;
    assert_eq!(own["integrations"], json!([{ "id": ours }]));

    // Subscriptions: another workspace's integration is not found; following every
    // integration shows the caller's own events only.
    for (field, document) in SUBSCRIPTIONS {
        let (mut sink, mut stream) = connect(app.api.addr, &token).await;
        assert_eq!(
            next_json(&mut stream).await.unwrap()["type"],
            "connection_ack"
        );
        sink.send(Message::text(
            json!({ "id": "1", "type": "subscribe", "payload": { "query": document, "variables": { "id": theirs.integration } } }).to_string(),
        ))
        .await
        .unwrap();
        // async-graphql answers a subscription that fails to start as one `next` with
        // the error, then `complete`.
        let answer = next_json(&mut stream).await.unwrap();
        assert_eq!(answer["type"], "next", "{field}: {answer}");
        assert_eq!(
            answer["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
            "{field}: {answer}"
        );
    }
    let mut events = Subscription::open_as(
        app,
        &token,
        "subscription Everything { integrationEvents { integrationId kind } }",
        "Everything",
        json!({}),
    )
    .await;
    let rename = "mutation($i: ID!, $n: String!) { renameIntegration(input: {integrationId: $i, name: $n}) { integration { id } } }";
    app.as_caller(&theirs.token)
        .data(rename, json!({ "i": theirs.integration, "n": THEIR_NAME }))
        .await;
    as_us
        .data(rename, json!({ "i": ours, "n": "Acme renamed" }))
        .await;
    let event = events.until(|_| true).await;
    assert_eq!(
        event,
        json!({ "integrationId": ours, "kind": "UPDATED" }),
        "their rename is not pushed to us; ours is"
    );

    // /metrics labels every workspace: a user token, even an admin's, is refused.
    let scrape = app
        .http
        .get(format!("{}/metrics", app.api.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(scrape.status(), 403);

    // Nothing of theirs changed: their integration, run and grant are as they were.
    let as_them = app.as_caller(&theirs.token);
    let still = as_them
        .data(
            "query($i: ID!, $r: ID!, $g: ID!) { integration(id: $i) { name services { tickets } } importRun(id: $r) { state } oauthGrant(id: $g) { used } }",
            json!({ "i": theirs.integration, "r": theirs.run, "g": theirs.grant }),
        )
        .await;
    assert_eq!(
        still,
        json!({
            "integration": { "name": THEIR_NAME, "services": { "tickets": true } },
            "importRun": { "state": "SUCCEEDED" },
            "oauthGrant": { "used": false },
        })
    );
    // And the server key, acting everywhere, sees both.
    let everything = app.data("{ integrations { id } }", json!({})).await;
    assert_eq!(everything["integrations"].as_array().unwrap().len(), 2);
}

on_every_backend!(
    every_root_field_is_called_with_another_workspaces_ids,
    with_redis
);

/// The server key with `X-Tributary-Workspace` acts in that workspace alone, and what it
/// creates lands there; without the header it creates in the default workspace.
async fn the_server_key_names_the_workspace_it_acts_in(app: &TestApp) {
    let scoped = |workspace: &'static str, query: &'static str, variables: Value| {
        app.http
            .post(app.graphql_url())
            .bearer_auth(&app.api.api_key)
            .header("X-Tributary-Workspace", workspace)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
    };
    let created: Value = scoped(
        THEIRS,
        CREATE,
        json!({ "name": "Made by the backend", "token": app.token("owner") }),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let id = created["data"]["createIntegration"]["integration"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let unscoped = app.create_integration("owner").await;
    let theirs = app.user_token(THEIRS, Role::Viewer);
    let listed = app
        .as_caller(&theirs)
        .data(
            "{ integrations { id } viewer { workspace role credential } }",
            json!({}),
        )
        .await;
    assert_eq!(listed["integrations"], json!([{ "id": id }]));
    assert_eq!(
        listed["viewer"],
        json!({ "workspace": THEIRS, "role": "VIEWER", "credential": "USER_TOKEN" })
    );
    let default_workspace = app.user_token(&app.config.default_workspace, Role::Viewer);
    let listed = app
        .as_caller(&default_workspace)
        .data("{ integrations { id } }", json!({}))
        .await;
    assert_eq!(listed["integrations"], json!([{ "id": unscoped }]));
    let narrowed: Value = scoped(
        OURS,
        "{ integrations { id } viewer { workspace credential } }",
        json!({}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(
        narrowed["data"],
        json!({ "integrations": [], "viewer": { "workspace": OURS, "credential": "SERVER_KEY" } })
    );
}

on_every_backend!(the_server_key_names_the_workspace_it_acts_in);

/// An OAuth grant belongs to whoever started its round trip: another admin of the same
/// workspace neither sees nor spends it; its starter does.
async fn only_the_starter_of_an_oauth_round_trip_spends_its_grant(app: &TestApp) {
    let hour = std::time::Duration::from_secs(3600);
    let alice = app.user_token_for(OURS, Role::Admin, "alice", hour);
    let bob = app.user_token_for(OURS, Role::Admin, "bob", hour);
    let grant = crate::oauth::connect_as(app, &alice, "tributary-svc").await;
    let spend = "mutation($g: ID!) { createIntegration(input: {name: \"via OAuth\", oauthGrantId: $g}) { integration { id } userErrors { code } } }";
    let seen = "query($g: ID!) { oauthGrant(id: $g) { id } node(id: $g) { id } }";
    let by_bob = app.as_caller(&bob).data(spend, json!({ "g": grant })).await;
    assert_eq!(
        by_bob["createIntegration"]["userErrors"][0]["code"],
        "OAUTH_GRANT_UNKNOWN"
    );
    assert_eq!(
        app.as_caller(&bob).data(seen, json!({ "g": grant })).await,
        json!({ "oauthGrant": null, "node": null })
    );
    // The server key did not start it either.
    let by_key = app.data(spend, json!({ "g": grant })).await;
    assert_eq!(
        by_key["createIntegration"]["userErrors"][0]["code"],
        "OAUTH_GRANT_UNKNOWN"
    );
    let by_alice = app
        .as_caller(&alice)
        .data(spend, json!({ "g": grant }))
        .await;
    assert_eq!(by_alice["createIntegration"]["userErrors"], json!([]));
    let created = by_alice["createIntegration"]["integration"]["id"]
        .as_str()
        .unwrap();
    let listed = app
        .as_caller(&bob)
        .data("{ integrations { id } }", json!({}))
        .await;
    assert_eq!(
        listed["integrations"],
        json!([{ "id": created }]),
        "the integration belongs to the workspace, for every one of its users"
    );
}

on_every_backend!(only_the_starter_of_an_oauth_round_trip_spends_its_grant);
