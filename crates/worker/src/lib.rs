//! Background jobs. The import jobs (apalis on Redis, or on the database when no Redis
//! is configured) arrive with the import feature; until then the worker has no job
//! type to run, says so, and waits so that a supervisor does not restart it in a loop.

/// Where the worker takes jobs from.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    pub redis_url: Option<String>,
    pub database_url: String,
}

pub async fn run(config: WorkerConfig) -> anyhow::Result<()> {
    let queue = if config.redis_url.is_some() {
        "Redis"
    } else {
        "the database"
    };
    tracing::warn!(
        queue,
        "no background job types exist yet (imports come with the import feature); waiting for Ctrl-C"
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}
