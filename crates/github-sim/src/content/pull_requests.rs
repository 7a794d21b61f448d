//! Generating one pull request — commits, reviews, comments, threads, reactions and
//! timeline events — along a story. The first three pull requests of every repository
//! follow scripted stories so that every rule of the product's metrics meets its case
//! in every repository with content, even at the smallest scale; the others draw one.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;

use super::builder::RepoBuilder;
use super::comments::{comment, drawn_comment};
use super::model::*;
use super::people::{BOTS, People, bot_actor};
use super::texts::{
    DEPENDENCIES, EMOJI_ONLY, LABELS, LONG, REACTIONS, REMARKS, SHORT, THINGS, headline,
};

/// What one repository's pull requests share.
pub(super) struct Setting<'a> {
    pub people: &'a People,
    pub base: &'a str,
    /// The organization's team asked for reviews (`org/platform`), for organizations.
    pub team: Option<&'a str>,
    pub size: RepoSize,
}

/// What happens to a pull request, from its first commit to its end.
struct Story {
    author: Option<Actor>,
    /// The first commit is made (authored and committed) before the pull request opens.
    early_commit: bool,
    draft: Draft,
    /// The organization's team is asked for a review too.
    team_request: bool,
    /// Someone is asked for a review and then taken off again.
    removed_request: bool,
    /// The author pushes commits after the first review: iterations.
    rework: bool,
    /// The author comments in the very second of the first review.
    same_second: bool,
    /// A bot reviews and comments too.
    bot_reviewer: bool,
    /// A reviewer's "LGTM", the author's paragraph and someone's lone emoji.
    every_length: bool,
    ending: Ending,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Draft {
    Never,
    /// Opened as a draft, then marked ready for review.
    Ready,
    /// Ready, converted back to a draft, ready again.
    ReadyTwice,
    /// Opened as a draft and never marked ready.
    Still,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ending {
    Open,
    Closed {
        by_reviewer: bool,
    },
    Merged {
        by_reviewer: bool,
    },
    /// Closed by a reviewer, reopened by the author, merged by the reviewer.
    ReopenedThenMerged,
    /// Closed by a reviewer, reopened by the author, still open.
    ReopenedThenOpen,
}

/// The scripted stories, by the pull request's place among its repository's (the
/// heavy pull request aside), and a drawn one after them.
fn story(b: &mut RepoBuilder, people: &People, place: usize) -> Story {
    match place {
        // A reviewed, reworked pull request that a reviewer closes by mistake, the
        // author reopens and the reviewer merges.
        0 => Story {
            author: people.person(&mut b.rng),
            early_commit: true,
            draft: Draft::Never,
            team_request: true,
            removed_request: true,
            rework: true,
            same_second: true,
            bot_reviewer: false,
            every_length: true,
            ending: Ending::ReopenedThenMerged,
        },
        // A draft made ready twice, reviewed by a bot too, closed by a reviewer and
        // reopened by its author, still open.
        1 => Story {
            author: people.person(&mut b.rng),
            early_commit: false,
            draft: Draft::ReadyTwice,
            team_request: false,
            removed_request: false,
            rework: false,
            same_second: false,
            bot_reviewer: true,
            every_length: false,
            ending: Ending::ReopenedThenOpen,
        },
        // A bot's dependency bump, with its bot commits, closed unmerged by a reviewer.
        2 => Story {
            author: Some(bot_actor(0)),
            early_commit: false,
            draft: Draft::Never,
            team_request: false,
            removed_request: false,
            rework: false,
            same_second: false,
            bot_reviewer: false,
            every_length: false,
            ending: Ending::Closed { by_reviewer: true },
        },
        _ => drawn_story(b, people),
    }
}

fn drawn_story(b: &mut RepoBuilder, people: &People) -> Story {
    let r = &mut b.rng;
    let ending = match r.gen_range(0..20) {
        0..=3 => Ending::Open,
        4..=6 => Ending::Closed {
            by_reviewer: r.gen_bool(0.6),
        },
        7..=17 => Ending::Merged {
            by_reviewer: r.gen_bool(0.6),
        },
        18 => Ending::ReopenedThenMerged,
        _ => Ending::ReopenedThenOpen,
    };
    let may_stay_draft = matches!(ending, Ending::Open | Ending::Closed { .. });
    let draft = match r.gen_range(0..20) {
        0..=2 => Draft::Ready,
        3 => Draft::ReadyTwice,
        4..=7 if may_stay_draft => Draft::Still,
        _ => Draft::Never,
    };
    Story {
        author: people.actor(r),
        early_commit: r.gen_bool(0.25),
        draft,
        team_request: r.gen_bool(0.3),
        removed_request: r.gen_bool(0.15),
        rework: r.gen_bool(0.4),
        same_second: r.gen_bool(0.05),
        bot_reviewer: r.gen_bool(0.05),
        every_length: false,
        ending,
    }
}

/// Builds a pull request, the `place`-th of its repository, and its whole history.
pub(super) fn new_pull_request(
    b: &mut RepoBuilder,
    setting: &Setting,
    number: i64,
    place: usize,
    created_at: DateTime<Utc>,
) -> PullRequest {
    let people = setting.people;
    let story = story(b, people, place);
    let author = story.author.clone();
    let bot_author = author.as_ref().is_some_and(|a| a.is_bot);
    let title = if bot_author {
        let dependency = DEPENDENCIES[b.rng.gen_range(0..DEPENDENCIES.len())];
        format!(
            "Bump {dependency} from 1.{} to 1.{}",
            number % 9,
            number % 9 + 1
        )
    } else {
        headline(b)
    };
    let mut pr = PullRequest {
        node_id: b.node_id("PR"),
        number,
        title,
        body: if b.rng.gen_bool(0.2) {
            String::new()
        } else {
            format!(
                "Closes a part of the {} work.",
                THINGS[b.rng.gen_range(0..THINGS.len())]
            )
        },
        state: PullRequestState::Open,
        is_draft: story.draft != Draft::Never,
        created_at,
        updated_at: created_at,
        merged_at: None,
        closed_at: None,
        merged_by: None,
        author: author.clone(),
        base_ref: setting.base.to_string(),
        head_ref: format!("feature/{number}-work"),
        additions: b.rng.gen_range(1..900),
        deletions: b.rng.gen_range(0..400),
        changed_files: b.rng.gen_range(1..40),
        merge_commit_oid: None,
        labels: b.pick(&LABELS.iter().map(|l| l.to_string()).collect::<Vec<_>>(), 2),
        assignees: Vec::new(),
        requested_reviewers: Vec::new(),
        commits: Vec::new(),
        reviews: Vec::new(),
        comments: Vec::new(),
        review_threads: Vec::new(),
        reactions: Vec::new(),
        events: Vec::new(),
    };
    let humans: Vec<String> = people.humans.iter().map(|(l, _)| l.clone()).collect();
    pr.assignees = b.pick(&humans, 2);

    // Commits: the author's own identity mostly (a bot's always), anyone's sometimes.
    let identity = |b: &mut RepoBuilder| {
        if bot_author || b.rng.gen_bool(0.7) {
            people.git_actor_of(&mut b.rng, author.as_ref())
        } else {
            people.git_actor(&mut b.rng)
        }
    };
    let mut t = created_at;
    let commit_count = b.rng.gen_range(1..=5);
    for k in 0..commit_count {
        let at = if k == 0 && story.early_commit {
            created_at - Duration::seconds(b.rng.gen_range(3600..48 * 3600))
        } else {
            t = b.after(t, 3);
            t
        };
        let who = identity(b);
        pr.commits.push(pr_commit(b, who, at));
    }

    // Drafts: marked ready (and, once, back to a draft and ready again).
    if matches!(story.draft, Draft::Ready | Draft::ReadyTwice) {
        t = b.after(t, 6);
        expect(pr.mark_ready_for_review(b, author.clone(), t));
    }
    if story.draft == Draft::ReadyTwice {
        t = b.after(t, 6);
        expect(pr.convert_to_draft(b, author.clone(), t));
        t = b.after(t, 3);
        let who = identity(b);
        pr.commits.push(pr_commit(b, who, t));
        t = b.after(t, 6);
        expect(pr.mark_ready_for_review(b, author.clone(), t));
    }

    // Review requests, asked by the author.
    let scripted = place < 3;
    let asked_n = if scripted {
        b.rng.gen_range(1..=2)
    } else {
        b.rng.gen_range(0..=2)
    };
    let mut asked: Vec<Actor> = Vec::new();
    for _ in 0..asked_n {
        let r = people.other_than(&mut b.rng, author.as_ref());
        if !asked.contains(&r) {
            asked.push(r);
        }
    }
    for r in &asked {
        t = b.after(t, 1);
        pr.request_review(b, author.clone(), Reviewer::User(r.login.clone()), t);
    }
    if let Some(team) = setting.team.filter(|_| story.team_request) {
        t = b.after(t, 1);
        pr.request_review(b, author.clone(), Reviewer::Team(team.to_string()), t);
    }
    if story.removed_request {
        let mut not: Vec<Option<&Actor>> = asked.iter().map(Some).collect();
        not.push(author.as_ref());
        let dropped = people.none_of(&mut b.rng, &not);
        t = b.after(t, 1);
        let who = Reviewer::User(dropped.login.clone());
        pr.request_review(b, author.clone(), who.clone(), t);
        t = b.after(t, 4);
        expect(pr.remove_review_request(b, author.clone(), who, t));
    }

    // Reviews by people other than the author, the asked ones first; the first one
    // may meet the author's comment in its second and be followed by more commits.
    let reviews_n = if scripted {
        b.around(setting.size.reviews_per_pr).max(1)
    } else {
        b.around(setting.size.reviews_per_pr)
    };
    let mut first_reviewer = None;
    for k in 0..reviews_n {
        let reviewer = match asked.get(k) {
            Some(r) => r.clone(),
            None => people.other_than(&mut b.rng, author.as_ref()),
        };
        t = b.after(t, 6);
        let state = (k == 0 && story.every_length).then_some(ReviewState::ChangesRequested);
        let rv = review(b, Some(reviewer.clone()), t, state);
        if rv.state != ReviewState::Pending {
            pr.answer_review_request(&reviewer.login);
        }
        pr.reviews.push(rv);
        if k > 0 {
            continue;
        }
        first_reviewer = Some(reviewer);
        if story.same_second {
            let c = comment(b, author.clone(), CommentKind::Conversation, "On it.", t);
            pr.comments.push(c);
        }
        if story.rework {
            for _ in 0..b.rng.gen_range(1..=2) {
                t = b.after(t, 3);
                let who = identity(b);
                pr.commits.push(pr_commit(b, who, t));
            }
        }
    }
    if story.bot_reviewer {
        let bot = bot_actor(BOTS.len() - 1);
        t = b.after(t, 2);
        let mut rv = review(b, Some(bot.clone()), t, Some(ReviewState::Commented));
        rv.body = "Checks passed: 214 tests, coverage 81%.".into();
        pr.reviews.push(rv);
        t = b.after(t, 1);
        let c = comment(
            b,
            Some(bot),
            CommentKind::Conversation,
            "Deployed a preview.",
            t,
        );
        pr.comments.push(c);
    }

    // Conversation comments, review threads, reactions.
    for _ in 0..b.around(setting.size.comments_per_pr) {
        t = b.after(t, 6);
        pr.comments
            .push(drawn_comment(b, people, CommentKind::Conversation, t));
    }
    let closer = first_reviewer
        .clone()
        .unwrap_or_else(|| people.other_than(&mut b.rng, author.as_ref()));
    if story.every_length {
        let long = LONG[b.rng.gen_range(0..LONG.len())];
        let emoji = EMOJI_ONLY[b.rng.gen_range(0..EMOJI_ONLY.len())];
        let someone = people.person(&mut b.rng);
        for (who, body) in [
            (author.clone(), long),
            (someone, emoji),
            (Some(closer.clone()), SHORT[0]),
        ] {
            t = b.after(t, 4);
            pr.comments
                .push(comment(b, who, CommentKind::Conversation, body, t));
        }
    }
    for _ in 0..b.rng.gen_range(0..=2) {
        let n = b.rng.gen_range(1..=3);
        let th = thread(b, people, t, n);
        if let Some(last) = th.comments.last() {
            t = t.max(last.created_at);
        }
        pr.review_threads.push(th);
    }
    for _ in 0..b.rng.gen_range(0..=3) {
        t = b.after(t, 2);
        pr.reactions.push(reaction(b, people, t));
    }
    pr.updated_at = pr.updated_at.max(t);

    // The end: closes and merges by a reviewer, or by the author.
    let ended = b.after(t, 24);
    let by = |by_reviewer: bool| {
        if by_reviewer {
            Some(closer.clone())
        } else {
            author.clone()
        }
    };
    match story.ending {
        Ending::Open => {}
        Ending::Closed { by_reviewer } => {
            expect(pr.close(b, by(by_reviewer), ended));
        }
        Ending::Merged { by_reviewer } => {
            expect(pr.merge(b, by(by_reviewer), ended).map(|_| String::new()));
        }
        Ending::ReopenedThenMerged | Ending::ReopenedThenOpen => {
            expect(pr.close(b, by(true), ended));
            let reopened = b.after(ended, 24);
            expect(pr.reopen(b, author.clone(), reopened));
            if story.ending == Ending::ReopenedThenMerged {
                let merged = b.after(reopened, 24);
                expect(pr.merge(b, by(true), merged).map(|_| String::new()));
            }
        }
    }
    pr
}

/// The stories only take steps GitHub allows; a refusal here is a bug in them.
fn expect(step: Result<String, String>) {
    if let Err(e) = step {
        unreachable!("a generated pull request took a step GitHub refuses: {e}");
    }
}

pub(crate) fn pr_commit(
    b: &mut RepoBuilder,
    author: GitActor,
    at: DateTime<Utc>,
) -> PullRequestCommit {
    let headline = headline(b);
    PullRequestCommit {
        oid: b.oid(),
        message_headline: headline,
        authored_at: at,
        committed_at: at,
        author,
    }
}

/// A review by `author`, of `state` or a drawn one.
pub(super) fn review(
    b: &mut RepoBuilder,
    author: Option<Actor>,
    at: DateTime<Utc>,
    state: Option<ReviewState>,
) -> Review {
    let state = state.unwrap_or_else(|| match b.rng.gen_range(0..20) {
        0..=8 => ReviewState::Approved,
        9..=12 => ReviewState::ChangesRequested,
        13..=17 => ReviewState::Commented,
        18 => ReviewState::Dismissed,
        _ => ReviewState::Pending,
    });
    let body = match state {
        ReviewState::Approved if b.rng.gen_bool(0.6) => String::new(),
        ReviewState::Approved if b.rng.gen_bool(0.3) => SHORT[0].to_string(),
        ReviewState::ChangesRequested if b.rng.gen_bool(0.3) => {
            LONG[b.rng.gen_range(0..LONG.len())].to_string()
        }
        _ => REMARKS[b.rng.gen_range(0..REMARKS.len())].to_string(),
    };
    Review {
        node_id: b.node_id("PRR"),
        state,
        author,
        submitted_at: (state != ReviewState::Pending).then_some(at),
        body,
    }
}

pub(super) fn reaction(b: &mut RepoBuilder, people: &People, at: DateTime<Utc>) -> Reaction {
    Reaction {
        node_id: b.node_id("REA"),
        content: REACTIONS[b.rng.gen_range(0..REACTIONS.len())],
        user: Some(people.human(&mut b.rng).0.clone()),
        created_at: at,
    }
}

pub(super) fn thread(
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
            drawn_comment(b, people, CommentKind::ReviewThread, t)
        })
        .collect();
    ReviewThread { node_id, comments }
}
