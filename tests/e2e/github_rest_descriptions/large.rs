//! The issues listing of a repository with more issues than GitHub pages by number
//! (`CursorPaging::LARGE` in the simulator): walked to its end through the `after`
//! cursors of its `Link` headers and back one page by `before`, each page held to
//! GitHub's description, with the deep-page 422 and a malformed cursor's, as the
//! owner and as an anonymous caller. On a simulator of its own, with issues only, so
//! the walk stays short.

use github_sim::{DEMO_ORG, GithubSim, SimConfig};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tributary_tests::github_descriptions::RestDescription;

use super::rows::row;
use super::{Walk, links};

/// More than the simulator's threshold (1,000) of issues in each demo repository.
const ISSUES_PER_REPO: usize = 1_001;
const REPOS: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_issue_listing_pages_with_cursors_as_github_does() {
    let Some(description) = RestDescription::load() else {
        return;
    };
    let sim = GithubSim::new(SimConfig {
        issues: Some(REPOS * ISSUES_PER_REPO),
        pull_requests: Some(0),
        commits: Some(0),
        repos: Some(REPOS),
        ..Default::default()
    });
    let running = sim.clone().spawn("127.0.0.1:0").await.unwrap();
    let base = running.base_url();
    let (repo, content) = sim
        .dataset()
        .repos_owned_by(DEMO_ORG)
        .filter(|r| !r.private)
        .find_map(|r| Some((r.full_name(), sim.content(&r.full_name())?)))
        .unwrap();
    assert!(content.issues.len() >= ISSUES_PER_REPO);
    let mut newest_first: Vec<i64> = content.issues.iter().map(|t| t.number).collect();
    newest_first.sort_by_key(|n| std::cmp::Reverse(*n));
    let listing = format!("/repos/{repo}/issues?state=all&per_page=100");

    let mut walk = Walk::new(&base, description);
    let owner = sim.token("owner").unwrap();
    for (caller, token) in [("owner", Some(owner.as_str())), ("anonymous", None)] {
        let mut numbers = Vec::new();
        let mut next = Some(listing.clone());
        let mut second = None;
        while let Some(path) = next.take() {
            let (status, headers, body) = walk.call(caller, token, &row(Method::GET, &path)).await;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
            numbers.extend(
                body.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v["number"].as_i64().unwrap()),
            );
            let found = links::parse(&headers);
            next = links::find(&found, "next").map(|l| l.url.replacen(&base, "", 1));
            if let Some(n) = &next {
                assert!(n.contains("after="), "{n}");
                second.get_or_insert_with(|| n.clone());
            }
        }
        assert_eq!(numbers, newest_first, "as {caller}");

        // `before` on the second page goes back to the first.
        let second = second.expect("more than one page");
        let (_, headers, _) = walk.call(caller, token, &row(Method::GET, &second)).await;
        let prev = links::find(&links::parse(&headers), "prev")
            .map(|l| l.url.replacen(&base, "", 1))
            .expect("a prev link on the second page");
        assert!(prev.contains("before="), "{prev}");
        let (_, _, back) = walk.call(caller, token, &row(Method::GET, &prev)).await;
        let first: Vec<Value> = back.as_array().unwrap().to_vec();
        assert_eq!(first[0]["number"].as_i64(), Some(newest_first[0]));

        let shallow = format!("/repos/{repo}/issues?state=all&per_page=10&page=99");
        let (status, _, _) = walk.call(caller, token, &row(Method::GET, &shallow)).await;
        assert_eq!(status, StatusCode::OK);
        let deep = format!("/repos/{repo}/issues?state=all&per_page=10&page=100");
        let (status, _, body) = walk.call(caller, token, &row(Method::GET, &deep)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body["message"].as_str().is_some_and(|m| m.starts_with(
                "Pagination with the page parameter is not supported for large datasets"
            )),
            "{body}"
        );
        let bogus = format!("/repos/{repo}/issues?state=all&after=bm90IGEgY3Vyc29y");
        let (status, _, _) = walk.call(caller, token, &row(Method::GET, &bogus)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert!(walk.problems.is_empty(), "{:#?}", walk.problems);
    running.shutdown_and_wait().await;
}
