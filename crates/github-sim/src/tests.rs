//! End-to-end checks of the simulator through its poem endpoint.

use poem::http::{HeaderMap, Method, StatusCode};
use poem::{Endpoint, Request};
use serde_json::{Value, json};

use super::*;

pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub(crate) async fn send(
    sim: &GithubSim,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let mut req = Request::builder()
        .method(method)
        .uri(poem::http::Uri::try_from(path).unwrap())
        .header("host", "127.0.0.1:4000")
        .header("user-agent", "tributary-tests");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => req.body(b.to_string()),
        None => req.finish(),
    };
    let resp = sim.endpoint().call(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.into_body().into_string().await.unwrap();
    Reply {
        status,
        headers,
        text,
    }
}

pub(crate) async fn get(sim: &GithubSim, path: &str, token: Option<&str>) -> Reply {
    send(sim, Method::GET, path, token, None).await
}

pub(crate) async fn graphql(sim: &GithubSim, token: &str, query: &str, variables: Value) -> Reply {
    send(
        sim,
        Method::POST,
        "/graphql",
        Some(token),
        Some(json!({"query": query, "variables": variables})),
    )
    .await
}

pub(crate) fn token(sim: &GithubSim, name: &str) -> String {
    sim.token(name).unwrap_or_else(|| panic!("no token {name}"))
}

#[test]
fn same_seed_gives_identical_data() {
    let a = GithubSim::new(SimConfig {
        seed: 42,
        ..Default::default()
    });
    let b = GithubSim::new(SimConfig {
        seed: 42,
        ..Default::default()
    });
    let c = GithubSim::new(SimConfig::default());
    assert_eq!(
        serde_json::to_string(&a.dataset()).unwrap(),
        serde_json::to_string(&b.dataset()).unwrap()
    );
    assert_ne!(a.tokens()[0].token, c.tokens()[0].token);
    assert_eq!(a.tokens().len(), 8);
}

/// The contract lives in the `github` crate; compare both SDLs line by line,
/// ignoring descriptions, comments, order and indentation.
#[test]
fn sdl_matches_contract() {
    fn normalize(sdl: &str) -> Vec<String> {
        let mut lines = Vec::new();
        let mut in_block = false;
        for line in sdl.lines().map(str::trim) {
            if line.starts_with("\"\"\"") {
                let single = line.len() > 3 && line.ends_with("\"\"\"");
                if !single {
                    in_block = !in_block;
                }
                continue;
            }
            if in_block || line.is_empty() || line.starts_with('#') || line.starts_with('"') {
                continue;
            }
            // One-line descriptions prefix a field: `"text" field: T`.
            lines.push(line.to_string());
        }
        lines.sort();
        lines
    }
    let contract = include_str!("../../github/graphql/schema.graphql");
    let expected = normalize(contract);
    assert!(expected.len() > 50, "contract not read: {expected:?}");
    assert_eq!(normalize(&graphql_sdl()), expected);
}

#[tokio::test]
async fn graphql_paginates_owner_repositories() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let query = include_str!("../../github/graphql/owner_repositories.graphql");
    let mut after: Option<String> = None;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let r = graphql(
            &sim,
            &owner,
            query,
            json!({"login": "acme-corp", "first": 3, "after": after}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.header("x-ratelimit-resource"), Some("graphql"));
        let v = r.json();
        assert!(v.get("errors").is_none(), "{v}");
        let conn = &v["data"]["repositoryOwner"]["repositories"];
        assert_eq!(v["data"]["repositoryOwner"]["__typename"], "Organization");
        assert_eq!(conn["totalCount"], 8);
        for node in conn["nodes"].as_array().unwrap() {
            assert_eq!(node["owner"]["login"], "acme-corp");
            assert!(
                node["url"]
                    .as_str()
                    .unwrap()
                    .starts_with("http://127.0.0.1:4000/acme-corp/")
            );
            seen.push(node["databaseId"].as_i64().unwrap());
        }
        assert_eq!(v["data"]["rateLimit"]["cost"], 1);
        pages += 1;
        if conn["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = conn["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
    assert_eq!(pages, 3);
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique.len(), 8);
}

#[tokio::test]
async fn graphql_hides_private_repos_the_viewer_cannot_see() {
    let sim = GithubSim::new(SimConfig::default());
    let d = sim.dataset();
    let q = "query($l:String!){ organization(login:$l){ viewerIsAMember viewerCanAdminister repositories(first:100){ totalCount nodes{ isPrivate } } } }";
    let count = |v: &Value| {
        v["data"]["organization"]["repositories"]["totalCount"]
            .as_u64()
            .unwrap() as usize
    };

    let all = d.repos.iter().filter(|r| r.owner == "globex").count();
    let public = d
        .repos
        .iter()
        .filter(|r| r.owner == "globex" && !r.private)
        .count();
    let v = graphql(&sim, &token(&sim, "owner"), q, json!({"l": "globex"}))
        .await
        .json();
    assert_eq!(v["data"]["organization"]["viewerCanAdminister"], false);
    let owner_sees = count(&v);
    assert!(
        owner_sees > public && owner_sees <= all - 2,
        "{owner_sees} of {all}"
    );

    let v = graphql(
        &sim,
        &token(&sim, "fine-grained"),
        q,
        json!({"l": "globex"}),
    )
    .await
    .json();
    assert_eq!(count(&v), public);
    let v = graphql(&sim, &token(&sim, "no-scopes"), q, json!({"l": "globex"}))
        .await
        .json();
    assert_eq!(count(&v), public);
}

#[tokio::test]
async fn graphql_pagination_errors_are_github_shaped() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let v = graphql(
        &sim,
        &owner,
        "{ viewer { repositories(first: 101) { totalCount } } }",
        json!({}),
    )
    .await
    .json();
    let err = &v["errors"][0];
    assert_eq!(err["type"], "EXCESSIVE_PAGINATION");
    assert_eq!(
        err["message"],
        "Requesting 101 records on the `repositories` connection exceeds the `first` limit of 100 records."
    );
    assert!(err.get("extensions").is_none(), "{err}");

    let v = graphql(
        &sim,
        &owner,
        "{ viewer { repositories { totalCount } } }",
        json!({}),
    )
    .await
    .json();
    assert_eq!(v["errors"][0]["type"], "MISSING_PAGINATION_BOUNDARIES");
}

#[tokio::test]
async fn graphql_saml_failure() {
    let sim = GithubSim::new(SimConfig::default());
    let r = graphql(&sim, &token(&sim, "sso-unauthorized"), "{ organization(login: \"initech\") { login } acme: organization(login: \"acme-corp\") { login } }", json!({})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.header("x-github-sso")
            .is_some_and(|h| h.contains("/orgs/initech/sso?authorization_request="))
    );
    let v = r.json();
    assert_eq!(v["data"]["organization"], Value::Null);
    assert_eq!(v["data"]["acme"]["login"], "acme-corp");
    let err = &v["errors"][0];
    assert_eq!(err["type"], "FORBIDDEN");
    assert_eq!(err["extensions"]["saml_failure"], true);
    assert_eq!(err["path"], json!(["organization"]));
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .starts_with("Resource protected by organization SAML enforcement.")
    );

    let v = graphql(
        &sim,
        &token(&sim, "owner"),
        "{ organization(login: \"initech\") { login } }",
        json!({}),
    )
    .await
    .json();
    assert_eq!(v["data"]["organization"]["login"], "initech");
}

#[tokio::test]
async fn rest_sso_required_and_partial_results() {
    let sim = GithubSim::new(SimConfig::default());
    let d = sim.dataset();
    let sso = token(&sim, "sso-unauthorized");

    let r = get(&sim, "/orgs/initech", Some(&sso)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.header("x-github-sso").unwrap().starts_with(
        "required; url=http://127.0.0.1:4000/orgs/initech/sso?authorization_request="
    ));
    assert_eq!(
        r.json()["message"],
        "Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization."
    );

    let initech_id = d.orgs.iter().find(|o| o.login == "initech").unwrap().id;
    for path in ["/user/orgs", "/user/memberships/orgs"] {
        let r = get(&sim, path, Some(&sso)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(
            r.header("x-github-sso"),
            Some(format!("partial-results; organizations={initech_id}").as_str())
        );
        assert_eq!(r.json().as_array().unwrap().len(), 1);
    }

    let r = get(&sim, "/user/memberships/orgs/initech", Some(&sso)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = get(&sim, "/user/memberships/orgs/globex", Some(&sso)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let page = get(&sim, "/orgs/initech/sso?authorization_request=abc", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("initech"));
}

#[tokio::test]
async fn rest_auth_failures() {
    let sim = GithubSim::new(SimConfig::default());
    let r = get(&sim, "/user", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["message"], "Requires authentication");
    let r = get(&sim, "/user", Some(&token(&sim, "revoked"))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["message"], "Bad credentials");
    let r = get(
        &sim,
        "/user",
        Some("ghp_000000000000000000000000000000000000"),
    )
    .await;
    assert_eq!(r.json()["message"], "Bad credentials");

    let resp = sim
        .endpoint()
        .call(
            Request::builder()
                .uri(poem::http::Uri::from_static("/user"))
                .finish(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(
        resp.into_body()
            .into_string()
            .await
            .unwrap()
            .starts_with("Request forbidden by administrative rules.")
    );

    let r = get(&sim, "/user", Some(&token(&sim, "secondary-rate-limit"))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.header("retry-after"), Some("60"));
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("You have exceeded a secondary rate limit.")
    );
}

#[tokio::test]
async fn rest_scope_headers_per_token_kind() {
    let sim = GithubSim::new(SimConfig::default());
    let r = get(&sim, "/user", Some(&token(&sim, "owner"))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header("x-oauth-scopes"),
        Some("repo, admin:org, admin:repo_hook, admin:org_hook, user")
    );
    assert_eq!(r.header("x-ratelimit-limit"), Some("5000"));
    assert_eq!(r.header("x-ratelimit-resource"), Some("core"));
    assert_eq!(r.json()["login"], "tributary-svc");
    let before: u32 = r.header("x-ratelimit-remaining").unwrap().parse().unwrap();
    let after: u32 = get(&sim, "/user", Some(&token(&sim, "owner")))
        .await
        .header("x-ratelimit-remaining")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(after + 1, before);

    let fg = token(&sim, "fine-grained");
    let r = get(&sim, "/user", Some(&fg)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("x-oauth-scopes").is_none());
    assert_eq!(get(&sim, "/user/orgs", Some(&fg)).await.json(), json!([]));
    assert_eq!(
        get(&sim, "/user/memberships/orgs", Some(&fg)).await.json(),
        json!([])
    );
    let r = get(&sim, "/user/memberships/orgs/acme-corp", Some(&fg)).await;
    assert_eq!(
        r.json()["message"],
        "Resource not accessible by personal access token"
    );
    let r = get(&sim, "/orgs/acme-corp", Some(&fg)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json().get("total_private_repos").is_none());

    let r = get(&sim, "/user/orgs", Some(&token(&sim, "no-scopes"))).await;
    assert_eq!(r.header("x-oauth-scopes"), Some(""));
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let r = get(&sim, "/orgs/globex", Some(&token(&sim, "owner"))).await;
    let d = sim.dataset();
    let private = d
        .repos
        .iter()
        .filter(|r| r.owner == "globex" && r.private)
        .count();
    assert_eq!(r.json()["total_private_repos"], private);
}

#[tokio::test]
async fn rest_membership_pagination_links() {
    let sim = GithubSim::new(SimConfig::default());
    let r = get(
        &sim,
        "/user/memberships/orgs?state=active&per_page=1&page=2",
        Some(&token(&sim, "owner")),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["organization"]["login"], "globex");
    assert_eq!(v[0]["role"], "member");
    let link = r.header("link").unwrap();
    assert!(link.contains("<http://127.0.0.1:4000/user/memberships/orgs?state=active&per_page=1&page=3>; rel=\"next\""), "{link}");
    assert!(link.contains("page=3>; rel=\"last\""), "{link}");
    assert!(link.contains("page=1>; rel=\"prev\""), "{link}");
}

#[tokio::test]
async fn unknown_paths_and_bad_bodies_do_not_panic() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let r = get(&sim, "/nope/%ff/x?page=%", Some(&owner)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["message"], "Not Found");
    let r = send(&sim, Method::POST, "/graphql", Some(&owner), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = graphql(&sim, &owner, "{ viewer { ", json!(null)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json()["errors"].is_array());
    let r = graphql(
        &sim,
        &owner,
        "{ viewer { repositories(first: 5, after: \"bogus\") { totalCount } } }",
        json!({}),
    )
    .await;
    assert!(r.json()["errors"].is_array());
}

#[tokio::test]
async fn spawned_server_answers_over_tcp() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let running = GithubSim::new(SimConfig::default())
        .spawn("127.0.0.1:0")
        .await
        .unwrap();
    assert!(running.base_url().starts_with("http://127.0.0.1:"));
    let mut stream = tokio::net::TcpStream::connect(running.addr).await.unwrap();
    stream
        .write_all(b"GET /_sim/tokens HTTP/1.1\r\nHost: sim\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).await.unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(out.contains("\"sso-unauthorized\""));
    running.shutdown_and_wait().await;
}

/// The demo organization's first repository (the one with the long pull request).
fn heavy_repo(sim: &GithubSim) -> (String, String) {
    let repo = &sim.dataset().repos[0];
    (repo.owner.clone(), repo.name.clone())
}

const HISTORY: &str =
    "query($owner: String!, $name: String!, $first: Int, $after: String, $since: GitTimestamp) {
  repository(owner: $owner, name: $name) { defaultBranchRef { target { ... on Commit {
    history(first: $first, after: $after, since: $since) {
      totalCount pageInfo { hasNextPage endCursor hasPreviousPage startCursor }
      nodes { oid committedDate parents { totalCount } } } } } } }
  rateLimit { cost } }";

#[tokio::test]
async fn history_pages_with_opaque_cursors_to_the_end() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let (o, n) = heavy_repo(&sim);
    let mut after: Option<String> = None;
    let mut seen = Vec::new();
    let mut total = None;
    loop {
        let v = graphql(
            &sim,
            &owner,
            HISTORY,
            json!({"owner": o, "name": n, "first": 7, "after": after}),
        )
        .await
        .json();
        let h = &v["data"]["repository"]["defaultBranchRef"]["target"]["history"];
        total = total.or(h["totalCount"].as_u64());
        assert_eq!(h["totalCount"].as_u64(), total, "totalCount stays put");
        assert_eq!(h["pageInfo"]["hasPreviousPage"], after.is_some());
        for node in h["nodes"].as_array().unwrap() {
            seen.push(node["committedDate"].as_str().unwrap().to_string());
        }
        let cursor = h["pageInfo"]["endCursor"].as_str().unwrap().to_string();
        assert!(
            !cursor.chars().all(|c| c.is_ascii_digit()),
            "cursor {cursor} is not opaque"
        );
        if h["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = Some(cursor);
    }
    assert_eq!(seen.len() as u64, total.unwrap());
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first, like git log");

    // `since` keeps the commits at or after it.
    let since = &seen[9];
    let v = graphql(
        &sim,
        &owner,
        HISTORY,
        json!({"owner": o, "name": n, "first": 100, "since": since}),
    )
    .await
    .json();
    let h = &v["data"]["repository"]["defaultBranchRef"]["target"]["history"];
    assert_eq!(h["totalCount"], 10);
}

#[tokio::test]
async fn content_connections_validate_first_and_cursors_like_github() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let (o, n) = heavy_repo(&sim);
    let errors = |v: Value| v["errors"][0].clone();
    let v = graphql(&sim, &owner, HISTORY, json!({"owner": o, "name": n}))
        .await
        .json();
    assert_eq!(errors(v)["type"], "MISSING_PAGINATION_BOUNDARIES");
    let v = graphql(
        &sim,
        &owner,
        HISTORY,
        json!({"owner": o, "name": n, "first": 101}),
    )
    .await
    .json();
    assert_eq!(
        errors(v)["message"],
        "Requesting 101 records on the `history` connection exceeds the `first` limit of 100 records."
    );
    let v = graphql(
        &sim,
        &owner,
        HISTORY,
        json!({"owner": o, "name": n, "first": 1, "after": "bm90IGEgY3Vyc29y"}),
    )
    .await
    .json();
    assert_eq!(errors(v)["type"], "INVALID_CURSOR_ARGUMENTS");
    // A count alone needs no page size.
    let v = graphql(
        &sim,
        &owner,
        "query($o: String!, $n: String!) { repository(owner: $o, name: $n) { pullRequests { totalCount } issues { totalCount } } }",
        json!({"o": o, "n": n}),
    )
    .await
    .json();
    let content = &sim.content(&format!("{o}/{n}")).unwrap();
    assert_eq!(
        v["data"]["repository"]["pullRequests"]["totalCount"],
        content.pull_requests.len()
    );
    assert_eq!(
        v["data"]["repository"]["issues"]["totalCount"],
        content.issues.len()
    );
}

#[tokio::test]
async fn cost_follows_githubs_rule() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let (o, n) = heavy_repo(&sim);
    // 1 + first·(labels + reviews) + first·threads·… : first 10 → 1 + 20 + 10 = 31 → 1;
    // first 100 with 50 threads → 1 + 200 + 100 + 5,000 = 5,301 → 53.
    let query = "query($o: String!, $n: String!, $first: Int!, $threads: Int!) { repository(owner: $o, name: $n) {
      pullRequests(first: $first) { nodes { labels(first: 100) { totalCount } reviews(first: 100) { totalCount }
        reviewThreads(first: $threads) { nodes { comments(first: 100) { totalCount } } } } } }
      rateLimit { cost remaining } }";
    let v = graphql(
        &sim,
        &owner,
        query,
        json!({"o": o, "n": n, "first": 10, "threads": 1}),
    )
    .await
    .json();
    assert_eq!(v["data"]["rateLimit"]["cost"], 1, "{v}");
    let v = graphql(
        &sim,
        &owner,
        query,
        // 40 threads, not 50: 50 would ask for 525,100 possible nodes, past GitHub's
        // node limit (a_dry_run_costs_nothing_and_the_node_limit_refuses_uncharged).
        json!({"o": o, "n": n, "first": 100, "threads": 40}),
    )
    .await
    .json();
    assert_eq!(v["data"]["rateLimit"]["cost"], 43, "{v}");
    assert_eq!(v["data"]["rateLimit"]["remaining"], 5000 - 1 - 43);
    let stats = send(&sim, Method::GET, "/_sim/stats", None, None)
        .await
        .json();
    assert_eq!(stats["graphql"]["points"], 44);
    assert_eq!(stats["graphql"]["operations"]["anonymous"]["requests"], 2);
}

/// `rateLimit(dryRun: true)` prices a query and charges nothing; a query that could
/// return more than 500,000 nodes is refused before it runs, as GitHub does, and not
/// charged either.
#[tokio::test]
async fn a_dry_run_costs_nothing_and_the_node_limit_refuses_uncharged() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let (o, n) = heavy_repo(&sim);
    let query =
        "query($o: String!, $n: String!, $dry: Boolean!) { repository(owner: $o, name: $n) {
      pullRequests(first: 100) { nodes { reviews(first: 100) { totalCount } } } }
      rateLimit(dryRun: $dry) { cost remaining } }";
    let dry = graphql(&sim, &owner, query, json!({"o": o, "n": n, "dry": true}))
        .await
        .json();
    assert_eq!(dry["data"]["rateLimit"]["cost"], 1, "{dry}");
    assert_eq!(dry["data"]["rateLimit"]["remaining"], 5000, "{dry}");
    let real = graphql(&sim, &owner, query, json!({"o": o, "n": n, "dry": false}))
        .await
        .json();
    assert_eq!(real["data"]["rateLimit"]["remaining"], 4999, "{real}");

    // 100 × 100 × 100 = 1,000,000 possible nodes below the first 100.
    let huge = "query($o: String!, $n: String!) { repository(owner: $o, name: $n) {
      pullRequests(first: 100) { nodes { reviewThreads(first: 100) { nodes {
        comments(first: 100) { totalCount } } } } } } }";
    let refused = graphql(&sim, &owner, huge, json!({"o": o, "n": n}))
        .await
        .json();
    assert_eq!(
        refused["errors"][0]["type"], "MAX_NODE_LIMIT_EXCEEDED",
        "{refused}"
    );
    assert!(refused["data"].is_null(), "{refused}");
    let after = graphql(&sim, &owner, query, json!({"o": o, "n": n, "dry": true}))
        .await
        .json();
    assert_eq!(after["data"]["rateLimit"]["remaining"], 4999, "{after}");
}

const WINDOW: &str = "query($o: String!, $n: String!, $since: GitTimestamp, $until: GitTimestamp) {
  repository(owner: $o, name: $n) { defaultBranchRef { target { ... on Commit {
    history(first: 100, since: $since, until: $until) { totalCount nodes { committedDate } } } } } } }";

#[tokio::test]
async fn history_since_and_until_are_inclusive_commit_date_bounds() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let (o, n) = heavy_repo(&sim);
    let dates: Vec<String> = sim
        .content(&format!("{o}/{n}"))
        .unwrap()
        .commits
        .iter()
        .map(|c| {
            c.committed_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        })
        .collect();
    let window = |since: Option<&str>, until: Option<&str>| {
        let (sim, owner) = (&sim, &owner);
        let variables = json!({"o": o, "n": n, "since": since, "until": until});
        async move {
            let v = graphql(sim, owner, WINDOW, variables).await.json();
            let h = &v["data"]["repository"]["defaultBranchRef"]["target"]["history"];
            let nodes: Vec<String> = h["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["committedDate"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(h["totalCount"], nodes.len(), "{v}");
            nodes
        }
    };
    // Newest first: dates[3] is newer than dates[9]. Both bounds keep commits on them.
    let between = window(Some(&dates[9]), Some(&dates[3])).await;
    assert_eq!(between, dates[3..=9].to_vec());
    assert_eq!(
        window(None, Some(&dates[3])).await,
        dates[3..].iter().take(100).cloned().collect::<Vec<_>>()
    );
    // Windows that meet at a boundary share exactly the commit on it.
    let newer = window(Some(&dates[5]), None).await;
    let older = window(Some(&dates[9]), Some(&dates[5])).await;
    assert_eq!(newer.last(), Some(&dates[5]));
    assert_eq!(older.first(), Some(&dates[5]));
    // An empty window (until before since) is empty, not an error.
    assert!(window(Some(&dates[3]), Some(&dates[9])).await.is_empty());
}

#[tokio::test]
async fn sibling_lanes_add_up_and_skipped_fields_cost_nothing() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let (o, n) = heavy_repo(&sim);
    let lanes = |count: usize| {
        let fields: String = (0..count)
            .map(|k| format!("l{k}: history(first: 100) @include(if: $on) {{ totalCount }} "))
            .collect();
        format!(
            "query($o: String!, $n: String!, $on: Boolean!) {{ repository(owner: $o, name: $n) {{
              defaultBranchRef {{ target {{ ... on Commit {{ oid {fields} }} }} }} }}
              rateLimit {{ cost }} }}"
        )
    };
    let cost = |query: String, on: bool| {
        let (sim, owner) = (&sim, &owner);
        let variables = json!({"o": o, "n": n, "on": on});
        async move {
            let v = graphql(sim, owner, &query, variables).await.json();
            v["data"]["rateLimit"]["cost"].clone()
        }
    };
    // Siblings are not multiplied: 20 lanes are 20 requests, 1 point; 149 still round
    // to 1; 150 round to 2 (GitHub rounds requests ÷ 100).
    assert_eq!(cost(lanes(20), true).await, 1);
    assert_eq!(cost(lanes(149), true).await, 1);
    assert_eq!(cost(lanes(150), true).await, 2);
    assert_eq!(cost(lanes(250), true).await, 3);
    // `@include(if: false)` leaves the lanes out of the cost (and of the answer).
    assert_eq!(cost(lanes(250), false).await, 1);
    let v = graphql(
        &sim,
        &owner,
        &lanes(2),
        json!({"o": o, "n": n, "on": false}),
    )
    .await
    .json();
    let target = &v["data"]["repository"]["defaultBranchRef"]["target"];
    assert!(target["oid"].is_string(), "{v}");
    assert_eq!(target.as_object().map(|t| t.len()), Some(1), "{v}");
    // `@skip` on an expensive nested connection: 1 + 100·(1 + 40) = 4,101 → 41, or
    // without the skipped threads' comments 1 + 100 = 101 → 1 (40 threads keep the
    // query under GitHub's 500,000-node limit).
    let query =
        "query($o: String!, $n: String!, $skip: Boolean!) { repository(owner: $o, name: $n) {
      pullRequests(first: 100) { nodes { reviewThreads(first: 40) {
        nodes { comments(first: 100) @skip(if: $skip) { totalCount } } } } } }
      rateLimit { cost } }";
    for (skip, expected) in [(false, 41), (true, 1)] {
        let v = graphql(&sim, &owner, query, json!({"o": o, "n": n, "skip": skip}))
            .await
            .json();
        assert_eq!(v["data"]["rateLimit"]["cost"], expected, "{v}");
    }
}

#[tokio::test]
async fn node_resolves_only_what_the_viewer_may_see() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let private = sim
        .dataset()
        .repos
        .iter()
        .find(|r| r.private && r.owner == DEMO_ORG)
        .unwrap()
        .full_name();
    let pr = sim.content(&private).unwrap().pull_requests[0]
        .node_id
        .clone();
    let query = "query($id: ID!) { node(id: $id) { __typename ... on PullRequest { number } } }";
    let v = graphql(&sim, &owner, query, json!({"id": pr})).await.json();
    assert_eq!(v["data"]["node"]["__typename"], "PullRequest", "{v}");
    let outsider = token(&sim, "member");
    let v = graphql(&sim, &outsider, query, json!({"id": "PR_nope"}))
        .await
        .json();
    assert_eq!(v["errors"][0]["type"], "NOT_FOUND");
}

#[tokio::test]
async fn mutations_are_all_or_nothing() {
    let sim = GithubSim::new(SimConfig::default());
    let (o, n) = heavy_repo(&sim);
    let repo = format!("{o}/{n}");
    let before = sim.content(&repo).unwrap().commits.len();
    let body = json!({"repo": repo, "actions": [
        {"action": "add_commits", "count": 2},
        {"action": "close_issue", "number": 99999}
    ]});
    let reply = send(&sim, Method::POST, "/_sim/mutate", None, Some(body)).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.json()["message"].as_str().unwrap().contains("#99999"));
    assert_eq!(sim.content(&repo).unwrap().commits.len(), before);
    let body = json!({"repo": repo, "actions": [{"action": "add_commits", "count": 2}]});
    let reply = send(&sim, Method::POST, "/_sim/mutate", None, Some(body))
        .await
        .json();
    assert_eq!(reply["results"][0]["node_ids"].as_array().unwrap().len(), 2);
    assert_eq!(sim.content(&repo).unwrap().commits.len(), before + 2);
}

#[test]
fn content_is_deterministic_and_sized_by_the_config() {
    let config = SimConfig {
        commits: Some(80),
        pull_requests: Some(16),
        issues: Some(8),
        repos: Some(10),
        orgs: Some(4),
        ..Default::default()
    };
    let a = GithubSim::new(config.clone());
    let b = GithubSim::new(config);
    let demo: Vec<String> = a
        .dataset()
        .repos_owned_by(DEMO_ORG)
        .map(|r| r.full_name())
        .collect();
    assert_eq!(demo.len(), 10);
    assert_eq!(a.dataset().orgs.len(), 4);
    let commits: usize = demo
        .iter()
        .map(|r| a.content(r).unwrap().commits.len())
        .sum();
    let prs: usize = demo
        .iter()
        .map(|r| a.content(r).unwrap().pull_requests.len())
        .sum();
    assert_eq!((commits, prs), (80, 16));
    for r in &demo {
        assert_eq!(
            serde_json::to_string(&*a.content(r).unwrap()).unwrap(),
            serde_json::to_string(&*b.content(r).unwrap()).unwrap()
        );
    }
}
