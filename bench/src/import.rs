//! `tributary-bench import`: a whole import of the simulator's demo organization through
//! the real API, with the worker in its own process(es) so that its peak memory is its own.
//!
//! The simulator runs in this process; `tributary serve` (and `tributary worker` on the
//! Redis path) are the release binary built beside this one.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::stack::{KEY, graphql};

pub struct ImportBench {
    pub scale: github_sim::Scale,
    pub database_url: Option<String>,
    pub redis_url: Option<String>,
    pub workers: usize,
}

/// A child process killed when dropped, so a failed run leaves nothing behind.
struct Process {
    name: String,
    child: Child,
}

impl Process {
    /// `VmHWM`: the peak resident set size the kernel recorded for the process.
    fn peak_rss_mib(&self) -> anyhow::Result<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let kib: f64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| anyhow::anyhow!("no VmHWM in /proc status of {}", self.name))?;
        Ok(kib / 1024.0)
    }
}

impl Process {
    /// User + system CPU seconds the process has used (`/proc/PID/stat` fields 14 and 15).
    fn cpu_seconds(&self) -> anyhow::Result<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))?;
        // The command name may hold spaces; the fields after it do not.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        let ticks: f64 = fields
            .get(11..13)
            .ok_or_else(|| anyhow::anyhow!("short /proc stat of {}", self.name))?
            .iter()
            .map(|t| t.parse::<f64>().unwrap_or(0.0))
            .sum();
        // The kernel's USER_HZ is 100 on every Linux this runs on.
        Ok(ticks / 100.0)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tributary_binary() -> anyhow::Result<PathBuf> {
    let path = std::env::current_exe()?.with_file_name("tributary");
    anyhow::ensure!(
        path.exists(),
        "{} is missing: build it first with `cargo build --release -p tributary`",
        path.display()
    );
    Ok(path)
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Posts a GraphQL request with the bench's API key; any GraphQL error is an error.
impl ImportBench {
    pub async fn run(self) -> anyhow::Result<()> {
        let binary = tributary_binary()?;
        let dir =
            std::env::temp_dir().join(format!("tributary-bench-import-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;

        let generated = Instant::now();
        let sim = github_sim::GithubSim::new(github_sim::SimConfig {
            scale: self.scale,
            ..Default::default()
        });
        let owner = sim
            .token("owner")
            .expect("the simulator has an owner token");
        let sim = sim.spawn("127.0.0.1:0").await?;
        eprintln!(
            "simulator ready in {:.1} s at {}",
            generated.elapsed().as_secs_f64(),
            sim.base_url()
        );

        let database_url = self
            .database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}/bench.db", dir.display()));
        let port = free_port()?;
        let prefix = format!("bench-{}", std::process::id());
        let encryption_key = api::crypto::SecretBox::generate_key();
        let common = |command: &mut Command| {
            command
                .env("TRIBUTARY_DATABASE_URL", &database_url)
                .env("TRIBUTARY_GITHUB_API_URL", sim.base_url())
                .env("TRIBUTARY_GITHUB_WEB_URL", sim.base_url())
                .env("TRIBUTARY_ENCRYPTION_KEY", &encryption_key)
                .env("TRIBUTARY_API_KEY", KEY)
                .env("TRIBUTARY_REDIS_PREFIX", &prefix)
                .env(
                    "RUST_LOG",
                    std::env::var("BENCH_CHILD_LOG").unwrap_or_else(|_| "warn".into()),
                )
                .stdout(Stdio::null())
                .stderr(Stdio::inherit());
            if let Some(redis) = &self.redis_url {
                command.env("TRIBUTARY_REDIS_URL", redis);
            } else {
                command.env_remove("TRIBUTARY_REDIS_URL");
            }
        };

        let mut serve = Command::new(&binary);
        serve.args(["serve", "--listen", &format!("127.0.0.1:{port}")]);
        common(&mut serve);
        let serve = Process {
            name: "serve".into(),
            child: serve.spawn()?,
        };
        let mut workers = Vec::new();
        if self.redis_url.is_some() {
            for i in 0..self.workers {
                let mut worker = Command::new(&binary);
                worker.args(["worker"]);
                common(&mut worker);
                workers.push(Process {
                    name: format!("worker {i}"),
                    child: worker.spawn()?,
                });
            }
        }

        let client = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let url = format!("{base}/graphql");
        let deadline = Instant::now() + Duration::from_secs(60);
        while client.get(format!("{base}/healthz")).send().await.is_err() {
            anyhow::ensure!(Instant::now() < deadline, "tributary serve did not come up");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        let created = graphql(
            &client,
            &url,
            "mutation($t: String!) { createIntegration(input: {name: \"bench\", token: $t}) { integration { id groups { login repositories(first: 100) { nodes { id } } } } } }",
            json!({ "t": owner }),
        )
        .await?;
        let integration = created["createIntegration"]["integration"]["id"].clone();
        let repository_ids: Vec<Value> = created["createIntegration"]["integration"]["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|group| group["login"] == github_sim::DEMO_ORG)
            .flat_map(|group| {
                group["repositories"]["nodes"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .map(|node| node["id"].clone())
            .collect();
        http_stats_reset(&client, &sim.base_url()).await?;

        let started = Instant::now();
        graphql(
            &client,
            &url,
            "mutation($i: ID!, $r: [ID!]!) { importRepositories(input: {integrationId: $i, repositoryIds: $r}) { importRuns { id } } }",
            json!({ "i": integration, "r": repository_ids }),
        )
        .await?;
        let runs = loop {
            let data = graphql(
                &client,
                &url,
                "query($i: ID!) { importRuns(integrationId: $i, first: 100) { nodes { state error queuedAt startedAt finishedAt repository { fullName } resources { resource fetched } githubRequests rateLimitPoints } } }",
                json!({ "i": integration }),
            )
            .await?;
            let runs = data["importRuns"]["nodes"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let finished = runs
                .iter()
                .filter(|run| {
                    matches!(
                        run["state"].as_str(),
                        Some("SUCCEEDED" | "FAILED" | "CANCELLED")
                    )
                })
                .count();
            if finished == repository_ids.len() {
                break runs;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let wall = started.elapsed();
        for run in &runs {
            anyhow::ensure!(run["state"] == "SUCCEEDED", "a run did not succeed: {run}");
        }

        let entities: i64 = runs
            .iter()
            .flat_map(|run| run["resources"].as_array().cloned().unwrap_or_default())
            .map(|resource| resource["fetched"].as_i64().unwrap_or(0))
            .sum();
        let stats: Value = client
            .get(format!("{}/_sim/stats", sim.base_url()))
            .send()
            .await?
            .json()
            .await?;
        let estimate: Value = client
            .get(format!(
                "{}/_sim/rest-estimate?owner={}",
                sim.base_url(),
                github_sim::DEMO_ORG
            ))
            .send()
            .await?
            .json()
            .await?;
        let peak_rss = std::iter::once(&serve)
            .chain(workers.iter())
            .map(|process| {
                Ok((
                    process.name.clone(),
                    process.peak_rss_mib()?,
                    process.cpu_seconds()?,
                ))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;

        let points = stats["graphql"]["points"].as_f64().unwrap_or(0.0);
        let rest = estimate["requests"].as_f64().unwrap_or(0.0);
        println!("| figure | value |");
        println!("| --- | --- |");
        println!("| repositories | {} |", repository_ids.len());
        println!(
            "| wall time (importRepositories → every run SUCCEEDED) | {:.2} s |",
            wall.as_secs_f64()
        );
        println!("| rows stored | {entities} |");
        println!(
            "| rows per second | {:.0} |",
            entities as f64 / wall.as_secs_f64()
        );
        for (name, mib, cpu) in &peak_rss {
            println!("| peak RSS, {name} | {mib:.0} MiB |");
            println!("| CPU time, {name} | {cpu:.1} s |");
        }
        println!(
            "| GitHub GraphQL requests | {} |",
            stats["graphql"]["requests"]
        );
        println!("| GitHub rate-limit points | {points} |");
        println!("| REST requests for the same data (simulator's estimate) | {rest} |");
        println!(
            "| REST requests ÷ GraphQL points | {:.0}× |",
            rest / points.max(1.0)
        );
        eprintln!("REST estimate by listing: {}", estimate["by_listing"]);
        for run in &runs {
            eprintln!(
                "run {}: queued {} started {} finished {}",
                run["repository"]["fullName"], run["queuedAt"], run["startedAt"], run["finishedAt"]
            );
        }

        drop(workers);
        drop(serve);
        let _ = std::fs::remove_dir_all(dir);
        Ok(())
    }
}

async fn http_stats_reset(client: &reqwest::Client, sim: &str) -> anyhow::Result<()> {
    client
        .post(format!("{sim}/_sim/stats/reset"))
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}
