//! `tributary serve`: the API on its listener, with a worker in the same process
//! when the configuration wants one.

use std::net::SocketAddr;

use anyhow::Context;
use poem::{Server, listener::TcpAcceptor};
use queue::Queue;
use tokio::sync::oneshot;

use crate::{
    config::{Config, Keys},
    database::{connect_database, redact_url},
    run_worker::{RunningWorker, github_client, org_hooks, spawn_worker},
};

/// A server running in this process.
pub struct RunningApi {
    pub addr: SocketAddr,
    /// How browsers and GitHub reach it (OAuth callbacks are built on it).
    pub public_url: String,
    pub api_key: String,
    /// How it verifies user tokens (the demo and the tests mint theirs with it).
    pub user_tokens: api::auth::token::TokenSettings,
    pub integrations: api::integrations::service::Integrations,
    pub oauth: api::oauth::flow::OAuthFlow,
    pub imports: api::imports::Imports,
    /// The import worker running in this process, if any.
    pub worker: Option<RunningWorker>,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningApi {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn stop(mut self) {
        if let Some(worker) = self.worker.take() {
            worker.stop().await;
        }
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// Serves until the process is interrupted.
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await??;
        Ok(())
    }
}

/// Opens the database, runs migrations, binds `config.listen` and serves in a task,
/// with an import worker when the configuration wants one in this process.
pub async fn start(config: &Config) -> anyhow::Result<RunningApi> {
    let keys = Keys::resolve(config)?;
    let db = connect_database(&config.database_url()).await?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    // A listen address with port 0 only gets its port here.
    let public_url = match &config.public_url {
        Some(_) => config.public_url(),
        None => format!("http://{addr}"),
    };
    // Hooks deliver to the address really listened on.
    let config = &Config {
        public_url: Some(public_url.clone()),
        ..config.clone()
    };
    let queue = Queue::connect(&db, config.queue_config()).await?;
    let worker = (config.runs_worker() && queue.unavailable().is_none())
        .then(|| spawn_worker(config, db.clone(), keys.secret_box.clone(), queue.clone()));
    let user_tokens = config.jwt.token_settings(&keys)?;
    let reader = crate::database::connect_readers(&config.database_url(), &db).await?;
    let api = api::build(api::ApiParts {
        db: db.clone(),
        reader,
        github: github_client(config),
        secrets: keys.secret_box.clone(),
        queue,
        hooks: org_hooks(config, db, keys.secret_box.clone()),
        public_url: public_url.clone(),
        api_key: keys.api_key.clone(),
        metrics_token: config.metrics_token.clone(),
        user_tokens: user_tokens.clone(),
        default_workspace: config.default_workspace.clone(),
        oauth: config.oauth_settings(),
        cors_allowed_origins: config.cors_allowed_origins.clone(),
        request_time_limit: config.request_time_limit,
    })?;
    let routes = api.routes;
    let (shutdown, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        Server::new_with_acceptor(TcpAcceptor::from_tokio(listener)?)
            .run_with_graceful_shutdown(
                routes,
                async move {
                    let _ = stopped.await;
                },
                Some(std::time::Duration::from_secs(5)),
            )
            .await
    });
    tracing::info!(%addr, graphiql = %format!("http://{addr}/graphql"), public_url = %public_url, database = %redact_url(&config.database_url()), "API listening");
    Ok(RunningApi {
        addr,
        public_url,
        api_key: keys.api_key,
        user_tokens,
        integrations: api.integrations,
        oauth: api.oauth,
        imports: api.imports,
        worker,
        shutdown: Some(shutdown),
        task,
    })
}
