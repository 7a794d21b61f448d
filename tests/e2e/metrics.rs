//! Metrics and the Work log through the HTTP API, on fixtures written straight into
//! the database through the store (not the simulator), each expected value worked out
//! here from the fixture. The same assertions run on SQLite and PostgreSQL.

use chrono::{DateTime, Duration, Utc};
use github::import::*;
use sea_orm::{Database, DatabaseConnection};
use serde_json::{Value, json};
use tributary_tests::{TestApp, on_every_backend};
use worker::store::{Scope, store_commits, store_pull_requests, store_tickets};

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("an RFC 3339 time")
}

fn actor(login: &str) -> Option<Actor> {
    Some(Actor {
        login: login.into(),
        is_bot: login.ends_with("[bot]"),
    })
}

/// A contributor's login, or the e-mail of one GitHub links to no account.
fn contributor_key(contributor: &Value) -> &str {
    contributor["login"]
        .as_str()
        .or_else(|| contributor["email"].as_str())
        .expect("a login or an e-mail")
}

pub(crate) struct Fixture {
    pub(crate) db: DatabaseConnection,
    /// The integration's global id, as the API takes it.
    pub(crate) integration: String,
    /// The repositories' global ids, as the API shows them.
    repo_a_id: String,
    repo_b_id: String,
    /// Where the store writes (row ids).
    pub(crate) repo_a: Scope,
    pub(crate) repo_b: Scope,
}

/// An integration with two repositories, and a connection to write beside the API.
pub(crate) async fn fixture(app: &TestApp) -> Fixture {
    let integration = app.create_integration("owner").await;
    let data = app
        .data(
            "query($id: ID!) { integration(id: $id) { repositories(first: 2) { nodes { id } } } }",
            json!({ "id": integration }),
        )
        .await;
    let ids: Vec<String> = data["integration"]["repositories"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_string())
        .collect();
    let scope = |repository_id: &str| Scope {
        integration_id: tributary_tests::row_id(&integration),
        repository_id: tributary_tests::row_id(repository_id),
    };
    Fixture {
        db: Database::connect(&app.database_url).await.unwrap(),
        repo_a: scope(&ids[0]),
        repo_b: scope(&ids[1]),
        repo_a_id: ids[0].clone(),
        repo_b_id: ids[1].clone(),
        integration,
    }
}

fn commit(
    oid: &str,
    login: Option<&str>,
    email: &str,
    authored: &str,
    lines: (i64, i64),
    parents: i64,
) -> Commit {
    Commit {
        node_id: format!("C_{oid}"),
        oid: oid.into(),
        message_headline: format!("commit {oid}"),
        authored_at: at(authored),
        committed_at: at(authored),
        author: GitActor {
            name: Some(login.unwrap_or("Someone").to_string()),
            email: Some(email.into()),
            login: login.map(str::to_string),
        },
        committer: GitActor::default(),
        additions: lines.0,
        deletions: lines.1,
        changed_files: Some(1),
        parent_count: parents,
    }
}

/// Default-branch commits, 2026-03-01 … 2026-03-14 (UTC):
/// - alice: c1 03-02 09:00 (+10 −2), c2 03-02 15:00 (+5 −5), c3 03-03 23:30 (+1 −0),
///   c4 03-04 10:00, a merge commit (+0 −0);
/// - bob: c5 03-05 10:00 from bob@example.com with no login yet (+3 −1), c6 03-06
///   10:00 with the same e-mail, now linked to `bob` (+4 −0);
/// - carol@example.com, never linked: c7 03-06 12:00 in the second repository (+2 −2);
/// - dependabot[bot]: c8 03-05 08:00 (+100 −100).
async fn store_fixture_commits(f: &Fixture) {
    store_commits(
        &f.db,
        &f.repo_a,
        &[
            commit(
                "c1",
                Some("alice"),
                "alice@example.com",
                "2026-03-02T09:00:00Z",
                (10, 2),
                1,
            ),
            commit(
                "c2",
                Some("alice"),
                "alice@example.com",
                "2026-03-02T15:00:00Z",
                (5, 5),
                1,
            ),
            commit(
                "c3",
                Some("alice"),
                "alice@example.com",
                "2026-03-03T23:30:00Z",
                (1, 0),
                1,
            ),
            commit(
                "c4",
                Some("alice"),
                "alice@example.com",
                "2026-03-04T10:00:00Z",
                (0, 0),
                2,
            ),
            commit(
                "c5",
                None,
                "bob@example.com",
                "2026-03-05T10:00:00Z",
                (3, 1),
                1,
            ),
            commit(
                "c6",
                Some("bob"),
                "bob@example.com",
                "2026-03-06T10:00:00Z",
                (4, 0),
                1,
            ),
            commit(
                "c8",
                Some("dependabot[bot]"),
                "49699333+dependabot[bot]@users.noreply.github.com",
                "2026-03-05T08:00:00Z",
                (100, 100),
                1,
            ),
        ],
    )
    .await
    .unwrap();
    store_commits(
        &f.db,
        &f.repo_b,
        &[commit(
            "c7",
            None,
            "carol@example.com",
            "2026-03-06T12:00:00Z",
            (2, 2),
            1,
        )],
    )
    .await
    .unwrap();
}

fn pull_request(
    number: i64,
    author: &str,
    created: DateTime<Utc>,
    merged_after: Option<i64>,
    size: i64,
) -> PullRequest {
    let merged_at = merged_after.map(|h| created + Duration::hours(h));
    PullRequest {
        node_id: format!("PR_{number}"),
        number,
        title: format!("PR {number}"),
        body: String::new(),
        state: if merged_at.is_some() {
            PullRequestState::Merged
        } else {
            PullRequestState::Open
        },
        is_draft: false,
        created_at: created,
        updated_at: created,
        merged_at,
        closed_at: merged_at,
        author: actor(author),
        base_ref: "main".into(),
        head_ref: format!("feature-{number}"),
        additions: size,
        deletions: 0,
        changed_files: 1,
        merge_commit_oid: None,
        labels: vec![],
        assignees: vec![],
        requested_reviewers: vec![],
        commits: vec![],
        reviews: vec![],
        comments: vec![],
        reactions: vec![],
        merged_by: merged_at.and(actor(author)),
        events: vec![],
    }
}

struct Build {
    pr: PullRequest,
    seq: usize,
}

impl Build {
    fn new(pr: PullRequest) -> Self {
        Build { pr, seq: 0 }
    }
    fn hours(&self, h: f64) -> DateTime<Utc> {
        self.pr.created_at + Duration::seconds((h * 3600.0) as i64)
    }
    fn id(&mut self, prefix: &str) -> String {
        self.seq += 1;
        format!("{prefix}_{}_{}", self.pr.number, self.seq)
    }
    fn commit(mut self, login: &str, h: f64) -> Self {
        let oid = self.id("oid");
        let when = self.hours(h);
        self.pr.commits.push(PullRequestCommit {
            oid,
            message_headline: "change".into(),
            authored_at: when,
            committed_at: when,
            author: GitActor {
                name: Some(login.into()),
                email: Some(format!("{login}@example.com")),
                login: Some(login.into()),
            },
        });
        self
    }
    fn review(mut self, login: &str, h: f64, state: ReviewState, body: &str) -> Self {
        let node_id = self.id("PRR");
        let when = self.hours(h);
        self.pr.reviews.push(Review {
            node_id,
            state,
            author: actor(login),
            submitted_at: Some(when),
            body: body.into(),
        });
        self
    }
    fn comment(mut self, login: &str, h: f64, kind: CommentKind, body: &str) -> Self {
        let node_id = self.id("C");
        let when = self.hours(h);
        self.pr.comments.push(Comment {
            node_id,
            kind,
            author: actor(login),
            body: body.into(),
            created_at: when,
            updated_at: None,
        });
        self
    }
    fn reaction(mut self, login: &str, h: f64, content: &str) -> Self {
        let node_id = self.id("RE");
        let when = self.hours(h);
        self.pr.reactions.push(Reaction {
            node_id,
            content: content.into(),
            user: Some(login.into()),
            created_at: when,
        });
        self
    }
}

/// PR 1 is docs/metrics.md's worked example (hours after its opening, 03-02 10:00):
/// alice commits at −5, bob approves without a word at 2 and comments at 3, carol
/// writes "🎉" in a review thread at 4, alice commits at 6 and comments at 7, bob
/// approves at 10, alice commits at 12, merged at 30; dave's 👍 at 1 changes nothing.
/// PR 2 (bob, 03-05 00:00): dave's bare approval at 1, merged at 6; carol's 🎉
/// reaction at 0.5. PR 3 (carol, second repository, 03-06 00:00): dave's comment
/// "👍" at 2, merged at 4. PR 4 (dependabot[bot], 03-07 00:00): alice's bare
/// approval at 0.5, merged at 1. PR 5 (alice, 03-08): still open, bob comments at 1.
/// Each merged pull request is merged by its author.
fn fixture_pull_requests() -> (Vec<PullRequest>, Vec<PullRequest>) {
    use CommentKind::*;
    use ReviewState::*;
    let pr1 = Build::new(pull_request(
        1,
        "alice",
        at("2026-03-02T10:00:00Z"),
        Some(30),
        120,
    ))
    .commit("alice", -5.0)
    .reaction("dave", 1.0, "THUMBS_UP")
    .review("bob", 2.0, Approved, "")
    .comment("bob", 3.0, Conversation, "Could this use the cache?")
    .comment("carol", 4.0, ReviewThread, "🎉")
    .commit("alice", 6.0)
    .comment("alice", 7.0, Conversation, "Done")
    .review("bob", 10.0, Approved, "  ")
    .commit("alice", 12.0)
    .pr;
    let pr2 = Build::new(pull_request(
        2,
        "bob",
        at("2026-03-05T00:00:00Z"),
        Some(6),
        10,
    ))
    .reaction("carol", 0.5, "HOORAY")
    .review("dave", 1.0, Approved, "")
    .pr;
    let pr3 = Build::new(pull_request(
        3,
        "carol",
        at("2026-03-06T00:00:00Z"),
        Some(4),
        4,
    ))
    .comment("dave", 2.0, Conversation, "👍")
    .pr;
    let pr4 = Build::new(pull_request(
        4,
        "dependabot[bot]",
        at("2026-03-07T00:00:00Z"),
        Some(1),
        2,
    ))
    .review("alice", 0.5, Approved, "")
    .pr;
    let pr5 = Build::new(pull_request(
        5,
        "alice",
        at("2026-03-08T00:00:00Z"),
        None,
        7,
    ))
    .comment("bob", 1.0, Conversation, "Looks close")
    .pr;
    (vec![pr1, pr2, pr4, pr5], vec![pr3])
}

async fn store_fixture_pull_requests(f: &Fixture) {
    let (in_a, in_b) = fixture_pull_requests();
    store_pull_requests(&f.db, &f.repo_a, &in_a).await.unwrap();
    store_pull_requests(&f.db, &f.repo_b, &in_b).await.unwrap();
}

fn event(
    id: &str,
    kind: TicketEventKind,
    login: &str,
    when: &str,
    subject: Option<&str>,
) -> TicketEvent {
    TicketEvent {
        node_id: id.into(),
        kind,
        actor: actor(login),
        created_at: at(when),
        subject: subject.map(str::to_string),
    }
}

/// Ticket #7 (carol, 03-09 10:00): alice assigns bob at 11:00 and labels it `bug` at
/// 11:30; bob comments 03-10 08:00 and closes it at 09:00; carol reopens it at 10:00.
async fn store_fixture_tickets(f: &Fixture) {
    use TicketEventKind::*;
    let ticket = Ticket {
        node_id: "I_7".into(),
        number: 7,
        title: "Crash on start".into(),
        state: TicketState::Open,
        state_reason: Some("REOPENED".into()),
        author: actor("carol"),
        labels: vec!["bug".into()],
        assignees: vec!["bob".into()],
        created_at: at("2026-03-09T10:00:00Z"),
        updated_at: at("2026-03-10T10:00:00Z"),
        closed_at: None,
        comments: vec![Comment {
            node_id: "IC_7".into(),
            kind: CommentKind::Conversation,
            author: actor("bob"),
            body: "on it".into(),
            created_at: at("2026-03-10T08:00:00Z"),
            updated_at: None,
        }],
        events: vec![
            event(
                "AE_7",
                Assigned,
                "alice",
                "2026-03-09T11:00:00Z",
                Some("bob"),
            ),
            event(
                "LE_7",
                Labeled,
                "alice",
                "2026-03-09T11:30:00Z",
                Some("bug"),
            ),
            event("IC_7", Commented, "bob", "2026-03-10T08:00:00Z", None),
            event("CE_7", Closed, "bob", "2026-03-10T09:00:00Z", None),
            event("RE_7", Reopened, "carol", "2026-03-10T10:00:00Z", None),
        ],
    };
    store_tickets(&f.db, &f.repo_a, &[ticket]).await.unwrap();
}

fn filter(f: &Fixture, extra: Value) -> Value {
    let mut filter = json!({
        "integrationId": f.integration,
        "from": "2026-03-01",
        "to": "2026-03-14",
    });
    filter
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    filter
}

const PULL_REQUEST_METRICS: &str = r#"
query($filter: AnalyticsFilter!, $set: PullRequestSet! = MERGED) {
  pullRequestMetrics(filter: $filter, set: $set) {
    aggregate {
      pullRequests withFirstComment averageTimeToFirstCommentHours reviewerResponses
      averageReactionTimeHours authorResponses averageResponsivenessHours thoroughlyReviewed
      thoroughlyReviewedShare comments reviews averageReviewers averageIterations
      averageTimeToMergeHours averageSize
    }
    pullRequests(first: 10) {
      totalCount
      nodes {
        id number state repository { id } author { login isBot }
        timeToFirstCommentHours reactionTimesHours reactionTimeHours responsivenessTimesHours
        thoroughlyReviewed comments reviews reviewers { login } iterations timeToMergeHours size
      }
    }
  }
}"#;

const COMMIT_METRICS: &str = r#"
query($filter: AnalyticsFilter!) {
  commitMetrics(filter: $filter) {
    days codingDaysPerWeek commitsPerDay commits mergeCommits additions deletions activeContributors
    contributors(first: 10) {
      totalCount
      nodes { contributor { id login email name isBot } codingDays codingDaysPerWeek commitsPerDay commits mergeCommits additions deletions }
    }
  }
}"#;

const WORK_LOG: &str = r#"
query($filter: AnalyticsFilter!, $first: Int = 100, $after: String) {
  workLog(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { date contributor { id login email } items { kind at number title oid detail repository { id } } }
  }
}"#;

fn close(actual: &Value, expected: f64) -> bool {
    actual.as_f64().is_some_and(|a| (a - expected).abs() < 1e-9)
}

macro_rules! assert_close {
    ($actual:expr, $expected:expr) => {
        assert!(
            close(&$actual, $expected),
            "{} is {}, expected {}",
            stringify!($actual),
            $actual,
            $expected
        )
    };
}

async fn pull_request_metrics(app: &TestApp, filter: Value) -> Value {
    app.data(PULL_REQUEST_METRICS, json!({ "filter": filter }))
        .await["pullRequestMetrics"]
        .clone()
}

/// The fixture's commits and pull requests stored, and the pull request metrics of its
/// whole range.
async fn pull_request_fixture(app: &TestApp) -> (Fixture, Value) {
    let f = fixture(app).await;
    store_fixture_commits(&f).await;
    store_fixture_pull_requests(&f).await;
    let metrics = pull_request_metrics(app, filter(&f, json!({}))).await;
    (f, metrics)
}

/// Pull request `number` among the metrics' merged ones.
fn merged(metrics: &Value, number: i64) -> Value {
    metrics["pullRequests"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["number"] == number)
        .unwrap_or_else(|| panic!("pull request {number} is not listed: {metrics:#}"))
        .clone()
}

async fn merged_pull_requests_are_listed_newest_merge_first(app: &TestApp) {
    let (_, metrics) = pull_request_fixture(app).await;
    // Merged in the range, newest merge first: PR 4, 3, 2, 1 (PR 5 is open).
    let numbers: Vec<i64> = metrics["pullRequests"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [4, 3, 2, 1]);
    assert_eq!(metrics["pullRequests"]["totalCount"], 4);
}
on_every_backend!(merged_pull_requests_are_listed_newest_merge_first);

async fn a_reviewed_pull_request_has_its_waits_comments_and_iterations(app: &TestApp) {
    let (f, metrics) = pull_request_fixture(app).await;
    let pr1 = merged(&metrics, 1);
    // bob's first review is a bare approval; his comment at 3 h comes first.
    assert_close!(pr1["timeToFirstCommentHours"], 3.0);
    // Waits for reviewers: from the opening (bob 2 h, carol 4 h — bob's comment at 3
    // is his second action), from alice's commit at 6 (bob at 10: 4 h).
    assert_eq!(pr1["reactionTimesHours"], json!([2.0, 4.0, 4.0]));
    assert_close!(pr1["reactionTimeHours"], 10.0 / 3.0);
    // Alice's responses, each from the reviewer action just before it: carol's at 4
    // (the last of bob's and carol's run; her commit at 6: 2 h; her comment at 7 is the
    // same response), bob's approval at 10 (her commit at 12: 2 h).
    assert_eq!(pr1["responsivenessTimesHours"], json!([2.0, 2.0]));
    assert_eq!(pr1["thoroughlyReviewed"], true);
    // Comments: bob's, carol's "🎉", alice's; reviews by others: bob's two.
    assert_eq!(
        (pr1["comments"].as_i64(), pr1["reviews"].as_i64()),
        (Some(3), Some(2))
    );
    assert_eq!(
        pr1["reviewers"],
        json!([{ "login": "bob" }, { "login": "carol" }])
    );
    // Commits after the first review (2 h): at 6 and 12.
    assert_eq!(pr1["iterations"], 2);
    assert_close!(pr1["timeToMergeHours"], 30.0);
    assert_eq!(pr1["size"], 120);
    assert_eq!(pr1["repository"]["id"], f.repo_a_id.as_str());
    assert_eq!(pr1["state"], "MERGED");
    // The pull request refetches by its id, with the same figures.
    let again = app
        .data(
            "query($id: ID!) { node(id: $id) { id ... on PullRequestFigures { number iterations } } }",
            json!({ "id": pr1["id"] }),
        )
        .await;
    assert_eq!(
        again["node"],
        json!({ "id": pr1["id"], "number": 1, "iterations": 2 })
    );
}
on_every_backend!(a_reviewed_pull_request_has_its_waits_comments_and_iterations);

async fn a_bare_approval_is_no_comment_and_a_reaction_no_response(app: &TestApp) {
    let (_, metrics) = pull_request_fixture(app).await;
    let pr2 = merged(&metrics, 2);
    assert_eq!(
        pr2["timeToFirstCommentHours"],
        Value::Null,
        "a bare approval is no comment"
    );
    assert_eq!(
        pr2["reactionTimesHours"],
        json!([1.0]),
        "carol's reaction at 0.5 h is no response"
    );
    assert_eq!(pr2["thoroughlyReviewed"], false);
}
on_every_backend!(a_bare_approval_is_no_comment_and_a_reaction_no_response);

/// A comment of one emoji is a comment (the first comment, a reviewer response) but a
/// trivial one: not enough to make a pull request thoroughly reviewed, until the
/// integration's robustness thresholds say one character is a regular comment.
async fn a_comment_of_one_emoji_is_a_comment(app: &TestApp) {
    let (f, metrics) = pull_request_fixture(app).await;
    let pr3 = merged(&metrics, 3);
    assert_close!(pr3["timeToFirstCommentHours"], 2.0);
    assert_eq!(pr3["reactionTimesHours"], json!([2.0]));
    assert_eq!(pr3["comments"], 1);
    assert_eq!(pr3["repository"]["id"], f.repo_b_id.as_str());
    assert_eq!(
        pr3["thoroughlyReviewed"], false,
        "a trivial comment does not review the pull request thoroughly"
    );
    let set = app
        .data(
            "mutation($i: ID!) { setCommentRobustness(input: {integrationId: $i, regularFrom: 1, robustFrom: 100}) { integration { commentRobustness { regularFrom robustFrom } } userErrors { code } } }",
            json!({ "i": f.integration }),
        )
        .await;
    assert_eq!(
        set["setCommentRobustness"],
        json!({ "integration": { "commentRobustness": { "regularFrom": 1, "robustFrom": 100 } }, "userErrors": [] })
    );
    let metrics = pull_request_metrics(app, filter(&f, json!({}))).await;
    assert_eq!(merged(&metrics, 3)["thoroughlyReviewed"], true);
    let refused = app
        .data(
            "mutation($i: ID!) { setCommentRobustness(input: {integrationId: $i, regularFrom: 50, robustFrom: 10}) { userErrors { code field } } }",
            json!({ "i": f.integration }),
        )
        .await;
    assert_eq!(
        refused["setCommentRobustness"]["userErrors"],
        json!([{ "code": "ROBUSTNESS_THRESHOLDS_INVALID", "field": ["input", "robustFrom"] }])
    );
}
on_every_backend!(a_comment_of_one_emoji_is_a_comment);

async fn a_pull_request_by_a_bot_names_its_author_as_a_bot(app: &TestApp) {
    let (_, metrics) = pull_request_fixture(app).await;
    assert_eq!(
        merged(&metrics, 4)["author"],
        json!({ "login": "dependabot[bot]", "isBot": true })
    );
}
on_every_backend!(a_pull_request_by_a_bot_names_its_author_as_a_bot);

async fn the_aggregate_sums_up_the_merged_pull_requests(app: &TestApp) {
    let (_, metrics) = pull_request_fixture(app).await;
    let aggregate = &metrics["aggregate"];
    assert_eq!(aggregate["pullRequests"], 4);
    // First comments: PR 1 at 3 h, PR 3 at 2 h.
    assert_eq!(aggregate["withFirstComment"], 2);
    assert_close!(aggregate["averageTimeToFirstCommentHours"], 2.5);
    // Reviewer responses: 2, 4, 4 (PR 1), 1 (PR 2), 2 (PR 3), 0.5 (PR 4).
    assert_eq!(aggregate["reviewerResponses"], 6);
    assert_close!(aggregate["averageReactionTimeHours"], 13.5 / 6.0);
    // Submitter responses, each author merging their own pull request (a merge is an
    // action): PR 1 at 2 and 2 h (the merge follows alice's own commit), PR 2's merge
    // 5 h after dave's approval, PR 3's 2 h after dave's "👍", PR 4's 0.5 h after
    // alice's approval.
    assert_eq!(aggregate["authorResponses"], 5);
    assert_close!(aggregate["averageResponsivenessHours"], 11.5 / 5.0);
    // PR 1 (bob's "Could this use the cache?" is a regular comment); PR 3's "👍" is a
    // trivial one.
    assert_eq!(aggregate["thoroughlyReviewed"], 1);
    assert_close!(aggregate["thoroughlyReviewedShare"], 0.25);
    assert_eq!(
        (
            aggregate["comments"].as_i64(),
            aggregate["reviews"].as_i64()
        ),
        (Some(4), Some(4))
    );
    assert_close!(aggregate["averageReviewers"], 5.0 / 4.0);
    assert_close!(aggregate["averageIterations"], 0.5);
    assert_close!(aggregate["averageTimeToMergeHours"], 41.0 / 4.0);
    assert_close!(aggregate["averageSize"], 136.0 / 4.0);
}
on_every_backend!(the_aggregate_sums_up_the_merged_pull_requests);

async fn excluding_bots_drops_their_pull_requests_and_responses(app: &TestApp) {
    let (f, _) = pull_request_fixture(app).await;
    // PR 4 goes (and its 0.5 h response with it).
    let without_bots = pull_request_metrics(app, filter(&f, json!({ "excludeBots": true }))).await;
    let aggregate = &without_bots["aggregate"];
    assert_eq!(aggregate["pullRequests"], 3);
    assert_close!(aggregate["averageReactionTimeHours"], 13.0 / 5.0);
    assert_close!(aggregate["averageTimeToMergeHours"], 40.0 / 3.0);
    assert_close!(aggregate["thoroughlyReviewedShare"], 1.0 / 3.0);
}
on_every_backend!(excluding_bots_drops_their_pull_requests_and_responses);

async fn the_opened_set_holds_pull_requests_whatever_their_state(app: &TestApp) {
    let (f, _) = pull_request_fixture(app).await;
    // PR 5 too (bob's comment at 1 h).
    let opened = app
        .data(
            PULL_REQUEST_METRICS,
            json!({ "filter": filter(&f, json!({ "contributors": ["alice"] })), "set": "OPENED" }),
        )
        .await["pullRequestMetrics"]
        .clone();
    let numbers: Vec<i64> = opened["pullRequests"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [5, 1], "alice's pull requests, newest first");
    assert_close!(opened["aggregate"]["averageTimeToFirstCommentHours"], 2.0);
    assert_eq!(
        opened["aggregate"]["thoroughlyReviewed"], 1,
        "only merged ones are"
    );
}
on_every_backend!(the_opened_set_holds_pull_requests_whatever_their_state);

async fn a_repository_filter_keeps_its_pull_requests_only(app: &TestApp) {
    let (f, _) = pull_request_fixture(app).await;
    let second =
        pull_request_metrics(app, filter(&f, json!({ "repositoryIds": [f.repo_b_id] }))).await;
    assert_eq!(second["aggregate"]["pullRequests"], 1);
}
on_every_backend!(a_repository_filter_keeps_its_pull_requests_only);

/// A burst of reactions on every fixture pull request, before and after every action,
/// and the fixture's tickets.
async fn store_reactions_and_tickets(f: &Fixture) {
    let (in_a, in_b) = fixture_pull_requests();
    let react = |prs: Vec<PullRequest>| -> Vec<PullRequest> {
        prs.into_iter()
            .map(|pr| {
                // Numbered past the fixture's own ids, so these are new reactions.
                let mut build = Build { pr, seq: 100 };
                for (i, who) in ["erin", "frank", "bob", "alice"].iter().enumerate() {
                    build = build.reaction(who, 0.1 + i as f64, "HEART");
                }
                build.pr
            })
            .collect()
    };
    store_pull_requests(&f.db, &f.repo_a, &react(in_a))
        .await
        .unwrap();
    store_pull_requests(&f.db, &f.repo_b, &react(in_b))
        .await
        .unwrap();
    store_fixture_tickets(f).await;
}

/// The pull request metrics, commit metrics and Work log of the fixture's whole range.
async fn everything(app: &TestApp, f: &Fixture) -> (Value, Value, Value) {
    let everything = filter(f, json!({}));
    (
        pull_request_metrics(app, everything.clone()).await,
        app.data(COMMIT_METRICS, json!({ "filter": everything }))
            .await,
        app.data(WORK_LOG, json!({ "filter": everything })).await,
    )
}

async fn reactions_change_no_metric_and_tickets_only_the_work_log(app: &TestApp) {
    let f = fixture(app).await;
    store_fixture_commits(&f).await;
    store_fixture_pull_requests(&f).await;
    let before = everything(app, &f).await;
    store_reactions_and_tickets(&f).await;
    let after = everything(app, &f).await;
    assert_eq!(
        after.0, before.0,
        "reactions and tickets changed pull request metrics"
    );
    assert_eq!(
        after.1, before.1,
        "reactions and tickets changed commit metrics"
    );
    assert_ne!(after.2, before.2, "tickets must show in the Work log");
}
on_every_backend!(reactions_change_no_metric_and_tickets_only_the_work_log);

/// The fixture's commits, pull requests, reactions and tickets stored, and the days
/// of the Work log over its whole range.
async fn work_log_fixture(app: &TestApp) -> (Fixture, Vec<Value>) {
    let f = fixture(app).await;
    store_fixture_commits(&f).await;
    store_fixture_pull_requests(&f).await;
    store_reactions_and_tickets(&f).await;
    let log = app
        .data(WORK_LOG, json!({ "filter": filter(&f, json!({})) }))
        .await;
    let days = log["workLog"]["nodes"].as_array().unwrap().clone();
    (f, days)
}

type Items = Vec<(String, Option<String>)>;

/// The kinds and details of the items of `who`'s Work log day `date`.
fn day(days: &[Value], date: &str, who: &str) -> Items {
    days.iter()
        .find(|d| d["date"] == date && contributor_key(&d["contributor"]) == who)
        .unwrap_or_else(|| panic!("no Work log day {date} for {who}"))["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap().to_string(),
                i["detail"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn items(list: &[(&str, Option<&str>)]) -> Items {
    list.iter()
        .map(|(k, d)| (k.to_string(), d.map(str::to_string)))
        .collect()
}

async fn ticket_events_are_work_log_items_of_who_acted(app: &TestApp) {
    let (_, days) = work_log_fixture(app).await;
    assert_eq!(
        day(&days, "2026-03-09", "carol"),
        items(&[("TICKET_OPENED", None)])
    );
    assert_eq!(
        day(&days, "2026-03-09", "alice"),
        items(&[
            ("TICKET_ASSIGNED", Some("bob")),
            ("TICKET_LABELED", Some("bug"))
        ])
    );
    // The timeline's comment event and the comment are one item.
    assert_eq!(
        day(&days, "2026-03-10", "bob"),
        items(&[("TICKET_COMMENTED", None), ("TICKET_CLOSED", None)])
    );
    assert_eq!(
        day(&days, "2026-03-10", "carol"),
        items(&[("TICKET_REOPENED", None)])
    );
}
on_every_backend!(ticket_events_are_work_log_items_of_who_acted);

async fn pull_request_work_is_work_log_items_in_order(app: &TestApp) {
    let (_, days) = work_log_fixture(app).await;
    // A day of pull request work: commits, the opening, a comment.
    assert_eq!(
        day(&days, "2026-03-02", "alice"),
        items(&[
            ("COMMIT", None),
            ("PULL_REQUEST_OPENED", None),
            ("COMMIT", None),
            ("PULL_REQUEST_COMMENTED", None)
        ])
    );
    assert_eq!(
        day(&days, "2026-03-02", "bob"),
        items(&[
            ("PULL_REQUEST_REVIEWED", Some("APPROVED")),
            ("PULL_REQUEST_COMMENTED", None),
            ("PULL_REQUEST_REVIEWED", Some("APPROVED"))
        ])
    );
    assert_eq!(
        day(&days, "2026-03-03", "alice"),
        items(&[("PULL_REQUEST_MERGED", None), ("COMMIT", None)])
    );
}
on_every_backend!(pull_request_work_is_work_log_items_in_order);

async fn reactions_are_no_work_log_items(app: &TestApp) {
    let (_, days) = work_log_fixture(app).await;
    // erin and frank only reacted.
    assert!(
        !days
            .iter()
            .any(|d| ["erin", "frank"].contains(&contributor_key(&d["contributor"])))
    );
}
on_every_backend!(reactions_are_no_work_log_items);

async fn the_work_log_shows_the_newest_day_first(app: &TestApp) {
    let (_, days) = work_log_fixture(app).await;
    assert_eq!(days[0]["date"], "2026-03-10");
}
on_every_backend!(the_work_log_shows_the_newest_day_first);

async fn work_log_pages_put_together_are_the_whole_list(app: &TestApp) {
    let (f, days) = work_log_fixture(app).await;
    // Pages of 3 days.
    let (mut paged, mut after) = (Vec::new(), Value::Null);
    loop {
        let page = app
            .data(
                WORK_LOG,
                json!({ "filter": filter(&f, json!({})), "first": 3, "after": after }),
            )
            .await["workLog"]
            .clone();
        assert_eq!(page["totalCount"], days.len());
        paged.extend(page["nodes"].as_array().unwrap().iter().cloned());
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(paged, days);
}
on_every_backend!(work_log_pages_put_together_are_the_whole_list);

/// The fixture's commits stored (nothing else).
async fn commit_fixture(app: &TestApp) -> Fixture {
    let f = fixture(app).await;
    store_fixture_commits(&f).await;
    f
}

async fn commit_metrics(app: &TestApp, f: &Fixture, extra: Value) -> Value {
    app.data(COMMIT_METRICS, json!({ "filter": filter(f, extra) }))
        .await["commitMetrics"]
        .clone()
}

/// The figures of one contributor among the commit metrics'.
fn contributor(metrics: &Value, who: &str) -> Value {
    metrics["contributors"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| contributor_key(&n["contributor"]) == who)
        .unwrap_or_else(|| panic!("no contributor {who}"))
        .clone()
}

async fn commit_figures_count_coding_days_commits_and_lines(app: &TestApp) {
    let f = commit_fixture(app).await;
    let utc = commit_metrics(app, &f, json!({})).await;
    assert_eq!(utc["days"], 14);
    // alice: 03-02, 03-03 (03-04 holds only her merge commit, no coding day); bob:
    // 03-05 (c5, linked through its e-mail), 03-06; carol@example.com: 03-06;
    // dependabot[bot]: 03-05 → 6 coding days, 4 contributors.
    assert_eq!(utc["activeContributors"], 4);
    assert_eq!(
        (utc["commits"].as_i64(), utc["mergeCommits"].as_i64()),
        (Some(8), Some(1))
    );
    assert_eq!(
        (utc["additions"].as_i64(), utc["deletions"].as_i64()),
        (Some(125), Some(110))
    );
    // 7 non-merge commits ÷ 6 coding days; 6 coding days ÷ 2 weeks ÷ 4 contributors.
    assert_close!(utc["commitsPerDay"], 7.0 / 6.0);
    assert_close!(utc["codingDaysPerWeek"], 0.75);
    let alice = contributor(&utc, "alice");
    assert_eq!(alice["codingDays"], 2);
    assert_close!(alice["codingDaysPerWeek"], 1.0);
    // 3 commits that are not merges ÷ 2 days.
    assert_close!(alice["commitsPerDay"], 1.5);
}
on_every_backend!(commit_figures_count_coding_days_commits_and_lines);

async fn an_unlinked_commit_joins_its_author_once_github_links_its_email(app: &TestApp) {
    let f = commit_fixture(app).await;
    let bob = contributor(&commit_metrics(app, &f, json!({})).await, "bob");
    assert_eq!(
        (
            bob["commits"].as_i64(),
            bob["additions"].as_i64(),
            bob["codingDays"].as_i64()
        ),
        (Some(2), Some(7), Some(2)),
        "bob's unlinked commit joins him once GitHub links its e-mail"
    );
    assert_eq!(bob["contributor"]["name"], "bob");
}
on_every_backend!(an_unlinked_commit_joins_its_author_once_github_links_its_email);

async fn a_never_linked_email_is_a_contributor_and_a_bot_is_marked(app: &TestApp) {
    let f = commit_fixture(app).await;
    let utc = commit_metrics(app, &f, json!({})).await;
    let carol = contributor(&utc, "carol@example.com")["contributor"].clone();
    assert_eq!(
        json!({ "login": carol["login"], "email": carol["email"], "name": carol["name"], "isBot": carol["isBot"] }),
        json!({ "login": null, "email": "carol@example.com", "name": "Someone", "isBot": false })
    );
    // Her id is opaque and refetches her.
    let again = app
        .data(
            "query($id: ID!) { node(id: $id) { id ... on Contributor { email } } }",
            json!({ "id": carol["id"] }),
        )
        .await;
    assert_eq!(
        again["node"],
        json!({ "id": carol["id"], "email": "carol@example.com" })
    );
    assert_eq!(
        contributor(&utc, "dependabot[bot]")["contributor"]["isBot"],
        true
    );
}
on_every_backend!(a_never_linked_email_is_a_contributor_and_a_bot_is_marked);

async fn coding_days_follow_the_time_zone(app: &TestApp) {
    let f = commit_fixture(app).await;
    // In UTC+1, c3 (03-03 23:30 UTC) is on 03-04 with c4: alice has 2 coding days.
    let lagos = commit_metrics(app, &f, json!({ "timeZone": "Africa/Lagos" })).await;
    assert_eq!(contributor(&lagos, "alice")["codingDays"], 2);
    assert_close!(contributor(&lagos, "alice")["commitsPerDay"], 1.5);
}
on_every_backend!(coding_days_follow_the_time_zone);

async fn the_work_log_groups_commits_into_days_of_the_time_zone(app: &TestApp) {
    let f = commit_fixture(app).await;
    let paris_log = app
        .data(WORK_LOG, json!({ "filter": filter(&f, json!({ "timeZone": "Europe/Paris", "contributors": ["alice"] })) }))
        .await;
    // Only commits are stored in this test, so alice's days hold her commits alone.
    let alice_days: Vec<(String, Vec<String>)> = paris_log["workLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_string(),
                d["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["oid"].as_str().unwrap_or("-").to_string())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        alice_days,
        [
            (
                "2026-03-04".to_string(),
                vec!["c3".to_string(), "c4".to_string()]
            ),
            (
                "2026-03-02".to_string(),
                vec!["c1".to_string(), "c2".to_string()]
            ),
        ]
    );
}
on_every_backend!(the_work_log_groups_commits_into_days_of_the_time_zone);

async fn excluding_bots_drops_their_commits_and_work_log_days(app: &TestApp) {
    let f = commit_fixture(app).await;
    // 3 contributors, 5 coding days, 6 non-merge commits.
    let people = commit_metrics(app, &f, json!({ "excludeBots": true })).await;
    assert_eq!(people["activeContributors"], 3);
    assert_eq!(people["commits"], 7);
    assert_close!(people["codingDaysPerWeek"], 5.0 / 2.0 / 3.0);
    assert_close!(people["commitsPerDay"], 6.0 / 5.0);
    let log = app
        .data(
            WORK_LOG,
            json!({ "filter": filter(&f, json!({ "excludeBots": true })) }),
        )
        .await;
    assert!(
        log["workLog"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| contributor_key(&d["contributor"]) != "dependabot[bot]")
    );
}
on_every_backend!(excluding_bots_drops_their_commits_and_work_log_days);

async fn a_login_brings_its_linked_emails_and_an_unlinked_email_stands_alone(app: &TestApp) {
    let f = commit_fixture(app).await;
    let commits = |who: &str| commit_metrics(app, &f, json!({ "contributors": [who] }));
    assert_eq!(commits("bob").await["commits"], 2);
    assert_eq!(commits("bob@example.com").await["commits"], 2);
    assert_eq!(commits("carol@example.com").await["commits"], 1);
}
on_every_backend!(a_login_brings_its_linked_emails_and_an_unlinked_email_stands_alone);

async fn a_repository_filter_keeps_its_commits_only(app: &TestApp) {
    let f = commit_fixture(app).await;
    // Only c7.
    let second = json!({ "repositoryIds": [f.repo_b_id] });
    assert_eq!(commit_metrics(app, &f, second).await["commits"], 1);
}
on_every_backend!(a_repository_filter_keeps_its_commits_only);

async fn a_range_includes_its_first_and_last_day(app: &TestApp) {
    let f = commit_fixture(app).await;
    // The range's last day is included, its first excluded when moved past.
    let one_day = json!({ "from": "2026-03-06", "to": "2026-03-06" });
    assert_eq!(commit_metrics(app, &f, one_day).await["commits"], 2);
}
on_every_backend!(a_range_includes_its_first_and_last_day);

/// Berlin moves from UTC+1 to UTC+2 at 2026-03-29 01:00 UTC: one range, two offsets.
/// d1 (03-28 23:30 UTC) is 03-29 00:30 in Berlin, d2 (03-29 22:30 UTC) is 03-30 00:30
/// there, d3 (03-29 21:30 UTC) is 03-29 23:30: two coding days in Berlin (03-29 with
/// d1 and d3, 03-30 with d2), two in UTC too but not the same ones (03-28, 03-29).
async fn daylight_saving_fixture(app: &TestApp) -> Fixture {
    let f = fixture(app).await;
    store_commits(
        &f.db,
        &f.repo_a,
        &[
            commit(
                "d1",
                Some("dana"),
                "dana@example.com",
                "2026-03-28T23:30:00Z",
                (1, 0),
                1,
            ),
            commit(
                "d2",
                Some("dana"),
                "dana@example.com",
                "2026-03-29T22:30:00Z",
                (1, 0),
                1,
            ),
            commit(
                "d3",
                Some("dana"),
                "dana@example.com",
                "2026-03-29T21:30:00Z",
                (1, 0),
                1,
            ),
            // Havana moves from UTC−5 to UTC−4 at 2026-03-08 05:00 UTC (local midnight):
            // h1 (04:30 UTC) is still 03-07 23:30 there, h2 (05:30 UTC) is 03-08 01:30.
            commit(
                "h1",
                Some("hugo"),
                "hugo@example.com",
                "2026-03-08T04:30:00Z",
                (1, 0),
                1,
            ),
            commit(
                "h2",
                Some("hugo"),
                "hugo@example.com",
                "2026-03-08T05:30:00Z",
                (1, 0),
                1,
            ),
        ],
    )
    .await
    .unwrap();
    f
}

/// The Work log's days (date, items) and the first contributor's coding days, over a
/// range in a time zone.
async fn days(
    app: &TestApp,
    f: &Fixture,
    zone: &str,
    from: &str,
    to: &str,
) -> (Vec<(String, usize)>, Value) {
    let filter =
        json!({ "integrationId": f.integration, "from": from, "to": to, "timeZone": zone });
    let data = app.data(WORK_LOG, json!({ "filter": filter })).await;
    let metrics = app.data(COMMIT_METRICS, json!({ "filter": filter })).await;
    let dates: Vec<(String, usize)> = data["workLog"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_string(),
                d["items"].as_array().unwrap().len(),
            )
        })
        .collect();
    (
        dates,
        metrics["commitMetrics"]["contributors"]["nodes"][0]["codingDays"].clone(),
    )
}

async fn days_in_berlin_follow_its_daylight_saving_change(app: &TestApp) {
    let f = daylight_saving_fixture(app).await;
    let (berlin, coding_days) = days(app, &f, "Europe/Berlin", "2026-03-28", "2026-03-31").await;
    assert_eq!(
        berlin,
        vec![("2026-03-30".to_string(), 1), ("2026-03-29".to_string(), 2)]
    );
    assert_eq!(coding_days, 2);
}
on_every_backend!(days_in_berlin_follow_its_daylight_saving_change);

async fn days_in_utc_are_not_berlins(app: &TestApp) {
    let f = daylight_saving_fixture(app).await;
    let (utc, _) = days(app, &f, "UTC", "2026-03-28", "2026-03-31").await;
    assert_eq!(
        utc,
        vec![("2026-03-29".to_string(), 2), ("2026-03-28".to_string(), 1)]
    );
}
on_every_backend!(days_in_utc_are_not_berlins);

async fn a_range_after_the_change_starts_on_its_local_day(app: &TestApp) {
    let f = daylight_saving_fixture(app).await;
    // A range that starts on 03-30 (Berlin): d1 and d3 fall before it.
    let (from_sunday, coding_days) =
        days(app, &f, "Europe/Berlin", "2026-03-30", "2026-03-31").await;
    assert_eq!(from_sunday, vec![("2026-03-30".to_string(), 1)]);
    assert_eq!(coding_days, 1);
}
on_every_backend!(a_range_after_the_change_starts_on_its_local_day);

async fn days_split_within_minutes_of_a_change_on_the_day_it_happens(app: &TestApp) {
    let f = daylight_saving_fixture(app).await;
    let (havana, coding_days) = days(app, &f, "America/Havana", "2026-03-07", "2026-03-08").await;
    assert_eq!(
        havana,
        vec![("2026-03-08".to_string(), 1), ("2026-03-07".to_string(), 1)]
    );
    assert_eq!(coding_days, 2);
}
on_every_backend!(days_split_within_minutes_of_a_change_on_the_day_it_happens);

async fn bad_filters_get_clear_errors(app: &TestApp) {
    let f = fixture(app).await;
    let error = |extra: Value| {
        let filter = filter(&f, extra);
        async move {
            let body = app
                .graphql(COMMIT_METRICS, json!({ "filter": filter }))
                .await;
            body["errors"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        }
    };
    assert!(
        error(json!({ "timeZone": "Mars/Olympus" }))
            .await
            .contains("not an IANA time zone")
    );
    assert!(
        error(json!({ "from": "2026-03-10", "to": "2026-03-01" }))
            .await
            .contains("is after")
    );
    let missing = app
        .graphql(
            COMMIT_METRICS,
            json!({ "filter": { "integrationId": tributary_tests::global_id(tributary_tests::NodeKind::Integration, "nope"), "from": "2026-03-01", "to": "2026-03-02" } }),
        )
        .await;
    assert_eq!(missing["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let malformed = app
        .graphql(
            COMMIT_METRICS,
            json!({ "filter": { "integrationId": "nope", "from": "2026-03-01", "to": "2026-03-02" } }),
        )
        .await;
    assert_eq!(malformed["errors"][0]["extensions"]["code"], "INVALID_ID");

    // Paging mistakes and malformed documents are codes too, never Rust's words.
    let code = |body: Value| {
        body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let whole = filter(&f, json!({}));
    for (first, after, expected) in [
        (json!(-1), Value::Null, "INVALID_PAGE_SIZE"),
        (json!(101), Value::Null, "INVALID_PAGE_SIZE"),
        (json!(10), json!("5"), "INVALID_CURSOR"),
    ] {
        let body = app
            .graphql(
                WORK_LOG,
                json!({ "filter": whole, "first": first, "after": after }),
            )
            .await;
        assert_eq!(code(body), expected, "first {first}, after {after}");
    }
    assert_eq!(
        code(app.graphql("{ integrations { nope } }", json!({})).await),
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert_eq!(
        code(app.graphql("{ integrations ", json!({})).await),
        "GRAPHQL_VALIDATION_FAILED"
    );
}
on_every_backend!(bad_filters_get_clear_errors);

/// Bots on a pull request: a GitHub App's commit without a login (`dependabot[bot]` in
/// its name and e-mail) and an account GitHub types `Bot` without `[bot]` in its login
/// (`renovate`). Counted, the commit is the author's action and renovate a reviewer;
/// with `excludeBots`, both are gone from the timeline. Either way renovate is a bot.
async fn bots_leave_pull_request_timelines_and_typed_bots_are_bots(app: &TestApp) {
    let f = fixture(app).await;
    let mut pr = Build::new(pull_request(
        20,
        "alice",
        at("2026-03-10T00:00:00Z"),
        Some(10),
        5,
    ))
    .comment(
        "bob",
        1.0,
        CommentKind::Conversation,
        "Please bump the lockfile too.",
    )
    .comment(
        "renovate",
        3.0,
        CommentKind::Conversation,
        "Lockfile maintenance is scheduled.",
    )
    .comment("alice", 5.0, CommentKind::Conversation, "Bumped.")
    .pr;
    pr.comments[1].author = Some(Actor {
        login: "renovate".into(),
        is_bot: true,
    });
    let two_hours = pr.created_at + Duration::hours(2);
    pr.commits.push(PullRequestCommit {
        oid: "oid_bot".into(),
        message_headline: "Bump lockfile".into(),
        authored_at: two_hours,
        committed_at: two_hours,
        author: GitActor {
            name: Some("dependabot[bot]".into()),
            email: Some("49699333+dependabot[bot]@users.noreply.github.com".into()),
            login: None,
        },
    });
    store_pull_requests(&f.db, &f.repo_a, &[pr]).await.unwrap();
    let query = "query($filter: AnalyticsFilter!) { pullRequestMetrics(filter: $filter) { pullRequests(first: 5) { nodes { number responsivenessTimesHours reviewers { login isBot } } } } }";
    let of = |metrics: &Value| metrics["pullRequestMetrics"]["pullRequests"]["nodes"][0].clone();
    let counted = of(&app
        .data(query, json!({ "filter": filter(&f, json!({})) }))
        .await);
    // bob 1 → the bot's commit at 2, as alice's (1 h); renovate 3 → alice 5 (2 h).
    assert_eq!(counted["responsivenessTimesHours"], json!([1.0, 2.0]));
    assert_eq!(
        counted["reviewers"],
        json!([{ "login": "bob", "isBot": false }, { "login": "renovate", "isBot": true }])
    );
    let people = of(&app
        .data(
            query,
            json!({ "filter": filter(&f, json!({ "excludeBots": true })) }),
        )
        .await);
    // bob 1 → alice 5: the bot's commit and renovate's comment are not actions.
    assert_eq!(people["responsivenessTimesHours"], json!([4.0]));
    assert_eq!(
        people["reviewers"],
        json!([{ "login": "bob", "isBot": false }])
    );
}
on_every_backend!(bots_leave_pull_request_timelines_and_typed_bots_are_bots);

/// `first: 0` answers the total without items, as every list does; bad paging input is
/// a code, never a parser's message.
async fn the_work_log_counts_with_first_zero_and_refuses_bad_paging(app: &TestApp) {
    let f = commit_fixture(app).await;
    let query = "query($filter: AnalyticsFilter!, $first: Int, $after: String) { workLog(filter: $filter, first: $first, after: $after) { totalCount pageInfo { hasNextPage } edges { cursor } } }";
    let all = app
        .data(
            query,
            json!({ "filter": filter(&f, json!({})), "first": 100 }),
        )
        .await;
    let total = all["workLog"]["totalCount"].as_i64().unwrap();
    assert!(total > 0);
    let none = app
        .data(
            query,
            json!({ "filter": filter(&f, json!({})), "first": 0 }),
        )
        .await;
    assert_eq!(
        none["workLog"],
        json!({ "totalCount": total, "pageInfo": { "hasNextPage": true }, "edges": [] })
    );
    for (variables, code) in [
        (json!({ "first": -1 }), "INVALID_PAGE_SIZE"),
        (json!({ "first": 101 }), "INVALID_PAGE_SIZE"),
        (json!({ "after": "garbage" }), "INVALID_CURSOR"),
    ] {
        let mut variables = variables;
        variables["filter"] = filter(&f, json!({}));
        let body = app.graphql(query, variables.clone()).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], code,
            "{variables}: {body}"
        );
    }
}
on_every_backend!(the_work_log_counts_with_first_zero_and_refuses_bad_paging);

/// Lists longer than a statement can bind and cursors forged with keys far out of
/// range are bad input with a code, never a database error (issue 16, item 4).
async fn long_filters_and_forged_cursors_are_refused_with_a_code(app: &TestApp) {
    use base64::Engine;
    let f = commit_fixture(app).await;
    let many = |prefix: &str, n: usize| -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    };
    let repository_ids: Vec<String> = (0..501).map(|_| f.repo_a_id.clone()).collect();
    let metrics = "query($filter: AnalyticsFilter!) { commitMetrics(filter: $filter) { commits } }";
    for extra in [
        json!({ "repositoryIds": repository_ids }),
        json!({ "contributors": many("dev", 501) }),
    ] {
        let body = app
            .graphql(metrics, json!({ "filter": filter(&f, extra.clone()) }))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{body}"
        );
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("at most 500"),
            "{body}"
        );
    }
    // U+0000, which PostgreSQL's text refuses, in a variable or in the document.
    for (query, variables) in [
        (
            metrics.to_string(),
            json!({ "filter": filter(&f, json!({ "contributors": ["dev\u{0}"] })) }),
        ),
        (
            format!(
                "{{ workLog(filter: {{integrationId: \"{}\", from: \"2026-03-01\", to: \"2026-03-02\", contributors: [\"a\\u0000\"]}}) {{ totalCount }} }}",
                f.integration
            ),
            json!({}),
        ),
    ] {
        let body = app.graphql(&query, variables).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{query}: {body}"
        );
    }
    // 500 is still taken.
    let body = app
        .graphql(
            metrics,
            json!({ "filter": filter(&f, json!({ "contributors": many("dev", 500) })) }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");

    let runs = app
        .graphql(
            "query($i: ID!, $r: [ID!]) { importRuns(integrationId: $i, repositoryIds: $r) { totalCount } }",
            json!({ "i": f.integration, "r": repository_ids }),
        )
        .await;
    assert_eq!(
        runs["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{runs}"
    );

    let too_many: Vec<String> = (0..=api::imports::MAX_REPOSITORIES_AT_ONCE)
        .map(|_| f.repo_a_id.clone())
        .collect();
    let import = app
        .data(
            "mutation($i: ID!, $r: [ID!]!) { importRepositories(input: {integrationId: $i, repositoryIds: $r}) { importRuns { id } userErrors { code field } } }",
            json!({ "i": f.integration, "r": too_many }),
        )
        .await;
    assert_eq!(
        import["importRepositories"],
        json!({ "importRuns": [], "userErrors": [{ "code": "REPOSITORIES_TOO_MANY", "field": ["input", "repositoryIds"] }] })
    );

    // Cursors in the Work log's encoding, with days and names far out of range.
    let work_log = "query($filter: AnalyticsFilter!, $after: String) { workLog(filter: $filter, first: 5, after: $after) { totalCount nodes { date } } }";
    for key in [
        json!({ "day": i64::MAX, "is_login": true, "contributor": "x" }),
        json!({ "day": i64::MIN, "is_login": false, "contributor": "\u{0}".repeat(1000) }),
        json!({ "day": 1e300, "is_login": true, "contributor": "x" }),
        json!({ "day": "20000", "is_login": true, "contributor": "x" }),
    ] {
        let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(&json!(["work-log", key])).unwrap());
        let body = app
            .graphql(
                work_log,
                json!({ "filter": filter(&f, json!({})), "after": cursor }),
            )
            .await;
        match body.get("errors") {
            Some(errors) => assert_eq!(
                errors[0]["extensions"]["code"], "INVALID_CURSOR",
                "{key}: {body}"
            ),
            None => assert!(
                body["data"]["workLog"]["totalCount"].as_i64().unwrap() > 0,
                "{key}: {body}"
            ),
        }
    }
}
on_every_backend!(long_filters_and_forged_cursors_are_refused_with_a_code);

/// Merges and closes are actions of whoever did them (Flow): a reviewer who closes a
/// pull request unmerged reacts to it, and the Work log gives the close to them; a
/// merge by someone else than the author is the merger's, and the close GitHub records
/// with every merge is not listed twice.
async fn merges_and_closes_belong_to_whoever_did_them(app: &TestApp) {
    use github::import::{PullRequestEvent, PullRequestEventKind::*};
    let f = fixture(app).await;
    let event = |kind, login: &str, at: DateTime<Utc>| PullRequestEvent {
        kind,
        actor: actor(login),
        created_at: at,
        subject: None,
    };
    // #30 (alice): bob closes it unmerged at 3 h, alice reopens at 4, bob closes again at 6.
    let mut closed = pull_request(30, "alice", at("2026-03-11T00:00:00Z"), None, 5);
    let hour = |h: i64| closed.created_at + Duration::hours(h);
    closed.state = PullRequestState::Closed;
    closed.closed_at = Some(hour(6));
    closed.events = vec![
        event(Closed, "bob", hour(3)),
        event(Reopened, "alice", hour(4)),
        event(Closed, "bob", hour(6)),
    ];
    // #31 (alice), merged by carol at 2 h (GitHub's merged and closed events).
    let mut by_carol = pull_request(31, "alice", at("2026-03-12T00:00:00Z"), Some(2), 5);
    let merged_at = by_carol.merged_at.unwrap();
    by_carol.merged_by = actor("carol");
    by_carol.events = vec![
        event(Merged, "carol", merged_at),
        event(Closed, "carol", merged_at),
    ];
    store_pull_requests(&f.db, &f.repo_a, &[closed, by_carol])
        .await
        .unwrap();

    let opened = app
        .data(
            PULL_REQUEST_METRICS,
            json!({ "filter": filter(&f, json!({})), "set": "OPENED" }),
        )
        .await["pullRequestMetrics"]
        .clone();
    // bob's close at 3 h answers the opening; carol's merge at 2 h too.
    assert_eq!(merged(&opened, 30)["reactionTimesHours"], json!([3.0]));
    assert_eq!(
        merged(&opened, 30)["reviewers"],
        json!([{ "login": "bob" }])
    );
    assert_eq!(merged(&opened, 31)["reactionTimesHours"], json!([2.0]));

    let log = app
        .data(WORK_LOG, json!({ "filter": filter(&f, json!({})) }))
        .await;
    let items_of = |login: &str, kind: &str| -> Vec<i64> {
        log["workLog"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["contributor"]["login"] == login)
            .flat_map(|d| d["items"].as_array().unwrap().clone())
            .filter(|i| i["kind"] == kind)
            .map(|i| i["number"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(items_of("bob", "PULL_REQUEST_CLOSED"), [30, 30]);
    assert_eq!(items_of("carol", "PULL_REQUEST_MERGED"), [31]);
    assert!(items_of("carol", "PULL_REQUEST_CLOSED").is_empty());
    assert!(items_of("alice", "PULL_REQUEST_MERGED").is_empty());
    assert!(items_of("alice", "PULL_REQUEST_CLOSED").is_empty());
}
on_every_backend!(merges_and_closes_belong_to_whoever_did_them);

/// On SQLite the metrics and the reach checks read through connections of their own
/// (issue 16, item 3, `api::graphql::ReadPool`): a write transaction holding the one
/// writing connection, as an import page or a burst of deliveries does, holds no
/// report back; and those connections refuse writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_does_not_wait_for_a_write_in_progress_on_sqlite() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let Some(app) = TestApp::start(tributary_tests::Backend::Sqlite).await else {
        return;
    };
    let f = fixture(&app).await;
    store_fixture_commits(&f).await;
    let viewer = app.user_token(
        tributary::Config::default().default_workspace.as_str(),
        api::auth::Role::Viewer,
    );
    let writer = app.api.integrations.db().clone();
    let txn = writer.begin().await.unwrap();
    txn.execute_unprepared("UPDATE integrations SET name = name")
        .await
        .unwrap();
    for query in [COMMIT_METRICS, WORK_LOG] {
        let report = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            app.as_caller(&viewer)
                .graphql(query, json!({ "filter": filter(&f, json!({})) })),
        )
        .await
        .expect("the report answered while the writing connection was held");
        assert!(report.get("errors").is_none(), "{report:#}");
    }
    txn.rollback().await.unwrap();

    let readers = tributary::database::connect_readers(&app.config.database_url(), &writer)
        .await
        .unwrap();
    let refused = readers
        .reports
        .execute_unprepared("UPDATE integrations SET name = name")
        .await
        .expect_err("a reader refuses writes");
    assert!(refused.to_string().contains("readonly"), "{refused}");
    app.finish().await;
}
