//! `tributary-bench import`: a whole import of the simulator's demo organization through
//! the real API, with the worker in its own process(es) so that its peak memory is its own.
//!
//! The simulator runs in this process; `tributary serve` (and `tributary worker` on the
//! Redis path) are the release binary built beside this one. With `rest`, the same
//! simulator then serves the REST pass (`rest_pass`) for the same data, and both sides'
//! requests, points and wall time are reported from its counters.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::rest_pass::{IN_FLIGHT, PER_ITEM, PER_PAGE, Read, RestPass};
use crate::stack::{KEY, graphql};

pub struct ImportBench {
    pub scale: github_sim::Scale,
    /// Overrides of the scale's dataset (`github-sim --repos --commits --prs --issues`).
    pub repos: Option<usize>,
    pub commits: Option<usize>,
    pub pull_requests: Option<usize>,
    pub issues: Option<usize>,
    /// Fresh runs a worker reads together (`TRIBUTARY_IMPORT_BATCH`); 1 reads each alone.
    pub batch: Option<usize>,
    pub database_url: Option<String>,
    pub redis_url: Option<String>,
    pub workers: usize,
    /// The simulator's delay before each answer (none: loopback speed).
    pub latency: github_sim::Latency,
    /// After the import, read the same data through REST and compare.
    pub rest: bool,
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
            repos: self.repos,
            commits: self.commits,
            pull_requests: self.pull_requests,
            issues: self.issues,
            latency: self.latency,
            // The REST pass spends far more than an hour of GitHub's budget; the
            // points it spent are read from `/_sim/stats`, not waited for.
            rest_budget: if self.rest {
                u32::MAX
            } else {
                github_sim::REST_BUDGET
            },
            ..Default::default()
        });
        let expected = self
            .rest
            .then(|| Read::expected(&sim, github_sim::DEMO_ORG, "tributary-svc"));
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
            if let Some(batch) = self.batch {
                command.env("TRIBUTARY_IMPORT_BATCH", batch.to_string());
            }
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
            "mutation($t: String!) { createIntegration(input: {name: \"bench\", token: $t}) { integration { id groups { id login } } } }",
            json!({ "t": owner }),
        )
        .await?;
        let integration = created["createIntegration"]["integration"]["id"].clone();
        let group = created["createIntegration"]["integration"]["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|group| group["login"] == github_sim::DEMO_ORG)
            .map(|group| group["id"].clone())
            .ok_or_else(|| anyhow::anyhow!("no group for {}", github_sim::DEMO_ORG))?;
        let repository_ids = group_repositories(&client, &url, &group).await?;
        http_stats_reset(&client, &sim.base_url()).await?;

        let started = Instant::now();
        graphql(
            &client,
            &url,
            "mutation($i: ID!, $r: [ID!]!) { importRepositories(input: {integrationId: $i, repositoryIds: $r}) { importRuns { id } } }",
            json!({ "i": integration, "r": repository_ids }),
        )
        .await?;
        let answered = started.elapsed();
        loop {
            if runs_in(&client, &url, &integration, "[QUEUED, RUNNING]").await? == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let wall = started.elapsed();
        let unsuccessful = runs_in(&client, &url, &integration, "[FAILED, CANCELLED]").await?;
        anyhow::ensure!(unsuccessful == 0, "{unsuccessful} runs did not succeed");
        let runs = every_run(&client, &url, &integration).await?;
        anyhow::ensure!(
            runs.len() == repository_ids.len(),
            "{} runs for {} repositories",
            runs.len(),
            repository_ids.len()
        );

        let entities: i64 = runs
            .iter()
            .flat_map(|run| run["resources"].as_array().cloned().unwrap_or_default())
            .map(|resource| resource["fetched"].as_i64().unwrap_or(0))
            .sum();
        let mut by_resource = std::collections::BTreeMap::<String, i64>::new();
        for resource in runs
            .iter()
            .flat_map(|run| run["resources"].as_array().cloned().unwrap_or_default())
        {
            *by_resource
                .entry(resource["resource"].as_str().unwrap_or("?").to_string())
                .or_default() += resource["fetched"].as_i64().unwrap_or(0);
        }
        eprintln!("rows by resource: {by_resource:?}");
        let stats = sim_stats(&client, &sim.base_url()).await?;
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
        println!("| figure | value |");
        println!("| --- | --- |");
        println!("| repositories | {} |", repository_ids.len());
        println!(
            "| importRepositories answered in | {:.3} s |",
            answered.as_secs_f64()
        );
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
        println!(
            "| points per repository | {:.3} |",
            points / repository_ids.len().max(1) as f64
        );
        eprintln!("GraphQL by operation: {}", stats["graphql"]["operations"]);
        if std::env::var_os("BENCH_RUNS").is_some() {
            for run in &runs {
                eprintln!(
                    "run {}: queued {} started {} finished {}",
                    run["repository"]["fullName"],
                    run["queuedAt"],
                    run["startedAt"],
                    run["finishedAt"]
                );
            }
        }

        drop(workers);
        drop(serve);
        let _ = std::fs::remove_dir_all(dir);

        if let Some(expected) = expected {
            http_stats_reset(&client, &sim.base_url()).await?;
            let started = Instant::now();
            let pass = RestPass::new(&sim.base_url(), &owner, PER_PAGE, IN_FLIGHT);
            let read = pass.organization(github_sim::DEMO_ORG).await?;
            let rest_wall = started.elapsed();
            anyhow::ensure!(
                read == expected,
                "the REST pass read {read:?}, the dataset holds {expected:?}"
            );
            let rest = sim_stats(&client, &sim.base_url()).await?;
            report_comparison(&stats, wall, &rest, rest_wall, &read);
        }
        Ok(())
    }
}

/// Both sides from the simulator's counters: the import's (`graphql`, taken after
/// it) and the REST pass's (`rest`, counted from a reset).
fn report_comparison(
    graphql: &Value,
    graphql_wall: Duration,
    rest: &Value,
    rest_wall: Duration,
    read: &Read,
) {
    let side = |stats: &Value| {
        (
            stats["total"]["requests"].as_u64().unwrap_or(0),
            stats["total"]["points"].as_u64().unwrap_or(0),
        )
    };
    let (g_requests, g_points) = side(graphql);
    let (r_requests, r_points) = side(rest);
    println!();
    println!("| side | requests | points | wall time |");
    println!("| --- | --- | --- | --- |");
    println!(
        "| GraphQL (the product's import, {IN_FLIGHT} repositories at once) | {g_requests} | {g_points} | {:.2} s |",
        graphql_wall.as_secs_f64()
    );
    println!(
        "| REST pass ({IN_FLIGHT} requests in flight, {PER_PAGE} a page) | {r_requests} | {r_points} | {:.2} s |",
        rest_wall.as_secs_f64()
    );
    println!(
        "| REST ÷ GraphQL | {:.0}× | {:.0}× | {:.1}× |",
        r_requests as f64 / g_requests.max(1) as f64,
        r_points as f64 / g_points.max(1) as f64,
        rest_wall.as_secs_f64() / graphql_wall.as_secs_f64().max(1e-9)
    );
    println!(
        "| hours of one token's budget (5,000 an hour each side) | | GraphQL {:.2}, REST {:.1} | |",
        g_points as f64 / 5000.0,
        r_points as f64 / 5000.0
    );
    println!();
    println!("| REST route | requests | called per item for |");
    println!("| --- | --- | --- |");
    if let Some(routes) = rest["rest"]["routes"].as_object() {
        for (route, tally) in routes {
            let why = PER_ITEM
                .iter()
                .find(|(r, _)| r == route)
                .map_or("(a listing)", |(_, why)| why);
            println!("| `{route}` | {} | {why} |", tally["requests"]);
        }
    }
    println!();
    println!("| read through REST | items |");
    println!("| --- | --- |");
    for (kind, n) in &read.0 {
        println!("| {kind} | {n} |");
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

/// What the simulator counted since its last reset (`GET /_sim/stats`).
async fn sim_stats(client: &reqwest::Client, sim: &str) -> anyhow::Result<Value> {
    Ok(client
        .get(format!("{sim}/_sim/stats"))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

/// Every repository id of a group, page by page.
async fn group_repositories(
    client: &reqwest::Client,
    url: &str,
    group: &Value,
) -> anyhow::Result<Vec<Value>> {
    let mut ids = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = graphql(
            client,
            url,
            "query($g: ID!, $a: String) { node(id: $g) { ... on Group { repositories(first: 100, after: $a) { nodes { id } pageInfo { hasNextPage endCursor } } } } }",
            json!({ "g": group, "a": after }),
        )
        .await?;
        let page = &data["node"]["repositories"];
        ids.extend(
            page["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|n| n["id"].clone()),
        );
        if page["pageInfo"]["hasNextPage"] != true {
            return Ok(ids);
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

/// How many of the integration's runs are in these states.
async fn runs_in(
    client: &reqwest::Client,
    url: &str,
    integration: &Value,
    states: &str,
) -> anyhow::Result<i64> {
    let data = graphql(
        client,
        url,
        &format!("query($i: ID!) {{ importRuns(integrationId: $i, states: {states}, first: 1) {{ totalCount }} }}"),
        json!({ "i": integration }),
    )
    .await?;
    data["importRuns"]["totalCount"]
        .as_i64()
        .ok_or_else(|| anyhow::anyhow!("no totalCount: {data}"))
}

/// Every run of the integration, page by page.
async fn every_run(
    client: &reqwest::Client,
    url: &str,
    integration: &Value,
) -> anyhow::Result<Vec<Value>> {
    let mut runs = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = graphql(
            client,
            url,
            "query($i: ID!, $a: String) { importRuns(integrationId: $i, first: 100, after: $a) { nodes { state error queuedAt startedAt finishedAt repository { fullName } resources { resource fetched } githubRequests rateLimitPoints } pageInfo { hasNextPage endCursor } } }",
            json!({ "i": integration, "a": after }),
        )
        .await?;
        let page = &data["importRuns"];
        runs.extend(page["nodes"].as_array().cloned().unwrap_or_default());
        if page["pageInfo"]["hasNextPage"] != true {
            return Ok(runs);
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}
