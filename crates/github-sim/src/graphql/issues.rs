//! `Issue`, its timeline, and `Repository.issues` (with `filterBy.since`).

use std::sync::Arc;

use async_graphql::{Context, Enum, Error, ID, InputObject, Object, Union};

use super::accounts::{OrganizationNode, UserNode};
use super::actors::{Actor, Bot, Mannequin, UserConnection, actor, user, users};
use super::comments::{IssueComment, IssueCommentConnection, comment_node, comments};
use super::labels::{Label, LabelConnection, labels};
use super::ordering::{IssueOrder, IssueOrderField, ordered};
use super::paging::{connection, window};
use super::scalars::GhDateTime;
use super::timeline_events::{ClosedEvent, ReopenedEvent, timeline_event};
use crate::content::{self, RepoContent, TimelineItem};

connection!(IssueConnection, IssueNode);

connection!(IssueTimelineItemsConnection, IssueTimelineItems);

/// Ways in which to filter lists of issues.
#[derive(InputObject)]
pub struct IssueFilters {
    pub(super) since: Option<GhDateTime>,
}

/// The repository's issues, as `Repository.issues` lists them (`since`: updated at
/// or after).
pub(crate) fn issues(
    ctx: &Context<'_>,
    repo: Arc<RepoContent>,
    after: Option<String>,
    filter_by: Option<IssueFilters>,
    first: Option<i32>,
    order_by: Option<IssueOrder>,
) -> Result<IssueConnection, Error> {
    let since = filter_by.and_then(|f| f.since).map(|s| s.0);
    let mut order = ordered(&repo.issues, order_by, |t, field| {
        let time = if field == IssueOrderField::UpdatedAt {
            t.updated_at
        } else {
            t.created_at
        };
        (time, t.comments.len(), t.number)
    });
    if let Some(since) = since {
        order.retain(|&i| repo.issues[i].updated_at >= since);
    }
    let window = window(ctx, "issues", order.len(), first, after)?;
    Ok(IssueConnection::new(window, |i| IssueNode {
        repo: repo.clone(),
        index: order[i],
    }))
}

/// The possible states of an issue.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum IssueState {
    Closed,
    Open,
}

/// The possible state reasons of an issue.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum IssueStateReason {
    Completed,
    Duplicate,
    NotPlanned,
    Reopened,
}

/// The possible item types found in a timeline.
#[derive(Enum, Copy, Clone, PartialEq, Eq)]
pub enum IssueTimelineItemsItemType {
    AssignedEvent,
    ClosedEvent,
    IssueComment,
    LabeledEvent,
    ReopenedEvent,
    UnassignedEvent,
    UnlabeledEvent,
}

/// An Issue is a place to discuss ideas, enhancements, tasks, and bugs for a project.
#[derive(Clone)]
pub struct IssueNode {
    pub(super) repo: Arc<RepoContent>,
    pub(super) index: usize,
}

impl IssueNode {
    fn issue(&self) -> &content::Ticket {
        &self.repo.issues[self.index]
    }
}

/// An Issue is a place to discuss ideas, enhancements, tasks, and bugs for a project.
#[Object(name = "Issue")]
impl IssueNode {
    /// A list of Users assigned to this object.
    async fn assignees(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> Result<UserConnection, Error> {
        users(ctx, "assignees", &self.issue().assignees, after, first)
    }

    async fn author(&self, ctx: &Context<'_>) -> Option<Actor> {
        actor(ctx, &self.issue().author)
    }

    async fn closed_at(&self) -> Option<GhDateTime> {
        self.issue().closed_at.map(GhDateTime)
    }

    /// A list of comments associated with the Issue.
    async fn comments(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> Result<IssueCommentConnection, Error> {
        comments(ctx, &self.issue().comments, after, first)
    }

    async fn created_at(&self) -> GhDateTime {
        GhDateTime(self.issue().created_at)
    }

    pub(super) async fn id(&self) -> ID {
        ID(self.issue().node_id.clone())
    }

    /// A list of labels associated with the object.
    async fn labels(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
    ) -> Result<Option<LabelConnection>, Error> {
        labels(ctx, &self.issue().labels, after, first).map(Some)
    }

    async fn number(&self) -> i32 {
        self.issue().number as i32
    }

    async fn state(&self) -> IssueState {
        match self.issue().state {
            content::TicketState::Open => IssueState::Open,
            content::TicketState::Closed => IssueState::Closed,
        }
    }

    async fn state_reason(&self) -> Option<IssueStateReason> {
        Some(match self.issue().state_reason? {
            "COMPLETED" => IssueStateReason::Completed,
            "DUPLICATE" => IssueStateReason::Duplicate,
            "REOPENED" => IssueStateReason::Reopened,
            _ => IssueStateReason::NotPlanned,
        })
    }

    /// A list of events, comments, commits, etc. associated with the issue.
    async fn timeline_items(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
        item_types: Option<Vec<IssueTimelineItemsItemType>>,
    ) -> Result<IssueTimelineItemsConnection, Error> {
        use IssueTimelineItemsItemType as T;
        use content::TicketEventKind as K;
        let wanted = |item: &TimelineItem<'_>| {
            let Some(types) = &item_types else {
                return true;
            };
            let ty = match item {
                TimelineItem::Comment(_) => T::IssueComment,
                TimelineItem::Event(e) => match e.kind {
                    K::Closed => T::ClosedEvent,
                    K::Reopened => T::ReopenedEvent,
                    K::Assigned => T::AssignedEvent,
                    K::Unassigned => T::UnassignedEvent,
                    K::Labeled => T::LabeledEvent,
                    K::Unlabeled => T::UnlabeledEvent,
                },
            };
            types.contains(&ty)
        };
        let items: Vec<TimelineItem<'_>> =
            self.issue().timeline().into_iter().filter(wanted).collect();
        let window = window(ctx, "timelineItems", items.len(), first, after)?;
        Ok(IssueTimelineItemsConnection::new(window, |i| {
            timeline_item(ctx, items[i])
        }))
    }

    async fn title(&self) -> String {
        self.issue().title.clone()
    }

    async fn updated_at(&self) -> GhDateTime {
        GhDateTime(self.issue().updated_at)
    }
}

/// Types that can be assigned to issues.
#[derive(Union)]
pub enum Assignee {
    Bot(Bot),
    Mannequin(Mannequin),
    Organization(OrganizationNode),
    User(UserNode),
}

/// An item in an issue timeline
#[derive(Union)]
pub enum IssueTimelineItems {
    AssignedEvent(AssignedEvent),
    ClosedEvent(ClosedEvent),
    IssueComment(IssueComment),
    LabeledEvent(LabeledEvent),
    ReopenedEvent(ReopenedEvent),
    UnassignedEvent(UnassignedEvent),
    UnlabeledEvent(UnlabeledEvent),
}

timeline_event!(AssignedEvent, assignee: Option<Assignee>);

timeline_event!(UnassignedEvent, assignee: Option<Assignee>);

timeline_event!(LabeledEvent, label: Label);

timeline_event!(UnlabeledEvent, label: Label);

fn timeline_item(ctx: &Context<'_>, item: TimelineItem<'_>) -> IssueTimelineItems {
    use content::TicketEventKind as K;
    let e = match item {
        TimelineItem::Comment(c) => {
            return IssueTimelineItems::IssueComment(IssueComment(comment_node(ctx, c)));
        }
        TimelineItem::Event(e) => e,
    };
    let actor = actor(ctx, &e.actor);
    let created_at = GhDateTime(e.created_at);
    let id = ID(e.node_id.clone());
    let subject = e.subject.clone().unwrap_or_default();
    let assignee = || user(ctx, &subject).map(Assignee::User);
    let label = || Label {
        name: subject.clone(),
    };
    match e.kind {
        K::Closed => IssueTimelineItems::ClosedEvent(ClosedEvent {
            actor,
            created_at,
            id,
        }),
        K::Reopened => IssueTimelineItems::ReopenedEvent(ReopenedEvent {
            actor,
            created_at,
            id,
        }),
        K::Assigned => IssueTimelineItems::AssignedEvent(AssignedEvent {
            actor,
            created_at,
            id,
            assignee: assignee(),
        }),
        K::Unassigned => IssueTimelineItems::UnassignedEvent(UnassignedEvent {
            actor,
            created_at,
            id,
            assignee: assignee(),
        }),
        K::Labeled => IssueTimelineItems::LabeledEvent(LabeledEvent {
            actor,
            created_at,
            id,
            label: label(),
        }),
        K::Unlabeled => IssueTimelineItems::UnlabeledEvent(UnlabeledEvent {
            actor,
            created_at,
            id,
            label: label(),
        }),
    }
}
