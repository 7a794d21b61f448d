//! The demo's import of the simulator's demo organization: one progress bar per
//! repository, driven by the same progress events the `importProgress` subscription
//! streams, then a summary of what was stored.

use std::collections::HashMap;
use std::time::Duration;

use entity::{
    import_run::RunState,
    run_details::{Counts, Resource},
};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use queue::Progress;
use sea_orm::ActiveEnum;

/// The listings a run walks; their GitHub totals are what a bar fills up to.
const LISTINGS: [Resource; 3] = [Resource::Commits, Resource::PullRequests, Resource::Tickets];

/// A run left alone this long without news is looked up in the database, so a
/// progress event lost to a lagging receiver cannot leave a bar stuck.
const QUIET: Duration = Duration::from_secs(2);

/// A repository to import: its id and `owner/name`.
pub struct DemoRepository {
    pub id: String,
    pub full_name: String,
}

struct RunBar {
    bar: ProgressBar,
    done: bool,
    counts: Counts,
    error: Option<String>,
    state: RunState,
}

impl RunBar {
    fn show(&mut self, state: RunState, counts: Counts, error: Option<String>) {
        let fetched: i64 = LISTINGS
            .iter()
            .filter_map(|r| counts.get(r))
            .map(|c| c.fetched)
            .sum();
        let total: i64 = LISTINGS
            .iter()
            .filter_map(|r| counts.get(r))
            .map(|c| c.total.unwrap_or(c.fetched))
            .sum();
        self.bar.set_length(total.max(fetched).max(1) as u64);
        self.bar.set_position(fetched as u64);
        self.bar.set_message(state.to_value().to_lowercase());
        self.state = state;
        self.counts = counts;
        self.error = error;
        if state.is_final() && !self.done {
            self.done = true;
            if state == RunState::Succeeded {
                self.bar.set_position(self.bar.length().unwrap_or(0));
            }
            self.bar.finish();
        }
    }
}

/// Imports `repositories` (a full import the first time, an incremental sync when
/// `sync` is set) and waits for every run to end.
pub async fn import(
    imports: &api::imports::Imports,
    integration_id: &str,
    repositories: &[DemoRepository],
    sync: bool,
) -> anyhow::Result<()> {
    // Subscribed before queueing, so no event of these runs goes by unseen.
    let mut events = imports.bus().subscribe();
    let ids: Vec<String> = repositories.iter().map(|r| r.id.clone()).collect();
    let runs = if sync {
        imports.sync_integration(integration_id).await?
    } else {
        imports.import_repositories(integration_id, &ids).await?
    };
    let names: HashMap<&str, &str> = repositories
        .iter()
        .map(|r| (r.id.as_str(), r.full_name.as_str()))
        .collect();
    let width = names.values().map(|n| n.len()).max().unwrap_or(10);
    let style = ProgressStyle::with_template(&format!(
        "  {{prefix:<{width}}} [{{bar:32}}] {{pos:>6}}/{{len:<6}} {{msg}}"
    ))?
    .progress_chars("=> ");
    let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stdout());
    let mut bars: HashMap<String, RunBar> = HashMap::new();
    for run in &runs {
        let bar = multi.add(ProgressBar::new(1).with_style(style.clone()));
        bar.set_prefix(
            names
                .get(run.repository_id.as_str())
                .copied()
                .unwrap_or(&run.repository_id)
                .to_string(),
        );
        bar.set_message("queued");
        bars.insert(
            run.id.clone(),
            RunBar {
                bar,
                done: false,
                counts: Counts::default(),
                error: None,
                state: RunState::Queued,
            },
        );
    }

    while bars.values().any(|b| !b.done) {
        match tokio::time::timeout(QUIET, events.recv()).await {
            Ok(Some(Progress::Changed(event))) => {
                if let Some(run) = bars.get_mut(&event.run_id) {
                    run.show(event.state, event.counts, event.error);
                }
            }
            Ok(None) => anyhow::bail!("the import worker stopped"),
            // Missed events or a quiet spell: read where the runs stand.
            Ok(Some(Progress::Missed)) | Err(_) => {
                for (run_id, run) in bars.iter_mut().filter(|(_, b)| !b.done) {
                    let model = imports.get(run_id).await?;
                    let state = model.state;
                    run.show(state, model.counts.clone(), model.error.clone());
                }
            }
        }
    }

    let mut totals = Counts::default();
    for run in bars.values() {
        for (resource, count) in run.counts.iter() {
            totals.entry(*resource).or_default().fetched += count.fetched;
        }
    }
    println!();
    println!("  Stored from {} repositories:", bars.len());
    for resource in Resource::ALL {
        let fetched = totals.get(&resource).map(|c| c.fetched).unwrap_or(0);
        println!("    {:<22} {fetched}", resource_name(resource));
    }
    for run in bars.values().filter(|b| b.state != RunState::Succeeded) {
        println!(
            "  ! {} {}: {}",
            run.bar.prefix(),
            run.state.to_value().to_lowercase(),
            run.error.as_deref().unwrap_or("no reason given")
        );
    }
    Ok(())
}

fn resource_name(resource: Resource) -> &'static str {
    match resource {
        Resource::Commits => "commits",
        Resource::PullRequests => "pull requests",
        Resource::PullRequestCommits => "pull request commits",
        Resource::Reviews => "reviews",
        Resource::Comments => "comments",
        Resource::Reactions => "reactions (not metrics)",
        Resource::Tickets => "tickets",
        Resource::TicketEvents => "ticket events",
    }
}
