//! Where the Work log's items come from: one [`Source`] per kind of item (commits,
//! pull requests opened, merged and closed, comments, reviews, tickets and their
//! events), each a `SELECT` of who did it, when, and the item's columns. The Work log
//! lists items from them (`work_log`), and its roll-ups are counted from them
//! (`work_log_days`), so both read one definition.

use entity::sql::Sql;

use crate::{
    bots::GHOST,
    day_plan::RawSpan,
    scope::{Scope, account_is_not_bot},
};

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
    pub(crate) fn select_from(&self, sql: &mut Sql, scope: &Scope, spans: &[RawSpan]) {
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
