//! The import's GitHub side end to end: the fetch layer (`github::import`) pages
//! through github-sim over HTTP and must see exactly what `/_sim/dataset` holds; the
//! simulator's filters, mutations, faults and cost accounting show through it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use github::import::{
    COMMIT_PAGE_SIZE, Commit, PULL_REQUEST_PAGE_SIZE, Page, PullRequest, RepoRef, TICKET_PAGE_SIZE,
    Ticket,
};
use github::{GithubClient, GithubEndpoints, GithubError, Token};
use serde_json::{Value, json};
use tributary_tests::{GithubSim, RunningSim, SimConfig};

struct Sim {
    running: RunningSim,
    handle: GithubSim,
    http: reqwest::Client,
}

impl Sim {
    async fn start() -> Sim {
        let handle = GithubSim::new(SimConfig::default());
        let running = handle.clone().spawn("127.0.0.1:0").await.unwrap();
        Sim {
            running,
            handle,
            http: reqwest::Client::new(),
        }
    }

    fn client(&self) -> GithubClient {
        let base = self.running.base_url();
        GithubClient::new(GithubEndpoints::new(&base, &base))
    }

    fn token(&self, scenario: &str) -> Token {
        Token::new(self.handle.token(scenario).unwrap())
    }

    async fn get(&self, path: &str) -> Value {
        let url = format!("{}{path}", self.running.base_url());
        self.http
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.running.base_url());
        let response = self.http.post(url).json(&body).send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    /// The demo organization's first repository: it holds the pull request and the
    /// issue whose nested connections are longer than the client's first pages.
    async fn heavy_repo(&self) -> (RepoRef, Value) {
        let dataset = self.get("/_sim/dataset").await;
        let content = dataset["content"][0].clone();
        let (owner, name) = content["repository"]
            .as_str()
            .unwrap()
            .split_once('/')
            .unwrap();
        let repo = RepoRef {
            owner: owner.into(),
            name: name.into(),
        };
        (repo, content)
    }
}

/// Follows a listing to its end, checking the page accounting on the way.
async fn all<T, F, Fut>(mut fetch: F) -> (Vec<T>, Vec<Page<T>>)
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, GithubError>>,
{
    let mut items = Vec::new();
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let mut page = fetch(after.clone()).await.unwrap();
        assert!(page.requests >= 1 && page.points >= 1);
        assert!(page.rate_limit.is_some());
        items.append(&mut page.items);
        let next = page.has_next_page.then(|| page.end_cursor.clone().unwrap());
        pages.push(page);
        match next {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    (items, pages)
}

async fn commits(sim: &Sim, repo: &RepoRef, since: Option<DateTime<Utc>>) -> Vec<Commit> {
    commits_in_pages(sim, repo, since, COMMIT_PAGE_SIZE).await.0
}

/// Commits at a per-lane page size: a small one splits the history into many lanes.
async fn commits_in_pages(
    sim: &Sim,
    repo: &RepoRef,
    since: Option<DateTime<Utc>>,
    page_size: u32,
) -> (Vec<Commit>, Vec<Page<Commit>>) {
    let (client, token) = (sim.client(), sim.token("owner"));
    all(|after| {
        let (client, token) = (client.clone(), token.clone());
        async move {
            client
                .commit_page(&token, repo, since, after.as_deref(), page_size)
                .await
        }
    })
    .await
}

/// The dataset's commits (newest first) by oid, and the fetched ones, each once.
fn same_commits(fetched: &[Commit], expected: &[Value]) {
    let oids: Vec<&str> = fetched.iter().map(|c| c.oid.as_str()).collect();
    let unique: std::collections::HashSet<&str> = oids.iter().copied().collect();
    assert_eq!(unique.len(), oids.len(), "a commit came twice");
    let mut fetched: Vec<Value> = fetched.iter().map(|c| json!(c)).collect();
    let mut expected = expected.to_vec();
    let key = |c: &Value| c["oid"].as_str().unwrap().to_string();
    fetched.sort_by_key(key);
    expected.sort_by_key(key);
    assert_eq!(fetched, expected, "commits differ");
}

async fn pull_requests(sim: &Sim, repo: &RepoRef) -> (Vec<PullRequest>, Vec<Page<PullRequest>>) {
    let (client, token) = (sim.client(), sim.token("owner"));
    all(|after| {
        let (client, token) = (client.clone(), token.clone());
        async move {
            client
                .pull_request_page(&token, repo, after.as_deref(), PULL_REQUEST_PAGE_SIZE)
                .await
        }
    })
    .await
}

async fn tickets(sim: &Sim, repo: &RepoRef, since: Option<DateTime<Utc>>) -> Vec<Ticket> {
    let (client, token) = (sim.client(), sim.token("owner"));
    all(|after| {
        let (client, token) = (client.clone(), token.clone());
        async move {
            client
                .ticket_page(&token, repo, since, after.as_deref(), TICKET_PAGE_SIZE)
                .await
        }
    })
    .await
    .0
}

fn by_number(mut items: Vec<Value>) -> Vec<Value> {
    items.sort_by_key(|v| v["number"].as_i64());
    items
}

/// The simulator keeps review-thread comments in their threads; the importer lists
/// them after the conversation comments. Timeline events are compared without
/// GitHub's event ids: the store keys an event by its kind and second.
fn expected_pull_request(mut pr: Value) -> Value {
    // Read with the owner token, which sees no one else's pending review.
    let seen: Vec<Value> = tributary_tests::reviews_seen_by(&pr, tributary_tests::OWNER_LOGIN)
        .cloned()
        .collect();
    pr["reviews"] = Value::Array(seen);
    if let Some(events) = pr["events"].as_array_mut() {
        for event in events {
            event.as_object_mut().unwrap().remove("node_id");
        }
    }
    let threads = pr
        .as_object_mut()
        .unwrap()
        .remove("review_threads")
        .unwrap();
    let comments = pr["comments"].as_array_mut().unwrap();
    for thread in threads.as_array().unwrap() {
        comments.extend(thread["comments"].as_array().unwrap().iter().cloned());
    }
    never_edited(comments);
    pr
}

/// The simulator edits no comment, so GitHub's `updatedAt` is its `createdAt`.
fn never_edited(comments: &mut [Value]) {
    for comment in comments {
        comment["updated_at"] = comment["created_at"].clone();
    }
}

/// GitHub's timeline shows comments too: the importer's events are the simulator's
/// events and comments, oldest first.
fn expected_ticket(mut ticket: Value) -> Value {
    let mut events: Vec<Value> = ticket["events"].as_array().unwrap().clone();
    for c in ticket["comments"].as_array().unwrap() {
        events.push(
            json!({"node_id": c["node_id"], "kind": "COMMENTED", "actor": c["author"],
                           "created_at": c["created_at"], "subject": null}),
        );
    }
    events.sort_by(|a, b| {
        let key = |v: &Value| {
            (
                v["created_at"]
                    .as_str()
                    .unwrap()
                    .parse::<DateTime<Utc>>()
                    .unwrap(),
                v["node_id"].as_str().unwrap().to_string(),
            )
        };
        key(a).cmp(&key(b))
    });
    ticket["events"] = Value::Array(events);
    never_edited(ticket["comments"].as_array_mut().unwrap());
    ticket
}

#[tokio::test]
async fn paging_through_a_repository_yields_the_dataset_field_by_field() {
    let sim = Sim::start().await;
    let (repo, content) = sim.heavy_repo().await;

    let fetched = commits(&sim, &repo, None).await;
    assert_eq!(json!(fetched), content["commits"], "commits differ");
    assert!(
        fetched.iter().any(|c| c.parent_count == 2),
        "no merge commit"
    );
    assert!(
        fetched.iter().any(|c| c.author.login.is_none()),
        "every author linked"
    );

    let (fetched, pages) = pull_requests(&sim, &repo).await;
    let fetched_json: Vec<Value> = fetched.iter().map(|p| json!(p)).collect();
    let expected: Vec<Value> = content["pull_requests"]
        .as_array()
        .unwrap()
        .iter()
        .cloned()
        .map(expected_pull_request)
        .collect();
    assert_eq!(
        by_number(fetched_json),
        by_number(expected),
        "pull requests differ"
    );
    let updated: Vec<_> = fetched.iter().map(|p| p.updated_at).collect();
    assert!(
        updated.windows(2).all(|w| w[0] >= w[1]),
        "not newest update first"
    );
    assert_eq!(pages[0].total_count as usize, fetched.len());
    let heavy = fetched
        .iter()
        .find(|p| p.comments.len() > 150)
        .expect("the heavy PR");
    // 120 reviews in the dataset, less the pending ones of other people; still more
    // than a page, so that they are read by follow-ups.
    assert!(
        heavy.reviews.len() > 100 && heavy.commits.len() == 130 && heavy.reactions.len() == 60,
        "{} reviews, {} commits, {} reactions",
        heavy.reviews.len(),
        heavy.commits.len(),
        heavy.reactions.len()
    );
    assert!(
        pages.iter().any(|p| p.requests > 5),
        "the heavy PR's page made no follow-ups: {:?}",
        pages.iter().map(|p| p.requests).collect::<Vec<_>>()
    );

    let fetched = tickets(&sim, &repo, None).await;
    let expected: Vec<Value> = content["issues"]
        .as_array()
        .unwrap()
        .iter()
        .cloned()
        .map(expected_ticket)
        .collect();
    let fetched_json: Vec<Value> = fetched.iter().map(|t| json!(t)).collect();
    assert_eq!(
        by_number(fetched_json),
        by_number(expected),
        "tickets differ"
    );
    assert!(
        fetched
            .iter()
            .any(|t| t.comments.len() > 100 && t.events.len() > 100)
    );
    sim.running.shutdown_and_wait().await;
}

#[tokio::test]
async fn since_filters_and_mutations_show_through_the_fetch_layer() {
    let sim = Sim::start().await;
    let (repo, content) = sim.heavy_repo().await;
    let before = Utc::now() - chrono::Duration::seconds(5);
    assert!(commits(&sim, &repo, Some(before)).await.is_empty());
    assert!(tickets(&sim, &repo, Some(before)).await.is_empty());

    let first_issue = content["issues"][0]["number"].as_i64().unwrap();
    let first_pr = content["pull_requests"][1]["number"].as_i64().unwrap();
    let answer = sim
        .post(
            "/_sim/mutate",
            json!({"repo": format!("{}/{}", repo.owner, repo.name), "actions": [
                {"action": "add_commits", "count": 3},
                {"action": "add_issue", "title": "Fresh problem"},
                {"action": "close_issue", "number": first_issue, "reason": "NOT_PLANNED"},
                {"action": "add_review", "number": first_pr, "state": "CHANGES_REQUESTED", "body": "No."},
                {"action": "add_pull_request", "title": "Fresh change"},
            ]}),
        )
        .await;
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results[0]["node_ids"].as_array().unwrap().len(), 3);

    let new_commits = commits(&sim, &repo, Some(before)).await;
    let ids: Vec<Value> = new_commits.iter().map(|c| json!(c.node_id)).collect();
    let mut expected_ids = results[0]["node_ids"].as_array().unwrap().clone();
    expected_ids.reverse();
    assert_eq!(ids, expected_ids, "the new commits, newest first");

    let changed = tickets(&sim, &repo, Some(before)).await;
    let numbers: Vec<i64> = changed.iter().map(|t| t.number).collect();
    assert_eq!(numbers.len(), 2, "{numbers:?}");
    assert!(numbers.contains(&first_issue));
    let closed = changed.iter().find(|t| t.number == first_issue).unwrap();
    assert_eq!(closed.state_reason.as_deref(), Some("NOT_PLANNED"));

    let (prs, _) = pull_requests(&sim, &repo).await;
    assert_eq!(prs[0].title, "Fresh change", "newest update first");
    assert_eq!(prs[1].number, first_pr);
    assert_eq!(prs[1].reviews.last().unwrap().body, "No.");
    sim.running.shutdown_and_wait().await;
}

#[tokio::test]
async fn commit_lanes_yield_exactly_the_history_at_any_page_size() {
    let sim = Sim::start().await;
    let (repo, content) = sim.heavy_repo().await;
    let expected = content["commits"].as_array().unwrap().clone();
    // 3 commits a lane: the history splits into the most lanes; 100: one lane, one page.
    for page_size in [3, 7, 100] {
        let (fetched, pages) = commits_in_pages(&sim, &repo, None, page_size).await;
        same_commits(&fetched, &expected);
        for page in &pages {
            assert_eq!(page.total_count, expected.len() as i64);
        }
        if page_size == 3 {
            // 14 lanes of about 3 commits side by side: a page or two, not 14.
            assert!(pages.len() <= 2, "{} pages", pages.len());
            assert_eq!(pages[0].requests, 2, "the plan and the lanes");
        }
    }

    // The worker halves the page size after a 502 and goes on from the same position.
    let (client, token) = (sim.client(), sim.token("owner"));
    let first = client
        .commit_page(&token, &repo, None, None, 8)
        .await
        .unwrap();
    let mut fetched = first.items.clone();
    let mut after = first.end_cursor.clone();
    while let Some(cursor) = after.take() {
        let page = client
            .commit_page(&token, &repo, None, Some(&cursor), 4)
            .await
            .unwrap();
        assert!(page.items.len() <= github::import::LANES * 4);
        fetched.extend(page.items);
        after = page.has_next_page.then(|| page.end_cursor.unwrap());
    }
    same_commits(&fetched, &expected);

    // A position this version did not write is refused in words the user can act on.
    let error = client
        .commit_page(&token, &repo, None, Some("Y3Vyc29yOjE="), 8)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("commit import again"), "{error}");
    sim.running.shutdown_and_wait().await;
}

#[tokio::test]
async fn a_commit_on_a_lane_boundary_comes_once_and_since_bounds_the_first_lane() {
    let sim = Sim::start().await;
    let (repo, content) = sim.heavy_repo().await;
    let expected = content["commits"].as_array().unwrap();
    let date = |k: usize| -> DateTime<Utc> {
        expected[k]["committed_at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    // The dataset's commits are evenly spaced, so from `since` = commit 10 to the
    // newest (commit 0), two lanes (11 commits, 6 a lane) meet exactly on commit 5.
    let since = date(10);
    assert_eq!(date(0) - date(5), date(5) - date(10));
    let (fetched, pages) = commits_in_pages(&sim, &repo, Some(since), 6).await;
    same_commits(&fetched, &expected[..=10]);
    assert_eq!(pages[0].total_count, 11);
    assert_eq!(pages.len(), 1, "two lanes of at most 6 in one page");
    let oids: Vec<&str> = fetched.iter().map(|c| c.oid.as_str()).collect();
    let want: Vec<&str> = expected[..=10]
        .iter()
        .map(|c| c["oid"].as_str().unwrap())
        .collect();
    assert_eq!(oids, want, "newest window first, newest first within it");

    // New commits land in the last lane (no upper bound); since still holds.
    sim.post(
        "/_sim/mutate",
        json!({"repo": format!("{}/{}", repo.owner, repo.name), "actions": [
            {"action": "add_commits", "count": 4},
        ]}),
    )
    .await;
    let content = sim
        .get(&format!("/_sim/dataset?repo={}/{}", repo.owner, repo.name))
        .await;
    let expected = content["content"][0]["commits"].as_array().unwrap();
    let (fetched, _) = commits_in_pages(&sim, &repo, Some(since), 2).await;
    same_commits(&fetched, &expected[..=14]);
    let (fetched, _) = commits_in_pages(&sim, &repo, None, 3).await;
    same_commits(&fetched, expected);
    sim.running.shutdown_and_wait().await;
}

#[tokio::test]
async fn a_full_lane_query_costs_one_point() {
    let sim = Sim::start().await;
    let (repo, content) = sim.heavy_repo().await;
    let total = content["commits"].as_array().unwrap().len();
    sim.post("/_sim/stats/reset", json!({})).await;
    // 2 commits a lane over 40 commits: all 20 lanes in every query.
    let (fetched, pages) = commits_in_pages(&sim, &repo, None, 2).await;
    assert_eq!(fetched.len(), total);
    let stats = sim.get("/_sim/stats").await;
    let lanes = &stats["graphql"]["operations"]["CommitHistoryLanes"];
    assert_eq!(lanes["requests"], pages.len());
    assert_eq!(lanes["points"], pages.len(), "20 sibling lanes are 1 point");
    assert_eq!(
        stats["graphql"]["operations"]["CommitHistoryPlan"]["points"],
        1
    );
    let points: i64 = pages.iter().map(|p| p.points).sum();
    assert_eq!(stats["graphql"]["points"], points);
    sim.running.shutdown_and_wait().await;
}

/// A simulator with `faults` set, its heavy repository, and the owner's token.
async fn under_faults(faults: Value) -> (Sim, RepoRef, Token) {
    let sim = Sim::start().await;
    let (repo, _) = sim.heavy_repo().await;
    sim.post("/_sim/faults", faults).await;
    let token = sim.token("owner");
    (sim, repo, token)
}

/// One page of the repository's commits, read with `client`.
async fn commit_page(
    client: &GithubClient,
    token: &Token,
    repo: &RepoRef,
) -> Result<Page<Commit>, GithubError> {
    client.commit_page(token, repo, None, None, 10).await
}

/// How many times the simulator has injected `fault`.
async fn injected(sim: &Sim, fault: &str) -> Value {
    sim.get("/_sim/stats").await["faults"][fault].clone()
}

#[tokio::test]
async fn a_bad_gateway_arrives_as_a_timeout() {
    let (sim, repo, token) = under_faults(json!({"bad_gateway_rate": 1.0})).await;
    let error = commit_page(&sim.client(), &token, &repo).await.unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert_eq!(injected(&sim, "bad_gateway").await, 1);
    sim.running.shutdown_and_wait().await;
}

#[tokio::test]
async fn a_secondary_rate_limit_says_when_to_retry_and_then_passes() {
    let (sim, repo, token) =
        under_faults(json!({"secondary_rate_limit": {"requests": 1, "retry_after_secs": 7}})).await;
    let client = sim.client();
    let error = commit_page(&client, &token, &repo).await.unwrap_err();
    assert_eq!(error.retry_after(), Some(Duration::from_secs(7)), "{error}");
    commit_page(&client, &token, &repo).await.unwrap();
    assert_eq!(injected(&sim, "secondary_rate_limit").await, 1);
    sim.running.shutdown_and_wait().await;
}

#[tokio::test]
async fn an_exhausted_budget_says_when_it_resets() {
    let (sim, repo, token) = under_faults(json!({"exhausted_budget": {"reset_in_secs": 30}})).await;
    let error = commit_page(&sim.client(), &token, &repo).await.unwrap_err();
    let reset = error
        .rate_limit_reset()
        .unwrap_or_else(|| panic!("{error}"));
    assert!(reset > Utc::now() && reset < Utc::now() + chrono::Duration::seconds(40));
    assert_eq!(injected(&sim, "rate_limited").await, 1);
    sim.running.shutdown_and_wait().await;
}

#[tokio::test]
async fn a_revoked_token_is_bad_credentials_and_not_named_in_the_error() {
    let (sim, repo, token) = under_faults(json!({"revoked_tokens": ["owner"]})).await;
    let error = commit_page(&sim.client(), &token, &repo).await.unwrap_err();
    assert!(matches!(error, GithubError::BadCredentials), "{error}");
    assert!(!error.to_string().contains(token.expose()));
    assert_eq!(injected(&sim, "revoked").await, 1);
    sim.running.shutdown_and_wait().await;
}

#[tokio::test]
async fn an_answer_slower_than_the_clients_timeout_is_a_timeout() {
    let (sim, repo, token) = under_faults(json!({"latency_ms": 300})).await;
    let slow = GithubClient::with_request_timeout(
        sim.client().endpoints().clone(),
        Duration::from_millis(100),
    );
    let error = commit_page(&slow, &token, &repo).await.unwrap_err();
    assert!(error.is_timeout(), "{error}");
    sim.running.shutdown_and_wait().await;
}

#[tokio::test]
async fn stats_count_the_points_pages_report() {
    let sim = Sim::start().await;
    let (repo, _) = sim.heavy_repo().await;
    sim.post("/_sim/stats/reset", json!({})).await;
    let (_, pages) = pull_requests(&sim, &repo).await;
    let requests: u64 = pages.iter().map(|p| u64::from(p.requests)).sum();
    let points: i64 = pages.iter().map(|p| p.points).sum();
    let stats = sim.get("/_sim/stats").await;
    assert_eq!(stats["graphql"]["requests"], requests);
    assert_eq!(stats["graphql"]["points"], points);
    // Each top-level page costs one point at the default page size.
    assert_eq!(
        stats["graphql"]["operations"]["PullRequests"]["points"],
        pages.len()
    );
    // 150 comments: 50 on the first page, 100 in one follow-up.
    assert_eq!(
        stats["graphql"]["operations"]["PullRequestComments"]["requests"],
        1
    );
    assert!(stats["graphql"]["operations"]["ReviewThreadComments"]["requests"].as_u64() >= Some(1));
    // The default ticket page (1 + 37·4 = 149 requests) still rounds to one point.
    sim.post("/_sim/stats/reset", json!({})).await;
    tickets(&sim, &repo, None).await;
    let stats = sim.get("/_sim/stats").await;
    let issues = &stats["graphql"]["operations"]["RepositoryIssues"];
    assert_eq!(issues["points"], issues["requests"], "{stats}");
    sim.running.shutdown_and_wait().await;
}
