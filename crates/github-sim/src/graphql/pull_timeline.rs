//! `PullRequest.timelineItems`: the pull request's closes, reopens, merges, draft
//! changes and review requests, oldest first, filtered by `itemTypes` and `since`, paged
//! by `first`/`last`/`after`/`before`/`skip`, with GitHub's counts (`totalCount`,
//! `filteredCount`, `pageCount`). Comments, reviews and commits, which GitHub lists in
//! the timeline too, are served by their own connections only.

use async_graphql::{Context, Enum, Error, ID, SimpleObject, Union};
use chrono::{DateTime, Utc};

use super::actors::actor;
use super::paging::{Bounds, PageInfo, count, slice};
use super::reviewers::{RequestedReviewer, requested_reviewer};
use super::scalars::GhDateTime;
use super::timeline_events::{ClosedEvent, ReopenedEvent, timeline_event};
use crate::content::{self, PullRequestEventKind as Kind};
use crate::ids;

/// The possible item types found in a timeline.
#[allow(clippy::enum_variant_names)] // GitHub's names: the subset holds only events.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum PullRequestTimelineItemsItemType {
    ClosedEvent,
    ConvertToDraftEvent,
    MergedEvent,
    ReadyForReviewEvent,
    ReopenedEvent,
    ReviewRequestRemovedEvent,
    ReviewRequestedEvent,
}

/// An item in a pull request timeline
#[allow(clippy::enum_variant_names)] // GitHub's names: the subset holds only events.
#[derive(Union)]
pub enum PullRequestTimelineItems {
    ClosedEvent(ClosedEvent),
    ConvertToDraftEvent(ConvertToDraftEvent),
    MergedEvent(MergedEvent),
    ReadyForReviewEvent(ReadyForReviewEvent),
    ReopenedEvent(ReopenedEvent),
    ReviewRequestRemovedEvent(ReviewRequestRemovedEvent),
    ReviewRequestedEvent(ReviewRequestedEvent),
}

timeline_event!(MergedEvent);

timeline_event!(ReadyForReviewEvent);

timeline_event!(ConvertToDraftEvent);

timeline_event!(ReviewRequestedEvent, requested_reviewer: Option<RequestedReviewer>);

timeline_event!(ReviewRequestRemovedEvent, requested_reviewer: Option<RequestedReviewer>);

/// An edge in a connection.
#[derive(SimpleObject)]
pub struct PullRequestTimelineItemsEdge {
    cursor: String,
    node: Option<PullRequestTimelineItems>,
}

/// The connection type for PullRequestTimelineItems.
#[derive(SimpleObject)]
pub struct PullRequestTimelineItemsConnection {
    edges: Option<Vec<Option<PullRequestTimelineItemsEdge>>>,
    /// Identifies the count of items after applying `before` and `after` filters.
    filtered_count: i32,
    nodes: Option<Vec<Option<PullRequestTimelineItems>>>,
    /// Identifies the count of items after applying `before`/`after` filters and `first`/`last`/`skip` slicing.
    page_count: i32,
    page_info: PageInfo,
    /// Identifies the total count of items in the connection.
    total_count: i32,
    /// Identifies the date and time when the timeline was last updated.
    updated_at: GhDateTime,
}

fn item_type(kind: Kind) -> PullRequestTimelineItemsItemType {
    use PullRequestTimelineItemsItemType as T;
    match kind {
        Kind::Closed => T::ClosedEvent,
        Kind::Reopened => T::ReopenedEvent,
        Kind::Merged => T::MergedEvent,
        Kind::ReadyForReview => T::ReadyForReviewEvent,
        Kind::ConvertToDraft => T::ConvertToDraftEvent,
        Kind::ReviewRequested => T::ReviewRequestedEvent,
        Kind::ReviewRequestRemoved => T::ReviewRequestRemovedEvent,
    }
}

/// The timeline's page: `totalCount` counts the items of the asked types at or after
/// `since`; cursors are offsets among those.
pub(super) fn timeline_items(
    ctx: &Context<'_>,
    pr: &content::PullRequest,
    item_types: Option<Vec<PullRequestTimelineItemsItemType>>,
    since: Option<DateTime<Utc>>,
    bounds: Bounds,
) -> Result<PullRequestTimelineItemsConnection, Error> {
    let mut items: Vec<&content::PullRequestEvent> = pr
        .events
        .iter()
        .filter(|e| {
            item_types
                .as_ref()
                .is_none_or(|types| types.contains(&item_type(e.kind)))
        })
        .filter(|e| since.is_none_or(|since| e.created_at >= since))
        .collect();
    // Stable: events of one second keep the order they happened in (merged, closed).
    items.sort_by_key(|e| e.created_at);
    let page = slice(ctx, "timelineItems", items.len(), bounds)?;
    let range = page.window.range.clone();
    let asked = ctx.look_ahead();
    let edges = asked.field("edges").exists().then(|| {
        range
            .clone()
            .map(|i| {
                Some(PullRequestTimelineItemsEdge {
                    cursor: ids::encode_cursor(i as i64),
                    node: Some(item(ctx, items[i])),
                })
            })
            .collect()
    });
    Ok(PullRequestTimelineItemsConnection {
        edges,
        filtered_count: count(page.filtered),
        nodes: Some(range.clone().map(|i| Some(item(ctx, items[i]))).collect()),
        page_count: count(range.len()),
        page_info: page.window.page_info,
        total_count: page.window.total,
        updated_at: GhDateTime(pr.updated_at),
    })
}

fn item(ctx: &Context<'_>, e: &content::PullRequestEvent) -> PullRequestTimelineItems {
    use PullRequestTimelineItems as I;
    let actor = actor(ctx, &e.actor);
    let created_at = GhDateTime(e.created_at);
    let id = ID(e.node_id.clone());
    let reviewer = || e.subject.as_ref().and_then(|r| requested_reviewer(ctx, r));
    match e.kind {
        Kind::Closed => I::ClosedEvent(ClosedEvent {
            actor,
            created_at,
            id,
        }),
        Kind::Reopened => I::ReopenedEvent(ReopenedEvent {
            actor,
            created_at,
            id,
        }),
        Kind::Merged => I::MergedEvent(MergedEvent {
            actor,
            created_at,
            id,
        }),
        Kind::ReadyForReview => I::ReadyForReviewEvent(ReadyForReviewEvent {
            actor,
            created_at,
            id,
        }),
        Kind::ConvertToDraft => I::ConvertToDraftEvent(ConvertToDraftEvent {
            actor,
            created_at,
            id,
        }),
        Kind::ReviewRequested => I::ReviewRequestedEvent(ReviewRequestedEvent {
            actor,
            created_at,
            id,
            requested_reviewer: reviewer(),
        }),
        Kind::ReviewRequestRemoved => I::ReviewRequestRemovedEvent(ReviewRequestRemovedEvent {
            actor,
            created_at,
            id,
            requested_reviewer: reviewer(),
        }),
    }
}
