//! The Work log's roll-ups (`work_log_days`, `repository_work_log_days`: migration 17)
//! against the sources, on both backends: after every kind of write (pages stored, a
//! page stored again with merges moved, closes added and e-mails linked, a pull request
//! deleted and stored again after its comments, a repository deleted) every page of
//! `work_log::page` equals the page read from every item of the range, in zones east and
//! west of UTC, with half-hour daylight saving and quarter-hour offsets, filtered or not.

use chrono::{DateTime, Duration, Utc};
use github::import::*;
use metrics::{Scope as MetricsScope, work_log};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use tributary_tests::{TestApp, on_every_backend};

use crate::commit_days::random_scopes;
use worker::store::{Scope, store_commits, store_pull_requests, store_tickets};

fn start() -> DateTime<Utc> {
    // Around Berlin's and New York's spring changes (03-08, 03-29).
    "2026-03-01T00:00:00Z".parse().unwrap()
}

fn moment(rng: &mut StdRng) -> DateTime<Utc> {
    start() + Duration::seconds(rng.gen_range(0..35 * 86_400))
}

/// One of many people, so that most (contributor, day) pairs rest on one item and a
/// day counted wrong shows: developers, a `[bot]` login, an account GitHub types as a
/// bot without the suffix, and now and then a deleted account (no actor).
fn actor(rng: &mut StdRng) -> Option<Actor> {
    let (login, is_bot) = match rng.gen_range(0..20) {
        0 => return None,
        1 => ("renovate[bot]".to_string(), true),
        2 => ("dependabot".to_string(), true),
        _ => (format!("dev{}", rng.gen_range(0..60)), false),
    };
    Some(Actor { login, is_bot })
}

fn commit(rng: &mut StdRng, i: usize, linked: bool) -> Commit {
    let login = actor(rng).map_or("dev0".to_string(), |a| a.login);
    let at = moment(rng);
    Commit {
        node_id: format!("C_{i}"),
        oid: format!("{i:040x}"),
        message_headline: "change".into(),
        authored_at: at,
        committed_at: at,
        author: GitActor {
            name: Some(login.clone()),
            email: Some(format!("{login}@example.com")),
            login: linked.then_some(login),
        },
        committer: GitActor::default(),
        additions: 1,
        deletions: 1,
        changed_files: Some(1),
        parent_count: if rng.gen_bool(0.2) { 2 } else { 1 },
    }
}

fn event(kind: PullRequestEventKind, actor: Option<Actor>, at: DateTime<Utc>) -> PullRequestEvent {
    PullRequestEvent {
        kind,
        actor,
        created_at: at,
        subject: None,
    }
}

/// Merged (by anyone), closed unmerged (with or without its close events: imported
/// before events were read), reopened and closed again, or open.
fn pull_request(rng: &mut StdRng, i: usize) -> PullRequest {
    let created = moment(rng);
    let later = |rng: &mut StdRng| created + Duration::minutes(rng.gen_range(1..5 * 24 * 60));
    let author = actor(rng);
    let (state, merged_at, closed_at, merged_by, events) = match rng.gen_range(0..5) {
        0 | 1 => {
            let at = later(rng);
            let by = actor(rng);
            let events = vec![
                event(PullRequestEventKind::Merged, by.clone(), at),
                event(PullRequestEventKind::Closed, by.clone(), at),
            ];
            (PullRequestState::Merged, Some(at), Some(at), by, events)
        }
        2 => {
            let at = later(rng);
            let events = if rng.gen_bool(0.5) {
                vec![event(PullRequestEventKind::Closed, actor(rng), at)]
            } else {
                vec![]
            };
            (PullRequestState::Closed, None, Some(at), None, events)
        }
        3 => {
            let (first, reopened) = (later(rng), later(rng));
            let (first, reopened) = (first.min(reopened), first.max(reopened));
            let last = reopened + Duration::hours(rng.gen_range(1..30));
            let events = vec![
                event(PullRequestEventKind::Closed, actor(rng), first),
                event(PullRequestEventKind::Reopened, actor(rng), reopened),
                event(PullRequestEventKind::Closed, actor(rng), last),
            ];
            (PullRequestState::Closed, None, Some(last), None, events)
        }
        _ => (PullRequestState::Open, None, None, None, vec![]),
    };
    PullRequest {
        node_id: format!("PR_{i}"),
        number: i as i64,
        title: format!("Pull request {i}"),
        body: String::new(),
        state,
        is_draft: false,
        created_at: created,
        updated_at: created,
        merged_at,
        closed_at,
        author,
        base_ref: "main".into(),
        head_ref: format!("feature/{i}"),
        additions: 1,
        deletions: 1,
        changed_files: 1,
        merge_commit_oid: None,
        labels: vec![],
        assignees: vec![],
        requested_reviewers: vec![],
        commits: vec![],
        reviews: (0..rng.gen_range(0..3))
            .map(|k| Review {
                node_id: format!("PRR_{i}_{k}"),
                state: [
                    ReviewState::Approved,
                    ReviewState::Commented,
                    ReviewState::Pending,
                ][k % 3],
                author: actor(rng),
                submitted_at: Some(later(rng)),
                body: String::new(),
            })
            .collect(),
        comments: (0..rng.gen_range(0..4))
            .map(|k| Comment {
                node_id: format!("PC_{i}_{k}"),
                kind: CommentKind::Conversation,
                author: actor(rng),
                body: "👍".into(),
                created_at: later(rng),
                updated_at: None,
            })
            .collect(),
        reactions: vec![],
        merged_by,
        events,
    }
}

fn ticket(rng: &mut StdRng, i: usize) -> Ticket {
    let created = moment(rng);
    let later = |rng: &mut StdRng| created + Duration::minutes(rng.gen_range(1..5 * 24 * 60));
    Ticket {
        node_id: format!("I_{i}"),
        number: 1_000 + i as i64,
        title: format!("Ticket {i}"),
        state: TicketState::Open,
        state_reason: None,
        author: actor(rng),
        labels: vec![],
        assignees: vec![],
        created_at: created,
        updated_at: created,
        closed_at: None,
        comments: (0..rng.gen_range(0..3))
            .map(|k| Comment {
                node_id: format!("IC_{i}_{k}"),
                kind: CommentKind::Conversation,
                author: actor(rng),
                body: "seen".into(),
                created_at: later(rng),
                updated_at: None,
            })
            .collect(),
        events: (0..rng.gen_range(0..4))
            .map(|k| TicketEvent {
                node_id: format!("TE_{i}_{k}"),
                kind: [
                    TicketEventKind::Assigned,
                    TicketEventKind::Labeled,
                    TicketEventKind::Closed,
                    TicketEventKind::Commented,
                ][k],
                actor: actor(rng),
                created_at: later(rng),
                subject: Some("x".into()),
            })
            .collect(),
    }
}

const PAGE: usize = 50;

/// Every page of random scopes, read through the roll-ups and from the sources.
async fn assert_pages_agree(
    db: &DatabaseConnection,
    integration: &str,
    repositories: &[String],
    rng: &mut StdRng,
    after_write: &str,
) {
    let mut days_seen = 0;
    let requests = random_scopes(
        integration,
        repositories,
        &["dev1", "dev2@example.com", "dependabot"],
        2,
        10,
        rng,
    );
    for request in requests {
        let scope = MetricsScope::resolve(db, &request).await.unwrap();
        let mut after = None;
        loop {
            let rolled_up = work_log::page(db, db, &scope, after.as_ref(), PAGE)
                .await
                .unwrap();
            let reference = work_log::page_from_sources(db, &scope, after.as_ref(), PAGE)
                .await
                .unwrap();
            assert_eq!(
                rolled_up, reference,
                "after {after_write}: {request:?}, after {after:?}"
            );
            days_seen += rolled_up.1.len();
            match rolled_up.1.last() {
                Some(last) if rolled_up.1.len() == PAGE => {
                    after = Some(work_log::WorkLogKey::of(last));
                }
                _ => break,
            }
        }
    }
    assert!(days_seen > 300, "the ranges held days ({days_seen})");
}

async fn the_work_log_roll_ups_answer_as_the_sources_after_every_write(app: &TestApp) {
    let fixture = crate::metrics::fixture(app).await;
    let db = fixture.db;
    let integration = fixture.repo_a.integration_id.clone();
    let repositories = [
        fixture.repo_a.repository_id.clone(),
        fixture.repo_b.repository_id.clone(),
    ];
    let scope = |repository: &String| Scope {
        integration_id: integration.clone(),
        repository_id: repository.clone(),
    };
    let mut rng = StdRng::seed_from_u64(17);

    let mut commit_pages = Vec::new();
    let mut pull_pages = Vec::new();
    for page in 0..4 {
        let repository = scope(&repositories[page % 2]);
        let commits: Vec<Commit> = (0..100)
            .map(|k| commit(&mut rng, page * 100 + k, k % 3 != 0))
            .collect();
        store_commits(&db, &repository, &commits).await.unwrap();
        let pulls: Vec<PullRequest> = (0..40)
            .map(|k| pull_request(&mut rng, page * 40 + k))
            .collect();
        store_pull_requests(&db, &repository, &pulls).await.unwrap();
        let tickets: Vec<Ticket> = (0..30).map(|k| ticket(&mut rng, page * 30 + k)).collect();
        store_tickets(&db, &repository, &tickets).await.unwrap();
        commit_pages.push(commits);
        pull_pages.push(pulls);
    }
    assert_pages_agree(&db, &integration, &repositories, &mut rng, "pages stored").await;

    // Stored again: merges moved to other days and other mergers, closes by reviewers
    // added to pull requests imported without events, every e-mail linked.
    let mut pulls = pull_pages[0].clone();
    for pr in &mut pulls {
        if let Some(merged) = pr.merged_at {
            let moved = merged + Duration::hours(rng.gen_range(1..60));
            pr.merged_at = Some(moved);
            pr.closed_at = Some(moved);
            pr.merged_by = actor(&mut rng);
            for event in &mut pr.events {
                event.created_at = moved;
                event.actor = pr.merged_by.clone();
            }
        } else if let (Some(closed), true) = (pr.closed_at, pr.events.is_empty()) {
            pr.events
                .push(event(PullRequestEventKind::Closed, actor(&mut rng), closed));
        }
    }
    store_pull_requests(&db, &scope(&repositories[0]), &pulls)
        .await
        .unwrap();
    let mut commits = commit_pages[0].clone();
    for c in &mut commits {
        c.author.login = c
            .author
            .email
            .as_deref()
            .map(|e| e.trim_end_matches("@example.com").to_string());
    }
    store_commits(&db, &scope(&repositories[0]), &commits)
        .await
        .unwrap();
    assert_pages_agree(
        &db,
        &integration,
        &repositories,
        &mut rng,
        "a page stored again",
    )
    .await;

    // Pull requests deleted without their comments, reviews and events (which are
    // items only beside them), then stored again after them, as a webhook may.
    db.execute_unprepared(
        "DELETE FROM pull_requests WHERE node_id LIKE 'PR_4_' OR node_id LIKE 'PR_5_'",
    )
    .await
    .unwrap();
    assert_pages_agree(
        &db,
        &integration,
        &repositories,
        &mut rng,
        "pull requests deleted",
    )
    .await;
    store_pull_requests(&db, &scope(&repositories[1]), &pull_pages[1])
        .await
        .unwrap();
    assert_pages_agree(
        &db,
        &integration,
        &repositories,
        &mut rng,
        "stored after their comments",
    )
    .await;

    db.execute_unprepared(&format!(
        "DELETE FROM repositories WHERE id = '{}'",
        repositories[1]
    ))
    .await
    .unwrap();
    assert_pages_agree(
        &db,
        &integration,
        &repositories,
        &mut rng,
        "a repository deleted",
    )
    .await;
}
on_every_backend!(the_work_log_roll_ups_answer_as_the_sources_after_every_write);
