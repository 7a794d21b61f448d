//! An independent computation: every pull request of the simulator's demo organization,
//! imported through the real API, and its figures computed again here straight from
//! `/_sim/dataset` under Flow's definitions as docs/metrics.md states them — written
//! apart from `metrics::pull_request_timeline`, on JSON, so a mistake in either (or in
//! the import) shows as a difference. Both with bots counted and left out, and each
//! contributor's commit figures too. The small dataset runs with every test run;
//! `TRIBUTARY_FLOW_CHECK_SCALE=medium` (or `large`) runs the same check on a larger one:
//! `TRIBUTARY_FLOW_CHECK_SCALE=medium cargo test -p tributary-tests --test e2e flow_check`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use tributary_tests::{TestApp, TestAppBuilder, on_every_backend};

/// Where regular comments start by default (docs/metrics.md).
const REGULAR_FROM: usize = 20;

fn with_redis(builder: TestAppBuilder) -> TestAppBuilder {
    let scale = std::env::var("TRIBUTARY_FLOW_CHECK_SCALE")
        .ok()
        .map(|s| {
            s.parse()
                .expect("TRIBUTARY_FLOW_CHECK_SCALE: small, medium or large")
        })
        .unwrap_or_default();
    builder.redis().scale(scale)
}

fn time(value: &Value) -> Option<DateTime<Utc>> {
    value.as_str().map(|t| t.parse().expect("an RFC 3339 time"))
}

fn hours(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds() as f64 / 3600.0
}

fn is_bot_login(login: &str) -> bool {
    login.ends_with("[bot]")
}

/// An account: its login (`ghost` when deleted) and whether it is a bot.
fn account(actor: &Value) -> (String, bool) {
    match actor["login"].as_str() {
        Some(login) => (
            login.to_string(),
            actor["is_bot"].as_bool().unwrap_or(false) || is_bot_login(login),
        ),
        None => ("ghost".to_string(), false),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Comment { substantial: bool },
    Review { comment: Option<bool> },
    Commit,
    MergeOrClose,
}

struct Act {
    who: String,
    at: DateTime<Utc>,
    kind: Kind,
}

/// The expected figures of one pull request of the dataset.
fn expected(pr: &Value, without_bots: bool) -> Value {
    let (author, _) = account(&pr["author"]);
    let created = time(&pr["created_at"]).unwrap();
    let merged = time(&pr["merged_at"]);
    let substantial = |body: &str| body.trim().chars().count() >= REGULAR_FROM;
    let mut acts = Vec::new();
    let mut push = |who: (String, bool), at: DateTime<Utc>, kind: Kind| {
        if !(without_bots && who.1) {
            acts.push(Act {
                who: who.0,
                at,
                kind,
            });
        }
    };
    let mut comments: Vec<&Value> = pr["comments"].as_array().unwrap().iter().collect();
    for thread in pr["review_threads"].as_array().unwrap() {
        comments.extend(thread["comments"].as_array().unwrap());
    }
    for c in comments {
        let body = c["body"].as_str().unwrap();
        push(
            account(&c["author"]),
            time(&c["created_at"]).unwrap(),
            Kind::Comment {
                substantial: substantial(body),
            },
        );
    }
    for r in pr["reviews"].as_array().unwrap() {
        let (Some(at), false) = (time(&r["submitted_at"]), r["state"] == "PENDING") else {
            continue;
        };
        let body = r["body"].as_str().unwrap();
        let comment = (!body.trim().is_empty()).then(|| substantial(body));
        push(account(&r["author"]), at, Kind::Review { comment });
    }
    for c in pr["commits"].as_array().unwrap() {
        let a = &c["author"];
        let bot = [&a["login"], &a["name"]]
            .iter()
            .any(|v| v.as_str().is_some_and(is_bot_login))
            || a["email"].as_str().is_some_and(|e| e.contains("[bot]@"));
        let who = a["login"].as_str().unwrap_or(&author).to_string();
        push((who, bot), time(&c["committed_at"]).unwrap(), Kind::Commit);
    }
    for e in pr["events"].as_array().unwrap() {
        if e["kind"] == "MERGED" || e["kind"] == "CLOSED" {
            push(
                account(&e["actor"]),
                time(&e["created_at"]).unwrap(),
                Kind::MergeOrClose,
            );
        }
    }
    // Time order; within a second, reviewers before the author.
    acts.sort_by_key(|a| (a.at, a.who == author));
    let others: Vec<&Act> = acts.iter().filter(|a| a.who != author).collect();
    let is_comment = |a: &&Act| match a.kind {
        Kind::Comment { .. } => true,
        Kind::Review { comment } => comment.is_some(),
        _ => false,
    };
    let is_substantial = |a: &&Act| match a.kind {
        Kind::Comment { substantial } => substantial,
        Kind::Review { comment } => comment == Some(true),
        _ => false,
    };
    let first_review = others
        .iter()
        .find(|a| matches!(a.kind, Kind::Review { .. }))
        .map(|a| a.at);

    // Reaction time: each reviewer's first action in each wait for reviewers.
    let (mut reactions, mut waiting, mut responded) = (Vec::new(), Some(created), BTreeSet::new());
    // Responsiveness: from the reviewer action just before each submitter action.
    let (mut responses, mut last_reviewer) = (Vec::new(), None);
    for a in acts.iter().filter(|a| a.at >= created) {
        if a.who == author {
            if waiting.is_none() || !responded.is_empty() {
                waiting = Some(a.at);
                responded.clear();
            }
            if let Some(since) = last_reviewer.take() {
                responses.push(hours(since, a.at));
            }
        } else {
            if let Some(since) = waiting
                && responded.insert(a.who.clone())
            {
                reactions.push(hours(since, a.at));
            }
            last_reviewer = Some(a.at);
        }
    }
    if merged.is_none() {
        responses.clear();
    }
    json!({
        "timeToFirstCommentHours": others.iter().find(|a| is_comment(*a)).map(|a| hours(created, a.at)),
        "reactionTimesHours": reactions,
        "responsivenessTimesHours": responses,
        "thoroughlyReviewed": merged.is_some() && others.iter().any(|a| is_substantial(a)),
        "comments": acts.iter().filter(|a| matches!(a.kind, Kind::Comment { .. })).count(),
        "reviews": others.iter().filter(|a| matches!(a.kind, Kind::Review { .. })).count(),
        "iterations": first_review.map_or(0, |review| acts
            .iter()
            .filter(|a| a.kind == Kind::Commit && a.at > review)
            .count()),
    })
}

const FIGURES: &str = r#"query($filter: AnalyticsFilter!, $after: String) {
  pullRequestMetrics(filter: $filter, set: OPENED) {
    pullRequests(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes {
        number repository { fullName }
        timeToFirstCommentHours reactionTimesHours responsivenessTimesHours
        thoroughlyReviewed comments reviews iterations
      }
    }
  }
}"#;

/// The API's figures of every pull request opened in the range, by (repository, number).
async fn answered(app: &TestApp, filter: Value) -> BTreeMap<(String, i64), Value> {
    let mut all = BTreeMap::new();
    let mut after = Value::Null;
    loop {
        let page = app
            .data(FIGURES, json!({ "filter": filter, "after": after }))
            .await["pullRequestMetrics"]["pullRequests"]
            .clone();
        for node in page["nodes"].as_array().unwrap() {
            let key = (
                node["repository"]["fullName"].as_str().unwrap().to_string(),
                node["number"].as_i64().unwrap(),
            );
            let mut figures = node.clone();
            let object = figures.as_object_mut().unwrap();
            object.remove("number");
            object.remove("repository");
            all.insert(key, figures);
        }
        if page["pageInfo"]["hasNextPage"] != true {
            return all;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

/// Hours compare to the second (both sides divide whole seconds by 3,600).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            (x.as_f64().unwrap() - y.as_f64().unwrap()).abs() < 1e-6
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

async fn every_pull_request_agrees_with_an_independent_computation(app: &TestApp) {
    let integration = app.create_integration("owner").await;
    let groups = app
        .data(
            "query($id: ID!) { integration(id: $id) { groups { id login } } }",
            json!({ "id": integration }),
        )
        .await;
    let demo = groups["integration"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["login"] == github_sim::DEMO_ORG)
        .unwrap()["id"]
        .clone();
    let runs = app
        .data(
            "mutation($g: ID!) { importGroup(input: {groupId: $g}) { importRuns { id } userErrors { code } } }",
            json!({ "g": demo }),
        )
        .await["importGroup"]["importRuns"]
        .clone();
    for run in runs.as_array().unwrap() {
        let mut state = Value::Null;
        for _ in 0..1200 {
            state = app
                .data(
                    "query($id: ID!) { importRun(id: $id) { state error errorCode } }",
                    json!({ "id": run["id"] }),
                )
                .await["importRun"]
                .clone();
            if state["state"] == "SUCCEEDED" || state["state"] == "FAILED" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(state["state"], "SUCCEEDED", "{state}");
    }

    let dataset = app.sim_control(Method::GET, "/_sim/dataset", None).await;
    let demo_prefix = format!("{}/", github_sim::DEMO_ORG);
    // The range every pull request was opened in.
    let opened: Vec<DateTime<Utc>> = dataset["content"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["repository"].as_str().unwrap().starts_with(&demo_prefix))
        .flat_map(|c| c["pull_requests"].as_array().unwrap().iter())
        .map(|pr| time(&pr["created_at"]).unwrap())
        .collect();
    let from = opened.iter().min().unwrap().date_naive().to_string();
    let to = opened.iter().max().unwrap().date_naive().to_string();
    let mut compared = 0;
    for without_bots in [false, true] {
        let mut expected_by_key = BTreeMap::new();
        for content in dataset["content"].as_array().unwrap() {
            let repository = content["repository"].as_str().unwrap();
            if !repository.starts_with(&demo_prefix) {
                continue;
            }
            for pr in content["pull_requests"].as_array().unwrap() {
                if without_bots && account(&pr["author"]).1 {
                    continue;
                }
                expected_by_key.insert(
                    (repository.to_string(), pr["number"].as_i64().unwrap()),
                    expected(pr, without_bots),
                );
            }
        }
        let answered = answered(
            app,
            json!({ "integrationId": integration, "from": from, "to": to, "excludeBots": without_bots }),
        )
        .await;
        assert_eq!(
            answered.keys().collect::<Vec<_>>(),
            expected_by_key.keys().collect::<Vec<_>>(),
            "the same pull requests (excludeBots: {without_bots})"
        );
        let differing: Vec<String> = expected_by_key
            .iter()
            .filter(|(key, want)| !same(want, &answered[*key]))
            .map(|(key, want)| format!("{key:?}: expected {want}, answered {}", answered[key]))
            .collect();
        assert!(
            differing.is_empty(),
            "{} of {} pull requests differ (excludeBots: {without_bots}):\n{}",
            differing.len(),
            expected_by_key.len(),
            differing.join("\n")
        );
        compared += expected_by_key.len();
    }
    assert!(
        compared > 50,
        "the dataset has pull requests to compare ({compared})"
    );
}

on_every_backend!(
    every_pull_request_agrees_with_an_independent_computation,
    with_redis
);
