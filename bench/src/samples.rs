//! Timings and their quantiles, and a loop of timed GraphQL requests.

use std::time::{Duration, Instant};

use serde_json::Value;

pub struct Samples(pub Vec<Duration>);

impl Samples {
    pub fn quantile(&self, q: f64) -> Duration {
        let mut sorted = self.0.clone();
        sorted.sort();
        sorted[((sorted.len() - 1) as f64 * q).round() as usize]
    }

    pub fn report(&self, name: &str) {
        println!(
            "| {name} | {} | {:.2} ms | {:.2} ms |",
            self.0.len(),
            self.quantile(0.5).as_secs_f64() * 1e3,
            self.quantile(0.95).as_secs_f64() * 1e3
        );
    }
}

pub async fn time_requests(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    iterations: usize,
    body: impl Fn(usize) -> Value,
) -> anyhow::Result<Samples> {
    let mut samples = Vec::with_capacity(iterations);
    for i in 0..iterations {
        let started = Instant::now();
        let answer: Value = client
            .post(url)
            .bearer_auth(key)
            .json(&body(i))
            .send()
            .await?
            .json()
            .await?;
        samples.push(started.elapsed());
        anyhow::ensure!(
            answer.get("errors").is_none(),
            "the API answered errors: {answer}"
        );
    }
    Ok(Samples(samples))
}
