//! Pull request metrics: the pull requests a scope selects, each with the figures the
//! worker stored beside it when it or one of its actions was written
//! ([`crate::pull_request_figures`]), and all of them taken together, added up in SQL.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::keyset::{Side, SortColumn, SortKey};
use entity::pull_request_figures;
use entity::sql::{Sql, sum_bigint};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, Value,
};

use crate::{
    bots::GHOST, count::Count, pull_request_figures::figures_of, pull_request_timeline::Figures,
    scope::Scope,
};

/// Which pull requests a query counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PullRequestSet {
    /// Merged within the range (the default: most figures describe finished work).
    #[default]
    Merged,
    /// Opened within the range, whatever their state now.
    Opened,
}

impl PullRequestSet {
    fn time_column(self) -> &'static str {
        match self {
            PullRequestSet::Merged => "merged_at",
            PullRequestSet::Opened => "created_at",
        }
    }
}

/// A selected pull request. `author` and `size` are not columns: [`SelectedPullRequest`]
/// reads the rest and computes them.
#[derive(Clone, Debug, FromQueryResult)]
pub struct PullRequestRow {
    pub node_id: String,
    pub repository_id: String,
    pub number: i64,
    pub title: String,
    pub state: String,
    /// The author's login, `ghost` for a deleted account.
    #[sea_orm(skip)]
    pub author: String,
    pub author_is_bot: bool,
    pub created_at: DateTime<Utc>,
    pub merged_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Additions + deletions.
    #[sea_orm(skip)]
    pub size: i64,
}

/// A row of [`list`]: the pull request's columns, with the author's login (none for a
/// deleted account) and the line counts its `author` and `size` come from.
#[derive(FromQueryResult)]
struct SelectedPullRequest {
    #[sea_orm(nested)]
    pull_request: PullRequestRow,
    author_login: Option<String>,
    additions: i64,
    deletions: i64,
}

impl From<SelectedPullRequest> for PullRequestRow {
    fn from(selected: SelectedPullRequest) -> Self {
        PullRequestRow {
            author: selected.author_login.unwrap_or_else(|| GHOST.to_string()),
            size: selected.additions + selected.deletions,
            ..selected.pull_request
        }
    }
}

/// `FROM pull_requests pr WHERE …` for the scope's pull requests.
fn from_selected(sql: &mut Sql, scope: &Scope, set: PullRequestSet) {
    sql.push(" FROM pull_requests pr WHERE ");
    restrict_selected(sql, scope, set);
}

/// The conditions on `pr` that select the scope's pull requests.
fn restrict_selected(sql: &mut Sql, scope: &Scope, set: PullRequestSet) {
    scope.restrict(sql, "pr", set.time_column());
    scope.restrict_account(sql, "pr.author_login", Some("pr.author_is_bot"));
}

pub async fn count(
    db: &impl ConnectionTrait,
    scope: &Scope,
    set: PullRequestSet,
) -> Result<i64, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT COUNT(*) AS total");
    from_selected(&mut sql, scope, set);
    let count = Count::find_by_statement(sql.statement()).one(db).await?;
    Ok(count.map_or(0, |count| count.total))
}

/// Where a pull request stands in a list (newest first by the set's time, then by node
/// id): a page starts strictly after the last one it saw, so it stays right when pull
/// requests are imported before it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PullRequestKey {
    pub at: DateTime<Utc>,
    pub node_id: String,
}

impl PullRequestKey {
    pub fn of(row: &PullRequestRow, set: PullRequestSet) -> PullRequestKey {
        let at = match set {
            // Merged within the range: the list holds merged ones only.
            PullRequestSet::Merged => row.merged_at.unwrap_or(row.created_at),
            PullRequestSet::Opened => row.created_at,
        };
        PullRequestKey {
            at,
            node_id: row.node_id.clone(),
        }
    }

    fn sort_key(set: PullRequestSet) -> SortKey {
        SortKey(vec![
            SortColumn::new(format!("pr.{}", set.time_column())).descending(true),
            SortColumn::new("pr.node_id").binary(),
        ])
    }
}

/// Newest first; `window` = (the key to start after, limit), or every one.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    set: PullRequestSet,
    window: Option<(Option<&PullRequestKey>, u64)>,
) -> Result<Vec<PullRequestRow>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT pr.node_id, pr.repository_id, pr.number, pr.title, pr.state, pr.author_login, \
         pr.author_is_bot, pr.created_at, pr.merged_at, pr.closed_at, pr.additions, pr.deletions",
    );
    from_selected(&mut sql, scope, set);
    let order = PullRequestKey::sort_key(set);
    if let Some((Some(after), _)) = window {
        sql.push(" AND ");
        order.push_condition(
            &mut sql,
            &[
                Some(Value::from(after.at)),
                Some(Value::from(after.node_id.clone())),
            ],
            Side::After,
        );
    }
    sql.push(&format!(
        " ORDER BY {}",
        order.order_by(db.get_database_backend(), false)
    ));
    if let Some((_, limit)) = window {
        sql.push(" LIMIT ").bind(limit as i64);
    }
    Ok(SelectedPullRequest::find_by_statement(sql.statement())
        .all(db)
        .await?
        .into_iter()
        .map(PullRequestRow::from)
        .collect())
}

pub async fn page(
    db: &impl ConnectionTrait,
    scope: &Scope,
    set: PullRequestSet,
    after: Option<&PullRequestKey>,
    limit: u64,
) -> Result<Vec<(PullRequestRow, Figures)>, DbErr> {
    let rows = list(db, scope, set, Some((after, limit))).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = rows.iter().map(|r| r.node_id.as_str()).collect();
    let mut stored: HashMap<String, Figures> = pull_request_figures::Entity::find()
        .filter(pull_request_figures::Column::IntegrationId.eq(scope.integration_id.as_str()))
        .filter(pull_request_figures::Column::PullRequestNodeId.is_in(ids))
        .filter(pull_request_figures::Column::WithoutBots.eq(scope.exclude_bots))
        .all(db)
        .await?
        .iter()
        .map(|row| (row.pull_request_node_id.clone(), figures_of(row)))
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let figures = stored.remove(&row.node_id).unwrap_or_default();
            (row, figures)
        })
        .collect())
}

/// One pull request of an integration with its figures (counted with or without bots),
/// by GitHub's node id; `None` when the integration has no such pull request.
pub async fn one(
    db: &impl ConnectionTrait,
    integration_id: &str,
    node_id: &str,
    without_bots: bool,
) -> Result<Option<(PullRequestRow, Figures)>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT pr.node_id, pr.repository_id, pr.number, pr.title, pr.state, pr.author_login, \
         pr.author_is_bot, pr.created_at, pr.merged_at, pr.closed_at, pr.additions, pr.deletions \
         FROM pull_requests pr WHERE pr.integration_id = ",
    )
    .bind(integration_id)
    .push(" AND pr.node_id = ")
    .bind(node_id);
    let Some(row) = SelectedPullRequest::find_by_statement(sql.statement())
        .one(db)
        .await?
        .map(PullRequestRow::from)
    else {
        return Ok(None);
    };
    let figures = pull_request_figures::Entity::find_by_id((
        integration_id.to_string(),
        node_id.to_string(),
        without_bots,
    ))
    .one(db)
    .await?
    .map(|stored| figures_of(&stored))
    .unwrap_or_default();
    Ok(Some((row, figures)))
}

/// The figures of every selected pull request taken together. The two averages over
/// responses are not columns: [`FiguresAddedUp`] reads the rest and computes them.
#[derive(Clone, Debug, Default, PartialEq, FromQueryResult)]
pub struct Aggregate {
    pub pull_requests: i64,
    pub with_first_comment: i64,
    pub average_time_to_first_comment: Option<f64>,
    pub reviewer_responses: i64,
    #[sea_orm(skip)]
    pub average_reaction_time: Option<f64>,
    pub author_responses: i64,
    #[sea_orm(skip)]
    pub average_responsiveness: Option<f64>,
    pub thoroughly_reviewed: i64,
    pub merged: i64,
    pub comments: i64,
    pub reviews: i64,
    pub average_reviewers: Option<f64>,
    pub average_iterations: Option<f64>,
    pub average_time_to_merge: Option<f64>,
    pub average_size: Option<f64>,
}

/// The row of [`aggregate_of`]: the selected pull requests' stored figures added up,
/// with the sums of hours the averages over responses divide.
#[derive(FromQueryResult)]
struct FiguresAddedUp {
    #[sea_orm(nested)]
    aggregate: Aggregate,
    /// Every reviewer response's hours, summed (0 without any).
    reaction_hours: f64,
    /// Every author response's hours, summed (0 without any).
    responsiveness_hours: f64,
}

impl From<FiguresAddedUp> for Aggregate {
    fn from(added: FiguresAddedUp) -> Self {
        let per = |hours: f64, count: i64| (count > 0).then(|| hours / count as f64);
        let aggregate = added.aggregate;
        Aggregate {
            average_reaction_time: per(added.reaction_hours, aggregate.reviewer_responses),
            average_responsiveness: per(added.responsiveness_hours, aggregate.author_responses),
            ..aggregate
        }
    }
}

/// One statement over the selected pull requests' stored figures. Averages over
/// responses divide the sums of hours by the number of responses, as if every
/// response of every pull request were averaged at once.
pub async fn aggregate_of(
    db: &impl ConnectionTrait,
    scope: &Scope,
    set: PullRequestSet,
) -> Result<Aggregate, DbErr> {
    let real = |e: &str| format!("CAST({e} AS DOUBLE PRECISION)");
    let average = |e: &str| real(&format!("AVG({})", real(e)));
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(&format!(
        "SELECT COUNT(*) AS pull_requests, \
         COUNT(f.time_to_first_comment_hours) AS with_first_comment, \
         {ttfc} AS average_time_to_first_comment, \
         {reaction_count} AS reviewer_responses, {reaction_hours} AS reaction_hours, \
         {responsiveness_count} AS author_responses, {responsiveness_hours} AS responsiveness_hours, \
         {thorough} AS thoroughly_reviewed, COUNT(f.time_to_merge_hours) AS merged, \
         {comments} AS comments, {reviews} AS reviews, {reviewers} AS average_reviewers, \
         {iterations} AS average_iterations, {ttm} AS average_time_to_merge, {size} AS average_size \
         FROM pull_requests pr JOIN pull_request_figures f \
         ON f.integration_id = pr.integration_id AND f.pull_request_node_id = pr.node_id \
         AND f.without_bots = ",
        ttfc = average("f.time_to_first_comment_hours"),
        reaction_count = sum_bigint("f.reaction_count"),
        reaction_hours = real("COALESCE(SUM(f.reaction_hours), 0)"),
        responsiveness_count = sum_bigint("f.responsiveness_count"),
        responsiveness_hours = real("COALESCE(SUM(f.responsiveness_hours), 0)"),
        thorough = sum_bigint("CASE WHEN f.thoroughly_reviewed THEN 1 ELSE 0 END"),
        comments = sum_bigint("f.comments"),
        reviews = sum_bigint("f.reviews"),
        reviewers = average("f.reviewer_count"),
        iterations = average("f.iterations"),
        ttm = average("f.time_to_merge_hours"),
        size = average("f.size"),
    ))
    .bind(scope.exclude_bots)
    .push(" WHERE ");
    restrict_selected(&mut sql, scope, set);
    Ok(FiguresAddedUp::find_by_statement(sql.statement())
        .one(db)
        .await?
        .map(Aggregate::from)
        .unwrap_or_default())
}
