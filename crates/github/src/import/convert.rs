//! Turning graphql_client's per-operation types into the import's types. Every
//! operation gets its own generated structs, so these conversions are macros that read
//! fields by name and work on each of them alike.

use chrono::{DateTime, Utc};

use super::types::{Actor, ReviewState};
use crate::error::GithubError;

pub(super) fn time(value: &str) -> Result<DateTime<Utc>, GithubError> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| GithubError::Decode {
            what: format!("the date {value:?}"),
            reason: e.to_string(),
        })
}

pub(super) fn optional_time(value: Option<&String>) -> Result<Option<DateTime<Utc>>, GithubError> {
    value.map(|v| time(v)).transpose()
}

/// `kind` is the generated `__typename` enum of an `Actor`; its variants are unit
/// variants named after GitHub's types, so their `Debug` form is the type's name.
pub(super) fn to_actor(login: String, kind: &impl std::fmt::Debug) -> Actor {
    Actor {
        is_bot: format!("{kind:?}") == "Bot",
        login,
    }
}

/// `rateLimit { cost remaining resetAt limit }` → [`RateLimitReading`](super::types::RateLimitReading).
macro_rules! reading {
    ($rate_limit:expr) => {
        match $rate_limit {
            Some(r) => Some($crate::import::types::RateLimitReading {
                cost: r.cost,
                remaining: r.remaining,
                limit: r.limit,
                reset_at: $crate::import::convert::time(&r.reset_at)?,
            }),
            None => None,
        }
    };
}

/// The cursor to ask for next, if GitHub says there is more.
macro_rules! next_cursor {
    ($page_info:expr) => {{
        let info = $page_info;
        if info.has_next_page {
            info.end_cursor
        } else {
            None
        }
    }};
}

/// Every node of a connection, converted by `$body` (which may use `?`).
macro_rules! convert_nodes {
    ($connection:expr, |$node:ident| $body:expr) => {
        $connection
            .nodes
            .into_iter()
            .flatten()
            .flatten()
            .map(|$node| -> Result<_, $crate::error::GithubError> { Ok($body) })
            .collect::<Result<Vec<_>, $crate::error::GithubError>>()?
    };
}

macro_rules! actor {
    ($author:expr) => {
        $author.map(|a| $crate::import::convert::to_actor(a.login, &a.on))
    };
}

macro_rules! git_actor {
    ($actor:expr) => {
        $actor
            .map(|a| $crate::import::types::GitActor {
                name: a.name,
                email: a.email,
                login: a.user.map(|u| u.login),
            })
            .unwrap_or_default()
    };
}

macro_rules! comment {
    ($c:expr, $kind:expr) => {{
        let c = $c;
        $crate::import::types::Comment {
            node_id: c.id,
            kind: $kind,
            author: actor!(c.author),
            body: c.body,
            created_at: $crate::import::convert::time(&c.created_at)?,
            updated_at: Some($crate::import::convert::time(&c.updated_at)?),
        }
    }};
}

macro_rules! review {
    ($r:expr) => {{
        let r = $r;
        $crate::import::types::Review {
            node_id: r.id,
            state: $crate::import::convert::review_state(&format!("{:?}", r.state))?,
            author: actor!(r.author),
            submitted_at: $crate::import::convert::optional_time(r.submitted_at.as_ref())?,
            body: r.body,
        }
    }};
}

macro_rules! reaction {
    ($r:expr) => {{
        let r = $r;
        $crate::import::types::Reaction {
            node_id: r.id,
            content: format!("{:?}", r.content),
            user: r.user.map(|u| u.login),
            created_at: $crate::import::convert::time(&r.created_at)?,
        }
    }};
}

macro_rules! pull_request_commit {
    ($node:expr) => {{
        let c = $node.commit;
        $crate::import::types::PullRequestCommit {
            oid: c.oid,
            message_headline: c.message_headline,
            authored_at: $crate::import::convert::time(&c.authored_date)?,
            committed_at: $crate::import::convert::time(&c.committed_date)?,
            author: git_actor!(c.author),
        }
    }};
}

/// One review thread's comments (the first page; the caller follows the rest).
macro_rules! thread_comments {
    ($thread:expr) => {
        convert_nodes!($thread.comments, |c| comment!(
            c,
            $crate::import::types::CommentKind::ReviewThread
        ))
    };
}

/// A timeline item of the module `$m` (`TimelineItem` is the same fragment in each).
macro_rules! ticket_event {
    ($m:ident, $item:expr) => {{
        use $crate::import::types::TicketEventKind as Kind;
        use $m::TimelineItem as Item;
        let event = |node_id: String, kind, actor, created_at: &str, subject| {
            Ok::<_, $crate::error::GithubError>($crate::import::types::TicketEvent {
                node_id,
                kind,
                actor,
                created_at: $crate::import::convert::time(created_at)?,
                subject,
            })
        };
        match $item {
            Item::ClosedEvent(e) => {
                event(e.id, Kind::Closed, actor!(e.actor), &e.created_at, None)?
            }
            Item::ReopenedEvent(e) => {
                event(e.id, Kind::Reopened, actor!(e.actor), &e.created_at, None)?
            }
            Item::AssignedEvent(e) => event(
                e.id,
                Kind::Assigned,
                actor!(e.actor),
                &e.created_at,
                e.assignee.and_then(|a| match a {
                    $m::TimelineItemOnAssignedEventAssignee::User(u) => Some(u.login),
                    $m::TimelineItemOnAssignedEventAssignee::Bot(b) => Some(b.login),
                    _ => None,
                }),
            )?,
            Item::UnassignedEvent(e) => event(
                e.id,
                Kind::Unassigned,
                actor!(e.actor),
                &e.created_at,
                e.assignee.and_then(|a| match a {
                    $m::TimelineItemOnUnassignedEventAssignee::User(u) => Some(u.login),
                    $m::TimelineItemOnUnassignedEventAssignee::Bot(b) => Some(b.login),
                    _ => None,
                }),
            )?,
            Item::LabeledEvent(e) => event(
                e.id,
                Kind::Labeled,
                actor!(e.actor),
                &e.created_at,
                Some(e.label.name),
            )?,
            Item::UnlabeledEvent(e) => event(
                e.id,
                Kind::Unlabeled,
                actor!(e.actor),
                &e.created_at,
                Some(e.label.name),
            )?,
            Item::IssueComment(e) => {
                event(e.id, Kind::Commented, actor!(e.author), &e.created_at, None)?
            }
        }
    }};
}

/// A pull request timeline item of the module `$m` (`PullRequestTimelineItem` is the
/// same fragment in each).
macro_rules! pull_request_event {
    ($m:ident, $item:expr) => {{
        use $crate::import::types::PullRequestEventKind as Kind;
        use $m::PullRequestTimelineItem as Item;
        let event = |kind, actor, created_at: &str, subject| {
            Ok::<_, $crate::error::GithubError>($crate::import::types::PullRequestEvent {
                kind,
                actor,
                created_at: $crate::import::convert::time(created_at)?,
                subject,
            })
        };
        match $item {
            Item::ClosedEvent(e) => event(Kind::Closed, actor!(e.actor), &e.created_at, None)?,
            Item::ReopenedEvent(e) => {
                event(Kind::Reopened, actor!(e.actor), &e.created_at, None)?
            }
            Item::MergedEvent(e) => event(Kind::Merged, actor!(e.actor), &e.created_at, None)?,
            Item::ReadyForReviewEvent(e) => {
                event(Kind::ReadyForReview, actor!(e.actor), &e.created_at, None)?
            }
            Item::ConvertToDraftEvent(e) => {
                event(Kind::ConvertToDraft, actor!(e.actor), &e.created_at, None)?
            }
            Item::ReviewRequestedEvent(e) => event(
                Kind::ReviewRequested,
                actor!(e.actor),
                &e.created_at,
                e.requested_reviewer.and_then(|r| match r {
                    $m::PullRequestTimelineItemOnReviewRequestedEventRequestedReviewer::User(u) => Some(u.login),
                    $m::PullRequestTimelineItemOnReviewRequestedEventRequestedReviewer::Bot(b) => Some(b.login),
                    $m::PullRequestTimelineItemOnReviewRequestedEventRequestedReviewer::Team(t) => Some(t.combined_slug),
                    _ => None,
                }),
            )?,
            Item::ReviewRequestRemovedEvent(e) => event(
                Kind::ReviewRequestRemoved,
                actor!(e.actor),
                &e.created_at,
                e.requested_reviewer.and_then(|r| match r {
                    $m::PullRequestTimelineItemOnReviewRequestRemovedEventRequestedReviewer::User(u) => Some(u.login),
                    $m::PullRequestTimelineItemOnReviewRequestRemovedEventRequestedReviewer::Bot(b) => Some(b.login),
                    $m::PullRequestTimelineItemOnReviewRequestRemovedEventRequestedReviewer::Team(t) => Some(t.combined_slug),
                    _ => None,
                }),
            )?,
        }
    }};
}

pub(super) fn review_state(name: &str) -> Result<ReviewState, GithubError> {
    use ReviewState::*;
    Ok(match name {
        "APPROVED" => Approved,
        "CHANGES_REQUESTED" => ChangesRequested,
        "COMMENTED" => Commented,
        "DISMISSED" => Dismissed,
        "PENDING" => Pending,
        other => return Err(unknown("review state", other)),
    })
}

pub(super) fn unknown(what: &str, value: &str) -> GithubError {
    GithubError::Decode {
        what: format!("a {what}"),
        reason: format!("GitHub answered {value:?}, which this version does not know"),
    }
}

pub(super) use {
    actor, comment, convert_nodes, git_actor, next_cursor, pull_request_commit, pull_request_event,
    reaction, reading, review, thread_comments, ticket_event,
};
