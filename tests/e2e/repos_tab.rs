//! The Repos tab: searching, filtering and sorting an integration's repositories, keyset
//! paging that survives rows added before a cursor, each repository's import state,
//! and the codes of bad page sizes and cursors.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::import_run::{RunKind, RunState};
use entity::{import_run, repository};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Database, DatabaseConnection, EntityTrait,
    QueryFilter, sea_query::Expr,
};
use serde_json::{Value, json};
use tributary_tests::{TestApp, on_every_backend};

const NODE: &str = "id owner name fullName private archived selected pushedAt";

async fn database(app: &TestApp) -> DatabaseConnection {
    Database::connect(&app.config.database_url()).await.unwrap()
}

/// Every repository of the integration that `arguments` lets through, walked `page` at a
/// time (checking that the total matches the walk); their nodes in the list's order.
async fn walk(app: &TestApp, integration: &str, arguments: &str, page: usize) -> Vec<Value> {
    let query = format!(
        "query($id: ID!, $after: String) {{ integration(id: $id) {{ repositories(first: {page}, after: $after {arguments}) {{ totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {NODE} }} }} }} }}"
    );
    let mut after = Value::Null;
    let mut nodes = Vec::new();
    loop {
        let data = app
            .data(&query, json!({ "id": integration, "after": after }))
            .await;
        let connection = &data["integration"]["repositories"];
        let batch = connection["nodes"].as_array().unwrap();
        assert!(batch.len() <= page);
        nodes.extend(batch.iter().cloned());
        if connection["pageInfo"]["hasNextPage"] == false {
            assert_eq!(connection["totalCount"], nodes.len(), "{arguments}");
            return nodes;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
}

fn names(nodes: &[Value]) -> Vec<String> {
    nodes
        .iter()
        .map(|n| n["fullName"].as_str().unwrap().to_string())
        .collect()
}

fn ids(nodes: &[Value]) -> Vec<&str> {
    nodes.iter().map(|n| n["id"].as_str().unwrap()).collect()
}

fn id_of(nodes: &[Value], full_name: &str) -> String {
    nodes.iter().find(|n| n["fullName"] == full_name).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The API's order by name: owner, then name, case-insensitively.
fn by_name(nodes: &[Value]) -> Vec<String> {
    let mut sorted: Vec<&Value> = nodes.iter().collect();
    sorted.sort_by_key(|n| {
        (
            n["owner"].as_str().unwrap().to_lowercase(),
            n["name"].as_str().unwrap().to_lowercase(),
        )
    });
    names(&sorted.into_iter().cloned().collect::<Vec<_>>())
}

fn time(value: &Value) -> Option<DateTime<Utc>> {
    value
        .as_str()
        .map(|t| DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc))
}

async fn repositories_are_searched_filtered_and_sorted(app: &TestApp) {
    let id = app.create_integration("owner").await;
    let all = walk(app, &id, "", 100).await;
    assert!(all.len() > 6, "enough repositories to page through");
    assert_eq!(names(&all), by_name(&all), "by owner and name by default");
    let dataset = app.sim_handle.dataset();
    let truth: HashMap<String, &github_sim::Repo> =
        dataset.repos.iter().map(|r| (r.full_name(), r)).collect();
    for node in &all {
        let repo = truth[node["fullName"].as_str().unwrap()];
        assert_eq!(time(&node["pushedAt"]), Some(repo.pushed_at), "{node}");
    }
    let expect = |keep: &dyn Fn(&Value) -> bool| -> Vec<String> {
        names(&all.iter().filter(|n| keep(n)).cloned().collect::<Vec<_>>())
    };

    // A name search, case-insensitive; with a `/`, on the full name.
    let name = all[1]["name"].as_str().unwrap();
    let part = name[..name.len().min(3)].to_uppercase();
    let found = walk(app, &id, &format!(", query: \"{part}\""), 3).await;
    let wanted = expect(&|n| {
        n["name"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains(&part.to_lowercase())
    });
    assert!(!wanted.is_empty());
    assert_eq!(names(&found), wanted);
    let full = format!("{}/{}", all[1]["owner"].as_str().unwrap(), &name[..2]);
    let found = walk(
        app,
        &id,
        &format!(", query: \"{}\"", full.to_uppercase()),
        3,
    )
    .await;
    assert_eq!(
        names(&found),
        expect(&|n| n["fullName"].as_str().unwrap().starts_with(&full))
    );
    // LIKE's wildcards are plain characters in a query.
    assert!(walk(app, &id, ", query: \"%\"", 3).await.is_empty());
    assert!(walk(app, &id, ", query: \"_\"", 3).await.is_empty());

    for (argument, field) in [("isPrivate", "private"), ("isArchived", "archived")] {
        for wanted in [true, false] {
            let found = walk(app, &id, &format!(", {argument}: {wanted}"), 4).await;
            assert_eq!(
                names(&found),
                expect(&|n| n[field] == wanted),
                "{argument}: {wanted}"
            );
        }
    }

    // Chosen for import: two repositories.
    let db = database(app).await;
    let chosen = [id_of(&all, &names(&all)[0]), id_of(&all, &names(&all)[4])];
    repository::Entity::update_many()
        .col_expr(repository::Column::Selected, Expr::value(true))
        .filter(repository::Column::Id.is_in(chosen.iter().map(|id| tributary_tests::row_id(id))))
        .exec(&db)
        .await
        .unwrap();
    let selected = walk(app, &id, ", selected: true", 1).await;
    assert_eq!(ids(&selected), chosen);
    let others = walk(app, &id, ", selected: false, isArchived: false", 5).await;
    assert_eq!(
        names(&others),
        expect(
            &|n| !chosen.contains(&n["id"].as_str().unwrap().to_string()) && n["archived"] == false
        )
    );

    let descending = walk(app, &id, ", orderBy: {field: NAME, direction: DESC}", 4).await;
    let mut reversed = names(&all);
    reversed.reverse();
    assert_eq!(names(&descending), reversed);

    // By last push, newest first; ties by name.
    let pushed = walk(
        app,
        &id,
        ", orderBy: {field: PUSHED_AT, direction: DESC}",
        4,
    )
    .await;
    let mut expected: Vec<&Value> = all.iter().collect();
    expected.sort_by_key(|n| {
        (
            std::cmp::Reverse(time(&n["pushedAt"])),
            n["owner"].as_str().unwrap().to_lowercase(),
            n["name"].as_str().unwrap().to_lowercase(),
        )
    });
    assert_eq!(
        names(&pushed),
        names(&expected.into_iter().cloned().collect::<Vec<_>>())
    );
    let oldest_first = walk(app, &id, ", orderBy: {field: PUSHED_AT, direction: ASC}", 5).await;
    let first = time(&oldest_first[0]["pushedAt"]).unwrap();
    assert!(all.iter().all(|n| time(&n["pushedAt"]).unwrap() >= first));
}
on_every_backend!(repositories_are_searched_filtered_and_sorted);

/// A repository inserted as a refresh would, before the cursor in the name order.
async fn insert_repository(db: &DatabaseConnection, like: &Value, name: &str) -> String {
    let row = repository::Entity::find_by_id(tributary_tests::row_id(like["id"].as_str().unwrap()))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let id = uuid::Uuid::new_v4().to_string();
    repository::ActiveModel {
        id: Set(id.clone()),
        github_node_id: Set(format!("R_inserted_{name}")),
        github_database_id: Set(None),
        name: Set(name.to_string()),
        url: Set(format!("https://github.com/{}/{name}", row.owner)),
        pushed_at: Set(None),
        selected: Set(false),
        ..repository::ActiveModel::from(row)
    }
    .insert(db)
    .await
    .unwrap();
    tributary_tests::global_id(tributary_tests::NodeKind::Repository, &id)
}

const PAGE: &str = "query($id: ID!, $first: Int, $last: Int, $after: String, $before: String) { integration(id: $id) { repositories(first: $first, last: $last, after: $after, before: $before) { totalCount pageInfo { hasPreviousPage hasNextPage startCursor endCursor } nodes { id fullName } } } }";

async fn a_cursor_stays_valid_when_repositories_are_added_before_it(app: &TestApp) {
    let id = app.create_integration("owner").await;
    let all = walk(app, &id, "", 100).await;
    let first = app.data(PAGE, json!({ "id": id, "first": 3 })).await;
    let first = &first["integration"]["repositories"];
    assert_eq!(names(first["nodes"].as_array().unwrap()), names(&all[..3]));
    assert_eq!(first["pageInfo"]["hasPreviousPage"], false);
    let cursor = first["pageInfo"]["endCursor"].clone();

    // Before the whole list: an offset would now repeat the third repository.
    let db = database(app).await;
    let inserted = insert_repository(&db, &all[0], "0-inserted").await;
    let second = app
        .data(PAGE, json!({ "id": id, "first": 3, "after": cursor }))
        .await;
    let second = &second["integration"]["repositories"];
    assert_eq!(
        names(second["nodes"].as_array().unwrap()),
        names(&all[3..6])
    );
    assert_eq!(second["totalCount"], all.len() + 1);
    assert_eq!(second["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(second["pageInfo"]["hasNextPage"], true);

    // Backward from the same cursor: the two before it, and the inserted one before those.
    let back = app
        .data(PAGE, json!({ "id": id, "last": 2, "before": cursor }))
        .await;
    let back = &back["integration"]["repositories"];
    assert_eq!(names(back["nodes"].as_array().unwrap()), names(&all[..2]));
    assert_eq!(back["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(back["pageInfo"]["hasNextPage"], true);
    let before_all = app
        .data(
            PAGE,
            json!({ "id": id, "last": 5, "before": back["pageInfo"]["startCursor"] }),
        )
        .await;
    let nodes = before_all["integration"]["repositories"]["nodes"]
        .as_array()
        .unwrap();
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0]["id"], inserted.as_str());
    assert_eq!(
        before_all["integration"]["repositories"]["pageInfo"]["hasPreviousPage"],
        false
    );

    // The same on a group's list.
    let groups = app
        .data(
            "query($id: ID!) { integration(id: $id) { groups { id login } } }",
            json!({ "id": id }),
        )
        .await;
    let owner = all[0]["owner"].as_str().unwrap();
    let group = groups["integration"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["login"] == owner)
        .unwrap()["id"]
        .clone();
    let of_group = "query($id: ID!, $after: String) { integration(id: $id) { groups { id repositories(first: 2, after: $after) { nodes { id } pageInfo { endCursor } } } } }";
    let page = app
        .data(of_group, json!({ "id": id, "after": cursor }))
        .await;
    let listed = page["integration"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == group)
        .unwrap()["repositories"]["nodes"]
        .clone();
    let same_owner: Vec<&Value> = all[3..].iter().filter(|n| n["owner"] == owner).collect();
    assert_eq!(listed[0]["id"], same_owner[0]["id"]);
}
on_every_backend!(a_cursor_stays_valid_when_repositories_are_added_before_it);

/// A run of `repository` in `state`, queued `queued` and (for ended ones) finished
/// `finished` minutes ago.
async fn insert_run(
    app: &TestApp,
    db: &DatabaseConnection,
    integration: &str,
    repository: &str,
    state: RunState,
    queued: i64,
    finished: Option<i64>,
) -> import_run::Model {
    let now = Utc::now();
    let mut run = queue::runs::new_run(
        &tributary_tests::row_id(integration),
        &tributary_tests::row_id(repository),
        RunKind::Full,
    );
    run.state = Set(state);
    run.queued_at = Set(now - Duration::minutes(queued));
    // As if its job were in the queue: else the sweeper would give it one, and the
    // worker would import the repository under the test's feet.
    run.queue_epoch = Set(Some(app.api.imports.queue().current_epoch().await.unwrap()));
    run.finished_at = Set(finished.map(|f| now - Duration::minutes(f)));
    let mut run = run.insert(db).await.unwrap();
    // As the API names it.
    run.id = tributary_tests::global_id(tributary_tests::NodeKind::ImportRun, &run.id);
    run
}

const STATE: &str = "query($id: ID!, $order: RepositoryOrder, $after: String) { integration(id: $id) { repositories(first: 2, after: $after, orderBy: $order) { pageInfo { hasNextPage endCursor } nodes { id fullName lastSyncedAt activeImportRun { id state } lastImportRun { id state } all: importRuns(first: 10) { totalCount nodes { id } } succeeded: importRuns(states: [SUCCEEDED]) { totalCount nodes { id } } } } } }";

async fn sorted_by_last_sync(app: &TestApp, id: &str, direction: &str) -> Vec<Value> {
    let mut after = Value::Null;
    let mut nodes = Vec::new();
    loop {
        let data = app
            .data(
                STATE,
                json!({ "id": id, "after": after, "order": { "field": "LAST_SYNCED_AT", "direction": direction } }),
            )
            .await;
        let connection = &data["integration"]["repositories"];
        nodes.extend(connection["nodes"].as_array().unwrap().iter().cloned());
        if connection["pageInfo"]["hasNextPage"] == false {
            return nodes;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
}

async fn each_repository_shows_its_runs_and_sorts_by_last_sync(app: &TestApp) {
    let id = app.create_integration("owner").await;
    let all = walk(app, &id, "", 100).await;
    let db = database(app).await;
    let repo = |i: usize| all[i]["id"].as_str().unwrap().to_string();
    let (a, b, c) = (repo(5), repo(2), repo(0));
    // a synced longest ago, then failed; b synced, and a run is queued; c synced last.
    let a_synced = insert_run(app, &db, &id, &a, RunState::Succeeded, 60, Some(50)).await;
    let a_failed = insert_run(app, &db, &id, &a, RunState::Failed, 10, Some(1)).await;
    let b_synced = insert_run(app, &db, &id, &b, RunState::Succeeded, 40, Some(30)).await;
    let b_queued = insert_run(app, &db, &id, &b, RunState::Queued, 2, None).await;
    let c_synced = insert_run(app, &db, &id, &c, RunState::Succeeded, 25, Some(20)).await;

    let newest_first = sorted_by_last_sync(app, &id, "DESC").await;
    assert_eq!(
        ids(&newest_first)[..3],
        [c.as_str(), b.as_str(), a.as_str()]
    );
    let never: Vec<Value> = all
        .iter()
        .filter(|n| ![&a, &b, &c].contains(&&n["id"].as_str().unwrap().to_string()))
        .cloned()
        .collect();
    assert_eq!(
        names(&newest_first[3..]),
        by_name(&never),
        "never synced last"
    );
    let oldest_first = sorted_by_last_sync(app, &id, "ASC").await;
    assert_eq!(
        ids(&oldest_first)[..3],
        [a.as_str(), b.as_str(), c.as_str()]
    );
    assert_eq!(
        names(&oldest_first[3..]),
        by_name(&never),
        "never synced last"
    );

    let node = |id: &str| newest_first.iter().find(|n| n["id"] == id).unwrap().clone();
    let (na, nb, nc) = (node(&a), node(&b), node(&c));
    assert_eq!(time(&na["lastSyncedAt"]), a_synced.finished_at);
    assert_eq!(na["activeImportRun"], Value::Null);
    assert_eq!(
        na["lastImportRun"],
        json!({ "id": a_failed.id, "state": "FAILED" })
    );
    assert_eq!(
        na["all"],
        json!({ "totalCount": 2, "nodes": [{ "id": a_failed.id }, { "id": a_synced.id }] })
    );
    assert_eq!(
        na["succeeded"],
        json!({ "totalCount": 1, "nodes": [{ "id": a_synced.id }] })
    );
    assert_eq!(time(&nb["lastSyncedAt"]), b_synced.finished_at);
    assert_eq!(
        nb["activeImportRun"],
        json!({ "id": b_queued.id, "state": "QUEUED" })
    );
    assert_eq!(nb["lastImportRun"], nb["activeImportRun"]);
    assert_eq!(time(&nc["lastSyncedAt"]), c_synced.finished_at);
    let untouched = node(never[0]["id"].as_str().unwrap());
    assert_eq!(untouched["lastSyncedAt"], Value::Null);
    assert_eq!(untouched["lastImportRun"], Value::Null);
    assert_eq!(untouched["all"]["totalCount"], 0);

    // The integration's runs, narrowed by repository and state, page by keyset too.
    let runs = "query($id: ID!, $r: [ID!], $s: [ImportState!], $after: String) { importRuns(integrationId: $id, repositoryIds: $r, states: $s, first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } }";
    let of_a = app.data(runs, json!({ "id": id, "r": [a] })).await;
    assert_eq!(
        of_a["importRuns"]["nodes"],
        json!([{ "id": a_failed.id }, { "id": a_synced.id }])
    );
    let succeeded = app
        .data(runs, json!({ "id": id, "s": ["SUCCEEDED"] }))
        .await;
    assert_eq!(succeeded["importRuns"]["totalCount"], 3);
    assert_eq!(
        succeeded["importRuns"]["nodes"],
        json!([{ "id": c_synced.id }, { "id": b_synced.id }])
    );
    // A run queued meanwhile, newer than every other, does not shift the next page.
    insert_run(app, &db, &id, &c, RunState::Succeeded, 0, Some(0)).await;
    let next = app
        .data(
            runs,
            json!({ "id": id, "s": ["SUCCEEDED"], "after": succeeded["importRuns"]["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(next["importRuns"]["nodes"], json!([{ "id": a_synced.id }]));
    assert_eq!(next["importRuns"]["totalCount"], 4);
    assert_eq!(next["importRuns"]["pageInfo"]["hasNextPage"], false);
    let none = app.data(runs, json!({ "id": id, "s": [] })).await;
    assert_eq!(none["importRuns"]["totalCount"], 0);
}
on_every_backend!(each_repository_shows_its_runs_and_sorts_by_last_sync);

async fn a_repository_shows_its_organizations_webhook(app: &TestApp) {
    let id = app.create_integration("owner").await;
    // The webhook rules look at every organization on a refresh.
    app.data(
        "mutation($id: ID!) { refreshGroups(input: {integrationId: $id}) { integration { id } } }",
        json!({ "id": id }),
    )
    .await;
    let data = app
        .data(
            "query($id: ID!) { integration(id: $id) { webhooks { organization state } groups { login kind repositories(first: 100) { nodes { webhook { organization state } } } } } }",
            json!({ "id": id }),
        )
        .await;
    let hooks: HashMap<String, Value> = data["integration"]["webhooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["organization"].as_str().unwrap().to_string(), h.clone()))
        .collect();
    assert!(!hooks.is_empty(), "{data}");
    let mut seen = 0;
    for group in data["integration"]["groups"].as_array().unwrap() {
        let login = group["login"].as_str().unwrap();
        for node in group["repositories"]["nodes"].as_array().unwrap() {
            seen += 1;
            match group["kind"].as_str().unwrap() {
                "USER" => assert_eq!(node["webhook"], Value::Null),
                _ => assert_eq!(
                    node["webhook"],
                    hooks.get(login).cloned().unwrap_or(Value::Null),
                    "{login}"
                ),
            }
        }
    }
    assert!(seen > 0);
}
on_every_backend!(a_repository_shows_its_organizations_webhook);

fn code(answer: &Value) -> &str {
    answer["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {answer}"))
}

async fn bad_page_sizes_and_cursors_answer_with_their_codes(app: &TestApp) {
    let id = app.create_integration("owner").await;
    for (first, last) in [
        (json!(-1), json!(null)),
        (json!(101), json!(null)),
        (json!(null), json!(-1)),
        (json!(null), json!(101)),
        (json!(2), json!(2)),
    ] {
        let answer = app
            .graphql(PAGE, json!({ "id": id, "first": first, "last": last }))
            .await;
        assert_eq!(
            code(&answer),
            "INVALID_PAGE_SIZE",
            "{first} {last}: {answer}"
        );
    }
    let page = app.data(PAGE, json!({ "id": id, "first": 1 })).await;
    let cursor = page["integration"]["repositories"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap()
        .to_string();
    // Garbage, yesterday's offsets, and a cursor of another ordering.
    for after in ["garbage", "5", "", "eyJ4Ijox"] {
        let answer = app
            .graphql(PAGE, json!({ "id": id, "first": 1, "after": after }))
            .await;
        assert_eq!(code(&answer), "INVALID_CURSOR", "{after}: {answer}");
    }
    let other_order = app
        .graphql(
            "query($id: ID!, $after: String) { integration(id: $id) { repositories(first: 1, after: $after, orderBy: {field: PUSHED_AT, direction: DESC}) { totalCount } } }",
            json!({ "id": id, "after": cursor }),
        )
        .await;
    assert_eq!(code(&other_order), "INVALID_CURSOR", "{other_order}");
    let runs = "query($id: ID!, $first: Int, $after: String) { importRuns(integrationId: $id, first: $first, after: $after) { totalCount } }";
    let answer = app.graphql(runs, json!({ "id": id, "first": -1 })).await;
    assert_eq!(code(&answer), "INVALID_PAGE_SIZE");
    let answer = app
        .graphql(runs, json!({ "id": id, "first": 1, "after": cursor }))
        .await;
    assert_eq!(
        code(&answer),
        "INVALID_CURSOR",
        "a repository cursor on runs"
    );
    let long = "x".repeat(257);
    let answer = app
        .graphql(
            "query($id: ID!, $q: String) { integration(id: $id) { repositories(query: $q) { totalCount } } }",
            json!({ "id": id, "q": long }),
        )
        .await;
    assert_eq!(code(&answer), "BAD_USER_INPUT");
}
on_every_backend!(bad_page_sizes_and_cursors_answer_with_their_codes);
