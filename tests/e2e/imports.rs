//! Imports end to end: the API queues runs, a worker (in process, on Redis with this
//! test's own key prefix) fetches from github-sim over HTTP and stores rows that must
//! equal the simulator's dataset exactly.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use entity::{
    comment, commit, pull_request, pull_request_commit, reaction, review, ticket, ticket_event,
};
use futures_util::{SinkExt, StreamExt};
use reqwest::Method;
use sea_orm::{ColumnTrait, Database, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};
use tributary_tests::{Backend, TestApp, TestAppBuilder, on_every_backend};

const RUN_FIELDS: &str = "id state error attempt repositoryId githubRequests rateLimitPoints startedAt finishedAt resources { resource fetched total } skipped { resource reason }";

fn with_redis(builder: TestAppBuilder) -> TestAppBuilder {
    builder.redis()
}

fn with_separate_worker(builder: TestAppBuilder) -> TestAppBuilder {
    builder.separate_worker()
}

/// The first two repositories of the simulator's demo organization (the first holds
/// the pull request and issue whose nested connections run past one page).
async fn demo_repositories(app: &TestApp) -> Vec<String> {
    let mut names = content_repositories(app).await;
    names.truncate(2);
    names
}

/// Every repository of the simulator's dataset that holds content.
async fn content_repositories(app: &TestApp) -> Vec<String> {
    let dataset = app.sim_control(Method::GET, "/_sim/dataset", None).await;
    dataset["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["repository"].as_str().unwrap().to_string())
        .collect()
}

/// Tributary's ids of the integration's repositories, by `owner/name`.
async fn repository_ids(app: &TestApp, integration: &str) -> HashMap<String, String> {
    let data = app
        .data(
            "query($id: ID!) { integration(id: $id) { repositories(first: 100) { edges { node { id fullName } } } } }",
            json!({ "id": integration }),
        )
        .await;
    data["integration"]["repositories"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["fullName"].as_str().unwrap().to_string(),
                e["node"]["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn import(app: &TestApp, integration: &str, repository_ids: &[&str]) -> Vec<String> {
    let data = app
        .data(
            &format!("mutation($i: ID!, $r: [ID!]!) {{ importRepositories(input: {{integrationId: $i, repositoryIds: $r}}) {{ importRuns {{ {RUN_FIELDS} }} userErrors {{ code }} }} }}"),
            json!({ "i": integration, "r": repository_ids }),
        )
        .await;
    if data["importRepositories"]["userErrors"] != json!([]) {
        // Why the queue refused is in the log only (never in the answer).
        let log = tributary_tests::logs::captured();
        let why: Vec<&str> = log
            .lines()
            .filter(|line| line.contains("the import queue refused runs"))
            .collect();
        panic!(
            "{data:#}
logged: {why:#?}"
        );
    }
    let runs = data["importRepositories"]["importRuns"].as_array().unwrap();
    assert_eq!(runs.len(), repository_ids.len(), "one run per repository");
    runs.iter()
        .map(|r| {
            assert_eq!(r["state"], "QUEUED");
            r["id"].as_str().unwrap().to_string()
        })
        .collect()
}

async fn sync(app: &TestApp, integration: &str) -> Vec<String> {
    let data = app
        .data(
            &format!(
                "mutation($i: ID!) {{ syncIntegration(input: {{integrationId: $i}}) {{ importRuns {{ {RUN_FIELDS} }} }} }}"
            ),
            json!({ "i": integration }),
        )
        .await;
    data["syncIntegration"]["importRuns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

async fn run(app: &TestApp, id: &str) -> Value {
    app.data(
        &format!("query($id: ID!) {{ importRun(id: $id) {{ {RUN_FIELDS} }} }}"),
        json!({ "id": id }),
    )
    .await["importRun"]
        .clone()
}

/// Waits for a run to end and returns it.
async fn finished(app: &TestApp, id: &str) -> Value {
    for _ in 0..1200 {
        let run = run(app, id).await;
        if ["SUCCEEDED", "FAILED", "CANCELLED"].contains(&run["state"].as_str().unwrap()) {
            return run;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "import run {id} did not end within 120 s: {:#}",
        run(app, id).await
    );
}

async fn succeeded(app: &TestApp, id: &str) -> Value {
    let run = finished(app, id).await;
    assert_eq!(run["state"], "SUCCEEDED", "{run:#}");
    run
}

/// The first demo repository, imported by `run`, equals the dataset row for row, and
/// the run counted each commit once (`why` says what that shows).
async fn assert_first_repository_exact(
    app: &TestApp,
    ids: &HashMap<String, String>,
    names: &[String],
    run: &Value,
    why: &str,
) {
    assert_repositories_exact(app, ids, &names[..1]).await;
    let (expected, _) = expected(app, &names[0]).await;
    assert_eq!(
        fetched(run, "COMMITS").0,
        expected.commits.len() as i64,
        "{why}"
    );
}

fn fetched(run: &Value, resource: &str) -> (i64, Option<i64>) {
    let entry = run["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"] == resource)
        .unwrap_or_else(|| panic!("no {resource} in {run:#}"));
    (entry["fetched"].as_i64().unwrap(), entry["total"].as_i64())
}

async fn database(app: &TestApp) -> DatabaseConnection {
    Database::connect(&app.config.database_url()).await.unwrap()
}

/// What one repository holds, as a set of keys per table.
#[derive(Debug, PartialEq, Eq, Default)]
struct Keys {
    commits: BTreeSet<String>,
    pull_requests: BTreeSet<String>,
    pull_request_commits: BTreeSet<(String, String)>,
    reviews: BTreeSet<String>,
    comments: BTreeSet<String>,
    reactions: BTreeSet<String>,
    tickets: BTreeSet<String>,
    ticket_events: BTreeSet<String>,
}

fn strings(values: &Value, field: &str) -> BTreeSet<String> {
    values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v[field].as_str().unwrap().to_string())
        .collect()
}

/// The pull request's reviews that the `owner` token, which imports in these tests, sees.
fn seen_reviews(pr: &Value) -> impl Iterator<Item = &Value> {
    tributary_tests::reviews_seen_by(pr, tributary_tests::OWNER_LOGIN)
}

/// What the simulator holds for `full_name`, and its content JSON.
async fn expected(app: &TestApp, full_name: &str) -> (Keys, Value) {
    let dataset = app
        .sim_control(
            Method::GET,
            &format!("/_sim/dataset?repo={full_name}"),
            None,
        )
        .await;
    let content = dataset["content"][0].clone();
    assert_eq!(content["repository"], full_name);
    let mut keys = Keys {
        commits: strings(&content["commits"], "oid"),
        pull_requests: strings(&content["pull_requests"], "node_id"),
        tickets: strings(&content["issues"], "node_id"),
        ..Keys::default()
    };
    for pr in content["pull_requests"].as_array().unwrap() {
        let id = pr["node_id"].as_str().unwrap();
        for c in pr["commits"].as_array().unwrap() {
            keys.pull_request_commits
                .insert((id.to_string(), c["oid"].as_str().unwrap().to_string()));
        }
        keys.reviews
            .extend(seen_reviews(pr).map(|r| r["node_id"].as_str().unwrap().to_string()));
        keys.comments.extend(strings(&pr["comments"], "node_id"));
        for thread in pr["review_threads"].as_array().unwrap() {
            keys.comments
                .extend(strings(&thread["comments"], "node_id"));
        }
        keys.reactions.extend(strings(&pr["reactions"], "node_id"));
    }
    for issue in content["issues"].as_array().unwrap() {
        keys.comments.extend(strings(&issue["comments"], "node_id"));
        // GitHub's timeline lists each comment as an event too.
        keys.ticket_events
            .extend(strings(&issue["events"], "node_id"));
        keys.ticket_events
            .extend(strings(&issue["comments"], "node_id"));
    }
    (keys, content)
}

/// The rows of one entity whose `column` names the repository.
async fn rows<E: EntityTrait>(
    db: &DatabaseConnection,
    column: E::Column,
    repository_id: &str,
) -> Vec<E::Model>
where
    E::Column: ColumnTrait,
{
    E::find()
        .filter(column.eq(tributary_tests::row_id(repository_id)))
        .all(db)
        .await
        .unwrap()
}

async fn stored(db: &DatabaseConnection, repository_id: &str) -> Keys {
    let id = repository_id;
    Keys {
        commits: rows::<commit::Entity>(db, commit::Column::RepositoryId, id)
            .await
            .into_iter()
            .map(|r| r.oid)
            .collect(),
        pull_requests: rows::<pull_request::Entity>(db, pull_request::Column::RepositoryId, id)
            .await
            .into_iter()
            .map(|r| r.node_id)
            .collect(),
        pull_request_commits: rows::<pull_request_commit::Entity>(
            db,
            pull_request_commit::Column::RepositoryId,
            id,
        )
        .await
        .into_iter()
        .map(|r| (r.pull_request_node_id, r.oid))
        .collect(),
        reviews: rows::<review::Entity>(db, review::Column::RepositoryId, id)
            .await
            .into_iter()
            .map(|r| r.node_id)
            .collect(),
        comments: rows::<comment::Entity>(db, comment::Column::RepositoryId, id)
            .await
            .into_iter()
            .map(|r| r.node_id)
            .collect(),
        reactions: rows::<reaction::Entity>(db, reaction::Column::RepositoryId, id)
            .await
            .into_iter()
            .map(|r| r.node_id)
            .collect(),
        tickets: rows::<ticket::Entity>(db, ticket::Column::RepositoryId, id)
            .await
            .into_iter()
            .map(|r| r.node_id)
            .collect(),
        ticket_events: rows::<ticket_event::Entity>(db, ticket_event::Column::RepositoryId, id)
            .await
            .into_iter()
            .map(|r| r.node_id)
            .collect(),
    }
}

fn time(value: &Value) -> Option<DateTime<Utc>> {
    value
        .as_str()
        .map(|t| DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc))
}

fn names(value: &Value) -> Value {
    value.clone()
}

/// Field by field: a commit, the pull request with the most reviews (and its review,
/// review-thread comment and reaction), the ticket with the most events.
async fn assert_sample_matches(db: &DatabaseConnection, repository_id: &str, content: &Value) {
    let c = &content["commits"][0];
    let row = commit::Entity::find_by_id((
        tributary_tests::row_id(repository_id),
        c["oid"].as_str().unwrap().to_string(),
    ))
    .one(db)
    .await
    .unwrap()
    .expect("the first commit is stored");
    assert_eq!(row.node_id, c["node_id"].as_str().unwrap());
    assert_eq!(
        row.message_headline,
        c["message_headline"].as_str().unwrap()
    );
    assert_eq!(Some(row.authored_at), time(&c["authored_at"]));
    assert_eq!(Some(row.committed_at), time(&c["committed_at"]));
    assert_eq!(row.author_name.as_deref(), c["author"]["name"].as_str());
    assert_eq!(row.author_email.as_deref(), c["author"]["email"].as_str());
    assert_eq!(row.author_login.as_deref(), c["author"]["login"].as_str());
    assert_eq!(
        row.committer_login.as_deref(),
        c["committer"]["login"].as_str()
    );
    assert_eq!(row.additions, c["additions"].as_i64().unwrap());
    assert_eq!(row.deletions, c["deletions"].as_i64().unwrap());
    assert_eq!(row.changed_files, c["changed_files"].as_i64());
    assert_eq!(
        i64::from(row.parent_count),
        c["parent_count"].as_i64().unwrap()
    );

    let pr = content["pull_requests"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|p| seen_reviews(p).count())
        .unwrap();
    let id = |v: &Value| v["node_id"].as_str().unwrap().to_string();
    let row = pull_request::Entity::find()
        .filter(pull_request::Column::NodeId.eq(id(pr)))
        .one(db)
        .await
        .unwrap()
        .expect("the pull request is stored");
    assert_eq!(row.number, pr["number"].as_i64().unwrap());
    assert_eq!(row.title, pr["title"].as_str().unwrap());
    assert_eq!(row.body, pr["body"].as_str().unwrap());
    assert_eq!(row.state, pr["state"].as_str().unwrap());
    assert_eq!(row.is_draft, pr["is_draft"].as_bool().unwrap());
    assert_eq!(Some(row.created_at), time(&pr["created_at"]));
    assert_eq!(Some(row.updated_at), time(&pr["updated_at"]));
    assert_eq!(row.merged_at, time(&pr["merged_at"]));
    assert_eq!(row.closed_at, time(&pr["closed_at"]));
    assert_eq!(row.author_login.as_deref(), pr["author"]["login"].as_str());
    assert_eq!(row.base_ref, pr["base_ref"].as_str().unwrap());
    assert_eq!(row.head_ref, pr["head_ref"].as_str().unwrap());
    assert_eq!(row.additions, pr["additions"].as_i64().unwrap());
    assert_eq!(row.deletions, pr["deletions"].as_i64().unwrap());
    assert_eq!(row.changed_files, pr["changed_files"].as_i64().unwrap());
    assert_eq!(
        row.merge_commit_oid.as_deref(),
        pr["merge_commit_oid"].as_str()
    );
    assert_eq!(row.labels, names(&pr["labels"]));
    assert_eq!(row.assignees, names(&pr["assignees"]));
    assert_eq!(row.requested_reviewers, names(&pr["requested_reviewers"]));

    let r = seen_reviews(pr).next().unwrap();
    let row = review::Entity::find()
        .filter(review::Column::NodeId.eq(id(r)))
        .one(db)
        .await
        .unwrap()
        .expect("the review is stored");
    assert_eq!(row.pull_request_node_id, id(pr));
    assert_eq!(row.state, r["state"].as_str().unwrap());
    assert_eq!(row.author_login.as_deref(), r["author"]["login"].as_str());
    assert_eq!(row.submitted_at, time(&r["submitted_at"]));
    assert_eq!(row.body, r["body"].as_str().unwrap());

    if let Some(thread_comment) = content["pull_requests"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["review_threads"].as_array().unwrap())
        .flat_map(|t| t["comments"].as_array().unwrap())
        .next()
    {
        let row = comment::Entity::find()
            .filter(comment::Column::NodeId.eq(id(thread_comment)))
            .one(db)
            .await
            .unwrap()
            .expect("the review-thread comment is stored");
        assert_eq!(row.kind, "REVIEW_THREAD");
        assert_eq!(row.body, thread_comment["body"].as_str().unwrap());
        assert_eq!(Some(row.created_at), time(&thread_comment["created_at"]));
    }
    if let Some(r) = content["pull_requests"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["reactions"].as_array().unwrap())
        .next()
    {
        let row = reaction::Entity::find()
            .filter(reaction::Column::NodeId.eq(id(r)))
            .one(db)
            .await
            .unwrap()
            .expect("the reaction is stored");
        assert_eq!(row.content, r["content"].as_str().unwrap());
        assert_eq!(row.user_login.as_deref(), r["user"].as_str());
        assert!(row.excluded_from_metrics, "no metric may count a reaction");
    }

    let issue = content["issues"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|i| i["events"].as_array().unwrap().len())
        .unwrap();
    let row = ticket::Entity::find()
        .filter(ticket::Column::NodeId.eq(id(issue)))
        .one(db)
        .await
        .unwrap()
        .expect("the ticket is stored");
    assert_eq!(row.number, issue["number"].as_i64().unwrap());
    assert_eq!(row.title, issue["title"].as_str().unwrap());
    assert_eq!(row.state, issue["state"].as_str().unwrap());
    assert_eq!(row.state_reason.as_deref(), issue["state_reason"].as_str());
    assert_eq!(
        row.author_login.as_deref(),
        issue["author"]["login"].as_str()
    );
    assert_eq!(row.labels, names(&issue["labels"]));
    assert_eq!(row.assignees, names(&issue["assignees"]));
    assert_eq!(Some(row.created_at), time(&issue["created_at"]));
    assert_eq!(row.closed_at, time(&issue["closed_at"]));
    for e in issue["events"].as_array().unwrap() {
        let row = ticket_event::Entity::find()
            .filter(ticket_event::Column::NodeId.eq(id(e)))
            .one(db)
            .await
            .unwrap()
            .expect("the event is stored");
        assert_eq!(row.ticket_node_id, id(issue));
        assert_eq!(row.kind, e["kind"].as_str().unwrap());
        assert_eq!(row.subject.as_deref(), e["subject"].as_str());
        assert_eq!(row.actor_login.as_deref(), e["actor"]["login"].as_str());
        assert_eq!(Some(row.created_at), time(&e["created_at"]));
    }
}

/// Imports the demo repositories and checks every table against the dataset.
async fn import_demo_and_check(app: &TestApp) -> (String, HashMap<String, String>, Vec<String>) {
    let integration = app.create_integration("owner").await;
    let ids = repository_ids(app, &integration).await;
    let names = demo_repositories(app).await;
    let wanted: Vec<&str> = names.iter().map(|n| ids[n].as_str()).collect();
    let runs = import(app, &integration, &wanted).await;
    for run_id in &runs {
        succeeded(app, run_id).await;
    }
    assert_repositories_exact(app, &ids, &names).await;
    (integration, ids, names)
}

async fn assert_repositories_exact(app: &TestApp, ids: &HashMap<String, String>, names: &[String]) {
    let db = database(app).await;
    for name in names {
        let (expected, content) = expected(app, name).await;
        assert!(!expected.commits.is_empty() && !expected.pull_requests.is_empty());
        assert_eq!(stored(&db, &ids[name]).await, expected, "{name}");
        assert_sample_matches(&db, &ids[name], &content).await;
    }
}

/// The demo imported and checked against the dataset; its integration, repository ids
/// and names, and the nodes of its import runs.
async fn imported_demo_runs(
    app: &TestApp,
) -> (String, HashMap<String, String>, Vec<String>, Vec<Value>) {
    let (integration, ids, names) = import_demo_and_check(app).await;
    let runs = app
        .data(
            &format!("query($i: ID!) {{ importRuns(integrationId: $i, first: 10) {{ totalCount edges {{ node {{ {RUN_FIELDS} }} }} }} }}"),
            json!({ "i": integration }),
        )
        .await;
    assert_eq!(runs["importRuns"]["totalCount"], 2);
    let nodes = runs["importRuns"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    (integration, ids, names, nodes)
}

async fn a_full_import_run_counts_every_resource_it_fetched(app: &mut TestApp) {
    let (_, ids, names, runs) = imported_demo_runs(app).await;
    let (expected, _) = expected(app, &names[0]).await;
    let first = runs
        .iter()
        .find(|r| r["repositoryId"] == ids[&names[0]].as_str())
        .unwrap();
    let n = |set: usize| set as i64;
    assert_eq!(
        fetched(first, "COMMITS"),
        (n(expected.commits.len()), Some(n(expected.commits.len())))
    );
    assert_eq!(
        fetched(first, "PULL_REQUESTS"),
        (
            n(expected.pull_requests.len()),
            Some(n(expected.pull_requests.len()))
        )
    );
    assert_eq!(
        fetched(first, "TICKETS"),
        (n(expected.tickets.len()), Some(n(expected.tickets.len())))
    );
    assert_eq!(fetched(first, "REVIEWS").0, n(expected.reviews.len()));
    assert_eq!(fetched(first, "REACTIONS").0, n(expected.reactions.len()));
    assert_eq!(fetched(first, "COMMENTS").0, n(expected.comments.len()));
    assert!(first["githubRequests"].as_i64().unwrap() >= 3);
    assert!(first["startedAt"].is_string() && first["finishedAt"].is_string());
}
on_every_backend!(
    a_full_import_run_counts_every_resource_it_fetched,
    with_redis
);

async fn imported_repositories_become_selected_so_a_sync_covers_them(app: &mut TestApp) {
    let (integration, _, names) = import_demo_and_check(app).await;
    let selected = app
        .data(
            "query($id: ID!) { integration(id: $id) { repositories(first: 100) { edges { node { fullName selected } } } } }",
            json!({ "id": integration }),
        )
        .await;
    for edge in selected["integration"]["repositories"]["edges"]
        .as_array()
        .unwrap()
    {
        let name = edge["node"]["fullName"].as_str().unwrap().to_string();
        assert_eq!(
            edge["node"]["selected"].as_bool().unwrap(),
            names.contains(&name),
            "{name}"
        );
    }
}
on_every_backend!(
    imported_repositories_become_selected_so_a_sync_covers_them,
    with_redis
);

async fn metrics_show_the_runs_by_state_the_queue_the_requests_and_the_points_left(
    app: &mut TestApp,
) {
    let (integration, _, _, runs) = imported_demo_runs(app).await;
    // Prometheus labels name the row, as the server's logs do.
    let integration = tributary_tests::row_id(&integration);
    let metrics = app.scrape_metrics().await;
    assert!(
        metrics.contains("tributary_import_runs{state=\"SUCCEEDED\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("tributary_import_queue_depth 0"),
        "{metrics}"
    );
    let requests: i64 = runs
        .iter()
        .map(|r| r["githubRequests"].as_i64().unwrap())
        .sum();
    assert!(
        metrics.contains(&format!(
            "tributary_github_requests{{integration=\"{integration}\"}} {requests}"
        )),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!(
            "tributary_github_rate_limit_remaining{{integration=\"{integration}\"}}"
        )),
        "{metrics}"
    );
}
on_every_backend!(
    metrics_show_the_runs_by_state_the_queue_the_requests_and_the_points_left,
    with_redis
);

/// Every row is upserted by its GitHub key.
async fn a_second_full_import_changes_nothing(app: &mut TestApp) {
    let (integration, ids, names) = import_demo_and_check(app).await;
    let again = import(app, &integration, &[ids[&names[0]].as_str()]).await;
    succeeded(app, &again[0]).await;
    assert_repositories_exact(app, &ids, &names).await;
}
on_every_backend!(a_second_full_import_changes_nothing, with_redis);

/// The embedded default: no Redis, the queue in the SQLite database, the worker inside `serve`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_import_on_the_embedded_sqlite_queue() {
    let Some(app) = TestApp::builder(tributary_tests::Backend::Sqlite)
        .start()
        .await
    else {
        return;
    };
    assert!(!app.api.imports.queue().is_shared());
    import_demo_and_check(&app).await;
    app.finish().await;
}

async fn services_switched_off_store_nothing_of_their_kind(app: &mut TestApp) {
    let integration = app.create_integration("owner").await;
    app.data(
        "mutation($i: ID!) { setServices(input: {integrationId: $i, services: {pullRequests: false, tickets: false}}) { integration { id } } }",
        json!({ "i": integration }),
    )
    .await;
    let ids = repository_ids(app, &integration).await;
    let names = demo_repositories(app).await;
    let runs = import(app, &integration, &[ids[&names[0]].as_str()]).await;
    let run = succeeded(app, &runs[0]).await;
    let skipped: Vec<(String, String)> = run["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["resource"].as_str().unwrap().to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(skipped.len(), 2, "{run:#}");
    assert_eq!(skipped[0].0, "PULL_REQUESTS");
    assert!(
        skipped[0]
            .1
            .contains("Pull requests service is switched off"),
        "{skipped:?}"
    );
    assert_eq!(skipped[1].0, "TICKETS");
    assert!(
        skipped[1].1.contains("Tickets service is switched off"),
        "{skipped:?}"
    );

    let db = database(app).await;
    let (expected, _) = expected(app, &names[0]).await;
    let keys = stored(&db, &ids[&names[0]]).await;
    assert_eq!(keys.commits, expected.commits);
    assert_eq!(
        keys,
        Keys {
            commits: expected.commits,
            ..Keys::default()
        }
    );
}
on_every_backend!(
    services_switched_off_store_nothing_of_their_kind,
    with_redis
);

fn operation_requests(stats: &Value, operation: &str) -> i64 {
    stats["graphql"]["operations"][operation]["requests"]
        .as_i64()
        .unwrap_or(0)
}

/// The demo imported, then one repository changed in the simulator and both synced.
struct Synced {
    ids: HashMap<String, String>,
    names: Vec<String>,
    /// The changed repository's dataset before the changes.
    before: Value,
    /// The pull request renamed and merged by the changes.
    renamed_pr: Value,
    /// The sync's runs by repository id.
    by_repo: HashMap<String, Value>,
    /// The simulator's request counts during the sync.
    stats: Value,
}

async fn synced_after_changes(app: &TestApp) -> Synced {
    let (integration, ids, names) = import_demo_and_check(app).await;
    // Measured alone: with webhooks on, the activity below would also arrive as
    // deliveries (and the push queue a commits sync of its own).
    app.data(
        "mutation($i: ID!) { setServices(input: {integrationId: $i, services: {webhooks: false}}) { integration { id } } }",
        json!({ "i": integration }),
    )
    .await;
    let repo = &names[0];
    let before = expected(app, repo).await.1;
    let open_issue = before["issues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["state"] == "OPEN")
        .expect("an open issue")["number"]
        .clone();
    let some_pr = before["pull_requests"][0]["number"].clone();
    // The overlap is 1 s: the changes must be newer than the marks by more than that.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    app.sim_control(
        Method::POST,
        "/_sim/mutate",
        Some(json!({ "repo": repo, "actions": [
            { "action": "add_commits", "count": 3 },
            { "action": "add_pull_request", "title": "New work" },
            { "action": "edit_pull_request", "number": some_pr, "title": "Renamed", "state": "MERGED" },
            { "action": "add_comment", "number": some_pr, "body": "late remark" },
            { "action": "add_review", "number": some_pr, "state": "APPROVED" },
            { "action": "close_issue", "number": open_issue, "reason": "COMPLETED" },
            { "action": "add_issue", "title": "It broke" },
        ]})),
    )
    .await;
    app.sim_control(Method::POST, "/_sim/stats/reset", None)
        .await;

    let runs = sync(app, &integration).await;
    assert_eq!(runs.len(), 2, "one incremental run per imported repository");
    let mut by_repo = HashMap::new();
    for run_id in &runs {
        let run = succeeded(app, run_id).await;
        by_repo.insert(run["repositoryId"].as_str().unwrap().to_string(), run);
    }
    let stats = app.sim_control(Method::GET, "/_sim/stats", None).await;
    Synced {
        ids,
        names,
        before,
        renamed_pr: some_pr,
        by_repo,
        stats,
    }
}

/// How many of `items` sit within the 1 s overlap of the newest `field`: what a sync
/// refetches of them.
fn within_overlap(items: &Value, field: &str) -> i64 {
    let dates: Vec<DateTime<Utc>> = items
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| time(&i[field]))
        .collect();
    let newest = dates.iter().max().copied().unwrap();
    dates
        .iter()
        .filter(|d| **d >= newest - chrono::Duration::seconds(1))
        .count() as i64
}

async fn a_sync_fetches_the_changes_and_the_overlap_and_nothing_older(app: &mut TestApp) {
    let synced = synced_after_changes(app).await;
    let (before, changed) = (
        &synced.before,
        &synced.by_repo[&synced.ids[&synced.names[0]]],
    );
    assert_eq!(
        fetched(changed, "COMMITS").0,
        3 + within_overlap(&before["commits"], "committed_at"),
        "{changed:#}"
    );
    assert_eq!(
        fetched(changed, "TICKETS").0,
        2 + within_overlap(&before["issues"], "updated_at"),
        "{changed:#}"
    );
    // Newest first, one page reaches past the mark: the new and the edited pull
    // request are on it, and no second page is read.
    let pulls = fetched(changed, "PULL_REQUESTS").0;
    assert!(
        (2..=i64::from(github::import::PULL_REQUEST_PAGE_SIZE)).contains(&pulls),
        "{changed:#}"
    );
}
on_every_backend!(
    a_sync_fetches_the_changes_and_the_overlap_and_nothing_older,
    with_redis
);

async fn a_sync_of_an_unchanged_repository_fetches_only_the_overlap(app: &mut TestApp) {
    let synced = synced_after_changes(app).await;
    let unchanged = &synced.by_repo[&synced.ids[&synced.names[1]]];
    let other = expected(app, &synced.names[1]).await.1;
    assert_eq!(
        fetched(unchanged, "COMMITS").0,
        within_overlap(&other["commits"], "committed_at"),
        "{unchanged:#}"
    );
    assert_eq!(
        fetched(unchanged, "TICKETS").0,
        within_overlap(&other["issues"], "updated_at"),
        "{unchanged:#}"
    );
}
on_every_backend!(
    a_sync_of_an_unchanged_repository_fetches_only_the_overlap,
    with_redis
);

async fn a_sync_reads_one_page_a_listing_and_counts_its_requests_as_github_does(app: &mut TestApp) {
    let Synced { stats, by_repo, .. } = synced_after_changes(app).await;
    // Every listing read one page per repository (commits: the lanes' plan, then one
    // query for all lanes); nested follow-ups only for the changed items. The
    // simulator's count is the importer's count.
    for operation in [
        "CommitHistoryPlan",
        "CommitHistoryLanes",
        "PullRequests",
        "RepositoryIssues",
    ] {
        assert_eq!(
            operation_requests(&stats, operation),
            2,
            "{operation}: {stats:#}"
        );
    }
    let reported: i64 = by_repo
        .values()
        .map(|r| r["githubRequests"].as_i64().unwrap())
        .sum();
    assert_eq!(
        stats["graphql"]["requests"].as_i64().unwrap(),
        reported,
        "{stats:#}"
    );
    assert_eq!(
        stats["rest"]["requests"].as_i64().unwrap_or(0),
        0,
        "{stats:#}"
    );
}
on_every_backend!(
    a_sync_reads_one_page_a_listing_and_counts_its_requests_as_github_does,
    with_redis_reading_alone
);

/// Each run read alone (`batch_runs: 1`), for a test that counts each repository's own
/// queries. Batched, the second run joins the first's job only when it was queued
/// before that job started: both are right, and which one happens is up to the
/// machine's load (`an_organization_of_small_repositories_is_read_together` tests the
/// batched reading).
fn with_redis_reading_alone(builder: TestAppBuilder) -> TestAppBuilder {
    builder.redis().import_settings(worker::ImportSettings {
        batch_runs: 1,
        ..tributary_tests::quick_import_settings()
    })
}

async fn after_a_sync_the_store_equals_the_changed_dataset(app: &mut TestApp) {
    let synced = synced_after_changes(app).await;
    assert_repositories_exact(app, &synced.ids, &synced.names).await;
    let db = database(app).await;
    let renamed = pull_request::Entity::find()
        .filter(
            pull_request::Column::RepositoryId
                .eq(tributary_tests::row_id(&synced.ids[&synced.names[0]])),
        )
        .filter(pull_request::Column::Number.eq(synced.renamed_pr.as_i64().unwrap()))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (renamed.title.as_str(), renamed.state.as_str()),
        ("Renamed", "MERGED")
    );
}
on_every_backend!(
    after_a_sync_the_store_equals_the_changed_dataset,
    with_redis
);

async fn a_full_import_under_faults_ends_exact(app: &mut TestApp) {
    let integration = app.create_integration("owner").await;
    let ids = repository_ids(app, &integration).await;
    let names = demo_repositories(app).await;
    app.sim_control(
        Method::POST,
        "/_sim/faults",
        Some(json!({
            // Nearly one request in three: top-level pages halve and retry, follow-ups
            // (a long pull request needs many) retry alone.
            "bad_gateway_rate": 0.3,
            "secondary_rate_limit": { "requests": 2, "retry_after_secs": 1 },
            "exhausted_budget": { "reset_in_secs": 2 },
        })),
    )
    .await;
    let wanted: Vec<&str> = names.iter().map(|n| ids[n].as_str()).collect();
    let runs = import(app, &integration, &wanted).await;
    for run_id in &runs {
        succeeded(app, run_id).await;
    }
    let stats = app.sim_control(Method::GET, "/_sim/stats", None).await;
    for fault in ["bad_gateway", "secondary_rate_limit", "rate_limited"] {
        assert!(
            stats["faults"][fault].as_i64().unwrap_or(0) >= 1,
            "no {fault} met: {stats:#}"
        );
    }
    assert_repositories_exact(app, &ids, &names).await;
}
on_every_backend!(a_full_import_under_faults_ends_exact, with_redis);

async fn a_revoked_token_fails_the_run_with_its_message(app: &mut TestApp) {
    let integration = app.create_integration("owner").await;
    let ids = repository_ids(app, &integration).await;
    let names = demo_repositories(app).await;
    app.sim_control(
        Method::POST,
        "/_sim/faults",
        Some(json!({ "revoked_tokens": ["owner"] })),
    )
    .await;
    let runs = import(app, &integration, &[ids[&names[0]].as_str()]).await;
    let run = finished(app, &runs[0]).await;
    assert_eq!(run["state"], "FAILED");
    assert_eq!(run["error"], "the token was revoked or expired: update it");
    let data = app
        .data(
            "query($id: ID!) { integration(id: $id) { lastConnectionTest { ok message } } }",
            json!({ "id": integration }),
        )
        .await;
    let test = &data["integration"]["lastConnectionTest"];
    assert_eq!(
        test["ok"], false,
        "the integration shows the problem: {test}"
    );
    assert!(
        test["message"]
            .as_str()
            .unwrap()
            .contains("revoked or expired"),
        "{test}"
    );
    // Nothing is left to cancel (a user error), and a malformed id is the program's
    // mistake (a top-level error); both are codes.
    let refused = app
        .data(
            "mutation($r: ID!) { cancelImport(input: {runId: $r, clientMutationId: \"c1\"}) { importRun { id } userErrors { code field } clientMutationId } }",
            json!({ "r": runs[0] }),
        )
        .await;
    assert_eq!(
        refused["cancelImport"],
        json!({ "importRun": null, "userErrors": [{ "code": "RUN_NOT_CANCELLABLE", "field": null }], "clientMutationId": "c1" })
    );
    let unknown = app
        .graphql(
            "mutation { retryImport(input: {runId: \"nope\"}) { importRun { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(unknown["errors"][0]["extensions"]["code"], "INVALID_ID");
    let gone = app
        .graphql(
            "mutation($r: ID!) { retryImport(input: {runId: $r}) { importRun { id } } }",
            json!({ "r": tributary_tests::global_id(tributary_tests::NodeKind::ImportRun, "00000000-0000-0000-0000-000000000000") }),
        )
        .await;
    assert_eq!(gone["errors"][0]["extensions"]["code"], "NOT_FOUND");
}
on_every_backend!(a_revoked_token_fails_the_run_with_its_message, with_redis);

async fn a_repository_of_another_integration_is_refused(app: &mut TestApp) {
    let first = app.create_integration("owner").await;
    let second = app.create_integration("member").await;
    let theirs = repository_ids(app, &second).await;
    let (_, repo_id) = theirs.iter().next().unwrap();
    let refused = app
        .data(
            "mutation($i: ID!, $r: [ID!]!) { importRepositories(input: {integrationId: $i, repositoryIds: $r}) { importRuns { id } userErrors { code field } } }",
            json!({ "i": first, "r": [repo_id] }),
        )
        .await;
    assert_eq!(
        refused["importRepositories"],
        json!({ "importRuns": [], "userErrors": [{ "code": "REPOSITORY_UNKNOWN", "field": ["input", "repositoryIds"] }] })
    );
    // A repository's id where an integration's belongs is the program's mistake.
    let unknown = app
        .graphql(
            "mutation($r: ID!) { importRepositories(input: {integrationId: $r, repositoryIds: []}) { importRuns { id } } }",
            json!({ "r": repo_id }),
        )
        .await;
    assert_eq!(unknown["errors"][0]["extensions"]["code"], "INVALID_ID");
}
on_every_backend!(a_repository_of_another_integration_is_refused, with_redis);

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn next_message(stream: &mut futures_util::stream::SplitStream<Socket>) -> Value {
    loop {
        let message = tokio::time::timeout(std::time::Duration::from_secs(60), stream.next())
            .await
            .expect("a message within 60 s")
            .expect("the socket stays open")
            .unwrap();
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

/// A subscription to the integration's `importProgress` over the WebSocket, as the
/// server key, answered with `fields` of each `ImportProgressEvent`; ready once the
/// server has answered a ping after the subscribe.
async fn progress_subscription(
    app: &TestApp,
    integration: &str,
    fields: &str,
) -> futures_util::stream::SplitStream<Socket> {
    let mut request = format!("ws://{}/graphql/ws", app.api.addr)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let (mut sink, mut stream) = socket.split();
    sink.send(Message::text(
        json!({ "type": "connection_init", "payload": { "Authorization": "Bearer test-api-key" } })
            .to_string(),
    ))
    .await
    .unwrap();
    assert_eq!(next_message(&mut stream).await["type"], "connection_ack");
    sink.send(Message::text(json!({ "id": "1", "type": "subscribe", "payload": {
        "query": format!("subscription($i: ID!) {{ importProgress(integrationId: $i) {{ __typename ... on ImportProgressEvent {{ {fields} }} }} }}"),
        "variables": { "i": integration } } }).to_string())).await.unwrap();
    sink.send(Message::text(json!({ "type": "ping" }).to_string()))
        .await
        .unwrap();
    assert_eq!(next_message(&mut stream).await["type"], "pong");
    // The sink must live as long as the stream: closing it would end the socket.
    tokio::spawn(async move {
        let _sink = sink;
        std::future::pending::<()>().await;
    });
    stream
}

async fn a_subscriber_sees_the_progress_in_order_and_the_final_state(app: &mut TestApp) {
    let integration = app.create_integration("owner").await;
    let ids = repository_ids(app, &integration).await;
    let names = demo_repositories(app).await;
    let mut stream = progress_subscription(
        app,
        &integration,
        "runId state error resources { resource fetched total } run { id state }",
    )
    .await;
    let runs = import(app, &integration, &[ids[&names[0]].as_str()]).await;
    let mut states = Vec::new();
    let mut last_commits = 0;
    loop {
        let message = next_message(&mut stream).await;
        assert_eq!(message["type"], "next", "{message}");
        let event = &message["payload"]["data"]["importProgress"];
        assert_eq!(event["__typename"], "ImportProgressEvent", "{event}");
        assert_eq!(event["runId"], runs[0].as_str());
        assert_eq!(
            event["run"]["id"],
            runs[0].as_str(),
            "the event carries its run"
        );
        let commits = fetched(event, "COMMITS").0;
        assert!(commits >= last_commits, "counts never go back: {event}");
        last_commits = commits;
        let state = event["state"].as_str().unwrap().to_string();
        let last = state != "QUEUED" && state != "RUNNING";
        states.push(state);
        if last {
            break;
        }
    }
    assert_eq!(
        states.first().map(String::as_str),
        Some("QUEUED"),
        "{states:?}"
    );
    assert_eq!(states[1], "RUNNING");
    assert_eq!(
        states.last().map(String::as_str),
        Some("SUCCEEDED"),
        "{states:?}"
    );
    assert!(states.len() >= 4, "a start, pages and the end: {states:?}");
    let (expected, _) = expected(app, &names[0]).await;
    assert_eq!(last_commits, expected.commits.len() as i64);
}
on_every_backend!(
    a_subscriber_sees_the_progress_in_order_and_the_final_state,
    with_separate_worker
);

async fn a_killed_worker_resumes_and_ends_exact(app: &mut TestApp) {
    // Slow answers, so the worker is surely in the middle when it dies.
    let (ids, names, runs) = slow_import_of_the_first_repository(app, 150).await;
    loop {
        let run = run(app, &runs[0]).await;
        assert_eq!(
            run["state"].as_str().map(|s| s == "SUCCEEDED"),
            Some(false),
            "finished before the kill"
        );
        if fetched(&run, "COMMITS").0 > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    app.kill_worker();
    let at_kill = run(app, &runs[0]).await;
    assert_eq!(at_kill["state"], "RUNNING");
    app.sim_control(Method::DELETE, "/_sim/faults", None).await;
    app.restart_worker().await;
    let run = succeeded(app, &runs[0]).await;
    assert!(
        run["attempt"].as_i64().unwrap() >= 2,
        "the run was resumed: {run:#}"
    );
    assert_first_repository_exact(app, &ids, &names, &run, "nothing counted twice").await;
}
on_every_backend!(a_killed_worker_resumes_and_ends_exact, with_separate_worker);

/// An import of the first demo repository, slowed by the simulator and cancelled once
/// it has stored commits; returns the repository ids and names, the run's id and the
/// run as it stands 600 ms after the cancel.
async fn cancelled_mid_run(app: &TestApp) -> (HashMap<String, String>, Vec<String>, String, Value) {
    let (ids, names, runs) = slow_import_of_the_first_repository(app, 150).await;
    loop {
        let run = run(app, &runs[0]).await;
        if fetched(&run, "COMMITS").0 > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let cancelled = app
        .data(
            "mutation($r: ID!) { cancelImport(input: {runId: $r}) { importRun { state } } }",
            json!({ "r": runs[0] }),
        )
        .await;
    assert_eq!(cancelled["cancelImport"]["importRun"]["state"], "CANCELLED");
    // The worker stops before its next request.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let stopped = run(app, &runs[0]).await;
    (ids, names, runs[0].clone(), stopped)
}

async fn a_cancelled_run_stops_and_stores_nothing_more(app: &mut TestApp) {
    let (_, _, run_id, stopped) = cancelled_mid_run(app).await;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let later = run(app, &run_id).await;
    assert_eq!(later["state"], "CANCELLED");
    assert_eq!(
        later["resources"], stopped["resources"],
        "nothing stored after the cancel"
    );
    assert!(later["finishedAt"].is_string());
}
on_every_backend!(a_cancelled_run_stops_and_stores_nothing_more, with_redis);

async fn a_retry_resumes_a_cancelled_run_after_its_last_stored_page(app: &mut TestApp) {
    let (ids, names, run_id, _) = cancelled_mid_run(app).await;
    app.sim_control(Method::DELETE, "/_sim/faults", None).await;
    let retried = app
        .data(
            "mutation($r: ID!) { retryImport(input: {runId: $r}) { importRun { state error } } }",
            json!({ "r": run_id }),
        )
        .await;
    assert_eq!(retried["retryImport"]["importRun"]["state"], "QUEUED");
    let run = succeeded(app, &run_id).await;
    assert_first_repository_exact(
        app,
        &ids,
        &names,
        &run,
        "the retry resumed after the last stored page",
    )
    .await;
}
on_every_backend!(
    a_retry_resumes_a_cancelled_run_after_its_last_stored_page,
    with_redis
);

async fn a_succeeded_run_cannot_be_retried(app: &mut TestApp) {
    let integration = app.create_integration("owner").await;
    let ids = repository_ids(app, &integration).await;
    let names = demo_repositories(app).await;
    let runs = import(app, &integration, &[ids[&names[0]].as_str()]).await;
    succeeded(app, &runs[0]).await;
    let refused = app
        .data(
            "mutation($r: ID!) { retryImport(input: {runId: $r}) { importRun { id } userErrors { code } } }",
            json!({ "r": runs[0] }),
        )
        .await;
    assert_eq!(
        refused["retryImport"],
        json!({ "importRun": null, "userErrors": [{ "code": "RUN_NOT_RETRYABLE" }] })
    );
}
on_every_backend!(a_succeeded_run_cannot_be_retried, with_redis);

/// The same with a real `tributary worker` process, killed with SIGKILL mid-run and
/// followed by a new process under another name (as after a crash and a redeploy):
/// the run is taken back once the dead worker misses its heartbeats.
async fn a_killed_worker_process_resumes_and_ends_exact(app: &mut TestApp) {
    // Only processes work here: the in-process worker leaves before any job is queued.
    app.kill_worker();
    let Some(first) = app.spawn_worker_process("process-worker-1") else {
        return;
    };
    let (ids, names, runs) = slow_import_of_the_first_repository(app, 150).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let run = run(app, &runs[0]).await;
        assert_ne!(run["state"], "SUCCEEDED", "finished before the kill");
        if fetched(&run, "COMMITS").0 > 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the worker process never started: {run:#}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    first.kill();
    assert_eq!(run(app, &runs[0]).await["state"], "RUNNING");
    app.sim_control(Method::DELETE, "/_sim/faults", None).await;
    let _second = app.spawn_worker_process("process-worker-2");
    let run = succeeded(app, &runs[0]).await;
    assert!(
        run["attempt"].as_i64().unwrap() >= 2,
        "the run was resumed: {run:#}"
    );
    assert_first_repository_exact(app, &ids, &names, &run, "nothing counted twice").await;
}
on_every_backend!(
    a_killed_worker_process_resumes_and_ends_exact,
    with_separate_worker
);

/// Worker processes killed with SIGKILL at random points of one import, each followed
/// by a new process (issue 16, item 13): `TRIBUTARY_DRILL_KILLS` kills (20 by default)
/// at seeded random moments while the run is unfinished, and the result is the
/// dataset, row for row, with nothing counted twice.
async fn worker_processes_killed_at_random_points_end_exact(app: &mut TestApp) {
    use rand::{Rng, SeedableRng};
    app.kill_worker();
    let kills: usize = std::env::var("TRIBUTARY_DRILL_KILLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    let mut rng = rand::rngs::StdRng::seed_from_u64(13);
    let Some(mut worker) = app.spawn_worker_process("drill-worker-0") else {
        return;
    };
    // Slow answers, so that a kill lands mid-page as often as between pages.
    let (ids, names, runs) = slow_import_of_the_first_repository(app, 120).await;
    let (mut killed, mut attempt) = (0, 0);
    while killed < kills {
        // Until a worker has taken the run (again: its attempt grows with each take; a
        // killed worker leaves it RUNNING), then a random while.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let now = run(app, &runs[0]).await;
            if now["attempt"].as_i64().unwrap() > attempt || now["state"] == "SUCCEEDED" {
                attempt = now["attempt"].as_i64().unwrap();
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no worker took the run back: {now:#}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(rng.gen_range(50..900))).await;
        if run(app, &runs[0]).await["state"] == "SUCCEEDED" {
            break;
        }
        worker.kill();
        killed += 1;
        worker = app
            .spawn_worker_process(&format!("drill-worker-{killed}"))
            .expect("the binary was there a moment ago");
    }
    app.sim_control(Method::DELETE, "/_sim/faults", None).await;
    let run = succeeded(app, &runs[0]).await;
    println!(
        "killed {killed} worker processes; the run took {} attempts",
        run["attempt"]
    );
    assert!(
        killed >= kills.min(10),
        "the import ended before {} kills ({killed}): make it slower",
        kills.min(10)
    );
    assert_first_repository_exact(app, &ids, &names, &run, "nothing counted twice").await;
    drop(worker);
}
on_every_backend!(
    worker_processes_killed_at_random_points_end_exact,
    with_separate_worker
);

/// Redis gone and back without its data (issue 16, item 11, the part about queueing):
/// runs that could not be queued are refused with a code and stored FAILED with it,
/// nothing waits unseen, and once Redis is back the API and the worker reconnect by
/// themselves and the retried run ends exact.
async fn a_queue_gone_and_back_is_a_coded_refusal_then_a_retry_that_succeeds(backend: Backend) {
    let Some(mut redis) = tributary_tests::OwnRedis::start() else {
        return;
    };
    let Some(app) = TestApp::builder(backend).own_redis(&redis).start().await else {
        return;
    };
    let integration = app.create_integration("owner").await;
    let ids = repository_ids(&app, &integration).await;
    let names = demo_repositories(&app).await;
    redis.stop();
    let refused = app
        .data(
            "mutation($i: ID!, $r: [ID!]!) { importRepositories(input: {integrationId: $i, repositoryIds: $r}) { importRuns { id } userErrors { code message } } }",
            json!({ "i": integration, "r": [ids[&names[0]]] }),
        )
        .await;
    assert_eq!(
        refused["importRepositories"]["userErrors"][0]["code"], "QUEUE_UNAVAILABLE",
        "{refused:#}"
    );
    let listed = app
        .data(
            "query($i: ID!) { importRuns(integrationId: $i, first: 10) { nodes { id state errorCode error } } }",
            json!({ "i": integration }),
        )
        .await;
    let runs = listed["importRuns"]["nodes"].as_array().unwrap().clone();
    assert_eq!(runs.len(), 1, "{listed:#}");
    assert_eq!(
        (runs[0]["state"].as_str(), runs[0]["errorCode"].as_str()),
        (Some("FAILED"), Some("QUEUE_UNAVAILABLE")),
        "the run is on record, failed with the reason: {listed:#}"
    );
    // What a person reads says what to do; the queue's own error text (here "Connection
    // refused") stays in the log.
    assert_eq!(
        runs[0]["error"],
        "could not be queued: the import queue could not be reached; retry once it is back",
        "{listed:#}"
    );
    let run_id = runs[0]["id"].as_str().unwrap().to_string();

    redis.restart().unwrap();
    // The first command on a broken connection may fail before it reconnects; a person
    // retries, and so does this test, a few times.
    let mut retried = Value::Null;
    for _ in 0..20 {
        retried = app
            .data(
                "mutation($r: ID!) { retryImport(input: {runId: $r}) { importRun { state } userErrors { code } } }",
                json!({ "r": run_id }),
            )
            .await;
        if retried["retryImport"]["userErrors"] == json!([]) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert_eq!(
        retried["retryImport"]["userErrors"],
        json!([]),
        "{retried:#}"
    );
    let done = finished(&app, &run_id).await;
    assert_eq!(done["state"], "SUCCEEDED", "{done:#}");
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_gone_and_back_sqlite() {
    a_queue_gone_and_back_is_a_coded_refusal_then_a_retry_that_succeeds(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_gone_and_back_postgres() {
    a_queue_gone_and_back_is_a_coded_refusal_then_a_retry_that_succeeds(Backend::Postgres).await;
}

/// An owner integration importing every repository of the dataset with content at
/// once, GitHub answering each request `latency_ms` late: the integration, the runs,
/// the repositories' names and their ids.
async fn slow_import_of_the_dataset(
    app: &TestApp,
    latency_ms: u64,
) -> (String, Vec<String>, Vec<String>, HashMap<String, String>) {
    let integration = app.create_integration("owner").await;
    let ids = repository_ids(app, &integration).await;
    let names: Vec<String> = content_repositories(app)
        .await
        .into_iter()
        .filter(|name| ids.contains_key(name))
        .collect();
    let wanted: Vec<&str> = names.iter().map(|n| ids[n].as_str()).collect();
    github_answers_late(app, latency_ms).await;
    let runs = import(app, &integration, &wanted).await;
    (integration, runs, names, ids)
}

/// An owner integration importing the first demo repository, GitHub answering each
/// request `latency_ms` late (so that a test can act in the middle of the run): the
/// repository ids by name, the demo repositories' names and the run.
async fn slow_import_of_the_first_repository(
    app: &TestApp,
    latency_ms: u64,
) -> (HashMap<String, String>, Vec<String>, Vec<String>) {
    let integration = app.create_integration("owner").await;
    let ids = repository_ids(app, &integration).await;
    let names = demo_repositories(app).await;
    github_answers_late(app, latency_ms).await;
    let runs = import(app, &integration, &[ids[&names[0]].as_str()]).await;
    (ids, names, runs)
}

/// The simulator adds `latency_ms` to every answer until its faults are cleared.
async fn github_answers_late(app: &TestApp, latency_ms: u64) {
    app.sim_control(
        Method::POST,
        "/_sim/faults",
        Some(json!({ "latency_ms": latency_ms })),
    )
    .await;
}

/// The runs, their repositories' names and ids of [`slow_import_of_the_dataset`],
/// once a page of them is stored and some are still running.
async fn slow_import_under_way(
    app: &TestApp,
) -> (Vec<String>, Vec<String>, HashMap<String, String>) {
    let (_, runs, names, ids) = slow_import_of_the_dataset(app, 100).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let mut states = Vec::new();
        let mut stored = 0;
        for id in &runs {
            let now = run(app, id).await;
            stored += fetched(&now, "COMMITS").0;
            states.push(now["state"].as_str().unwrap().to_string());
        }
        if stored > 0 {
            assert!(
                states.iter().any(|s| s == "RUNNING"),
                "a run is in flight: {states:?}"
            );
            println!("{} runs under way: {states:?}", runs.len());
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no page stored: {states:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    (runs, names, ids)
}

/// GitHub answers at full speed again; every run ends SUCCEEDED, every repository
/// equals the dataset row for row, and no run counted a commit twice.
async fn every_run_ends_exact(
    app: &TestApp,
    runs: &[String],
    names: &[String],
    ids: &HashMap<String, String>,
) {
    app.sim_control(Method::DELETE, "/_sim/faults", None).await;
    let mut ended = Vec::new();
    for id in runs {
        ended.push(succeeded(app, id).await);
    }
    assert_repositories_exact(app, ids, names).await;
    for (name, run) in names.iter().zip(&ended) {
        let (expected, _) = expected(app, name).await;
        assert_eq!(
            fetched(run, "COMMITS").0,
            expected.commits.len() as i64,
            "{name}: nothing counted twice"
        );
    }
}

/// Redis restarted in the middle of an import (issue 16, item 11), without its data (a
/// cache-only Redis, a failover to an empty replica) or with it: the runs in flight
/// and the runs still queued all end exact ([`every_run_ends_exact`]). Without its
/// data, every job is gone: the runs in flight come back when their lease runs out,
/// the queued ones when the sweeper sees the queue's new epoch (`queue::sweeper`).
async fn redis_restarted_mid_import_every_run_ends_exact(backend: Backend, keep_data: bool) {
    let redis = if keep_data {
        tributary_tests::OwnRedis::start_persistent()
    } else {
        tributary_tests::OwnRedis::start()
    };
    let Some(mut redis) = redis else {
        return;
    };
    let Some(app) = TestApp::builder(backend).own_redis(&redis).start().await else {
        return;
    };
    let (runs, names, ids) = slow_import_under_way(&app).await;
    redis.restart().unwrap();
    every_run_ends_exact(&app, &runs, &names, &ids).await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restarted_empty_mid_import_postgres() {
    redis_restarted_mid_import_every_run_ends_exact(Backend::Postgres, false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restarted_with_its_data_mid_import_postgres() {
    redis_restarted_mid_import_every_run_ends_exact(Backend::Postgres, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restarted_empty_mid_import_sqlite() {
    redis_restarted_mid_import_every_run_ends_exact(Backend::Sqlite, false).await;
}

/// A job lost with the queue's data kept (issue 16, item 11): Redis can move a job to a
/// worker's in-flight list and the answer never reach the worker, so the run is QUEUED
/// under the current epoch with no job any live worker will take. Here the job is
/// deleted from Redis while no worker runs, the epoch kept. The sweeper presumes a job
/// untaken for `QueueConfig::job_silence` lost and pushes the run again; without that
/// the run would wait for good.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_lost_with_the_queue_data_kept_is_pushed_again() {
    let Some(redis) = tributary_tests::OwnRedis::start() else {
        return;
    };
    let Some(mut app) = TestApp::builder(Backend::Postgres)
        .own_redis(&redis)
        .start()
        .await
    else {
        return;
    };
    let integration = app.create_integration("owner").await;
    let ids = repository_ids(&app, &integration).await;
    let names = demo_repositories(&app).await;
    app.kill_worker();
    let runs = import(&app, &integration, &[ids[&names[0]].as_str()]).await;
    let mut connection = redis::Client::open(redis.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut connection)
        .await
        .unwrap();
    let (epoch, others): (Vec<String>, Vec<String>) = keys
        .into_iter()
        .partition(|key| key.ends_with(":queue-epoch"));
    assert_eq!(epoch.len(), 1, "the queue's epoch is kept");
    assert!(!others.is_empty(), "the job was pushed");
    let _: () = redis::cmd("DEL")
        .arg(&others)
        .query_async(&mut connection)
        .await
        .unwrap();
    let lost_at = std::time::Instant::now();
    app.restart_worker().await;
    let run = succeeded(&app, &runs[0]).await;
    assert!(
        lost_at.elapsed() >= std::time::Duration::from_secs(15),
        "pushed again only once its job had been silent for twenty heartbeats ({:?})",
        lost_at.elapsed()
    );
    assert_first_repository_exact(&app, &ids, &names, &run, "the run pushed again").await;
    app.finish().await;
}

/// PostgreSQL out of reach in the middle of an import (issue 16, item 12): every
/// connection cut and new ones refused for two seconds, then a slow network for one,
/// through the harness's chaos proxy. Pages whose transaction broke are written again
/// once the database is back; every run ends exact ([`every_run_ends_exact`]).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_cut_mid_import_every_run_ends_exact() {
    let Some((app, chaos)) = tributary_tests::TestApp::start_behind_chaos_proxy().await else {
        return;
    };
    let (runs, names, ids) = slow_import_under_way(&app).await;
    chaos.break_networking();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    chaos.restore_networking();
    chaos.delay(std::time::Duration::from_millis(5));
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    chaos.delay(std::time::Duration::ZERO);
    every_run_ends_exact(&app, &runs, &names, &ids).await;
    app.finish().await;
}

/// A run waiting for GitHub's rate limit says so and until when (issue 18): on the run
/// (`wait`), on the progress subscription when the wait starts and when it ends, and in
/// the integration's `rateLimit`; then it goes on and ends exact.
async fn a_run_waiting_for_the_rate_limit_says_until_when(app: &mut TestApp) {
    let integration = app.create_integration("owner").await;
    let ids = repository_ids(app, &integration).await;
    let names = demo_repositories(app).await;
    let mut stream = progress_subscription(
        app,
        &integration,
        "runId state run { id state wait { reason until } }",
    )
    .await;
    app.sim_control(
        Method::POST,
        "/_sim/faults",
        Some(json!({ "exhausted_budget": { "reset_in_secs": 3 } })),
    )
    .await;
    let asked = Utc::now();
    let runs = import(app, &integration, &[ids[&names[0]].as_str()]).await;
    let mut waits = Vec::new();
    let mut budget_seen = Value::Null;
    loop {
        let message = next_message(&mut stream).await;
        let event = &message["payload"]["data"]["importProgress"];
        let wait = event["run"]["wait"].clone();
        if wait["reason"] == "RATE_LIMIT" && budget_seen.is_null() {
            budget_seen = app
                .data(
                    "query($i: ID!) { integration(id: $i) { rateLimit { remaining resetAt } } }",
                    json!({ "i": integration }),
                )
                .await["integration"]["rateLimit"]
                .clone();
        }
        waits.push(wait);
        if !["QUEUED", "RUNNING"].contains(&event["state"].as_str().unwrap()) {
            assert_eq!(event["state"], "SUCCEEDED", "{event}");
            break;
        }
    }
    let started = waits
        .iter()
        .position(|w| w["reason"] == "RATE_LIMIT")
        .unwrap_or_else(|| panic!("an event says the run waits: {waits:#?}"));
    let until = time(&waits[started]["until"]).unwrap();
    assert!(
        until > asked && until < asked + chrono::Duration::seconds(15),
        "until GitHub's reset (3 s after {asked}) and a second: {until}"
    );
    assert!(
        waits[started + 1..].iter().any(Value::is_null),
        "an event says the wait ended: {waits:#?}"
    );
    assert_eq!(budget_seen["remaining"], 0, "{budget_seen}");
    assert!(
        time(&budget_seen["resetAt"]).is_some_and(|reset| reset <= until),
        "{budget_seen}"
    );
    let run = succeeded(app, &runs[0]).await;
    assert_first_repository_exact(app, &ids, &names, &run, "nothing lost while waiting").await;
}
on_every_backend!(a_run_waiting_for_the_rate_limit_says_until_when, with_redis);

/// Each run read alone (`batch_runs: 1`), so that the window alone decides when runs
/// start: batched, a job would take the waiting runs with it (`importer::batch`).
fn with_a_window_of_four(builder: TestAppBuilder) -> TestAppBuilder {
    builder
        .redis()
        .queue_window(4)
        .import_settings(worker::ImportSettings {
            batch_runs: 1,
            ..tributary_tests::quick_import_settings()
        })
}

/// One integration's big import does not hold another integration's single run back
/// (issue 18): only a window of each integration's runs is in the queue at once (here
/// four; `queue::enqueue`), the rest wait in the database and are queued as those end.
/// So the other integration's run starts after a few of the big import's; without the
/// window it would start after every one of them.
async fn another_integrations_run_is_not_held_back_by_a_big_import(app: &mut TestApp) {
    let (_, big_runs, names, _) = slow_import_of_the_dataset(app, 60).await;
    let small = app.create_integration("member").await;
    let small_ids = repository_ids(app, &small).await;
    let name = names
        .iter()
        .find(|name| small_ids.contains_key(*name))
        .expect("the member sees a repository of the dataset");
    let small_run = import(app, &small, &[small_ids[name].as_str()]).await;
    let small_started = time(&succeeded(app, &small_run[0]).await["startedAt"]).unwrap();
    let mut started_before = 0;
    for id in &big_runs {
        if time(&run(app, id).await["startedAt"]).is_some_and(|at| at < small_started) {
            started_before += 1;
        }
    }
    // The window's four, and the runs that took the places of those that ended before
    // the small run's turn came (it was queued right behind the first four).
    assert!(
        started_before <= 8 && started_before < big_runs.len(),
        "{started_before} of the big import's {} runs started before the small one",
        big_runs.len()
    );
    app.sim_control(Method::DELETE, "/_sim/faults", None).await;
    for id in &big_runs {
        succeeded(app, id).await;
    }
}
on_every_backend!(
    another_integrations_run_is_not_held_back_by_a_big_import,
    with_a_window_of_four
);

/// One job in the queue at a time, so that the batches do not race for the same runs
/// and every run is read in one (with more jobs, a job whose run is left without
/// companions reads it alone).
fn with_sixty_small_repositories(builder: TestAppBuilder) -> TestAppBuilder {
    builder
        .redis()
        .queue_window(1)
        .organization(60, 150, 15, 15)
}

/// An organization of many small repositories (issue 18): fresh runs are read together,
/// 50 repositories' counts in one query and their first pages in a few more
/// (`worker::importer::batch`), every row still exact, and the runs' points add up to
/// what GitHub charged, a fraction of a point per repository. The heavy repository's
/// pull request (longer than every nested first page) is completed by follow-ups as
/// when read alone. A sync afterwards is read together too, and changes nothing.
async fn an_organization_of_small_repositories_is_read_together(app: &mut TestApp) {
    let integration = app.create_integration("owner").await;
    let ids = repository_ids(app, &integration).await;
    let names: Vec<String> = content_repositories(app)
        .await
        .into_iter()
        .filter(|name| ids.contains_key(name))
        .collect();
    assert!(names.len() > 60, "{names:?}");
    app.sim_control(Method::POST, "/_sim/stats/reset", None)
        .await;
    let wanted: Vec<&str> = names.iter().map(|n| ids[n].as_str()).collect();
    let runs = import(app, &integration, &wanted).await;
    let mut points = 0;
    for (name, id) in names.iter().zip(&runs) {
        let run = succeeded(app, id).await;
        let (expected, _) = expected(app, name).await;
        assert_eq!(
            fetched(&run, "COMMITS").0,
            expected.commits.len() as i64,
            "{name}: each commit counted once"
        );
        points += run["rateLimitPoints"].as_i64().unwrap();
    }
    let db = database(app).await;
    for name in &names {
        let (expected, _) = expected(app, name).await;
        assert_eq!(stored(&db, &ids[name]).await, expected, "{name}");
    }
    let stats = app.sim_control(Method::GET, "/_sim/stats", None).await;
    let charged = stats["graphql"]["points"].as_i64().unwrap();
    // The runs' shares add up to what GitHub charged, unless a claim was lost under
    // load (its lease ran out): the points it spent stay with no run.
    assert!(
        points <= charged && points * 2 > charged,
        "the runs' points ({points}) add up to GitHub's ({charged})"
    );
    // Every listing came through the shared queries; only nested connections longer
    // than their first page were followed, by the same follow-ups as when read alone.
    let operations = stats["graphql"]["operations"].as_object().unwrap();
    let follow_ups = [
        "PullRequestCommits",
        "PullRequestReviews",
        "PullRequestComments",
        "PullRequestReviewThreads",
        "ReviewThreadComments",
        "PullRequestReactions",
        "PullRequestTimeline",
        "IssueComments",
        "IssueTimeline",
    ];
    let mut shared = 0;
    for (operation, counted) in operations {
        match operation.as_str() {
            "RepositoryPlans" | "RepositoryFirstPages" => {
                shared += counted["points"].as_i64().unwrap()
            }
            other => assert!(
                follow_ups.contains(&other),
                "{other} was sent: a listing was read alone ({operations:?})"
            ),
        }
    }
    // Read alone, each repository costs at least three points (commits, pull requests,
    // tickets); read together, a quarter of a point at most.
    assert!(
        shared * 4 <= names.len() as i64,
        "{shared} points for {} repositories: {operations:?}",
        names.len()
    );

    let synced = sync(app, &integration).await;
    assert_eq!(synced.len(), names.len());
    for id in &synced {
        succeeded(app, id).await;
    }
    for name in &names {
        let (expected, _) = expected(app, name).await;
        assert_eq!(
            stored(&db, &ids[name]).await,
            expected,
            "{name} after a sync"
        );
    }
}
on_every_backend!(
    an_organization_of_small_repositories_is_read_together,
    with_sixty_small_repositories
);
