//! The connection test as an integration and an OAuth grant keep it (`integrations.
//! last_test`, `oauth_grants.test`): GitHub's report, minus anything secret. Plain data
//! here, below the crates that produce it (`github`) and show it (`api`'s GraphQL type
//! of the same shape, which converts both ways); the JSON field and variant names are
//! the ones rows already hold.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::group::{GroupAccess, GroupRole};

/// A switchable part of the product.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Service {
    Repos,
    PullRequests,
    Tickets,
    Webhooks,
}

/// What kind of token it is, read from its prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenKind {
    ClassicPersonalAccessToken,
    FineGrainedPersonalAccessToken,
    OAuth,
    GitHubApp,
    Unknown,
}

/// A required scope the token lacks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingScope {
    pub scope: String,
    /// The services that cannot work without it.
    pub disables: Vec<Service>,
    pub why: String,
}

/// What the test found about one organization of the account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationFinding {
    pub login: String,
    pub role: Option<GroupRole>,
    pub access: GroupAccess,
    pub services: Vec<Service>,
    pub problem: Option<String>,
    pub sso_url: Option<String>,
    pub hidden_private_repos: Option<i64>,
}

/// The result of testing a token against GitHub.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct ConnectionTest {
    pub ok: bool,
    pub message: String,
    pub login: Option<String>,
    pub token_kind: TokenKind,
    pub granted_scopes: Vec<String>,
    pub missing_scopes: Vec<MissingScope>,
    pub available_services: Vec<Service>,
    pub organizations: Vec<OrganizationFinding>,
    pub warnings: Vec<String>,
    /// Why the test failed, as a code; absent when it passed (and in rows written
    /// before the code was kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<ConnectionFailure>,
}

/// Why a token cannot be used at all (the `github` crate's `ConnectionFailure`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConnectionFailure {
    EmptyToken,
    FineGrainedToken,
    GitHubAppToken,
    NotClassicToken,
    BadCredentials,
    NoRequiredScope,
    GithubUnavailable,
    RateLimited,
    GithubRefused,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row written before the column was typed: the JSON `api` serialized by hand.
    #[test]
    fn stored_json_still_decodes() {
        let text = r#"{"ok":true,"message":"Successfully connected via me","login":"me",
            "token_kind":"OAuth","granted_scopes":["repo","read:org"],
            "missing_scopes":[{"scope":"admin:org_hook","disables":["Webhooks"],"why":"hooks"}],
            "available_services":["Repos","PullRequests","Tickets"],
            "organizations":[{"login":"acme","role":"Owner","access":"OAuthRestricted",
                "services":[],"problem":"approve","sso_url":null,"hidden_private_repos":2},
                {"login":"sso","role":null,"access":"SsoRequired","services":[],
                "problem":null,"sso_url":"https://x","hidden_private_repos":null}],
            "warnings":["no hooks"]}"#;
        let test: ConnectionTest = serde_json::from_str(text).unwrap();
        assert_eq!(test.token_kind, TokenKind::OAuth);
        assert_eq!(test.missing_scopes[0].disables, [Service::Webhooks]);
        assert_eq!(test.organizations[0].role, Some(GroupRole::Owner));
        assert_eq!(test.organizations[0].access, GroupAccess::OAuthRestricted);
        assert_eq!(test.organizations[1].access, GroupAccess::SsoRequired);
        let again: serde_json::Value = serde_json::to_value(&test).unwrap();
        assert_eq!(
            again,
            serde_json::from_str::<serde_json::Value>(text).unwrap()
        );
    }
}
