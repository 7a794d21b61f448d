//! The walk's rows for the repository content routes, and what they name: repositories
//! of the demo organization (one public with content of every kind, one private) and of
//! the SSO-protected one, numbers, a sha, a branch and comment ids, read from the
//! simulator's dataset (comment ids, which the dataset holds as node ids only, from the
//! listings that show them).

use github_sim::{DEMO_ORG, GithubSim};
use reqwest::{Client, Method};
use serde_json::Value;

use super::rows::{Row, json_of, row};

/// The organization enforcing SAML SSO (the `sso-unauthorized` token is refused there).
const SSO_ORG: &str = "initech";
/// A number no issue or pull request of the walk's repository has.
const NO_NUMBER: i64 = 999_999;
/// An id no comment has.
const NO_COMMENT: i64 = 999_999_999;

pub(super) struct Content {
    /// `owner/name` of a public demo repository with commits, pull requests and issues.
    repo: String,
    private_repo: String,
    sso_repo: String,
    /// A pull request with reviews, review comments, comments and reactions.
    pull: i64,
    /// Its head branch.
    branch: String,
    /// An issue (not a pull request) with comments.
    issue: i64,
    /// A commit of the default branch.
    sha: String,
    issue_comment: i64,
    review_comment: i64,
    /// A time in the middle of the repository's activity, for `since`/`until`.
    middle: String,
}

impl Content {
    /// Placeholders for checking GitHub's own examples, where only the templates matter.
    pub(super) fn example() -> Content {
        Content {
            repo: "o/r".into(),
            private_repo: "o/p".into(),
            sso_repo: "s/r".into(),
            pull: 1,
            branch: "b".into(),
            issue: 2,
            sha: "abc1234".into(),
            issue_comment: 1,
            review_comment: 1,
            middle: "2026-01-01T00:00:00Z".into(),
        }
    }

    pub(super) async fn read(sim: &GithubSim, http: &Client, base: &str, owner: &str) -> Content {
        let dataset = sim.dataset();
        let (repo, content) = dataset
            .repos_owned_by(DEMO_ORG)
            .filter(|r| !r.private)
            .find_map(|r| {
                let c = sim.content(&r.full_name())?;
                let rich = !c.commits.is_empty()
                    && c.issues.iter().any(|t| !t.comments.is_empty())
                    && c.pull_requests.iter().any(|p| {
                        !p.reviews.is_empty()
                            && !p.comments.is_empty()
                            && !p.reactions.is_empty()
                            && p.review_threads.iter().any(|t| !t.comments.is_empty())
                    });
                rich.then(|| (r.full_name(), c))
            })
            .expect("a public demo repository with content of every kind");
        let pull = content
            .pull_requests
            .iter()
            .find(|p| {
                !p.reviews.is_empty()
                    && !p.comments.is_empty()
                    && !p.reactions.is_empty()
                    && p.review_threads.iter().any(|t| !t.comments.is_empty())
            })
            .unwrap();
        let issue = content
            .issues
            .iter()
            .find(|t| !t.comments.is_empty())
            .unwrap();
        let mut times: Vec<_> = content.commits.iter().map(|c| c.committed_at).collect();
        times.sort();
        let first_id = |path: String| async move {
            let list: Value = json_of(http.get(format!("{base}{path}")).bearer_auth(owner)).await;
            list[0]["id"]
                .as_i64()
                .unwrap_or_else(|| panic!("{path}: {list}"))
        };
        Content {
            issue_comment: first_id(format!("/repos/{repo}/issues/{}/comments", issue.number))
                .await,
            review_comment: first_id(format!("/repos/{repo}/pulls/{}/comments", pull.number)).await,
            private_repo: dataset
                .repos_owned_by(DEMO_ORG)
                .find(|r| r.private)
                .expect("a private demo repository")
                .full_name(),
            sso_repo: dataset
                .repos_owned_by(SSO_ORG)
                .find(|r| !r.private)
                .expect("a public repository of the SSO organization")
                .full_name(),
            pull: pull.number,
            branch: pull.head_ref.clone(),
            issue: issue.number,
            sha: content.commits[0].oid.clone(),
            middle: times[times.len() / 2].to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            repo,
        }
    }
}

/// Every content route: listings with paging, filters and ordering, bad parameters,
/// unknown repositories and numbers, a private repository and the SSO organization's.
pub(super) fn rows(c: &Content) -> Vec<Row> {
    let get = |path: String| row(Method::GET, path);
    let r = format!("/repos/{}", c.repo);
    let (pull, issue, sha, since) = (c.pull, c.issue, &c.sha, &c.middle);
    let branch = c.branch.replace('/', "%2F");
    vec![
        get(format!("/orgs/{DEMO_ORG}/repos")),
        get(format!("/orgs/{DEMO_ORG}/repos?per_page=2&page=2")),
        get(format!(
            "/orgs/{DEMO_ORG}/repos?type=private&sort=full_name&direction=asc"
        )),
        get(format!("/orgs/{DEMO_ORG}/repos?type=bogus")),
        get(format!("/orgs/{SSO_ORG}/repos")),
        get("/orgs/no-such-org/repos".into()),
        get("/user/repos".into()),
        get("/user/repos?per_page=1&page=2".into()),
        get(
            "/user/repos?visibility=private&affiliation=owner,organization_member&sort=pushed"
                .into(),
        ),
        get(format!("/user/repos?since={since}&direction=asc")),
        get("/user/repos?type=owner&visibility=all".into()),
        get("/user/repos?sort=bogus".into()),
        get(r.clone()),
        get(format!("/repos/{}", c.private_repo)),
        get(format!("/repos/{}", c.sso_repo)),
        get(format!("/repos/{DEMO_ORG}/no-such-repo")),
        // Commits.
        get(format!("{r}/commits")),
        get(format!("{r}/commits?per_page=1&page=2")),
        get(format!("{r}/commits?since={since}&until=2099-01-01")),
        get(format!("{r}/commits?sha={branch}")),
        get(format!("{r}/commits?sha={sha}&per_page=5")),
        get(format!("{r}/commits?sha=no-such-branch")),
        get(format!("{r}/commits?since=yesterday")),
        get(format!("{r}/commits/{sha}")),
        get(format!("{r}/commits/{}", &sha[..7])),
        get(format!("{r}/commits/0000000000")),
        get(format!("/repos/{}/commits", c.private_repo)),
        get(format!("/repos/{}/commits", c.sso_repo)),
        // Pull requests.
        get(format!("{r}/pulls")),
        get(format!("{r}/pulls?state=all&per_page=5&page=2")),
        get(format!("{r}/pulls?state=closed&sort=updated&direction=asc")),
        get(format!("{r}/pulls?state=all&sort=popularity")),
        get(format!("{r}/pulls?state=all&head={DEMO_ORG}:{branch}")),
        get(format!("{r}/pulls?state=bogus")),
        get(format!("{r}/pulls/{pull}")),
        get(format!("{r}/pulls/{NO_NUMBER}")),
        get(format!("{r}/pulls/{issue}")),
        get(format!("{r}/pulls/{pull}/commits")),
        get(format!("{r}/pulls/{pull}/commits?per_page=1&page=2")),
        get(format!("{r}/pulls/{NO_NUMBER}/commits")),
        get(format!("{r}/pulls/{pull}/reviews")),
        get(format!("{r}/pulls/{NO_NUMBER}/reviews")),
        get(format!("{r}/pulls/{pull}/comments")),
        get(format!(
            "{r}/pulls/{pull}/comments?sort=updated&direction=desc"
        )),
        get(format!("{r}/pulls/{NO_NUMBER}/comments")),
        get(format!("{r}/pulls/comments")),
        get(format!(
            "{r}/pulls/comments?since={since}&per_page=2&page=2"
        )),
        get(format!("{r}/pulls/comments?sort=bogus")),
        get(format!("{r}/pulls/comments/{}/reactions", c.review_comment)),
        get(format!("{r}/pulls/comments/{NO_COMMENT}/reactions")),
        // Issues, with pull requests among them.
        get(format!("{r}/issues")),
        get(format!("{r}/issues?state=all&per_page=10&page=2")),
        get(format!(
            "{r}/issues?state=all&since={since}&sort=updated&direction=asc"
        )),
        get(format!("{r}/issues?state=closed&sort=comments")),
        get(format!("{r}/issues?state=all&assignee=none&labels=bug")),
        get(format!("{r}/issues?state=bogus")),
        get(format!("{r}/issues?since=yesterday")),
        get(format!("{r}/issues/{issue}/comments")),
        get(format!("{r}/issues/{pull}/comments?since={since}")),
        get(format!("{r}/issues/{NO_NUMBER}/comments")),
        get(format!("{r}/issues/comments")),
        get(format!(
            "{r}/issues/comments?since={since}&sort=updated&direction=desc"
        )),
        get(format!("{r}/issues/comments?per_page=1&page=2")),
        get(format!("{r}/issues/comments?sort=created&direction=bogus")),
        get(format!("{r}/issues/comments/{}/reactions", c.issue_comment)),
        get(format!("{r}/issues/comments/{NO_COMMENT}/reactions")),
        get(format!("{r}/issues/events")),
        get(format!("{r}/issues/events?per_page=1&page=2")),
        get(format!("{r}/issues/{issue}/timeline")),
        get(format!("{r}/issues/{pull}/timeline")),
        get(format!("{r}/issues/{pull}/timeline?per_page=2&page=2")),
        get(format!("{r}/issues/{NO_NUMBER}/timeline")),
        get(format!("{r}/issues/{pull}/reactions")),
        get(format!("{r}/issues/{pull}/reactions?content=heart")),
        get(format!("{r}/issues/{pull}/reactions?content=bogus")),
        get(format!("{r}/issues/{issue}/reactions")),
        get(format!("{r}/issues/{NO_NUMBER}/reactions")),
        get(format!("/repos/{}/issues", c.private_repo)),
        get(format!("/repos/{}/issues", c.sso_repo)),
        get(format!("/repos/{}/pulls", c.sso_repo)),
    ]
}
