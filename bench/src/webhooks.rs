//! `webhooks`: the receiver under an open-loop load of signed deliveries (sent on
//! schedule whatever the answers), reporting accepted deliveries per second, the
//! acknowledgement latency, and that every delivery was stored and applied.

use std::time::{Duration, Instant};

use anyhow::Context;
use entity::{pull_request, webhook, webhook_delivery};
use sea_orm::{ColumnTrait, Database, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::{
    samples::Samples,
    stack::{BenchStack, graphql},
};

pub struct WebhookBench {
    pub rate: u64,
    pub seconds: u64,
    /// Clients sending 5 MB bodies with wrong signatures, without pause, while the
    /// deliveries go out (issue 16, item 1), from a process of their own
    /// (`abuse`); a GraphQL probe is timed throughout.
    pub abusers: usize,
    /// Clients asking for a year's metrics reports without pause, over a year of data
    /// (`metrics::load_year`), while the deliveries go out (issue 16, item 3).
    pub analysts: usize,
    pub database_url: Option<String>,
    pub redis_url: Option<String>,
}

impl WebhookBench {
    pub async fn run(self) -> anyhow::Result<()> {
        let stack = BenchStack::start("webhooks", self.database_url.clone(), |config| {
            config.redis_url = self.redis_url.clone();
            config.redis_prefix = format!("tributary-bench-{}", std::process::id());
            config.worker = true;
        })
        .await?;
        let (client, url, owner) = (&stack.client, stack.url.as_str(), stack.owner.as_str());
        let database_url = stack.database_url.clone();

        // An owner integration with one repository imported, so its organization has a hook.
        let integration = graphql(client, url, "mutation($t: String!) { createIntegration(input: {name: \"bench\", token: $t}) { integration { id repositories(first: 100) { nodes { id fullName githubId } } } } }", json!({ "t": owner })).await?;
        let integration_id = integration["createIntegration"]["integration"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let repo = integration["createIntegration"]["integration"]["repositories"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["fullName"].as_str().unwrap().starts_with("acme-corp/"))
            .context("an acme-corp repository")?
            .clone();
        // The API's id is global; the hook row and the receiver's path name the row.
        let integration_row = api::graphql::node_id::decode_any(&integration_id)?.1;
        // The analysts' year is written before the import starts: SQLite takes one
        // writer, and the bench's own connection would meet the worker's.
        if self.analysts > 0 {
            let repositories: Vec<String> =
                integration["createIntegration"]["integration"]["repositories"]["nodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|r| r["fullName"].as_str().unwrap().starts_with("acme-corp/"))
                    .take(8)
                    .map(|r| {
                        api::graphql::node_id::decode_any(r["id"].as_str().unwrap())
                            .map(|(_, row)| row)
                    })
                    .collect::<Result<_, _>>()?;
            let loading = Instant::now();
            crate::metrics::load_year(
                &Database::connect(&database_url).await?,
                &integration_row,
                &repositories,
            )
            .await?;
            println!(
                "loaded a year of data for the analysts in {:.1} s",
                loading.elapsed().as_secs_f64()
            );
        }

        graphql(client, url, "mutation($i: ID!, $r: [ID!]!) { importRepositories(input: {integrationId: $i, repositoryIds: $r}) { importRuns { id } } }", json!({ "i": integration_id, "r": [repo["id"]] })).await?;
        let db = Database::connect(&database_url).await?;
        let hook = loop {
            let found = webhook::Entity::find()
                .filter(webhook::Column::IntegrationId.eq(integration_row.as_str()))
                .filter(webhook::Column::State.eq(webhook::HookState::Active))
                .one(&db)
                .await?;
            if let Some(found) = found {
                break found;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let secrets = api::crypto::SecretBox::from_base64_key(&stack.encryption_key)?;
        let at = entity::sealed::SealedAt::hook_secret(&hook.integration_id, hook.github_org_id);
        let secret = secrets.open(hook.secret_ciphertext.as_deref().unwrap(), &at)?;
        let receiver = format!("{}/webhooks/github/{integration_row}", stack.api.base_url());
        let full_name = repo["fullName"].as_str().unwrap().to_string();
        let (org, name) = full_name.split_once('/').unwrap();

        let total = self.rate * self.seconds;
        let bodies: Vec<(String, Vec<u8>)> = (0..total)
            .map(|i| {
                let payload = json!({
                    "action": "opened",
                    "pull_request": {
                        "node_id": format!("PR_bench_{i}"), "number": 100_000 + i, "title": format!("bench {i}"),
                        "body": null, "state": "open", "merged": false, "draft": false,
                        "created_at": "2026-01-01T10:00:00Z", "updated_at": "2026-01-01T10:00:00Z",
                        "closed_at": null, "merged_at": null, "user": {"login": "alice-okafor", "type": "User"},
                        "base": {"ref": "main"}, "head": {"ref": format!("bench/{i}")},
                        "additions": 1, "deletions": 0, "changed_files": 1, "merge_commit_sha": null,
                        "labels": [], "assignees": [], "requested_reviewers": [], "requested_teams": []
                    },
                    "repository": {
                        "id": 1, "node_id": repo["githubId"], "name": name, "full_name": full_name,
                        "owner": {"login": org, "type": "Organization"}, "private": false,
                        "archived": false, "fork": false, "default_branch": "main"
                    },
                    "organization": {"login": org, "id": 1}
                });
                let body = serde_json::to_vec(&payload).expect("JSON");
                (github::webhook::sign(secret.as_bytes(), &body), body)
            })
            .collect();

        // The attack, the analysts, and a trivial query timed once every 10 ms, until the
        // last delivery is answered.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let abusers = crate::abuse::Abusers::start(
            &receiver,
            &hook.hook_id.unwrap_or_default().to_string(),
            self.abusers,
        )?;
        let analysts: Vec<_> = (0..self.analysts)
            .map(|a| {
                let (client, url, stop) = (client.clone(), url.to_string(), stop.clone());
                let filter = |from: &str, to: &str| json!({ "integrationId": integration_id, "from": from, "to": to, "timeZone": "Europe/Berlin" });
                let reports = [
                    (crate::metrics::PULL_REQUEST_AGGREGATE, filter("2025-11-01", "2026-10-31")),
                    (crate::metrics::COMMIT_METRICS, filter("2025-11-01", "2026-10-31")),
                    (crate::metrics::WORK_LOG, filter("2026-08-01", "2026-10-31")),
                ];
                tokio::spawn(async move {
                    let mut latencies = Vec::new();
                    let mut failed = 0u64;
                    let mut n = a;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let (query, filter) = &reports[n % reports.len()];
                        n += 1;
                        let sent = Instant::now();
                        let answer = client
                            .post(&url)
                            .bearer_auth(crate::stack::KEY)
                            .json(&json!({ "query": query, "variables": { "f": filter } }))
                            .send()
                            .await;
                        match answer {
                            Ok(r) if r.status().is_success() => latencies.push(sent.elapsed()),
                            _ => failed += 1,
                        }
                    }
                    (latencies, failed)
                })
            })
            .collect();
        let probe = {
            let (client, url, stop) = (client.clone(), url.to_string(), stop.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let sent = Instant::now();
                    let answer = client
                        .post(&url)
                        .bearer_auth(crate::stack::KEY)
                        .json(&json!({ "query": "{ __typename }" }))
                        .send()
                        .await;
                    if answer.is_ok_and(|r| r.status().is_success()) {
                        latencies.push(sent.elapsed());
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                latencies
            })
        };

        let server_cpu_before = crate::abuse::cpu_seconds("/proc/self/stat");
        // Open loop: delivery i leaves at start + i/rate, whether earlier ones were answered or not.
        let started = Instant::now();
        let mut tasks = Vec::with_capacity(bodies.len());
        for (i, (signature, body)) in bodies.into_iter().enumerate() {
            let due = started + Duration::from_secs_f64(i as f64 / self.rate as f64);
            let client = client.clone();
            let receiver = receiver.clone();
            let hook_id = hook.hook_id.unwrap_or_default().to_string();
            tasks.push(tokio::spawn(async move {
                tokio::time::sleep_until(due.into()).await;
                let sent = Instant::now();
                let status = client
                    .post(&receiver)
                    .header("content-type", "application/json")
                    .header("x-github-event", "pull_request")
                    .header("x-github-delivery", format!("bench-{i}"))
                    .header("x-github-hook-id", hook_id)
                    .header("x-hub-signature-256", signature)
                    .body(body)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0);
                (status, sent.elapsed())
            }));
        }
        let mut latencies = Vec::with_capacity(tasks.len());
        let mut accepted = 0u64;
        for task in tasks {
            let (status, latency) = task.await?;
            if status == 202 {
                accepted += 1;
            }
            latencies.push(latency);
        }
        let sending = started.elapsed();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let server_cpu = crate::abuse::cpu_seconds("/proc/self/stat") - server_cpu_before;
        let probes = Samples(probe.await?);
        let (mut reports, mut reports_failed) = (Vec::new(), 0);
        for analyst in analysts {
            let (latencies, failed) = analyst.await?;
            reports.extend(latencies);
            reports_failed += failed;
        }
        let reports = Samples(reports);
        let drain = loop {
            let unapplied = webhook_delivery::Entity::find()
                .filter(webhook_delivery::Column::AppliedAt.is_null())
                .count(&db)
                .await?;
            if unapplied == 0 {
                break started.elapsed();
            }
            anyhow::ensure!(
                started.elapsed() < Duration::from_secs(600),
                "{unapplied} deliveries still unapplied after 10 minutes"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        // The abusers stop only now: the held ones are answered up to 3 s after the last
        // delivery, and the drain is timed without waiting for them.
        let (bad_answered, abusers_cpu) = abusers.stop()?;
        let stored = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::Event.eq("pull_request"))
            .count(&db)
            .await?;
        let rows = pull_request::Entity::find()
            .filter(pull_request::Column::NodeId.starts_with("PR_bench_"))
            .count(&db)
            .await?;
        let samples = Samples(latencies);
        println!(
            "| backend | sent | accepted (202) | accepted/s | ack p50 | ack p99 | ack max | stored | applied rows | all applied after |"
        );
        println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        println!(
            "| {} | {total} at {}/s | {accepted} | {:.0} | {:.2} ms | {:.2} ms | {:.2} ms | {stored} | {rows} | {:.1} s |",
            match (&self.database_url, &self.redis_url) {
                (None, _) => "SQLite".to_string(),
                (Some(_), Some(_)) => "PostgreSQL + Redis".to_string(),
                (Some(_), None) => "given database".to_string(),
            },
            self.rate,
            accepted as f64 / sending.as_secs_f64(),
            samples.quantile(0.5).as_secs_f64() * 1e3,
            samples.quantile(0.99).as_secs_f64() * 1e3,
            samples.quantile(1.0).as_secs_f64() * 1e3,
            drain.as_secs_f64(),
        );
        println!(
            "\n| abusers (5 MB, bad signature) | bad bodies answered | `{{ __typename }}` p50 | p99 | timed | peak RSS of the server's process (VmHWM; the abusers run apart) | CPU s: server's process, abusers' |\n| --- | --- | --- | --- | --- | --- | --- |\n| {} | {bad_answered} | {:.2} ms | {:.2} ms | {} | {} | {server_cpu:.1}, {abusers_cpu:.1} |",
            self.abusers,
            probes.quantile(0.5).as_secs_f64() * 1e3,
            probes.quantile(0.99).as_secs_f64() * 1e3,
            probes.0.len(),
            std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM")).map(|l| l
                    .split_whitespace()
                    .skip(1)
                    .collect::<Vec<_>>()
                    .join(" ")))
                .unwrap_or_default(),
        );
        if self.analysts > 0 {
            println!(
                "\n| analysts (a year's reports, back to back) | reports answered | failed | report p50 | p99 |\n| --- | --- | --- | --- | --- |\n| {} | {} | {reports_failed} | {:.2} ms | {:.2} ms |",
                self.analysts,
                reports.0.len(),
                reports.quantile(0.5).as_secs_f64() * 1e3,
                reports.quantile(0.99).as_secs_f64() * 1e3,
            );
        }
        anyhow::ensure!(
            stored == total && rows == total,
            "lost deliveries: {stored} stored, {rows} applied of {total}"
        );
        stack.stop().await;
        Ok(())
    }
}
