//! Generating one repository's content from the seed: default-branch commits, pull
//! requests (`pull_requests.rs`) and issues, one repository's heavy pull request and
//! issue, and the e-mail GitHub links to an account only partway through the history.

use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::builder::{RepoBuilder, epoch, first_id};
use super::comments::drawn_comment;
use super::model::*;
use super::people::{People, bot_git_actor};
use super::pull_requests::{Setting, new_pull_request, pr_commit, reaction, review, thread};
use super::texts::{LABELS, headline};
use crate::dataset::{OwnerType, Repo};
use crate::ids;

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
    link_an_email_late(&mut b, people, repo, &mut commits);
    commits.reverse();

    let team =
        (repo.owner_type == OwnerType::Organization).then(|| format!("{}/platform", repo.owner));
    let setting = Setting {
        people,
        base: &repo.default_branch,
        team: team.as_deref(),
        size,
    };
    let mut pull_requests = Vec::with_capacity(size.pull_requests);
    let mut issues = Vec::with_capacity(size.issues);
    let total = size.pull_requests + size.issues;
    let item_step = (span / (total as i64 + 1)).max(1);
    let mut storied = 0;
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
            let mut pr = if heavy && n == 0 {
                heavy_pull_request(&mut b, &setting, number, created_at)
            } else {
                storied += 1;
                new_pull_request(&mut b, &setting, number, storied - 1, created_at)
            };
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

/// One person commits from an address (`login+repository@example.com`) GitHub links
/// to their account only once they verify it, halfway through the history: their
/// commits before then carry the e-mail alone, the later ones their login too. Halfway
/// through, a bot's commit (which GitHub never links). `commits` is oldest first.
fn link_an_email_late(b: &mut RepoBuilder, people: &People, repo: &Repo, commits: &mut [Commit]) {
    let n = commits.len();
    if n < 3 {
        return;
    }
    let (login, name) = people.human(&mut b.rng).clone();
    let email = format!("{}+{}@example.com", login.replace('-', "."), repo.name);
    let verified_at = commits[n / 2].committed_at;
    commits[n / 2].author = bot_git_actor(0);
    commits[n / 2].committer = commits[n / 2].author.clone();
    for k in [n / 4, n - 1 - n / 4] {
        commits[k].author = GitActor {
            name: Some(name.clone()),
            email: Some(email.clone()),
            login: None,
        };
        commits[k].committer = commits[k].author.clone();
    }
    for c in commits.iter_mut() {
        for who in [&mut c.author, &mut c.committer] {
            if who.email.as_deref() == Some(email.as_str()) {
                who.login = (c.committed_at >= verified_at).then(|| login.clone());
            }
        }
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
        headline(b)
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

/// The heavy repository's #1: longer than every first page the client asks for — 130
/// commits, 120 reviews, 150 comments, 8 review threads (one of 60 comments), 60
/// reactions and 120 timeline events (drafts and review requests going back and
/// forth) — and open.
fn heavy_pull_request(
    b: &mut RepoBuilder,
    setting: &Setting,
    number: i64,
    created_at: DateTime<Utc>,
) -> PullRequest {
    let people = setting.people;
    let mut pr = new_pull_request(b, setting, number, usize::MAX, created_at);
    pr.state = PullRequestState::Open;
    pr.is_draft = false;
    pr.merged_at = None;
    pr.closed_at = None;
    pr.merged_by = None;
    pr.events.clear();
    pr.requested_reviewers.clear();
    let author = pr.author.clone();
    let mut t = pr.created_at;
    pr.commits = (0..130)
        .map(|_| {
            t = b.after(t, 1);
            let who = people.git_actor(&mut b.rng);
            pr_commit(b, who, t)
        })
        .collect();
    pr.reviews = (0..120)
        .map(|_| {
            t = b.after(t, 1);
            let reviewer = people.person(&mut b.rng);
            review(b, reviewer, t, None)
        })
        .collect();
    pr.comments = (0..150)
        .map(|_| {
            t = b.after(t, 1);
            drawn_comment(b, people, CommentKind::Conversation, t)
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
    for _ in 0..30 {
        let asked = people.other_than(&mut b.rng, author.as_ref());
        let asked = Reviewer::User(asked.login);
        t = b.after(t, 1);
        pr.request_review(b, author.clone(), asked.clone(), t);
        t = b.after(t, 1);
        let removed = pr.remove_review_request(b, author.clone(), asked, t);
        t = b.after(t, 1);
        let drafted = pr.convert_to_draft(b, author.clone(), t);
        t = b.after(t, 1);
        let ready = pr.mark_ready_for_review(b, author.clone(), t);
        if let Err(e) = removed.and(drafted).and(ready) {
            unreachable!("the heavy pull request took a step GitHub refuses: {e}");
        }
    }
    let last = pr
        .review_threads
        .iter()
        .flat_map(|th| th.comments.iter().map(|c| c.created_at))
        .chain([t])
        .max()
        .unwrap_or(t);
    pr.updated_at = last;
    pr
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
        comments.push(drawn_comment(b, people, CommentKind::Conversation, t));
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
    let headline = headline(b);
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
