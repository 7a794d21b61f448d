//! Services switch at any time, within what the token allows; rename and delete.

use serde_json::json;
use tributary_tests::{TestApp, on_every_backend};

const SET: &str = "mutation($id: ID!, $s: ServicesInput!) { setServices(input: {integrationId: $id, services: $s}) { integration { services { repos pullRequests tickets webhooks } } userErrors { code field } } }";

async fn services_switch_off_and_on_one_at_a_time(app: &TestApp) {
    let id = app.create_integration("owner").await;
    let off = app
        .data(
            SET,
            json!({ "id": id, "s": { "tickets": false, "webhooks": false } }),
        )
        .await;
    assert_eq!(
        off["setServices"]["integration"]["services"],
        json!({ "repos": true, "pullRequests": true, "tickets": false, "webhooks": false })
    );
    let on = app
        .data(SET, json!({ "id": id, "s": { "webhooks": true } }))
        .await;
    assert_eq!(
        on["setServices"]["integration"]["services"],
        json!({ "repos": true, "pullRequests": true, "tickets": false, "webhooks": true })
    );
}
on_every_backend!(services_switch_off_and_on_one_at_a_time);

async fn webhooks_cannot_be_switched_on_without_the_hook_scope(app: &TestApp) {
    let limited = app.create_integration("missing-scopes").await;
    let refused = app
        .data(SET, json!({ "id": limited, "s": { "webhooks": true } }))
        .await;
    assert_eq!(
        refused["setServices"],
        json!({ "integration": null, "userErrors": [{ "code": "SCOPE_MISSING", "field": ["input", "services", "webhooks"] }] })
    );
}
on_every_backend!(webhooks_cannot_be_switched_on_without_the_hook_scope);

async fn an_integration_is_created_with_the_services_asked_for(app: &TestApp) {
    let created = app
        .data(
            "mutation($t: String!) { createIntegration(input: {name: \"only repos\", token: $t, services: {pullRequests: false, tickets: false, webhooks: false}}) { integration { services { repos pullRequests tickets webhooks } } } }",
            json!({ "t": app.token("owner") }),
        )
        .await;
    assert_eq!(
        created["createIntegration"]["integration"]["services"],
        json!({ "repos": true, "pullRequests": false, "tickets": false, "webhooks": false })
    );
}
on_every_backend!(an_integration_is_created_with_the_services_asked_for);

async fn a_rename_trims_the_name(app: &TestApp) {
    let id = app.create_integration("owner").await;
    let renamed = app.data("mutation($id: ID!) { renameIntegration(input: {integrationId: $id, name: \" Production GitHub \"}) { integration { name } } }", json!({ "id": id })).await;
    assert_eq!(
        renamed["renameIntegration"]["integration"]["name"],
        "Production GitHub"
    );
    let blank = app.data("mutation($id: ID!) { renameIntegration(input: {integrationId: $id, name: \"  \"}) { integration { name } userErrors { code field } } }", json!({ "id": id })).await;
    assert_eq!(
        blank["renameIntegration"],
        json!({ "integration": null, "userErrors": [{ "code": "NAME_BLANK", "field": ["input", "name"] }] })
    );
}
on_every_backend!(a_rename_trims_the_name);

async fn a_token_of_another_account_is_refused(app: &TestApp) {
    let id = app.create_integration("owner").await;
    let other_account = app
        .data(
            "mutation($id: ID!, $t: String!) { reconnectIntegration(input: {integrationId: $id, token: $t}) { integration { id } userErrors { code field } } }",
            json!({ "id": id, "t": app.token("member") }),
        )
        .await;
    assert_eq!(
        other_account["reconnectIntegration"],
        json!({ "integration": null, "userErrors": [{ "code": "ACCOUNT_MISMATCH", "field": ["input", "token"] }] })
    );
}
on_every_backend!(a_token_of_another_account_is_refused);

async fn a_token_of_the_same_account_replaces_the_token(app: &TestApp) {
    let id = app.create_integration("owner").await;
    let same = app.data("mutation($id: ID!, $t: String!) { reconnectIntegration(input: {integrationId: $id, token: $t}) { integration { id authKind } connectionTest { ok message } userErrors { code } } }", json!({ "id": id, "t": app.token("owner") })).await;
    let answer = &same["reconnectIntegration"];
    assert_eq!(
        answer["integration"]["id"],
        id.as_str(),
        "the same integration"
    );
    assert_eq!(answer["integration"]["authKind"], "TOKEN");
    assert_eq!(answer["userErrors"], json!([]));
    assert_eq!(
        answer["connectionTest"]["message"],
        "Successfully connected via tributary-svc"
    );
}
on_every_backend!(a_token_of_the_same_account_replaces_the_token);

async fn testing_an_unknown_integration_is_not_found(app: &TestApp) {
    let missing = app
        .graphql(
            "mutation($id: ID!) { testConnection(input: {integrationId: $id}) { connectionTest { ok } } }",
            json!({ "id": tributary_tests::global_id(tributary_tests::NodeKind::Integration, "nope") }),
        )
        .await;
    assert_eq!(missing["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let malformed = app
        .graphql(
            "mutation { testConnection(input: {integrationId: \"nope\"}) { connectionTest { ok } } }",
            json!({}),
        )
        .await;
    assert_eq!(malformed["errors"][0]["extensions"]["code"], "INVALID_ID");
}
on_every_backend!(testing_an_unknown_integration_is_not_found);

async fn delete_integration(app: &TestApp, id: &str) -> bool {
    let deleted = app
        .data(
            "mutation($id: ID!) { deleteIntegration(input: {integrationId: $id}) { deletedIntegrationId userErrors { code } } }",
            json!({ "id": id }),
        )
        .await;
    match &deleted["deleteIntegration"]["deletedIntegrationId"] {
        serde_json::Value::String(gone) => {
            assert_eq!(gone, id, "the id the cache evicts");
            true
        }
        _ => false,
    }
}

async fn a_deleted_integration_is_gone_and_deleting_it_again_answers_false(app: &TestApp) {
    let id = app.create_integration("owner").await;
    assert!(delete_integration(app, &id).await);
    let gone = app
        .data(
            "query($id: ID!) { integration(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert!(gone["integration"].is_null());
    assert!(!delete_integration(app, &id).await);
}
on_every_backend!(a_deleted_integration_is_gone_and_deleting_it_again_answers_false);

async fn groups_and_repositories_go_with_their_integration(app: &TestApp) {
    let id = app.create_integration("owner").await;
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    use sea_orm::{EntityTrait as _, PaginatorTrait};
    let counts = || async {
        (
            entity::group::Entity::find().count(&db).await.unwrap(),
            entity::repository::Entity::find().count(&db).await.unwrap(),
        )
    };
    let (groups, repositories) = counts().await;
    assert!(groups > 0 && repositories > 0, "nothing to delete");
    assert!(delete_integration(app, &id).await);
    assert_eq!(counts().await, (0, 0));
    let _ = db.close().await;
}
on_every_backend!(groups_and_repositories_go_with_their_integration);
