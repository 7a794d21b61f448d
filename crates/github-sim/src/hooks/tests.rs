//! Organization hooks end to end: the REST rules, signed deliveries to a real
//! receiver over TCP, the delivery log and redelivery.

use std::time::Duration;

use poem::http::{HeaderMap, Method, StatusCode};
use poem::{Endpoint, Request, Response};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::deliver::sign_sha256;
use crate::tests::{Reply, get, send, token};
use crate::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, GithubSim, SimConfig};

pub(crate) struct Received {
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no {name} header"))
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

struct Capture {
    tx: mpsc::UnboundedSender<Received>,
    status: u16,
}

impl Endpoint for Capture {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let headers = req.headers().clone();
        let body = req.into_body().into_vec().await?;
        let _ = self.tx.send(Received { headers, body });
        Ok(Response::builder()
            .status(StatusCode::from_u16(self.status).unwrap())
            .header("x-receiver", "test")
            .body("thanks"))
    }
}

/// A small HTTP server answering `status` to everything and keeping what it got.
pub(crate) struct Receiver {
    pub url: String,
    rx: mpsc::UnboundedReceiver<Received>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    pub async fn start(status: u16) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/webhooks/github/1",
            listener.local_addr().unwrap()
        );
        let acceptor = poem::listener::TcpAcceptor::from_tokio(listener).unwrap();
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            let _ = poem::Server::new_with_acceptor(acceptor)
                .run(Capture { tx, status })
                .await;
        });
        Receiver { url, rx, task }
    }

    pub async fn next(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(5), self.rx.recv())
            .await
            .expect("no delivery within 5 s")
            .expect("receiver closed")
    }

    /// Nothing more arrives within a short while.
    pub async fn quiet(&mut self) {
        let more = tokio::time::timeout(Duration::from_millis(300), self.rx.recv()).await;
        assert!(more.is_err(), "unexpected delivery");
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A URL nothing listens on.
pub(crate) async fn unreachable_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/webhooks/github/1")
}

pub(crate) async fn create_hook(sim: &GithubSim, token: &str, body: Value) -> Reply {
    send(
        sim,
        Method::POST,
        "/orgs/acme-corp/hooks",
        Some(token),
        Some(body),
    )
    .await
}

pub(crate) fn hook_body(url: &str, secret: Option<&str>, events: &[&str]) -> Value {
    let mut config = json!({"url": url, "content_type": "json", "insecure_ssl": "0"});
    if let Some(secret) = secret {
        config["secret"] = json!(secret);
    }
    json!({"name": "web", "active": true, "events": events, "config": config})
}

async fn post_json(sim: &GithubSim, path: &'static str, body: Value) -> Value {
    let req = Request::builder()
        .method(Method::POST)
        .uri(poem::http::Uri::from_static(path))
        .header("accept", "application/json")
        .header("content-type", "application/json")
        .body(body.to_string());
    let answer = sim.endpoint().call(req).await.unwrap();
    serde_json::from_str(&answer.into_body().into_string().await.unwrap()).unwrap()
}

/// A `gho_` token for `tributary-svc` (owner of acme-corp) with `scope`.
async fn oauth_token(sim: &GithubSim, scope: &str) -> String {
    let approved = post_json(
        sim,
        "/_sim/oauth/authorize",
        json!({"client_id": DEFAULT_CLIENT_ID, "scope": scope, "state": "s"}),
    )
    .await;
    let redirect = approved["redirect_url"].as_str().unwrap();
    let code = redirect
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let exchange = json!({"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET, "code": code});
    let answer = post_json(sim, "/login/oauth/access_token", exchange).await;
    answer["access_token"].as_str().unwrap().to_string()
}

/// Waits until the hook has recorded `n` deliveries; answers them, newest first.
pub(crate) async fn deliveries(sim: &GithubSim, owner: &str, hook_id: i64, n: usize) -> Vec<Value> {
    let path = format!("/orgs/acme-corp/hooks/{hook_id}/deliveries?per_page=100");
    for _ in 0..100 {
        let list = get(sim, &path, Some(owner)).await.json();
        let list = list.as_array().unwrap().clone();
        if list.len() >= n {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fewer than {n} deliveries recorded");
}

#[tokio::test]
async fn owner_creates_a_hook_and_gets_a_signed_ping() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let mut receiver = Receiver::start(200).await;
    let created = create_hook(
        &sim,
        &owner,
        hook_body(&receiver.url, Some("s3cret"), &["push", "pull_request"]),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(
        created.header("x-accepted-oauth-scopes"),
        Some("admin:org_hook")
    );
    let hook = created.json();
    let id = hook["id"].as_i64().unwrap();
    assert_eq!(hook["type"], "Organization");
    assert_eq!(hook["name"], "web");
    assert_eq!(hook["active"], true);
    assert_eq!(hook["events"], json!(["push", "pull_request"]));
    assert_eq!(
        hook["config"],
        json!({"url": receiver.url, "content_type": "json", "insecure_ssl": "0", "secret": "********"})
    );
    let url = format!("http://127.0.0.1:4000/orgs/acme-corp/hooks/{id}");
    assert_eq!(hook["url"], url);
    assert_eq!(hook["ping_url"], format!("{url}/pings"));
    assert_eq!(hook["deliveries_url"], format!("{url}/deliveries"));
    assert_eq!(created.header("location"), Some(url.as_str()));
    assert!(!created.text.contains("s3cret"));

    let ping = receiver.next().await;
    assert_eq!(ping.header("x-github-event"), "ping");
    assert_eq!(ping.header("x-github-hook-id"), id.to_string());
    assert_eq!(
        ping.header("x-github-hook-installation-target-type"),
        "organization"
    );
    let org_id = sim.dataset().orgs[0].id;
    assert_eq!(
        ping.header("x-github-hook-installation-target-id"),
        org_id.to_string()
    );
    assert!(ping.header("user-agent").starts_with("GitHub-Hookshot/"));
    assert_eq!(ping.header("content-type"), "application/json");
    assert_eq!(ping.header("x-github-delivery").len(), 36);
    assert_eq!(
        ping.header("x-hub-signature-256"),
        sign_sha256("s3cret", &ping.body)
    );
    assert!(ping.header("x-hub-signature").starts_with("sha1="));
    let payload = ping.json();
    assert_eq!(payload["hook_id"], id);
    assert_eq!(payload["hook"]["id"], id);
    assert_eq!(payload["organization"]["login"], "acme-corp");
    assert_eq!(payload["sender"]["login"], "tributary-svc");
    assert!(payload["zen"].is_string());

    let listed = get(&sim, "/orgs/acme-corp/hooks", Some(&owner)).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.json(), json!([hook]));
    let one = get(&sim, &format!("/orgs/acme-corp/hooks/{id}"), Some(&owner)).await;
    assert_eq!(one.json(), hook);
    let config = get(
        &sim,
        &format!("/orgs/acme-corp/hooks/{id}/config"),
        Some(&owner),
    )
    .await;
    assert_eq!(config.json(), hook["config"]);

    // A ping on demand: 204 and another delivery.
    let pinged = send(
        &sim,
        Method::POST,
        &format!("/orgs/acme-corp/hooks/{id}/pings"),
        Some(&owner),
        None,
    )
    .await;
    assert_eq!(pinged.status, StatusCode::NO_CONTENT);
    assert_eq!(receiver.next().await.header("x-github-event"), "ping");
}

#[tokio::test]
async fn defaults_are_form_encoding_and_push_and_no_secret_means_no_signature() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let mut receiver = Receiver::start(200).await;
    let created = create_hook(
        &sim,
        &owner,
        json!({"name": "web", "config": {"url": receiver.url}}),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let hook = created.json();
    assert_eq!(hook["events"], json!(["push"]));
    assert_eq!(hook["config"]["content_type"], "form");
    assert!(hook["config"].get("secret").is_none());
    let ping = receiver.next().await;
    assert_eq!(
        ping.header("content-type"),
        "application/x-www-form-urlencoded"
    );
    let body = String::from_utf8(ping.body.clone()).unwrap();
    let json = crate::urlenc::percent_decode(body.strip_prefix("payload=").unwrap());
    let payload: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(payload["hook_id"], hook["id"]);
    assert!(ping.headers.get("x-hub-signature-256").is_none());
    assert!(ping.headers.get("x-hub-signature").is_none());
}

#[tokio::test]
async fn only_owners_with_admin_org_hook_manage_hooks_as_on_github() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let url = unreachable_url().await;
    let body = hook_body(&url, Some("x"), &["push"]);

    // A member (every scope) gets GitHub's 404, as does an owner whose token lacks the scope.
    let member = create_hook(&sim, &token(&sim, "member"), body.clone()).await;
    assert_eq!(member.status, StatusCode::NOT_FOUND, "{}", member.text);
    assert_eq!(member.json()["message"], "Not Found");
    let no_scope = oauth_token(&sim, "repo admin:org").await;
    let refused = create_hook(&sim, &no_scope, body.clone()).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert_eq!(
        refused.header("x-accepted-oauth-scopes"),
        Some("admin:org_hook")
    );
    assert_eq!(refused.header("x-oauth-scopes"), Some("repo, admin:org"));
    let listed = get(&sim, "/orgs/acme-corp/hooks", Some(&no_scope)).await;
    assert_eq!(listed.status, StatusCode::NOT_FOUND);
    let fine_grained = create_hook(&sim, &token(&sim, "fine-grained"), body.clone()).await;
    assert_eq!(fine_grained.status, StatusCode::FORBIDDEN);
    assert_eq!(
        fine_grained.header("x-accepted-github-permissions"),
        Some("organization_hooks=write")
    );
    let anonymous = send(&sim, Method::GET, "/orgs/acme-corp/hooks", None, None).await;
    assert_eq!(anonymous.status, StatusCode::NOT_FOUND);

    // The owner creates it; the same URL again is GitHub's validation error.
    assert_eq!(
        create_hook(&sim, &owner, body.clone()).await.status,
        StatusCode::CREATED
    );
    let again = create_hook(&sim, &owner, body.clone()).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = again.json();
    assert_eq!(error["message"], "Validation Failed");
    assert_eq!(error["errors"][0]["resource"], "Hook");
    assert_eq!(
        error["errors"][0]["message"],
        "Hook already exists on this organization"
    );
    assert_eq!(error["status"], "422");

    let broken = send(
        &sim,
        Method::POST,
        "/orgs/acme-corp/hooks",
        Some(&owner),
        None,
    )
    .await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    let no_url = create_hook(&sim, &owner, json!({"name": "web", "config": {}})).await;
    assert_eq!(no_url.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad_type = create_hook(
        &sim,
        &owner,
        json!({"name": "web", "config": {"url": "http://127.0.0.1:9/x", "content_type": "xml"}}),
    )
    .await;
    assert_eq!(bad_type.status, StatusCode::UNPROCESSABLE_ENTITY);
    // globex: tributary-svc is only a member there.
    let globex = send(&sim, Method::GET, "/orgs/globex/hooks", Some(&owner), None).await;
    assert_eq!(globex.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_oauth_app_and_a_pat_each_see_only_their_own_hooks() {
    let sim = GithubSim::new(SimConfig::default());
    let pat = token(&sim, "owner");
    let app = oauth_token(&sim, "repo admin:org admin:org_hook").await;
    let url = unreachable_url().await;
    let made = create_hook(&sim, &app, hook_body(&url, None, &["push"])).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let id = made.json()["id"].as_i64().unwrap();

    assert_eq!(
        get(&sim, "/orgs/acme-corp/hooks", Some(&app))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        get(&sim, "/orgs/acme-corp/hooks", Some(&pat)).await.json(),
        json!([])
    );
    let path = format!("/orgs/acme-corp/hooks/{id}");
    assert_eq!(
        get(&sim, &path, Some(&pat)).await.status,
        StatusCode::NOT_FOUND
    );
    let delete = send(&sim, Method::DELETE, &path, Some(&pat), None).await;
    assert_eq!(delete.status, StatusCode::NOT_FOUND);
    // The hook still exists on the organization: the PAT cannot add a second one.
    let twin = create_hook(&sim, &pat, hook_body(&url, None, &["push"])).await;
    assert_eq!(twin.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn patch_replaces_the_config_and_delete_removes_the_hook() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let url = unreachable_url().await;
    let id = create_hook(&sim, &owner, hook_body(&url, Some("old"), &["push"]))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let path = format!("/orgs/acme-corp/hooks/{id}");
    let patched = send(
        &sim,
        Method::PATCH,
        &path,
        Some(&owner),
        Some(json!({"events": ["push", "issues"], "active": false, "config": {"url": url, "content_type": "json"}})),
    )
    .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    let hook = patched.json();
    assert_eq!(hook["events"], json!(["push", "issues"]));
    assert_eq!(hook["active"], false);
    assert!(hook["config"].get("secret").is_none(), "{hook}");
    let deleted = send(&sim, Method::DELETE, &path, Some(&owner), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        get(&sim, &path, Some(&owner)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&sim, "/orgs/acme-corp/hooks/nope", Some(&owner))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn sim_hooks_lists_hooks_and_delivers_on_demand_with_the_receivers_status() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let mut receiver = Receiver::start(202).await;
    let id = create_hook(&sim, &owner, hook_body(&receiver.url, Some("k"), &["push"]))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    receiver.next().await; // the ping

    let listed = get(&sim, "/_sim/hooks", None).await.json();
    assert_eq!(listed[0]["id"], id);
    assert_eq!(listed[0]["org"], "acme-corp");
    assert_eq!(listed[0]["url"], receiver.url);
    assert_eq!(listed[0]["events"], json!(["push"]));
    assert_eq!(listed[0]["content_type"], "json");
    assert_eq!(listed[0]["created_by"]["kind"], "personal_access_token");

    let payload = json!({"zen": "custom", "hook_id": id});
    let answer = send(
        &sim,
        Method::POST,
        &format!("/_sim/hooks/{id}/deliver"),
        None,
        Some(json!({"event": "issues", "payload": payload})),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let answer = answer.json();
    assert_eq!(answer["status"], 202);
    let got = receiver.next().await;
    assert_eq!(got.header("x-github-event"), "issues");
    assert_eq!(got.header("x-github-delivery"), answer["guid"]);
    assert_eq!(got.json(), payload);
    assert_eq!(
        got.header("x-hub-signature-256"),
        sign_sha256("k", &got.body)
    );

    let missing = send(
        &sim,
        Method::POST,
        "/_sim/hooks/1/deliver",
        None,
        Some(json!({"event": "push", "payload": {}})),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_unreachable_receiver_is_recorded_as_a_failed_delivery() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let id = create_hook(
        &sim,
        &owner,
        hook_body(&unreachable_url().await, Some("k"), &["push"]),
    )
    .await
    .json()["id"]
        .as_i64()
        .unwrap();
    let answer = send(
        &sim,
        Method::POST,
        &format!("/_sim/hooks/{id}/deliver"),
        None,
        Some(json!({"event": "push", "payload": {"ref": "refs/heads/main"}})),
    )
    .await
    .json();
    assert_eq!(answer["status"], 0);
    assert_eq!(answer["error"], "failed to connect to host");
    let list = deliveries(&sim, &owner, id, 2).await;
    let failed = list
        .iter()
        .find(|d| d["id"] == answer["delivery_id"])
        .unwrap();
    assert_eq!(failed["status_code"], 0);
    assert_eq!(failed["status"], "failed to connect to host");
    assert_eq!(failed["event"], "push");
    assert_eq!(failed["redelivery"], false);
    let ping = list.iter().find(|d| d["event"] == "ping").unwrap();
    assert_eq!(ping["status_code"], 0);
}

async fn mutate(sim: &GithubSim, repo: &str, actions: Value) -> Value {
    let answer = send(
        sim,
        Method::POST,
        "/_sim/mutate",
        None,
        Some(json!({"repo": repo, "actions": actions})),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json()
}

/// A hook on acme-corp for every event, with its ping already taken.
async fn listening(sim: &GithubSim, secret: &str) -> (Receiver, i64) {
    let mut receiver = Receiver::start(200).await;
    let made = create_hook(
        sim,
        &token(sim, "owner"),
        hook_body(&receiver.url, Some(secret), &["*"]),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    assert_eq!(receiver.next().await.header("x-github-event"), "ping");
    (receiver, made.json()["id"].as_i64().unwrap())
}

fn acme_repo(sim: &GithubSim) -> crate::Repo {
    sim.dataset()
        .repos_owned_by("acme-corp")
        .next()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn mutations_deliver_signed_events_whose_ids_agree_with_the_apis() {
    let sim = GithubSim::new(SimConfig::default());
    let (mut receiver, hook_id) = listening(&sim, "k").await;
    let repo = acme_repo(&sim);
    let full = repo.full_name();
    let head_before = sim.content(&full).unwrap().commits[0].oid.clone();

    let results = mutate(
        &sim,
        &full,
        json!([{"action": "add_commits", "count": 2, "author": "tributary-svc"}]),
    )
    .await;
    let push = receiver.next().await;
    assert_eq!(push.header("x-github-event"), "push");
    assert_eq!(push.header("x-github-hook-id"), hook_id.to_string());
    assert_eq!(
        push.header("x-hub-signature-256"),
        sign_sha256("k", &push.body)
    );
    let p = push.json();
    assert_eq!(p["ref"], format!("refs/heads/{}", repo.default_branch));
    assert_eq!(p["before"], head_before);
    let content = sim.content(&full).unwrap();
    assert_eq!(p["after"], content.commits[0].oid);
    assert_eq!(p["forced"], false);
    assert_eq!(p["commits"].as_array().unwrap().len(), 2);
    assert_eq!(p["commits"][1]["id"], content.commits[0].oid);
    assert_eq!(p["head_commit"]["id"], content.commits[0].oid);
    assert_eq!(p["commits"][0]["author"]["username"], "tributary-svc");
    assert_eq!(p["repository"]["node_id"], repo.node_id);
    assert_eq!(p["repository"]["id"], repo.id);
    assert_eq!(p["repository"]["full_name"], full);
    assert_eq!(p["organization"]["login"], "acme-corp");
    assert_eq!(p["sender"]["login"], "tributary-svc");
    assert_eq!(
        results["results"][0]["node_ids"].as_array().unwrap().len(),
        2
    );

    let opened = mutate(
        &sim,
        &full,
        json!([{"action": "add_pull_request", "title": "Hooked"}]),
    )
    .await;
    let number = opened["results"][0]["number"].as_i64().unwrap();
    let node_id = opened["results"][0]["node_ids"][0]
        .as_str()
        .unwrap()
        .to_string();
    let pr = receiver.next().await;
    assert_eq!(pr.header("x-github-event"), "pull_request");
    let pr = pr.json();
    assert_eq!(pr["action"], "opened");
    assert_eq!(pr["number"], number);
    assert_eq!(pr["pull_request"]["node_id"], node_id);
    assert_eq!(
        pr["pull_request"]["id"],
        crate::ids::database_id(&node_id).unwrap()
    );
    assert_eq!(pr["pull_request"]["title"], "Hooked");
    assert_eq!(pr["pull_request"]["state"], "open");
    // The same node through GraphQL.
    let found = crate::tests::graphql(
        &sim,
        &token(&sim, "owner"),
        "query($id: ID!) { node(id: $id) { ... on PullRequest { number title } } }",
        json!({"id": node_id}),
    )
    .await
    .json();
    assert_eq!(found["data"]["node"]["number"], number, "{found}");

    mutate(
        &sim,
        &full,
        json!([
            {"action": "add_comment", "number": number, "body": "Looks good", "author": "tributary-svc"},
            {"action": "add_review", "number": number, "state": "APPROVED", "author": "tributary-svc"},
            {"action": "edit_pull_request", "number": number, "title": "Hooked!", "state": "MERGED", "actor": "tributary-svc"},
        ]),
    )
    .await;
    let comment = receiver.next().await.json();
    assert_eq!(comment["action"], "created");
    assert_eq!(comment["issue"]["number"], number);
    assert!(comment["issue"]["pull_request"].is_object());
    assert_eq!(comment["comment"]["body"], "Looks good");
    let review = receiver.next().await.json();
    assert_eq!(review["review"]["state"], "approved");
    assert_eq!(review["pull_request"]["number"], number);
    let edited = receiver.next().await.json();
    assert_eq!(edited["action"], "edited");
    assert_eq!(edited["changes"]["title"]["from"], "Hooked");
    let closed = receiver.next().await.json();
    assert_eq!(closed["action"], "closed");
    assert_eq!(closed["pull_request"]["merged"], true);
    // Who merged is who sent it, not the author.
    assert_eq!(closed["sender"]["login"], "tributary-svc");
    assert_eq!(
        closed["pull_request"]["merged_by"]["login"],
        "tributary-svc"
    );
    assert_ne!(closed["pull_request"]["user"]["login"], "tributary-svc");

    let issue = mutate(
        &sim,
        &full,
        json!([{"action": "add_issue", "title": "Broken"}]),
    )
    .await;
    let issue_number = issue["results"][0]["number"].as_i64().unwrap();
    mutate(
        &sim,
        &full,
        json!([
            {"action": "add_comment", "number": issue_number, "body": "Same here"},
            {"action": "close_issue", "number": issue_number},
            {"action": "reopen_issue", "number": issue_number},
        ]),
    )
    .await;
    let events: Vec<(String, String)> = {
        let mut seen = Vec::new();
        for _ in 0..4 {
            let got = receiver.next().await;
            seen.push((
                got.header("x-github-event").to_string(),
                got.json()["action"].as_str().unwrap().to_string(),
            ));
        }
        seen
    };
    assert_eq!(
        events,
        [
            ("issues", "opened"),
            ("issue_comment", "created"),
            ("issues", "closed"),
            ("issues", "reopened")
        ]
        .map(|(e, a)| (e.to_string(), a.to_string()))
    );
    receiver.quiet().await;
}

#[tokio::test]
async fn hooks_get_only_their_events_and_only_while_active() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let mut receiver = Receiver::start(200).await;
    let id = create_hook(&sim, &owner, hook_body(&receiver.url, None, &["issues"]))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    receiver.next().await; // ping
    let full = acme_repo(&sim).full_name();
    mutate(
        &sim,
        &full,
        json!([{"action": "add_commits", "count": 1}, {"action": "add_issue"}]),
    )
    .await;
    assert_eq!(receiver.next().await.header("x-github-event"), "issues");
    receiver.quiet().await;
    let path = format!("/orgs/acme-corp/hooks/{id}");
    send(
        &sim,
        Method::PATCH,
        &path,
        Some(&owner),
        Some(json!({"active": false})),
    )
    .await;
    mutate(&sim, &full, json!([{"action": "add_issue"}])).await;
    // Another organization's repositories do not reach acme-corp's hook.
    let globex = sim
        .dataset()
        .repos_owned_by("globex")
        .next()
        .unwrap()
        .full_name();
    mutate(&sim, &globex, json!([{"action": "add_issue"}])).await;
    receiver.quiet().await;
}

#[tokio::test]
async fn force_pushes_new_branches_renames_and_archives() {
    let sim = GithubSim::new(SimConfig::default());
    let (mut receiver, _) = listening(&sim, "k").await;
    let repo = acme_repo(&sim);
    let full = repo.full_name();
    let old_head = sim.content(&full).unwrap().commits[0].oid.clone();
    mutate(
        &sim,
        &full,
        json!([{"action": "force_push", "count": 1, "drop": 2}]),
    )
    .await;
    let forced = receiver.next().await.json();
    assert_eq!(forced["forced"], true);
    assert_eq!(forced["before"], old_head);
    assert_eq!(forced["commits"].as_array().unwrap().len(), 1);
    assert!(
        !sim.content(&full)
            .unwrap()
            .commits
            .iter()
            .any(|c| c.oid == old_head)
    );

    mutate(
        &sim,
        &full,
        json!([{"action": "create_branch", "name": "feature/x", "count": 1}]),
    )
    .await;
    let create = receiver.next().await;
    assert_eq!(create.header("x-github-event"), "create");
    assert_eq!(create.json()["ref"], "feature/x");
    assert_eq!(create.json()["ref_type"], "branch");
    let push = receiver.next().await.json();
    assert_eq!(push["ref"], "refs/heads/feature/x");
    assert_eq!(push["created"], true);
    assert_eq!(push["before"], "0000000000000000000000000000000000000000");

    mutate(
        &sim,
        &full,
        json!([{"action": "rename_repo", "name": "renamed-service"}, {"action": "archive_repo"}]),
    )
    .await;
    let renamed = receiver.next().await;
    assert_eq!(renamed.header("x-github-event"), "repository");
    let renamed = renamed.json();
    assert_eq!(renamed["action"], "renamed");
    assert_eq!(renamed["changes"]["repository"]["name"]["from"], repo.name);
    assert_eq!(renamed["repository"]["name"], "renamed-service");
    assert_eq!(renamed["repository"]["id"], repo.id);
    let archived = receiver.next().await.json();
    assert_eq!(archived["action"], "archived");
    assert_eq!(archived["repository"]["archived"], true);

    let query = "query { repository(owner: \"acme-corp\", name: \"renamed-service\") { id name isArchived } }";
    let answer = crate::tests::graphql(&sim, &token(&sim, "owner"), query, json!({}))
        .await
        .json();
    assert_eq!(answer["data"]["repository"]["id"], repo.node_id, "{answer}");
    assert_eq!(answer["data"]["repository"]["isArchived"], true);
    assert!(sim.content("acme-corp/renamed-service").is_some());
    assert!(sim.content(&full).is_none());
    let taken = send(&sim, Method::POST, "/_sim/mutate", None, Some(json!({"repo": "acme-corp/renamed-service", "actions": [{"action": "rename_repo", "name": sim.dataset().repos_owned_by("acme-corp").nth(1).unwrap().name.clone()}]}))).await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_push_lists_at_most_githubs_cap_of_commits() {
    let sim = GithubSim::new(SimConfig::default());
    let (mut receiver, _) = listening(&sim, "k").await;
    let full = acme_repo(&sim).full_name();
    let cap = super::payloads::PUSH_COMMITS_CAP;
    mutate(
        &sim,
        &full,
        json!([{"action": "add_commits", "count": cap + 5}]),
    )
    .await;
    let push = receiver.next().await.json();
    let commits = push["commits"].as_array().unwrap();
    assert_eq!(commits.len(), cap);
    let head = sim.content(&full).unwrap().commits[0].oid.clone();
    assert_eq!(push["head_commit"]["id"], head);
    assert_eq!(commits[cap - 1]["id"], head);
}

#[tokio::test]
async fn membership_changes_reach_rest_graphql_and_hooks() {
    let sim = GithubSim::new(SimConfig::default());
    let (mut receiver, _) = listening(&sim, "k").await;
    let member = token(&sim, "member");
    let role = |sim: &GithubSim, body: Value| {
        let sim = sim.clone();
        async move {
            send(
                &sim,
                Method::POST,
                "/_sim/orgs/acme-corp/members/member-svc",
                None,
                Some(body),
            )
            .await
        }
    };
    let promoted = role(&sim, json!({"role": "admin"})).await;
    assert_eq!(promoted.status, StatusCode::OK, "{}", promoted.text);
    assert_eq!(promoted.json()["previous"], "member");
    let membership = get(&sim, "/user/memberships/orgs/acme-corp", Some(&member))
        .await
        .json();
    assert_eq!(membership["role"], "admin");
    let query = "query { organization(login: \"acme-corp\") { viewerCanAdminister } }";
    let answer = crate::tests::graphql(&sim, &member, query, json!({}))
        .await
        .json();
    assert_eq!(
        answer["data"]["organization"]["viewerCanAdminister"], true,
        "{answer}"
    );
    // Now an owner, member-svc may manage hooks.
    let listed = get(&sim, "/orgs/acme-corp/hooks", Some(&member)).await;
    assert_eq!(listed.status, StatusCode::OK);
    // GitHub documents no event for a role change.
    receiver.quiet().await;

    role(&sim, json!({"role": null})).await;
    let removed = receiver.next().await;
    assert_eq!(removed.header("x-github-event"), "organization");
    let removed = removed.json();
    assert_eq!(removed["action"], "member_removed");
    assert_eq!(removed["membership"]["user"]["login"], "member-svc");
    assert_eq!(
        get(&sim, "/user/memberships/orgs/acme-corp", Some(&member))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    role(&sim, json!({"role": "member"})).await;
    assert_eq!(receiver.next().await.json()["action"], "member_added");
    let bad = role(&sim, json!({"role": "owner"})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// Every payload the simulator makes has at least the top-level keys of GitHub's
/// example of the same event and action (`installation` aside: org hooks get none).
#[tokio::test]
async fn payloads_have_the_top_level_keys_of_githubs_examples() {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/github/webhook-payloads");
    if !examples.is_dir() {
        eprintln!(
            "\n*** SKIPPED: {} is absent, payload shapes not checked ***\n",
            examples.display()
        );
        return;
    }
    let sim = GithubSim::new(SimConfig::default());
    let (mut receiver, _) = listening(&sim, "k").await;
    let full = acme_repo(&sim).full_name();
    let opened = mutate(
        &sim,
        &full,
        json!([{"action": "add_pull_request"}, {"action": "add_issue"}]),
    )
    .await;
    let pr = opened["results"][0]["number"].as_i64().unwrap();
    let issue = opened["results"][1]["number"].as_i64().unwrap();
    mutate(
        &sim,
        &full,
        json!([
            {"action": "add_commits", "count": 1},
            {"action": "add_comment", "number": pr},
            {"action": "add_review", "number": pr, "state": "COMMENTED"},
            {"action": "edit_pull_request", "number": pr, "title": "t2", "state": "CLOSED"},
            {"action": "edit_pull_request", "number": pr, "state": "OPEN"},
            {"action": "add_comment", "number": issue},
            {"action": "close_issue", "number": issue},
            {"action": "reopen_issue", "number": issue},
            {"action": "create_branch", "name": "b1"},
            {"action": "rename_repo", "name": "renamed-for-shapes"},
        ]),
    )
    .await;
    send(
        &sim,
        Method::POST,
        "/_sim/orgs/acme-corp/members/member-svc",
        None,
        Some(json!({"role": null})),
    )
    .await;
    let mut checked = 0;
    for _ in 0..15 {
        let got = receiver.next().await;
        let event = got.header("x-github-event").to_string();
        let payload = got.json();
        let action = payload["action"].as_str().map(str::to_string);
        let dir = examples.join(&event);
        // GitHub gives no example for some actions (`pull_request` `edited`, `issues`
        // `closed`, `organization` `member_removed`); those have the top-level keys of
        // `opened` / `member_added` (plus `changes`).
        let find = |shown: Option<&str>| {
            let mut found = Vec::new();
            for name in std::fs::read_dir(&dir).unwrap().flatten() {
                let file = name.file_name().to_string_lossy().to_string();
                let matches = match shown {
                    Some(a) => {
                        file == format!("{a}.payload.json")
                            || file == format!("{a}.with-organization.payload.json")
                    }
                    None => file == "payload.json" || file == "with-organization.payload.json",
                };
                if matches {
                    found.push(name.path());
                }
            }
            found
        };
        let mut candidates = find(action.as_deref());
        if candidates.is_empty() {
            let sibling = if event == "organization" {
                "member_added"
            } else {
                "opened"
            };
            candidates = find(Some(sibling));
        }
        let example = match candidates
            .iter()
            .find(|p| p.to_string_lossy().contains("with-organization"))
        {
            Some(p) => p.clone(),
            None => candidates
                .first()
                .cloned()
                .unwrap_or_else(|| panic!("no example for {event} {action:?}")),
        };
        let example: Value =
            serde_json::from_str(&std::fs::read_to_string(&example).unwrap()).unwrap();
        for key in example.as_object().unwrap().keys() {
            if key == "installation" {
                continue;
            }
            assert!(
                payload.get(key).is_some(),
                "{event} {action:?} lacks {key}: {payload}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 15);
    receiver.quiet().await;
}

#[tokio::test]
async fn a_failed_delivery_is_redelivered_with_the_same_guid_to_the_hooks_current_url() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let mut failing = Receiver::start(503).await;
    let id = create_hook(
        &sim,
        &owner,
        hook_body(&failing.url, Some("k"), &["issues"]),
    )
    .await
    .json()["id"]
        .as_i64()
        .unwrap();
    failing.next().await; // ping
    let full = acme_repo(&sim).full_name();
    mutate(
        &sim,
        &full,
        json!([{"action": "add_issue", "title": "Missed"}]),
    )
    .await;
    let first = failing.next().await;
    let list = deliveries(&sim, &owner, id, 2).await;
    let failed = &list[0];
    assert_eq!(failed["event"], "issues");
    assert_eq!(failed["action"], "opened");
    assert_eq!(failed["status_code"], 503);
    assert_eq!(failed["status"], "Invalid HTTP Response: 503");
    assert_eq!(failed["guid"], first.header("x-github-delivery"));
    assert_eq!(failed["repository_id"], acme_repo(&sim).id);
    assert!(failed["installation_id"].is_null());
    assert_eq!(list[1]["event"], "ping");

    // The full record: what was sent and what came back.
    let base = format!("/orgs/acme-corp/hooks/{id}/deliveries");
    let detail = get(&sim, &format!("{base}/{}", failed["id"]), Some(&owner))
        .await
        .json();
    assert_eq!(detail["request"]["headers"]["X-GitHub-Event"], "issues");
    assert_eq!(detail["request"]["payload"]["issue"]["title"], "Missed");
    assert_eq!(detail["response"]["payload"], "thanks");
    assert_eq!(detail["response"]["headers"]["x-receiver"], "test");
    let failures = get(&sim, &format!("{base}?status=failure"), Some(&owner))
        .await
        .json();
    assert_eq!(failures.as_array().unwrap().len(), 2);
    assert_eq!(
        get(&sim, &format!("{base}?status=success"), Some(&owner))
            .await
            .json(),
        json!([])
    );

    // The receiver moves; the redelivery goes to the hook's URL as it is now.
    let mut working = Receiver::start(200).await;
    let path = format!("/orgs/acme-corp/hooks/{id}");
    let patch = json!({"config": {"url": working.url, "content_type": "json", "secret": "k"}});
    send(&sim, Method::PATCH, &path, Some(&owner), Some(patch)).await;
    let again = send(
        &sim,
        Method::POST,
        &format!("{base}/{}/attempts", failed["id"]),
        Some(&owner),
        None,
    )
    .await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    assert_eq!(again.json(), json!({}));
    let second = working.next().await;
    assert_eq!(
        second.header("x-github-delivery"),
        first.header("x-github-delivery")
    );
    assert_eq!(second.body, first.body);
    assert_eq!(
        second.header("x-hub-signature-256"),
        sign_sha256("k", &second.body)
    );
    let list = deliveries(&sim, &owner, id, 3).await;
    assert_eq!(list[0]["redelivery"], true);
    assert_eq!(list[0]["guid"], failed["guid"]);
    assert_eq!(list[0]["status_code"], 200);
    assert_eq!(list[0]["status"], "OK");
    failing.quiet().await;

    // Another user's token may not look at them; unknown deliveries are 404.
    let member = get(&sim, &base, Some(&token(&sim, "member"))).await;
    assert_eq!(member.status, StatusCode::NOT_FOUND);
    assert_eq!(
        get(&sim, &format!("{base}/1"), Some(&owner)).await.status,
        StatusCode::NOT_FOUND
    );
    let missing = send(
        &sim,
        Method::POST,
        &format!("{base}/1/attempts"),
        Some(&owner),
        None,
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn deliveries_page_newest_first_with_a_cursor_in_the_link_header() {
    let sim = GithubSim::new(SimConfig::default());
    let owner = token(&sim, "owner");
    let id = create_hook(
        &sim,
        &owner,
        hook_body(&unreachable_url().await, None, &["push"]),
    )
    .await
    .json()["id"]
        .as_i64()
        .unwrap();
    deliveries(&sim, &owner, id, 1).await; // the ping
    for n in 0..4 {
        send(
            &sim,
            Method::POST,
            &format!("/_sim/hooks/{id}/deliver"),
            None,
            Some(json!({"event": "push", "payload": {"n": n}})),
        )
        .await;
    }
    let mut path = format!("/orgs/acme-corp/hooks/{id}/deliveries?per_page=2");
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = get(&sim, &path, Some(&owner)).await;
        assert_eq!(page.status, StatusCode::OK);
        pages += 1;
        for d in page.json().as_array().unwrap() {
            seen.push(d["id"].as_i64().unwrap());
        }
        let Some(link) = page.header("link") else {
            break;
        };
        assert!(link.ends_with("rel=\"next\""), "{link}");
        assert!(
            link.contains("per_page=2") && link.contains("cursor="),
            "{link}"
        );
        let url = link.trim_start_matches('<').split('>').next().unwrap();
        path = url.trim_start_matches("http://127.0.0.1:4000").to_string();
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 5);
    let mut sorted = seen.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first");
    let all = get(
        &sim,
        &format!("/orgs/acme-corp/hooks/{id}/deliveries"),
        Some(&owner),
    )
    .await;
    assert!(all.header("link").is_none());
    assert_eq!(all.json().as_array().unwrap().len(), 5);
}
