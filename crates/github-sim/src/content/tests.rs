//! The generated content keeps GitHub's rules (a pull request's state, dates, merger,
//! draft flag and review requests agree with its timeline) and holds, in every
//! repository, each case the product's metrics must handle.

use std::collections::{BTreeMap, HashSet};

use super::model::{PullRequestEventKind as Kind, *};
use crate::{GithubSim, SimConfig};

/// Every way a pull request disagrees with its timeline.
pub(crate) fn problems(pr: &PullRequest) -> Vec<String> {
    let mut out = Vec::new();
    let mut say = |what: String| out.push(format!("#{}: {what}", pr.number));
    let events = &pr.events;
    if events.windows(2).any(|w| w[0].created_at > w[1].created_at) {
        say("events are not in time order".into());
    }
    if events.iter().any(|e| e.created_at > pr.updated_at) {
        say("an event is newer than updatedAt".into());
    }
    // Closes and reopens alternate, starting with a close; a merge is a close.
    let closes: Vec<&PullRequestEvent> = events
        .iter()
        .filter(|e| matches!(e.kind, Kind::Closed | Kind::Reopened))
        .collect();
    for (k, e) in closes.iter().enumerate() {
        let expected = if k % 2 == 0 {
            Kind::Closed
        } else {
            Kind::Reopened
        };
        if e.kind != expected {
            say(format!("{:?} where {expected:?} was due", e.kind));
        }
    }
    let last_close = closes.last().filter(|e| e.kind == Kind::Closed);
    let merges: Vec<(usize, &PullRequestEvent)> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == Kind::Merged)
        .collect();
    match pr.state {
        PullRequestState::Merged => {
            let [(k, merged)] = merges.as_slice() else {
                say(format!("merged with {} MERGED events", merges.len()));
                return out;
            };
            let closed = events.get(k + 1);
            if Some(merged.created_at) != pr.merged_at
                || pr.closed_at != pr.merged_at
                || merged.actor != pr.merged_by
            {
                say("mergedAt, closedAt, mergedBy and the MERGED event disagree".into());
            }
            let same = |c: &&PullRequestEvent| {
                c.kind == Kind::Closed
                    && c.created_at == merged.created_at
                    && c.actor == merged.actor
            };
            if !closed.is_some_and(|c| same(&c))
                || last_close.map(|c| &c.node_id) != closed.map(|c| &c.node_id)
            {
                say("a merge is not followed by its CLOSED event, the last one".into());
            }
            if pr.is_draft {
                say("a merged draft".into());
            }
        }
        PullRequestState::Closed => {
            if !merges.is_empty() || pr.merged_at.is_some() || pr.merged_by.is_some() {
                say("closed unmerged but with merge details".into());
            }
            if last_close.map(|c| c.created_at) != pr.closed_at || pr.closed_at.is_none() {
                say("closedAt is not the last CLOSED event".into());
            }
        }
        PullRequestState::Open => {
            if pr.closed_at.is_some() || pr.merged_at.is_some() || pr.merged_by.is_some() {
                say("open with a close or merge date".into());
            }
            if closes.len() % 2 == 1 || !merges.is_empty() {
                say("open after a close that was not reopened".into());
            }
        }
    }
    // Drafts: READY and CONVERT alternate; the last says whether it is a draft now.
    let drafts: Vec<Kind> = events
        .iter()
        .map(|e| e.kind)
        .filter(|k| matches!(k, Kind::ReadyForReview | Kind::ConvertToDraft))
        .collect();
    if drafts.windows(2).any(|w| w[0] == w[1]) {
        say("draft changes do not alternate".into());
    }
    if let Some(last) = drafts.last()
        && pr.is_draft != (*last == Kind::ConvertToDraft)
    {
        say("isDraft disagrees with the last draft change".into());
    }
    // Review requests: pending ones were asked and not taken back; removals follow asks.
    let mut pending: Vec<&Reviewer> = Vec::new();
    for e in events {
        let Some(who) = &e.subject else {
            continue;
        };
        match e.kind {
            Kind::ReviewRequested => pending.push(who),
            Kind::ReviewRequestRemoved => {
                let Some(k) = pending.iter().position(|p| *p == who) else {
                    say(format!("{who:?} removed without a request"));
                    continue;
                };
                pending.remove(k);
            }
            _ => say(format!("{:?} names a reviewer", e.kind)),
        }
    }
    for r in &pr.requested_reviewers {
        if !pending.contains(&r) {
            say(format!("{r:?} is requested with no pending request event"));
        }
    }
    out
}

fn small() -> GithubSim {
    GithubSim::new(SimConfig::default())
}

fn every_repository(sim: &GithubSim) -> Vec<std::sync::Arc<RepoContent>> {
    sim.dataset()
        .repos
        .iter()
        .filter_map(|r| sim.content(&r.full_name()))
        .collect()
}

#[test]
fn every_pull_request_agrees_with_its_timeline() {
    let many = GithubSim::new(SimConfig {
        pull_requests: Some(800),
        ..Default::default()
    });
    for sim in [small(), many] {
        let problems: Vec<String> = every_repository(&sim)
            .iter()
            .flat_map(|c| c.pull_requests.iter().flat_map(problems))
            .collect();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}

#[test]
fn node_ids_are_unique_across_the_dataset() {
    let sim = small();
    let mut seen = HashSet::new();
    for c in every_repository(&sim) {
        let ids = c
            .commits
            .iter()
            .map(|x| &x.node_id)
            .chain(c.issues.iter().flat_map(|i| {
                std::iter::once(&i.node_id)
                    .chain(i.comments.iter().map(|x| &x.node_id))
                    .chain(i.events.iter().map(|x| &x.node_id))
            }));
        let pr_ids = c.pull_requests.iter().flat_map(|p| {
            std::iter::once(&p.node_id)
                .chain(p.reviews.iter().map(|x| &x.node_id))
                .chain(p.comments.iter().map(|x| &x.node_id))
                .chain(p.reactions.iter().map(|x| &x.node_id))
                .chain(p.events.iter().map(|x| &x.node_id))
                .chain(p.review_threads.iter().flat_map(|t| {
                    std::iter::once(&t.node_id).chain(t.comments.iter().map(|x| &x.node_id))
                }))
        });
        for id in ids.chain(pr_ids) {
            assert!(seen.insert(id.clone()), "{id} twice");
        }
    }
}

/// How often each case the metrics must handle occurs in one repository's content.
pub(crate) fn cases(c: &RepoContent) -> BTreeMap<&'static str, usize> {
    let mut n: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut add = |case: &'static str, yes: bool| *n.entry(case).or_default() += usize::from(yes);
    for pr in &c.pull_requests {
        let author = pr.author.as_ref();
        let is_author = |a: Option<&Actor>| a.is_some() && a == author;
        let first_review = pr
            .reviews
            .iter()
            .filter(|r| !is_author(r.author.as_ref()))
            .filter_map(|r| r.submitted_at)
            .min();
        add(
            "commits after the first review (iterations)",
            first_review.is_some_and(|f| pr.commits.iter().any(|k| k.committed_at > f)),
        );
        add(
            "commit authored before the pull request opened",
            pr.commits.iter().any(|k| k.authored_at < pr.created_at),
        );
        let author_times: HashSet<_> = pr
            .comments
            .iter()
            .filter(|k| is_author(k.author.as_ref()))
            .map(|k| k.created_at)
            .chain(pr.commits.iter().map(|k| k.committed_at))
            .collect();
        let reviewer_times = pr
            .reviews
            .iter()
            .filter(|r| !is_author(r.author.as_ref()))
            .filter_map(|r| r.submitted_at)
            .chain(
                pr.comments
                    .iter()
                    .filter(|k| !is_author(k.author.as_ref()))
                    .map(|k| k.created_at),
            );
        add(
            "author and reviewer in the same second",
            reviewer_times
                .into_iter()
                .any(|t| author_times.contains(&t)),
        );
        let bot = |a: Option<&Actor>| a.is_some_and(|a| a.is_bot);
        add("pull request by a bot account", bot(author));
        add(
            "comment by a bot account",
            pr.comments.iter().any(|k| bot(k.author.as_ref())),
        );
        add(
            "review by a bot account",
            pr.reviews.iter().any(|r| bot(r.author.as_ref())),
        );
        add(
            "merged by someone other than the author",
            pr.merged_by.is_some() && pr.merged_by.as_ref() != author,
        );
        let last_close = pr.events.iter().rev().find(|e| e.kind == Kind::Closed);
        add(
            "closed unmerged by a reviewer",
            pr.state == PullRequestState::Closed
                && last_close.is_some_and(|e| e.actor.is_some() && e.actor.as_ref() != author),
        );
        let reopened = pr.events.iter().any(|e| e.kind == Kind::Reopened);
        add(
            "reopened, then merged",
            reopened && pr.state == PullRequestState::Merged,
        );
        add(
            "reopened, still open",
            reopened && pr.state == PullRequestState::Open,
        );
        let has = |kind: Kind| pr.events.iter().any(|e| e.kind == kind);
        add("draft marked ready for review", has(Kind::ReadyForReview));
        add("converted to a draft", has(Kind::ConvertToDraft));
        add("review requested", has(Kind::ReviewRequested));
        add("review request removed", has(Kind::ReviewRequestRemoved));
        let bodies: Vec<&str> = pr
            .comments
            .iter()
            .chain(pr.review_threads.iter().flat_map(|t| t.comments.iter()))
            .map(|k| k.body.as_str())
            .collect();
        add(
            "comment of only an emoji",
            bodies
                .iter()
                .any(|b| !b.chars().any(|ch| ch.is_alphanumeric())),
        );
        add(
            "comment of a word (LGTM, +1)",
            bodies.iter().any(|b| ["LGTM", "+1"].contains(b)),
        );
        add(
            "comment over 200 characters",
            bodies.iter().any(|b| b.chars().count() > 200),
        );
    }
    // Default-branch commits, oldest first.
    let mut late = 0;
    for k in c.commits.iter().rev() {
        let (Some(email), login) = (&k.author.email, &k.author.login) else {
            continue;
        };
        late += usize::from(
            login.is_some()
                && c.commits.iter().any(|o| {
                    o.author.email.as_ref() == Some(email)
                        && o.author.login.is_none()
                        && o.committed_at < k.committed_at
                }),
        );
    }
    add("e-mail linked to a login only on later commits", late > 0);
    let bot_commit = |a: &GitActor| {
        a.login.is_none()
            && a.name.as_deref().is_some_and(|n| n.ends_with("[bot]"))
            && a.email
                .as_deref()
                .is_some_and(|e| e.contains("+") && e.ends_with("[bot]@users.noreply.github.com"))
    };
    add(
        "bot commit without a login",
        c.commits.iter().any(|k| bot_commit(&k.author))
            || c.pull_requests
                .iter()
                .any(|p| p.commits.iter().any(|k| bot_commit(&k.author))),
    );
    n
}

#[test]
fn every_repository_holds_every_case_in_the_small_dataset() {
    let sim = small();
    let mut missing = Vec::new();
    let mut totals: BTreeMap<&str, usize> = BTreeMap::new();
    for c in every_repository(&sim) {
        for (case, count) in cases(&c) {
            *totals.entry(case).or_default() += count;
            if count == 0 {
                missing.push(format!("{}: {case}", c.repository));
            }
        }
    }
    assert!(missing.is_empty(), "missing:\n{}", missing.join("\n"));
    if std::env::var_os("SHOW_CASES").is_some() {
        for (case, count) in &totals {
            eprintln!("{count:>5}  {case}");
        }
    }
}

#[test]
fn long_comments_are_long_and_short_ones_short() {
    assert!(super::texts::LONG.iter().all(|t| t.chars().count() > 200));
    assert!(super::texts::SHORT.iter().all(|t| t.chars().count() <= 10));
}
