//! The REST pass against a small simulator: it reads exactly the dataset's items,
//! each listing followed through several pages, and makes per-item calls only where
//! `PER_ITEM` says.

use serde_json::Value;

use super::{IN_FLIGHT, Read, RestPass};

#[tokio::test]
async fn the_rest_pass_reads_every_item_of_the_dataset_once() {
    let sim = github_sim::GithubSim::new(github_sim::SimConfig {
        commits: Some(400),
        pull_requests: Some(60),
        issues: Some(50),
        ..Default::default()
    });
    let owner = sim.token("owner").expect("an owner token");
    let expected = Read::expected(&sim, github_sim::DEMO_ORG, "tributary-svc");
    let running = sim.spawn("127.0.0.1:0").await.unwrap();
    let base = running.base_url();

    // 7 a page, so that every listing, nested ones too, goes on past its first page.
    let pass = RestPass::new(&base, &owner, 7, IN_FLIGHT);
    let read = pass.organization(github_sim::DEMO_ORG).await.unwrap();
    assert_eq!(read, expected);
    for kind in [
        "commits",
        "pull requests",
        "pull request commits",
        "reviews",
    ] {
        assert!(read.0[kind] > 7, "{kind}: {} fit one page", read.0[kind]);
    }
    assert!(read.0["commit additions"] > 0 && read.0["pull request additions"] > 0);

    let stats: Value = reqwest::get(format!("{base}/_sim/stats"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let routes = &stats["rest"]["routes"];
    let requests = |route: &str| routes[route]["requests"].as_i64().unwrap_or(0);
    assert_eq!(
        requests("GET /repos/{owner}/{repo}/commits/{ref}"),
        read.0["commits"]
    );
    assert_eq!(
        requests("GET /repos/{owner}/{repo}/pulls/{pull_number}"),
        read.0["pull requests"]
    );
    // The pulls listing is never needed: the issues listing names every pull request.
    assert_eq!(requests("GET /repos/{owner}/{repo}/pulls"), 0);
    // Reactions only of pull requests that have some.
    let reacted: i64 = requests("GET /repos/{owner}/{repo}/issues/{issue_number}/reactions");
    assert!(
        reacted > 0 && reacted <= read.0["pull requests"],
        "{reacted}"
    );
    assert_eq!(stats["rest"]["points"], stats["rest"]["requests"]);
    assert_eq!(stats["graphql"]["requests"], 0);
    running.shutdown_and_wait().await;
}
