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
    day_plan::{Plan, RawSpan},
    days::{date_of_day_number, start_of_day},
    scope::{Scope, account_is_not_bot},
    work_log_days,
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

/// One kind of activity: who (an account login, or a commit's contributor), when,
/// and the item's columns (at, kind, number, title, oid, detail).
pub(crate) struct Source {
    /// The account column or expression (for commits, the author's login: they select
    /// by contributor).
    pub(crate) login: &'static str,
    pub(crate) item: String,
    /// `FROM … WHERE ` up to the scope's conditions (the row's table is `x`).
    pub(crate) from: &'static str,
    pub(crate) time_column: &'static str,
    /// The account column's bot flag (`None`: commits, whose authors have none, or
    /// ticket events, whose actors have none stored).
    pub(crate) bot_flag: Option<&'static str>,
    pub(crate) extra: &'static str,
}

impl Source {
    fn is_commit(&self) -> bool {
        self.from.contains("FROM commits")
    }

    /// Who, as [`StoredContributor`]'s `contributor` (a login, `ghost` for a deleted
    /// account, or a commit's e-mail) and `contributor_is_login`.
    pub(crate) fn who(&self) -> String {
        if self.is_commit() {
            "x.contributor AS contributor, x.contributor_is_login AS contributor_is_login"
                .to_string()
        } else {
            format!(
                "COALESCE({}, '{GHOST}') AS contributor, TRUE AS contributor_is_login",
                self.login
            )
        }
    }

    /// Whether `excludeBots` leaves the row out, as a boolean expression.
    pub(crate) fn is_bot(&self) -> String {
        let kept = if self.is_commit() {
            "x.author_is_bot = FALSE".to_string()
        } else {
            account_is_not_bot(self.login, self.bot_flag)
        };
        format!("CASE WHEN {kept} THEN FALSE ELSE TRUE END")
    }

    /// `FROM … WHERE …` with the scope's conditions, over the instants of `spans`.
    fn select_from(&self, sql: &mut Sql, scope: &Scope, spans: &[RawSpan]) {
        sql.push(self.from);
        scope.restrict_to_spans(sql, "x", self.time_column, spans);
        if self.is_commit() {
            scope.restrict_commit_author(sql, "x");
        } else {
            scope.restrict_account(sql, self.login, self.bot_flag);
        }
        sql.push(self.extra);
    }
}

fn item(at: &str, kind: &str, number: &str, title: &str, oid: &str, detail: &str) -> String {
    format!(
        "x.repository_id AS repository_id, {at} AS at, {kind} AS kind, {number} AS number, \
         {title} AS title, {oid} AS oid, {detail} AS detail"
    )
}

const NONE: &str = "CAST(NULL AS TEXT)";

pub(crate) fn sources() -> Vec<Source> {
    let pull_request = |at: &'static str, kind: &str, extra: &'static str| Source {
        login: "x.author_login",
        item: item(&format!("x.{at}"), kind, "x.number", "x.title", NONE, NONE),
        from: " FROM pull_requests x WHERE ",
        time_column: at,
        bot_flag: Some("x.author_is_bot"),
        extra,
    };
    vec![
        Source {
            login: "x.author_login",
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
        // A merge is its merger's (the author's for rows imported before GitHub's
        // `mergedBy` was read).
        Source {
            login: "COALESCE(x.merged_by_login, x.author_login)",
            item: item(
                "x.merged_at",
                "'PULL_REQUEST_MERGED'",
                "x.number",
                "x.title",
                NONE,
                NONE,
            ),
            from: " FROM pull_requests x WHERE ",
            time_column: "merged_at",
            bot_flag: Some(
                "(CASE WHEN x.merged_by_login IS NULL THEN x.author_is_bot ELSE x.merged_by_is_bot END)",
            ),
            extra: "",
        },
        // Each close that is not a merge's own, by whoever closed.
        Source {
            login: "x.actor_login",
            item: item(
                "x.created_at",
                "'PULL_REQUEST_CLOSED'",
                "p.number",
                "p.title",
                NONE,
                NONE,
            ),
            from: " FROM pull_request_events x JOIN pull_requests p ON p.integration_id = x.integration_id AND p.node_id = x.pull_request_node_id WHERE ",
            time_column: "created_at",
            bot_flag: Some("x.actor_is_bot"),
            extra: " AND x.kind = 'CLOSED' AND (p.merged_at IS NULL OR x.created_at <> p.merged_at)",
        },
        // A pull request closed unmerged whose close events were never imported: its
        // author's, as before events were read.
        pull_request(
            "closed_at",
            "'PULL_REQUEST_CLOSED'",
            " AND x.merged_at IS NULL AND NOT EXISTS (SELECT 1 FROM pull_request_events e \
             WHERE e.integration_id = x.integration_id AND e.pull_request_node_id = x.node_id \
             AND e.kind = 'CLOSED')",
        ),
        Source {
            login: "x.author_login",
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

/// `SELECT contributor, contributor_is_login, local_day` of every item of the
/// scope's sources within `spans`, one `UNION` part per source.
pub(crate) fn push_source_pairs(sql: &mut Sql, scope: &Scope, spans: &[RawSpan]) {
    let backend = sql.backend();
    for (i, source) in sources().iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ");
        }
        let day = scope.local_day_sql(backend, &format!("x.{}", source.time_column));
        sql.push(&format!("SELECT {}, {day} AS local_day", source.who()));
        source.select_from(sql, scope, spans);
    }
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
/// where they serve (their stale days counted again first), else from the sources.
pub async fn page(
    db: &DatabaseConnection,
    scope: &Scope,
    after: Option<&WorkLogKey>,
    limit: usize,
) -> Result<(usize, Vec<WorkDay>), DbErr> {
    let from = match work_log_days::plan(db, scope).await {
        Some(plan) => PairsFrom::RollUps(plan),
        None => PairsFrom::Sources,
    };
    page_from(db, scope, &from, after, limit).await
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
