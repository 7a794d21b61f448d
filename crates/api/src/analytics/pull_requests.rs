//! Pull request metrics: the pull requests a scope selects, their timelines read in
//! three statements (comments, reviews, commits) whatever their number, and the
//! figures of each ([`super::timeline`]) and of all together.

use std::collections::HashMap;

use async_graphql::Enum;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, QueryResult};

use super::{
    contributors::GHOST,
    scope::Scope,
    sql::Sql,
    timeline::{Action, ActionKind, Figures, Timeline, average},
};

/// Which pull requests a query counts.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
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

#[derive(Clone, Debug)]
pub struct PullRequestRow {
    pub node_id: String,
    pub repository_id: String,
    pub number: i64,
    pub title: String,
    pub state: String,
    pub author: String,
    pub author_is_bot: bool,
    pub created_at: DateTime<Utc>,
    pub merged_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub size: i64,
}

impl PullRequestRow {
    fn read(row: &QueryResult) -> Result<Self, DbErr> {
        Ok(PullRequestRow {
            node_id: row.try_get("", "node_id")?,
            repository_id: row.try_get("", "repository_id")?,
            number: row.try_get("", "number")?,
            title: row.try_get("", "title")?,
            state: row.try_get("", "state")?,
            author: row
                .try_get::<Option<String>>("", "author_login")?
                .unwrap_or_else(|| GHOST.to_string()),
            author_is_bot: row.try_get("", "author_is_bot")?,
            created_at: row.try_get("", "created_at")?,
            merged_at: row.try_get("", "merged_at")?,
            closed_at: row.try_get("", "closed_at")?,
            size: row.try_get::<i64>("", "additions")? + row.try_get::<i64>("", "deletions")?,
        })
    }
}

/// `FROM pull_requests pr WHERE …` for the scope's pull requests.
fn from_selected(sql: &mut Sql, scope: &Scope, set: PullRequestSet) {
    sql.push(" FROM pull_requests pr WHERE ");
    scope.restrict(sql, "pr", set.time_column());
    scope.restrict_account(sql, "pr.author_login", Some("pr.author_is_bot"));
}

pub async fn count(
    db: &impl ConnectionTrait,
    scope: &Scope,
    set: PullRequestSet,
) -> Result<i64, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT COUNT(*) AS n");
    from_selected(&mut sql, scope, set);
    let row = db.query_one_raw(sql.statement()).await?;
    row.map(|r| r.try_get::<i64>("", "n"))
        .transpose()
        .map(|n| n.unwrap_or(0))
}

/// Newest first; `window` = (offset, limit), or every one.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    set: PullRequestSet,
    window: Option<(u64, u64)>,
) -> Result<Vec<PullRequestRow>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT pr.node_id, pr.repository_id, pr.number, pr.title, pr.state, pr.author_login, \
         pr.author_is_bot, pr.created_at, pr.merged_at, pr.closed_at, pr.additions, pr.deletions",
    );
    from_selected(&mut sql, scope, set);
    sql.push(&format!(
        " ORDER BY pr.{} DESC, pr.node_id",
        set.time_column()
    ));
    if let Some((offset, limit)) = window {
        sql.push(" LIMIT ")
            .bind(limit as i64)
            .push(" OFFSET ")
            .bind(offset as i64);
    }
    db.query_all_raw(sql.statement())
        .await?
        .iter()
        .map(PullRequestRow::read)
        .collect()
}

/// Which pull requests' actions to read: the listed ones, or all the scope selects.
enum Among<'a> {
    These(&'a [PullRequestRow]),
    Selected(PullRequestSet),
}

impl Among<'_> {
    fn restrict(&self, sql: &mut Sql, scope: &Scope, column: &str) {
        sql.push(&format!(" AND {column} IN "));
        match self {
            Among::These(rows) => {
                let ids: Vec<String> = rows.iter().map(|r| r.node_id.clone()).collect();
                sql.bind_list(&ids);
            }
            Among::Selected(set) => {
                sql.push("(SELECT pr.node_id");
                from_selected(sql, scope, *set);
                sql.push(")");
            }
        }
    }
}

/// Every action on the pull requests, by pull request node id.
async fn actions(
    db: &impl ConnectionTrait,
    scope: &Scope,
    among: Among<'_>,
) -> Result<HashMap<String, Vec<(Option<String>, Action)>>, DbErr> {
    let backend = db.get_database_backend();
    let bots = |sql: &mut Sql, login: &str, flag: Option<&str>| {
        if scope.exclude_bots {
            sql.push(&format!(" AND COALESCE({login}, '') NOT LIKE '%[bot]'"));
            if let Some(flag) = flag {
                sql.push(&format!(" AND {flag} = FALSE"));
            }
        }
    };
    let mut comments = Sql::new(backend);
    comments
        .push("SELECT c.parent_node_id AS pr, c.author_login AS actor, c.created_at AS at FROM comments c WHERE c.integration_id = ")
        .bind(scope.integration_id.clone())
        .push(" AND c.parent_kind = 'PULL_REQUEST'");
    among.restrict(&mut comments, scope, "c.parent_node_id");
    bots(&mut comments, "c.author_login", Some("c.author_is_bot"));

    // A pending review is a draft only its author sees; a dismissed one still happened.
    let mut reviews = Sql::new(backend);
    reviews
        .push("SELECT r.pull_request_node_id AS pr, r.author_login AS actor, r.submitted_at AS at, r.body FROM reviews r WHERE r.integration_id = ")
        .bind(scope.integration_id.clone())
        .push(" AND r.submitted_at IS NOT NULL AND r.state <> 'PENDING'");
    among.restrict(&mut reviews, scope, "r.pull_request_node_id");
    bots(&mut reviews, "r.author_login", Some("r.author_is_bot"));

    let mut commits = Sql::new(backend);
    commits
        .push("SELECT pc.pull_request_node_id AS pr, pc.author_login AS actor, pc.committed_at AS at FROM pull_request_commits pc WHERE pc.integration_id = ")
        .bind(scope.integration_id.clone());
    among.restrict(&mut commits, scope, "pc.pull_request_node_id");
    bots(&mut commits, "pc.author_login", None);

    let (comments, reviews, commits) = futures_util::try_join!(
        db.query_all_raw(comments.statement()),
        db.query_all_raw(reviews.statement()),
        db.query_all_raw(commits.statement()),
    )?;
    let mut by_pull_request: HashMap<String, Vec<(Option<String>, Action)>> = HashMap::new();
    let mut add = |row: &QueryResult, kind: ActionKind| -> Result<(), DbErr> {
        let actor: Option<String> = row.try_get("", "actor")?;
        by_pull_request
            .entry(row.try_get("", "pr")?)
            .or_default()
            .push((
                actor.clone(),
                Action {
                    actor: actor.unwrap_or_default(),
                    at: row.try_get("", "at")?,
                    kind,
                },
            ));
        Ok(())
    };
    for row in &comments {
        add(row, ActionKind::Comment)?;
    }
    for row in &reviews {
        let body: String = row.try_get("", "body")?;
        add(
            row,
            ActionKind::Review {
                with_body: !body.trim().is_empty(),
            },
        )?;
    }
    for row in &commits {
        add(row, ActionKind::Commit)?;
    }
    Ok(by_pull_request)
}

/// Each pull request with its figures. A commit without a GitHub account is counted
/// as the pull request author's (it was pushed to their branch); a comment or review
/// by a deleted account is `ghost`'s.
async fn with_figures(
    db: &impl ConnectionTrait,
    scope: &Scope,
    rows: Vec<PullRequestRow>,
    among: Among<'_>,
) -> Result<Vec<(PullRequestRow, Figures)>, DbErr> {
    let mut actions = actions(db, scope, among).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let list = actions.remove(&row.node_id).unwrap_or_default();
            let actions = list
                .into_iter()
                .map(|(login, mut action)| {
                    action.actor = match (login, action.kind) {
                        (Some(login), _) => login,
                        (None, ActionKind::Commit) => row.author.clone(),
                        (None, _) => GHOST.to_string(),
                    };
                    action
                })
                .collect();
            let figures = Timeline {
                author: row.author.clone(),
                created_at: row.created_at,
                merged_at: row.merged_at,
                size: row.size,
                actions,
            }
            .figures();
            (row, figures)
        })
        .collect())
}

pub async fn page(
    db: &impl ConnectionTrait,
    scope: &Scope,
    set: PullRequestSet,
    offset: u64,
    limit: u64,
) -> Result<Vec<(PullRequestRow, Figures)>, DbErr> {
    let rows = list(db, scope, set, Some((offset, limit))).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids = rows.clone();
    with_figures(db, scope, rows, Among::These(&ids)).await
}

/// The figures of every selected pull request taken together.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Aggregate {
    pub pull_requests: i64,
    pub with_first_comment: i64,
    pub average_time_to_first_comment: Option<f64>,
    pub reviewer_responses: i64,
    pub average_reaction_time: Option<f64>,
    pub author_responses: i64,
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

pub fn aggregate(figures: &[Figures]) -> Aggregate {
    let collect = |f: fn(&Figures) -> Option<f64>| figures.iter().filter_map(f).collect::<Vec<_>>();
    let first_comments = collect(|f| f.time_to_first_comment);
    let reactions: Vec<f64> = figures
        .iter()
        .flat_map(|f| f.reaction_times.iter().copied())
        .collect();
    let responses: Vec<f64> = figures
        .iter()
        .flat_map(|f| f.responsiveness.iter().copied())
        .collect();
    let merges = collect(|f| f.time_to_merge);
    Aggregate {
        pull_requests: figures.len() as i64,
        with_first_comment: first_comments.len() as i64,
        average_time_to_first_comment: average(&first_comments),
        reviewer_responses: reactions.len() as i64,
        average_reaction_time: average(&reactions),
        author_responses: responses.len() as i64,
        average_responsiveness: average(&responses),
        thoroughly_reviewed: figures.iter().filter(|f| f.thoroughly_reviewed).count() as i64,
        merged: merges.len() as i64,
        comments: figures.iter().map(|f| f.comments).sum(),
        reviews: figures.iter().map(|f| f.reviews).sum(),
        average_reviewers: average(&collect(|f| Some(f.reviewers.len() as f64))),
        average_iterations: average(&collect(|f| Some(f.iterations as f64))),
        average_time_to_merge: average(&merges),
        average_size: average(&collect(|f| Some(f.size as f64))),
    }
}

pub async fn aggregate_of(
    db: &impl ConnectionTrait,
    scope: &Scope,
    set: PullRequestSet,
) -> Result<Aggregate, DbErr> {
    let rows = list(db, scope, set, None).await?;
    let figures: Vec<Figures> = with_figures(db, scope, rows, Among::Selected(set))
        .await?
        .into_iter()
        .map(|(_, f)| f)
        .collect();
    Ok(aggregate(&figures))
}
