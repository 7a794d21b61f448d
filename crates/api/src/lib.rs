//! The API server: poem + async-graphql over the stored integrations.

pub mod config;
pub mod connection_test;
pub mod crypto;
pub mod error;
pub mod events;
pub mod graphql;
pub mod http;
pub mod integrations;
pub mod loaders;
pub mod metrics;
pub mod oauth;

use std::{net::SocketAddr, sync::Arc};

use anyhow::Context;
use github::{GithubClient, GithubEndpoints};
use migration::MigratorTrait;
use poem::{Server, listener::TcpAcceptor};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use tokio::sync::oneshot;

pub use config::Config;
pub use graphql::sdl;

/// Connects to the database and brings its schema up to date.
pub async fn connect_database(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_string());
    options.sqlx_logging(false);
    let db = Database::connect(options)
        .await
        .with_context(|| format!("connecting to the database ({})", redact_url(url)))?;
    migration::Migrator::up(&db, None)
        .await
        .context("running migrations")?;
    Ok(db)
}

/// A database URL with any password replaced, fit for a log line.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// A server running in this process.
pub struct RunningApi {
    pub addr: SocketAddr,
    /// How browsers and GitHub reach it (OAuth callbacks are built on it).
    pub public_url: String,
    pub api_key: String,
    pub integrations: integrations::Integrations,
    pub oauth: oauth::OAuthFlow,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningApi {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn stop(mut self) {
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

/// Opens the database, runs migrations, binds `config.listen` and serves in a task.
pub async fn start(config: &Config) -> anyhow::Result<RunningApi> {
    let keys = config::Keys::resolve(config)?;
    let db = connect_database(&config.database_url()).await?;
    let github = GithubClient::new(GithubEndpoints::new(
        &config.github_api_url,
        &config.github_web_url,
    ));
    let integrations = integrations::Integrations::new(db, github, keys.secret_box.clone());

    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    // A listen address with port 0 only gets its port here.
    let public_url = match &config.public_url {
        Some(_) => config.public_url(),
        None => format!("http://{addr}"),
    };
    let oauth = oauth::OAuthFlow::new(config, &public_url, integrations.clone())?;
    let schema = graphql::build_schema(Some((integrations.clone(), oauth.clone())));
    let routes = http::routes(
        schema,
        oauth.clone(),
        http::ApiKey(keys.api_key.clone().into()),
        Arc::new(metrics::Metrics::default()),
    );
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
        integrations,
        oauth,
        shutdown: Some(shutdown),
        task,
    })
}
