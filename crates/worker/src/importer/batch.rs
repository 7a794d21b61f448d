//! Fresh runs of small repositories read together (issue 18). Read alone, a repository
//! costs a query per listing, a point each however little it holds, so an organization
//! of thousands of small repositories spent its token's hour on a fraction of them.
//! Read together (`github::import::batch`), fifty repositories' counts are one query,
//! and their first pages a few more, each page sized to what the repository holds.
//!
//! A fresh run's job takes, besides its own run, up to `batch_runs - 1` fresh QUEUED
//! runs of the same integration, oldest first, claimed as any run is claimed, with a
//! lease each. The plan sends a repository with more commits than a page to be read
//! alone, its commits in lanes (cheaper there) planned from what the plan learnt, so
//! that the run's own plan query is saved; the others' first pages are read in queries
//! of a bounded size. Each run's pages are stored as the run's own pages are (one
//! transaction each, with its checkpoint), so a batch cut short anywhere leaves every
//! run where its last stored page left it.
//!
//! A run whose listings are all read ends SUCCEEDED here. The others are read alone:
//! the job's own run goes on in this job; a companion goes back to QUEUED without a
//! job, and its integration's window queues it again as runs end. The queries' cost
//! is shared among the runs they read, so the runs' points add up to what GitHub
//! charged.

use entity::{
    import_run::{self, RunState},
    run_details::Listing,
};
use github::import::{
    Page,
    batch::{Batch, FirstPages, FirstPagesRequest, MAX_NODES_PER_QUERY, MAX_REQUESTS_PER_QUERY},
    batch::{PlanRequest, RepoCounts},
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use super::{Fetched, Importer, Running, Stop, mark_token_revoked};
use crate::lease::Lease;
use crate::policy::REVOKED_MESSAGE;
use entity::import_run::ErrorCode;
use queue::runs::Failure;

/// What a batch did with one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    /// Every listing read: the run can end.
    Read,
    /// Pages are left to read alone (or the plan sent it there).
    Alone,
    /// Cancelled, or taken by another worker: nothing more to do with it.
    Dropped,
}

/// What the batch still owes a run: its share of the shared queries' cost, added to
/// its next stored page (or charged on its own when it stores none here).
#[derive(Clone, Copy, Default)]
struct Owed {
    requests: u32,
    points: i64,
}

/// `total` split over `n` as evenly as whole numbers allow; the shares add up to it.
fn share(total: i64, n: usize, k: usize) -> i64 {
    let n = n.max(1) as i64;
    total / n + i64::from((k as i64) < total % n)
}

impl Importer {
    /// Reads a fresh run with the fresh runs of its integration waiting for a job;
    /// returns the run when it has pages left to read alone.
    pub(super) async fn run_in_batch(&self, first: Running) -> anyhow::Result<Option<Running>> {
        let companions = tokio::select! {
            companions = self.claim_companions(&first) => companions?,
            // Claiming fifty runs can outlast a lease on a busy database; the run is
            // kept meanwhile, and the companions by the claim loop itself.
            () = first.lease.keep(&self.db) => return Ok(None),
        };
        if companions.is_empty() {
            return Ok(Some(first));
        }
        let mut runs = vec![first];
        runs.extend(companions);
        tracing::info!(
            integration = %runs[0].scope.integration_id,
            runs = runs.len(),
            "reading fresh runs together"
        );
        for running in &runs[1..] {
            self.publish(running, RunState::Running, None).await;
        }
        let leases: Vec<Lease> = runs.iter().map(|r| r.lease.clone()).collect();
        let outcome = tokio::select! {
            outcome = self.read_together(&mut runs) => outcome,
            never = keep_all(&self.db, &leases) => match never {},
        };
        let fates = match outcome {
            Ok(fates) => fates,
            Err(Stop::Revoked) => {
                mark_token_revoked(&self.db, &runs[0].scope.integration_id).await?;
                let failure = Failure::new(ErrorCode::BadCredentials, REVOKED_MESSAGE);
                for running in &runs {
                    self.fail(running, &failure).await?;
                }
                return Ok(None);
            }
            Err(Stop::Cancelled) => return Ok(None),
            // GitHub failed the shared queries past their retries: each run is read
            // alone instead, and fails alone, in its own words, if GitHub goes on failing.
            Err(Stop::Failed(failure)) => {
                tracing::warn!(reason = %failure.message, "reading runs together failed; each is read alone");
                vec![Fate::Alone; runs.len()]
            }
            // The runs stay RUNNING; their leases run out and the sweeper queues them.
            Err(Stop::Database(error)) => return Err(error.into()),
        };
        let mut runs = runs.into_iter().zip(fates);
        let (first, first_fate) = runs.next().expect("the batch holds its first run");
        for (running, fate) in runs {
            match fate {
                Fate::Read => self.succeed(&running).await?,
                Fate::Alone => self.release(&running).await?,
                Fate::Dropped => {}
            }
        }
        match first_fate {
            Fate::Read => {
                self.succeed(&first).await?;
                Ok(None)
            }
            Fate::Alone => Ok(Some(first)),
            Fate::Dropped => Ok(None),
        }
    }

    /// Claims fresh queued runs of the run's integration, oldest queued first (the
    /// order the queue takes them in). A claimed run's job, if it has one, finds the
    /// run held or ended and is dropped.
    async fn claim_companions(&self, first: &Running) -> anyhow::Result<Vec<Running>> {
        let wanted = self.settings.batch_runs - 1;
        let mut companions = Vec::new();
        // Jobs that start together see the same oldest runs, and all but one lose each
        // claim; the losers look again past what the winner took, a few times.
        let mut renewed = std::time::Instant::now();
        for _ in 0..4 {
            let waiting: Vec<String> = import_run::Entity::find()
                .select_only()
                .column(import_run::Column::Id)
                .filter(import_run::Column::IntegrationId.eq(first.scope.integration_id.as_str()))
                .filter(import_run::Column::State.eq(RunState::Queued))
                .filter(import_run::Column::Id.ne(first.run.id.as_str()))
                .order_by_asc(import_run::Column::QueuedAt)
                .limit((wanted - companions.len()) as u64)
                .into_tuple()
                .all(&self.db)
                .await?;
            if waiting.is_empty() {
                break;
            }
            for id in waiting {
                let Some(running) = self.claim(&id).await? else {
                    continue;
                };
                if running.is_fresh() {
                    companions.push(running);
                } else {
                    self.release(&running).await?;
                }
                if renewed.elapsed() > first.lease.length / 3 {
                    for companion in &companions {
                        companion.lease.renew(&self.db).await?;
                    }
                    renewed = std::time::Instant::now();
                }
            }
            if companions.len() >= wanted {
                break;
            }
        }
        Ok(companions)
    }

    /// Gives a run back to the queue: QUEUED without a job, so that its integration's
    /// window queues it as runs end (`queue::Queue::top_up`). Its pages stay stored.
    async fn release(&self, running: &Running) -> Result<(), DbErr> {
        let released = import_run::Entity::update_many()
            .set(import_run::ActiveModel {
                state: Set(RunState::Queued),
                queue_epoch: Set(None),
                lease_expires_at: Set(None),
                waiting_for: Set(None),
                waiting_until: Set(None),
                updated_at: Set(chrono::Utc::now()),
                ..Default::default()
            })
            .filter(running.lease.held())
            .exec(&self.db)
            .await?;
        if released.rows_affected == 1 {
            self.publish(running, RunState::Queued, None).await;
        }
        Ok(())
    }

    /// Plans every run's repository, then reads the small ones' first pages.
    async fn read_together(&self, runs: &mut [Running]) -> Result<Vec<Fate>, Stop> {
        let mut fates = vec![Fate::Alone; runs.len()];
        let mut owed = vec![Owed::default(); runs.len()];
        let requests: Vec<PlanRequest> = runs
            .iter()
            .map(|running| PlanRequest {
                repo: running.repo.clone(),
                commits_since: self.threshold(running, Listing::Commits),
                tickets_since: self.threshold(running, Listing::Tickets),
            })
            .collect();
        let (plan, failed) = {
            let all: Vec<&Running> = runs.iter().collect();
            let (github, token) = (&self.github, &runs[0].token);
            let page = self.settings.commit_page_size;
            self.call_github(
                &all,
                || false,
                || github.plan_repositories(token, &requests, page),
                |batch: &Batch<RepoCounts>| batch.rate_limit.as_ref(),
            )
            .await?
        };
        let everyone: Vec<usize> = (0..runs.len()).collect();
        charge(&mut owed, &everyone, failed + plan.requests, plan.points);

        let mut wanted = Vec::new();
        for (k, counts) in plan.answers.iter().enumerate() {
            let Some(counts) = counts else { continue };
            let Some(request) = self.first_pages_request(&runs[k], counts) else {
                // Read alone, its commits in lanes planned here: the plan already
                // learnt what the run's own first query would ask.
                if let Some(lanes) = &counts.commit_lanes {
                    let progress = runs[k].details.checkpoint.entry(Listing::Commits);
                    progress.or_default().after = Some(lanes.clone());
                }
                continue;
            };
            if request.commits.is_none()
                && request.pull_requests.is_none()
                && request.tickets.is_none()
            {
                // Nothing to ask: every listing it needs is empty.
                let pages = FirstPages::default();
                fates[k] = self
                    .store_first_pages(&mut runs[k], pages, &mut owed[k])
                    .await?;
            } else {
                wanted.push((k, request));
            }
        }
        let mut packs = pack(wanted);
        while let Some(pack) = packs.pop() {
            let too_heavy = AtomicBool::new(false);
            let requests: Vec<FirstPagesRequest> = pack.iter().map(|(_, r)| r.clone()).collect();
            let answer = {
                let members: Vec<&Running> = pack.iter().map(|(k, _)| &runs[*k]).collect();
                let (github, token) = (&self.github, &runs[0].token);
                self.call_github(
                    &members,
                    || {
                        too_heavy.store(true, Relaxed);
                        false
                    },
                    || github.first_pages(token, &requests),
                    |batch: &Batch<FirstPages>| batch.rate_limit.as_ref(),
                )
                .await
            };
            let (batch, failed) = match answer {
                Ok(answer) => answer,
                // Too heavy for GitHub: each half in a query of its own.
                Err(Stop::Failed(_)) if too_heavy.load(Relaxed) && pack.len() > 1 => {
                    let mut pack = pack;
                    let half = pack.split_off(pack.len() / 2);
                    packs.push(pack);
                    packs.push(half);
                    continue;
                }
                // These runs are read alone (where GitHub fails them in their own words).
                Err(Stop::Failed(failure)) => {
                    tracing::warn!(reason = %failure.message, runs = pack.len(), "first pages failed; those runs are read alone");
                    continue;
                }
                Err(stop) => return Err(stop),
            };
            let members: Vec<usize> = pack.iter().map(|(k, _)| *k).collect();
            charge(&mut owed, &members, failed + batch.requests, batch.points);
            for ((k, _), pages) in pack.into_iter().zip(batch.answers) {
                let Some(pages) = pages else { continue };
                fates[k] = self
                    .store_first_pages(&mut runs[k], pages, &mut owed[k])
                    .await?;
            }
        }
        for (k, running) in runs.iter_mut().enumerate() {
            if fates[k] == Fate::Alone {
                self.write_run(running, &mut owed[k]).await?;
            }
        }
        Ok(fates)
    }

    /// The first pages a run needs, each sized to what its repository holds; `None`
    /// when the repository is better read alone (more commits than a page, where the
    /// lanes of `github::import::commits` read 20 pages a point).
    fn first_pages_request(
        &self,
        running: &Running,
        counts: &RepoCounts,
    ) -> Option<FirstPagesRequest> {
        let needs = |listing| running.needs(listing);
        if needs(Listing::Commits) && counts.commits > i64::from(self.settings.commit_page_size) {
            return None;
        }
        // A listing GitHub counts empty is not asked: it is read as an empty page (most
        // small repositories have no pull requests or tickets, and asking would cost a
        // pull request's 14 requests each). An item added since the plan is read by the
        // next sync, as one added after any page is.
        let size = |count: i64, page: u32| (count > 0).then(|| count.min(i64::from(page)) as u32);
        Some(FirstPagesRequest {
            repo: running.repo.clone(),
            commits: needs(Listing::Commits)
                .then(|| size(counts.commits, self.settings.commit_page_size))
                .flatten()
                .map(|first| (self.threshold(running, Listing::Commits), first)),
            pull_requests: needs(Listing::PullRequests)
                .then(|| size(counts.pull_requests, self.settings.pull_request_page_size))
                .flatten(),
            tickets: needs(Listing::Tickets)
                .then(|| size(counts.tickets, self.settings.ticket_page_size))
                .flatten()
                .map(|first| (self.threshold(running, Listing::Tickets), first)),
        })
    }

    /// Stores a run's first pages as its own pages, a listing it needs but was not
    /// asked (GitHub counted it empty) as an empty last page; the run is read when each
    /// listing it needs is done.
    async fn store_first_pages(
        &self,
        running: &mut Running,
        pages: FirstPages,
        owed: &mut Owed,
    ) -> Result<Fate, Stop> {
        let listings = [
            (
                Listing::Commits,
                Fetched::Commits(pages.commits.unwrap_or_else(empty_page)),
            ),
            (
                Listing::PullRequests,
                Fetched::PullRequests(pages.pull_requests.unwrap_or_else(empty_page)),
            ),
            (
                Listing::Tickets,
                Fetched::Tickets(pages.tickets.unwrap_or_else(empty_page)),
            ),
        ];
        for (listing, fetched) in listings {
            if !running.needs(listing) {
                continue;
            }
            let (requests, points) = each_page!(&fetched, p => (p.requests, p.points));
            let cost = (requests + owed.requests, points + owed.points);
            let threshold = self.threshold(running, listing);
            match self
                .store_page(running, listing, threshold, (fetched, cost.0, cost.1))
                .await
            {
                Ok(()) => *owed = Owed::default(),
                Err(Stop::Cancelled) => return Ok(Fate::Dropped),
                Err(stop) => return Err(stop),
            }
        }
        let read = Listing::ALL
            .into_iter()
            .all(|listing| !running.needs(listing));
        Ok(if read { Fate::Read } else { Fate::Alone })
    }

    /// Writes what a run read alone takes from the batch: its share of the cost, and
    /// its checkpoint (its commits' lanes, when the plan made them).
    async fn write_run(&self, running: &mut Running, owed: &mut Owed) -> Result<(), DbErr> {
        let requests = running.run.requests + i64::from(owed.requests);
        let points = running.run.points + owed.points;
        import_run::Entity::update_many()
            .set(import_run::ActiveModel {
                requests: Set(requests),
                points: Set(points),
                checkpoint: Set(running.details.checkpoint.clone()),
                ..Default::default()
            })
            .filter(running.lease.held())
            .exec(&self.db)
            .await?;
        running.run.requests = requests;
        running.run.points = points;
        *owed = Owed::default();
        Ok(())
    }
}

/// The last page of a listing GitHub counts empty, read without asking.
fn empty_page<T>() -> Page<T> {
    Page {
        items: Vec::new(),
        total_count: 0,
        end_cursor: None,
        has_next_page: false,
        rate_limit: None,
        requests: 0,
        points: 0,
    }
}

/// Shares a query's cost among the runs it read.
fn charge(owed: &mut [Owed], members: &[usize], requests: u32, points: i64) {
    for (i, k) in members.iter().enumerate() {
        owed[*k].requests += share(i64::from(requests), members.len(), i) as u32;
        owed[*k].points += share(points, members.len(), i);
    }
}

/// Cuts the requests into queries of at most [`MAX_REQUESTS_PER_QUERY`] requests and
/// [`MAX_NODES_PER_QUERY`] nodes, in order; the last query is read first.
fn pack(wanted: Vec<(usize, FirstPagesRequest)>) -> Vec<Vec<(usize, FirstPagesRequest)>> {
    let mut packs: Vec<Vec<(usize, FirstPagesRequest)>> = Vec::new();
    let (mut requests, mut nodes) = (0u32, 0u32);
    for (k, request) in wanted {
        let (r, n) = (request.requests(), request.nodes());
        let fits = requests + r <= MAX_REQUESTS_PER_QUERY && nodes + n <= MAX_NODES_PER_QUERY;
        match packs.last_mut() {
            Some(last) if fits => {
                last.push((k, request));
                requests += r;
                nodes += n;
            }
            _ => {
                packs.push(vec![(k, request)]);
                (requests, nodes) = (r, n);
            }
        }
    }
    packs.reverse();
    packs
}

/// Renews every lease of the batch each third of its length, for as long as the batch
/// runs; a lease lost (its run cancelled) only stops that run's writes.
async fn keep_all(db: &sea_orm::DatabaseConnection, leases: &[Lease]) -> std::convert::Infallible {
    let Some(length) = leases.first().map(|l| l.length) else {
        return std::future::pending().await;
    };
    // At once first: the claim loop renewed its companions only now and then.
    loop {
        for lease in leases {
            if let Err(error) = lease.renew(db).await {
                tracing::warn!(%error, run = %lease.run_id, "could not renew a run's lease; trying again");
            }
        }
        tokio::time::sleep(length / 3).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use github::import::RepoRef;

    #[test]
    fn shares_add_up_to_the_whole() {
        for (total, n) in [(0, 3), (1, 50), (7, 3), (100, 7)] {
            let sum: i64 = (0..n).map(|k| share(total, n, k)).sum();
            assert_eq!(sum, total, "{total} over {n}");
        }
        assert_eq!(share(1, 50, 0), 1);
        assert_eq!(share(1, 50, 1), 0);
    }

    #[test]
    fn packs_stay_under_their_bounds_and_keep_every_request() {
        let request = |pull_requests| FirstPagesRequest {
            repo: RepoRef {
                owner: "o".into(),
                name: "r".into(),
            },
            commits: Some((None, 100)),
            pull_requests: Some(pull_requests),
            tickets: None,
        };
        let wanted: Vec<_> = (0..60).map(|k| (k, request(1 + k as u32 % 11))).collect();
        let packs = pack(wanted);
        assert!(packs.len() > 1);
        let mut seen: Vec<usize> = packs.iter().flatten().map(|(k, _)| *k).collect();
        seen.sort();
        assert_eq!(seen, (0..60).collect::<Vec<_>>());
        for pack in &packs {
            let requests: u32 = pack.iter().map(|(_, r)| r.requests()).sum();
            let nodes: u32 = pack.iter().map(|(_, r)| r.nodes()).sum();
            assert!(requests <= MAX_REQUESTS_PER_QUERY && nodes <= MAX_NODES_PER_QUERY);
        }
    }
}
