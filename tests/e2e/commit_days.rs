//! The commit roll-ups (`commit_days`, `repository_commit_days`: migration 14) against
//! the commits they roll up, on both backends: after every kind of write (new commits, a page stored again with other
//! figures, e-mails linked to logins later, a repository deleted) their rows are what the
//! commits add up to, and commit metrics read from it equal the reference statement over
//! every commit, in zones east and west of UTC, with half-hour daylight saving, with a
//! quarter-hour offset, across daylight-saving changes, filtered or not.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{commit, commit_day, repository_commit_day};
use github::import::{Commit, GitActor};
use metrics::{Scope as MetricsScope, ScopeRequest, commits};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};
use std::collections::BTreeMap;
use tributary_tests::{TestApp, on_every_backend};
use worker::store::{Scope, store_commits};

const PEOPLE: usize = 6;

fn start() -> DateTime<Utc> {
    // Ten days either side of Berlin's and New York's spring changes (03-08, 03-29).
    "2026-03-01T00:00:00Z".parse().unwrap()
}

/// A commit at a random second of the five weeks from `start`, by one of a few people;
/// `linked` says whether GitHub gives its e-mail's login.
fn random_commit(rng: &mut StdRng, oid: usize, linked: bool) -> Commit {
    let person = rng.gen_range(0..PEOPLE);
    let login = if person == PEOPLE - 1 {
        "renovate[bot]".to_string()
    } else {
        format!("dev{person}")
    };
    let at = start() + Duration::seconds(rng.gen_range(0..35 * 86_400));
    Commit {
        node_id: format!("C_{oid}"),
        oid: format!("{oid:040x}"),
        message_headline: "change".into(),
        authored_at: at,
        committed_at: at,
        author: GitActor {
            name: Some(login.clone()),
            email: Some(format!("{login}@example.com")),
            login: linked.then_some(login),
        },
        committer: GitActor::default(),
        additions: rng.gen_range(0..50),
        deletions: rng.gen_range(0..50),
        changed_files: Some(1),
        parent_count: if rng.gen_bool(0.2) { 2 } else { 1 },
    }
}

/// A roll-up row as both tables hold it; `repository_id` is empty in `commit_days`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Day {
    integration_id: String,
    repository_id: String,
    contributor: String,
    contributor_is_login: bool,
    utc_day: i64,
    author_is_bot: bool,
    first_coding_quarter: Option<i32>,
    last_coding_quarter: Option<i32>,
    commits: i64,
    merge_commits: i64,
    additions: i64,
    deletions: i64,
}

/// What a roll-up must hold, added up here from the commits themselves: per repository,
/// or over every repository.
async fn expected_days(db: &DatabaseConnection, per_repository: bool) -> Vec<Day> {
    let mut days: BTreeMap<(String, String, String, bool, i64, bool), Day> = BTreeMap::new();
    for c in commit::Entity::find().all(db).await.unwrap() {
        let second = c.authored_at.timestamp();
        let repository_id = if per_repository {
            c.repository_id.clone()
        } else {
            String::new()
        };
        let key = (
            c.integration_id.clone(),
            repository_id.clone(),
            c.contributor.clone(),
            c.contributor_is_login,
            second.div_euclid(86_400),
            c.author_is_bot,
        );
        let day = days.entry(key).or_insert_with(|| Day {
            integration_id: c.integration_id.clone(),
            repository_id,
            contributor: c.contributor.clone(),
            contributor_is_login: c.contributor_is_login,
            utc_day: second.div_euclid(86_400),
            author_is_bot: c.author_is_bot,
            ..Day::default()
        });
        if c.parent_count <= 1 {
            let quarter = (second.rem_euclid(86_400) / 900) as i32;
            day.first_coding_quarter =
                Some(day.first_coding_quarter.map_or(quarter, |q| q.min(quarter)));
            day.last_coding_quarter =
                Some(day.last_coding_quarter.map_or(quarter, |q| q.max(quarter)));
        }
        day.commits += 1;
        day.merge_commits += i64::from(c.parent_count > 1);
        day.additions += c.additions;
        day.deletions += c.deletions;
    }
    days.into_values().collect()
}

/// A stored row of either roll-up as a [`Day`]; `$repository` reads its repository.
macro_rules! day {
    ($row:expr, $repository:expr) => {{
        let d = $row;
        Day {
            repository_id: $repository(&d),
            integration_id: d.integration_id,
            contributor: d.contributor,
            contributor_is_login: d.contributor_is_login,
            utc_day: d.utc_day,
            author_is_bot: d.author_is_bot,
            first_coding_quarter: d.first_coding_quarter,
            last_coding_quarter: d.last_coding_quarter,
            commits: d.commits,
            merge_commits: d.merge_commits,
            additions: d.additions,
            deletions: d.deletions,
        }
    }};
}

async fn assert_roll_ups_follow_commits(db: &DatabaseConnection, after: &str) {
    let mut every_repository: Vec<Day> = commit_day::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|d| day!(d, |_: &commit_day::Model| String::new()))
        .collect();
    every_repository.sort();
    assert_eq!(
        every_repository,
        expected_days(db, false).await,
        "commit_days after {after}"
    );
    let mut per_repository: Vec<Day> = repository_commit_day::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|d| {
            day!(d, |d: &repository_commit_day::Model| d
                .repository_id
                .clone())
        })
        .collect();
    per_repository.sort();
    assert_eq!(
        per_repository,
        expected_days(db, true).await,
        "repository_commit_days after {after}"
    );
}

/// Zones east and west of UTC, with half-hour daylight saving (Lord Howe), quarter-hour
/// offsets (Kathmandu), a date-line one (Kiritimati): where a roll-up's days can go wrong.
const ZONES: [&str; 7] = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "America/St_Johns",
    "Pacific/Kiritimati",
];

/// Random ranges of up to `longest` days from 2026-02-27 (the tests' data spans March),
/// `per_zone` in each of [`ZONES`], with random filters: the first repository,
/// `contributors`, bots left out.
pub(crate) fn random_scopes(
    integration: &str,
    repositories: &[String],
    contributors: &[&str],
    per_zone: usize,
    longest: u64,
    rng: &mut StdRng,
) -> Vec<ScopeRequest> {
    let first = NaiveDate::from_ymd_opt(2026, 2, 27).unwrap();
    let mut requests = Vec::new();
    for zone in ZONES {
        for _ in 0..per_zone {
            let from = first + chrono::Days::new(rng.gen_range(0..30));
            let to = from + chrono::Days::new(rng.gen_range(0..longest));
            requests.push(ScopeRequest {
                integration_id: integration.to_string(),
                repository_ids: rng.gen_bool(0.3).then(|| repositories[..1].to_vec()),
                contributors: rng
                    .gen_bool(0.3)
                    .then(|| contributors.iter().map(|c| c.to_string()).collect()),
                from,
                to,
                time_zone: zone.into(),
                exclude_bots: rng.gen_bool(0.5),
            });
        }
    }
    requests
}

/// Every zone and filter: the roll-up's figures equal the reference statement's.
async fn assert_figures_agree(
    db: &DatabaseConnection,
    integration: &str,
    repositories: &[String],
    rng: &mut StdRng,
) {
    let mut compared = 0;
    for request in random_scopes(
        integration,
        repositories,
        &["dev1", "dev2@example.com"],
        4,
        12,
        rng,
    ) {
        let scope = MetricsScope::resolve(db, &request).await.unwrap();
        let rolled_up = commits::figures(db, &scope).await.unwrap();
        let reference = commits::figures_from_commits(db, &scope).await.unwrap();
        assert_eq!(rolled_up, reference, "{request:?}");
        compared += rolled_up.contributors.len();
    }
    assert!(
        compared > 50,
        "the ranges held commits ({compared} contributor rows)"
    );
}

async fn the_roll_up_follows_every_write_and_answers_as_every_commit_would(app: &TestApp) {
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
    let mut rng = StdRng::seed_from_u64(14);

    // Pages of new commits, a third with e-mails GitHub links to no login yet.
    let mut pages = Vec::new();
    for page in 0..6 {
        let rows: Vec<Commit> = (0..150)
            .map(|k| random_commit(&mut rng, page * 150 + k, k % 3 != 0))
            .collect();
        store_commits(&db, &scope(&repositories[page % 2]), &rows)
            .await
            .unwrap();
        pages.push(rows);
    }
    assert_roll_ups_follow_commits(&db, "new commits").await;
    assert_figures_agree(&db, &integration, &repositories, &mut rng).await;

    // A page stored again: other line counts, merges that are not, and every e-mail
    // now linked (its older commits move to the login).
    let mut again = pages[0].clone();
    for c in &mut again {
        c.additions += 1;
        c.parent_count = 1;
        c.author.login = c
            .author
            .email
            .as_deref()
            .map(|e| e.trim_end_matches("@example.com").to_string());
    }
    store_commits(&db, &scope(&repositories[0]), &again)
        .await
        .unwrap();
    assert_roll_ups_follow_commits(&db, "a page stored again and e-mails linked").await;
    assert_figures_agree(&db, &integration, &repositories, &mut rng).await;

    // A repository deleted: its commits go, and their days with them.
    db.execute_unprepared(&format!(
        "DELETE FROM repositories WHERE id = '{}'",
        repositories[1]
    ))
    .await
    .unwrap();
    assert_roll_ups_follow_commits(&db, "a repository deleted").await;
    assert!(
        repository_commit_day::Entity::find()
            .all(&db)
            .await
            .unwrap()
            .iter()
            .all(|d| d.repository_id == repositories[0]),
        "no day of the deleted repository is left"
    );
    assert_figures_agree(&db, &integration, &repositories, &mut rng).await;
}
on_every_backend!(the_roll_up_follows_every_write_and_answers_as_every_commit_would);
