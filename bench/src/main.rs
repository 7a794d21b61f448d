//! Benchmarks through the real HTTP API against github-sim on loopback, SQLite by
//! default; BENCHMARKS.md keeps the results with the commands that produced them.
//!
//! - `connection`: latency of the token path (medians and p95 of one run).
//! - `import`: a whole import of the simulator's demo organization (wall time, rows per
//!   second, peak RSS of the API and worker processes, GitHub requests and points); with
//!   `--rest`, the same data read through REST afterwards, both sides' requests, points
//!   and wall time from the simulator's counters (`--latency-ms`, `--latency-per-node-us`
//!   for a stated delay).
//! - `webhooks`: the webhook receiver fed signed deliveries on an open-loop schedule
//!   (accepted per second, acknowledgement p50/p99, every delivery stored and applied).
//! - `metrics`: p50/p95 of each metrics query over a year of data (100k commits, 10k PRs).

mod abuse;
mod import;
mod metrics;
mod rest_pass;
mod samples;
mod stack;
mod webhooks;

use samples::time_requests;

use clap::{Parser, Subcommand};
use serde_json::json;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// testToken and createIntegration (with groups and repositories) for the owner token.
    Connection {
        /// Requests per operation.
        #[arg(long, default_value_t = 200)]
        iterations: usize,
        /// Database URL [default: a fresh SQLite file in a temporary directory].
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Imports every repository of the simulator's demo organization through
    /// `importRepositories`, with `tributary serve` (and workers) as child processes.
    /// Build the binary first: `cargo build --release -p tributary`.
    Import {
        /// The simulator's dataset: small, medium or large (100k commits, 10k PRs, 10k tickets).
        #[arg(long, default_value = "large")]
        scale: github_sim::Scale,
        /// Database URL [default: a fresh SQLite file in a temporary directory].
        #[arg(long)]
        database_url: Option<String>,
        /// Redis for the queue: the API queues, `--workers` worker processes import.
        #[arg(long)]
        redis_url: Option<String>,
        /// Worker processes on the Redis path.
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// Repositories of the demo organization (the scale's totals spread over them).
        #[arg(long)]
        repos: Option<usize>,
        /// Commits of the demo organization, instead of the scale's.
        #[arg(long)]
        commits: Option<usize>,
        /// Pull requests of the demo organization, instead of the scale's.
        #[arg(long)]
        prs: Option<usize>,
        /// Tickets of the demo organization, instead of the scale's.
        #[arg(long)]
        issues: Option<usize>,
        /// Fresh runs a worker reads together (`TRIBUTARY_IMPORT_BATCH`) [default: the binary's].
        #[arg(long)]
        batch: Option<usize>,
        /// Then read the same data through the simulator's REST routes and compare
        /// requests, points and wall time (`rest_pass`).
        #[arg(long)]
        rest: bool,
        /// The simulator's delay before every answer, in milliseconds.
        #[arg(long, default_value_t = 0)]
        latency_ms: u64,
        /// The simulator's delay per returned node, in microseconds.
        #[arg(long, default_value_t = 0)]
        latency_per_node_us: u64,
    },
    /// Signed pull_request deliveries to the receiver at `--rate` per second for
    /// `--seconds`, sent on schedule whatever the answers (an open loop).
    Webhooks {
        #[arg(long, default_value_t = 1000)]
        rate: u64,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Clients sending 5 MB bodies with wrong signatures meanwhile (0: none).
        #[arg(long, default_value_t = 0)]
        abusers: usize,
        /// Clients asking for a year's metrics reports back to back meanwhile, over a
        /// year of data written first (0: none, and no data).
        #[arg(long, default_value_t = 0)]
        analysts: usize,
        /// Database URL [default: a fresh SQLite file in a temporary directory].
        #[arg(long)]
        database_url: Option<String>,
        /// Redis for the queue (required with PostgreSQL).
        #[arg(long)]
        redis_url: Option<String>,
    },
    /// The attackers of `webhooks --abusers` in a process of their own (started by it).
    #[command(hide = true)]
    Abuse {
        #[arg(long)]
        receiver: String,
        #[arg(long)]
        hook_id: String,
        #[arg(long)]
        clients: usize,
    },
    /// pullRequestMetrics, commitMetrics and workLog over 100,000 commits and 10,000
    /// pull requests written straight into the database.
    Metrics {
        /// Requests per query.
        #[arg(long, default_value_t = 200)]
        iterations: usize,
        /// Database URL (an empty database) [default: a fresh SQLite file in a temporary directory].
        #[arg(long)]
        database_url: Option<String>,
        /// Only the queries whose name contains this (to profile one).
        #[arg(long)]
        only: Option<String>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (iterations, database_url) = match Cli::parse().bench {
        Bench::Connection {
            iterations,
            database_url,
        } => (iterations, database_url),
        Bench::Import {
            scale,
            database_url,
            redis_url,
            workers,
            repos,
            commits,
            prs,
            issues,
            batch,
            rest,
            latency_ms,
            latency_per_node_us,
        } => {
            return import::ImportBench {
                scale,
                repos,
                commits,
                pull_requests: prs,
                issues,
                batch,
                database_url,
                redis_url,
                workers,
                latency: github_sim::Latency {
                    per_request: std::time::Duration::from_millis(latency_ms),
                    per_node: std::time::Duration::from_micros(latency_per_node_us),
                },
                rest,
            }
            .run()
            .await;
        }
        Bench::Webhooks {
            rate,
            seconds,
            abusers,
            analysts,
            database_url,
            redis_url,
        } => {
            return webhooks::WebhookBench {
                rate,
                seconds,
                abusers,
                analysts,
                database_url,
                redis_url,
            }
            .run()
            .await;
        }
        Bench::Abuse {
            receiver,
            hook_id,
            clients,
        } => return abuse::run(receiver, hook_id, clients).await,
        Bench::Metrics {
            iterations,
            database_url,
            only,
        } => {
            return metrics::MetricsBench {
                database_url,
                iterations,
                only,
            }
            .run()
            .await;
        }
    };
    let stack = stack::BenchStack::start("connection", database_url, |_| {}).await?;
    let (client, url, owner) = (&stack.client, stack.url.as_str(), stack.owner.as_str());

    let test_token = time_requests(client, url, stack::KEY, iterations, |_| {
        json!({ "query": "mutation($t: String!) { testToken(input: {token: $t}) { connectionTest { ok message organizations { login access } } } }", "variables": { "t": owner } })
    })
    .await?;
    let create = time_requests(client, url, stack::KEY, iterations, |i| {
        json!({ "query": "mutation($n: String!, $t: String!) { createIntegration(input: {name: $n, token: $t}) { integration { id } } }", "variables": { "n": format!("bench {i}"), "t": owner } })
    })
    .await?;
    let groups = time_requests(
        client,
        url,
        stack::KEY,
        iterations,
        |_| json!({ "query": "{ integrations { groups { login repositories(first: 100) { totalCount nodes { fullName } } } } }" }),
    );
    // Listing every integration's groups grows with the table; time it on a fixed count.
    let groups = groups.await?;

    println!("| operation | requests | median | p95 |");
    println!("| --- | --- | --- | --- |");
    test_token.report("testToken (owner: 3 organizations, 5 GitHub requests)");
    create.report("createIntegration (test + groups + repositories stored)");
    groups.report(&format!(
        "integrations {{ groups {{ repositories }} }} over {iterations} integrations"
    ));

    stack.stop().await;
    Ok(())
}
