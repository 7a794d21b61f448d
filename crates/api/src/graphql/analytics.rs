//! The metrics a frontend shows and the Work log, over GraphQL (definitions in
//! docs/metrics.md; computation in the `metrics` crate).

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result, dataloader::DataLoader};
use chrono::{DateTime, Utc};

use super::date::Date;
use metrics::{
    ContributorKey, Scope, commits,
    commits::{CommitFigures, ContributorCommits},
    pull_request_timeline::Figures,
    pull_requests::{self, PullRequestKey, PullRequestRow},
    work_log::{self, WorkDay, WorkItem, WorkLogKey},
};
use sea_orm::DatabaseConnection;

use super::cursor::{Page, PageLimits, PageRequest};
use super::loaders::StoreLoader;
use super::node_id::{self, NodeKind};
use super::reach;
use super::read_pool::ReadPool;
use super::types::Repository;
use super::{
    analytics_inputs::{PullRequestSetGql, ScopeInput, WorkLogItemKindGql},
    analytics_loaders::{ContributorName, RepositoryById, TypedBot},
};
use crate::{
    error::{ApiError, IntoGraphQl},
    integrations::service::Integrations,
};

const MAX_PAGE: usize = 100;
const DEFAULT_PAGE: usize = 50;

/// The connections reports read through (`ReadPool::reports`).
fn database(ctx: &Context<'_>) -> Result<DatabaseConnection> {
    Ok(ctx.data::<ReadPool>()?.reports.clone())
}

fn internal(error: impl std::fmt::Display) -> async_graphql::Error {
    ApiError::Internal(anyhow::anyhow!("computing metrics: {error}")).into_graphql()
}

async fn resolve(
    ctx: &Context<'_>,
    filter: &ScopeInput,
) -> Result<(DatabaseConnection, Arc<Scope>)> {
    let db = database(ctx)?;
    reach::require(ctx, &filter.integration_id, NodeKind::Integration)
        .await
        .gql()?;
    let scope = Scope::resolve(&db, &filter.request().gql()?)
        .await
        .map_err(ApiError::from)
        .gql()?;
    Ok((db, Arc::new(scope)))
}

/// Metrics lists page forward: 50 by default, at most 100.
const LIMITS: PageLimits = PageLimits {
    default: DEFAULT_PAGE,
    max: MAX_PAGE,
};

async fn repository(ctx: &Context<'_>, id: &str) -> Result<Option<Repository>> {
    Ok(ctx
        .data::<DataLoader<StoreLoader>>()?
        .load_one(RepositoryById(id.to_string()))
        .await
        .map_err(internal)?
        .map(Repository::from))
}

/// Someone who did something: one per GitHub login; a commit author GitHub links to no
/// account is one by e-mail.
pub struct Contributor {
    pub(super) integration_id: String,
    pub(super) key: ContributorKey,
}

impl Contributor {
    /// The key part of the global id: `<integration>:login:<login>` or `…:email:<e-mail>`.
    pub(super) fn node_key(&self) -> [&str; 3] {
        let (kind, value) = match &self.key {
            ContributorKey::Login(login) => ("login", login),
            ContributorKey::Email(email) => ("email", email),
        };
        [&self.integration_id, kind, value]
    }
}

/// Someone who did something: one per GitHub login, or per commit e-mail GitHub links to no account.
#[Object]
impl Contributor {
    /// The contributor's global id (per integration): what `contributorIds` takes.
    pub(crate) async fn id(&self) -> ID {
        node_id::encode_parts(NodeKind::Contributor, &self.node_key())
    }

    /// The GitHub login; null for a commit e-mail GitHub links to no account.
    async fn login(&self) -> Option<&str> {
        match &self.key {
            ContributorKey::Login(login) => Some(login),
            ContributorKey::Email(_) => None,
        }
    }

    /// Set for commit authors GitHub links to no account.
    async fn email(&self) -> Option<&str> {
        match &self.key {
            ContributorKey::Email(email) => Some(email),
            ContributorKey::Login(_) => None,
        }
    }

    /// The name on this contributor's commits, if they made any.
    async fn name(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        ctx.data::<DataLoader<StoreLoader>>()?
            .load_one(ContributorName {
                integration_id: self.integration_id.clone(),
                key: self.key.clone(),
            })
            .await
            .map_err(internal)
    }

    /// A bot: a `[bot]` login (GitHub Apps), an account GitHub types `Bot` (such as
    /// `dependabot`), or a bot's commit e-mail. `excludeBots` leaves these out.
    async fn is_bot(&self, ctx: &Context<'_>) -> Result<bool> {
        if self.key.is_bot() {
            return Ok(true);
        }
        let ContributorKey::Login(login) = &self.key else {
            return Ok(false);
        };
        Ok(ctx
            .data::<DataLoader<StoreLoader>>()?
            .load_one(TypedBot {
                integration_id: self.integration_id.clone(),
                login: login.clone(),
            })
            .await
            .map_err(internal)?
            .unwrap_or(false))
    }
}

fn contributor(integration_id: &str, key: ContributorKey) -> Contributor {
    Contributor {
        integration_id: integration_id.to_string(),
        key,
    }
}

#[derive(Default)]
pub struct AnalyticsQuery;

#[Object]
impl AnalyticsQuery {
    /// Pull request figures, per pull request and taken together. Reactions never
    /// count; a comment counts whatever its text (an emoji alone is a comment).
    async fn pull_request_metrics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration, range, time zone and narrowing.")] filter: ScopeInput,
        #[graphql(default, desc = "Merged or opened within the range.")] set: PullRequestSetGql,
    ) -> Result<PullRequestMetrics> {
        let (db, scope) = resolve(ctx, &filter).await?;
        Ok(PullRequestMetrics {
            db,
            scope,
            set: set.into(),
        })
    }

    /// Commit figures of the range: coding days, commits per day, lines, contributors.
    async fn commit_metrics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration, range, time zone and narrowing.")] filter: ScopeInput,
    ) -> Result<CommitMetrics> {
        let (db, scope) = resolve(ctx, &filter).await?;
        let figures = commits::figures(&db, &scope).await.map_err(internal)?;
        Ok(CommitMetrics { scope, figures })
    }

    /// What each contributor did each day of the range (in its time zone), newest day
    /// first: commits, pull requests, reviews, comments and ticket activity. The only
    /// query that shows tickets.
    async fn work_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The integration, range, time zone and narrowing.")] filter: ScopeInput,
        #[graphql(desc = "How many to answer, at most 100 (50 when absent).")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the page before.")] after: Option<String>,
    ) -> Result<Page<WorkLogDay>> {
        let request = PageRequest::<WorkLogKey>::forward("work-log", after, first, LIMITS).gql()?;
        let (db, scope) = resolve(ctx, &filter).await?;
        // The roll-ups' refresh writes: through the writing connection.
        let writer = ctx.data::<Integrations>()?.db().clone();
        let (total, days) = work_log::page(
            &writer,
            &db,
            &scope,
            request.after.as_ref(),
            request.fetch() as usize,
        )
        .await
        .map_err(internal)?;
        Ok(request.connection(
            days,
            WorkLogKey::of,
            |day| WorkLogDay {
                scope: scope.clone(),
                day,
            },
            total as u64,
        ))
    }
}

/// The pull requests a filter selects.
pub struct PullRequestMetrics {
    db: DatabaseConnection,
    scope: Arc<Scope>,
    set: pull_requests::PullRequestSet,
}

/// The pull requests a filter selects: taken together, and one by one.
#[Object]
impl PullRequestMetrics {
    /// Every selected pull request taken together.
    async fn aggregate(&self) -> Result<PullRequestAggregate> {
        let aggregate = pull_requests::aggregate_of(&self.db, &self.scope, self.set)
            .await
            .map_err(internal)?;
        Ok(PullRequestAggregate(aggregate))
    }

    /// Each selected pull request with its figures, newest first.
    async fn pull_requests(
        &self,
        #[graphql(desc = "How many to answer, at most 100 (50 when absent).")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the page before.")] after: Option<String>,
    ) -> Result<Page<PullRequestFigures>> {
        let ordering = format!("pull-requests:{:?}", self.set);
        let request =
            PageRequest::<PullRequestKey>::forward(&ordering, after, first, LIMITS).gql()?;
        let (total, rows) = futures_util::try_join!(
            pull_requests::count(&self.db, &self.scope, self.set),
            pull_requests::page(
                &self.db,
                &self.scope,
                self.set,
                request.after.as_ref(),
                request.fetch()
            ),
        )
        .map_err(internal)?;
        let set = self.set;
        Ok(request.connection(
            rows,
            |(row, _)| PullRequestKey::of(row, set),
            |(row, figures)| PullRequestFigures {
                integration_id: self.scope.integration_id.clone(),
                without_bots: self.scope.exclude_bots,
                row,
                figures,
            },
            total as u64,
        ))
    }
}

/// Figures of many pull requests. Averages are null when nothing was there to average.
pub struct PullRequestAggregate(pull_requests::Aggregate);

/// Figures of many pull requests. Averages are null when nothing was there to average.
#[Object]
impl PullRequestAggregate {
    /// How many pull requests were selected.
    async fn pull_requests(&self) -> i64 {
        self.0.pull_requests
    }
    /// Of those, how many had a comment by someone other than the author.
    async fn with_first_comment(&self) -> i64 {
        self.0.with_first_comment
    }
    /// Hours from creation to the first comment by someone else, averaged over the
    /// pull requests that have one.
    async fn average_time_to_first_comment_hours(&self) -> Option<f64> {
        self.0.average_time_to_first_comment
    }
    /// Reviewer responses counted (see `averageReactionTimeHours`).
    async fn reviewer_responses(&self) -> i64 {
        self.0.reviewer_responses
    }
    /// Hours from an author's action to each reviewer's response, averaged over every response.
    async fn average_reaction_time_hours(&self) -> Option<f64> {
        self.0.average_reaction_time
    }
    /// Author responses counted (see `averageResponsivenessHours`).
    async fn author_responses(&self) -> i64 {
        self.0.author_responses
    }
    /// Hours from a reviewer's action to the author's response, averaged over every response.
    async fn average_responsiveness_hours(&self) -> Option<f64> {
        self.0.average_responsiveness
    }
    /// Merged pull requests with a comment by someone else that is not a bare approval.
    async fn thoroughly_reviewed(&self) -> i64 {
        self.0.thoroughly_reviewed
    }
    /// `thoroughlyReviewed` ÷ merged pull requests.
    async fn thoroughly_reviewed_share(&self) -> Option<f64> {
        (self.0.merged > 0).then(|| self.0.thoroughly_reviewed as f64 / self.0.merged as f64)
    }
    /// Conversation and review-thread comments, by anyone.
    async fn comments(&self) -> i64 {
        self.0.comments
    }
    /// Submitted reviews by others than the author.
    async fn reviews(&self) -> i64 {
        self.0.reviews
    }
    /// Distinct reviewers per pull request.
    async fn average_reviewers(&self) -> Option<f64> {
        self.0.average_reviewers
    }
    /// Commits after the first review, per pull request.
    async fn average_iterations(&self) -> Option<f64> {
        self.0.average_iterations
    }
    /// Hours from creation to merge, averaged over the merged ones.
    async fn average_time_to_merge_hours(&self) -> Option<f64> {
        self.0.average_time_to_merge
    }
    /// Additions + deletions, per pull request.
    async fn average_size(&self) -> Option<f64> {
        self.0.average_size
    }
}

/// One pull request and its figures.
pub struct PullRequestFigures {
    pub(super) integration_id: String,
    /// Counted without the actions of bots: figures differ, so the id does too.
    pub(super) without_bots: bool,
    pub(super) row: PullRequestRow,
    pub(super) figures: Figures,
}

impl PullRequestFigures {
    /// The key part of the global id: `<integration>:<with|without bots>:<GitHub node id>`.
    pub(super) fn node_key(&self) -> [&str; 3] {
        [
            &self.integration_id,
            if self.without_bots {
                BOTS_EXCLUDED
            } else {
                BOTS_COUNTED
            },
            &self.row.node_id,
        ]
    }
}

/// The bot-policy part of a pull request's global id.
pub(super) const BOTS_EXCLUDED: &str = "without-bots";
pub(super) const BOTS_COUNTED: &str = "with-bots";

/// Where a pull request stands on GitHub.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullRequestState {
    /// Open (drafts included).
    Open,
    /// Closed without being merged.
    Closed,
    /// Merged.
    Merged,
}

impl PullRequestState {
    /// GitHub's `PullRequestState` as the import stores it.
    fn of(stored: &str) -> PullRequestState {
        match stored {
            "MERGED" => PullRequestState::Merged,
            "CLOSED" => PullRequestState::Closed,
            _ => PullRequestState::Open,
        }
    }
}

/// One pull request and its figures (docs/metrics.md).
#[Object]
impl PullRequestFigures {
    /// The pull request's global id; figures counted without bots have their own.
    pub(crate) async fn id(&self) -> ID {
        node_id::encode_parts(NodeKind::PullRequest, &self.node_key())
    }
    /// GitHub's node id of the pull request.
    async fn github_id(&self) -> ID {
        ID(self.row.node_id.clone())
    }
    /// The pull request's number in its repository.
    async fn number(&self) -> i64 {
        self.row.number
    }
    /// The pull request's title.
    async fn title(&self) -> &str {
        &self.row.title
    }
    /// Open, closed or merged.
    async fn state(&self) -> PullRequestState {
        PullRequestState::of(&self.row.state)
    }
    /// The repository (loaded in one statement for the whole page).
    async fn repository(&self, ctx: &Context<'_>) -> Result<Option<Repository>> {
        repository(ctx, &self.row.repository_id).await
    }
    /// Who opened it (`ghost` for a deleted account).
    async fn author(&self) -> Contributor {
        contributor(
            &self.integration_id,
            ContributorKey::Login(self.row.author.clone()),
        )
    }
    /// When it was opened (drafts included).
    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }
    /// When it was merged, if it was.
    async fn merged_at(&self) -> Option<DateTime<Utc>> {
        self.row.merged_at
    }
    /// When it was closed or merged, if it was.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.row.closed_at
    }
    /// Hours from creation to the first comment by someone other than the author.
    async fn time_to_first_comment_hours(&self) -> Option<f64> {
        self.figures.time_to_first_comment
    }
    /// The average of `reactionTimesHours`.
    async fn reaction_time_hours(&self) -> Option<f64> {
        metrics::pull_request_timeline::average(&self.figures.reaction_times)
    }
    /// Each reviewer response, in hours.
    async fn reaction_times_hours(&self) -> &[f64] {
        &self.figures.reaction_times
    }
    /// The average of `responsivenessTimesHours`.
    async fn responsiveness_hours(&self) -> Option<f64> {
        metrics::pull_request_timeline::average(&self.figures.responsiveness)
    }
    /// Each author response, in hours.
    async fn responsiveness_times_hours(&self) -> &[f64] {
        &self.figures.responsiveness
    }
    /// Merged, with a comment by someone else that is not a bare approval.
    async fn thoroughly_reviewed(&self) -> bool {
        self.figures.thoroughly_reviewed
    }
    /// Conversation and review-thread comments, by anyone.
    async fn comments(&self) -> i64 {
        self.figures.comments
    }
    /// Submitted reviews by others than the author.
    async fn reviews(&self) -> i64 {
        self.figures.reviews
    }
    /// Everyone but the author who commented, reviewed or committed.
    async fn reviewers(&self) -> Vec<Contributor> {
        self.figures
            .reviewers
            .iter()
            .map(|login| contributor(&self.integration_id, ContributorKey::Login(login.clone())))
            .collect()
    }
    /// Commits after the first review.
    async fn iterations(&self) -> i64 {
        self.figures.iterations
    }
    /// Hours from creation to merge.
    async fn time_to_merge_hours(&self) -> Option<f64> {
        self.figures.time_to_merge
    }
    /// Additions + deletions.
    async fn size(&self) -> i64 {
        self.figures.size
    }
}

/// Commits of a range.
pub struct CommitMetrics {
    scope: Arc<Scope>,
    figures: CommitFigures,
}

/// The commits of a range (default branch, by authored date).
#[Object]
impl CommitMetrics {
    /// Calendar days in the range.
    async fn days(&self) -> i64 {
        self.figures.days
    }
    /// Coding days per week, averaged over the active contributors: the sum of their
    /// coding days ÷ (days in range ÷ 7) ÷ active contributors.
    async fn coding_days_per_week(&self) -> Option<f64> {
        self.figures.average_coding_days_per_week()
    }
    /// Commits that are not merge commits ÷ coding days (of every contributor).
    async fn commits_per_day(&self) -> Option<f64> {
        self.figures.total.commits_per_day()
    }
    /// Every commit, merge commits included.
    async fn commits(&self) -> i64 {
        self.figures.total.commits
    }
    /// Commits with two or more parents.
    async fn merge_commits(&self) -> i64 {
        self.figures.total.merge_commits
    }
    /// Lines added, over every commit.
    async fn additions(&self) -> i64 {
        self.figures.total.additions
    }
    /// Lines deleted, over every commit.
    async fn deletions(&self) -> i64 {
        self.figures.total.deletions
    }
    /// Contributors with at least one coding day in the range (a commit that is not a
    /// merge).
    async fn active_contributors(&self) -> i64 {
        self.figures.active_contributors() as i64
    }
    /// Each contributor's figures (everyone with a commit in the range, merges
    /// included), most commits first.
    async fn contributors(
        &self,
        #[graphql(desc = "How many to answer, at most 100 (50 when absent).")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the page before.")] after: Option<String>,
    ) -> Result<Page<ContributorCommitMetrics>> {
        let mut list: Vec<ContributorCommitMetrics> = self
            .figures
            .contributors
            .iter()
            .map(|(key, figures)| ContributorCommitMetrics {
                contributor: contributor(&self.scope.integration_id, key.clone()),
                coding_days_per_week: self.figures.coding_days_per_week(figures),
                figures: figures.clone(),
            })
            .collect();
        // Most commits first; ties by who, so every contributor has one place.
        list.sort_by_key(ContributorPlace::of);
        let request =
            PageRequest::<ContributorPlace>::forward("contributors", after, first, LIMITS).gql()?;
        let total = list.len() as u64;
        let rows: Vec<ContributorCommitMetrics> = list
            .into_iter()
            .filter(|c| {
                request
                    .after
                    .as_ref()
                    .is_none_or(|after| ContributorPlace::of(c) > *after)
            })
            .take(request.fetch() as usize)
            .collect();
        Ok(request.connection(rows, ContributorPlace::of, |c| c, total))
    }
}

/// Where a contributor stands among a range's: most commits first, then logins before
/// e-mails, then by login or e-mail.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
struct ContributorPlace {
    fewer_commits: std::cmp::Reverse<i64>,
    key: (bool, String),
}

impl ContributorPlace {
    fn of(c: &ContributorCommitMetrics) -> ContributorPlace {
        let key = match &c.contributor.key {
            ContributorKey::Login(login) => (false, login.clone()),
            ContributorKey::Email(email) => (true, email.clone()),
        };
        ContributorPlace {
            fewer_commits: std::cmp::Reverse(c.figures.commits),
            key,
        }
    }
}

/// One contributor's commits in a range.
pub struct ContributorCommitMetrics {
    contributor: Contributor,
    coding_days_per_week: f64,
    figures: ContributorCommits,
}

/// One contributor's commits in a range.
#[Object]
impl ContributorCommitMetrics {
    /// Whose commits these are.
    async fn contributor(&self) -> &Contributor {
        &self.contributor
    }
    /// Days (in the time zone) with at least one commit.
    async fn coding_days(&self) -> i64 {
        self.figures.coding_days
    }
    /// Coding days ÷ (days in range ÷ 7).
    async fn coding_days_per_week(&self) -> f64 {
        self.coding_days_per_week
    }
    /// Commits that are not merge commits ÷ coding days.
    async fn commits_per_day(&self) -> Option<f64> {
        self.figures.commits_per_day()
    }
    /// Every commit, merge commits included.
    async fn commits(&self) -> i64 {
        self.figures.commits
    }
    /// Commits with two or more parents.
    async fn merge_commits(&self) -> i64 {
        self.figures.merge_commits
    }
    /// Lines added.
    async fn additions(&self) -> i64 {
        self.figures.additions
    }
    /// Lines deleted.
    async fn deletions(&self) -> i64 {
        self.figures.deletions
    }
}

/// One contributor's day.
pub struct WorkLogDay {
    scope: Arc<Scope>,
    day: WorkDay,
}

/// What one contributor did on one day.
#[Object]
impl WorkLogDay {
    /// The day, in the query's time zone.
    async fn date(&self) -> Date {
        Date(self.day.date)
    }
    /// Whose day it is.
    async fn contributor(&self) -> Contributor {
        contributor(&self.scope.integration_id, self.day.contributor.clone())
    }
    /// What they did, in time order.
    async fn items(&self) -> Vec<WorkLogItem> {
        self.day.items.iter().cloned().map(WorkLogItem).collect()
    }
}

/// One thing done.
pub struct WorkLogItem(WorkItem);

/// One thing done: a commit, a pull request event, a review, a comment, ticket activity.
#[Object]
impl WorkLogItem {
    /// What was done.
    async fn kind(&self) -> WorkLogItemKindGql {
        self.0.kind.into()
    }
    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// Where (loaded in one statement for the whole page).
    async fn repository(&self, ctx: &Context<'_>) -> Result<Option<Repository>> {
        repository(ctx, &self.0.repository_id).await
    }
    /// The pull request's or ticket's number.
    async fn number(&self) -> Option<i64> {
        self.0.number
    }
    /// The pull request's or ticket's title, or the commit's headline.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The commit's oid.
    async fn oid(&self) -> Option<&str> {
        self.0.oid.as_deref()
    }
    /// A review's state, a label's name or an assignee's login.
    async fn detail(&self) -> Option<&str> {
        self.0.detail.as_deref()
    }
}
