//! A pull request's timeline and who merged it, through the simulator's GraphQL
//! executor and its `/_sim` controls: paging by `itemTypes`, `first`/`last`/`before`/
//! `skip`, following pages with `node(id:)`, GitHub's paging errors and cost, and the
//! events `/_sim/mutate` adds when it closes, reopens or merges.

use poem::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::content::{PullRequestEventKind, PullRequestState, Reviewer};
use crate::tests::{graphql, send, token};
use crate::{GithubSim, SimConfig};

const TIMELINE: &str = "query($o: String!, $n: String!, $types: [PullRequestTimelineItemsItemType!],
    $first: Int, $last: Int, $after: String, $before: String, $skip: Int) {
  repository(owner: $o, name: $n) { pullRequests(first: 100) { nodes { number
    mergedBy { __typename login }
    timelineItems(first: $first, last: $last, after: $after, before: $before, skip: $skip, itemTypes: $types) {
      totalCount filteredCount pageCount updatedAt
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor }
      nodes { __typename
        ... on ClosedEvent { id createdAt actor { __typename login } }
        ... on MergedEvent { id createdAt actor { __typename login } }
        ... on ReopenedEvent { id createdAt actor { __typename login } }
        ... on ReviewRequestedEvent { id createdAt actor { login }
          requestedReviewer { __typename ... on User { login } ... on Team { combinedSlug } } }
        ... on ReviewRequestRemovedEvent { id createdAt actor { login }
          requestedReviewer { __typename ... on User { login } ... on Team { combinedSlug } } } } } } } } }";

const FOLLOW: &str = "query($id: ID!, $types: [PullRequestTimelineItemsItemType!], $after: String) {
  node(id: $id) { ... on PullRequest {
    timelineItems(first: 100, after: $after, itemTypes: $types) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { __typename ... on ReviewRequestedEvent { id } ... on ReviewRequestRemovedEvent { id } } } } }
  rateLimit { cost nodeCount } }";

fn heavy_repo(sim: &GithubSim) -> (String, String) {
    let repo = &sim.dataset().repos[0];
    (repo.owner.clone(), repo.name.clone())
}

fn pull(v: &Value, number: i64) -> Value {
    v["data"]["repository"]["pullRequests"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no pull requests: {v}"))
        .iter()
        .find(|p| p["number"] == number)
        .cloned()
        .unwrap_or_else(|| panic!("no #{number}: {v}"))
}

#[tokio::test]
async fn review_requests_page_through_the_timeline_by_item_type() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let (o, n) = heavy_repo(&sim);
    let content = sim.content(&format!("{o}/{n}")).unwrap();
    let heavy = &content.pull_requests[0];
    let requests: Vec<&str> = heavy
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                PullRequestEventKind::ReviewRequested | PullRequestEventKind::ReviewRequestRemoved
            )
        })
        .map(|e| e.node_id.as_str())
        .collect();
    assert!(
        requests.len() > 50,
        "{} review-request events",
        requests.len()
    );
    assert!(heavy.events.len() > 100, "{} events", heavy.events.len());
    let types = json!(["REVIEW_REQUESTED_EVENT", "REVIEW_REQUEST_REMOVED_EVENT"]);

    // The first page from the repository, the rest through node(id:).
    let v = graphql(
        &sim,
        &owner,
        TIMELINE,
        json!({"o": o, "n": n, "number": heavy.number, "types": types, "first": 25}),
    )
    .await
    .json();
    let t = &pull(&v, heavy.number)["timelineItems"];
    assert_eq!(t["totalCount"], requests.len(), "{t}");
    assert_eq!(t["filteredCount"], requests.len());
    assert_eq!(t["pageCount"], 25);
    assert_eq!(t["pageInfo"]["hasNextPage"], true);
    assert_eq!(t["edges"][24]["cursor"], t["pageInfo"]["endCursor"]);
    let first = t["nodes"].as_array().unwrap();
    assert!(first.iter().all(|e| {
        e["__typename"]
            .as_str()
            .unwrap()
            .starts_with("ReviewRequest")
    }));
    assert_eq!(first[0]["requestedReviewer"]["__typename"], "User");
    let mut seen: Vec<String> = first
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    let mut after = t["pageInfo"]["endCursor"].clone();
    loop {
        let v = graphql(
            &sim,
            &owner,
            FOLLOW,
            json!({"id": heavy.node_id, "types": types, "after": after}),
        )
        .await
        .json();
        let t = &v["data"]["node"]["timelineItems"];
        assert_eq!(t["totalCount"], requests.len(), "{v}");
        seen.extend(
            t["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_string()),
        );
        if t["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = t["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(
        seen, requests,
        "every request and removal once, oldest first"
    );

    // `last` with `before`, and `skip`.
    let v = graphql(
        &sim,
        &owner,
        TIMELINE,
        json!({"o": o, "n": n, "number": heavy.number, "types": types,
               "last": 3, "before": t["edges"][10]["cursor"]}),
    )
    .await
    .json();
    let t2 = &pull(&v, heavy.number)["timelineItems"];
    assert_eq!(t2["filteredCount"], 10);
    let ids: Vec<&str> = t2["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, requests[7..10]);
    assert_eq!(t2["pageInfo"]["hasPreviousPage"], true);
    let v = graphql(
        &sim,
        &owner,
        TIMELINE,
        json!({"o": o, "n": n, "number": heavy.number, "types": types, "first": 2, "skip": 4}),
    )
    .await
    .json();
    let t3 = &pull(&v, heavy.number)["timelineItems"];
    assert_eq!(t3["nodes"][0]["id"], requests[4]);
    assert_eq!(t3["pageCount"], 2);
}

#[tokio::test]
async fn a_merge_is_a_merged_and_a_closed_event_by_who_merged() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let (o, n) = heavy_repo(&sim);
    let content = sim.content(&format!("{o}/{n}")).unwrap();
    // The first story of a repository is closed by a reviewer, reopened, then merged.
    let pr = content
        .pull_requests
        .iter()
        .find(|p| {
            p.state == PullRequestState::Merged
                && p.events
                    .iter()
                    .any(|e| e.kind == PullRequestEventKind::Reopened)
        })
        .expect("a reopened, merged pull request");
    let types = json!(["MERGED_EVENT", "CLOSED_EVENT", "REOPENED_EVENT"]);
    let v = graphql(
        &sim,
        &owner,
        TIMELINE,
        json!({"o": o, "n": n, "number": pr.number, "types": types, "first": 10}),
    )
    .await
    .json();
    let p = pull(&v, pr.number);
    let merger = pr.merged_by.as_ref().unwrap();
    assert_eq!(p["mergedBy"]["login"], merger.login);
    assert_eq!(p["mergedBy"]["__typename"], "User");
    let kinds: Vec<&str> = p["timelineItems"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["__typename"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["ClosedEvent", "ReopenedEvent", "MergedEvent", "ClosedEvent"]
    );
    let nodes = &p["timelineItems"]["nodes"];
    assert_eq!(nodes[2]["createdAt"], nodes[3]["createdAt"]);
    assert_eq!(nodes[2]["actor"]["login"], merger.login);
    assert_eq!(nodes[3]["actor"]["login"], merger.login);
    assert_ne!(Some(&merger.login), pr.author.as_ref().map(|a| &a.login));
}

#[tokio::test]
async fn timeline_paging_follows_githubs_rules_and_cost() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let (o, n) = heavy_repo(&sim);
    let error = |v: Value| v["errors"][0].clone();
    let ask = |vars: Value| {
        let mut all = json!({"o": o, "n": n, "number": 1});
        all.as_object_mut()
            .unwrap()
            .extend(vars.as_object().unwrap().clone());
        all
    };
    let v = graphql(&sim, &owner, TIMELINE, ask(json!({"first": 101})))
        .await
        .json();
    assert_eq!(error(v)["type"], "EXCESSIVE_PAGINATION");
    let v = graphql(&sim, &owner, TIMELINE, ask(json!({"last": 101})))
        .await
        .json();
    assert_eq!(
        error(v)["message"],
        "Requesting 101 records on the `timelineItems` connection exceeds the `last` limit of 100 records."
    );
    let v = graphql(&sim, &owner, TIMELINE, ask(json!({}))).await.json();
    assert_eq!(error(v)["type"], "MISSING_PAGINATION_BOUNDARIES");
    let v = graphql(&sim, &owner, TIMELINE, ask(json!({"first": 1, "last": 1})))
        .await
        .json();
    assert!(
        error(v)["message"]
            .as_str()
            .unwrap()
            .contains("Passing both `first` and `last`")
    );
    let v = graphql(
        &sim,
        &owner,
        TIMELINE,
        ask(json!({"first": 1, "after": "bm9wZQ"})),
    )
    .await
    .json();
    assert_eq!(error(v)["type"], "INVALID_CURSOR_ARGUMENTS");

    // One request for the pull requests, one per pull request for its timeline:
    // 1 + 10 → cost 1; nodes 10 + 10 × 20.
    let query = "query($o: String!, $n: String!) { repository(owner: $o, name: $n) {
      pullRequests(first: 10) { nodes { timelineItems(last: 20) { totalCount } } } }
      rateLimit { cost nodeCount } }";
    let v = graphql(&sim, &owner, query, json!({"o": o, "n": n}))
        .await
        .json();
    assert_eq!(v["data"]["rateLimit"]["cost"], 1, "{v}");
    assert_eq!(v["data"]["rateLimit"]["nodeCount"], 210, "{v}");
}

async fn mutate(sim: &GithubSim, repo: &str, actions: Value) -> (StatusCode, Value) {
    let answer = send(
        sim,
        Method::POST,
        "/_sim/mutate",
        None,
        Some(json!({"repo": repo, "actions": actions})),
    )
    .await;
    (answer.status, answer.json())
}

#[tokio::test]
async fn mutations_close_reopen_and_merge_with_their_events() {
    let sim = GithubSim::new(SimConfig::default());
    let (o, n) = heavy_repo(&sim);
    let repo = format!("{o}/{n}");
    let people: Vec<String> = sim
        .dataset()
        .users
        .iter()
        .filter(|u| !u.service_account)
        .map(|u| u.login.clone())
        .take(2)
        .collect();
    let (author, reviewer) = (&people[0], &people[1]);
    let (status, opened) = mutate(
        &sim,
        &repo,
        json!([{"action": "add_pull_request", "author": author}]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{opened}");
    let number = opened["results"][0]["number"].as_i64().unwrap();
    let (status, answer) = mutate(
        &sim,
        &repo,
        json!([
            {"action": "edit_pull_request", "number": number, "state": "CLOSED", "actor": reviewer},
            {"action": "edit_pull_request", "number": number, "state": "OPEN", "actor": author},
            {"action": "add_review", "number": number, "state": "APPROVED", "author": reviewer},
            {"action": "edit_pull_request", "number": number, "state": "MERGED", "actor": reviewer},
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(
        answer["results"][3]["node_ids"][1]
            .as_str()
            .unwrap()
            .starts_with("ME_")
    );
    let pr = sim
        .content(&repo)
        .unwrap()
        .pull_requests
        .iter()
        .find(|p| p.number == number)
        .cloned()
        .unwrap();
    assert_eq!(pr.state, PullRequestState::Merged);
    assert_eq!(pr.merged_by.as_ref().unwrap().login, *reviewer);
    let kinds: Vec<PullRequestEventKind> = pr.events.iter().map(|e| e.kind).collect();
    use PullRequestEventKind as K;
    assert_eq!(kinds, [K::Closed, K::Reopened, K::Merged, K::Closed]);
    assert_eq!(pr.closed_at, pr.merged_at);
    assert_eq!(pr.events[3].created_at, pr.merged_at.unwrap());
    assert!(crate::content::tests::problems(&pr).is_empty());
    assert!(
        !pr.requested_reviewers
            .contains(&Reviewer::User(reviewer.clone()))
    );

    // GitHub refuses to reopen a merged pull request; nothing changes.
    let (status, refused) = mutate(
        &sim,
        &repo,
        json!([{"action": "edit_pull_request", "number": number, "state": "OPEN"}]),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused["message"].as_str().unwrap().contains("merged"));

    // The dataset serves who merged and the events.
    let dataset = send(
        &sim,
        Method::GET,
        &format!("/_sim/dataset?repo={repo}"),
        None,
        None,
    )
    .await
    .json();
    let served = dataset["content"][0]["pull_requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["number"] == number)
        .cloned()
        .unwrap();
    assert_eq!(
        served["merged_by"],
        json!({"login": reviewer, "is_bot": false})
    );
    assert_eq!(served["events"][2]["kind"], "MERGED");
    assert_eq!(served["events"][3]["actor"]["login"], *reviewer);
    assert_eq!(served["events"][0]["subject"], Value::Null);
}
