//! The API: poem + async-graphql over the stored integrations — GraphQL (queries,
//! mutations, subscriptions), GraphiQL, the OAuth callback, the webhook receiver,
//! health and Prometheus. It queues work on `queue` and never runs it; the binary
//! (`crates/tributary`) opens the database and the queue and serves what [`build`]
//! returns.

pub mod auth;
pub mod crypto;
pub mod error;
pub mod graphql;
pub mod http;
pub mod imports;
pub mod integrations;
pub mod oauth;
pub mod prometheus;
pub mod run_queries;
mod subscriptions_socket;
pub mod webhook_receiver;

use std::sync::Arc;

use github::GithubClient;
use org_hooks::OrgHooks;
use poem::EndpointExt;
use queue::Queue;
use sea_orm::DatabaseConnection;

pub use graphql::sdl;

/// What the API is built from: opened by the binary, shared with a worker in the same
/// process where there is one.
pub struct ApiParts {
    pub db: DatabaseConnection,
    /// What the metrics queries, reach checks and DataLoaders read through.
    pub reader: graphql::ReadPool,
    pub github: GithubClient,
    pub secrets: crypto::SecretBox,
    pub queue: Queue,
    /// The organization hooks, reconciled after the changes users make.
    pub hooks: OrgHooks,
    /// How browsers and GitHub reach this server (OAuth callbacks are built on it).
    pub public_url: String,
    /// The server key: an admin in every workspace (backends and operators).
    pub api_key: String,
    /// A bearer that may scrape `/metrics` and nothing else.
    pub metrics_token: Option<String>,
    /// How user tokens are verified.
    pub user_tokens: auth::token::TokenSettings,
    /// Where the server key creates without a workspace header.
    pub default_workspace: String,
    pub oauth: oauth::flow::OAuthSettings,
    /// Origins whose browser pages may call `/graphql` (exact, such as
    /// `https://app.example.com`).
    pub cors_allowed_origins: Vec<String>,
    /// The longest a GraphQL request may run before it is stopped (`REQUEST_TIMEOUT`).
    pub request_time_limit: std::time::Duration,
}

/// The API's routes, and the services behind them (tests and the demo use these
/// directly).
pub struct Api {
    pub routes: poem::endpoint::BoxEndpoint<'static>,
    pub integrations: integrations::service::Integrations,
    pub oauth: oauth::flow::OAuthFlow,
    pub imports: imports::Imports,
}

/// Builds every route over `parts`.
pub fn build(parts: ApiParts) -> anyhow::Result<Api> {
    let ApiParts {
        db,
        reader,
        github,
        secrets,
        queue,
        hooks,
        public_url,
        api_key,
        metrics_token,
        user_tokens,
        default_workspace,
        oauth,
        cors_allowed_origins,
        request_time_limit,
    } = parts;
    let cors = http::CorsOrigins::parse(&cors_allowed_origins)?;
    let imports = imports::Imports::new(db.clone(), queue.clone());
    let receiver = webhook_receiver::Receiver::new(db.clone(), secrets.clone(), queue.clone());
    let oauth = oauth::flow::OAuthFlow::new(
        &oauth,
        &public_url,
        db.clone(),
        github.clone(),
        secrets.clone(),
    )?;
    oauth.spawn_expiry_sweeper();
    let integrations = integrations::service::Integrations::new(db, github, secrets);
    let schema = graphql::build_schema(Some(graphql::Services {
        integrations: integrations.clone(),
        reader,
        imports: imports.clone(),
        oauth: oauth.clone(),
        hooks,
        queue,
    }));
    let prometheus = Arc::new(prometheus::Metrics::default());
    prometheus.watch_imports(imports.clone(), integrations.clone());
    let routes = http::routes(
        schema,
        oauth.clone(),
        auth::authenticate::Authenticator::new(&api_key, user_tokens, &default_workspace),
        prometheus,
        receiver,
        cors,
        http::RequestTimeLimit(request_time_limit),
        http::ScrapeToken(metrics_token.map(Into::into)),
    )
    .map_to_response()
    .boxed();
    Ok(Api {
        routes,
        integrations,
        oauth,
        imports,
    })
}
