//! `tributary-bench abuse` (started by the `webhooks` bench, not by hand): clients
//! sending 5 MB bodies with a well-formed but wrong signature to a receiver URL,
//! without pause, until stdin closes; then prints how many were answered. A process of
//! its own, so that the attackers' work is not scheduled on the server's runtime nor
//! counted in its memory (they still share the machine's cores, as on one host).

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicU64, Ordering},
};

pub async fn run(receiver: String, hook_id: String, clients: usize) -> anyhow::Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicU64::new(0));
    let junk: &'static [u8] = Box::leak(vec![b'x'; 5 << 20].into_boxed_slice());
    let client = reqwest::Client::new();
    let tasks: Vec<_> = (0..clients)
        .map(|a| {
            let (client, receiver, hook_id) = (client.clone(), receiver.clone(), hook_id.clone());
            let (stop, answered) = (stop.clone(), answered.clone());
            tokio::spawn(async move {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let sent = client
                        .post(&receiver)
                        .header("content-type", "application/json")
                        .header("x-github-event", "pull_request")
                        .header("x-github-delivery", format!("abuse-{a}-{n}"))
                        .header("x-github-hook-id", hook_id.clone())
                        .header("x-hub-signature-256", format!("sha256={}", "0".repeat(64)))
                        .body(junk)
                        .send()
                        .await;
                    if sent.is_ok() {
                        answered.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    // The parent closes stdin to stop the attack.
    tokio::task::spawn_blocking(|| {
        let mut sink = String::new();
        let _ = std::io::stdin().read_line(&mut sink);
    })
    .await?;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }
    println!("{}", answered.load(Ordering::Relaxed));
    Ok(())
}

/// Starts the attack in a child process; [`Abusers::stop`] ends it and answers how
/// many bodies were answered.
pub struct Abusers(Option<std::process::Child>);

impl Abusers {
    pub fn start(receiver: &str, hook_id: &str, clients: usize) -> anyhow::Result<Abusers> {
        if clients == 0 {
            return Ok(Abusers(None));
        }
        let child = std::process::Command::new(std::env::current_exe()?)
            .args(["abuse", "--receiver", receiver, "--hook-id", hook_id])
            .args(["--clients", &clients.to_string()])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()?;
        Ok(Abusers(Some(child)))
    }

    pub fn stop(self) -> anyhow::Result<u64> {
        let Some(mut child) = self.0 else {
            return Ok(0);
        };
        drop(child.stdin.take());
        let output = child.wait_with_output()?;
        Ok(String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .unwrap_or(0))
    }
}
