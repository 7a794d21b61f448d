//! The Work log: what each contributor did each local day. The only query that reads
//! tickets.

use std::{
    cmp::Reverse,
    collections::{BTreeMap, BTreeSet},
};

use chrono::{DateTime, NaiveDate, Utc};
use entity::keyset::{Side, SortColumn, SortKey};
use entity::sql::Sql;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult, Value};

use crate::{
    bots::GHOST,
    contributors::{ContributorKey, Selection, StoredContributor},
    count::Count,
    day_plan::Plan,
    days::{date_of_day_number, start_of_day},
    scope::Scope,
    work_log_days,
    work_log_sources::{push_source_pairs, sources},
};

/// What a Work log item records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WorkLogItemKind {
    /// A commit with one parent, at its authored date.
    Commit,
    /// A commit with two or more parents.
    MergeCommit,
    PullRequestOpened,
    /// Attributed to whoever merged it (its author where GitHub did not say).
    PullRequestMerged,
    /// Closed without being merged (each close of a reopened one), attributed to whoever
    /// closed it (its author where the close's actor is not known).
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

/// One statement per source: `SELECT` who and the item's columns `{from}{scope's
/// conditions}{extra}`; every source's items together.
async fn items_of_each_source(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<ItemRow>, DbErr> {
    let backend = db.get_database_backend();
    let statements = sources().into_iter().map(|source| {
        let mut sql = Sql::new(backend);
        sql.push("SELECT ")
            .push(&format!("{}, {}", source.who(), source.item));
        source.select_from(&mut sql, scope, &[scope.span()]);
        ItemRow::find_by_statement(sql.statement()).all(db)
    });
    let results = futures_util::future::try_join_all(statements).await?;
    Ok(results.into_iter().flatten().collect())
}

/// A row of a source's items: who, and the item's columns ([`item`]).
#[derive(FromQueryResult)]
struct ItemRow {
    #[sea_orm(nested)]
    who: StoredContributor,
    /// A [`WorkLogItemKind`]'s name in SQL (`PULL_REQUEST_OPENED`, `TICKET_` and the
    /// event's kind, …).
    kind: String,
    at: DateTime<Utc>,
    repository_id: String,
    number: Option<i64>,
    title: String,
    oid: Option<String>,
    detail: Option<String>,
}

/// A row of [`pairs`]: one (contributor, local day) pair of the page.
#[derive(FromQueryResult)]
struct DayPair {
    #[sea_orm(nested)]
    who: StoredContributor,
    /// Days since 1970-01-01, in the scope's time zone ([`crate::days`]).
    local_day: i64,
    /// How many pairs the scope has in all, whatever the page.
    total: i64,
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

impl ItemRow {
    /// Who and the item; `None` for a kind the Work log does not know.
    fn read(self) -> Option<(ContributorKey, WorkItem)> {
        let kind = kind_of(&self.kind)?;
        Some((
            self.who.into(),
            WorkItem {
                kind,
                at: self.at,
                repository_id: self.repository_id,
                number: self.number,
                title: self.title,
                oid: self.oid,
                detail: self.detail,
            },
        ))
    }
}

/// The (contributor, local day) pairs of the scope, newest day first, then by
/// contributor as [`ContributorKey`] orders them: one statement over every source
/// (their `UNION` removes the repeats), returning only the page's pairs and how many
/// there are in all.
/// Where a day stands in the Work log's order (newest day first, then logins before
/// e-mails, then byte order): a page starts strictly after the last day it saw, so it
/// stays right when activity is added before it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WorkLogKey {
    /// Days since 1970-01-01, in the scope's time zone.
    pub day: i64,
    pub is_login: bool,
    pub contributor: String,
}

impl WorkLogKey {
    pub fn of(day: &WorkDay) -> WorkLogKey {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date");
        WorkLogKey {
            day: (day.date - epoch).num_days(),
            is_login: matches!(day.contributor, ContributorKey::Login(_)),
            contributor: day.contributor.id().to_string(),
        }
    }

    /// The Work log's order, as a keyset.
    fn sort_key() -> SortKey {
        SortKey(vec![
            SortColumn::new("local_day").descending(true),
            SortColumn::new("contributor_is_login").descending(true),
            SortColumn::new("contributor").binary(),
        ])
    }

    fn values(&self) -> Vec<Option<Value>> {
        vec![
            Some(Value::from(self.day)),
            Some(Value::from(self.is_login)),
            Some(Value::from(self.contributor.clone())),
        ]
    }
}

/// Where [`pairs`] finds the (contributor, local day) pairs.
enum PairsFrom {
    /// Every item of the range, from its source table.
    Sources,
    /// The roll-ups' rows for the plan's runs of whole days, the sources for the rest
    /// ([`crate::work_log_days`]).
    RollUps(Plan),
}

fn push_pairs(sql: &mut Sql, scope: &Scope, from: &PairsFrom) {
    match from {
        PairsFrom::Sources => push_source_pairs(sql, scope, &[scope.span()]),
        PairsFrom::RollUps(plan) => work_log_days::push_pairs(sql, scope, plan),
    }
}

async fn pairs(
    db: &impl ConnectionTrait,
    scope: &Scope,
    from: &PairsFrom,
    after: Option<&WorkLogKey>,
    limit: usize,
) -> Result<(usize, Vec<(Reverse<NaiveDate>, ContributorKey)>), DbErr> {
    let backend = db.get_database_backend();
    let mut sql = Sql::new(backend);
    // The total counts every pair, before the page's keyset narrows them.
    sql.push(
        "SELECT contributor, contributor_is_login, local_day, total FROM \
         (SELECT pairs.*, COUNT(*) OVER () AS total FROM (",
    );
    push_pairs(&mut sql, scope, from);
    sql.push(") pairs) counted WHERE 1 = 1");
    let order = WorkLogKey::sort_key();
    if let Some(after) = after {
        sql.push(" AND ");
        order.push_condition(&mut sql, &after.values(), Side::After);
    }
    sql.push(&format!(
        " ORDER BY {} LIMIT ",
        order.order_by(backend, false)
    ))
    .bind(limit as i64);
    let rows = DayPair::find_by_statement(sql.statement()).all(db).await?;
    let total = match rows.first() {
        Some(row) => row.total,
        None if after.is_none() => 0,
        // Past the last page: the count alone.
        None => {
            let mut count = Sql::new(backend);
            count.push("SELECT COUNT(*) AS total FROM (");
            push_pairs(&mut count, scope, from);
            count.push(") pairs");
            Count::find_by_statement(count.statement())
                .one(db)
                .await?
                .map_or(0, |count| count.total)
        }
    };
    let page = rows
        .into_iter()
        .map(|row| (Reverse(date_of_day_number(row.local_day)), row.who.into()))
        .collect();
    Ok((total as usize, page))
}

/// A page of the Work log: at most `limit` days after `after`, newest first, then by
/// contributor; with the number of days in all. The pairs come from the roll-ups
/// where they serve (their stale days counted again first, through `writer`), else
/// from the sources; everything is read through `reader` (on SQLite, a pool of its
/// own, so that reads never wait behind the one writing connection).
pub async fn page(
    writer: &DatabaseConnection,
    reader: &DatabaseConnection,
    scope: &Scope,
    after: Option<&WorkLogKey>,
    limit: usize,
) -> Result<(usize, Vec<WorkDay>), DbErr> {
    let from = match work_log_days::plan(writer, reader, scope).await {
        Some(plan) => PairsFrom::RollUps(plan),
        None => PairsFrom::Sources,
    };
    page_from(reader, scope, &from, after, limit).await
}

/// [`page`] with every pair read from the sources: the reference tests hold the
/// roll-ups to (and what the Work log read before them).
pub async fn page_from_sources(
    db: &impl ConnectionTrait,
    scope: &Scope,
    after: Option<&WorkLogKey>,
    limit: usize,
) -> Result<(usize, Vec<WorkDay>), DbErr> {
    page_from(db, scope, &PairsFrom::Sources, after, limit).await
}

/// Two statements keep the work proportional to the page: the database picks the
/// page's (contributor, local day) pairs, then only the items of those contributors on
/// those days are read.
async fn page_from(
    db: &impl ConnectionTrait,
    scope: &Scope,
    from: &PairsFrom,
    after: Option<&WorkLogKey>,
    limit: usize,
) -> Result<(usize, Vec<WorkDay>), DbErr> {
    let (total, wanted) = pairs(db, scope, from, after, limit).await?;
    let wanted: BTreeSet<(Reverse<NaiveDate>, ContributorKey)> = wanted.into_iter().collect();
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
        narrow.contributors = Some(selection);
    }
    let items = items_of_each_source(db, &narrow).await?;
    let mut by_day: BTreeMap<(Reverse<NaiveDate>, ContributorKey), Vec<WorkItem>> =
        wanted.into_iter().map(|key| (key, Vec::new())).collect();
    for (who, item) in items.into_iter().filter_map(ItemRow::read) {
        let date = item.at.with_timezone(&scope.zone).date_naive();
        if let Some(list) = by_day.get_mut(&(Reverse(date), who)) {
            list.push(item);
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
