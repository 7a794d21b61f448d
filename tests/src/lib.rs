//! The test harness: one `TestApp` per test, with its own github-sim, its own API
//! server on loopback and its own database (a SQLite file, or a fresh PostgreSQL database).

pub mod chaos_proxy;
pub mod github_descriptions;
pub mod identity_provider;
pub mod logs;

use std::collections::HashMap;

use serde_json::{Value, json};

pub use github_sim::{GithubSim, RunningSim, SimConfig};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The row key behind an API's global id, for a test that looks at the database.
pub fn row_id(global_id: &str) -> String {
    api::graphql::node_id::decode_any(global_id)
        .unwrap_or_else(|error| panic!("{global_id} is not a global id: {error}"))
        .1
}

/// The API's global id of a `kind` row, for a test that found the row in the database.
pub fn global_id(kind: api::graphql::node_id::NodeKind, row_id: &str) -> String {
    api::graphql::node_id::encode(kind, row_id).0
}

pub use api::graphql::node_id::NodeKind;

/// The login of the simulator's `owner` token, which most tests import with.
pub const OWNER_LOGIN: &str = "tributary-svc";

/// The reviews of a pull request of the simulator's `/_sim/dataset` that `viewer` (a
/// login) sees: a pending review shows only to its author, on GitHub as in the
/// simulator.
pub fn reviews_seen_by<'a>(
    pull_request: &'a serde_json::Value,
    viewer: &'a str,
) -> impl Iterator<Item = &'a serde_json::Value> {
    pull_request["reviews"]
        .as_array()
        .expect("a pull request of the dataset has reviews")
        .iter()
        .filter(move |r| r["state"] != "PENDING" || r["author"]["login"] == viewer)
}

/// Where PostgreSQL is; each test creates and drops its own database there.
fn postgres_admin_url() -> String {
    std::env::var("TRIBUTARY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn services_required() -> bool {
    std::env::var("TRIBUTARY_TEST_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

/// A database of one test's own.
pub enum TestDatabase {
    Sqlite { dir: std::path::PathBuf },
    Postgres { name: String },
}

impl TestDatabase {
    /// `None` when PostgreSQL is not reachable and CI does not require it.
    pub async fn create(backend: Backend) -> Option<(TestDatabase, String)> {
        let tag = uuid::Uuid::new_v4().simple().to_string();
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("tributary-test-{tag}"));
                std::fs::create_dir_all(&dir).expect("creating a temporary directory");
                let url = format!("sqlite://{}/tributary.db", dir.display());
                Some((TestDatabase::Sqlite { dir }, url))
            }
            Backend::Postgres => {
                let admin = postgres_admin_url();
                // Refused connections would otherwise wait out the pool's 30 s acquire timeout.
                let mut options = sea_orm::ConnectOptions::new(admin.clone());
                options
                    .connect_timeout(std::time::Duration::from_secs(3))
                    .acquire_timeout(std::time::Duration::from_secs(3))
                    .sqlx_logging(false);
                let connection = match sea_orm::Database::connect(options).await {
                    Ok(connection) => connection,
                    Err(error) if !services_required() => {
                        eprintln!(
                            "\n*** SKIPPED: PostgreSQL is not reachable at {admin} ({error}); set TRIBUTARY_TEST_REQUIRE_SERVICES=1 to fail instead ***\n"
                        );
                        return None;
                    }
                    Err(error) => panic!(
                        "PostgreSQL is required (TRIBUTARY_TEST_REQUIRE_SERVICES=1) but not reachable at {admin}: {error}"
                    ),
                };
                let name = format!("tributary_test_{tag}");
                use sea_orm::ConnectionTrait;
                connection
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("creating the test database");
                let _ = connection.close().await;
                let url = match admin.rsplit_once('/') {
                    Some((server, _)) => format!("{server}/{name}"),
                    None => panic!("TRIBUTARY_TEST_POSTGRES_URL must end with a database name"),
                };
                Some((TestDatabase::Postgres { name }, url))
            }
        }
    }

    pub async fn drop_database(self) {
        match self {
            TestDatabase::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            TestDatabase::Postgres { name } => {
                if let Ok(connection) = sea_orm::Database::connect(&postgres_admin_url()).await {
                    use sea_orm::ConnectionTrait;
                    let _ = connection
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = connection.close().await;
                }
            }
        }
    }
}

/// The API called with one credential ([`TestApp::as_caller`]), from a browser page on
/// another origin when it has one ([`TestApp::as_browser`]).
pub struct Caller<'a> {
    app: &'a TestApp,
    pub credential: &'a str,
    origin: Option<&'a str>,
}

impl Caller<'_> {
    /// The whole JSON answer (which must come with a 2xx status).
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.post(json!({ "query": query, "variables": variables }))
            .await
    }

    async fn post(&self, request: Value) -> Value {
        self.app
            .post_graphql_as(self.credential, self.origin, request)
            .await
    }

    /// Creates an integration with a scenario token; its global id.
    pub async fn create_integration(&self, scenario: &str) -> String {
        let data = self
            .data(
                "mutation($name: String!, $token: String!) { createIntegration(input: {name: $name, token: $token}) { integration { id } userErrors { code } } }",
                json!({ "name": format!("{scenario} integration"), "token": self.app.token(scenario) }),
            )
            .await;
        assert_eq!(
            data["createIntegration"]["userErrors"],
            json!([]),
            "creating the {scenario} integration"
        );
        data["createIntegration"]["integration"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// `data`, failing the test on any GraphQL error.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        assert!(
            body.get("errors").is_none(),
            "unexpected GraphQL errors: {body:#}"
        );
        body["data"].clone()
    }

    /// The operation `name` of a document, failing the test on any top-level error.
    pub async fn operation(&self, document: &str, name: &str, variables: Value) -> Value {
        let body = self
            .post(json!({ "query": document, "operationName": name, "variables": variables }))
            .await;
        assert!(body.get("errors").is_none(), "{name}: {body:#}");
        body["data"].clone()
    }
}

pub struct TestApp {
    pub backend: Backend,
    pub sim: RunningSim,
    pub sim_handle: GithubSim,
    pub api: tributary::RunningApi,
    pub database_url: String,
    pub http: reqwest::Client,
    /// The API's settings, for starting more workers like its own.
    pub config: tributary::Config,
    tokens: HashMap<String, String>,
    database: Option<TestDatabase>,
    /// The proxy between the app and PostgreSQL, when built with
    /// [`TestAppBuilder::database_chaos_proxy`].
    pub chaos: Option<std::sync::Arc<chaos_proxy::ChaosProxy>>,
}

/// Where Redis is; tests that use it take their own key prefix there.
fn redis_url() -> String {
    std::env::var("TRIBUTARY_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A Redis key prefix of one test's own, or `None` when Redis is not reachable and
/// CI does not require it (a notice is printed).
async fn redis_prefix() -> Option<String> {
    let url = redis_url();
    let reachable = async {
        let client = redis::Client::open(url.as_str())?;
        let mut connection = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING")
            .query_async::<String>(&mut connection)
            .await
    };
    match tokio::time::timeout(std::time::Duration::from_secs(3), reachable).await {
        Ok(Ok(_)) => Some(format!("tributary-test-{}", uuid::Uuid::new_v4().simple())),
        failure if !services_required() => {
            eprintln!(
                "\n*** SKIPPED: Redis is not reachable at {url} ({failure:?}); set TRIBUTARY_TEST_REQUIRE_SERVICES=1 to fail instead ***\n"
            );
            None
        }
        failure => panic!(
            "Redis is required (TRIBUTARY_TEST_REQUIRE_SERVICES=1) but not reachable at {url}: {failure:?}"
        ),
    }
}

/// Removes every key of a test's prefix.
async fn drop_redis_keys(prefix: &str) {
    let Ok(client) = redis::Client::open(redis_url().as_str()) else {
        return;
    };
    let Ok(mut connection) = client.get_multiplexed_async_connection().await else {
        return;
    };
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}:*"))
        .query_async(&mut connection)
        .await
        .unwrap_or_default();
    if !keys.is_empty() {
        let _: Result<(), _> = redis::cmd("DEL")
            .arg(keys)
            .query_async(&mut connection)
            .await;
    }
}

/// A worker with its own database and queue connections, as a separate process has.
async fn start_worker(config: &tributary::Config) -> tributary::RunningWorker {
    let db = tributary::connect_database(&config.database_url())
        .await
        .expect("connecting the worker to the database");
    let keys = tributary::config::Keys::resolve(config).expect("the test's keys");
    let queue = queue::Queue::connect(&db, config.queue_config())
        .await
        .expect("connecting the worker to its queue");
    tributary::spawn_worker(config, db, keys.secret_box, queue)
}

/// The `tributary` binary beside this test binary (`target/<profile>/tributary`);
/// scripts/test builds it before the tests. `None` (with a notice) when it is missing
/// and CI does not require it.
pub fn tributary_binary() -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/e2e-… → target/<profile>/tributary
    let binary = exe.parent()?.parent()?.join("tributary");
    if binary.exists() {
        return Some(binary);
    }
    let message = format!(
        "{} is missing: build it with `cargo build -p tributary` (scripts/test does)",
        binary.display()
    );
    if services_required() {
        panic!("{message}");
    }
    eprintln!("\n*** SKIPPED: {message} ***\n");
    None
}

/// A `tributary worker` child process, killed (SIGKILL) when dropped.
pub struct WorkerProcess(std::process::Child);

impl WorkerProcess {
    /// SIGKILL: the process gets no chance to finish its page or tell anyone.
    pub fn kill(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Builds a `TestApp`; the defaults are the simulator with seed 1 and the API pointed at it.
pub struct TestAppBuilder {
    backend: Backend,
    seed: u64,
    scale: github_sim::Scale,
    /// Overrides of the scale's demo organization: repositories, commits, pull requests
    /// and tickets over them.
    organization: Option<(usize, usize, usize, usize)>,
    github_api_url: Option<String>,
    oauth_client: Option<(String, String)>,
    oauth_state_ttl: Option<std::time::Duration>,
    oauth_allowed_redirect_origins: Vec<String>,
    cors_allowed_origins: Vec<String>,
    jwt: Option<tributary::config::JwtConfig>,
    request_time_limit: Option<std::time::Duration>,
    metrics_token: Option<String>,
    redis: bool,
    /// A Redis of the test's own instead of the shared one (a test that stops it).
    own_redis_url: Option<String>,
    separate_worker: bool,
    import: worker::ImportSettings,
    /// The database reached through a [`chaos_proxy::ChaosProxy`] (PostgreSQL only).
    chaos_proxy: bool,
    queue_window: Option<usize>,
    webhook_recovery_interval: std::time::Duration,
    webhook_delivery_retention: Option<std::time::Duration>,
    progress_capacity: usize,
}

/// Import settings that keep tests quick: short waits, a short overlap.
pub fn quick_import_settings() -> worker::ImportSettings {
    worker::ImportSettings {
        overlap: chrono::Duration::seconds(1),
        backoff_base: std::time::Duration::from_millis(20),
        backoff_cap: std::time::Duration::from_millis(200),
        secondary_limit_wait: std::time::Duration::from_secs(1),
        max_attempts: 50,
        ..worker::ImportSettings::default()
    }
}

impl TestAppBuilder {
    /// The queue, progress and budgets go through Redis under a prefix of this test's
    /// own, with the API's in-process worker on it (`serve --worker`).
    pub fn redis(mut self) -> Self {
        self.redis = true;
        self
    }

    /// The queue on a Redis of the test's own ([`OwnRedis`]), which the test may stop
    /// and start again.
    pub fn own_redis(mut self, redis: &OwnRedis) -> Self {
        self.redis = true;
        self.own_redis_url = Some(redis.url());
        self
    }

    /// The app (API, worker, worker processes) reaches PostgreSQL through a
    /// [`chaos_proxy::ChaosProxy`] the test breaks and delays (`TestApp::chaos`);
    /// SQLite, a file, has no connection to break.
    pub fn database_chaos_proxy(mut self) -> Self {
        self.chaos_proxy = true;
        self
    }

    /// Jobs of one integration in the queue at once (`TRIBUTARY_QUEUE_WINDOW`).
    pub fn queue_window(mut self, window: usize) -> Self {
        self.queue_window = Some(window);
        self
    }

    /// With Redis: the API runs no worker; one runs beside it with connections of its
    /// own, as a `tributary worker` process would, so jobs and progress cross Redis.
    pub fn separate_worker(mut self) -> Self {
        self.redis = true;
        self.separate_worker = true;
        self
    }

    /// How often the webhook recovery job runs (tests use seconds, not minutes).
    /// How long applied deliveries are kept (30 days by default).
    pub fn webhook_delivery_retention(mut self, retention: std::time::Duration) -> Self {
        self.webhook_delivery_retention = Some(retention);
        self
    }

    pub fn webhook_recovery_interval(mut self, interval: std::time::Duration) -> Self {
        self.webhook_recovery_interval = interval;
        self
    }

    /// How many progress events an `importProgress` subscriber may fall behind by
    /// (tiny to make one miss events).
    pub fn progress_capacity(mut self, capacity: usize) -> Self {
        self.progress_capacity = capacity;
        self
    }

    pub fn import_settings(mut self, settings: worker::ImportSettings) -> Self {
        self.import = settings;
        self
    }

    /// The simulator's dataset size (small by default).
    pub fn scale(mut self, scale: github_sim::Scale) -> Self {
        self.scale = scale;
        self
    }

    /// The demo organization with `repos` repositories holding `commits`, `pull_requests`
    /// and `issues` between them (`github-sim --repos --commits --prs --issues`).
    pub fn organization(
        mut self,
        repos: usize,
        commits: usize,
        pull_requests: usize,
        issues: usize,
    ) -> Self {
        self.organization = Some((repos, commits, pull_requests, issues));
        self
    }

    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Points the API at another GitHub (for example a closed port).
    pub fn github_api_url(mut self, url: impl Into<String>) -> Self {
        self.github_api_url = Some(url.into());
        self
    }

    /// The OAuth app's client id and secret the API uses (default: the simulator's
    /// default app); `None` leaves them unset.
    pub fn oauth_client(mut self, client: Option<(&str, &str)>) -> Self {
        self.oauth_client = client.map(|(id, secret)| (id.to_string(), secret.to_string()));
        self
    }

    pub fn oauth_state_ttl(mut self, ttl: std::time::Duration) -> Self {
        self.oauth_state_ttl = Some(ttl);
        self
    }

    /// The longest a GraphQL request may run.
    pub fn request_time_limit(mut self, limit: std::time::Duration) -> Self {
        self.request_time_limit = Some(limit);
        self
    }

    /// `TRIBUTARY_METRICS_TOKEN`: a bearer that may scrape `/metrics` only.
    pub fn metrics_token(mut self, token: &str) -> Self {
        self.metrics_token = Some(token.to_string());
        self
    }

    /// How the API verifies user tokens (the default: HS256 with the secret derived
    /// from the test's encryption key, which `TestApp::user_token` signs with).
    pub fn jwt(mut self, jwt: tributary::config::JwtConfig) -> Self {
        self.jwt = Some(jwt);
        self
    }

    pub fn cors_allowed_origins(mut self, origins: &[&str]) -> Self {
        self.cors_allowed_origins = origins.iter().map(|o| o.to_string()).collect();
        self
    }

    pub fn oauth_allowed_redirect_origins(mut self, origins: &[&str]) -> Self {
        self.oauth_allowed_redirect_origins = origins.iter().map(|o| o.to_string()).collect();
        self
    }

    /// `None` when the backend's service is absent and not required (a notice is printed).
    pub async fn start(self) -> Option<TestApp> {
        logs::install();
        let redis_prefix = match self.redis {
            true => Some(redis_prefix().await?),
            false => None,
        };
        let (database, database_url) = TestDatabase::create(self.backend).await?;
        let (chaos, database_url) = match (self.chaos_proxy, self.backend) {
            (true, Backend::Postgres) => {
                let (proxy, url) = chaos_proxy::ChaosProxy::in_front_of(&database_url)
                    .await
                    .expect("a chaos proxy in front of PostgreSQL");
                (Some(proxy), url)
            }
            _ => (None, database_url),
        };
        let sim_handle = GithubSim::new(SimConfig {
            seed: self.seed,
            scale: self.scale,
            repos: self.organization.map(|o| o.0),
            commits: self.organization.map(|o| o.1),
            pull_requests: self.organization.map(|o| o.2),
            issues: self.organization.map(|o| o.3),
            ..Default::default()
        });
        let tokens = sim_handle
            .tokens()
            .into_iter()
            .map(|t| (t.name, t.token))
            .collect();
        let sim = sim_handle
            .clone()
            .spawn("127.0.0.1:0")
            .await
            .expect("starting github-sim");
        let github = self.github_api_url.unwrap_or_else(|| sim.base_url());
        let defaults = tributary::Config::default();
        let (client_id, client_secret) = self.oauth_client.unzip();
        let config = tributary::Config {
            listen: "127.0.0.1:0".into(),
            database_url: Some(database_url.clone()),
            public_url: None,
            github_api_url: github.clone(),
            github_web_url: github,
            api_key: Some("test-api-key".into()),
            encryption_key: Some(api::crypto::SecretBox::generate_key()),
            redis_url: redis_prefix
                .as_ref()
                .map(|_| self.own_redis_url.clone().unwrap_or_else(redis_url)),
            redis_prefix: redis_prefix.unwrap_or_else(|| "tributary".into()),
            worker: !self.separate_worker,
            worker_name: Some("test-worker".into()),
            // A killed worker's jobs come back to its successor within seconds.
            worker_heartbeat: std::time::Duration::from_secs(1),
            import: self.import,
            github_oauth_client_id: client_id,
            github_oauth_client_secret: client_secret,
            oauth_allowed_redirect_origins: self.oauth_allowed_redirect_origins,
            cors_allowed_origins: self.cors_allowed_origins,
            jwt: self.jwt.unwrap_or_default(),
            request_time_limit: self
                .request_time_limit
                .unwrap_or(defaults.request_time_limit),
            metrics_token: self.metrics_token,
            oauth_state_ttl: self.oauth_state_ttl.unwrap_or(defaults.oauth_state_ttl),
            webhook_recovery_interval: self.webhook_recovery_interval,
            webhook_delivery_retention: self
                .webhook_delivery_retention
                .unwrap_or(defaults.webhook_delivery_retention),
            progress_capacity: self.progress_capacity,
            queue_window: self.queue_window.unwrap_or(defaults.queue_window),
            ..defaults
        };
        let mut api = tributary::start(&config).await.expect("starting the API");
        // Hooks must deliver to the address the API really listens on, whichever
        // worker adds them.
        let config = tributary::Config {
            public_url: Some(api.public_url.clone()),
            ..config
        };
        sim_handle.default_oauth_app(&format!(
            "{}{}",
            api.public_url,
            api::oauth::flow::CALLBACK_PATH
        ));
        if self.separate_worker {
            api.worker = Some(start_worker(&config).await);
        }
        Some(TestApp {
            backend: self.backend,
            sim,
            sim_handle,
            api,
            database_url,
            http: reqwest::Client::new(),
            config,
            tokens,
            database: Some(database),
            chaos,
        })
    }
}

impl TestApp {
    pub fn builder(backend: Backend) -> TestAppBuilder {
        TestAppBuilder {
            backend,
            seed: 1,
            scale: github_sim::Scale::Small,
            organization: None,
            github_api_url: None,
            oauth_client: Some((
                github_sim::DEFAULT_CLIENT_ID.into(),
                github_sim::DEFAULT_CLIENT_SECRET.into(),
            )),
            oauth_state_ttl: None,
            oauth_allowed_redirect_origins: Vec::new(),
            cors_allowed_origins: Vec::new(),
            jwt: None,
            request_time_limit: None,
            metrics_token: None,
            redis: false,
            own_redis_url: None,
            separate_worker: false,
            chaos_proxy: false,
            queue_window: None,
            import: quick_import_settings(),
            webhook_recovery_interval: std::time::Duration::from_secs(300),
            webhook_delivery_retention: None,
            progress_capacity: queue::progress::DEFAULT_CAPACITY,
        }
    }

    pub async fn start(backend: Backend) -> Option<TestApp> {
        Self::builder(backend).start().await
    }

    /// An app on PostgreSQL and Redis that reaches PostgreSQL through a chaos proxy,
    /// and the proxy, for a test to break and delay.
    pub async fn start_behind_chaos_proxy()
    -> Option<(TestApp, std::sync::Arc<chaos_proxy::ChaosProxy>)> {
        let app = Self::builder(Backend::Postgres)
            .redis()
            .database_chaos_proxy()
            .start()
            .await?;
        let chaos = app.chaos.clone().expect("built with the chaos proxy");
        Some((app, chaos))
    }

    pub fn token(&self, scenario: &str) -> String {
        self.tokens
            .get(scenario)
            .unwrap_or_else(|| panic!("github-sim has no scenario token {scenario}"))
            .clone()
    }

    pub fn all_tokens(&self) -> Vec<String> {
        self.tokens.values().cloned().collect()
    }

    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.api.base_url())
    }

    /// Posts a GraphQL request with the API key and returns the whole JSON answer.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.as_caller(&self.api.api_key)
            .graphql(query, variables)
            .await
    }

    /// Runs the operation `name` of a document holding several (as a client sends its
    /// `.graphql` files), failing the test on any top-level error; returns `data`.
    pub async fn operation(&self, document: &str, name: &str, variables: Value) -> Value {
        self.as_caller(&self.api.api_key)
            .operation(document, name, variables)
            .await
    }

    /// Posts a GraphQL request body with `credential` (a user token or the server key),
    /// from a page of `origin` when given (whose answer must then carry the CORS header
    /// a browser needs to hand it to the page); the whole JSON answer, which must come
    /// with a 2xx status.
    async fn post_graphql_as(
        &self,
        credential: &str,
        origin: Option<&str>,
        request: Value,
    ) -> Value {
        let mut post = self.http.post(self.graphql_url()).bearer_auth(credential);
        if let Some(origin) = origin {
            post = post.header("Origin", origin);
        }
        let response = post
            .json(&request)
            .send()
            .await
            .expect("posting to the API");
        if let Some(origin) = origin {
            assert_eq!(
                response
                    .headers()
                    .get("access-control-allow-origin")
                    .and_then(|v| v.to_str().ok()),
                Some(origin),
                "a browser hands the answer to a page of {origin} only with this header"
            );
        }
        assert!(
            response.status().is_success(),
            "GraphQL answered {}",
            response.status()
        );
        let body: Value = response.json().await.expect("a JSON answer");
        logs::remember_response(&body);
        body
    }

    /// Like [`graphql`](Self::graphql), but fails the test on any GraphQL error and returns `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        self.as_caller(&self.api.api_key)
            .data(query, variables)
            .await
    }

    /// Prometheus' scrape of `/metrics`, with the server key (as an operator's
    /// Prometheus sends it).
    pub async fn scrape_metrics(&self) -> String {
        let response = self
            .http
            .get(format!("{}/metrics", self.api.base_url()))
            .bearer_auth(&self.api.api_key)
            .send()
            .await
            .expect("scraping /metrics");
        assert_eq!(response.status(), 200, "/metrics with the server key");
        response.text().await.expect("the metrics' text")
    }

    /// A user token for `workspace` with `role`, valid an hour, signed with the secret
    /// the API verifies (derived from the test's encryption key).
    pub fn user_token(&self, workspace: &str, role: api::auth::Role) -> String {
        self.user_token_for(
            workspace,
            role,
            "test-user",
            std::time::Duration::from_secs(3600),
        )
    }

    /// A user token with a subject and lifetime of the test's choosing.
    pub fn user_token_for(
        &self,
        workspace: &str,
        role: api::auth::Role,
        subject: &str,
        ttl: std::time::Duration,
    ) -> String {
        api::auth::mint::mint(
            &self.api.user_tokens,
            &api::auth::mint::TokenRequest {
                workspace,
                role,
                subject,
                ttl,
            },
        )
        .expect("minting a user token")
    }

    /// The API as the holder of `credential` (a user token or the server key) calls it.
    pub fn as_caller<'a>(&'a self, credential: &'a str) -> Caller<'a> {
        Caller {
            app: self,
            credential,
            origin: None,
        }
    }

    /// The API as a page of `origin` (one of the builder's CORS origins) holding
    /// `credential` calls it.
    pub fn as_browser<'a>(&'a self, credential: &'a str, origin: &'a str) -> Caller<'a> {
        Caller {
            app: self,
            credential,
            origin: Some(origin),
        }
    }

    /// Creates an integration with a scenario token and returns its global id.
    pub async fn create_integration(&self, scenario: &str) -> String {
        self.as_caller(&self.api.api_key)
            .create_integration(scenario)
            .await
    }

    /// Ends the in-process worker at once, as a crash would.
    pub fn kill_worker(&mut self) {
        if let Some(worker) = self.api.worker.take() {
            worker.kill();
        }
    }

    /// Starts a worker like the killed one (same name, same settings, connections of
    /// its own) in its place.
    pub async fn restart_worker(&mut self) {
        self.api.worker = Some(start_worker(&self.config).await);
    }

    /// Starts `tributary worker` as a process of its own with this app's database,
    /// Redis prefix, GitHub and encryption key (the app must use Redis).
    pub fn spawn_worker_process(&self, name: &str) -> Option<WorkerProcess> {
        let binary = tributary_binary()?;
        let redis = self
            .config
            .redis_url
            .as_ref()
            .expect("a worker process needs the Redis path: build the app with .redis()");
        let child = std::process::Command::new(binary)
            .arg("worker")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("TRIBUTARY_DATABASE_URL", &self.database_url)
            .env("TRIBUTARY_REDIS_URL", redis)
            .env("TRIBUTARY_REDIS_PREFIX", &self.config.redis_prefix)
            .env("TRIBUTARY_GITHUB_API_URL", &self.config.github_api_url)
            .env("TRIBUTARY_GITHUB_WEB_URL", &self.config.github_web_url)
            .env(
                "TRIBUTARY_ENCRYPTION_KEY",
                self.config
                    .encryption_key
                    .as_deref()
                    .expect("the test's key"),
            )
            .env("TRIBUTARY_WORKER_NAME", name)
            .env("TRIBUTARY_WORKER_HEARTBEAT_SECS", "1")
            .env("TRIBUTARY_PUBLIC_URL", &self.api.public_url)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .expect("starting tributary worker");
        Some(WorkerProcess(child))
    }

    /// GETs or POSTs a `/_sim/...` control route and returns its JSON.
    pub async fn sim_control(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.sim.base_url()));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("calling github-sim");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "{path} answered {status}: {text}");
        serde_json::from_str(&text).expect("github-sim answers JSON")
    }

    pub async fn finish(mut self) {
        self.api.stop().await;
        if self.config.redis_url.is_some() {
            drop_redis_keys(&self.config.redis_prefix).await;
        }
        if let Some(database) = self.database.take() {
            database.drop_database().await;
        }
    }
}

/// Runs one test body on SQLite and on PostgreSQL; with a second argument, a
/// function that adjusts the builder (`fn(TestAppBuilder) -> TestAppBuilder`).
#[macro_export]
macro_rules! on_every_backend {
    ($body:ident, $build:ident) => {
        mod $body {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let builder = super::$build($crate::TestApp::builder($crate::Backend::Sqlite));
                if let Some(mut app) = builder.start().await {
                    super::$body(&mut app).await;
                    app.finish().await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let builder = super::$build($crate::TestApp::builder($crate::Backend::Postgres));
                if let Some(mut app) = builder.start().await {
                    super::$body(&mut app).await;
                    app.finish().await;
                }
            }
        }
    };
    ($body:ident) => {
        mod $body {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) = $crate::TestApp::start($crate::Backend::Sqlite).await {
                    super::$body(&app).await;
                    app.finish().await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::TestApp::start($crate::Backend::Postgres).await {
                    super::$body(&app).await;
                    app.finish().await;
                }
            }
        }
    };
}

/// A Redis server of one test's own, on a free port, which the test stops and starts
/// again: without persistence (as a cache-only Redis, or a failover to an empty
/// replica, behaves) from [`OwnRedis::start`], or keeping every write on disk from
/// [`OwnRedis::start_persistent`]. `None`, with a notice, where `redis-server` cannot
/// be started and CI does not require the services.
pub struct OwnRedis {
    port: u16,
    process: Option<std::process::Child>,
    /// Where a persistent server keeps its append-only file.
    dir: Option<std::path::PathBuf>,
}

impl OwnRedis {
    pub fn start() -> Option<OwnRedis> {
        OwnRedis::start_with(None)
    }

    /// A server that fsyncs every write to its append-only file, so that a restart,
    /// even after SIGKILL, finds every key it held.
    pub fn start_persistent() -> Option<OwnRedis> {
        let dir = std::env::temp_dir().join(format!(
            "tributary-test-redis-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4()
        ));
        std::fs::create_dir_all(&dir).expect("a directory for the test's Redis");
        OwnRedis::start_with(Some(dir))
    }

    fn start_with(dir: Option<std::path::PathBuf>) -> Option<OwnRedis> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .expect("a free port");
        let mut redis = OwnRedis {
            port,
            process: None,
            dir,
        };
        match redis.restart() {
            Ok(()) => Some(redis),
            Err(reason) if !services_required() => {
                eprintln!(
                    "\n*** SKIPPED: a Redis of the test's own could not start ({reason}) ***\n"
                );
                None
            }
            Err(reason) => panic!("a Redis of the test's own could not start: {reason}"),
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stops the server at once (SIGKILL): without persistence every key it held is
    /// gone.
    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }

    /// Starts it again on the same port (empty, unless persistent), once it accepts
    /// connections.
    pub fn restart(&mut self) -> Result<(), String> {
        self.stop();
        let port = self.port.to_string();
        let mut args = vec!["--port", &port, "--bind", "127.0.0.1", "--save", ""];
        let dir = self.dir.as_ref().map(|d| d.display().to_string());
        match &dir {
            Some(dir) => args.extend([
                "--dir",
                dir,
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ]),
            None => args.extend(["--appendonly", "no"]),
        }
        let process = std::process::Command::new("redis-server")
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| format!("redis-server: {e}"))?;
        self.process = Some(process);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if std::time::Instant::now() > deadline {
                return Err(format!("no answer on port {} within 10 s", self.port));
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Ok(())
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
