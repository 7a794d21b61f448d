//! `tributary demo`: the simulator and the API in one process, a demo integration made
//! with the simulator's `owner` token, and what it sees printed.

use sea_orm::ActiveEnum;

use crate::{cli::DemoArgs, demo_import};

const DEMO_NAME: &str = "Demo (github-sim owner)";

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let sim = github_sim::GithubSim::new(github_sim::SimConfig {
        seed: args.seed,
        ..Default::default()
    });
    let tokens = sim.tokens();
    let running_sim = sim.clone().spawn(&args.sim_listen).await?;
    let config = tributary::Config {
        listen: args.listen,
        database_url: args.database.database_url,
        github_api_url: running_sim.base_url(),
        github_web_url: running_sim.base_url(),
        github_oauth_client_id: Some(github_sim::DEFAULT_CLIENT_ID.into()),
        github_oauth_client_secret: Some(github_sim::DEFAULT_CLIENT_SECRET.into()),
        ..tributary::Config::default()
    };
    let running = tributary::start(&config).await?;
    // The simulator's OAuth app sends browsers back to this API, wherever it listens.
    sim.default_oauth_app(&format!(
        "{}{}",
        running.public_url,
        api::oauth::flow::CALLBACK_PATH
    ));
    // The demo acts as the server key would, in the default workspace.
    let operator = api::auth::Caller::ServerKey {
        workspace: None,
        default_workspace: config.default_workspace.clone(),
    };
    let oauth = running.oauth.start(Default::default(), &operator).await?;
    let integrations = &running.integrations;

    let owner = tokens
        .iter()
        .find(|t| t.name == "owner")
        .ok_or_else(|| anyhow::anyhow!("the simulator has no owner token"))?;
    // A second demo run on the same database refreshes the integration instead of adding another.
    let existing = integrations
        .list(operator.reach())
        .await?
        .into_iter()
        .find(|i| i.name == DEMO_NAME);
    let rerun = existing.is_some();
    let integration = match existing {
        Some(found) => integrations.refresh_groups(&found.id).await?,
        None => {
            integrations
                .create(
                    &operator,
                    DEMO_NAME,
                    api::integrations::credential::Credential::Token(&owner.token),
                    None,
                )
                .await?
        }
    };

    // A browser app holds a user token of its workspace; the demo's are valid a day.
    let token_for = |role| {
        tributary::user_token::mint_user_token(
            &config,
            &config.default_workspace,
            role,
            "demo",
            std::time::Duration::from_secs(86_400),
        )
    };
    let admin_token = token_for(api::auth::Role::Admin)?;
    let viewer_token = token_for(api::auth::Role::Viewer)?;
    println!();
    println!("Tributary demo");
    println!(
        "  GraphiQL:     {}/graphql#token={}",
        running.base_url(),
        admin_token
    );
    println!(
        "                (the link fills the admin token into GraphiQL's Headers tab; clients send `Authorization: Bearer <token>`)"
    );
    println!(
        "  Workspace:    {}   (tokens valid 24 h; `tributary token --workspace W --role R` mints more)",
        config.default_workspace
    );
    println!("  Admin token:  {admin_token}");
    println!("  Viewer token: {viewer_token}   (reads only)");
    println!(
        "  Server key:   {}   (backends and operators: every workspace, and /metrics)",
        running.api_key
    );
    println!(
        "  GitHub sim:   {}   (scenario tokens: {}/_sim/tokens)",
        running_sim.base_url(),
        running_sim.base_url()
    );
    println!("  OAuth:        {}", oauth.authorize_url);
    println!(
        "                (connect with the simulator's OAuth app: authorize, and the callback page shows the grant id for createIntegration(input: {{name, oauthGrantId}}); the link works once, for 10 minutes, and startOAuth in GraphiQL makes a new one)"
    );
    println!(
        "  Integration:  {} ({}), connected via {}",
        integration.name,
        api::graphql::node_id::encode(
            api::graphql::node_id::NodeKind::Integration,
            &integration.id
        )
        .0,
        integration.login
    );
    println!();
    let mut demo_repositories = Vec::new();
    for group in integrations.groups(&integration.id).await? {
        let scope = api::integrations::queries::RepositoryScope {
            integration_id: integration.id.clone(),
            group_id: Some(group.id.clone()),
        };
        let repos = integrations.repositories(scope, 1_000).await?;
        let role = group.role.map_or_else(|| "?".to_string(), |r| r.to_value());
        println!(
            "  {} {} ({role}, {}): {} repos",
            group.kind.to_value().to_lowercase(),
            group.login,
            group.access.to_value(),
            repos.len()
        );
        if let Some(problem) = &group.problem {
            println!("      ! {problem}");
        }
        for repo in repos {
            if group.login == github_sim::DEMO_ORG {
                demo_repositories.push(demo_import::DemoRepository {
                    id: repo.id.clone(),
                    full_name: format!("{}/{}", repo.owner, repo.name),
                });
            }
            let visibility = if repo.private { "private" } else { "public" };
            println!(
                "      {}/{} ({visibility}{})",
                repo.owner,
                repo.name,
                if repo.archived { ", archived" } else { "" }
            );
        }
    }
    println!();
    println!(
        "Importing {}'s repositories ({}):",
        github_sim::DEMO_ORG,
        if rerun {
            "an incremental sync of what the last demo imported"
        } else {
            "commits, pull requests and tickets"
        }
    );
    demo_import::import(&running.imports, &integration.id, &demo_repositories, rerun).await?;
    println!();
    println!("Try the simulator's scenario tokens with the TestToken operation in GraphiQL:");
    for token in &tokens {
        println!("  {:<22} {}", token.name, token.token);
        println!("  {:<22} {}", "", token.description);
    }
    println!();
    println!("Serving until Ctrl-C.");
    tokio::signal::ctrl_c().await?;
    running.stop().await;
    drop(running_sim);
    Ok(())
}
