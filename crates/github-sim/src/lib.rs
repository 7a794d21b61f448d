//! A GitHub Cloud simulator: one HTTP server playing both api.github.com
//! (REST at the root, GraphQL at `POST /graphql`) and github.com (web pages),
//! over a dataset generated deterministically from a seed.
//!
//! It behaves like GitHub, including the parts a client would rather not see:
//! SAML SSO enforcement, missing scopes, fine-grained tokens, revoked tokens,
//! secondary rate limits.

mod auth;
mod dataset;
mod graphql;
mod http;
mod ids;
mod oauth;
mod ratelimit;
mod rest;
mod web;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use dataset::{Dataset, Org, OrgMember, OrgRole, OwnerType, Repo, Token, TokenKind, User};
pub use graphql::graphql_sdl;
pub use oauth::{Approval, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, OAuthApp};

#[derive(Clone, Debug)]
pub struct SimConfig {
    pub seed: u64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig { seed: 1 }
    }
}

/// A named credential for one scenario (`owner`, `fine-grained`, `revoked`, ...).
#[derive(Serialize, Clone, Debug)]
pub struct ScenarioToken {
    pub name: String,
    pub token: String,
    pub description: String,
}

#[derive(Clone)]
pub struct GithubSim {
    state: Arc<http::SimState>,
}

impl GithubSim {
    pub fn new(config: SimConfig) -> Self {
        GithubSim {
            state: Arc::new(http::SimState::new(Dataset::generate(config.seed))),
        }
    }

    /// The whole app; state (rate-limit windows) is shared by every clone.
    pub fn endpoint(&self) -> impl poem::Endpoint<Output = poem::Response> + 'static {
        http::SimEndpoint {
            state: self.state.clone(),
        }
    }

    pub fn tokens(&self) -> Vec<ScenarioToken> {
        scenario_tokens(&self.state.dataset)
    }

    /// Look up one scenario token by name (e.g. `"owner"`).
    pub fn token(&self, name: &str) -> Option<String> {
        self.state
            .dataset
            .tokens
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.token.clone())
    }

    pub fn dataset(&self) -> Dataset {
        (*self.state.dataset).clone()
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

fn scenario_tokens(dataset: &Dataset) -> Vec<ScenarioToken> {
    dataset
        .tokens
        .iter()
        .map(|t| ScenarioToken {
            name: t.name.clone(),
            token: t.token.clone(),
            description: t.description.clone(),
        })
        .collect()
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
