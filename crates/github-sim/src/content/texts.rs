//! What people write: commit and pull request titles, labels, reactions, and comment
//! bodies of every length a metric may weigh — a lone emoji, a word, a sentence, a
//! paragraph of several sentences.

use rand::Rng;

use super::builder::RepoBuilder;

pub(super) const LABELS: &[&str] = &[
    "bug",
    "enhancement",
    "documentation",
    "dependencies",
    "ci",
    "breaking-change",
    "good first issue",
];

pub(super) const REACTIONS: &[&str] = &[
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

pub(super) const THINGS: &[&str] = &[
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

/// What a bot's pull requests bump.
pub(super) const DEPENDENCIES: &[&str] = &["serde", "tokio", "lodash", "actions/checkout"];

/// A comment that is only an emoji.
pub(super) const EMOJI_ONLY: &[&str] = &["👍", "🎉", "🚀", "❤️", "👀"];

/// Comments of a word or two.
pub(super) const SHORT: &[&str] = &["LGTM", "+1", "Nice!", "Done.", "Thanks!"];

pub(super) const REMARKS: &[&str] = &[
    "Looks good to me.",
    "Could we add a test for the empty case?",
    "This breaks the nightly job, see the logs.",
    "Nit: the name could say what it holds.",
    "Rebased on main.",
    "Thanks, merging once CI is green.",
];

/// Several sentences, each over 200 characters.
pub(super) const LONG: &[&str] = &[
    "I went through this line by line. The retry loop now backs off the way the docs describe, but the first attempt still ignores the timeout we pass in. Could we thread it through, and add a test that fails on the old code? Otherwise this looks ready to me.",
    "Before we merge: the migration runs inside the request path, so a slow database stalls every caller until it finishes. Moving it to startup would keep requests fast. I also left two small notes on naming in the diff; neither of them blocks this change.",
    "I tried this locally against last week's export and the totals match now, thanks. One thing I am unsure about is the time zone: the report uses the server's zone while the dashboard uses the user's. Should we settle on one here, or in a follow-up?",
];

/// What a comment says: mostly a remark, sometimes only an emoji, a word or a paragraph.
pub(super) fn comment_body(b: &mut RepoBuilder) -> String {
    let from = match b.rng.gen_range(0..20) {
        0..=1 => EMOJI_ONLY,
        2..=4 => SHORT,
        5..=7 => LONG,
        _ => REMARKS,
    };
    from[b.rng.gen_range(0..from.len())].to_string()
}

pub(super) fn headline(b: &mut RepoBuilder) -> String {
    let verb = VERBS[b.rng.gen_range(0..VERBS.len())];
    let thing = THINGS[b.rng.gen_range(0..THINGS.len())];
    format!("{verb} {thing}")
}
