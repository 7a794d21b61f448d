//! What the in-process benchmarks start alike: github-sim with its seeded data, and the
//! API on the bench's database (a fresh SQLite file in a temporary directory unless a URL
//! is given), reached over HTTP with the bench's key.

use std::path::PathBuf;

use serde_json::{Value, json};

/// The API key every bench process is started with.
pub const KEY: &str = "bench-key";

pub struct BenchStack {
    pub dir: PathBuf,
    /// The simulator's `owner` scenario token.
    pub owner: String,
    pub database_url: String,
    /// The key the API encrypts secrets with (base64), to read them back.
    pub encryption_key: String,
    pub api: tributary::RunningApi,
    /// The API's GraphQL endpoint.
    pub url: String,
    pub client: reqwest::Client,
    _sim: github_sim::RunningSim,
}

impl BenchStack {
    /// Starts the simulator and the API; `configure` adjusts the API's settings (worker,
    /// Redis) before it starts.
    pub async fn start(
        name: &str,
        database_url: Option<String>,
        configure: impl FnOnce(&mut tributary::Config),
    ) -> anyhow::Result<BenchStack> {
        let dir =
            std::env::temp_dir().join(format!("tributary-bench-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let sim_handle = github_sim::GithubSim::new(github_sim::SimConfig {
            seed: 1,
            ..Default::default()
        });
        let owner = sim_handle
            .token("owner")
            .expect("the simulator has an owner token");
        let sim = sim_handle.spawn("127.0.0.1:0").await?;
        let database_url =
            database_url.unwrap_or_else(|| format!("sqlite://{}/bench.db", dir.display()));
        let mut config = tributary::Config {
            listen: "127.0.0.1:0".into(),
            database_url: Some(database_url.clone()),
            github_api_url: sim.base_url(),
            github_web_url: sim.base_url(),
            api_key: Some(KEY.into()),
            encryption_key: Some(api::crypto::SecretBox::generate_key()),
            ..tributary::Config::default()
        };
        configure(&mut config);
        let encryption_key = config.encryption_key.clone().unwrap_or_default();
        let api = tributary::start(&config).await?;
        let url = format!("{}/graphql", api.base_url());
        Ok(BenchStack {
            dir,
            owner,
            database_url,
            encryption_key,
            api,
            url,
            client: reqwest::Client::new(),
            _sim: sim,
        })
    }

    pub async fn stop(self) {
        self.api.stop().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One GraphQL request to `url` with the bench's key; GraphQL errors are the bench's errors.
pub async fn graphql(
    client: &reqwest::Client,
    url: &str,
    query: &str,
    variables: Value,
) -> anyhow::Result<Value> {
    let answer: Value = client
        .post(url)
        .bearer_auth(KEY)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await?
        .json()
        .await?;
    anyhow::ensure!(
        answer.get("errors").is_none(),
        "the API answered errors: {answer}"
    );
    Ok(answer["data"].clone())
}
