//! `tributary-bench metrics`: the metrics queries through the real HTTP API over a
//! year of data the size of the simulator's large organization — 100,000 commits and
//! 10,000 pull requests (5 reviews, 5 comments, 4 commits and 2 reactions each) and
//! 10,000 tickets — written straight through the import's store (seeded, so every run
//! holds the same rows), then each query timed sequentially.

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use github::import::*;
use rand::{Rng, SeedableRng, rngs::StdRng};
use sea_orm::{Database, TransactionTrait};
use serde_json::{Value, json};
use worker::store::{Scope, store_commits, store_pull_requests, store_tickets};

use crate::{
    samples::{Samples, time_requests},
    stack::{BenchStack, KEY, graphql},
};

pub struct MetricsBench {
    pub database_url: Option<String>,
    pub iterations: usize,
    pub only: Option<String>,
}

const COMMITS: usize = 100_000;
const PULL_REQUESTS: usize = 10_000;
const TICKETS: usize = 10_000;
const PEOPLE: usize = 60;
const BATCH: usize = 1_000;

fn start() -> DateTime<Utc> {
    "2025-11-01T00:00:00Z".parse().expect("a date")
}

/// Who acts: logins, a few bots, and some commit e-mails GitHub links to no account.
fn person(rng: &mut StdRng) -> (Option<String>, String, bool) {
    let n = rng.gen_range(0..PEOPLE);
    let bot = n >= PEOPLE - 3;
    let login = if bot {
        format!("bot{n}[bot]")
    } else {
        format!("dev{n}")
    };
    let linked = bot || rng.gen_bool(0.9);
    (
        linked.then(|| login.clone()),
        format!("{login}@example.com"),
        bot,
    )
}

fn actor(rng: &mut StdRng) -> Option<Actor> {
    let (_, email, is_bot) = person(rng);
    Some(Actor {
        login: email.trim_end_matches("@example.com").to_string(),
        is_bot,
    })
}

fn moment(rng: &mut StdRng) -> DateTime<Utc> {
    start() + Duration::seconds(rng.gen_range(0..365 * 86_400))
}

fn commit(rng: &mut StdRng, i: usize) -> Commit {
    let (login, email, _) = person(rng);
    let when = moment(rng);
    Commit {
        node_id: format!("C_{i}"),
        oid: format!("{i:040x}"),
        message_headline: format!("Change {i}"),
        authored_at: when,
        committed_at: when,
        author: GitActor {
            name: Some(email.clone()),
            email: Some(email),
            login,
        },
        committer: GitActor::default(),
        additions: rng.gen_range(0..200),
        deletions: rng.gen_range(0..100),
        changed_files: Some(rng.gen_range(1..10)),
        parent_count: if rng.gen_bool(0.1) { 2 } else { 1 },
    }
}

fn pull_request(rng: &mut StdRng, i: usize) -> PullRequest {
    let created = moment(rng);
    let after = |rng: &mut StdRng| created + Duration::minutes(rng.gen_range(1..72 * 60));
    let merged = rng
        .gen_bool(0.8)
        .then(|| created + Duration::hours(rng.gen_range(1..200)));
    let author = actor(rng);
    // Whoever merges closes too, as on GitHub: two timeline events per merged one.
    let merged_by = merged.and_then(|_| actor(rng));
    let events = merged
        .map(|at| {
            [PullRequestEventKind::Merged, PullRequestEventKind::Closed]
                .map(|kind| PullRequestEvent {
                    kind,
                    actor: merged_by.clone(),
                    created_at: at,
                    subject: None,
                })
                .to_vec()
        })
        .unwrap_or_default();
    PullRequest {
        node_id: format!("PR_{i}"),
        number: i as i64,
        title: format!("Pull request {i}"),
        body: String::new(),
        state: if merged.is_some() {
            PullRequestState::Merged
        } else {
            PullRequestState::Open
        },
        is_draft: false,
        created_at: created,
        updated_at: created,
        merged_at: merged,
        closed_at: merged,
        author,
        base_ref: "main".into(),
        head_ref: format!("feature/{i}"),
        additions: rng.gen_range(1..500),
        deletions: rng.gen_range(0..300),
        changed_files: rng.gen_range(1..20),
        merge_commit_oid: None,
        labels: vec![],
        assignees: vec![],
        requested_reviewers: vec![],
        commits: (0..4)
            .map(|k| {
                let at = after(rng);
                let (login, email, _) = person(rng);
                PullRequestCommit {
                    oid: format!("p{i}-{k}"),
                    message_headline: "work".into(),
                    authored_at: at,
                    committed_at: at,
                    author: GitActor {
                        name: None,
                        email: Some(email),
                        login,
                    },
                }
            })
            .collect(),
        reviews: (0..5)
            .map(|k| Review {
                node_id: format!("PRR_{i}_{k}"),
                state: if k % 2 == 0 {
                    ReviewState::Approved
                } else {
                    ReviewState::Commented
                },
                author: actor(rng),
                submitted_at: Some(after(rng)),
                body: if k % 2 == 0 {
                    String::new()
                } else {
                    "Nit".into()
                },
            })
            .collect(),
        comments: (0..5)
            .map(|k| Comment {
                node_id: format!("PC_{i}_{k}"),
                kind: if k % 2 == 0 {
                    CommentKind::Conversation
                } else {
                    CommentKind::ReviewThread
                },
                author: actor(rng),
                body: "👍".into(),
                created_at: after(rng),
                updated_at: None,
            })
            .collect(),
        reactions: (0..2)
            .map(|k| Reaction {
                node_id: format!("RE_{i}_{k}"),
                content: "HOORAY".into(),
                user: actor(rng).map(|a| a.login),
                created_at: after(rng),
            })
            .collect(),
        merged_by,
        events,
    }
}

fn ticket(rng: &mut StdRng, i: usize) -> Ticket {
    let created = moment(rng);
    let after = |rng: &mut StdRng| created + Duration::minutes(rng.gen_range(1..240 * 60));
    Ticket {
        node_id: format!("I_{i}"),
        number: (PULL_REQUESTS + i) as i64,
        title: format!("Ticket {i}"),
        state: TicketState::Open,
        state_reason: None,
        author: actor(rng),
        labels: vec![],
        assignees: vec![],
        created_at: created,
        updated_at: created,
        closed_at: None,
        comments: (0..3)
            .map(|k| Comment {
                node_id: format!("IC_{i}_{k}"),
                kind: CommentKind::Conversation,
                author: actor(rng),
                body: "seen".into(),
                created_at: after(rng),
                updated_at: None,
            })
            .collect(),
        events: (0..4)
            .map(|k| TicketEvent {
                node_id: format!("TE_{i}_{k}"),
                kind: [
                    TicketEventKind::Assigned,
                    TicketEventKind::Labeled,
                    TicketEventKind::Closed,
                    TicketEventKind::Reopened,
                ][k],
                actor: actor(rng),
                created_at: after(rng),
                subject: Some("x".into()),
            })
            .collect(),
    }
}

pub(crate) const PULL_REQUEST_AGGREGATE: &str = "query($f: AnalyticsFilter!) { pullRequestMetrics(filter: $f) { aggregate { pullRequests averageTimeToFirstCommentHours averageReactionTimeHours averageResponsivenessHours thoroughlyReviewedShare comments reviews averageIterations averageTimeToMergeHours averageSize } } }";
pub(crate) const PULL_REQUEST_PAGE: &str = "query($f: AnalyticsFilter!) { pullRequestMetrics(filter: $f) { pullRequests(first: 50) { totalCount nodes { number title repository { fullName } author { id name } reviewers { id } timeToFirstCommentHours reactionTimeHours responsivenessHours thoroughlyReviewed comments reviews iterations timeToMergeHours size } } } }";
pub(crate) const COMMIT_METRICS: &str = "query($f: AnalyticsFilter!) { commitMetrics(filter: $f) { codingDaysPerWeek commitsPerDay commits additions deletions activeContributors contributors(first: 50) { nodes { contributor { id name isBot } codingDays codingDaysPerWeek commitsPerDay commits } } } }";
pub(crate) const WORK_LOG: &str = "query($f: AnalyticsFilter!) { workLog(filter: $f, first: 50) { totalCount nodes { date contributor { id name } items { kind at number title repository { fullName } } } } }";

/// Runs a write transaction again while SQLite answers it busy: the bench's own
/// connection writes beside a server whose worker polls its queue with writes, and a
/// deferred transaction that read first cannot wait for the lock.
async fn busy_again<F, Fut>(mut write: F) -> Result<(), sea_orm::DbErr>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), sea_orm::DbErr>>,
{
    let mut attempt = 0;
    loop {
        match write().await {
            Err(error) if attempt < 50 && error.to_string().contains("database is locked") => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            result => return result,
        }
    }
}

/// Writes the year of data (seeded: the same rows every run) for the integration's
/// row id over its repositories' row ids, through the import's store, then gathers
/// planner statistics.
pub async fn load_year(
    db: &sea_orm::DatabaseConnection,
    integration_row: &str,
    repositories: &[String],
) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(6);
    let scope = |i: usize| Scope {
        integration_id: integration_row.to_string(),
        repository_id: repositories[i % repositories.len()].clone(),
    };
    for batch in 0..COMMITS / BATCH {
        let rows: Vec<Commit> = (0..BATCH)
            .map(|k| commit(&mut rng, batch * BATCH + k))
            .collect();
        busy_again(|| async {
            let txn = db.begin().await?;
            store_commits(&txn, &scope(batch), &rows).await?;
            txn.commit().await
        })
        .await?;
    }
    for batch in 0..PULL_REQUESTS / BATCH {
        let rows: Vec<PullRequest> = (0..BATCH)
            .map(|k| pull_request(&mut rng, batch * BATCH + k))
            .collect();
        busy_again(|| async {
            let txn = db.begin().await?;
            store_pull_requests(&txn, &scope(batch), &rows).await?;
            txn.commit().await
        })
        .await?;
    }
    for batch in 0..TICKETS / BATCH {
        let rows: Vec<Ticket> = (0..BATCH)
            .map(|k| ticket(&mut rng, batch * BATCH + k))
            .collect();
        busy_again(|| async {
            let txn = db.begin().await?;
            store_tickets(&txn, &scope(batch), &rows).await?;
            txn.commit().await
        })
        .await?;
    }
    // Planner statistics (and on PostgreSQL the visibility map that index-only scans
    // need), as a long-running database has them from autovacuum.
    use sea_orm::ConnectionTrait;
    let analyze = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "VACUUM ANALYZE",
        _ => "ANALYZE",
    };
    db.execute_unprepared(analyze).await?;
    Ok(())
}

impl MetricsBench {
    pub async fn run(self) -> anyhow::Result<()> {
        let stack = BenchStack::start("metrics", self.database_url.clone(), |config| {
            config.worker = false;
        })
        .await?;
        let (client, url, owner) = (&stack.client, stack.url.as_str(), stack.owner.as_str());
        let database_url = stack.database_url.clone();
        let created = graphql(
            client,
            url,
            "mutation($t: String!) { createIntegration(input: {name: \"bench\", token: $t}) { integration { id groups { login repositories(first: 100) { nodes { id } } } } } }",
            json!({ "t": owner }),
        )
        .await?;
        let integration = created["createIntegration"]["integration"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let repositories: Vec<String> =
            created["createIntegration"]["integration"]["groups"][0]["repositories"]["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .take(8)
                .filter_map(|n| n["id"].as_str())
                // The store keys rows by the row ids behind the API's global ids.
                .map(|id| api::graphql::node_id::decode_any(id).map(|(_, row)| row))
                .collect::<Result<_, _>>()?;
        anyhow::ensure!(!repositories.is_empty(), "the owner sees no repository");
        let integration_row = api::graphql::node_id::decode_any(&integration)?.1;

        let loading = Instant::now();
        let db = Database::connect(&database_url).await?;
        load_year(&db, &integration_row, &repositories).await?;
        let loaded = loading.elapsed();

        let filter = |from: &str, to: &str| json!({ "integrationId": integration, "from": from, "to": to, "timeZone": "Europe/Berlin" });
        let year = filter("2025-11-01", "2026-10-31");
        let quarter = filter("2026-08-01", "2026-10-31");
        let week = filter("2026-10-25", "2026-10-31");
        let cases: Vec<(String, &str, Value)> = vec![
            ("pullRequestMetrics aggregate, a quarter (≈2,000 merged PRs)".into(), PULL_REQUEST_AGGREGATE, quarter.clone()),
            ("pullRequestMetrics aggregate, the whole year (≈8,000 merged PRs)".into(), PULL_REQUEST_AGGREGATE, year.clone()),
            ("pullRequestMetrics pullRequests(first: 50) with repository, author, reviewers, a quarter".into(), PULL_REQUEST_PAGE, quarter.clone()),
            ("commitMetrics with contributors(first: 50), a quarter".into(), COMMIT_METRICS, quarter.clone()),
            ("commitMetrics with contributors(first: 50), the whole year (100,000 commits)".into(), COMMIT_METRICS, year.clone()),
            ("workLog(first: 50), a week".into(), WORK_LOG, week.clone()),
            ("workLog(first: 50), a quarter".into(), WORK_LOG, quarter.clone()),
        ];
        println!(
            "loaded {COMMITS} commits, {PULL_REQUESTS} pull requests, {TICKETS} tickets in {:.1} s",
            loaded.as_secs_f64()
        );
        println!("| query | requests | median | p95 |");
        println!("| --- | --- | --- | --- |");
        let wanted = |name: &str| self.only.as_ref().is_none_or(|only| name.contains(only));
        let mut firsts = Vec::new();
        for (name, query, filter) in cases.into_iter().filter(|(name, ..)| wanted(name)) {
            // One request warms caches (and counts the Work log's days the load marked,
            // in its range) and checks the answer; it is reported apart.
            let first = Instant::now();
            graphql(client, url, query, json!({ "f": filter })).await?;
            firsts.push((name.clone(), first.elapsed()));
            let samples: Samples = time_requests(
                client,
                url,
                KEY,
                self.iterations,
                |_| json!({ "query": query, "variables": { "f": filter } }),
            )
            .await?;
            samples.report(&name);
        }
        println!("\n| query | first request, after the load |\n| --- | --- |");
        for (name, first) in firsts {
            println!("| {name} | {:.2} ms |", first.as_secs_f64() * 1e3);
        }
        stack.stop().await;
        Ok(())
    }
}
