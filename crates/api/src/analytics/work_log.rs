//! The Work log: what each contributor did each local day. The only query that reads
//! tickets.

use std::{
    cmp::Reverse,
    collections::{BTreeMap, BTreeSet},
};

use async_graphql::Enum;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbErr, QueryResult};

use super::{
    contributors::{CommitAuthors, ContributorKey, GHOST, Selection},
    days::{date_of_day_number, start_of_day},
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

/// One kind of activity: who (an account login, or a commit's login and e-mail),
/// when, and the item's columns (at, kind, number, title, oid, detail).
struct Source {
    login: &'static str,
    email: &'static str,
    item: String,
    /// `FROM … WHERE ` up to the scope's conditions (the row's table is `x`).
    from: &'static str,
    time_column: &'static str,
    /// The account column's bot flag (`None`: commits, whose authors have none, or
    /// ticket events, whose actors have none stored).
    bot_flag: Option<&'static str>,
    extra: &'static str,
}

impl Source {
    fn is_commit(&self) -> bool {
        self.from.contains("FROM commits")
    }
}

fn item(at: &str, kind: &str, number: &str, title: &str, oid: &str, detail: &str) -> String {
    format!(
        "x.repository_id AS repository_id, {at} AS at, {kind} AS kind, {number} AS number, \
         {title} AS title, {oid} AS oid, {detail} AS detail"
    )
}

const NONE: &str = "CAST(NULL AS TEXT)";

fn sources() -> Vec<Source> {
    let pull_request = |at: &'static str, kind: &str, extra: &'static str| Source {
        login: "x.author_login",
        email: NONE,
        item: item(&format!("x.{at}"), kind, "x.number", "x.title", NONE, NONE),
        from: " FROM pull_requests x WHERE ",
        time_column: at,
        bot_flag: Some("x.author_is_bot"),
        extra,
    };
    vec![
        Source {
            login: "x.author_login",
            email: "x.author_email",
            item: item(
                "x.authored_at",
                "CASE WHEN x.parent_count > 1 THEN 'MERGE_COMMIT' ELSE 'COMMIT' END",
                "CAST(NULL AS BIGINT)",
                "x.message_headline",
                "x.oid",
                NONE,
            ),
            from: " FROM commits x WHERE ",
            time_column: "authored_at",
            bot_flag: None,
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
            login: "x.author_login",
            email: NONE,
            item: item(
                "x.created_at",
                "'PULL_REQUEST_COMMENTED'",
                "p.number",
                "p.title",
                NONE,
                NONE,
            ),
            from: " FROM comments x JOIN pull_requests p ON p.integration_id = x.integration_id AND p.node_id = x.parent_node_id WHERE ",
            time_column: "created_at",
            bot_flag: Some("x.author_is_bot"),
            extra: " AND x.parent_kind = 'PULL_REQUEST'",
        },
        Source {
            login: "x.author_login",
            email: NONE,
            item: item(
                "x.submitted_at",
                "'PULL_REQUEST_REVIEWED'",
                "p.number",
                "p.title",
                NONE,
                "x.state",
            ),
            from: " FROM reviews x JOIN pull_requests p ON p.integration_id = x.integration_id AND p.node_id = x.pull_request_node_id WHERE ",
            time_column: "submitted_at",
            bot_flag: Some("x.author_is_bot"),
            extra: " AND x.state <> 'PENDING'",
        },
        Source {
            login: "x.author_login",
            email: NONE,
            item: item(
                "x.created_at",
                "'TICKET_OPENED'",
                "x.number",
                "x.title",
                NONE,
                NONE,
            ),
            from: " FROM tickets x WHERE ",
            time_column: "created_at",
            bot_flag: Some("x.author_is_bot"),
            extra: "",
        },
        Source {
            login: "x.author_login",
            email: NONE,
            item: item(
                "x.created_at",
                "'TICKET_COMMENTED'",
                "t.number",
                "t.title",
                NONE,
                NONE,
            ),
            from: " FROM comments x JOIN tickets t ON t.integration_id = x.integration_id AND t.node_id = x.parent_node_id WHERE ",
            time_column: "created_at",
            bot_flag: Some("x.author_is_bot"),
            extra: " AND x.parent_kind = 'TICKET'",
        },
        // The timeline's comment events are the comments above, read with their author.
        Source {
            login: "x.actor_login",
            email: NONE,
            item: item(
                "x.created_at",
                "'TICKET_' || x.kind",
                "t.number",
                "t.title",
                NONE,
                "x.subject",
            ),
            from: " FROM ticket_events x JOIN tickets t ON t.integration_id = x.integration_id AND t.node_id = x.ticket_node_id WHERE ",
            time_column: "created_at",
            bot_flag: None,
            extra: " AND x.kind <> 'COMMENTED'",
        },
    ]
}

/// One statement per source: `SELECT {columns}{from}{scope's conditions}{extra}{tail}`.
async fn each_source(
    db: &impl ConnectionTrait,
    scope: &Scope,
    columns: impl Fn(&Source) -> String,
    tail: &str,
) -> Result<Vec<(Source, Vec<QueryResult>)>, DbErr> {
    let backend = db.get_database_backend();
    let sources = sources();
    let statements = sources.iter().map(|source| {
        let mut sql = Sql::new(backend);
        sql.push("SELECT ").push(&columns(source)).push(source.from);
        scope.restrict(&mut sql, "x", source.time_column);
        if source.is_commit() {
            scope.restrict_commit_author(&mut sql, "x");
        } else {
            scope.restrict_account(&mut sql, source.login, source.bot_flag);
        }
        sql.push(source.extra).push(tail);
        db.query_all_raw(sql.statement())
    });
    let results = futures_util::future::try_join_all(statements).await?;
    Ok(sources.into_iter().zip(results).collect())
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
    Ok(Some(Row {
        login: row.try_get("", "who_login")?,
        email: row.try_get("", "who_email")?,
        item: WorkItem {
            kind,
            at: row.try_get("", "at")?,
            repository_id: row.try_get("", "repository_id")?,
            number: row.try_get("", "number")?,
            title: row.try_get("", "title")?,
            oid: row.try_get("", "oid")?,
            detail: row.try_get("", "detail")?,
        },
    }))
}

fn contributor(
    authors: &CommitAuthors,
    login: Option<&str>,
    email: Option<&str>,
    commit: bool,
) -> ContributorKey {
    match (login, commit) {
        (_, true) => authors.key(login, email, None),
        (Some(login), false) => ContributorKey::Login(login.to_string()),
        (None, false) => ContributorKey::Login(GHOST.to_string()),
    }
}

/// A page of the Work log: `window` = (offset, limit) of the days, newest first,
/// then by contributor; with the number of days in all.
///
/// Two passes keep the work proportional to the page: the database lists the distinct
/// (author, local day) pairs of every source, the page's pairs are picked from them,
/// and only the items of those contributors on those days are read.
pub async fn page(
    db: &impl ConnectionTrait,
    scope: &Scope,
    offset: usize,
    limit: usize,
) -> Result<(usize, Vec<WorkDay>), DbErr> {
    let backend = db.get_database_backend();
    let day = scope.local_day_sql(backend, "x.{time}");
    let pairs = each_source(
        db,
        scope,
        |source| {
            format!(
                "DISTINCT {} AS who_login, {} AS who_email, {} AS local_day",
                source.login,
                source.email,
                day.replace("x.{time}", &format!("x.{}", source.time_column))
            )
        },
        "",
    )
    .await?;
    let mut found = Vec::new();
    for (source, rows) in &pairs {
        for row in rows {
            found.push((
                row.try_get::<Option<String>>("", "who_login")?,
                row.try_get::<Option<String>>("", "who_email")?,
                row.try_get::<i64>("", "local_day")?,
                source.is_commit(),
            ));
        }
    }
    let authors = CommitAuthors::load(
        db,
        &scope.integration_id,
        found
            .iter()
            .filter(|f| f.3)
            .map(|f| (f.0.as_deref(), f.1.as_deref())),
    )
    .await?;
    let mut keys: BTreeSet<(Reverse<NaiveDate>, ContributorKey)> = BTreeSet::new();
    // Which commit identities (login, e-mail) make up each contributor, for the second pass.
    let mut identities: Vec<(ContributorKey, Option<String>, Option<String>)> = Vec::new();
    for (login, email, day, commit) in found {
        let key = contributor(&authors, login.as_deref(), email.as_deref(), commit);
        if commit {
            identities.push((key.clone(), login, email));
        }
        keys.insert((Reverse(date_of_day_number(day)), key));
    }
    let total = keys.len();
    let wanted: BTreeSet<(Reverse<NaiveDate>, ContributorKey)> =
        keys.into_iter().skip(offset).take(limit).collect();
    let (Some(newest), Some(oldest)) = (wanted.first(), wanted.last()) else {
        return Ok((total, Vec::new()));
    };

    let mut narrow = scope.clone();
    narrow.start = start_of_day(&scope.zone, oldest.0.0).max(scope.start);
    narrow.end = newest
        .0
        .0
        .succ_opt()
        .map(|next| start_of_day(&scope.zone, next))
        .unwrap_or(scope.end)
        .min(scope.end);
    let people: BTreeSet<&ContributorKey> = wanted.iter().map(|(_, key)| key).collect();
    // A deleted account has no login to select by: then the days are narrowed only.
    if !people.contains(&ContributorKey::Login(GHOST.to_string())) {
        let mut selection = Selection::default();
        for person in &people {
            match person {
                ContributorKey::Login(login) => selection.logins.push(login.clone()),
                ContributorKey::Email(email) => selection.emails.push(email.clone()),
            }
        }
        for (key, _, email) in &identities {
            if let (true, Some(email)) = (people.contains(key), email) {
                selection.emails.push(email.clone());
            }
        }
        selection.emails.sort();
        selection.emails.dedup();
        narrow.contributors = Some(selection);
    }
    let items = each_source(
        db,
        &narrow,
        |source| {
            format!(
                "{} AS who_login, {} AS who_email, {}",
                source.login, source.email, source.item
            )
        },
        "",
    )
    .await?;
    let mut by_day: BTreeMap<(Reverse<NaiveDate>, ContributorKey), Vec<WorkItem>> =
        wanted.into_iter().map(|key| (key, Vec::new())).collect();
    for (source, rows) in &items {
        for row in rows {
            let Some(row) = read(row)? else { continue };
            let key = contributor(
                &authors,
                row.login.as_deref(),
                row.email.as_deref(),
                source.is_commit(),
            );
            let date = row.item.at.with_timezone(&scope.zone).date_naive();
            if let Some(list) = by_day.get_mut(&(Reverse(date), key)) {
                list.push(row.item);
            }
        }
    }
    let days = by_day
        .into_iter()
        .map(|((date, contributor), mut items)| {
            items.sort_by(|a, b| a.at.cmp(&b.at).then(a.kind.cmp(&b.kind)));
            WorkDay {
                date: date.0,
                contributor,
                items,
            }
        })
        .collect();
    Ok((total, days))
}
