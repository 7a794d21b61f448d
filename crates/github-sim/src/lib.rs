//! A GitHub Cloud simulator: one HTTP server playing both api.github.com
//! (REST at the root, GraphQL at `POST /graphql`) and github.com (web pages),
//! over a dataset generated deterministically from a seed.
//!
//! It behaves like GitHub, including the parts a client would rather not see:
//! SAML SSO enforcement, missing scopes, fine-grained tokens, revoked tokens,
//! secondary rate limits.

mod auth;
mod call;
mod content;
mod control;
mod dataset;
mod faults;
mod graphql;
mod hooks;
mod html;
mod http;
mod ids;
mod latency;
mod members;
mod mutate;
mod oauth;
mod ratelimit;
mod reply;
mod rest;
mod rest_errors;
mod rest_json;
mod rest_paging;
mod scenarios;
mod state;
mod stats;
mod urlenc;
mod web;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use content::RepoContent;
pub use dataset::{Dataset, Org, OrgMember, OrgRole, OwnerType, Repo, Token, TokenKind, User};
pub use graphql::schema::graphql_sdl;
pub use latency::Latency;
pub use oauth::{Approval, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, OAuthApp};
pub use scenarios::ScenarioToken;

use scenarios::scenario_tokens;
use state::SimState;

/// The organization whose repositories carry the bulk of the content (the demo
/// imports it; `tributary-svc` administers it).
pub const DEMO_ORG: &str = "acme-corp";

/// GitHub's REST budget of a user: 5,000 requests an hour.
pub const REST_BUDGET: u32 = 5000;

/// Dataset size presets. Totals are for the demo organization's repositories, spread
/// evenly over them; every other repository gets a few items of each kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scale {
    /// 320 commits, 96 pull requests, 80 tickets: tests run fast.
    #[default]
    Small,
    /// 10,000 commits, 1,000 pull requests, 1,000 tickets.
    Medium,
    /// 100,000 commits, 10,000 pull requests (about 5 reviews and 5 comments each),
    /// 10,000 tickets: the benchmark's dataset.
    Large,
}

impl std::str::FromStr for Scale {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "small" => Ok(Scale::Small),
            "medium" => Ok(Scale::Medium),
            "large" => Ok(Scale::Large),
            other => Err(format!(
                "unknown scale {other:?}: use small, medium or large"
            )),
        }
    }
}

#[derive(Clone, Debug)]
pub struct SimConfig {
    pub seed: u64,
    pub scale: Scale,
    /// Overrides of the preset: totals over the demo organization's repositories.
    pub commits: Option<usize>,
    pub pull_requests: Option<usize>,
    pub issues: Option<usize>,
    /// Repositories of the demo organization (at least its 8 scenario repositories;
    /// more are added as public repositories).
    pub repos: Option<usize>,
    /// Organizations (at least the 3 scenario ones; more are added, each with two
    /// public repositories administered by `tributary-svc`).
    pub orgs: Option<usize>,
    /// A delay before every REST and GraphQL answer (none by default).
    pub latency: Latency,
    /// REST requests each user may make per hour: GitHub's 5,000 by default. A
    /// benchmark that reads more than an hour's worth in one run raises it and counts
    /// the points it spent in `/_sim/stats` instead of waiting for the next window.
    pub rest_budget: u32,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            seed: 1,
            scale: Scale::Small,
            commits: None,
            pull_requests: None,
            issues: None,
            repos: None,
            orgs: None,
            latency: Latency::default(),
            rest_budget: REST_BUDGET,
        }
    }
}

impl SimConfig {
    /// (commits, pull requests, issues, reviews per PR, comments per PR) for the demo org.
    fn demo_totals(&self) -> (usize, usize, usize, usize, usize) {
        let (c, p, i, r, m) = match self.scale {
            Scale::Small => (320, 96, 80, 2, 2),
            Scale::Medium => (10_000, 1_000, 1_000, 5, 5),
            Scale::Large => (100_000, 10_000, 10_000, 5, 5),
        };
        (
            self.commits.unwrap_or(c),
            self.pull_requests.unwrap_or(p),
            self.issues.unwrap_or(i),
            r,
            m,
        )
    }
}

fn build_state(config: &SimConfig) -> SimState {
    let dataset = Dataset::generate_sized(config.seed, config.orgs, config.repos);
    let demo_repos = dataset.repos_owned_by(DEMO_ORG).count().max(1);
    let (commits, prs, issues, reviews, comments) = config.demo_totals();
    // Spread totals exactly: the first repositories take the remainder.
    let share = |total: usize, k: usize| total / demo_repos + usize::from(k < total % demo_repos);
    let demo_index: std::collections::HashMap<i64, usize> = dataset
        .repos_owned_by(DEMO_ORG)
        .enumerate()
        .map(|(k, r)| (r.id, k))
        .collect();
    let content = content::Content::generate(&dataset, |repo| match demo_index.get(&repo.id) {
        Some(&k) => content::RepoSize {
            commits: share(commits, k),
            pull_requests: share(prs, k),
            issues: share(issues, k),
            reviews_per_pr: reviews,
            comments_per_pr: comments,
        },
        None => content::RepoSize {
            commits: 12,
            pull_requests: 3,
            issues: 3,
            reviews_per_pr: 2,
            comments_per_pr: 2,
        },
    });
    SimState::new(dataset, content, config.latency, config.rest_budget)
}

#[derive(Clone)]
pub struct GithubSim {
    state: Arc<SimState>,
}

impl GithubSim {
    pub fn new(config: SimConfig) -> Self {
        GithubSim {
            state: Arc::new(build_state(&config)),
        }
    }

    /// The whole app; state (rate-limit windows) is shared by every clone.
    pub fn endpoint(&self) -> impl poem::Endpoint<Output = poem::Response> + 'static {
        http::SimEndpoint {
            state: self.state.clone(),
        }
    }

    pub fn tokens(&self) -> Vec<ScenarioToken> {
        scenario_tokens(&self.state.dataset())
    }

    /// Look up one scenario token by name (e.g. `"owner"`).
    pub fn token(&self, name: &str) -> Option<String> {
        self.state
            .dataset()
            .tokens
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.token.clone())
    }

    /// One repository's content (`owner/name`), as it is now.
    pub fn content(&self, repo: &str) -> Option<std::sync::Arc<RepoContent>> {
        let (owner, name) = repo.split_once('/')?;
        let id = self.state.dataset().repo(owner, name)?.id;
        self.state.content().repos.get(&id).cloned()
    }

    pub fn dataset(&self) -> Dataset {
        (*self.state.dataset()).clone()
    }

    /// Binds `listen` (e.g. `127.0.0.1:0`) and serves in a background task.
    pub async fn spawn(self, listen: &str) -> anyhow::Result<RunningSim> {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let acceptor = poem::listener::TcpAcceptor::from_tokio(listener)?;
        let (tx, rx) = oneshot::channel::<()>();
        let endpoint = self.endpoint();
        let task = tokio::spawn(async move {
            let server = poem::Server::new_with_acceptor(acceptor);
            let stop = async move {
                // A dropped sender ends the server just like an explicit stop.
                let _ = rx.await;
            };
            if let Err(e) = server
                .run_with_graceful_shutdown(endpoint, stop, Some(Duration::from_secs(1)))
                .await
            {
                tracing::warn!(error = %e, "github-sim server stopped with an error");
            }
        });
        tracing::info!(%addr, "github-sim listening");
        Ok(RunningSim {
            addr,
            stop: Some(tx),
            task: Some(task),
        })
    }

    /// Serves until ctrl-c.
    pub async fn serve(self, listen: &str) -> anyhow::Result<()> {
        let running = self.spawn(listen).await?;
        tracing::info!(url = %running.base_url(), "github-sim ready; ctrl-c to stop");
        tokio::signal::ctrl_c().await?;
        running.shutdown_and_wait().await;
        Ok(())
    }
}

impl GithubSim {
    /// Registers an OAuth app (or replaces the one with the same client id).
    pub fn register_oauth_app(&self, app: OAuthApp) {
        oauth::upsert_app(&self.state.oauth, app);
    }

    /// The default app, with its callback pointed at `callback_url`.
    pub fn default_oauth_app(&self, callback_url: &str) -> OAuthApp {
        let app = OAuthApp {
            client_id: DEFAULT_CLIENT_ID.into(),
            client_secret: DEFAULT_CLIENT_SECRET.into(),
            name: "Tributary".into(),
            callback_url: callback_url.into(),
        };
        self.register_oauth_app(app.clone());
        app
    }
}

/// A running simulator; dropping it stops the server.
pub struct RunningSim {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningSim {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Signals the server to stop without waiting for it.
    pub fn shutdown(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }

    /// Stops the server and waits until it has released the port.
    pub async fn shutdown_and_wait(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod timeline_tests;
