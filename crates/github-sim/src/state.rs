//! What the simulator keeps between requests: the world (dataset and content,
//! each swapped whole so a request reads one consistent version), rate-limit
//! windows, injected faults, OAuth grants, webhooks and request statistics.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use crate::content::Content;
use crate::dataset::Dataset;
use crate::faults::Faults;
use crate::graphql::schema::{self, SimSchema};
use crate::hooks::store::Hooks;
use crate::ids;
use crate::latency::Latency;
use crate::oauth::OAuthState;
use crate::ratelimit::RateLimiter;
use crate::rest::index::RestIndexes;
use crate::stats::Stats;

pub(crate) struct SimState {
    pub stats: Mutex<Stats>,
    pub faults: Mutex<Faults>,
    /// Swapped whole when a control endpoint renames or archives a repository or
    /// changes a member's role, so a request reads one consistent world.
    pub dataset: RwLock<Arc<Dataset>>,
    /// Swapped whole on every `/_sim/mutate`, so a request reads one consistent state.
    pub content: RwLock<Arc<Content>>,
    pub schema: SimSchema,
    pub limiter: RateLimiter,
    pub oauth: OAuthState,
    pub hooks: Arc<Hooks>,
    /// What REST listings of each repository's current content need (orders, lookups).
    pub rest_indexes: RestIndexes,
    /// The standing delay before every API answer.
    pub latency: Latency,
    /// REST requests a user may make per hour (`SimConfig::rest_budget`).
    pub rest_budget: u32,
    counter: AtomicU64,
}

impl SimState {
    pub fn new(dataset: Dataset, content: Content, latency: Latency, rest_budget: u32) -> SimState {
        SimState {
            stats: Mutex::new(Stats::default()),
            faults: Mutex::new(Faults::default()),
            hooks: Arc::new(Hooks::new(dataset.seed)),
            dataset: RwLock::new(Arc::new(dataset)),
            content: RwLock::new(Arc::new(content)),
            schema: schema::build_schema(),
            limiter: RateLimiter::default(),
            oauth: OAuthState::new(),
            rest_indexes: RestIndexes::default(),
            latency,
            rest_budget,
            counter: AtomicU64::new(0),
        }
    }

    pub fn dataset(&self) -> Arc<Dataset> {
        self.dataset
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn content(&self) -> Arc<Content> {
        self.content
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn stats(&self) -> MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn next_seq(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    /// Opaque value for an SSO authorization URL; fresh per response like GitHub's.
    pub fn sso_url(&self, base: &str, org: &str) -> String {
        let opaque = ids::opaque(self.dataset().seed, self.next_seq());
        format!("{base}/orgs/{org}/sso?authorization_request={opaque}")
    }
}
