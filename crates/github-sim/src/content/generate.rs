//! Generating one repository's content from the seed: who writes, what they write,
//! and when. `RepoBuilder` also makes the nodes `/_sim/mutate` adds.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::model::*;
use crate::dataset::{Dataset, OwnerType, Repo};
use crate::ids;

/// Who writes code and comments: the dataset's people (linked by e-mail to their
/// accounts), people GitHub cannot link, and bots.
pub(crate) struct People {
    pub humans: Vec<(String, String)>,
}

const UNLINKED: &[(&str, &str)] = &[
    ("Build Robot", "ci@build.example.com"),
    ("Former Contractor", "dev@contractor.example.net"),
];
const BOTS: &[&str] = &["dependabot", "github-actions"];
const LABELS: &[&str] = &[
    "bug",
    "enhancement",
    "documentation",
    "dependencies",
    "ci",
    "breaking-change",
    "good first issue",
];
const REACTIONS: &[&str] = &[
    "THUMBS_UP",
    "THUMBS_DOWN",
    "LAUGH",
    "HOORAY",
    "CONFUSED",
    "HEART",
    "ROCKET",
    "EYES",
];
const VERBS: &[&str] = &[
    "Fix", "Add", "Remove", "Refactor", "Speed up", "Document", "Test", "Rename", "Bump",
];
const THINGS: &[&str] = &[
    "retry loop",
    "invoice export",
    "login redirect",
    "cache eviction",
    "webhook parser",
    "rate limiter",
    "CSV import",
    "search index",
    "timezone handling",
    "session cookie",
];
const EMOJI_ONLY: &[&str] = &["👍", "🎉", "🚀", "❤️", "👀"];
const REMARKS: &[&str] = &[
    "Looks good to me.",
    "Could we add a test for the empty case?",
    "This breaks the nightly job, see the logs.",
    "Nit: the name could say what it holds.",
    "Rebased on main.",
    "Thanks, merging once CI is green.",
];

impl People {
    pub fn new(dataset: &Dataset) -> People {
        let humans = dataset
            .users
            .iter()
            .filter(|u| !u.service_account)
            .map(|u| {
                (
                    u.login.clone(),
                    u.name.clone().unwrap_or_else(|| u.login.clone()),
                )
            })
            .collect();
        People { humans }
    }

    fn human(&self, rng: &mut ChaCha8Rng) -> &(String, String) {
        &self.humans[rng.gen_range(0..self.humans.len())]
    }

    pub fn linked(&self, login: &str, name: &str) -> GitActor {
        GitActor {
            name: Some(name.to_string()),
            email: Some(format!("{}@example.com", login.replace('-', "."))),
            login: Some(login.to_string()),
        }
    }

    /// Mostly people GitHub links to accounts, some it cannot, some bots.
    fn git_actor(&self, rng: &mut ChaCha8Rng) -> GitActor {
        let roll = rng.gen_range(0..100);
        if roll < 75 {
            let (login, name) = self.human(rng);
            self.linked(login, name)
        } else if roll < 90 {
            let (name, email) = UNLINKED[rng.gen_range(0..UNLINKED.len())];
            GitActor {
                name: Some(name.to_string()),
                email: Some(email.to_string()),
                login: None,
            }
        } else {
            let bot = BOTS[rng.gen_range(0..BOTS.len())];
            GitActor {
                name: Some(format!("{bot}[bot]")),
                email: Some(format!("{bot}[bot]@users.noreply.github.com")),
                login: None,
            }
        }
    }

    /// An account acting on GitHub: mostly people, a few bots, a few deleted accounts.
    fn actor(&self, rng: &mut ChaCha8Rng) -> Option<Actor> {
        let roll = rng.gen_range(0..100);
        if roll < 88 {
            Some(Actor {
                login: self.human(rng).0.clone(),
                is_bot: false,
            })
        } else if roll < 96 {
            Some(Actor {
                login: BOTS[rng.gen_range(0..BOTS.len())].to_string(),
                is_bot: true,
            })
        } else {
            None
        }
    }

    fn person(&self, rng: &mut ChaCha8Rng) -> Option<Actor> {
        Some(Actor {
            login: self.human(rng).0.clone(),
            is_bot: false,
        })
    }
}

/// Builds nodes of one repository with ids unique across the dataset.
pub(crate) struct RepoBuilder {
    pub rng: ChaCha8Rng,
    pub next_id: i64,
}

impl RepoBuilder {
    pub fn node_id(&mut self, prefix: &str) -> String {
        let id = self.next_id;
        self.next_id += 1;
        ids::node_id(prefix, id)
    }

    pub fn oid(&mut self) -> String {
        let (a, b, c): (u64, u64, u32) = (self.rng.r#gen(), self.rng.r#gen(), self.rng.r#gen());
        format!("{a:016x}{b:016x}{c:08x}")
    }

    fn headline(&mut self) -> String {
        let verb = VERBS[self.rng.gen_range(0..VERBS.len())];
        let thing = THINGS[self.rng.gen_range(0..THINGS.len())];
        format!("{verb} {thing}")
    }

    fn after(&mut self, t: DateTime<Utc>, max_hours: i64) -> DateTime<Utc> {
        t + Duration::seconds(self.rng.gen_range(60..max_hours.max(1) * 3600 + 61))
    }

    fn pick<T: Clone>(&mut self, from: &[T], up_to: usize) -> Vec<T> {
        let n = self.rng.gen_range(0..=up_to.min(from.len()));
        from.choose_multiple(&mut self.rng, n).cloned().collect()
    }

    fn around(&mut self, mean: usize) -> usize {
        self.rng.gen_range(0..=mean * 2)
    }
}

/// Ids of a repository's content start far above GitHub-style account and repository
/// ids, one block of ten million per repository.
pub(crate) fn first_id(position: usize) -> i64 {
    10_000_000_000 + (position as i64) * 10_000_000
}

/// A fixed "now", like the dataset's, so content does not depend on when it was made.
pub(crate) fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

pub(super) fn generate_repo(
    seed: u64,
    position: usize,
    repo: &Repo,
    size: RepoSize,
    people: &People,
    heavy: bool,
) -> RepoContent {
    let mut b = RepoBuilder {
        rng: ChaCha8Rng::seed_from_u64(ids::splitmix64(seed ^ repo.id as u64)),
        next_id: first_id(position),
    };
    let start = repo.created_at;
    let span = (epoch() - start).num_seconds().max(3600);

    let mut commits = Vec::with_capacity(size.commits);
    let step = (span / (size.commits as i64 + 1)).max(1);
    for i in 0..size.commits {
        let committed_at = start + Duration::seconds(step * (i as i64 + 1));
        commits.push(new_commit(
            &mut b,
            people,
            committed_at,
            i > 0 && i % 7 == 0,
        ));
    }
    commits.reverse();

    let team =
        (repo.owner_type == OwnerType::Organization).then(|| format!("{}/platform", repo.owner));
    let mut pull_requests = Vec::with_capacity(size.pull_requests);
    let mut issues = Vec::with_capacity(size.issues);
    let total = size.pull_requests + size.issues;
    let item_step = (span / (total as i64 + 1)).max(1);
    for n in 0..total {
        let created_at = start + Duration::seconds(item_step * (n as i64 + 1));
        let prs_left = size.pull_requests - pull_requests.len();
        let issues_left = size.issues - issues.len();
        // The heavy repository's #1 and #2 are a pull request and an issue with
        // connections longer than the client's first pages.
        let is_pr = if heavy && n < 2 && prs_left > 0 && issues_left > 0 {
            n == 0
        } else {
            b.rng.gen_range(0..prs_left + issues_left) < prs_left
        };
        let number = n as i64 + 1;
        if is_pr {
            let mut pr = new_pull_request(
                &mut b,
                people,
                &repo.default_branch,
                team.as_deref(),
                number,
                created_at,
                size,
            );
            if heavy && n == 0 {
                make_heavy_pull_request(&mut b, people, &mut pr);
            }
            pr.merge_commit_oid = (pr.state == PullRequestState::Merged && !commits.is_empty())
                .then(|| commits[b.rng.gen_range(0..commits.len())].oid.clone());
            pull_requests.push(pr);
        } else {
            let extra = if heavy && n == 1 { 120 } else { 0 };
            issues.push(new_ticket(&mut b, people, number, created_at, extra));
        }
    }
    RepoContent {
        repository: repo.full_name(),
        commits,
        pull_requests,
        issues,
        next_id: b.next_id,
    }
}

pub(crate) fn new_commit(
    b: &mut RepoBuilder,
    people: &People,
    committed_at: DateTime<Utc>,
    merge: bool,
) -> Commit {
    let author = people.git_actor(&mut b.rng);
    // Most commits are committed by their author; some through GitHub's web merge.
    let committer = if b.rng.gen_bool(0.8) {
        author.clone()
    } else {
        GitActor {
            name: Some("GitHub".into()),
            email: Some("noreply@github.com".into()),
            login: None,
        }
    };
    let headline = if merge {
        format!(
            "Merge pull request #{} from feature/{}",
            b.rng.gen_range(1..500),
            b.rng.gen_range(1..99)
        )
    } else {
        b.headline()
    };
    let additions = b.rng.gen_range(0..400);
    Commit {
        node_id: b.node_id("C"),
        oid: b.oid(),
        message_headline: headline,
        authored_at: committed_at - Duration::seconds(b.rng.gen_range(0..7200)),
        committed_at,
        author,
        committer,
        additions,
        deletions: b.rng.gen_range(0..200),
        // GitHub leaves it out on very large commits.
        changed_files: (additions < 390).then(|| b.rng.gen_range(1..30)),
        parent_count: if merge { 2 } else { 1 },
    }
}

fn comment(b: &mut RepoBuilder, people: &People, kind: CommentKind, at: DateTime<Utc>) -> Comment {
    let body = if b.rng.gen_range(0..10) == 0 {
        EMOJI_ONLY[b.rng.gen_range(0..EMOJI_ONLY.len())].to_string()
    } else {
        REMARKS[b.rng.gen_range(0..REMARKS.len())].to_string()
    };
    Comment {
        node_id: b.node_id(if kind == CommentKind::Conversation {
            "IC"
        } else {
            "PRRC"
        }),
        kind,
        author: people.actor(&mut b.rng),
        body,
        created_at: at,
    }
}

fn review(b: &mut RepoBuilder, people: &People, at: DateTime<Utc>) -> Review {
    let state = match b.rng.gen_range(0..20) {
        0..=8 => ReviewState::Approved,
        9..=12 => ReviewState::ChangesRequested,
        13..=17 => ReviewState::Commented,
        18 => ReviewState::Dismissed,
        _ => ReviewState::Pending,
    };
    let body = if state == ReviewState::Approved && b.rng.gen_bool(0.6) {
        String::new()
    } else {
        REMARKS[b.rng.gen_range(0..REMARKS.len())].to_string()
    };
    Review {
        node_id: b.node_id("PRR"),
        state,
        author: people.person(&mut b.rng),
        submitted_at: (state != ReviewState::Pending).then_some(at),
        body,
    }
}

fn reaction(b: &mut RepoBuilder, people: &People, at: DateTime<Utc>) -> Reaction {
    Reaction {
        node_id: b.node_id("REA"),
        content: REACTIONS[b.rng.gen_range(0..REACTIONS.len())],
        user: Some(people.human(&mut b.rng).0.clone()),
        created_at: at,
    }
}

fn thread(
    b: &mut RepoBuilder,
    people: &People,
    at: DateTime<Utc>,
    comments: usize,
) -> ReviewThread {
    let node_id = b.node_id("PRRT");
    let mut t = at;
    let comments = (0..comments)
        .map(|_| {
            t = b.after(t, 4);
            comment(b, people, CommentKind::ReviewThread, t)
        })
        .collect();
    ReviewThread { node_id, comments }
}

#[allow(clippy::too_many_arguments)]
fn new_pull_request(
    b: &mut RepoBuilder,
    people: &People,
    base: &str,
    team: Option<&str>,
    number: i64,
    created_at: DateTime<Utc>,
    size: RepoSize,
) -> PullRequest {
    let state = match b.rng.gen_range(0..10) {
        0..=1 => PullRequestState::Open,
        2..=3 => PullRequestState::Closed,
        _ => PullRequestState::Merged,
    };
    let author = people.actor(&mut b.rng);
    let mut t = created_at;
    let commit_count = b.rng.gen_range(1..=5);
    let commits = (0..commit_count)
        .map(|_| {
            t = b.after(t, 3);
            pr_commit(b, people, t)
        })
        .collect();
    let reviews_n = b.around(size.reviews_per_pr);
    let reviews = (0..reviews_n)
        .map(|_| {
            t = b.after(t, 6);
            review(b, people, t)
        })
        .collect();
    let comments_n = b.around(size.comments_per_pr);
    let comments = (0..comments_n)
        .map(|_| {
            t = b.after(t, 6);
            comment(b, people, CommentKind::Conversation, t)
        })
        .collect();
    let threads_n = b.rng.gen_range(0..=2);
    let review_threads = (0..threads_n)
        .map(|_| {
            let n = b.rng.gen_range(1..=3);
            let th = thread(b, people, t, n);
            if let Some(last) = th.comments.last() {
                t = t.max(last.created_at);
            }
            th
        })
        .collect();
    let reactions_n = b.rng.gen_range(0..=3);
    let reactions = (0..reactions_n)
        .map(|_| {
            t = b.after(t, 2);
            reaction(b, people, t)
        })
        .collect();
    let humans: Vec<String> = people.humans.iter().map(|(l, _)| l.clone()).collect();
    let mut requested_reviewers: Vec<Reviewer> =
        b.pick(&humans, 2).into_iter().map(Reviewer::User).collect();
    if let Some(team) = team.filter(|_| b.rng.gen_bool(0.3)) {
        requested_reviewers.push(Reviewer::Team(team.to_string()));
    }
    let ended = b.after(t, 24);
    let (merged_at, closed_at) = match state {
        PullRequestState::Open => (None, None),
        PullRequestState::Closed => (None, Some(ended)),
        PullRequestState::Merged => (Some(ended), Some(ended)),
    };
    let labels = b.pick(&LABELS.iter().map(|l| l.to_string()).collect::<Vec<_>>(), 2);
    let headline = b.headline();
    PullRequest {
        node_id: b.node_id("PR"),
        number,
        title: headline,
        body: if b.rng.gen_bool(0.2) {
            String::new()
        } else {
            format!(
                "Closes a part of the {} work.",
                THINGS[b.rng.gen_range(0..THINGS.len())]
            )
        },
        state,
        is_draft: state == PullRequestState::Open && b.rng.gen_bool(0.3),
        created_at,
        updated_at: closed_at.unwrap_or(t),
        merged_at,
        closed_at,
        author,
        base_ref: base.to_string(),
        head_ref: format!("feature/{number}-work"),
        additions: b.rng.gen_range(1..900),
        deletions: b.rng.gen_range(0..400),
        changed_files: b.rng.gen_range(1..40),
        merge_commit_oid: None,
        labels,
        assignees: b.pick(&humans, 2),
        requested_reviewers,
        commits,
        reviews,
        comments,
        review_threads,
        reactions,
    }
}

pub(crate) fn pr_commit(
    b: &mut RepoBuilder,
    people: &People,
    at: DateTime<Utc>,
) -> PullRequestCommit {
    let headline = b.headline();
    PullRequestCommit {
        oid: b.oid(),
        message_headline: headline,
        authored_at: at,
        committed_at: at,
        author: people.git_actor(&mut b.rng),
    }
}

/// Longer than every first page the client asks for: 130 commits, 120 reviews, 150
/// comments, 8 review threads (one of 60 comments), 60 reactions.
fn make_heavy_pull_request(b: &mut RepoBuilder, people: &People, pr: &mut PullRequest) {
    let mut t = pr.created_at;
    pr.commits = (0..130)
        .map(|_| {
            t = b.after(t, 1);
            pr_commit(b, people, t)
        })
        .collect();
    pr.reviews = (0..120)
        .map(|_| {
            t = b.after(t, 1);
            review(b, people, t)
        })
        .collect();
    pr.comments = (0..150)
        .map(|_| {
            t = b.after(t, 1);
            comment(b, people, CommentKind::Conversation, t)
        })
        .collect();
    pr.review_threads = (0..8)
        .map(|i| thread(b, people, t, if i == 6 { 60 } else { 2 }))
        .collect();
    pr.reactions = (0..60)
        .map(|_| {
            t = b.after(t, 1);
            reaction(b, people, t)
        })
        .collect();
    let last = pr
        .review_threads
        .iter()
        .flat_map(|th| th.comments.iter().map(|c| c.created_at))
        .chain([t])
        .max()
        .unwrap_or(t);
    pr.state = PullRequestState::Open;
    pr.is_draft = false;
    pr.merged_at = None;
    pr.closed_at = None;
    pr.updated_at = last;
}

fn new_ticket(
    b: &mut RepoBuilder,
    people: &People,
    number: i64,
    created_at: DateTime<Utc>,
    extra_comments: usize,
) -> Ticket {
    let author = people.actor(&mut b.rng);
    let humans: Vec<String> = people.humans.iter().map(|(l, _)| l.clone()).collect();
    let all_labels: Vec<String> = LABELS.iter().map(|l| l.to_string()).collect();
    let mut t = created_at;
    let mut events = Vec::new();
    let mut event = |b: &mut RepoBuilder, t: &mut DateTime<Utc>, kind, subject: Option<String>| {
        *t = b.after(*t, 12);
        events.push(TicketEvent {
            node_id: b.node_id(match kind {
                TicketEventKind::Closed => "CE",
                TicketEventKind::Reopened => "REE",
                TicketEventKind::Assigned => "AE",
                TicketEventKind::Unassigned => "UAE",
                TicketEventKind::Labeled => "LE",
                TicketEventKind::Unlabeled => "ULE",
            }),
            kind,
            actor: people.person(&mut b.rng),
            created_at: *t,
            subject,
        });
    };
    let labels = b.pick(&all_labels, 3);
    for l in &labels {
        event(b, &mut t, TicketEventKind::Labeled, Some(l.clone()));
    }
    // A label put on and taken off again, and an assignee who handed over.
    if b.rng.gen_bool(0.3) {
        let l = all_labels[b.rng.gen_range(0..all_labels.len())].clone();
        if !labels.contains(&l) {
            event(b, &mut t, TicketEventKind::Labeled, Some(l.clone()));
            event(b, &mut t, TicketEventKind::Unlabeled, Some(l));
        }
    }
    let assignees = b.pick(&humans, 2);
    if b.rng.gen_bool(0.2) {
        let h = humans[b.rng.gen_range(0..humans.len())].clone();
        if !assignees.contains(&h) {
            event(b, &mut t, TicketEventKind::Assigned, Some(h.clone()));
            event(b, &mut t, TicketEventKind::Unassigned, Some(h));
        }
    }
    for a in &assignees {
        event(b, &mut t, TicketEventKind::Assigned, Some(a.clone()));
    }
    let comments_n = b.rng.gen_range(0..=4) + extra_comments;
    let mut comments = Vec::with_capacity(comments_n);
    for _ in 0..comments_n {
        t = b.after(t, 8);
        comments.push(comment(b, people, CommentKind::Conversation, t));
    }
    let (state, state_reason, closed_at) = match b.rng.gen_range(0..10) {
        0..=3 => (TicketState::Open, None, None),
        4 => {
            event(b, &mut t, TicketEventKind::Closed, None);
            event(b, &mut t, TicketEventKind::Reopened, None);
            (TicketState::Open, Some("REOPENED"), None)
        }
        5..=6 => {
            event(b, &mut t, TicketEventKind::Closed, None);
            (TicketState::Closed, Some("NOT_PLANNED"), Some(t))
        }
        _ => {
            event(b, &mut t, TicketEventKind::Closed, None);
            (TicketState::Closed, Some("COMPLETED"), Some(t))
        }
    };
    let headline = b.headline();
    Ticket {
        node_id: b.node_id("I"),
        number,
        title: headline,
        state,
        state_reason,
        author,
        labels,
        assignees,
        created_at,
        updated_at: t,
        closed_at,
        comments,
        events,
    }
}
