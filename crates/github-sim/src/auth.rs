//! Who is calling, and what the token may do.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::dataset::{Dataset, Org, OwnerType, Repo, Token, TokenKind, User};

/// Outcome of reading the `Authorization` header.
pub enum Auth {
    Anonymous,
    BadCredentials,
    User(Box<Principal>),
}

#[derive(Clone, Debug)]
pub struct Principal {
    pub token: Token,
    pub user: User,
    /// Organizations (lowercase logins) that restrict OAuth apps and have not approved
    /// this token's app; empty for personal access tokens, which restrictions spare.
    pub oauth_blocked_orgs: Vec<String>,
}

pub fn authenticate(dataset: &Dataset, header: Option<&str>) -> Auth {
    let Some(header) = header.map(str::trim).filter(|h| !h.is_empty()) else {
        return Auth::Anonymous;
    };
    let Some(secret) = token_from_header(header) else {
        return Auth::BadCredentials;
    };
    let Some(token) = dataset.token(&secret) else {
        return Auth::BadCredentials;
    };
    if token.kind == TokenKind::Revoked {
        return Auth::BadCredentials;
    }
    match dataset.user(&token.login) {
        Some(user) => Auth::User(Box::new(Principal {
            token: token.clone(),
            user: user.clone(),
            oauth_blocked_orgs: Vec::new(),
        })),
        None => Auth::BadCredentials,
    }
}

pub(crate) fn token_from_header(header: &str) -> Option<String> {
    let (scheme, rest) = header.split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token") {
        return Some(rest.to_string());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        // git-style `user:token` basic auth is accepted by GitHub too.
        let decoded = STANDARD.decode(rest).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (_, password) = text.split_once(':')?;
        return Some(password.to_string());
    }
    None
}

/// GitHub stores scopes normalized; these are the children each parent implies.
fn implied(scope: &str) -> &'static [&'static str] {
    match scope {
        "repo" => &[
            "repo:status",
            "repo_deployment",
            "public_repo",
            "repo:invite",
            "security_events",
        ],
        "admin:repo_hook" => &["write:repo_hook", "read:repo_hook"],
        "write:repo_hook" => &["read:repo_hook"],
        "admin:org" => &["write:org", "read:org"],
        "write:org" => &["read:org"],
        "admin:public_key" => &["write:public_key", "read:public_key"],
        "write:public_key" => &["read:public_key"],
        "admin:gpg_key" => &["write:gpg_key", "read:gpg_key"],
        "write:gpg_key" => &["read:gpg_key"],
        "user" => &["read:user", "user:email", "user:follow"],
        "project" => &["read:project"],
        "admin:enterprise" => &[
            "manage_runners:enterprise",
            "manage_billing:enterprise",
            "read:enterprise",
        ],
        _ => &[],
    }
}

/// Scopes as GitHub stores them: children implied by another granted scope dropped,
/// duplicates removed, order kept.
pub fn normalize_scopes(requested: &[String]) -> Vec<String> {
    let mut kept: Vec<String> = Vec::new();
    for scope in requested {
        let implied_by_other = requested
            .iter()
            .any(|other| other != scope && implied(other).contains(&scope.as_str()));
        if !implied_by_other && !kept.contains(scope) {
            kept.push(scope.clone());
        }
    }
    kept
}

impl Principal {
    /// Classic and OAuth app tokens carry scopes and act as the user, SSO included.
    pub fn carries_scopes(&self) -> bool {
        matches!(self.token.kind, TokenKind::Classic | TokenKind::OAuth)
    }

    pub fn is_fine_grained(&self) -> bool {
        self.token.kind == TokenKind::FineGrained
    }

    /// Whether the token carries `scope`, directly or through a parent.
    pub fn has_scope(&self, scope: &str) -> bool {
        let Some(scopes) = &self.token.scopes else {
            return false;
        };
        scopes
            .iter()
            .any(|s| s == scope || implied(s).contains(&scope))
    }

    pub fn has_any_scope(&self, scopes: &[&str]) -> bool {
        scopes.iter().any(|s| self.has_scope(s))
    }

    /// The `X-OAuth-Scopes` value, or `None` when GitHub sends no header.
    pub fn scopes_header(&self) -> Option<String> {
        match self.token.kind {
            TokenKind::Classic | TokenKind::OAuth => {
                Some(self.token.scopes.clone().unwrap_or_default().join(", "))
            }
            _ => None,
        }
    }

    /// Whether private data is readable at all with this token: classic tokens
    /// need `repo`; fine-grained ones here are granted public repositories only.
    pub fn can_read_private(&self) -> bool {
        self.carries_scopes() && self.has_scope("repo")
    }

    /// SAML only gates org members using a credential not yet authorized;
    /// fine-grained tokens are authorized when created.
    pub fn sso_blocked(&self, dataset: &Dataset, org: &Org) -> bool {
        org.sso_enforced
            && self.carries_scopes()
            && dataset.role(org, &self.user.login).is_some()
            && !self
                .token
                .sso_authorized_orgs
                .iter()
                .any(|o| o.eq_ignore_ascii_case(&org.login))
    }

    /// Whether the repository exists for this token: never in an organization whose
    /// SAML SSO blocks the token; private ones need a token that can read private
    /// data, a user who can see them, and no OAuth app restriction in the way.
    pub fn sees_repo(&self, dataset: &Dataset, repo: &Repo) -> bool {
        let org = dataset
            .org(&repo.owner)
            .filter(|_| repo.owner_type == OwnerType::Organization);
        if org.is_some_and(|o| self.sso_blocked(dataset, o)) {
            return false;
        }
        if repo.private && org.is_some_and(|o| self.oauth_blocked(o)) {
            return false;
        }
        !repo.private || (self.can_read_private() && dataset.can_see(&self.user.login, repo))
    }
}
