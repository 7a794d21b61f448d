//! The repository content routes against the dataset they serve: every listing
//! paged to its end, filters, `Link` headers, cursor paging, the REST budget,
//! `/_sim/mutate` and `/_sim/stats`.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use poem::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::content::{PullRequestState, RepoContent};
use crate::ids;
use crate::ratelimit::Resource;
use crate::rest_paging::CursorPaging;
use crate::tests::{get, graphql, send, token};
use crate::{DEMO_ORG, GithubSim, SimConfig};

/// The first public repository of the demo organization with content of every kind.
fn demo_repo(sim: &GithubSim) -> (String, std::sync::Arc<RepoContent>) {
    sim.dataset()
        .repos_owned_by(DEMO_ORG)
        .filter(|r| !r.private)
        .map(|r| r.full_name())
        .find_map(|name| {
            let c = sim.content(&name)?;
            let rich = !c.commits.is_empty() && !c.issues.is_empty() && !c.pull_requests.is_empty();
            rich.then_some((name, c))
        })
        .expect("a public demo repository with content")
}

/// The URL of `rel` in a `Link` header, without the origin.
fn link(header: Option<&str>, rel: &str) -> Option<String> {
    header?.split(", ").find_map(|part| {
        let (url, r) = part.split_once("; ")?;
        (r == format!("rel=\"{rel}\"")).then(|| {
            url.trim_matches(['<', '>'])
                .replacen("http://127.0.0.1:4000", "", 1)
        })
    })
}

/// Every item of a listing, following `rel="next"` from `path` with `per_page`.
async fn walk(sim: &GithubSim, token: &str, path: &str, per_page: usize) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut next = Some(format!("{path}{sep}per_page={per_page}"));
    let mut items = Vec::new();
    while let Some(url) = next {
        let r = get(sim, &url, Some(token)).await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.text);
        let page = r.json();
        let page = page.as_array().expect("a listing answers an array");
        assert!(page.len() <= per_page, "{url}: {} items", page.len());
        next = link(r.header("link"), "next");
        assert!(
            next.is_none() || page.len() == per_page,
            "{url}: a short page before the last"
        );
        items.extend(page.iter().cloned());
    }
    items
}

fn strings(items: &[Value], key: &str) -> Vec<String> {
    items
        .iter()
        .map(|v| match &v[key] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

fn by_time_then_id<'a>(items: impl Iterator<Item = (DateTime<Utc>, &'a str)>) -> Vec<String> {
    let mut v: Vec<(DateTime<Utc>, i64, String)> = items
        .map(|(t, node)| {
            (
                t,
                ids::database_id(node).unwrap_or_default(),
                node.to_string(),
            )
        })
        .collect();
    v.sort();
    v.into_iter().map(|(_, _, n)| n).collect()
}

#[tokio::test]
async fn every_listing_pages_to_its_end_with_each_item_once_in_order() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let (repo, c) = demo_repo(&sim);
    let pr = c
        .pull_requests
        .iter()
        .max_by_key(|p| p.reviews.len() + p.commits.len())
        .unwrap();
    let conversation = by_time_then_id(
        c.issues
            .iter()
            .flat_map(|t| &t.comments)
            .chain(c.pull_requests.iter().flat_map(|p| &p.comments))
            .map(|m| (m.created_at, m.node_id.as_str())),
    );
    let review_comments = by_time_then_id(
        c.pull_requests
            .iter()
            .flat_map(|p| &p.review_threads)
            .flat_map(|t| &t.comments)
            .map(|m| (m.created_at, m.node_id.as_str())),
    );
    let mut events = by_time_then_id(
        c.issues
            .iter()
            .flat_map(|t| t.events.iter().map(|e| (e.created_at, e.node_id.as_str())))
            .chain(
                c.pull_requests
                    .iter()
                    .flat_map(|p| p.events.iter().map(|e| (e.created_at, e.node_id.as_str()))),
            ),
    );
    events.reverse();
    let mut numbers: Vec<String> = c
        .issues
        .iter()
        .map(|t| t.number)
        .chain(c.pull_requests.iter().map(|p| p.number))
        .map(|n| n.to_string())
        .collect();
    numbers.sort_by_key(|n| std::cmp::Reverse(n.parse::<i64>().unwrap_or_default()));
    let mut pull_numbers: Vec<i64> = c.pull_requests.iter().map(|p| p.number).collect();
    pull_numbers.sort_by_key(|n| std::cmp::Reverse(*n));
    let expected: Vec<(String, &str, Vec<String>)> = vec![
        (
            format!("/repos/{repo}/commits"),
            "sha",
            c.commits.iter().map(|m| m.oid.clone()).collect(),
        ),
        (
            format!("/repos/{repo}/pulls?state=all"),
            "number",
            pull_numbers.iter().map(i64::to_string).collect(),
        ),
        (format!("/repos/{repo}/issues?state=all"), "number", numbers),
        (
            format!("/repos/{repo}/issues/comments"),
            "node_id",
            conversation,
        ),
        (
            format!("/repos/{repo}/pulls/comments"),
            "node_id",
            review_comments,
        ),
        (format!("/repos/{repo}/issues/events"), "node_id", events),
        (
            format!("/repos/{repo}/pulls/{}/commits", pr.number),
            "sha",
            pr.commits.iter().map(|m| m.oid.clone()).collect(),
        ),
        (
            format!("/repos/{repo}/pulls/{}/reviews", pr.number),
            "node_id",
            pr.reviews
                .iter()
                .filter(|r| r.state != crate::content::ReviewState::Pending)
                .map(|r| r.node_id.clone())
                .collect(),
        ),
        (
            format!("/repos/{repo}/issues/{}/reactions", pr.number),
            "node_id",
            pr.reactions.iter().map(|r| r.node_id.clone()).collect(),
        ),
    ];
    for (path, key, want) in &expected {
        assert!(!want.is_empty(), "{path}: the dataset has nothing to list");
        for per_page in [1, 7, 100] {
            let got = strings(&walk(&sim, &owner, path, per_page).await, key);
            assert_eq!(&got, want, "{path} with per_page={per_page}");
            assert_eq!(
                got.iter().collect::<HashSet<_>>().len(),
                got.len(),
                "{path}: an item twice"
            );
        }
    }
    // A timeline holds the item's events, comments, reviews and commits, oldest first.
    let timeline = walk(
        &sim,
        &owner,
        &format!("/repos/{repo}/issues/{}/timeline", pr.number),
        7,
    )
    .await;
    let submitted = pr
        .reviews
        .iter()
        .filter(|r| r.state != crate::content::ReviewState::Pending)
        .count();
    assert_eq!(
        timeline.len(),
        pr.events.len() + pr.comments.len() + submitted + pr.commits.len()
    );
    let kinds: HashSet<&str> = timeline
        .iter()
        .filter_map(|v| v["event"].as_str())
        .collect();
    for kind in ["commented", "reviewed", "committed"] {
        assert!(kinds.contains(kind), "no {kind} in {kinds:?}");
    }
}

#[tokio::test]
async fn link_headers_name_prev_next_last_and_first_as_github_does() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let (repo, c) = demo_repo(&sim);
    let last = c.commits.len().div_ceil(2);
    assert!(last >= 3, "need three pages of commits");
    let path = |page: usize| format!("/repos/{repo}/commits?per_page=2&page={page}");
    let rels = |r: &crate::tests::Reply| -> Vec<String> {
        ["prev", "next", "last", "first"]
            .into_iter()
            .filter(|rel| link(r.header("link"), rel).is_some())
            .map(String::from)
            .collect()
    };
    let first = get(
        &sim,
        &format!("/repos/{repo}/commits?per_page=2"),
        Some(&owner),
    )
    .await;
    assert_eq!(rels(&first), ["next", "last"]);
    assert_eq!(link(first.header("link"), "last"), Some(path(last)));
    let middle = get(&sim, &path(2), Some(&owner)).await;
    assert_eq!(rels(&middle), ["prev", "next", "last", "first"]);
    assert_eq!(link(middle.header("link"), "prev"), Some(path(1)));
    let end = get(&sim, &path(last), Some(&owner)).await;
    assert_eq!(rels(&end), ["prev", "first"]);
    // Over 100 per page is 100; one page needs no Link.
    let all = get(
        &sim,
        &format!("/repos/{repo}/pulls?state=all&per_page=500"),
        Some(&owner),
    )
    .await;
    assert_eq!(
        all.json().as_array().unwrap().len(),
        c.pull_requests.len().min(100)
    );
    assert_eq!(all.header("link"), None);
}

#[tokio::test]
async fn filters_agree_with_the_dataset() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let (repo, c) = demo_repo(&sim);

    // Commits: `since`/`until` bound the commit time; `sha` starts the history there.
    let mid = c.commits.len() / 2;
    let (since, until) = (
        c.commits[mid + 2].committed_at,
        c.commits[mid - 2].committed_at,
    );
    let q = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let got = strings(
        &walk(
            &sim,
            &owner,
            &format!(
                "/repos/{repo}/commits?since={}&until={}",
                q(since),
                q(until)
            ),
            100,
        )
        .await,
        "sha",
    );
    let want: Vec<String> = c
        .commits
        .iter()
        .filter(|m| m.committed_at >= since && m.committed_at <= until)
        .map(|m| m.oid.clone())
        .collect();
    assert_eq!(got, want);
    assert_eq!(got.len(), 5);
    let from = &c.commits[mid].oid;
    let got = strings(
        &walk(
            &sim,
            &owner,
            &format!("/repos/{repo}/commits?sha={from}"),
            100,
        )
        .await,
        "sha",
    );
    assert_eq!(
        got,
        c.commits[mid..]
            .iter()
            .map(|m| m.oid.clone())
            .collect::<Vec<_>>()
    );
    let unknown = get(
        &sim,
        &format!("/repos/{repo}/commits?sha=nosuchbranch"),
        Some(&owner),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // One commit, by full or short sha, with stats that are the dataset's and files that add up.
    let m = &c.commits[mid];
    let one = get(
        &sim,
        &format!("/repos/{repo}/commits/{}", &m.oid[..7]),
        Some(&owner),
    )
    .await
    .json();
    assert_eq!(one["sha"], json!(m.oid));
    assert_eq!(
        one["stats"],
        json!({"total": m.additions + m.deletions, "additions": m.additions, "deletions": m.deletions})
    );
    let files = one["files"].as_array().unwrap();
    let sum = |k: &str| files.iter().map(|f| f[k].as_i64().unwrap()).sum::<i64>();
    assert_eq!(
        (sum("additions"), sum("deletions")),
        (m.additions, m.deletions)
    );
    let head = get(
        &sim,
        &format!("/repos/{repo}/commits/{}", c.commits.len()),
        Some(&owner),
    )
    .await;
    assert_eq!(head.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Pull requests by state, and the listing leaves out what only "Get" has.
    for (state, keep) in [("open", true), ("closed", false)] {
        let got = walk(
            &sim,
            &owner,
            &format!("/repos/{repo}/pulls?state={state}"),
            100,
        )
        .await;
        let want = c
            .pull_requests
            .iter()
            .filter(|p| (p.state == PullRequestState::Open) == keep)
            .count();
        assert_eq!(got.len(), want, "state={state}");
        assert!(
            got.iter()
                .all(|p| p["state"] == json!(state) && p.get("additions").is_none())
        );
    }
    let p = &c.pull_requests[0];
    let full = get(
        &sim,
        &format!("/repos/{repo}/pulls/{}", p.number),
        Some(&owner),
    )
    .await
    .json();
    assert_eq!(
        (full["additions"].as_i64(), full["changed_files"].as_i64()),
        (Some(p.additions), Some(p.changed_files))
    );
    assert_eq!(full["merged"], json!(p.state == PullRequestState::Merged));
    let bad = get(
        &sim,
        &format!("/repos/{repo}/pulls?state=merged"),
        Some(&owner),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Issues: pull requests carry `pull_request`; `since` keeps what was updated since.
    let all = walk(
        &sim,
        &owner,
        &format!("/repos/{repo}/issues?state=all"),
        100,
    )
    .await;
    let with_key = all
        .iter()
        .filter(|v| v.get("pull_request").is_some())
        .count();
    assert_eq!(with_key, c.pull_requests.len());
    let mut updated: Vec<DateTime<Utc>> = c
        .issues
        .iter()
        .map(|t| t.updated_at)
        .chain(c.pull_requests.iter().map(|p| p.updated_at))
        .collect();
    updated.sort();
    let since = updated[updated.len() / 2];
    let got = walk(
        &sim,
        &owner,
        &format!(
            "/repos/{repo}/issues?state=all&since={}&sort=updated&direction=asc",
            q(since)
        ),
        7,
    )
    .await;
    assert_eq!(got.len(), updated.iter().filter(|t| **t >= since).count());
    let times: Vec<String> = strings(&got, "updated_at");
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "sort=updated&direction=asc"
    );
    let open = walk(&sim, &owner, &format!("/repos/{repo}/issues"), 100).await;
    assert!(open.iter().all(|v| v["state"] == json!("open")));

    // Comments since a time, oldest first.
    let since = c
        .issues
        .iter()
        .flat_map(|t| &t.comments)
        .map(|m| m.created_at)
        .max()
        .unwrap();
    let got = walk(
        &sim,
        &owner,
        &format!("/repos/{repo}/issues/comments?since={}", q(since)),
        100,
    )
    .await;
    let want = c
        .issues
        .iter()
        .flat_map(|t| &t.comments)
        .chain(c.pull_requests.iter().flat_map(|p| &p.comments))
        .filter(|m| m.created_at >= since)
        .count();
    assert_eq!(got.len(), want);
    assert!(want >= 1);
}

#[tokio::test]
async fn private_repositories_and_sso_refuse_as_the_other_routes_do() {
    let sim = GithubSim::new(SimConfig::default());
    let world = sim.dataset();
    let private = world
        .repos
        .iter()
        .find(|r| r.private && r.owner == DEMO_ORG)
        .unwrap();
    let path = format!("/repos/{}/issues", private.full_name());
    assert_eq!(
        get(&sim, &path, Some(&token(&sim, "owner"))).await.status,
        StatusCode::OK
    );
    assert_eq!(get(&sim, &path, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        get(&sim, &path, Some(&token(&sim, "no-scopes")))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let sso_org = world.orgs.iter().find(|o| o.sso_enforced).unwrap();
    let sso_repo = world.repos_owned_by(&sso_org.login).next().unwrap();
    let refused = get(
        &sim,
        &format!("/repos/{}/pulls", sso_repo.full_name()),
        Some(&token(&sim, "sso-unauthorized")),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused
            .header("x-github-sso")
            .is_some_and(|h| h.starts_with("required; url="))
    );
    // The organization's listing shows the private repository to its owner only.
    let names = |v: Value| strings(v.as_array().unwrap(), "full_name");
    let for_owner = names(
        get(
            &sim,
            &format!("/orgs/{DEMO_ORG}/repos?per_page=100"),
            Some(&token(&sim, "owner")),
        )
        .await
        .json(),
    );
    let anonymous = names(
        get(&sim, &format!("/orgs/{DEMO_ORG}/repos?per_page=100"), None)
            .await
            .json(),
    );
    assert!(for_owner.contains(&private.full_name()));
    assert!(!anonymous.contains(&private.full_name()));
    let mine = get(&sim, "/user/repos", None).await;
    assert_eq!(mine.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_mutation_shows_in_rest_and_graphql_alike() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let (repo, c) = demo_repo(&sim);
    let before = walk(&sim, &owner, &format!("/repos/{repo}/issues/comments"), 100)
        .await
        .len();
    let mutated = send(
        &sim,
        Method::POST,
        "/_sim/mutate",
        None,
        Some(json!({"repo": repo, "actions": [
            {"action": "add_issue", "title": "Seen by REST"},
            {"action": "add_comment", "number": c.issues[0].number, "body": "Seen too"},
        ]})),
    )
    .await
    .json();
    let number = mutated["results"][0]["number"].as_i64().unwrap();
    let newest = get(
        &sim,
        &format!("/repos/{repo}/issues?per_page=1"),
        Some(&owner),
    )
    .await
    .json();
    assert_eq!(newest[0]["number"], json!(number));
    assert_eq!(newest[0]["title"], json!("Seen by REST"));
    let after = walk(&sim, &owner, &format!("/repos/{repo}/issues/comments"), 100).await;
    assert_eq!(after.len(), before + 1);
    assert_eq!(after.last().unwrap()["body"], json!("Seen too"));
    let (o, n) = repo.split_once('/').unwrap();
    let gql = graphql(&sim, &owner, "query($o: String!, $n: String!) { repository(owner: $o, name: $n) { issues(first: 1, orderBy: {field: CREATED_AT, direction: DESC}) { nodes { number title } } } }", json!({"o": o, "n": n})).await.json();
    assert_eq!(
        gql["data"]["repository"]["issues"]["nodes"][0],
        json!({"number": number, "title": "Seen by REST"}),
        "{gql}"
    );
}

#[tokio::test]
async fn rest_has_its_own_budget_and_refuses_when_it_is_spent() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let (repo, _) = demo_repo(&sim);
    let path = format!("/repos/{repo}/pulls");
    let first = get(&sim, &path, Some(&owner)).await;
    assert_eq!(first.header("x-ratelimit-resource"), Some("core"));
    assert_eq!(first.header("x-ratelimit-limit"), Some("5000"));
    assert_eq!(first.header("x-ratelimit-used"), Some("1"));
    // `/rate_limit` shows the content routes' requests under `core`, GraphQL's points
    // apart, and costs nothing itself.
    get(&sim, &format!("/repos/{repo}/issues"), Some(&owner)).await;
    graphql(&sim, &owner, "{ viewer { login } }", json!({})).await;
    for _ in 0..2 {
        let limits = get(&sim, "/rate_limit", Some(&owner)).await.json();
        assert_eq!(limits["resources"]["core"]["used"], json!(2), "{limits}");
        assert_eq!(limits["rate"]["used"], json!(2), "{limits}");
        assert_eq!(limits["resources"]["graphql"]["used"], json!(1), "{limits}");
    }
    // Spend all but one of the hour's 5,000 requests.
    let spent = sim
        .state
        .limiter
        .charge("user:tributary-svc", Resource::Core, 5000, 4997);
    assert!(spent.is_ok());
    assert_eq!(get(&sim, &path, Some(&owner)).await.status, StatusCode::OK);
    let refused = get(&sim, &path, Some(&owner)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.header("x-ratelimit-remaining"), Some("0"));
    assert!(
        refused.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("API rate limit exceeded")
    );
    // GraphQL's points are another budget.
    let gql = graphql(&sim, &owner, "{ viewer { login } }", json!({})).await;
    assert_eq!(gql.status, StatusCode::OK);
    assert_eq!(gql.header("x-ratelimit-resource"), Some("graphql"));
    assert_eq!(
        gql.json()["data"]["viewer"]["login"],
        json!("tributary-svc")
    );
}

#[tokio::test]
async fn a_raised_budget_is_the_limit_the_headers_show_and_the_refusal_keeps() {
    let sim = GithubSim::new(SimConfig {
        rest_budget: 2,
        ..Default::default()
    });
    let owner = token(&sim, "owner");
    let (repo, _) = demo_repo(&sim);
    let path = format!("/repos/{repo}/pulls");
    let first = get(&sim, &path, Some(&owner)).await;
    assert_eq!(first.header("x-ratelimit-limit"), Some("2"));
    assert_eq!(get(&sim, &path, Some(&owner)).await.status, StatusCode::OK);
    let refused = get(&sim, &path, Some(&owner)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.header("x-ratelimit-limit"), Some("2"));
    let limits = get(&sim, "/rate_limit", Some(&owner)).await.json();
    assert_eq!(limits["resources"]["core"]["limit"], json!(2));
}

#[tokio::test]
async fn stats_count_rest_requests_by_route_template() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let (repo, c) = demo_repo(&sim);
    for p in c.pull_requests.iter().take(3) {
        get(
            &sim,
            &format!("/repos/{repo}/pulls/{}/reviews", p.number),
            Some(&owner),
        )
        .await;
    }
    get(&sim, &format!("/repos/{repo}"), Some(&owner)).await;
    let stats = get(&sim, "/_sim/stats", None).await.json();
    let routes = &stats["rest"]["routes"];
    assert_eq!(
        routes["GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews"],
        json!({"requests": 3, "points": 3})
    );
    assert_eq!(
        routes["GET /repos/{owner}/{repo}"],
        json!({"requests": 1, "points": 1})
    );
}

/// A repository whose issues listing is large: more than `CursorPaging::LARGE` items.
#[tokio::test]
async fn a_large_issue_listing_pages_with_cursors_and_refuses_deep_pages() {
    let repos = 8;
    let sim = GithubSim::new(SimConfig {
        issues: Some(repos * (CursorPaging::LARGE + 1)),
        pull_requests: Some(0),
        commits: Some(0),
        repos: Some(repos),
        ..Default::default()
    });
    let owner = token(&sim, "owner");
    let (repo, c) = sim
        .dataset()
        .repos_owned_by(DEMO_ORG)
        .filter(|r| !r.private)
        .find_map(|r| Some((r.full_name(), sim.content(&r.full_name())?)))
        .unwrap();
    assert!(c.issues.len() > CursorPaging::LARGE);
    let path = format!("/repos/{repo}/issues?state=all");
    let deep = get(
        &sim,
        &format!("{path}&per_page=10&page={}", CursorPaging::DEEPEST_PAGE),
        Some(&owner),
    )
    .await;
    assert_eq!(deep.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        deep.json()["message"],
        json!(
            "Pagination with the page parameter is not supported for large datasets, please use cursor based pagination (after/before)"
        )
    );
    let shallow = get(&sim, &format!("{path}&per_page=10&page=99"), Some(&owner)).await;
    assert_eq!(shallow.status, StatusCode::OK);

    let first = get(&sim, &format!("{path}&per_page=100"), Some(&owner)).await;
    let next = link(first.header("link"), "next").unwrap();
    assert!(
        next.contains("after=") && !next.contains("&page="),
        "{next}"
    );
    assert_eq!(link(first.header("link"), "last"), None);
    let items = walk(&sim, &owner, &path, 100).await;
    let mut want: Vec<i64> = c.issues.iter().map(|t| t.number).collect();
    want.sort_by_key(|n| std::cmp::Reverse(*n));
    let got: Vec<i64> = items
        .iter()
        .map(|v| v["number"].as_i64().unwrap())
        .collect();
    assert_eq!(got, want);
    // `before` goes back a page.
    let second = get(&sim, &next, Some(&owner)).await;
    let prev = link(second.header("link"), "prev").unwrap();
    assert!(prev.contains("before="), "{prev}");
    let back = get(&sim, &prev, Some(&owner)).await.json();
    assert_eq!(back, first.json());
    let bogus = get(
        &sim,
        &format!("{path}&after=bm90IGEgY3Vyc29y"),
        Some(&owner),
    )
    .await;
    assert_eq!(bogus.status, StatusCode::UNPROCESSABLE_ENTITY);
}
