//! `tributary`: the one binary. Each subcommand is a thin call into a library crate.

#[cfg(feature = "simulator")]
mod demo;
#[cfg(feature = "simulator")]
mod demo_import;

mod cli;

use clap::Parser;
use cli::{Cli, Command, LogFormat};

fn init_logging(format: LogFormat, default: &str) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| default.into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Schema | Command::Token(_) => {}
        // The demo's terminal shows import progress bars, not the worker's page log lines.
        #[cfg(feature = "simulator")]
        Command::Demo(_) => init_logging(
            cli.log_format,
            "info,sqlx=warn,sea_orm=warn,worker=warn,apalis=warn,apalis_sqlite=warn",
        ),
        _ => init_logging(cli.log_format, "info,sqlx=warn,sea_orm=warn"),
    }
    match cli.command {
        Command::Serve(args) => {
            let running = tributary::start(&args.config()).await?;
            tokio::select! {
                result = running.wait() => result,
                _ = tokio::signal::ctrl_c() => Ok(()),
            }
        }
        Command::Worker(args) => tributary::run_worker(&args.config()).await,
        Command::Migrate(args) => {
            let url = tributary::Config {
                database_url: args.database_url,
                ..tributary::Config::default()
            }
            .database_url();
            tributary::connect_database(&url).await?;
            tracing::info!(database = %tributary::redact_url(&url), "migrations applied");
            Ok(())
        }
        Command::Schema => {
            print!("{}", api::sdl());
            Ok(())
        }
        Command::RotateKey(args) => {
            let config = args.config();
            let keys = tributary::config::Keys::resolve(&config)?;
            let db = tributary::connect_database(&config.database_url()).await?;
            let report = tributary::rotate_key::reseal_all(&db, &keys.secret_box).await?;
            println!("{report}");
            anyhow::ensure!(
                report.unreadable == 0,
                "{} secrets could not be opened with the configured keys (left as they are)",
                report.unreadable
            );
            Ok(())
        }
        Command::Token(args) => {
            let (workspace, role, subject, ttl) = (
                args.workspace.clone(),
                args.role,
                args.subject.clone(),
                args.ttl,
            );
            let token = tributary::user_token::mint_user_token(
                &args.config(),
                &workspace,
                role.into(),
                &subject,
                ttl,
            )?;
            println!("{token}");
            Ok(())
        }
        #[cfg(feature = "simulator")]
        Command::GithubSim(args) => {
            let config = github_sim::SimConfig {
                seed: args.seed,
                scale: args.scale,
                orgs: args.orgs,
                repos: args.repos,
                commits: args.commits,
                pull_requests: args.prs,
                issues: args.issues,
                latency: github_sim::Latency {
                    per_request: std::time::Duration::from_millis(args.latency_ms),
                    per_node: std::time::Duration::from_micros(args.latency_per_node_us),
                },
                ..Default::default()
            };
            github_sim::GithubSim::new(config).serve(&args.listen).await
        }
        #[cfg(feature = "simulator")]
        Command::Demo(args) => demo::run(args).await,
    }
}
