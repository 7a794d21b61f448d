//! Every REST route github-sim serves, for every scenario token (and no token), answers
//! as GitHub's REST description says: a status the operation lists, a body valid against
//! that status's schema, GitHub's headers; unknown routes answer GitHub's 404. What
//! GitHub answers beyond its description is on the one list of gaps
//! (`tributary_tests::github_descriptions::GAPS`), each with its evidence.
//!
//! The walk is a table of requests: a route added to the simulator is one row here
//! (the repository content routes' in `content.rs`). Every listing's `Link` header is
//! checked on the way (`links.rs`); the issues listing of a large repository, which
//! pages with cursors, is walked on a simulator of its own (`large.rs`).

mod content;
mod large;
mod links;
mod rows;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

use reqwest::header::HeaderMap;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use tributary_tests::github_descriptions::{
    Description, GAPS, Gap, RestDescription, missing_rest_headers,
};
use tributary_tests::{GithubSim, SimConfig};

use rows::{As, Held, Row, json_of, row};

/// What the walk needs to name: an organization's id, hooks and a delivery of one,
/// and the repository content's repositories, numbers and ids.
struct Fixtures {
    org_id: i64,
    hook: i64,
    doomed_hook: i64,
    delivery: i64,
    content: content::Content,
}

fn rows(f: &Fixtures) -> Vec<Row> {
    let hooks = "/orgs/acme-corp/hooks";
    let hook = format!("{hooks}/{}", f.hook);
    let client = github_sim::DEFAULT_CLIENT_ID;
    let new_hook = json!({"name": "web", "config": {"url": "http://127.0.0.1:1/walk", "content_type": "json"}, "events": ["push"]});
    let mut rows = vec![
        row(Method::GET, "/"),
        row(Method::GET, "/rate_limit"),
        row(Method::GET, "/user"),
        row(Method::HEAD, "/user"),
        row(Method::GET, "/user/orgs"),
        row(Method::GET, "/user/orgs?per_page=1"),
        row(Method::GET, "/user/memberships/orgs"),
        row(Method::GET, "/user/memberships/orgs?state=pending"),
        row(Method::GET, "/user/memberships/orgs?state=bogus"),
        row(Method::GET, "/user/memberships/orgs/acme-corp"),
        row(Method::GET, "/user/memberships/orgs/globex"),
        row(Method::GET, "/user/memberships/orgs/initech"),
        row(Method::GET, "/user/memberships/orgs/no-such-org"),
        row(Method::GET, "/orgs/acme-corp"),
        row(Method::GET, "/orgs/globex"),
        row(Method::GET, "/orgs/initech"),
        row(Method::GET, "/orgs/no-such-org"),
        row(Method::GET, format!("/organizations/{}", f.org_id)),
        row(Method::GET, "/organizations/999999999"),
        row(Method::GET, "/users/tributary-svc"),
        row(Method::GET, "/users/no-such-user"),
        row(Method::GET, hooks),
        row(Method::POST, hooks).body(new_hook.clone()),
        row(Method::POST, hooks)
            .body(json!({"name": "not-web", "config": {"url": "http://127.0.0.1:1/x"}})),
        row(Method::POST, hooks).body(json!({"name": "web", "config": {"url": "not a url"}})),
        row(Method::GET, hook.clone()),
        row(Method::GET, format!("{hooks}/999999999")),
        row(Method::PATCH, hook.clone()).body(json!({"active": true})),
        row(Method::GET, format!("{hook}/config")),
        row(Method::POST, format!("{hook}/pings")),
        row(Method::GET, format!("{hook}/deliveries")),
        row(Method::GET, format!("{hook}/deliveries?per_page=1")),
        row(Method::GET, format!("{hook}/deliveries/{}", f.delivery)),
        row(
            Method::POST,
            format!("{hook}/deliveries/{}/attempts", f.delivery),
        ),
        row(Method::DELETE, format!("{hooks}/{}", f.doomed_hook)),
        row(Method::DELETE, format!("/applications/{client}/token"))
            .body(json!({"access_token": "gho_NotATokenThisAppIssued0000000000000"}))
            .by_app(),
        row(Method::DELETE, format!("/applications/{client}/token"))
            .body(json!({}))
            .by_app(),
        row(Method::DELETE, format!("/applications/{client}/grant"))
            .body(json!({"access_token": "gho_NotATokenThisAppIssued0000000000000"}))
            .by_app(),
        row(Method::GET, "/definitely/not/a/route").unknown(),
        row(Method::GET, "/orgs/acme-corp/no-such-thing").unknown(),
        row(Method::POST, "/user/orgs").unknown(),
        row(Method::DELETE, "/orgs/acme-corp").unknown(),
    ];
    rows.extend(content::rows(&f.content));
    rows
}

const NOT_FOUND: &str =
    r#"{"message":"Not Found","documentation_url":"https://docs.github.com/rest","status":"404"}"#;

struct Walk {
    http: Client,
    base: String,
    description: &'static RestDescription,
    /// Each problem once, with the callers that met it.
    problems: BTreeMap<String, Vec<String>>,
    met: BTreeSet<usize>,
    answers: usize,
    /// The anonymous caller's client and how many requests it has made: GitHub allows
    /// 60 an hour per originating address, so the walk moves to the next loopback
    /// address before they are spent.
    anonymous: (Client, usize),
    addresses: u8,
}

/// Requests the anonymous caller makes from one address, below GitHub's 60 an hour.
const ANONYMOUS_PER_ADDRESS: usize = 50;

impl Walk {
    fn new(base: &str, description: &'static RestDescription) -> Walk {
        Walk {
            http: client(None),
            base: base.to_string(),
            description,
            problems: BTreeMap::new(),
            met: BTreeSet::new(),
            answers: 0,
            anonymous: (client(None), 0),
            addresses: 1,
        }
    }

    /// One request as `row` says, with `token` (or none): its status, headers and body.
    async fn send(
        &mut self,
        token: Option<&str>,
        row: &Row,
        path: &str,
    ) -> (StatusCode, HeaderMap, String) {
        let http = match (row.by, token) {
            (As::Caller, None) => {
                if self.anonymous.1 == ANONYMOUS_PER_ADDRESS {
                    self.addresses += 1;
                    let next = Ipv4Addr::new(127, 0, 0, self.addresses);
                    self.anonymous = (client(Some(IpAddr::V4(next))), 0);
                }
                self.anonymous.1 += 1;
                &self.anonymous.0
            }
            _ => &self.http,
        };
        let mut request = http.request(row.method.clone(), format!("{}{path}", self.base));
        match (row.by, token) {
            (As::App, _) => {
                request = request.basic_auth(
                    github_sim::DEFAULT_CLIENT_ID,
                    Some(github_sim::DEFAULT_CLIENT_SECRET),
                )
            }
            (As::Caller, Some(token)) => request = request.bearer_auth(token),
            (As::Caller, None) => {}
        }
        if let Some(body) = &row.body {
            request = request.json(body);
        }
        let response = request.send().await.expect("calling github-sim");
        let status = response.status();
        let headers = response.headers().clone();
        (status, headers, response.text().await.unwrap_or_default())
    }

    async fn call(
        &mut self,
        caller: &str,
        token: Option<&str>,
        row: &Row,
    ) -> (StatusCode, HeaderMap, Value) {
        let (status, headers, text) = self.send(token, row, &row.path).await;
        let what = format!("{} {} answered {status}", row.method, row.path);
        self.answers += 1;

        // Only a token GitHub knows carries scopes headers; the applications API is
        // called with the app's credentials, not a token.
        let classic = row.by == As::Caller
            && token.is_some_and(|t| t.starts_with("ghp_") || t.starts_with("gho_"))
            && status != StatusCode::UNAUTHORIZED;
        let missing = missing_rest_headers(&headers, classic);
        if !missing.is_empty() {
            self.problem(caller, format!("{what} without {missing:?}"));
        }
        // Every REST answer spends (or shows) the `core` budget, never GraphQL's.
        let resource = headers
            .get("x-ratelimit-resource")
            .and_then(|v| v.to_str().ok());
        if resource.is_some_and(|r| r != "core") {
            self.problem(
                caller,
                format!("{what} with x-ratelimit-resource {resource:?}"),
            );
        }

        let past_the_door = !matches!(status.as_u16(), 401 | 403);
        if row.held == Held::Unknown && past_the_door {
            let not_found: Value = serde_json::from_str(NOT_FOUND).unwrap();
            if status != StatusCode::NOT_FOUND
                || serde_json::from_str::<Value>(&text).ok() != Some(not_found)
            {
                self.problem(
                    caller,
                    format!("{what}, not GitHub's 404 {NOT_FOUND}: {text}"),
                );
            }
        } else {
            let method = row.method.as_str();
            let checked = if row.held == Held::Unknown {
                // Refused before routing: held to any operation's refusal, here `/user`'s.
                self.description
                    .check("GET", "/user", status.as_u16(), &text)
            } else {
                self.description
                    .check(method, &row.path, status.as_u16(), &text)
            };
            for problem in checked.problems {
                self.problem(caller, problem);
            }
            for gap in checked.allowed {
                self.met.insert(index_of(gap));
            }
        }
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status == StatusCode::OK && row.method == Method::GET && body.is_array() {
            self.check_links(caller, token, row, &headers, &body).await;
        }
        (status, headers, body)
    }

    /// A listing's `Link` header: URLs on this origin and path with the request's
    /// query; with page numbers (where the operation takes `page`), `next` and `last` exactly when a page follows (the
    /// page after this one is empty when they are absent, `last` is not and nothing
    /// follows it), `prev` and `first` exactly when one comes before.
    async fn check_links(
        &mut self,
        caller: &str,
        token: Option<&str>,
        row: &Row,
        headers: &HeaderMap,
        body: &Value,
    ) {
        let found = links::parse(headers);
        let mut problems = links::url_problems(&self.base, &row.path, &found);
        let by_cursor = found
            .iter()
            .any(|l| l.paging.as_ref().is_some_and(|(k, _)| k != "page"));
        if by_cursor {
            if links::find(&found, "last").is_some() {
                problems.push(format!("{}: a cursor listing names a last page", row.path));
            }
        } else if self.description.takes("GET", &row.path, "page") {
            let page: usize = param(&row.path, "page").map_or(1, |p| p.parse().unwrap_or(1));
            let number = |rel| {
                links::find(&found, rel).map(|l| {
                    l.paging
                        .as_ref()
                        .and_then(|(_, v)| v.parse::<usize>().ok())
                        .unwrap_or(0)
                })
            };
            let (next, last, prev, first) = (
                number("next"),
                number("last"),
                number("prev"),
                number("first"),
            );
            if next.is_some() != last.is_some() || prev.is_some() != first.is_some() {
                problems.push(format!(
                    "{}: Link {found:?} pairs next with last, prev with first",
                    row.path
                ));
            }
            if next.is_some_and(|n| n != page + 1) || first.is_some_and(|n| n != 1) {
                problems.push(format!("{}: Link {found:?} on page {page}", row.path));
            }
            if (page > 1) != prev.is_some() && !body.as_array().unwrap().is_empty() {
                problems.push(format!("{}: prev on page {page}: {found:?}", row.path));
            }
            let after = match last {
                Some(last) => {
                    let (_, headers, text) =
                        self.send(token, row, &with_page(&row.path, last)).await;
                    if listed(&text) == 0 || links::find(&links::parse(&headers), "next").is_some()
                    {
                        problems.push(format!(
                            "{}: the last page {last} is empty or names a next",
                            row.path
                        ));
                    }
                    last + 1
                }
                None => page + 1,
            };
            let (_, _, text) = self.send(token, row, &with_page(&row.path, after)).await;
            if listed(&text) != 0 {
                problems.push(format!(
                    "{}: page {after} lists items though no Link said so",
                    row.path
                ));
            }
        }
        for problem in problems {
            self.problem(caller, problem);
        }
    }

    fn problem(&mut self, caller: &str, problem: String) {
        let callers = self.problems.entry(problem).or_default();
        if !callers.iter().any(|c| c == caller) {
            callers.push(caller.to_string());
        }
    }
}

/// The walk's HTTP client, from `address` (a loopback address) when given.
fn client(address: Option<IpAddr>) -> Client {
    Client::builder()
        .user_agent("tributary-tests")
        .local_address(address)
        .build()
        .unwrap()
}

fn param<'a>(path: &'a str, name: &str) -> Option<&'a str> {
    let (_, query) = path.split_once('?')?;
    query
        .split('&')
        .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
}

/// `path` asking for page `n`.
fn with_page(path: &str, n: usize) -> String {
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    let mut params: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("page="))
        .collect();
    let page = format!("page={n}");
    params.push(&page);
    format!("{route}?{}", params.join("&"))
}

/// How many items a listing's answer holds.
fn listed(text: &str) -> usize {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v.as_array().map(Vec::len))
        .unwrap_or(0)
}

fn index_of(gap: &Gap) -> usize {
    GAPS.iter()
        .position(|g| std::ptr::eq(g, gap))
        .expect("a gap of the list")
}

async fn fixtures(sim: &GithubSim, http: &Client, base: &str, owner: &str) -> Fixtures {
    let org: Value = json_of(
        http.get(format!("{base}/orgs/acme-corp"))
            .bearer_auth(owner),
    )
    .await;
    let create = |url: &str| {
        json_of(
            http.post(format!("{base}/orgs/acme-corp/hooks"))
                .bearer_auth(owner)
                .json(&json!({"name": "web", "config": {"url": url, "content_type": "json"}, "events": ["*"]})),
        )
    };
    let hook: Value = create("http://127.0.0.1:1/kept").await;
    let doomed: Value = create("http://127.0.0.1:1/doomed").await;
    let hook = hook["id"].as_i64().expect("a hook id");
    // The ping on creation is a delivery (refused by the closed port, and recorded).
    let mut delivery = None;
    for _ in 0..100 {
        let list: Value = json_of(
            http.get(format!("{base}/orgs/acme-corp/hooks/{hook}/deliveries"))
                .bearer_auth(owner),
        )
        .await;
        delivery = list[0]["id"].as_i64();
        if delivery.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Fixtures {
        org_id: org["id"].as_i64().expect("an organization id"),
        hook,
        doomed_hook: doomed["id"].as_i64().expect("a hook id"),
        delivery: delivery.expect("the ping is recorded as a delivery"),
        content: content::Content::read(sim, http, base, owner).await,
    }
}

/// A `gho_` token of the default OAuth app for `tributary-svc`, through the simulator's
/// pre-approval and GitHub's code exchange: globex restricts OAuth apps and has not
/// approved this one.
async fn oauth_token(http: &Client, base: &str) -> String {
    let approved: Value = json_of(
http
        .post(format!("{base}/_sim/oauth/authorize"))
        .json(&json!({"client_id": github_sim::DEFAULT_CLIENT_ID, "scope": "repo admin:org admin:org_hook user"})),
    ).await;
    let redirect = approved["redirect_url"].as_str().expect("a redirect");
    let code = redirect
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let answer: Value = json_of(
        http.post(format!("{base}/login/oauth/access_token"))
            .header("accept", "application/json")
            .json(&json!({
                "client_id": github_sim::DEFAULT_CLIENT_ID,
                "client_secret": github_sim::DEFAULT_CLIENT_SECRET,
                "code": code,
            })),
    )
    .await;
    answer["access_token"]
        .as_str()
        .expect("a token")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rest_answer_is_as_githubs_description_says() {
    let Some(description) = RestDescription::load() else {
        return;
    };
    let sim = GithubSim::new(SimConfig::default());
    let running = sim.clone().spawn("127.0.0.1:0").await.unwrap();
    let base = running.base_url();
    let mut walk = Walk::new(&base, description);
    let tokens: Value = json_of(walk.http.get(format!("{base}/_sim/tokens"))).await;
    let tokens = tokens.as_array().expect("a list of tokens");
    assert!(tokens.len() >= 8, "{tokens:?}");
    let owner = sim.token("owner").unwrap();
    let fixtures = fixtures(&sim, &walk.http, &base, &owner).await;
    let rows = rows(&fixtures);

    let mut callers: Vec<(String, Option<String>)> = tokens
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["token"].as_str().map(str::to_string),
            )
        })
        .collect();
    callers.push((
        "oauth-app".into(),
        Some(oauth_token(&walk.http, &base).await),
    ));
    callers.push(("anonymous".into(), None));
    // The owner reads everything the rows name: most of its answers are 200s (a walk of
    // refusals alone would check little).
    let mut owner_ok = 0;
    for (caller, token) in &callers {
        for row in &rows {
            let (status, _, _) = walk.call(caller, token.as_deref(), row).await;
            owner_ok += usize::from(caller == "owner" && status == StatusCode::OK);
        }
    }
    assert!(
        owner_ok * 3 > rows.len() * 2,
        "{owner_ok} of {} rows answered the owner 200",
        rows.len()
    );

    // More pages than one: GitHub's Link names the next and the last.
    let (status, _, _) = walk
        .call(
            "owner",
            Some(&owner),
            &row(Method::GET, "/user/orgs?per_page=1"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let link = walk
        .http
        .get(format!("{base}/user/orgs?per_page=1"))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap()
        .headers()
        .get("link")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(
        link.contains(r#"rel="next""#) && link.contains(r#"rel="last""#),
        "{link}"
    );

    // A spent budget answers every route GitHub's 403, with the rate-limit headers.
    let faults = json!({"exhausted_budget": {"reset_in_secs": 3600}});
    walk.http
        .post(format!("{base}/_sim/faults"))
        .json(&faults)
        .send()
        .await
        .unwrap();
    for row in rows.iter().take(3) {
        walk.call("owner (budget spent)", Some(&owner), row).await;
    }
    walk.http
        .delete(format!("{base}/_sim/faults"))
        .send()
        .await
        .unwrap();

    assert!(
        walk.problems.is_empty(),
        "{} of {} answers are not as GitHub describes them:\n{}",
        walk.problems.len(),
        walk.answers,
        walk.problems
            .iter()
            .map(|(problem, callers)| format!("{problem}\n    as {}", callers.join(", ")))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let unmet: Vec<&Gap> = GAPS
        .iter()
        .enumerate()
        .filter(|(i, g)| g.of == Description::Rest && !walk.met.contains(i))
        .map(|(_, g)| g)
        .collect();
    assert!(
        unmet.is_empty(),
        "gaps no REST answer needs any more (remove them, or the answer they excused has changed): {unmet:#?}"
    );
    running.shutdown_and_wait().await;
}

/// GitHub counts anonymous requests per originating address: a second address has a
/// whole window of its own (which is what lets the walk go on as an anonymous caller).
#[tokio::test]
async fn anonymous_callers_have_a_window_per_address() {
    let sim = GithubSim::new(SimConfig::default());
    let running = sim.clone().spawn("127.0.0.1:0").await.unwrap();
    let base = running.base_url();
    let used = |address: u8| {
        let http = client(Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, address))));
        let url = format!("{base}/orgs/acme-corp");
        async move {
            let response = http.get(url).send().await.unwrap();
            let header = |name| response.headers()[name].to_str().unwrap().to_string();
            (header("x-ratelimit-used"), header("x-ratelimit-limit"))
        }
    };
    assert_eq!(used(1).await, ("1".into(), "60".into()));
    assert_eq!(used(1).await, ("2".into(), "60".into()));
    assert_eq!(used(2).await, ("1".into(), "60".into()));
    running.shutdown_and_wait().await;
}

/// Examples of GitHub's description older than its schema: they lack a field the schema
/// has since made required (the description disagreeing with itself, not GitHub's live
/// answers with it, so not a gap): the operation, the field and the schema (as the
/// validator names its place) that requires it.
const STALE_EXAMPLES: &[(&str, &str, &str)] = &[
    ("GET /user 200", "user_view_type", "/allOf/0/allOf/0"),
    (
        "GET /users/{username} 200",
        "user_view_type",
        "/allOf/0/allOf/0",
    ),
    ("GET /orgs/{org} 200", "archived_at", "organization-full"),
    (
        "GET /repos/{owner}/{repo} 200",
        "language",
        "full-repository",
    ),
    ("GET /repos/{owner}/{repo} 200", "language", "repository"),
    (
        "GET /repos/{owner}/{repo}/commits/{ref} 200",
        "sha",
        "diff-entry",
    ),
    (
        "GET /repos/{owner}/{repo}/commits/{ref} 200",
        "contents_url",
        "diff-entry",
    ),
    ("GET /repos/{owner}/{repo}/pulls 200", "type", "team"),
    (
        "GET /repos/{owner}/{repo}/pulls/{pull_number} 200",
        "type",
        "team-simple",
    ),
];

/// The validator itself: GitHub's own example answers, in its description, of the
/// operations the simulator serves validate against their schemas (but for the fields
/// its examples predate), so a failure above is the simulator's and not the checker's.
#[test]
fn githubs_own_example_answers_validate() {
    let Some(description) = RestDescription::load() else {
        return;
    };
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/github/openapi/api.github.com.json");
    let document: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let fixtures = Fixtures {
        org_id: 1,
        hook: 1,
        doomed_hook: 1,
        delivery: 1,
        content: content::Content::example(),
    };
    let mut problems = Vec::new();
    let mut checked = 0;
    for row in rows(&fixtures).iter().filter(|r| r.held == Held::Described) {
        let method = row.method.as_str();
        let Some(template) = description.operation(method, &row.path) else {
            continue;
        };
        let responses = &document["paths"][&template][method.to_ascii_lowercase()]["responses"];
        for (status, response) in responses.as_object().into_iter().flatten() {
            let examples = &response["content"]["application/json"]["examples"];
            for example in examples.as_object().into_iter().flatten().map(|(_, e)| e) {
                let example = match example["$ref"].as_str() {
                    Some(r) => &document.pointer(r.trim_start_matches('#')).unwrap()["value"],
                    None => &example["value"],
                };
                let found = description.check(
                    method,
                    &template,
                    status.parse().unwrap(),
                    &example.to_string(),
                );
                problems.extend(found.problems);
                checked += 1;
            }
        }
    }
    assert!(checked > 10, "{checked} examples");
    problems.dedup();
    problems.retain(|p| {
        !STALE_EXAMPLES.iter().any(|(operation, field, schema)| {
            p.starts_with(&format!(
                "{operation}: \"{field}\" is a required property at "
            )) && p.ends_with(&format!("(schema {schema}/required)"))
        })
    });
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
