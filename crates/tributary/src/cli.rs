//! The command line: every setting a flag with its `TRIBUTARY_*` fallback, and the
//! settings each subcommand builds from them.

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "tributary",
    version,
    about = "Connects an engineering-analytics product to GitHub Cloud and keeps its data flowing."
)]
pub(crate) struct Cli {
    /// Log format: human-readable text, or one JSON object per line.
    #[arg(long, env = "TRIBUTARY_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub(crate) log_format: LogFormat,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Run the API server (GraphQL, GraphiQL, subscriptions, health, metrics).
    Serve(ServeArgs),
    /// Run a background worker.
    Worker(WorkerArgs),
    /// Bring the database schema up to date and exit.
    Migrate(DatabaseArgs),
    /// Print the GraphQL schema (SDL) of the API.
    Schema,
    /// Mint a user token with the configured HS256 secret (for scripts, tests and the
    /// demo; in production the product's identity provider issues them).
    Token(TokenArgs),
    /// Seal every stored secret again under the current encryption key, bound to its
    /// row (run with the new key in TRIBUTARY_ENCRYPTION_KEY and the old one in
    /// TRIBUTARY_ENCRYPTION_KEY_PREVIOUS, while servers and workers hold both).
    RotateKey(RotateKeyArgs),
    /// Run the GitHub simulator.
    #[cfg(feature = "simulator")]
    GithubSim(SimArgs),
    /// Run the simulator and the API together on the embedded defaults, with a demo integration.
    #[cfg(feature = "simulator")]
    Demo(DemoArgs),
}

#[derive(Args)]
pub(crate) struct RotateKeyArgs {
    #[command(flatten)]
    pub(crate) database: DatabaseArgs,
    #[command(flatten)]
    pub(crate) keys: EncryptionKeyArgs,
}

impl RotateKeyArgs {
    pub(crate) fn config(self) -> tributary::Config {
        tributary::Config {
            database_url: self.database.database_url,
            encryption_key: self.keys.encryption_key,
            encryption_key_previous: self.keys.encryption_key_previous,
            ..tributary::Config::default()
        }
    }
}

/// A token's role.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum RoleArg {
    Admin,
    Member,
    Viewer,
}

impl From<RoleArg> for api::auth::Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Admin => api::auth::Role::Admin,
            RoleArg::Member => api::auth::Role::Member,
            RoleArg::Viewer => api::auth::Role::Viewer,
        }
    }
}

#[derive(Args, Clone)]
pub(crate) struct TokenArgs {
    /// The workspace the token opens.
    #[arg(long)]
    pub(crate) workspace: String,
    /// What the token may do.
    #[arg(long, value_enum)]
    pub(crate) role: RoleArg,
    /// The token's subject (`sub`): who holds it.
    #[arg(long, default_value = "tributary-cli")]
    pub(crate) subject: String,
    /// How long it is valid: 90s, 30m, 1h, 7d.
    #[arg(long, default_value = "1h", value_parser = tributary::user_token::parse_ttl)]
    pub(crate) ttl: std::time::Duration,
    #[command(flatten)]
    pub(crate) database: DatabaseArgs,
    /// The encryption key, when the server is given one (the derived HS256 secret comes from it).
    #[arg(long, env = "TRIBUTARY_ENCRYPTION_KEY", hide_env_values = true)]
    pub(crate) encryption_key: Option<String>,
    /// The API key, when the server is given one (with both keys given, no key file is read).
    #[arg(long, env = "TRIBUTARY_API_KEY", hide_env_values = true)]
    pub(crate) api_key: Option<String>,
    #[command(flatten)]
    pub(crate) jwt: JwtArgs,
}

impl TokenArgs {
    pub(crate) fn config(self) -> tributary::Config {
        tributary::Config {
            database_url: self.database.database_url,
            encryption_key: self.encryption_key,
            api_key: self.api_key,
            jwt: self.jwt.config(),
            ..tributary::Config::default()
        }
    }
}

#[derive(Args, Clone)]
pub(crate) struct DatabaseArgs {
    /// Database URL: `sqlite://FILE` or `postgres://USER@HOST/DB`.
    /// [default: a SQLite file `tributary.db` in the working directory]
    // Hidden in --help: the URL may carry a password.
    #[arg(long, env = "TRIBUTARY_DATABASE_URL", hide_env_values = true)]
    pub(crate) database_url: Option<String>,
}

#[derive(Args, Clone)]
pub(crate) struct GithubArgs {
    /// GitHub's REST base; GraphQL is derived from it (`/graphql`, or `/api/graphql` for `…/api/v3`).
    #[arg(
        long,
        env = "TRIBUTARY_GITHUB_API_URL",
        default_value = "https://api.github.com"
    )]
    pub(crate) github_api_url: String,
    /// GitHub's web base (OAuth pages, SSO links).
    #[arg(
        long,
        env = "TRIBUTARY_GITHUB_WEB_URL",
        default_value = "https://github.com"
    )]
    pub(crate) github_web_url: String,
}

#[derive(Args, Clone)]
pub(crate) struct QueueArgs {
    /// Redis for the import queue, its progress and the rate-limit budgets, shared by
    /// every `serve` and `worker` [default: the queue lives in the SQLite database].
    #[arg(long, env = "TRIBUTARY_REDIS_URL", hide_env_values = true)]
    pub(crate) redis_url: Option<String>,
    /// Prefix of every Redis key, so deployments sharing a Redis stay apart.
    #[arg(long, env = "TRIBUTARY_REDIS_PREFIX", default_value = "tributary")]
    pub(crate) redis_prefix: String,
    /// Jobs of one integration in the queue at once; its other queued runs wait in the
    /// database and are queued as these end, so another integration's run never waits
    /// behind thousands.
    #[arg(long, env = "TRIBUTARY_QUEUE_WINDOW", default_value_t = queue::storage::DEFAULT_WINDOW)]
    pub(crate) queue_window: usize,
    /// Fresh runs of one integration a worker reads together, in a few GitHub queries
    /// (small repositories cost a fraction of a point each); 1 reads each run alone.
    #[arg(long, env = "TRIBUTARY_IMPORT_BATCH", default_value_t = worker::BATCH_RUNS, value_parser = clap::value_parser!(usize))]
    pub(crate) import_batch: usize,
    #[command(flatten)]
    pub(crate) keys: EncryptionKeyArgs,
}

impl QueueArgs {
    fn import_settings(&self) -> worker::ImportSettings {
        worker::ImportSettings {
            batch_runs: self.import_batch.max(1),
            ..worker::ImportSettings::default()
        }
    }
}

/// The keys that seal secrets at rest.
#[derive(Args, Clone)]
pub(crate) struct EncryptionKeyArgs {
    /// 32 bytes, base64, encrypting secrets at rest [default: generated at first start and kept beside the database].
    #[arg(long, env = "TRIBUTARY_ENCRYPTION_KEY", hide_env_values = true)]
    pub(crate) encryption_key: Option<String>,
    /// During a key rotation: the keys rotated away from, comma-separated; what they
    /// sealed still opens until `tributary rotate-key` has sealed it again (docs/security.md).
    #[arg(
        long,
        env = "TRIBUTARY_ENCRYPTION_KEY_PREVIOUS",
        hide_env_values = true,
        value_delimiter = ','
    )]
    pub(crate) encryption_key_previous: Vec<String>,
}

/// How user tokens (`Authorization: Bearer <JWT>`) are verified.
#[derive(Args, Clone)]
pub(crate) struct JwtArgs {
    /// HS256 secret of user tokens, at least 32 characters [default: derived from the
    /// encryption key, for the demo and `tributary token`].
    #[arg(long, env = "TRIBUTARY_JWT_SECRET", hide_env_values = true)]
    pub(crate) jwt_secret: Option<String>,
    /// The identity provider's JWKS (RS256 and ES256 keys), fetched and cached; an
    /// unknown `kid` fetches it again at most once a minute.
    #[arg(long, env = "TRIBUTARY_JWT_JWKS_URL")]
    pub(crate) jwt_jwks_url: Option<String>,
    /// The `iss` user tokens must carry (checked when set).
    #[arg(long, env = "TRIBUTARY_JWT_ISSUER")]
    pub(crate) jwt_issuer: Option<String>,
    /// The `aud` user tokens must carry (checked when set).
    #[arg(long, env = "TRIBUTARY_JWT_AUDIENCE")]
    pub(crate) jwt_audience: Option<String>,
    /// The claim holding the workspace; a dotted path reaches into a namespaced claim
    /// (`https://example.com/claims.workspace`).
    #[arg(
        long,
        env = "TRIBUTARY_JWT_WORKSPACE_CLAIM",
        default_value = "workspace"
    )]
    pub(crate) jwt_workspace_claim: String,
    /// The claim holding the role (admin, member or viewer); dotted paths as above.
    #[arg(long, env = "TRIBUTARY_JWT_ROLE_CLAIM", default_value = "role")]
    pub(crate) jwt_role_claim: String,
}

impl JwtArgs {
    pub(crate) fn config(self) -> tributary::config::JwtConfig {
        tributary::config::JwtConfig {
            secret: self.jwt_secret,
            jwks_url: self.jwt_jwks_url,
            issuer: self.jwt_issuer,
            audience: self.jwt_audience,
            workspace_claim: self.jwt_workspace_claim,
            role_claim: self.jwt_role_claim,
            ..Default::default()
        }
    }
}

#[derive(Args, Clone)]
pub(crate) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TRIBUTARY_LISTEN", default_value = "127.0.0.1:8080")]
    pub(crate) listen: String,
    #[command(flatten)]
    pub(crate) database: DatabaseArgs,
    /// How GitHub and browsers reach this server [default: http://LISTEN].
    #[arg(long, env = "TRIBUTARY_PUBLIC_URL")]
    pub(crate) public_url: Option<String>,
    #[command(flatten)]
    pub(crate) github: GithubArgs,
    /// Bearer key for the GraphQL API [default: generated at first start and kept beside the database].
    #[arg(long, env = "TRIBUTARY_API_KEY", hide_env_values = true)]
    pub(crate) api_key: Option<String>,
    /// Bearer token that may scrape /metrics and nothing else (the server key may too).
    #[arg(long, env = "TRIBUTARY_METRICS_TOKEN", hide_env_values = true)]
    pub(crate) metrics_token: Option<String>,
    /// Client id of Tributary's OAuth app on GitHub (its callback URL is PUBLIC_URL/oauth/github/callback).
    #[arg(long, env = "TRIBUTARY_GITHUB_OAUTH_CLIENT_ID")]
    pub(crate) github_oauth_client_id: Option<String>,
    /// A client secret of that OAuth app.
    #[arg(
        long,
        env = "TRIBUTARY_GITHUB_OAUTH_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub(crate) github_oauth_client_secret: Option<String>,
    /// Origins (comma-separated, such as https://app.example.com) that startOAuth's redirectAfter may
    /// point to, besides the public URL's.
    #[arg(
        long,
        env = "TRIBUTARY_OAUTH_ALLOWED_REDIRECT_ORIGINS",
        value_delimiter = ','
    )]
    pub(crate) oauth_allowed_redirect_origins: Vec<String>,
    /// Origins (comma-separated, exact: https://app.example.com) whose browser pages may
    /// call /graphql; none by default.
    #[arg(long, env = "TRIBUTARY_CORS_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub(crate) cors_allowed_origins: Vec<String>,
    /// Seconds a GraphQL request may run before it is stopped with REQUEST_TIMEOUT.
    #[arg(long, env = "TRIBUTARY_REQUEST_TIME_LIMIT_SECS", default_value_t = 30)]
    pub(crate) request_time_limit_secs: u64,
    #[command(flatten)]
    pub(crate) jwt: JwtArgs,
    #[command(flatten)]
    pub(crate) queue: QueueArgs,
    #[command(flatten)]
    pub(crate) webhooks: WebhookArgs,
    /// Run an import worker in this process too (always so without Redis).
    #[arg(long)]
    pub(crate) worker: bool,
}

#[derive(Args, Clone)]
pub(crate) struct WebhookArgs {
    /// Seconds between two looks at each webhook's recent deliveries, asking GitHub to
    /// redeliver the ones that never arrived.
    #[arg(
        long,
        env = "TRIBUTARY_WEBHOOK_RECOVERY_INTERVAL_SECS",
        default_value_t = 300
    )]
    pub(crate) webhook_recovery_interval_secs: u64,
    /// Seconds between two incremental syncs of the repositories webhooks keep fresh,
    /// as a safety net; 0 turns them off.
    #[arg(
        long,
        env = "TRIBUTARY_WEBHOOK_SYNC_INTERVAL_SECS",
        default_value_t = 86_400
    )]
    pub(crate) webhook_sync_interval_secs: u64,
    /// Days an applied webhook delivery is kept (and a repeat of its id or body is a
    /// duplicate); older ones are deleted.
    #[arg(
        long,
        env = "TRIBUTARY_WEBHOOK_DELIVERY_RETENTION_DAYS",
        default_value_t = 30
    )]
    pub(crate) webhook_delivery_retention_days: u64,
}

impl WebhookArgs {
    fn apply(self, config: tributary::Config) -> tributary::Config {
        tributary::Config {
            webhook_recovery_interval: std::time::Duration::from_secs(
                self.webhook_recovery_interval_secs.max(1),
            ),
            webhook_sync_interval: std::time::Duration::from_secs(self.webhook_sync_interval_secs),
            webhook_delivery_retention: std::time::Duration::from_secs(
                self.webhook_delivery_retention_days.max(1) * 86_400,
            ),
            ..config
        }
    }
}

#[derive(Args, Clone)]
pub(crate) struct WorkerArgs {
    #[command(flatten)]
    pub(crate) database: DatabaseArgs,
    #[command(flatten)]
    pub(crate) github: GithubArgs,
    #[command(flatten)]
    pub(crate) queue: QueueArgs,
    #[command(flatten)]
    pub(crate) webhooks: WebhookArgs,
    /// How GitHub reaches the API (`serve`'s public URL): the hooks this worker adds
    /// deliver there [default: http://127.0.0.1:8080].
    #[arg(long, env = "TRIBUTARY_PUBLIC_URL")]
    pub(crate) public_url: Option<String>,
    /// The worker's name in the queue: a worker restarted under the same name takes
    /// its unfinished jobs back at once [default: one per process].
    #[arg(long, env = "TRIBUTARY_WORKER_NAME")]
    pub(crate) name: Option<String>,
    /// Imports this worker runs at once.
    #[arg(long, env = "TRIBUTARY_WORKER_CONCURRENCY", default_value_t = 4)]
    pub(crate) concurrency: usize,
    /// Seconds between the worker's heartbeats; a worker that misses one is taken for
    /// dead, and its unfinished run goes to the next worker that asks.
    #[arg(long, env = "TRIBUTARY_WORKER_HEARTBEAT_SECS", default_value_t = 30)]
    pub(crate) heartbeat_secs: u64,
}

#[cfg(feature = "simulator")]
#[derive(Args, Clone)]
pub(crate) struct SimArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9090")]
    pub(crate) listen: String,
    /// Seed of the generated dataset: the same seed gives the same data and tokens.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Size preset: small (320 commits, 96 pull requests, 80 tickets), medium (10k,
    /// 1k, 1k) or large (100k commits, 10k pull requests with about 5 reviews and 5
    /// comments each, 10k tickets). Totals are over the demo organization's
    /// (acme-corp's) repositories; every other repository gets a few items.
    #[arg(long, default_value = "small")]
    pub(crate) scale: github_sim::Scale,
    /// Organizations in all (at least the 3 scenario ones; extra ones get two public
    /// repositories each).
    #[arg(long)]
    pub(crate) orgs: Option<usize>,
    /// Repositories of the demo organization (at least its 8 scenario repositories).
    #[arg(long)]
    pub(crate) repos: Option<usize>,
    /// Commits in all over the demo organization's repositories (overrides --scale).
    #[arg(long)]
    pub(crate) commits: Option<usize>,
    /// Pull requests in all over the demo organization's repositories (overrides --scale).
    #[arg(long)]
    pub(crate) prs: Option<usize>,
    /// Tickets (issues) in all over the demo organization's repositories (overrides --scale).
    #[arg(long)]
    pub(crate) issues: Option<usize>,
    /// Milliseconds added before every REST and GraphQL answer.
    #[arg(long, env = "TRIBUTARY_SIM_LATENCY_MS", default_value_t = 0)]
    pub(crate) latency_ms: u64,
    /// Microseconds added per node an answer returns (a REST listing's items, the
    /// elements of every list in a GraphQL answer).
    #[arg(long, env = "TRIBUTARY_SIM_LATENCY_PER_NODE_US", default_value_t = 0)]
    pub(crate) latency_per_node_us: u64,
}

#[cfg(feature = "simulator")]
#[derive(Args, Clone)]
pub(crate) struct DemoArgs {
    /// Address of the API and GraphiQL.
    #[arg(long, env = "TRIBUTARY_LISTEN", default_value = "127.0.0.1:8080")]
    pub(crate) listen: String,
    /// Address of the GitHub simulator.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub(crate) sim_listen: String,
    #[command(flatten)]
    pub(crate) database: DatabaseArgs,
    /// Seed of the simulator's dataset.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
}

impl ServeArgs {
    pub(crate) fn config(self) -> tributary::Config {
        let webhooks = self.webhooks.clone();
        let import = self.queue.import_settings();
        webhooks.apply(tributary::Config {
            import,
            listen: self.listen,
            database_url: self.database.database_url,
            public_url: self.public_url,
            github_api_url: self.github.github_api_url,
            github_web_url: self.github.github_web_url,
            api_key: self.api_key,
            metrics_token: self.metrics_token,
            encryption_key: self.queue.keys.encryption_key,
            encryption_key_previous: self.queue.keys.encryption_key_previous,
            redis_url: self.queue.redis_url,
            redis_prefix: self.queue.redis_prefix,
            queue_window: self.queue.queue_window,
            worker: self.worker,
            github_oauth_client_id: self.github_oauth_client_id,
            github_oauth_client_secret: self.github_oauth_client_secret,
            oauth_allowed_redirect_origins: self.oauth_allowed_redirect_origins,
            cors_allowed_origins: self.cors_allowed_origins,
            jwt: self.jwt.config(),
            request_time_limit: std::time::Duration::from_secs(self.request_time_limit_secs.max(1)),
            ..tributary::Config::default()
        })
    }
}

impl WorkerArgs {
    pub(crate) fn config(self) -> tributary::Config {
        let webhooks = self.webhooks.clone();
        let import = self.queue.import_settings();
        webhooks.apply(tributary::Config {
            import,
            database_url: self.database.database_url,
            public_url: self.public_url,
            github_api_url: self.github.github_api_url,
            github_web_url: self.github.github_web_url,
            encryption_key: self.queue.keys.encryption_key,
            encryption_key_previous: self.queue.keys.encryption_key_previous,
            redis_url: self.queue.redis_url,
            redis_prefix: self.queue.redis_prefix,
            queue_window: self.queue.queue_window,
            worker: true,
            worker_name: self.name,
            worker_concurrency: self.concurrency,
            worker_heartbeat: std::time::Duration::from_secs(self.heartbeat_secs.max(1)),
            ..tributary::Config::default()
        })
    }
}

/// `RUST_LOG` wins; otherwise `default`.

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// URLs carry passwords (`postgres://user:password@…`); `--help` names their
    /// variables without showing the values.
    #[test]
    fn help_shows_no_connection_url_from_the_environment() {
        // SAFETY: this test alone reads or writes these variables in this process.
        unsafe {
            std::env::set_var("TRIBUTARY_DATABASE_URL", "postgres://app:db-secret@db/x");
            std::env::set_var("TRIBUTARY_REDIS_URL", "redis://:redis-secret@cache:6379");
        }
        let mut command = Cli::command();
        command.build();
        for name in ["serve", "worker", "migrate"] {
            let help = command
                .find_subcommand_mut(name)
                .unwrap()
                .render_long_help()
                .to_string();
            assert!(help.contains("TRIBUTARY_DATABASE_URL"), "{name}");
            assert!(
                !help.contains("db-secret") && !help.contains("redis-secret"),
                "{name}: {help}"
            );
        }
    }

    #[test]
    fn every_setting_is_a_flag_with_its_environment_variable_in_help() {
        Cli::command().debug_assert();
        let mut command = Cli::command();
        command.build();
        let serve = command.find_subcommand_mut("serve").unwrap();
        let help = serve.render_long_help().to_string();
        for variable in [
            "TRIBUTARY_LISTEN",
            "TRIBUTARY_DATABASE_URL",
            "TRIBUTARY_REDIS_URL",
            "TRIBUTARY_PUBLIC_URL",
            "TRIBUTARY_GITHUB_API_URL",
            "TRIBUTARY_GITHUB_WEB_URL",
            "TRIBUTARY_API_KEY",
            "TRIBUTARY_ENCRYPTION_KEY",
            "TRIBUTARY_REDIS_PREFIX",
            "TRIBUTARY_LOG_FORMAT",
            "TRIBUTARY_GITHUB_OAUTH_CLIENT_ID",
            "TRIBUTARY_GITHUB_OAUTH_CLIENT_SECRET",
            "TRIBUTARY_OAUTH_ALLOWED_REDIRECT_ORIGINS",
            "TRIBUTARY_WEBHOOK_RECOVERY_INTERVAL_SECS",
            "TRIBUTARY_WEBHOOK_SYNC_INTERVAL_SECS",
            "TRIBUTARY_CORS_ALLOWED_ORIGINS",
            "TRIBUTARY_JWT_SECRET",
            "TRIBUTARY_JWT_JWKS_URL",
            "TRIBUTARY_JWT_ISSUER",
            "TRIBUTARY_JWT_AUDIENCE",
            "TRIBUTARY_JWT_WORKSPACE_CLAIM",
            "TRIBUTARY_JWT_ROLE_CLAIM",
            "TRIBUTARY_REQUEST_TIME_LIMIT_SECS",
        ] {
            assert!(
                help.contains(variable),
                "`tributary serve --help` does not mention {variable}"
            );
        }
        let worker = command.find_subcommand_mut("worker").unwrap();
        let help = worker.render_long_help().to_string();
        for variable in [
            "TRIBUTARY_DATABASE_URL",
            "TRIBUTARY_REDIS_URL",
            "TRIBUTARY_REDIS_PREFIX",
            "TRIBUTARY_GITHUB_API_URL",
            "TRIBUTARY_ENCRYPTION_KEY",
            "TRIBUTARY_WORKER_NAME",
            "TRIBUTARY_WORKER_CONCURRENCY",
            "TRIBUTARY_WORKER_HEARTBEAT_SECS",
            "TRIBUTARY_PUBLIC_URL",
            "TRIBUTARY_WEBHOOK_RECOVERY_INTERVAL_SECS",
            "TRIBUTARY_WEBHOOK_SYNC_INTERVAL_SECS",
        ] {
            assert!(
                help.contains(variable),
                "`tributary worker --help` does not mention {variable}"
            );
        }
    }
}
