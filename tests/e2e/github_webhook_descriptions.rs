//! Every delivery github-sim sends — for every `/_sim/mutate` action, for joining and
//! leaving an organization, and the ping — validates against GitHub's webhook
//! description of its event and action, received by a hook subscribed to every event
//! the product subscribes to. The events the product subscribes to that the simulator
//! never sends are named here, so a new one is a decision, not an accident.

use std::sync::{Arc, Mutex};

use poem::web::Data;
use poem::{EndpointExt, Route, handler, post};
use reqwest::Client;
use serde_json::{Value, json};
use tributary_tests::github_descriptions::{Description, GAPS, WebhookDescription};
use tributary_tests::{GithubSim, SimConfig};

/// Subscribed by the product, never sent by the simulator (its README says so).
const NEVER_SENT: &[&str] = &[
    "delete",
    "pull_request_review_comment",
    "pull_request_review_thread",
    "member",
    "membership",
];

type Received = Arc<Mutex<Vec<(String, Value)>>>;

#[handler]
fn receive(req: &poem::Request, body: poem::web::Json<Value>, received: Data<&Received>) {
    let event = req
        .headers()
        .get("x-github-event")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    received.lock().unwrap().push((event, body.0));
}

async fn receiver() -> (String, Received) {
    let received: Received = Arc::new(Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Route::new()
        .at("/hook", post(receive))
        .data(received.clone());
    tokio::spawn(async move {
        poem::Server::new_with_acceptor(poem::listener::TcpAcceptor::from_tokio(listener).unwrap())
            .run(app)
            .await
    });
    (format!("http://{addr}/hook"), received)
}

/// Waits (bounded) until `count` deliveries have arrived, and answers the new ones'
/// events and actions.
async fn arrived(received: &Received, from: usize, count: usize) -> Vec<String> {
    for _ in 0..200 {
        if received.lock().unwrap().len() >= from + count {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    received.lock().unwrap()[from..]
        .iter()
        .map(|(event, payload)| match payload["action"].as_str() {
            Some(action) => format!("{event}.{action}"),
            None => event.clone(),
        })
        .collect()
}

struct Sim {
    http: Client,
    base: String,
    repo: String,
}

impl Sim {
    async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    /// One `/_sim/mutate` action; answers its number, if it made something numbered.
    async fn mutate(&self, action: Value) -> Option<i64> {
        let answer = self
            .post(
                "/_sim/mutate",
                json!({"repo": self.repo, "actions": [action]}),
            )
            .await;
        answer["results"][0]["number"].as_i64()
    }
}

/// What the walk has met so far: deliveries received, steps walked.
#[derive(Default)]
struct Log {
    seen: usize,
    walked: Vec<String>,
}

impl Log {
    /// One step's deliveries are exactly the events and actions GitHub sends for it.
    fn step(&mut self, what: String, events: Vec<String>, wanted: Vec<&str>) {
        assert_eq!(events, wanted, "{what}");
        self.seen += events.len();
        self.walked.push(what);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_delivery_is_as_githubs_webhook_description_says() {
    let Some(description) = WebhookDescription::load() else {
        return;
    };
    let sim = GithubSim::new(SimConfig::default());
    let running = sim.clone().spawn("127.0.0.1:0").await.unwrap();
    let dataset = sim.dataset();
    let repo = dataset
        .repos_owned_by("acme-corp")
        .next()
        .expect("a repository of acme-corp")
        .full_name();
    let newcomer = dataset
        .users
        .iter()
        .find(|u| {
            !u.service_account
                && dataset
                    .org("acme-corp")
                    .is_some_and(|o| o.members.iter().all(|m| m.login != u.login))
        })
        .expect("someone outside acme-corp")
        .login
        .clone();
    let sim_api = Sim {
        http: Client::builder()
            .user_agent("tributary-tests")
            .build()
            .unwrap(),
        base: running.base_url(),
        repo,
    };
    let (url, received) = receiver().await;
    let owner = sim.token("owner").unwrap();
    let created = sim_api
        .http
        .post(format!("{}/orgs/acme-corp/hooks", sim_api.base))
        .bearer_auth(&owner)
        .json(
            &json!({"name": "web", "active": true, "events": github::webhook::EVENTS,
                      "config": {"url": url, "content_type": "json"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), reqwest::StatusCode::CREATED);

    let mut log = Log::default();
    let ping = arrived(&received, 0, 1).await;
    log.step("creating the hook".into(), ping, vec!["ping"]);

    let pr = sim_api
        .mutate(json!({"action": "add_pull_request", "title": "Checked against GitHub"}))
        .await
        .expect("a pull request number");
    log.step(
        "add_pull_request".into(),
        arrived(&received, log.seen, 1).await,
        vec!["pull_request.opened"],
    );
    let issue = sim_api
        .mutate(json!({"action": "add_issue", "title": "Checked too"}))
        .await
        .expect("an issue number");
    log.step(
        "add_issue".into(),
        arrived(&received, log.seen, 1).await,
        vec!["issues.opened"],
    );

    let actions: Vec<(Value, Vec<&'static str>)> = vec![
        (json!({"action": "add_commits", "count": 2}), vec!["push"]),
        (
            json!({"action": "force_push", "count": 1, "drop": 1}),
            vec!["push"],
        ),
        (
            json!({"action": "create_branch", "name": "feature/described", "count": 1}),
            vec!["create", "push"],
        ),
        (
            json!({"action": "edit_pull_request", "number": pr, "title": "Renamed", "body": "Now with a body"}),
            vec!["pull_request.edited"],
        ),
        (
            json!({"action": "edit_pull_request", "number": pr, "state": "CLOSED"}),
            vec!["pull_request.closed"],
        ),
        (
            json!({"action": "edit_pull_request", "number": pr, "state": "OPEN"}),
            vec!["pull_request.reopened"],
        ),
        (
            json!({"action": "add_comment", "number": pr}),
            vec!["issue_comment.created"],
        ),
        (
            json!({"action": "add_review", "number": pr, "state": "APPROVED", "body": "Looks right"}),
            vec!["pull_request_review.submitted"],
        ),
        (
            json!({"action": "add_review", "number": pr, "state": "COMMENTED"}),
            vec!["pull_request_review.submitted"],
        ),
        (
            json!({"action": "edit_pull_request", "number": pr, "state": "MERGED"}),
            vec!["pull_request.closed"],
        ),
        (
            json!({"action": "add_comment", "number": issue}),
            vec!["issue_comment.created"],
        ),
        (
            json!({"action": "close_issue", "number": issue, "reason": "NOT_PLANNED"}),
            vec!["issues.closed"],
        ),
        (
            json!({"action": "reopen_issue", "number": issue}),
            vec!["issues.reopened"],
        ),
        (
            json!({"action": "close_issue", "number": issue}),
            vec!["issues.closed"],
        ),
        (
            json!({"action": "archive_repo", "archived": true}),
            vec!["repository.archived"],
        ),
        (
            json!({"action": "archive_repo", "archived": false}),
            vec!["repository.unarchived"],
        ),
        (
            json!({"action": "rename_repo", "name": "described-renamed"}),
            vec!["repository.renamed"],
        ),
    ];
    for (action, wanted) in actions {
        sim_api.mutate(action.clone()).await;
        let events = arrived(&received, log.seen, wanted.len()).await;
        log.step(action.to_string(), events, wanted);
    }

    for (role, wanted) in [
        ("member", "organization.member_added"),
        ("none", "organization.member_removed"),
    ] {
        let role = if role == "none" {
            Value::Null
        } else {
            json!(role)
        };
        sim_api
            .post(
                &format!("/_sim/orgs/acme-corp/members/{newcomer}"),
                json!({"role": role}),
            )
            .await;
        log.step(
            format!("{newcomer} role {role}"),
            arrived(&received, log.seen, 1).await,
            vec![wanted],
        );
    }

    // Every action of /_sim/mutate sent something.
    let mutate_actions = [
        "add_commits",
        "add_pull_request",
        "edit_pull_request",
        "add_comment",
        "add_review",
        "add_issue",
        "close_issue",
        "reopen_issue",
        "force_push",
        "create_branch",
        "rename_repo",
        "archive_repo",
    ];
    for action in mutate_actions {
        assert!(
            log.walked
                .iter()
                .any(|what| what == action || what.contains(&format!("\"{action}\""))),
            "/_sim/mutate's {action} is not walked"
        );
    }

    let deliveries = received.lock().unwrap().clone();
    let mut problems = Vec::new();
    let mut met = Vec::new();
    for (event, payload) in &deliveries {
        let checked = description.check(event, payload);
        problems.extend(checked.problems);
        met.extend(checked.allowed);
    }
    assert!(
        problems.is_empty(),
        "{} problems in {} deliveries:\n{}",
        problems.len(),
        deliveries.len(),
        problems.join("\n")
    );
    let unmet: Vec<_> = GAPS
        .iter()
        .filter(|g| g.of == Description::Webhooks && !met.iter().any(|m| std::ptr::eq(*m, *g)))
        .collect();
    assert!(
        unmet.is_empty(),
        "webhook gaps no delivery needs any more: {unmet:#?}"
    );

    // The product's subscriptions: each is either sent (and checked above) or named as never sent.
    let sent: Vec<&str> = deliveries.iter().map(|(e, _)| e.as_str()).collect();
    for event in github::webhook::EVENTS {
        assert!(
            sent.contains(event) != NEVER_SENT.contains(event),
            "{event}: sent {} times, yet named as never sent: {}",
            sent.iter().filter(|e| *e == event).count(),
            NEVER_SENT.contains(event)
        );
    }
    running.shutdown_and_wait().await;
}

/// The validator itself: GitHub's own example deliveries of the events the product
/// subscribes to validate against GitHub's webhook description, so a failure above is
/// the simulator's and not the checker's.
#[test]
fn githubs_own_example_deliveries_validate() {
    let Some(description) = WebhookDescription::load() else {
        return;
    };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/github/webhook-payloads");
    let mut problems = Vec::new();
    let mut checked = 0;
    for event in github::webhook::EVENTS.iter().chain(&["ping"]) {
        let Ok(files) = std::fs::read_dir(dir.join(event)) else {
            continue;
        };
        for file in files {
            let path = file.unwrap().path();
            let payload: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let found = description.check(event, &payload);
            problems.extend(
                found
                    .problems
                    .into_iter()
                    .map(|p| format!("{}: {p}", path.display())),
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked} examples");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
