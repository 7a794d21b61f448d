//! The filters every metrics query takes, checked and resolved once: the integration,
//! repositories, contributors, the date range in a time zone, and bots.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::integration;
use sea_orm::{DatabaseConnection, DbBackend, DbErr, EntityTrait};

use entity::sql::Sql;

use crate::{
    contributors,
    day_plan::{Plan, RawSpan, push_spans},
    days::Offsets,
    days::start_of_day,
};

/// The longest range a query may cover: ten years of days.
const MAX_DAYS: i64 = 3_660;

/// The most repositories, and the most contributors, a filter may name: a statement
/// binds each list a few times, within what SQLite (32,766 values) and PostgreSQL
/// (65,535) accept.
pub const MAX_FILTER_ITEMS: usize = 500;

/// What to count, as asked: one integration, optionally narrowed (the GraphQL
/// `AnalyticsFilter`, in `api`).
#[derive(Clone, Debug)]
pub struct ScopeRequest {
    pub integration_id: String,
    /// Only these repositories (Tributary ids); all of the integration's when absent.
    pub repository_ids: Option<Vec<String>>,
    /// Only these contributors: logins, or e-mails GitHub links to no account.
    pub contributors: Option<Vec<String>>,
    /// The first and the last day counted, in `time_zone`.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// An IANA time zone name.
    pub time_zone: String,
    pub exclude_bots: bool,
}

/// Why a scope cannot be counted.
#[derive(Debug, thiserror::Error)]
pub enum ScopeError {
    /// A filter the caller can correct; the message says how.
    #[error("{0}")]
    BadInput(String),
    #[error("no integration with id {0}")]
    UnknownIntegration(String),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// A checked [`ScopeRequest`].
#[derive(Clone, Debug)]
pub struct Scope {
    pub integration_id: String,
    pub repository_ids: Option<Vec<String>>,
    /// Logins and e-mails to keep, with e-mails linked to the logins added.
    pub contributors: Option<contributors::Selection>,
    pub exclude_bots: bool,
    pub zone: Tz,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// `from`'s first instant and the first instant after `to`.
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub offsets: Offsets,
}

pub fn parse_zone(name: &str) -> Result<Tz, ScopeError> {
    name.parse::<Tz>().map_err(|_| {
        ScopeError::BadInput(format!(
            "timeZone {name:?} is not an IANA time zone name (like \"UTC\", \"Europe/Berlin\" or \"America/New_York\")"
        ))
    })
}

impl Scope {
    pub async fn resolve(
        db: &DatabaseConnection,
        input: &ScopeRequest,
    ) -> Result<Scope, ScopeError> {
        let zone = parse_zone(&input.time_zone)?;
        if input.from > input.to {
            return Err(ScopeError::BadInput(format!(
                "from ({}) is after to ({})",
                input.from, input.to
            )));
        }
        let days = (input.to - input.from).num_days() + 1;
        if days > MAX_DAYS {
            return Err(ScopeError::BadInput(format!(
                "the range covers {days} days; at most {MAX_DAYS} are allowed"
            )));
        }
        for (name, count) in [
            (
                "repositoryIds",
                input.repository_ids.as_ref().map_or(0, Vec::len),
            ),
            (
                "contributors",
                input.contributors.as_ref().map_or(0, Vec::len),
            ),
        ] {
            if count > MAX_FILTER_ITEMS {
                return Err(ScopeError::BadInput(format!(
                    "{name} names {count} items; at most {MAX_FILTER_ITEMS} are allowed"
                )));
            }
        }
        let integration_id = input.integration_id.clone();
        if integration::Entity::find_by_id(integration_id.clone())
            .one(db)
            .await?
            .is_none()
        {
            return Err(ScopeError::UnknownIntegration(integration_id));
        }
        let start = start_of_day(&zone, input.from);
        let end = start_of_day(&zone, input.to.succ_opt().unwrap_or(input.to));
        let contributors = match &input.contributors {
            Some(names) => {
                Some(contributors::Selection::resolve(db, &integration_id, names).await?)
            }
            None => None,
        };
        Ok(Scope {
            repository_ids: input.repository_ids.clone(),
            contributors,
            exclude_bots: input.exclude_bots,
            offsets: Offsets::over(&zone, start, end),
            zone,
            from: input.from,
            to: input.to,
            start,
            end,
            integration_id,
        })
    }

    /// How the range reads a per-UTC-day roll-up in the scope's zone.
    pub fn day_plan(&self) -> Plan {
        Plan::over(&self.offsets, self.start.timestamp(), self.end.timestamp())
    }

    /// The range's instants, as a span of seconds.
    pub fn span(&self) -> RawSpan {
        RawSpan {
            from: self.start.timestamp(),
            to: self.end.timestamp(),
        }
    }

    /// Calendar days in the range.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// `alias.integration_id = ? AND start <= alias.time < end AND alias.repository_id IN (…)`.
    pub fn restrict(&self, sql: &mut Sql, alias: &str, time_column: &str) {
        sql.push(&format!("{alias}.integration_id = "))
            .bind(self.integration_id.clone())
            .push(&format!(" AND {alias}.{time_column} >= "))
            .bind(self.start)
            .push(&format!(" AND {alias}.{time_column} < "))
            .bind(self.end);
        self.restrict_repositories(sql, alias);
    }

    pub fn restrict_repositories(&self, sql: &mut Sql, alias: &str) {
        if let Some(ids) = &self.repository_ids {
            if ids.is_empty() {
                sql.push(" AND 1 = 0");
            } else {
                sql.push(&format!(" AND {alias}.repository_id IN "))
                    .bind_list(ids);
            }
        }
    }

    /// `alias.integration_id = ? AND` the time in one of `spans` `AND` the repository
    /// filter: the rows of some days of the range.
    pub fn restrict_to_spans(
        &self,
        sql: &mut Sql,
        alias: &str,
        time_column: &str,
        spans: &[RawSpan],
    ) {
        sql.push(&format!("{alias}.integration_id = "))
            .bind(self.integration_id.clone())
            .push(" AND ");
        push_spans(sql, &format!("{alias}.{time_column}"), spans);
        self.restrict_repositories(sql, alias);
    }

    /// The contributor and bot filters on a GitHub account column (and its bot flag).
    pub fn restrict_account(&self, sql: &mut Sql, login: &str, is_bot: Option<&str>) {
        if let Some(selection) = &self.contributors {
            if selection.logins.is_empty() {
                sql.push(" AND 1 = 0");
            } else {
                sql.push(&format!(" AND {login} IN "))
                    .bind_list(&selection.logins);
            }
        }
        if self.exclude_bots {
            sql.push(&format!(" AND {}", account_is_not_bot(login, is_bot)));
        }
    }

    /// The contributor and bot filters on a commit (its resolved contributor).
    pub fn restrict_commit_author(&self, sql: &mut Sql, alias: &str) {
        self.restrict_contributor(sql, alias, "author_is_bot");
    }

    /// The contributor and bot filters on rows that name their contributor as commits
    /// do (`contributor`: a login or an e-mail) with a bot flag (`bot_column`).
    pub fn restrict_contributor(&self, sql: &mut Sql, alias: &str, bot_column: &str) {
        if let Some(selection) = &self.contributors {
            let contributors = selection.contributors();
            if contributors.is_empty() {
                sql.push(" AND 1 = 0");
            } else {
                sql.push(&format!(" AND {alias}.contributor IN "))
                    .bind_list(&contributors);
            }
        }
        if self.exclude_bots {
            sql.push(&format!(" AND {alias}.{bot_column} = FALSE"));
        }
    }

    pub fn local_day_sql(&self, backend: DbBackend, column: &str) -> String {
        self.offsets.local_day_sql(backend, column)
    }
}

/// What `excludeBots` keeps of a GitHub account column: neither a `…[bot]` login nor,
/// where there is one, an account GitHub typed as a bot (`is_bot`).
pub fn account_is_not_bot(login: &str, is_bot: Option<&str>) -> String {
    let mut condition = format!("COALESCE({login}, '') NOT LIKE '%[bot]'");
    if let Some(flag) = is_bot {
        condition.push_str(&format!(" AND {flag} = FALSE"));
    }
    condition
}
