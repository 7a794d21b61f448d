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

    /// Ends the attack: how many bodies were answered, and the CPU seconds the
    /// attackers' process spent sending them.
    pub fn stop(self) -> anyhow::Result<(u64, f64)> {
        let Some(mut child) = self.0 else {
            return Ok((0, 0.0));
        };
        let cpu = cpu_seconds(&format!("/proc/{}/stat", child.id()));
        drop(child.stdin.take());
        let output = child.wait_with_output()?;
        let answered = String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .unwrap_or(0);
        Ok((answered, cpu))
    }
}

/// User and system CPU seconds of the process whose `/proc/{pid}/stat` this is
/// (fields 14 and 15, in clock ticks of 1/100 s on Linux).
pub fn cpu_seconds(stat: &str) -> f64 {
    let Ok(text) = std::fs::read_to_string(stat) else {
        return 0.0;
    };
    // The command name (field 2) may hold spaces; fields are counted after its ')'.
    let Some((_, after)) = text.rsplit_once(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}
