//! The API server: poem + async-graphql over the stored integrations.

pub mod analytics;
pub mod config;
pub mod connection_test;
pub mod crypto;
pub mod error;
pub mod events;
pub mod graphql;
pub mod http;
pub mod imports;
pub mod integrations;
pub mod loaders;
pub mod metrics;
pub mod oauth;
pub mod webhooks;

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
    // SQLite's default rollback journal with a full sync on every commit makes each
    // import page wait on the disk and blocks readers while a page is written. WAL lets
    // the API read while a worker writes, and NORMAL syncs at checkpoints only: a crash
    // can lose the last commits but never corrupts, and a lost page is one the run's
    // checkpoint (written in the same transaction) has not passed yet.
    options.map_sqlx_sqlite_opts(|sqlite| {
        sqlite
            .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
    });
    let db = Database::connect(options)
        .await
        .with_context(|| format!("connecting to the database ({})", redact_url(url)))?;
    migrate(&db).await.context("running migrations")?;
    Ok(db)
}

/// Any key: one lock that every Tributary process takes around its migrations.
const MIGRATION_LOCK: i64 = 0x7472_6962_7574_6172; // "tributar"

/// Runs the migrations. On PostgreSQL, processes starting together (`serve` and its
/// workers) would otherwise race to create the same tables; an advisory lock, held on
/// one connection for the duration, lets one migrate while the others wait and then
/// find nothing left to do. SQLite's file lock already serializes them.
async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    let Some(pool) = (db.get_database_backend() == sea_orm::DbBackend::Postgres)
        .then(|| db.get_postgres_connection_pool())
    else {
        migration::Migrator::up(db, None).await?;
        return Ok(());
    };
    let mut lock = pool.acquire().await?;
    sea_orm::sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *lock)
        .await?;
    let migrated = migration::Migrator::up(db, None).await;
    sea_orm::sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *lock)
        .await?;
    Ok(migrated?)
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
    pub imports: imports::Imports,
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

/// An import worker running in this process.
pub struct RunningWorker {
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl RunningWorker {
    /// Lets the worker finish its current page, then stops it; a run still going is
    /// taken back by the next worker.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if tokio::time::timeout(std::time::Duration::from_secs(5), &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }

    /// Ends the worker at once, wherever it is, as a crash would.
    pub fn kill(self) {
        self.task.abort();
    }
}

/// Opens the sealed tokens for the worker with the server's encryption key.
struct SealedTokens(crypto::SecretBox);

impl worker::TokenSource for SealedTokens {
    fn open(&self, sealed: &str) -> anyhow::Result<github::Token> {
        Ok(github::Token::new(self.0.open(sealed)?))
    }
}

impl worker::Sealer for SealedTokens {
    fn seal(&self, plaintext: &str) -> String {
        self.0.seal(plaintext)
    }

    fn open(&self, sealed: &str) -> anyhow::Result<String> {
        Ok(self.0.open(sealed)?)
    }
}

/// The webhook side of the worker (reconciler, delivery job, recovery) with the
/// server's key; hooks deliver to `config.public_url()`.
pub fn webhooks(
    config: &Config,
    db: sea_orm::DatabaseConnection,
    secrets: crypto::SecretBox,
    queue: worker::queue::Queue,
) -> worker::Webhooks {
    worker::Webhooks::new(
        db,
        github_client(config),
        Arc::new(SealedTokens(secrets)),
        queue,
        config.webhook_settings(),
    )
}

fn github_client(config: &Config) -> GithubClient {
    GithubClient::new(GithubEndpoints::new(
        &config.github_api_url,
        &config.github_web_url,
    ))
}

/// Starts an import worker on `queue` in a task of this process.
pub fn spawn_worker(
    config: &Config,
    db: sea_orm::DatabaseConnection,
    secrets: crypto::SecretBox,
    queue: worker::queue::Queue,
) -> RunningWorker {
    let webhooks = webhooks(config, db.clone(), secrets.clone(), queue.clone());
    let importer = worker::Importer {
        db,
        github: github_client(config),
        tokens: Arc::new(SealedTokens(secrets)),
        bus: queue.bus.clone(),
        budget: queue.budget.clone(),
        settings: config.import.clone(),
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let name = config.worker_name();
    let task = tokio::spawn(async move {
        queue
            .work(&name, importer, webhooks, async move {
                let _ = stopped.await;
            })
            .await
    });
    RunningWorker {
        stop: Some(stop),
        task,
    }
}

/// `tributary worker`: takes import jobs from the queue until Ctrl-C.
pub async fn run_worker(config: &Config) -> anyhow::Result<()> {
    let keys = config::Keys::resolve(config)?;
    let db = connect_database(&config.database_url()).await?;
    let queue = worker::queue::Queue::connect(&db, config.queue_config()).await?;
    if let Some(reason) = queue.unavailable() {
        anyhow::bail!(reason);
    }
    let running = spawn_worker(config, db, keys.secret_box, queue);
    tokio::signal::ctrl_c().await?;
    running.stop().await;
    Ok(())
}

/// Opens the database, runs migrations, binds `config.listen` and serves in a task,
/// with an import worker when the configuration wants one in this process.
pub async fn start(config: &Config) -> anyhow::Result<RunningApi> {
    let keys = config::Keys::resolve(config)?;
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
    let queue = worker::queue::Queue::connect(&db, config.queue_config()).await?;
    let imports = imports::Imports::new(db.clone(), queue.clone());
    let hooks = webhooks(config, db.clone(), keys.secret_box.clone(), queue.clone());
    let receiver = webhooks::Receiver::new(db.clone(), keys.secret_box.clone(), queue.clone());
    let worker = (config.runs_worker() && queue.unavailable().is_none())
        .then(|| spawn_worker(config, db.clone(), keys.secret_box.clone(), queue));
    let integrations =
        integrations::Integrations::new(db, github_client(config), keys.secret_box.clone());
    let oauth = oauth::OAuthFlow::new(config, &public_url, integrations.clone())?;
    let schema = graphql::build_schema(Some(graphql::Services {
        integrations: integrations.clone(),
        imports: imports.clone(),
        oauth: oauth.clone(),
        webhooks: hooks,
    }));
    let metrics = Arc::new(metrics::Metrics::default());
    metrics.watch_imports(imports.clone(), integrations.clone());
    let routes = http::routes(
        schema,
        oauth.clone(),
        http::ApiKey(keys.api_key.clone().into()),
        metrics,
        receiver,
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
        imports,
        worker,
        shutdown: Some(shutdown),
        task,
    })
}
