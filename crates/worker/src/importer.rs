//! The import job: one run of one repository, page by page. Each page's rows, the
//! run's checkpoint and its counters are written in one transaction, so a worker that
//! dies anywhere resumes from the last stored page, losing and duplicating nothing.
//! A fresh run of a small repository is read with others in a few queries (`batch`).

use std::{
    collections::HashMap,
    sync::{Arc, atomic::Ordering::Relaxed},
};

use chrono::{DateTime, Utc};
use entity::{import_run, integration, repository, sync_mark};
use github::{
    GithubClient, Token,
    import::{Page, RepoRef},
};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, TransactionTrait,
    sea_query::{Expr, OnConflict},
};
use tracing::Instrument;

use entity::{
    import_run::{ErrorCode, RunKind, RunState, WaitReason},
    run_details::{
        Checkpoint, Counts, Listing, ListingProgress, Resource, Skipped, SkippedListings,
    },
};
use queue::{
    budget::{RateBudget, Reading, budget_key},
    progress::{ProgressBus, ProgressEvent},
    runs::{Failure, error_code, transition},
};

use entity::retry::Patience;

use crate::{
    lease::Lease,
    policy::{ImportSettings, REVOKED_MESSAGE, Reaction},
    store::{self, Scope},
};

/// The JSON columns of a run as the run changes them, written back with each page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct RunDetails {
    counts: Counts,
    skipped: SkippedListings,
    checkpoint: Checkpoint,
}

impl RunDetails {
    fn of(model: &import_run::Model) -> RunDetails {
        RunDetails {
            counts: model.counts.clone(),
            skipped: model.skipped.clone(),
            checkpoint: model.checkpoint.clone(),
        }
    }
}

/// Opens the sealed token of an integration; the API's key lives with the caller.
pub trait TokenSource: Send + Sync {
    /// Opens an integration's sealed token (`entity::sealed`: bound to its row).
    fn open(&self, sealed: &str, at: &entity::sealed::SealedAt) -> anyhow::Result<Token>;
}

#[derive(Clone)]
pub struct Importer {
    pub db: DatabaseConnection,
    pub github: GithubClient,
    pub tokens: Arc<dyn TokenSource>,
    pub bus: ProgressBus,
    pub budget: RateBudget,
    pub settings: ImportSettings,
    /// How long a claim holds a run without renewing it (`queue::QueueConfig::run_lease`).
    pub lease: std::time::Duration,
}

/// Why a run stopped before the end.
enum Stop {
    /// A user cancelled it (the API already recorded and announced that).
    Cancelled,
    Revoked,
    Failed(Failure),
    Database(DbErr),
}

impl From<DbErr> for Stop {
    fn from(error: DbErr) -> Self {
        Stop::Database(error)
    }
}

impl From<anyhow::Error> for Stop {
    fn from(error: anyhow::Error) -> Self {
        Stop::Failed(Failure::new(ErrorCode::Internal, error.to_string()))
    }
}

/// One fetched page of any listing.
enum Fetched {
    Commits(Page<github::import::Commit>),
    PullRequests(Page<github::import::PullRequest>),
    Tickets(Page<github::import::Ticket>),
}

macro_rules! each_page {
    ($fetched:expr, $page:ident => $body:expr) => {
        match $fetched {
            Fetched::Commits($page) => $body,
            Fetched::PullRequests($page) => $body,
            Fetched::Tickets($page) => $body,
        }
    };
}

// After `each_page!`, which it uses.
mod batch;

impl Fetched {
    fn rate_limit(&self) -> Option<&github::import::RateLimitReading> {
        each_page!(self, page => page.rate_limit.as_ref())
    }

    fn is_empty(&self) -> bool {
        each_page!(self, page => page.items.is_empty())
    }

    /// The dates the listing's mark follows: commit date for commits (what
    /// `history(since:)` filters on), update date for pull requests and tickets.
    fn mark_dates(&self) -> Vec<DateTime<Utc>> {
        match self {
            Fetched::Commits(page) => page.items.iter().map(|c| c.committed_at).collect(),
            Fetched::PullRequests(page) => page.items.iter().map(|p| p.updated_at).collect(),
            Fetched::Tickets(page) => page.items.iter().map(|t| t.updated_at).collect(),
        }
    }

    fn counts(&self) -> Vec<(Resource, i64)> {
        match self {
            Fetched::Commits(page) => vec![(Resource::Commits, page.items.len() as i64)],
            Fetched::PullRequests(page) => store::pull_request_counts(&page.items),
            Fetched::Tickets(page) => store::ticket_counts(&page.items),
        }
    }

    async fn store(&self, db: &impl ConnectionTrait, scope: &Scope) -> Result<(), DbErr> {
        match self {
            Fetched::Commits(page) => store::store_commits(db, scope, &page.items).await,
            Fetched::PullRequests(page) => store::store_pull_requests(db, scope, &page.items).await,
            Fetched::Tickets(page) => store::store_tickets(db, scope, &page.items).await,
        }
    }
}

/// What a claimed run needs while it runs.
struct Running {
    run: import_run::Model,
    lease: Lease,
    kind: RunKind,
    scope: Scope,
    repo: RepoRef,
    token: Token,
    budget_key: String,
    details: RunDetails,
    marks: HashMap<Listing, DateTime<Utc>>,
}

impl Running {
    /// Whether the run still has `listing` to read: its service is on and it is not done.
    fn needs(&self, listing: Listing) -> bool {
        !self.details.skipped.iter().any(|s| s.listing == listing)
            && !self
                .details
                .checkpoint
                .get(&listing)
                .is_some_and(|progress| progress.done)
    }

    /// Where the run stands, as the progress bus tells it.
    fn event(&self, state: RunState, failure: Option<&Failure>) -> ProgressEvent {
        ProgressEvent {
            run_id: self.run.id.clone(),
            integration_id: self.scope.integration_id.clone(),
            repository_id: self.scope.repository_id.clone(),
            state,
            counts: self.details.counts.clone(),
            skipped: self.details.skipped.clone(),
            error: failure.map(|f| f.message.clone()),
            error_code: failure.map(|f| f.code),
            at: Utc::now(),
        }
    }

    /// Nothing read yet: no listing has a page stored.
    fn is_fresh(&self) -> bool {
        self.details
            .checkpoint
            .values()
            .all(|progress| *progress == ListingProgress::default())
    }
}

impl Importer {
    /// Runs (or resumes) one import run. Errors are the database's only: GitHub's end
    /// the run FAILED with the reason.
    pub async fn run(&self, run_id: &str) -> anyhow::Result<()> {
        let Some(mut running) = self.claim(run_id).await? else {
            return Ok(());
        };
        if self.settings.batch_runs > 1 && running.is_fresh() {
            match self.run_in_batch(running).await? {
                Some(alone) => running = alone,
                None => return Ok(()),
            }
        }
        let span = tracing::info_span!(
            "import",
            run = %run_id,
            repo = %format!("{}/{}", running.repo.owner, running.repo.name),
            kind = ?running.kind,
        );
        self.run_claimed(running).instrument(span).await
    }

    async fn run_claimed(&self, mut running: Running) -> anyhow::Result<()> {
        tracing::info!(attempt = running.run.attempt, "import started");
        self.publish(&running, RunState::Running, None).await;
        let lease = running.lease.clone();
        let outcome = tokio::select! {
            outcome = self.walk_listings(&mut running) => outcome,
            () = lease.keep(&self.db) => {
                tracing::warn!("the run was cancelled, or taken by another worker after this one lost its lease; stopping");
                Err(Stop::Cancelled)
            }
        };
        match outcome {
            Ok(()) => self.succeed(&running).await?,
            Err(Stop::Cancelled) => tracing::info!("import cancelled"),
            Err(Stop::Revoked) => {
                // The integration first: whoever sees the run FAILED sees why, there too.
                mark_token_revoked(&self.db, &running.scope.integration_id).await?;
                let failure = Failure::new(ErrorCode::BadCredentials, REVOKED_MESSAGE);
                self.fail(&running, &failure).await?;
            }
            Err(Stop::Failed(failure)) => self.fail(&running, &failure).await?,
            Err(Stop::Database(error)) if entity::retry::is_connection_lost(&error) => {
                // Not the run's fault: it stays RUNNING, its lease runs out, and the
                // sweeper queues it again, to resume from its last stored page.
                tracing::warn!(%error, "lost the database; the run resumes once its lease runs out");
                return Err(error.into());
            }
            Err(Stop::Database(error)) => {
                let failure = Failure::new(
                    ErrorCode::Internal,
                    format!("internal error while storing: {error}"),
                );
                // Best effort: the database may be what failed.
                let _ = self.fail(&running, &failure).await;
                return Err(error.into());
            }
        }
        Ok(())
    }

    /// Ends a run whose listings are all read: SUCCEEDED, and its marks moved on.
    async fn succeed(&self, running: &Running) -> Result<(), DbErr> {
        let txn = self.db.begin().await?;
        if transition(
            &txn,
            &running.run.id,
            &[RunState::Running],
            RunState::Succeeded,
            None,
        )
        .await?
        {
            advance_marks(&txn, running).await?;
            txn.commit().await?;
            tracing::info!(
                run = %running.run.id,
                requests = running.run.requests,
                points = running.run.points,
                "import succeeded"
            );
            self.publish(running, RunState::Succeeded, None).await;
        } else {
            tracing::info!(run = %running.run.id, "import cancelled before it could finish");
        }
        Ok(())
    }

    async fn fail(&self, running: &Running, failure: &Failure) -> Result<(), DbErr> {
        tracing::warn!(reason = %failure.message, code = ?failure.code, "import failed");
        if transition(
            &self.db,
            &running.run.id,
            &[RunState::Running],
            RunState::Failed,
            Some(failure),
        )
        .await?
        {
            self.publish(running, RunState::Failed, Some(failure)).await;
        }
        Ok(())
    }

    async fn publish(&self, running: &Running, state: RunState, failure: Option<&Failure>) {
        self.bus.publish(running.event(state, failure)).await;
    }

    /// Marks the run RUNNING (from QUEUED, or RUNNING when a dead worker's job comes
    /// back) and gathers what it needs; `None` when there is nothing to run.
    async fn claim(&self, run_id: &str) -> anyhow::Result<Option<Running>> {
        let Some(run) = import_run::Entity::find_by_id(run_id.to_string())
            .one(&self.db)
            .await?
        else {
            tracing::warn!(run = %run_id, "no such import run; the job is dropped");
            return Ok(None);
        };
        if !matches!(run.state, RunState::Queued | RunState::Running) {
            tracing::info!(run = %run_id, state = ?run.state, "import run already ended; nothing to do");
            return Ok(None);
        }
        let integration = integration::Entity::find_by_id(run.integration_id.clone())
            .one(&self.db)
            .await?;
        let repository = repository::Entity::find_by_id(run.repository_id.clone())
            .one(&self.db)
            .await?;
        let (Some(integration), Some(repository)) = (integration, repository) else {
            transition(
                &self.db,
                run_id,
                &[RunState::Queued, RunState::Running],
                RunState::Failed,
                Some(&Failure::new(
                    ErrorCode::RepositoryNotFound,
                    "the integration or repository was deleted",
                )),
            )
            .await?;
            return Ok(None);
        };
        let mut details = RunDetails::of(&run);
        details.skipped = SkippedListings(skipped_listings(&integration));
        let now = Utc::now();
        let lease = Lease {
            run_id: run_id.to_string(),
            attempt: run.attempt + 1,
            length: self.lease,
        };
        // At the attempt read above only: of two workers claiming at once, one moves it.
        let claimed = import_run::Entity::update_many()
            .set(import_run::ActiveModel {
                state: Set(RunState::Running),
                attempt: Set(lease.attempt),
                started_at: Set(Some(run.started_at.unwrap_or(now))),
                skipped: Set(details.skipped.clone()),
                updated_at: Set(now),
                lease_expires_at: Set(Some(Lease::expires_at(self.lease))),
                waiting_for: Set(None),
                waiting_until: Set(None),
                ..Default::default()
            })
            .filter(import_run::Column::Id.eq(run_id))
            .filter(import_run::Column::Attempt.eq(run.attempt))
            .filter(Lease::claimable())
            .exec(&self.db)
            .await?;
        if claimed.rows_affected != 1 {
            tracing::info!(run = %run_id, "another worker holds the run; the job is dropped");
            return Ok(None);
        }
        let at = entity::sealed::SealedAt::integration_token(&integration.id);
        let token = match self.tokens.open(&integration.token_ciphertext, &at) {
            Ok(token) => token,
            Err(error) => {
                let failure = Failure::new(
                    ErrorCode::TokenUnreadable,
                    format!("the integration's token cannot be read: {error}"),
                );
                transition(
                    &self.db,
                    run_id,
                    &[RunState::Running],
                    RunState::Failed,
                    Some(&failure),
                )
                .await?;
                return Ok(None);
            }
        };
        let marks = sync_mark::Entity::find()
            .filter(sync_mark::Column::RepositoryId.eq(repository.id.clone()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| (m.resource, m.mark))
            .collect();
        let kind = run.kind;
        let run = import_run::Model {
            attempt: run.attempt + 1,
            ..run
        };
        Ok(Some(Running {
            lease,
            kind,
            scope: Scope {
                integration_id: integration.id.clone(),
                repository_id: repository.id.clone(),
            },
            repo: RepoRef {
                owner: repository.owner.clone(),
                name: repository.name.clone(),
            },
            budget_key: budget_key(&token),
            token,
            details,
            marks,
            run,
        }))
    }

    async fn walk_listings(&self, running: &mut Running) -> Result<(), Stop> {
        for listing in Listing::ALL {
            if running.needs(listing) {
                // `walk` reads the listing's progress from the checkpoint.
                running.details.checkpoint.entry(listing).or_default();
                self.walk(running, listing).await?;
            }
        }
        Ok(())
    }

    /// Where an incremental run starts reading a listing: its mark, less the overlap.
    fn threshold(&self, running: &Running, listing: Listing) -> Option<DateTime<Utc>> {
        match running.kind {
            RunKind::Full => None,
            RunKind::Incremental => running
                .marks
                .get(&listing)
                .map(|mark| *mark - self.settings.overlap),
        }
    }

    async fn walk(&self, running: &mut Running, listing: Listing) -> Result<(), Stop> {
        let threshold = self.threshold(running, listing);
        let configured = match listing {
            Listing::Commits => self.settings.commit_page_size,
            Listing::PullRequests => self.settings.pull_request_page_size,
            Listing::Tickets => self.settings.ticket_page_size,
        };
        let mut page_size = configured;
        let mut page_number = 0u32;
        loop {
            page_number += 1;
            let after = running.details.checkpoint[&listing].after.clone();
            let page = self
                .fetch(
                    running,
                    listing,
                    threshold,
                    after.as_deref(),
                    &mut page_size,
                    configured,
                )
                .instrument(tracing::info_span!(
                    "page",
                    listing = ?listing,
                    page = page_number
                ))
                .await?;
            self.store_page(running, listing, threshold, page)
                .instrument(tracing::info_span!(
                    "page",
                    listing = ?listing,
                    page = page_number
                ))
                .await?;
            if running.details.checkpoint[&listing].done {
                return Ok(());
            }
        }
    }

    /// One page's rows with the run's checkpoint and counters, in one transaction;
    /// `false` when this claim no longer holds the run (cancelled meanwhile, or taken
    /// by another worker): nothing of the page is written then.
    async fn write_page(
        &self,
        fetched: &Fetched,
        running: &Running,
        details: &RunDetails,
        requests: u32,
        points: i64,
    ) -> Result<bool, DbErr> {
        let txn = self.db.begin().await?;
        fetched.store(&txn, &running.scope).await?;
        let updated = import_run::Entity::update_many()
            .set(import_run::ActiveModel {
                counts: Set(details.counts.clone()),
                checkpoint: Set(details.checkpoint.clone()),
                requests: Set(running.run.requests + i64::from(requests)),
                points: Set(running.run.points + points),
                updated_at: Set(Utc::now()),
                lease_expires_at: Set(Some(Lease::expires_at(running.lease.length))),
                ..Default::default()
            })
            .filter(running.lease.held())
            .exec(&txn)
            .await?;
        if updated.rows_affected != 1 {
            txn.rollback().await?;
            return Ok(false);
        }
        txn.commit().await?;
        Ok(true)
    }

    /// Stores one page with the run's new checkpoint and counters, in one transaction.
    async fn store_page(
        &self,
        running: &mut Running,
        listing: Listing,
        threshold: Option<DateTime<Utc>>,
        page: (Fetched, u32, i64),
    ) -> Result<(), Stop> {
        let (fetched, requests, points) = page;
        let dates = fetched.mark_dates();
        let (end_cursor, has_next, total) =
            each_page!(&fetched, p => (p.end_cursor.clone(), p.has_next_page, p.total_count));
        let mut details = running.details.clone();
        for (resource, added) in fetched.counts() {
            details.counts.entry(resource).or_default().fetched += added;
        }
        details.counts.entry(listing.resource()).or_default().total = Some(total);
        let progress: &mut ListingProgress = details.checkpoint.entry(listing).or_default();
        progress.newest = dates.iter().copied().chain(progress.newest).max();
        // Pull requests have no `since`: sorted by update date, newest first, the
        // listing is done once a page reaches past the threshold — on the same field as
        // the sort, so everything after it is older still.
        let passed_threshold = listing == Listing::PullRequests
            && threshold.is_some_and(|t| dates.iter().any(|d| *d < t));
        progress.after = end_cursor.or(progress.after.take());
        progress.done = !has_next || fetched.is_empty() || passed_threshold;

        // Pages of one integration's repositories are stored concurrently, and their
        // rows meet in shared roll-ups (commit days, the Work log's marked days): on
        // PostgreSQL two of them can deadlock, and PostgreSQL aborts one. Its whole
        // transaction is run again, as PostgreSQL's manual prescribes; nothing of it
        // was written. A connection lost mid-page is waited out the same way (the
        // page's writes are idempotent, even if its commit went through unseen).
        let mut patience = Patience::new();
        loop {
            match self
                .write_page(&fetched, running, &details, requests, points)
                .await
            {
                Ok(true) => break,
                Ok(false) => return Err(Stop::Cancelled),
                Err(error) => match patience.wait_after(&error) {
                    Some(wait) => {
                        tracing::warn!(%error, wait_ms = wait.as_millis() as u64, "a page's transaction failed for a reason outside it; writing it again");
                        tokio::time::sleep(wait).await;
                    }
                    None => return Err(error.into()),
                },
            }
        }
        running.details = details;
        running.run.requests += i64::from(requests);
        running.run.points += points;
        tracing::info!(rows = dates.len(), requests, points, "page stored");
        self.publish(running, RunState::Running, None).await;
        Ok(())
    }

    /// Fetches one page under the import policy; returns it with the requests made and
    /// points spent, failed attempts included. GitHub finding the page too heavy halves
    /// `page_size` (down to 1); an answer grows it back towards `configured`.
    async fn fetch(
        &self,
        running: &Running,
        listing: Listing,
        threshold: Option<DateTime<Utc>>,
        after: Option<&str>,
        page_size: &mut u32,
        configured: u32,
    ) -> Result<(Fetched, u32, i64), Stop> {
        // Atomic rather than a Cell only so that the future stays Send.
        let size = std::sync::atomic::AtomicU32::new(*page_size);
        let since = match listing {
            Listing::PullRequests => None,
            _ => threshold,
        };
        let (github, token, repo) = (&self.github, &running.token, &running.repo);
        let (fetched, failed) = self
            .call_github(
                &[running],
                || {
                    let halved = (size.load(Relaxed) / 2).max(1);
                    size.store(halved, Relaxed);
                    tracing::warn!(page_size = halved, "halving the page");
                    true
                },
                || {
                    let page_size = size.load(Relaxed);
                    async move {
                        match listing {
                            Listing::Commits => github
                                .commit_page(token, repo, since, after, page_size)
                                .await
                                .map(Fetched::Commits),
                            Listing::PullRequests => github
                                .pull_request_page(token, repo, after, page_size)
                                .await
                                .map(Fetched::PullRequests),
                            Listing::Tickets => github
                                .ticket_page(token, repo, since, after, page_size)
                                .await
                                .map(Fetched::Tickets),
                        }
                    }
                },
                Fetched::rate_limit,
            )
            .await?;
        let (page_requests, points) = each_page!(&fetched, p => (p.requests, p.points));
        // A lighter page worked; grow back towards the configured size.
        *page_size = (size.load(Relaxed) * 2).min(configured);
        Ok((fetched, failed + page_requests, points))
    }

    /// Calls GitHub for `runs` (of one integration, so one token) under the import
    /// policy until it answers: waits for the token's budget, a secondary limit or a
    /// back-off, each wait on every run's row and progress; retries. `lighter` is told
    /// when GitHub found the query too heavy (502, 504, a timeout) and says whether the
    /// next call is lighter; `false` ends the retries with that failure. Returns the
    /// answer and how many failed requests came before it.
    async fn call_github<T, F>(
        &self,
        runs: &[&Running],
        mut lighter: impl FnMut() -> bool,
        mut call: impl FnMut() -> F,
        rate_limit: impl Fn(&T) -> Option<&github::import::RateLimitReading>,
    ) -> Result<(T, u32), Stop>
    where
        F: std::future::Future<Output = Result<T, github::GithubError>>,
    {
        let Some(first) = runs.first() else {
            return Err(Stop::Cancelled);
        };
        let budget_key = &first.budget_key;
        let mut failures = 0u32;
        let mut waits = self.settings.backoff();
        let mut failed = 0u32;
        loop {
            self.ensure_running(runs).await?;
            if let Some(reset_at) = self
                .budget
                .spent_until(budget_key, self.settings.budget_reserve)
                .await?
            {
                tracing::info!(%reset_at, "the token's rate-limit budget is spent; waiting for its reset");
                // A second past the reset, so the first request meets the new window.
                let until = reset_at + chrono::Duration::seconds(1);
                self.wait(runs, WaitReason::RateLimit, until).await?;
                continue;
            }
            let error = match call().await {
                Ok(answer) => {
                    if let Some(reading) = rate_limit(&answer) {
                        self.budget
                            .record(
                                budget_key,
                                Reading {
                                    remaining: reading.remaining,
                                    reset_at: reading.reset_at,
                                },
                            )
                            .await?;
                    }
                    return Ok((answer, failed));
                }
                Err(error) => error,
            };
            failed += 1;
            let reaction = self.settings.react(&error);
            match reaction {
                Reaction::Revoked => return Err(Stop::Revoked),
                Reaction::Fail(failure) => return Err(Stop::Failed(failure)),
                Reaction::WaitForReset(reset_at) => {
                    self.budget
                        .record(
                            budget_key,
                            Reading {
                                remaining: 0,
                                reset_at,
                            },
                        )
                        .await?;
                    continue;
                }
                Reaction::WaitAndRetry(wait) => {
                    tracing::warn!(
                        wait_seconds = wait.as_secs_f64(),
                        "secondary rate limit; waiting as GitHub asks"
                    );
                    self.wait(runs, WaitReason::SecondaryRateLimit, moment_after(wait))
                        .await?;
                    continue;
                }
                Reaction::HalvePageAndRetry | Reaction::BackOffAndRetry => {
                    failures += 1;
                    let gave_up = reaction == Reaction::HalvePageAndRetry && !lighter();
                    let wait = if gave_up { None } else { waits.next() };
                    let Some(wait) = wait else {
                        return Err(Stop::Failed(Failure::new(
                            error_code(&error),
                            format!(
                                "GitHub failed {failures} times in a row; the last time: {error}"
                            ),
                        )));
                    };
                    tracing::warn!(%error, wait_ms = wait.as_millis() as u64, "retrying");
                    self.wait(runs, WaitReason::GithubUnavailable, moment_after(wait))
                        .await?;
                }
            }
        }
    }

    /// Waits until `until` for `reason`, with the wait on the runs' rows and on the
    /// progress bus when it starts and when it ends, so that a screen can say what a
    /// run waits for and until when instead of showing a RUNNING run doing nothing.
    async fn wait(
        &self,
        runs: &[&Running],
        reason: WaitReason,
        until: DateTime<Utc>,
    ) -> Result<(), Stop> {
        let running = || {
            runs.iter()
                .map(|r| r.event(RunState::Running, None))
                .collect()
        };
        self.mark_wait(runs, Some((reason, until))).await?;
        self.bus.publish_all(running()).await;
        if let Ok(wait) = (until - Utc::now()).to_std() {
            tokio::time::sleep(wait).await;
        }
        self.mark_wait(runs, None).await?;
        self.bus.publish_all(running()).await;
        Ok(())
    }

    /// Marks the wait on the runs this worker still holds; stops when it holds none.
    async fn mark_wait(
        &self,
        runs: &[&Running],
        wait: Option<(WaitReason, DateTime<Utc>)>,
    ) -> Result<(), Stop> {
        let held = runs.iter().fold(Condition::any(), |any, running| {
            any.add(running.lease.held())
        });
        let marked = import_run::Entity::update_many()
            .col_expr(
                import_run::Column::WaitingFor,
                Expr::value(wait.map(|(reason, _)| reason)),
            )
            .col_expr(
                import_run::Column::WaitingUntil,
                Expr::value(wait.map(|(_, until)| until)),
            )
            .filter(held)
            .exec(&self.db)
            .await?;
        if marked.rows_affected == 0 {
            // Cancelled meanwhile, or taken by another worker.
            return Err(Stop::Cancelled);
        }
        Ok(())
    }

    /// Stops between requests when users cancelled every one of the runs.
    async fn ensure_running(&self, runs: &[&Running]) -> Result<(), Stop> {
        let running = import_run::Entity::find()
            .filter(import_run::Column::Id.is_in(runs.iter().map(|r| r.run.id.as_str())))
            .filter(import_run::Column::State.eq(RunState::Running))
            .count(&self.db)
            .await?;
        if running > 0 {
            Ok(())
        } else {
            Err(Stop::Cancelled)
        }
    }
}

/// The moment `wait` from now.
fn moment_after(wait: std::time::Duration) -> DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX)
}

/// The listings the integration's services leave out, with the reason in words.
pub fn skipped_listings(integration: &integration::Model) -> Vec<Skipped> {
    Listing::ALL
        .into_iter()
        .filter(|listing| match listing {
            Listing::Commits => !integration.repos_enabled,
            Listing::PullRequests => !integration.pull_requests_enabled,
            Listing::Tickets => !integration.tickets_enabled,
        })
        .map(|listing| Skipped {
            listing,
            reason: format!(
                "the {} service is switched off for this integration",
                listing.service()
            ),
        })
        .collect()
}

/// After a successful run, each listing's mark moves to the newest date it saw (never back).
async fn advance_marks(db: &impl ConnectionTrait, running: &Running) -> Result<(), DbErr> {
    let now = Utc::now();
    let rows: Vec<sync_mark::ActiveModel> = running
        .details
        .checkpoint
        .iter()
        .filter_map(|(listing, progress)| {
            let newest = progress.newest?;
            let mark = running
                .marks
                .get(listing)
                .map_or(newest, |old| newest.max(*old));
            Some(sync_mark::ActiveModel {
                repository_id: Set(running.scope.repository_id.clone()),
                resource: Set(*listing),
                integration_id: Set(running.scope.integration_id.clone()),
                mark: Set(mark),
                updated_at: Set(now),
            })
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    sync_mark::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([sync_mark::Column::RepositoryId, sync_mark::Column::Resource])
                .update_columns([sync_mark::Column::Mark, sync_mark::Column::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Shows the revoked token on the integration: its last connection test turns failed,
/// with the message, until the user updates the token.
async fn mark_token_revoked(db: &DatabaseConnection, integration_id: &str) -> Result<(), DbErr> {
    let Some(model) = integration::Entity::find_by_id(integration_id.to_string())
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let mut test = model.last_test;
    test.ok = false;
    test.message = format!("An import stopped: {REVOKED_MESSAGE}.");
    let now = Utc::now();
    integration::Entity::update(integration::ActiveModel {
        id: Set(model.id),
        last_test_ok: Set(false),
        last_test: Set(test),
        last_tested_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(())
}
