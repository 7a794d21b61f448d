//! `capabilities`: what this deployment offers, so a product shows only what works
//! here (the OAuth tab, imports, webhooks) and lists the scopes a token needs before
//! anyone pastes one.

use std::net::IpAddr;

use async_graphql::{Context, Object, Result, SimpleObject};
use github::connection_test::scopes::{REQUIRED_SCOPES, purpose};
use org_hooks::OrgHooks;
use queue::Queue;

use super::connection_test::{Service, services};
use crate::oauth::flow::OAuthFlow;

/// What this deployment of Tributary can do.
#[derive(SimpleObject)]
pub struct Capabilities {
    /// Tributary's OAuth app is configured: `startOAuth` works, so the product can offer
    /// connecting through GitHub besides pasting a token.
    pub oauth: bool,
    /// Every scope Tributary asks for (the OAuth flow requests exactly these; a classic
    /// token should have them), with the services each one enables.
    pub required_scopes: Vec<RequiredScope>,
    /// Imports can be queued here (`importRepositories`, `syncIntegration`). False on
    /// PostgreSQL without Redis, where the import mutations say what to set.
    pub imports: bool,
    /// GitHub can deliver webhooks here: deliveries can be queued, and the receiver's
    /// address (`TRIBUTARY_PUBLIC_URL`) is not a loopback or private address GitHub
    /// cannot reach. Without it, data stays fresh by syncs only.
    pub webhooks: bool,
}

/// A scope Tributary asks for.
#[derive(SimpleObject)]
pub struct RequiredScope {
    /// The scope, as GitHub names it (`repo`, `admin:org_hook`, …).
    pub scope: String,
    /// The services that cannot work without it; empty when none does.
    pub enables: Vec<Service>,
    /// What Tributary uses it for.
    pub why: String,
}

#[derive(Default)]
pub struct CapabilitiesQuery;

// Merged into the schema's root query (graphql/mod.rs).
#[Object(name = "CapabilitiesQueries")]
impl CapabilitiesQuery {
    /// What this deployment can do: OAuth, imports, webhooks, and the scopes a token needs.
    async fn capabilities(&self, ctx: &Context<'_>) -> Result<Capabilities> {
        let queue = ctx.data::<Queue>()?;
        let hooks = ctx.data::<OrgHooks>()?;
        let queued = queue.unavailable().is_none();
        Ok(Capabilities {
            oauth: ctx.data::<OAuthFlow>()?.client_id().is_some(),
            required_scopes: REQUIRED_SCOPES
                .iter()
                .map(|scope| {
                    let (enables, why) = purpose(scope);
                    RequiredScope {
                        scope: scope.to_string(),
                        enables: services(enables),
                        why: why.to_string(),
                    }
                })
                .collect(),
            imports: queued,
            webhooks: queued && reachable_from(&hooks.github.endpoints().api, &hooks.public_url),
        })
    }
}

/// Whether a server at `github` can reach `receiver`: a loopback or private receiver
/// only from a GitHub on such an address too (the simulator, or GitHub Enterprise
/// Server on the same network).
fn reachable_from(github: &str, receiver: &str) -> bool {
    !is_local(receiver) || is_local(github)
}

fn is_local(url: &str) -> bool {
    let Some(host) = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host().map(|h| h.to_owned()))
    else {
        return false;
    };
    match host {
        url::Host::Domain(name) => name == "localhost" || name.ends_with(".localhost"),
        url::Host::Ipv4(ip) => local_ip(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => local_ip(IpAddr::V6(ip)),
    }
}

fn local_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified()
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_unique_local()
                || v6.is_unicast_link_local()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::reachable_from;

    #[test]
    fn github_com_cannot_reach_a_loopback_or_private_receiver() {
        let github = "https://api.github.com";
        assert!(!reachable_from(github, "http://127.0.0.1:8080"));
        assert!(!reachable_from(github, "http://localhost:8080"));
        assert!(!reachable_from(github, "http://10.1.2.3"));
        assert!(!reachable_from(github, "http://[::1]:8080"));
        assert!(reachable_from(github, "https://tributary.example.com"));
    }

    #[test]
    fn a_local_github_reaches_a_local_receiver() {
        assert!(reachable_from(
            "http://127.0.0.1:4000",
            "http://127.0.0.1:8080"
        ));
        assert!(reachable_from(
            "https://ghe.internal.example/api/v3",
            "https://tributary.example.com"
        ));
        assert!(reachable_from(
            "http://192.168.1.5/api/v3",
            "http://192.168.1.6"
        ));
    }
}
