//! The Work log: what each contributor did each local day. The only query that reads
//! tickets.

use std::collections::BTreeMap;

use async_graphql::Enum;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbErr, QueryResult};

use super::{
    contributors::{CommitAuthors, ContributorKey, GHOST},
    scope::Scope,
    sql::Sql,
};

/// What a Work log item records.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WorkLogItemKind {
    /// A commit with one parent, at its authored date.
    Commit,
    /// A commit with two or more parents.
    MergeCommit,
    PullRequestOpened,
    /// Attributed to the pull request's author (the import does not read who merged).
    PullRequestMerged,
    /// Closed without being merged; attributed to the pull request's author.
    PullRequestClosed,
    /// A conversation or review-thread comment on a pull request.
    PullRequestCommented,
    /// A submitted review (its state in `detail`).
    PullRequestReviewed,
    TicketOpened,
    TicketClosed,
    TicketReopened,
    TicketCommented,
    /// `detail` is the assignee.
    TicketAssigned,
    TicketUnassigned,
    /// `detail` is the label.
    TicketLabeled,
    TicketUnlabeled,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WorkItem {
    pub kind: WorkLogItemKind,
    pub at: DateTime<Utc>,
    pub repository_id: String,
    /// The pull request's or ticket's number.
    pub number: Option<i64>,
    /// The pull request's or ticket's title, or the commit's headline.
    pub title: String,
    /// The commit's oid.
    pub oid: Option<String>,
    /// A review's state, a label, an assignee.
    pub detail: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WorkDay {
    pub date: NaiveDate,
    pub contributor: ContributorKey,
    /// In time order.
    pub items: Vec<WorkItem>,
}

/// Every statement selects the same columns: login, email, repository_id, at, kind,
/// number, title, oid, detail.
struct Source {
    /// `SELECT … FROM … WHERE ` up to the scope's conditions.
    select: String,
    alias: &'static str,
    time_column: &'static str,
    /// The account column and its bot flag, or `None` for commit authors.
    account: Option<(&'static str, Option<&'static str>)>,
    extra: &'static str,
}

fn sources() -> Vec<Source> {
    let columns = |login: &str,
                   email: &str,
                   at: &str,
                   kind: &str,
                   number: &str,
                   title: &str,
                   oid: &str,
                   detail: &str| {
        format!(
            "SELECT {login} AS login, {email} AS email, x.repository_id AS repository_id, {at} AS at, \
             {kind} AS kind, {number} AS number, {title} AS title, {oid} AS oid, {detail} AS detail"
        )
    };
    let none = "CAST(NULL AS TEXT)";
    let no_number = "CAST(NULL AS BIGINT)";
    let pull_request = |at: &'static str, kind: &str, extra: &'static str| Source {
        select: columns(
            "x.author_login",
            none,
            &format!("x.{at}"),
            kind,
            "x.number",
            "x.title",
            none,
            none,
        ) + " FROM pull_requests x WHERE ",
        alias: "x",
        time_column: at,
        account: Some(("x.author_login", Some("x.author_is_bot"))),
        extra,
    };
    vec![
        Source {
            select: columns(
                "x.author_login",
                "x.author_email",
                "x.authored_at",
                "CASE WHEN x.parent_count > 1 THEN 'MERGE_COMMIT' ELSE 'COMMIT' END",
                no_number,
                "x.message_headline",
                "x.oid",
                "x.author_name",
            ) + " FROM commits x WHERE ",
            alias: "x",
            time_column: "authored_at",
            account: None,
            extra: "",
        },
        pull_request("created_at", "'PULL_REQUEST_OPENED'", ""),
        pull_request("merged_at", "'PULL_REQUEST_MERGED'", ""),
        pull_request(
            "closed_at",
            "'PULL_REQUEST_CLOSED'",
            " AND x.merged_at IS NULL",
        ),
        Source {
            select: columns(
                "x.author_login",
                none,
                "x.created_at",
                "'PULL_REQUEST_COMMENTED'",
                "p.number",
                "p.title",
                none,
                none,
            ) + " FROM comments x JOIN pull_requests p ON p.integration_id = x.integration_id AND p.node_id = x.parent_node_id WHERE ",
            alias: "x",
            time_column: "created_at",
            account: Some(("x.author_login", Some("x.author_is_bot"))),
            extra: " AND x.parent_kind = 'PULL_REQUEST'",
        },
        Source {
            select: columns(
                "x.author_login",
                none,
                "x.submitted_at",
                "'PULL_REQUEST_REVIEWED'",
                "p.number",
                "p.title",
                none,
                "x.state",
            ) + " FROM reviews x JOIN pull_requests p ON p.integration_id = x.integration_id AND p.node_id = x.pull_request_node_id WHERE ",
            alias: "x",
            time_column: "submitted_at",
            account: Some(("x.author_login", Some("x.author_is_bot"))),
            extra: " AND x.state <> 'PENDING'",
        },
        Source {
            select: columns(
                "x.author_login",
                none,
                "x.created_at",
                "'TICKET_OPENED'",
                "x.number",
                "x.title",
                none,
                none,
            ) + " FROM tickets x WHERE ",
            alias: "x",
            time_column: "created_at",
            account: Some(("x.author_login", Some("x.author_is_bot"))),
            extra: "",
        },
        Source {
            select: columns(
                "x.author_login",
                none,
                "x.created_at",
                "'TICKET_COMMENTED'",
                "t.number",
                "t.title",
                none,
                none,
            ) + " FROM comments x JOIN tickets t ON t.integration_id = x.integration_id AND t.node_id = x.parent_node_id WHERE ",
            alias: "x",
            time_column: "created_at",
            account: Some(("x.author_login", Some("x.author_is_bot"))),
            extra: " AND x.parent_kind = 'TICKET'",
        },
        // The timeline's comment events are the comments above, read with their author.
        Source {
            select: columns(
                "x.actor_login",
                none,
                "x.created_at",
                "'TICKET_' || x.kind",
                "t.number",
                "t.title",
                none,
                "x.subject",
            ) + " FROM ticket_events x JOIN tickets t ON t.integration_id = x.integration_id AND t.node_id = x.ticket_node_id WHERE ",
            alias: "x",
            time_column: "created_at",
            account: Some(("x.actor_login", None)),
            extra: " AND x.kind <> 'COMMENTED'",
        },
    ]
}

struct Row {
    login: Option<String>,
    email: Option<String>,
    item: WorkItem,
}

fn kind_of(name: &str) -> Option<WorkLogItemKind> {
    use WorkLogItemKind::*;
    Some(match name {
        "COMMIT" => Commit,
        "MERGE_COMMIT" => MergeCommit,
        "PULL_REQUEST_OPENED" => PullRequestOpened,
        "PULL_REQUEST_MERGED" => PullRequestMerged,
        "PULL_REQUEST_CLOSED" => PullRequestClosed,
        "PULL_REQUEST_COMMENTED" => PullRequestCommented,
        "PULL_REQUEST_REVIEWED" => PullRequestReviewed,
        "TICKET_OPENED" => TicketOpened,
        "TICKET_CLOSED" => TicketClosed,
        "TICKET_REOPENED" => TicketReopened,
        "TICKET_COMMENTED" => TicketCommented,
        "TICKET_ASSIGNED" => TicketAssigned,
        "TICKET_UNASSIGNED" => TicketUnassigned,
        "TICKET_LABELED" => TicketLabeled,
        "TICKET_UNLABELED" => TicketUnlabeled,
        _ => return None,
    })
}

fn read(row: &QueryResult) -> Result<Option<Row>, DbErr> {
    let kind: String = row.try_get("", "kind")?;
    let Some(kind) = kind_of(&kind) else {
        return Ok(None);
    };
    let is_commit = matches!(kind, WorkLogItemKind::Commit | WorkLogItemKind::MergeCommit);
    let detail: Option<String> = row.try_get("", "detail")?;
    Ok(Some(Row {
        login: row.try_get("", "login")?,
        email: row.try_get("", "email")?,
        item: WorkItem {
            kind,
            at: row.try_get("", "at")?,
            repository_id: row.try_get("", "repository_id")?,
            number: row.try_get("", "number")?,
            title: row.try_get("", "title")?,
            oid: row.try_get("", "oid")?,
            // For commits the column carries the author's name, used only for identity.
            detail: if is_commit { None } else { detail },
        },
    }))
}

/// Every day of the range with something in it, newest first, then by contributor.
pub async fn days(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<WorkDay>, DbErr> {
    let backend = db.get_database_backend();
    let statements = sources().into_iter().map(|source| {
        let mut sql = Sql::new(backend);
        sql.push(&source.select);
        scope.restrict(&mut sql, source.alias, source.time_column);
        match source.account {
            Some((login, flag)) => scope.restrict_account(&mut sql, login, flag),
            None => scope.restrict_commit_author(&mut sql, source.alias),
        }
        sql.push(source.extra);
        db.query_all_raw(sql.statement())
    });
    let results = futures_util::future::try_join_all(statements).await?;
    let mut rows = Vec::new();
    for row in results.iter().flatten() {
        rows.extend(read(row)?);
    }
    let authors = CommitAuthors::load(
        db,
        &scope.integration_id,
        rows.iter()
            .map(|r| (r.login.as_deref(), r.email.as_deref())),
    )
    .await?;
    let mut by_day: BTreeMap<(std::cmp::Reverse<NaiveDate>, ContributorKey), Vec<WorkItem>> =
        BTreeMap::new();
    for row in rows {
        let key = match (&row.login, &row.email, row.item.kind) {
            (_, _, WorkLogItemKind::Commit | WorkLogItemKind::MergeCommit) => {
                authors.key(row.login.as_deref(), row.email.as_deref(), None)
            }
            (Some(login), _, _) => ContributorKey::Login(login.clone()),
            (None, _, _) => ContributorKey::Login(GHOST.to_string()),
        };
        let date = row.item.at.with_timezone(&scope.zone).date_naive();
        by_day
            .entry((std::cmp::Reverse(date), key))
            .or_default()
            .push(row.item);
    }
    Ok(by_day
        .into_iter()
        .map(|((date, contributor), mut items)| {
            items.sort_by(|a, b| a.at.cmp(&b.at).then(a.kind.cmp(&b.kind)));
            WorkDay {
                date: date.0,
                contributor,
                items,
            }
        })
        .collect())
}
