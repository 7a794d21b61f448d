//! Commit metrics: the database groups commits by contributor and counts their local
//! days, from the per-day roll-up where it can ([`super::day_plan`]); one row per
//! contributor comes back.

use entity::sql::{Sql, sum_bigint};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult};

use crate::{
    contributors::{ContributorKey, StoredContributor},
    day_plan::{Plan, push_spans},
    scope::Scope,
};

/// One contributor's commits in the range.
#[derive(Clone, Debug, Default, PartialEq, FromQueryResult)]
pub struct ContributorCommits {
    /// Local days with at least one commit that is not a merge commit (Flow's coding
    /// days leave merges out, as its commits per day does).
    pub coding_days: i64,
    pub commits: i64,
    #[sea_orm(from_alias = "merges")]
    pub merge_commits: i64,
    pub additions: i64,
    pub deletions: i64,
}

impl ContributorCommits {
    /// Commits that are not merge commits, per coding day.
    pub fn commits_per_day(&self) -> Option<f64> {
        (self.coding_days > 0)
            .then(|| (self.commits - self.merge_commits) as f64 / self.coding_days as f64)
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct CommitFigures {
    /// Calendar days in the range.
    pub days: i64,
    pub total: ContributorCommits,
    /// Sorted by contributor.
    pub contributors: Vec<(ContributorKey, ContributorCommits)>,
}

impl CommitFigures {
    fn weeks(&self) -> f64 {
        self.days as f64 / 7.0
    }

    /// Coding days per week of one contributor: their coding days ÷ (days ÷ 7).
    pub fn coding_days_per_week(&self, of: &ContributorCommits) -> f64 {
        of.coding_days as f64 / self.weeks()
    }

    /// Contributors with a coding day in the range (a contributor whose only commits
    /// are merges has none).
    pub fn active_contributors(&self) -> usize {
        self.contributors
            .iter()
            .filter(|(_, figures)| figures.coding_days > 0)
            .count()
    }

    /// The team's: the sum of every active contributor's coding days ÷ (days ÷ 7),
    /// averaged over the active contributors.
    pub fn average_coding_days_per_week(&self) -> Option<f64> {
        let active = self.active_contributors();
        (active > 0).then(|| self.total.coding_days as f64 / self.weeks() / active as f64)
    }
}

/// A row of [`figures`]: one contributor and their commits in the range.
#[derive(FromQueryResult)]
struct CommitsOfContributor {
    #[sea_orm(nested)]
    contributor: StoredContributor,
    #[sea_orm(nested)]
    commits: ContributorCommits,
}

/// The range's figures, in one statement. Whole UTC days are read from a roll-up
/// (`commit_days`, or `repository_commit_days` under a repository filter: one row per
/// contributor and day instead of one per commit) and the range's partial days from
/// `commits`; each row gives the local days it codes on, counted once per contributor.
/// [`figures_from_commits`] reads every commit instead; tests hold the two equal.
pub async fn figures(db: &impl ConnectionTrait, scope: &Scope) -> Result<CommitFigures, DbErr> {
    let plan = scope.day_plan();
    collect(
        db,
        scope,
        rolled_up(db.get_database_backend(), scope, &plan),
    )
    .await
}

/// The statement of [`figures`]: per contributor, the distinct local days of the rows
/// below and their sums. Each roll-up row comes twice: once with its sums and the local
/// day before the split (when it codes there), once with the local day after it (when
/// it codes there); each commit of a partial day once, with its own local day.
fn rolled_up(backend: DbBackend, scope: &Scope, plan: &Plan) -> Sql {
    let mut sql = Sql::new(backend);
    let day = "local_day";
    match backend {
        // As in `figures_from_commits`: hashing by (contributor, day) first.
        DbBackend::Postgres => sql.push(&format!(
            "SELECT contributor, contributor_is_login, {} AS coding_days, {} AS commits, \
             {} AS merges, {} AS additions, {} AS deletions FROM (\
             SELECT contributor, contributor_is_login, {day}, SUM(commits) AS commits, \
             SUM(merges) AS merges, SUM(additions) AS additions, SUM(deletions) AS deletions FROM (",
            sum_bigint(&format!("CASE WHEN {day} IS NULL THEN 0 ELSE 1 END")),
            sum_bigint("commits"),
            sum_bigint("merges"),
            sum_bigint("additions"),
            sum_bigint("deletions"),
        )),
        _ => sql.push(&format!(
            "SELECT contributor, contributor_is_login, COUNT(DISTINCT {day}) AS coding_days, \
             {} AS commits, {} AS merges, {} AS additions, {} AS deletions FROM (",
            sum_bigint("commits"),
            sum_bigint("merges"),
            sum_bigint("additions"),
            sum_bigint("deletions"),
        )),
    };
    let table = match scope.repository_ids {
        Some(_) => "repository_commit_days",
        None => "commit_days",
    };
    if !plan.runs.is_empty() {
        let shift = plan.by_run("d", |split| split.shift);
        let split = plan.by_run("d", |split| split.split);
        let rows = |sql: &mut Sql, select: &str, condition: &str| {
            sql.push(&format!(
                "SELECT {select} FROM {table} d WHERE d.integration_id = "
            ))
            .bind(scope.integration_id.clone());
            plan.restrict_to_runs(sql, "d");
            scope.restrict_repositories(sql, "d");
            scope.restrict_commit_author(sql, "d");
            sql.push(condition);
        };
        rows(
            &mut sql,
            &format!(
                "d.contributor, d.contributor_is_login, \
                 CASE WHEN d.first_coding_quarter < {split} THEN d.utc_day + {shift} END AS {day}, \
                 d.commits, d.merge_commits AS merges, d.additions, d.deletions"
            ),
            "",
        );
        sql.push(" UNION ALL ");
        rows(
            &mut sql,
            &format!(
                "d.contributor, d.contributor_is_login, d.utc_day + {shift} + 1 AS {day}, \
                 0 AS commits, 0 AS merges, 0 AS additions, 0 AS deletions"
            ),
            &format!(" AND d.last_coding_quarter >= {split}"),
        );
    }
    // The partial days (and any day split otherwise), from the commits: one part.
    if !plan.raw.is_empty() {
        if !plan.runs.is_empty() {
            sql.push(" UNION ALL ");
        }
        sql.push(&format!(
            "SELECT c.contributor, c.contributor_is_login, \
             CASE WHEN c.parent_count <= 1 THEN {local} END AS {day}, 1 AS commits, \
             CASE WHEN c.parent_count > 1 THEN 1 ELSE 0 END AS merges, c.additions, c.deletions \
             FROM commits c WHERE c.integration_id = ",
            local = scope.local_day_sql(backend, "c.authored_at"),
        ))
        .bind(scope.integration_id.clone())
        .push(" AND ");
        push_spans(&mut sql, "c.authored_at", &plan.raw);
        scope.restrict_repositories(&mut sql, "c");
        scope.restrict_commit_author(&mut sql, "c");
    }
    match backend {
        DbBackend::Postgres => sql.push(&format!(
            ") rows GROUP BY contributor, contributor_is_login, {day}) days \
             GROUP BY contributor, contributor_is_login"
        )),
        _ => sql.push(") rows GROUP BY contributor, contributor_is_login"),
    };
    sql
}

/// The reference statement, over every commit of the range: the database groups them by
/// contributor (resolved when they were stored) and counts each one's distinct local
/// days with a commit that is not a merge. Tests hold [`figures`] to it; it was the
/// statement before the roll-ups.
pub async fn figures_from_commits(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<CommitFigures, DbErr> {
    let backend = db.get_database_backend();
    let day = scope.local_day_sql(backend, "c.authored_at");
    let sums = format!(
        "COUNT(*) AS commits, {merges} AS merges, {additions} AS additions, {deletions} AS deletions",
        merges = sum_bigint("CASE WHEN c.parent_count > 1 THEN 1 ELSE 0 END"),
        additions = sum_bigint("c.additions"),
        deletions = sum_bigint("c.deletions"),
    );
    let mut sql = Sql::new(backend);
    match backend {
        // PostgreSQL sorts every row for a DISTINCT aggregate (on disk, past work_mem,
        // for a year); hashing by (contributor, day) first, then by contributor, does
        // not. SQLite is faster the other way round (60 against 85 ms for a year).
        DbBackend::Postgres => sql.push(&format!(
            "SELECT contributor, contributor_is_login, {} AS coding_days, \
             {} AS commits, {} AS merges, {} AS additions, {} AS deletions FROM (\
             SELECT c.contributor, c.contributor_is_login, {day} AS local_day, {sums} \
             FROM commits c WHERE ",
            sum_bigint("CASE WHEN commits > merges THEN 1 ELSE 0 END"),
            sum_bigint("commits"),
            sum_bigint("merges"),
            sum_bigint("additions"),
            sum_bigint("deletions"),
        )),
        _ => sql.push(&format!(
            "SELECT c.contributor, c.contributor_is_login, \
             COUNT(DISTINCT CASE WHEN c.parent_count <= 1 THEN {day} END) AS coding_days, \
             {sums} FROM commits c WHERE "
        )),
    };
    scope.restrict(&mut sql, "c", "authored_at");
    scope.restrict_commit_author(&mut sql, "c");
    match backend {
        DbBackend::Postgres => sql.push(
            " GROUP BY c.contributor, c.contributor_is_login, local_day) days \
             GROUP BY contributor, contributor_is_login",
        ),
        _ => sql.push(" GROUP BY c.contributor, c.contributor_is_login"),
    };
    collect(db, scope, sql).await
}

/// Runs a statement of one row per contributor and sums the team's figures.
async fn collect(
    db: &impl ConnectionTrait,
    scope: &Scope,
    sql: Sql,
) -> Result<CommitFigures, DbErr> {
    let mut total = ContributorCommits::default();
    let mut contributors = CommitsOfContributor::find_by_statement(sql.statement())
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            let figures = row.commits;
            total.coding_days += figures.coding_days;
            total.commits += figures.commits;
            total.merge_commits += figures.merge_commits;
            total.additions += figures.additions;
            total.deletions += figures.deletions;
            (ContributorKey::from(row.contributor), figures)
        })
        .collect::<Vec<_>>();
    contributors.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(CommitFigures {
        days: scope.days(),
        total,
        contributors,
    })
}
