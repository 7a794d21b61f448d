//! OAuth scopes: GitHub's hierarchy, what Tributary needs, and which service each
//! missing scope disables.

use std::collections::BTreeSet;

/// The scopes Tributary asks for (the OAuth flow requests exactly these).
pub const REQUIRED_SCOPES: [&str; 7] = [
    "repo",
    "admin:org",
    "read:org",
    "admin:repo_hook",
    "admin:org_hook",
    "user",
    "read:user",
];

/// A switchable part of the product.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    Repos,
    PullRequests,
    Tickets,
    Webhooks,
}

impl Service {
    pub const ALL: [Service; 4] = [
        Service::Repos,
        Service::PullRequests,
        Service::Tickets,
        Service::Webhooks,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Service::Repos => "repos (commits)",
            Service::PullRequests => "pull requests",
            Service::Tickets => "tickets (issues)",
            Service::Webhooks => "webhooks",
        }
    }
}

/// GitHub stores scopes normalized (children of a granted scope are dropped), so a
/// check must expand them. Table from GitHub's scope documentation; `repo` is also
/// accepted by every repository-hook endpoint, so it counts as the hook scopes too.
const IMPLIES: &[(&str, &[&str])] = &[
    (
        "repo",
        &[
            "repo:status",
            "repo_deployment",
            "public_repo",
            "repo:invite",
            "security_events",
            "admin:repo_hook",
            "write:repo_hook",
            "read:repo_hook",
        ],
    ),
    ("public_repo", &["read:repo_hook"]),
    ("admin:repo_hook", &["write:repo_hook", "read:repo_hook"]),
    ("write:repo_hook", &["read:repo_hook"]),
    ("admin:org", &["write:org", "read:org"]),
    ("write:org", &["read:org"]),
    ("admin:public_key", &["write:public_key", "read:public_key"]),
    ("write:public_key", &["read:public_key"]),
    ("admin:gpg_key", &["write:gpg_key", "read:gpg_key"]),
    ("write:gpg_key", &["read:gpg_key"]),
    ("user", &["read:user", "user:email", "user:follow"]),
    ("project", &["read:project"]),
    (
        "admin:enterprise",
        &[
            "manage_runners:enterprise",
            "manage_billing:enterprise",
            "read:enterprise",
        ],
    ),
];

/// What each required scope is for: the services that cannot work without it, and why
/// Tributary asks for it, in words a user can act on.
pub fn purpose(scope: &str) -> (&'static [Service], &'static str) {
    use Service::*;
    match scope {
        "repo" => (
            &[Repos, PullRequests, Tickets],
            "reads commits, pull requests and issues of private repositories; without it only public repositories are visible",
        ),
        "admin:org" => (
            &[Webhooks],
            "reads organization roles and settings, which decide where organization webhooks can be created",
        ),
        "read:org" => (
            &[Webhooks],
            "lists the organizations the account belongs to and its role in each; without it organizations and ownership cannot be seen",
        ),
        "admin:repo_hook" => (&[Webhooks], "manages repository webhooks"),
        "admin:org_hook" => (
            &[Webhooks],
            "creates and removes the organization webhooks that keep data fresh between imports",
        ),
        "user" => (
            &[],
            "reads the account's profile and e-mail addresses, so its own commits are attributed to its login",
        ),
        "read:user" => (&[], "reads the account's profile"),
        _ => (&[], "needed by Tributary"),
    }
}

/// Splits an `X-OAuth-Scopes` header value (`repo, user`, possibly empty).
pub fn parse_scope_header(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Every scope the granted ones give, children included.
pub fn expand(granted: &[String]) -> BTreeSet<String> {
    let mut effective: BTreeSet<String> = granted.iter().cloned().collect();
    let mut pending: Vec<String> = granted.to_vec();
    while let Some(scope) = pending.pop() {
        if let Some((_, children)) = IMPLIES.iter().find(|(parent, _)| *parent == scope) {
            for child in *children {
                if effective.insert(child.to_string()) {
                    pending.push(child.to_string());
                }
            }
        }
    }
    effective
}

fn implies(parent: &str, child: &str) -> bool {
    parent != child && expand(&[parent.to_string()]).contains(child)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingScope {
    pub scope: String,
    pub disables: Vec<Service>,
    pub why: String,
}

/// The comparison of a token's scopes with what Tributary needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeCheck {
    pub granted: Vec<String>,
    pub missing: Vec<MissingScope>,
}

impl ScopeCheck {
    pub fn new(granted: Vec<String>) -> Self {
        let effective = expand(&granted);
        let absent: Vec<&str> = REQUIRED_SCOPES
            .iter()
            .copied()
            .filter(|s| !effective.contains(*s))
            .collect();
        // Granting a parent fixes its children too, so a child whose parent is also
        // missing is folded into the parent's entry instead of being listed twice.
        let missing = absent
            .iter()
            .filter(|scope| !absent.iter().any(|other| implies(other, scope)))
            .map(|scope| {
                let folded: Vec<&str> = absent
                    .iter()
                    .copied()
                    .filter(|child| implies(scope, child))
                    .collect();
                let mut disables: BTreeSet<Service> = purpose(scope).0.iter().copied().collect();
                let mut why = purpose(scope).1.to_string();
                for child in &folded {
                    disables.extend(purpose(child).0.iter().copied());
                }
                if !folded.is_empty() {
                    why = format!("{why} (it also covers {})", folded.join(", "));
                }
                MissingScope {
                    scope: scope.to_string(),
                    disables: disables.into_iter().collect(),
                    why,
                }
            })
            .collect();
        ScopeCheck { granted, missing }
    }

    pub fn has(&self, scope: &str) -> bool {
        expand(&self.granted).contains(scope)
    }

    pub fn disabled_services(&self) -> BTreeSet<Service> {
        self.missing
            .iter()
            .flat_map(|m| m.disables.iter().copied())
            .collect()
    }

    pub fn available_services(&self) -> Vec<Service> {
        let disabled = self.disabled_services();
        Service::ALL
            .into_iter()
            .filter(|s| !disabled.contains(s))
            .collect()
    }

    /// One sentence per missing scope, for the warnings list.
    pub fn warnings(&self) -> Vec<String> {
        self.missing
            .iter()
            .map(|m| {
                let effect = if m.disables.is_empty() {
                    "no service is turned off, but".to_string()
                } else {
                    let names: Vec<&str> = m.disables.iter().map(|s| s.label()).collect();
                    format!("without it {} cannot work:", names.join(", "))
                };
                format!("The token lacks the `{}` scope; {effect} it {}. Add it to the token (or regenerate the token with it).", m.scope, m.why)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(scopes: &str) -> ScopeCheck {
        ScopeCheck::new(parse_scope_header(scopes))
    }

    #[test]
    fn all_scopes_normalized_as_github_stores_them_miss_nothing() {
        let c = check("repo, admin:org, admin:repo_hook, admin:org_hook, user");
        assert!(c.missing.is_empty(), "{:?}", c.missing);
        assert_eq!(c.available_services(), Service::ALL.to_vec());
    }

    #[test]
    fn repo_and_read_org_lose_webhooks_only() {
        let c = check("repo, read:org");
        let names: Vec<&str> = c.missing.iter().map(|m| m.scope.as_str()).collect();
        assert_eq!(names, ["admin:org", "admin:org_hook", "user"]);
        assert_eq!(
            c.available_services(),
            vec![Service::Repos, Service::PullRequests, Service::Tickets]
        );
        assert!(
            c.missing
                .iter()
                .find(|m| m.scope == "user")
                .unwrap()
                .why
                .contains("read:user")
        );
    }

    #[test]
    fn a_missing_parent_folds_its_missing_children() {
        let c = check("");
        let names: Vec<&str> = c.missing.iter().map(|m| m.scope.as_str()).collect();
        assert_eq!(names, ["repo", "admin:org", "admin:org_hook", "user"]);
        assert!(c.available_services().is_empty());
    }

    #[test]
    fn children_are_implied() {
        assert!(check("admin:org").has("read:org"));
        assert!(check("user").has("read:user"));
        assert!(check("repo").has("public_repo"));
        assert!(!check("read:org").has("admin:org"));
    }
}
