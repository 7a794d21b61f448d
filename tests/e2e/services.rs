//! Services switch at any time, within what the token allows; rename and delete.

use serde_json::json;
use tributary_tests::{TestApp, on_every_backend};

const SET: &str = "mutation($id: ID!, $s: ServicesInput!) { setServices(integrationId: $id, services: $s) { services { repos pullRequests tickets webhooks } } }";

async fn services_switch_within_what_the_token_allows(app: &TestApp) {
    let id = app.create_integration("owner").await;
    let off = app
        .data(
            SET,
            json!({ "id": id, "s": { "tickets": false, "webhooks": false } }),
        )
        .await;
    assert_eq!(
        off["setServices"]["services"],
        json!({ "repos": true, "pullRequests": true, "tickets": false, "webhooks": false })
    );
    let on = app
        .data(SET, json!({ "id": id, "s": { "webhooks": true } }))
        .await;
    assert_eq!(
        on["setServices"]["services"],
        json!({ "repos": true, "pullRequests": true, "tickets": false, "webhooks": true })
    );

    let limited = app.create_integration("missing-scopes").await;
    let refused = app
        .graphql(SET, json!({ "id": limited, "s": { "webhooks": true } }))
        .await;
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("webhooks cannot be switched on") && message.contains("admin:org_hook"),
        "{message}"
    );
    assert_eq!(refused["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    let created = app
        .data(
            "mutation($t: String!) { createIntegration(input: {name: \"only repos\", token: $t, services: {pullRequests: false, tickets: false, webhooks: false}}) { services { repos pullRequests tickets webhooks } } }",
            json!({ "t": app.token("owner") }),
        )
        .await;
    assert_eq!(
        created["createIntegration"]["services"],
        json!({ "repos": true, "pullRequests": false, "tickets": false, "webhooks": false })
    );
}
on_every_backend!(services_switch_within_what_the_token_allows);

async fn rename_update_token_and_delete(app: &TestApp) {
    let id = app.create_integration("owner").await;
    let renamed = app.data("mutation($id: ID!) { renameIntegration(integrationId: $id, name: \" Production GitHub \") { name } }", json!({ "id": id })).await;
    assert_eq!(renamed["renameIntegration"]["name"], "Production GitHub");

    let other_account = app
        .graphql(
            "mutation($id: ID!, $t: String!) { updateToken(integrationId: $id, token: $t) { ok } }",
            json!({ "id": id, "t": app.token("member") }),
        )
        .await;
    assert!(
        other_account["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("belongs to member-svc")
    );

    let same = app.data("mutation($id: ID!, $t: String!) { updateToken(integrationId: $id, token: $t) { ok message } }", json!({ "id": id, "t": app.token("owner") })).await;
    assert_eq!(
        same["updateToken"]["message"],
        "Successfully connected via tributary-svc"
    );

    let missing = app
        .graphql(
            "mutation { testConnection(integrationId: \"nope\") { ok } }",
            json!({}),
        )
        .await;
    assert_eq!(missing["errors"][0]["extensions"]["code"], "NOT_FOUND");

    let deleted = app
        .data(
            "mutation($id: ID!) { deleteIntegration(integrationId: $id) }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(deleted["deleteIntegration"], true);
    let gone = app
        .data(
            "query($id: ID!) { integration(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert!(gone["integration"].is_null());
    let again = app
        .data(
            "mutation($id: ID!) { deleteIntegration(integrationId: $id) }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(again["deleteIntegration"], false);

    // Groups and repositories went with it.
    let db = sea_orm::Database::connect(&app.database_url).await.unwrap();
    use sea_orm::{EntityTrait as _, PaginatorTrait};
    assert_eq!(entity::group::Entity::find().count(&db).await.unwrap(), 0);
    assert_eq!(
        entity::repository::Entity::find().count(&db).await.unwrap(),
        0
    );
    let _ = db.close().await;
}
on_every_backend!(rename_update_token_and_delete);
