//! Commit metrics: the database groups commits by author and local day (see
//! [`super::days`]); the few rows that come back are folded into contributors here.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{ConnectionTrait, DbErr};

use super::{
    contributors::{CommitAuthors, ContributorKey},
    scope::Scope,
    sql::{Sql, sum_bigint},
};

/// One contributor's commits in the range.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContributorCommits {
    /// Local days with at least one commit.
    pub coding_days: i64,
    pub commits: i64,
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

    /// The team's: the sum of every active contributor's coding days ÷ (days ÷ 7),
    /// averaged over the active contributors.
    pub fn average_coding_days_per_week(&self) -> Option<f64> {
        let active = self.contributors.len();
        (active > 0).then(|| self.total.coding_days as f64 / self.weeks() / active as f64)
    }
}

pub async fn figures(db: &impl ConnectionTrait, scope: &Scope) -> Result<CommitFigures, DbErr> {
    let backend = db.get_database_backend();
    let day = scope.local_day_sql(backend, "c.authored_at");
    let mut sql = Sql::new(backend);
    sql.push(&format!(
        "SELECT c.author_login, c.author_email, MAX(c.author_name) AS author_name, {day} AS local_day, \
         COUNT(*) AS commits, {merges} AS merges, {additions} AS additions, {deletions} AS deletions \
         FROM commits c WHERE ",
        merges = sum_bigint("CASE WHEN c.parent_count > 1 THEN 1 ELSE 0 END"),
        additions = sum_bigint("c.additions"),
        deletions = sum_bigint("c.deletions"),
    ));
    scope.restrict(&mut sql, "c", "authored_at");
    scope.restrict_commit_author(&mut sql, "c");
    sql.push(" GROUP BY c.author_login, c.author_email, local_day");
    let rows = db.query_all_raw(sql.statement()).await?;

    struct Group {
        login: Option<String>,
        email: Option<String>,
        name: Option<String>,
        day: i64,
        commits: i64,
        merges: i64,
        additions: i64,
        deletions: i64,
    }
    let groups = rows
        .iter()
        .map(|row| {
            Ok(Group {
                login: row.try_get("", "author_login")?,
                email: row.try_get("", "author_email")?,
                name: row.try_get("", "author_name")?,
                day: row.try_get("", "local_day")?,
                commits: row.try_get("", "commits")?,
                merges: row.try_get("", "merges")?,
                additions: row.try_get("", "additions")?,
                deletions: row.try_get("", "deletions")?,
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    let authors = CommitAuthors::load(
        db,
        &scope.integration_id,
        groups
            .iter()
            .map(|g| (g.login.as_deref(), g.email.as_deref())),
    )
    .await?;

    let mut by_contributor: BTreeMap<ContributorKey, (BTreeSet<i64>, ContributorCommits)> =
        BTreeMap::new();
    for group in groups {
        let key = authors.key(
            group.login.as_deref(),
            group.email.as_deref(),
            group.name.as_deref(),
        );
        let (days, figures) = by_contributor.entry(key).or_default();
        days.insert(group.day);
        figures.commits += group.commits;
        figures.merge_commits += group.merges;
        figures.additions += group.additions;
        figures.deletions += group.deletions;
    }
    let mut total = ContributorCommits::default();
    let contributors = by_contributor
        .into_iter()
        .map(|(key, (days, mut figures))| {
            figures.coding_days = days.len() as i64;
            total.coding_days += figures.coding_days;
            total.commits += figures.commits;
            total.merge_commits += figures.merge_commits;
            total.additions += figures.additions;
            total.deletions += figures.deletions;
            (key, figures)
        })
        .collect();
    Ok(CommitFigures {
        days: scope.days(),
        total,
        contributors,
    })
}
