//! The import page: `importGroup` (never two runs of one repository at once), progress
//! events that carry their run, subscribers told when they missed events, and the code
//! of a failed run.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::SinkExt;
use futures_util::stream::{SplitSink, SplitStream};
use reqwest::Method;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tributary_tests::{Backend, TestApp, TestAppBuilder, on_every_backend, quick_import_settings};

use crate::subscriptions::{Socket, connect, next_json};

const IMPORT_GROUP: &str = "mutation($g: ID!, $m: String) { importGroup(input: {groupId: $g, clientMutationId: $m}) { importRuns { id state repositoryId } userErrors { code field } clientMutationId } }";

/// The integration's groups by login: their id and repository ids.
async fn groups(app: &TestApp, integration: &str) -> BTreeMap<String, (String, BTreeSet<String>)> {
    let data = app
        .data(
            "query($id: ID!) { integration(id: $id) { groups { id login repositories(first: 100) { nodes { id } } } } }",
            json!({ "id": integration }),
        )
        .await;
    data["integration"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let ids = g["repositories"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["id"].as_str().unwrap().to_string())
                .collect();
            (
                g["login"].as_str().unwrap().to_string(),
                (g["id"].as_str().unwrap().to_string(), ids),
            )
        })
        .collect()
}

/// Run id by repository id.
fn runs_by_repository(payload: &Value) -> BTreeMap<String, String> {
    payload["importRuns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["repositoryId"].as_str().unwrap().to_string(),
                r["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn without_worker(builder: TestAppBuilder) -> TestAppBuilder {
    builder.separate_worker()
}

async fn import_group_queues_each_repository_once(app: &mut TestApp) {
    // No worker: every run stays QUEUED, so each is still active at the second import.
    app.kill_worker();
    let integration = app.create_integration("owner").await;
    let of_owner = groups(app, &integration).await;
    let (group, repositories) = &of_owner["acme-corp"];
    assert!(repositories.len() > 1);

    let first = app
        .data(IMPORT_GROUP, json!({ "g": group, "m": "first" }))
        .await["importGroup"]
        .clone();
    assert_eq!(first["userErrors"], json!([]));
    assert_eq!(first["clientMutationId"], "first");
    let runs = runs_by_repository(&first);
    assert_eq!(runs.keys().cloned().collect::<BTreeSet<_>>(), *repositories);
    assert!(
        first["importRuns"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["state"] == "QUEUED")
    );

    // The same repositories again, one by importRepositories: the runs in progress.
    let one = repositories.iter().next().unwrap();
    let again = app
        .data(
            "mutation($i: ID!, $r: [ID!]!) { importRepositories(input: {integrationId: $i, repositoryIds: $r}) { importRuns { id } } }",
            json!({ "i": integration, "r": [one, one] }),
        )
        .await;
    assert_eq!(
        again["importRepositories"]["importRuns"],
        json!([{ "id": runs[one] }])
    );
    let second = app.data(IMPORT_GROUP, json!({ "g": group })).await["importGroup"].clone();
    assert_eq!(runs_by_repository(&second), runs);
    assert_eq!(second["clientMutationId"], Value::Null);
    let data = app
        .data(
            "query($i: ID!, $r: ID!) { importRuns(integrationId: $i, states: [QUEUED]) { totalCount } integration(id: $i) { repositories(selected: true, first: 1) { totalCount } } active: importRuns(integrationId: $i, repositoryIds: [$r]) { nodes { id } } }",
            json!({ "i": integration, "r": one }),
        )
        .await;
    assert_eq!(data["importRuns"]["totalCount"], repositories.len());
    assert_eq!(
        data["integration"]["repositories"]["totalCount"],
        repositories.len(),
        "every repository of the group is selected"
    );
    assert_eq!(data["active"]["nodes"], json!([{ "id": runs[one] }]));

    // What a user can fix is a user error: no such group, a group with nothing to import
    // (an organization whose SAML SSO the token is not authorized for).
    let sso = app.create_integration("sso-unauthorized").await;
    let blocked = groups(app, &sso).await["initech"].0.clone();
    let refused = app.data(IMPORT_GROUP, json!({ "g": blocked })).await["importGroup"].clone();
    assert_eq!(
        refused,
        json!({ "importRuns": [], "userErrors": [{ "code": "NOTHING_TO_IMPORT", "field": ["input", "groupId"] }], "clientMutationId": null }),
    );
    // A group that is not there is the program's mistake: a top-level code.
    let unknown = tributary_tests::global_id(tributary_tests::NodeKind::Group, "no-such-group");
    let missing = app.graphql(IMPORT_GROUP, json!({ "g": unknown })).await;
    assert_eq!(missing["errors"][0]["extensions"]["code"], "NOT_FOUND");
}
on_every_backend!(import_group_queues_each_repository_once, without_worker);

/// A graphql-transport-ws connection subscribed to `importProgress` with `selection`,
/// registered before it returns.
async fn subscribe(
    app: &TestApp,
    integration: &str,
    selection: &str,
) -> (SplitSink<Socket, Message>, SplitStream<Socket>) {
    let (mut sink, mut stream) = connect(app.api.addr, "test-api-key").await;
    assert_eq!(
        next_json(&mut stream).await.unwrap()["type"],
        "connection_ack"
    );
    let query =
        format!("subscription($i: ID!) {{ importProgress(integrationId: $i) {{ {selection} }} }}");
    sink.send(Message::text(
        json!({ "id": "1", "type": "subscribe", "payload": { "query": query, "variables": { "i": integration } } })
            .to_string(),
    ))
    .await
    .unwrap();
    sink.send(Message::text(json!({ "type": "ping" }).to_string()))
        .await
        .unwrap();
    assert_eq!(next_json(&mut stream).await.unwrap()["type"], "pong");
    (sink, stream)
}

/// The next `importProgress` item.
async fn next_update(stream: &mut SplitStream<Socket>) -> Value {
    let message = next_json(stream)
        .await
        .expect("the subscription stays open");
    assert_eq!(message["type"], "next", "{message}");
    message["payload"]["data"]["importProgress"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_that_falls_behind_is_told_to_refetch() {
    let Some(app) = TestApp::builder(Backend::Sqlite)
        .progress_capacity(1)
        .start()
        .await
    else {
        return;
    };
    let integration = app.create_integration("owner").await;
    let groups = groups(&app, &integration).await;
    let (_sink, mut stream) = subscribe(
        &app,
        &integration,
        "__typename ... on ImportEventsMissed { integrationId } ... on ImportProgressEvent { runId }",
    )
    .await;
    // Every run of the group is announced at once: more than the subscriber's channel holds.
    let queued = app
        .data(IMPORT_GROUP, json!({ "g": groups["acme-corp"].0 }))
        .await;
    assert!(
        queued["importGroup"]["importRuns"]
            .as_array()
            .unwrap()
            .len()
            > 1
    );
    let mut missed = false;
    for _ in 0..200 {
        let update = next_update(&mut stream).await;
        if update["__typename"] == "ImportEventsMissed" {
            assert_eq!(update["integrationId"], integration.as_str());
            missed = true;
            break;
        }
    }
    assert!(missed, "the subscriber is told it missed events");
    // And the events go on after it.
    let after = next_update(&mut stream).await;
    assert!(after["__typename"].is_string(), "{after}");
    app.finish().await;
}

fn with_redis(builder: TestAppBuilder) -> TestAppBuilder {
    builder.redis()
}

async fn a_repository_id(app: &TestApp, integration: &str) -> String {
    let groups = groups(app, integration).await;
    groups["acme-corp"].1.iter().next().unwrap().clone()
}

/// Queues a full import of one repository; its run.
async fn import_one(app: &TestApp, integration: &str, repository: &str) -> Value {
    app.data(
        "mutation($i: ID!, $r: [ID!]!) { importRepositories(input: {integrationId: $i, repositoryIds: $r}) { importRuns { id errorCode } } }",
        json!({ "i": integration, "r": [repository] }),
    )
    .await["importRepositories"]["importRuns"][0]
        .clone()
}

async fn a_revoked_token_fails_the_run_with_bad_credentials(app: &mut TestApp) {
    let integration = app.create_integration("owner").await;
    let repository = a_repository_id(app, &integration).await;
    let (_sink, mut stream) = subscribe(
        app,
        &integration,
        "... on ImportProgressEvent { runId state errorCode run { id state errorCode } }",
    )
    .await;
    app.sim_control(
        Method::POST,
        "/_sim/faults",
        Some(json!({ "revoked_tokens": ["owner"] })),
    )
    .await;
    let queued = import_one(app, &integration, &repository).await;
    let run = queued["id"].clone();
    assert_eq!(queued["errorCode"], Value::Null);
    loop {
        let event = next_update(&mut stream).await;
        assert_eq!(event["runId"], run);
        assert_eq!(event["run"]["id"], run, "each event carries its run");
        if event["state"] == "FAILED" {
            assert_eq!(event["errorCode"], "BAD_CREDENTIALS", "{event}");
            assert_eq!(
                event["run"],
                json!({ "id": run, "state": "FAILED", "errorCode": "BAD_CREDENTIALS" })
            );
            break;
        }
        assert_eq!(event["errorCode"], Value::Null, "{event}");
    }
    let stored = app
        .data(
            "query($r: ID!) { importRun(id: $r) { state errorCode } }",
            json!({ "r": run }),
        )
        .await;
    assert_eq!(
        stored["importRun"],
        json!({ "state": "FAILED", "errorCode": "BAD_CREDENTIALS" })
    );
}
on_every_backend!(
    a_revoked_token_fails_the_run_with_bad_credentials,
    with_redis
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_github_keeps_failing_is_github_unavailable() {
    let settings = worker::ImportSettings {
        max_attempts: 2,
        ..quick_import_settings()
    };
    let Some(app) = TestApp::builder(Backend::Sqlite)
        .import_settings(settings)
        .start()
        .await
    else {
        return;
    };
    let integration = app.create_integration("owner").await;
    let repository = a_repository_id(&app, &integration).await;
    app.sim_control(
        Method::POST,
        "/_sim/faults",
        Some(json!({ "bad_gateway_rate": 1.0 })),
    )
    .await;
    let run = import_one(&app, &integration, &repository).await["id"].clone();
    let mut stored = Value::Null;
    for _ in 0..600 {
        stored = app
            .data(
                "query($r: ID!) { importRun(id: $r) { state errorCode } }",
                json!({ "r": run }),
            )
            .await["importRun"]
            .clone();
        if stored["state"] == "FAILED" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        stored,
        json!({ "state": "FAILED", "errorCode": "GITHUB_UNAVAILABLE" })
    );
    app.finish().await;
}
