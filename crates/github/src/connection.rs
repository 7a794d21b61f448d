//! The connection test: who the token belongs to, which scopes it has against what
//! Tributary needs, and for every organization whether and how it can be used.
//! It stores nothing; callers decide what to keep.

use futures_util::{StreamExt, stream};
use serde::Deserialize;

use crate::{
    client::GithubClient,
    error::GithubError,
    scopes::{MissingScope, ScopeCheck, Service},
    token::{Token, TokenKind},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrgRole {
    Owner,
    Member,
}

/// Whether the token can reach an organization's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrgAccess {
    Ok,
    /// SAML SSO is enforced and the token is not authorized for the organization.
    SsoRequired,
    /// The organization restricts OAuth apps and has not approved this one.
    OAuthRestricted,
    /// Like `OAuthRestricted`, and a member has asked an owner for approval. GitHub's API
    /// answers exactly as before the request, so only Tributary's record says so.
    ApprovalRequested,
    /// GitHub refused or hid the organization for another reason.
    NotVisible,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrganizationFinding {
    pub login: String,
    pub database_id: Option<i64>,
    pub role: Option<OrgRole>,
    pub access: OrgAccess,
    /// The services that work for this organization with this token.
    pub services: Vec<Service>,
    /// What is wrong, and what a person does about it.
    pub problem: Option<String>,
    /// Where to authorize the token for SAML SSO.
    pub sso_url: Option<String>,
    /// Private repositories of the organization the account cannot see.
    pub hidden_private_repos: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub login: String,
    pub database_id: i64,
    pub node_id: String,
}

#[derive(Clone, Debug)]
pub struct ConnectionReport {
    pub ok: bool,
    pub message: String,
    pub token_kind: TokenKind,
    pub account: Option<Account>,
    pub granted_scopes: Vec<String>,
    pub missing_scopes: Vec<MissingScope>,
    pub available_services: Vec<Service>,
    pub organizations: Vec<OrganizationFinding>,
    pub warnings: Vec<String>,
}

impl ConnectionReport {
    fn failed(token_kind: TokenKind, message: impl Into<String>) -> Self {
        ConnectionReport {
            ok: false,
            message: message.into(),
            token_kind,
            account: None,
            granted_scopes: Vec::new(),
            missing_scopes: Vec::new(),
            available_services: Vec::new(),
            organizations: Vec::new(),
            warnings: Vec::new(),
        }
    }

    pub fn login(&self) -> Option<&str> {
        self.account.as_ref().map(|a| a.login.as_str())
    }
}

#[derive(Deserialize)]
struct UserBody {
    login: String,
    id: i64,
    node_id: String,
}

#[derive(Deserialize)]
struct MembershipBody {
    state: String,
    role: String,
    organization: OrganizationRef,
}

#[derive(Deserialize)]
struct OrganizationRef {
    login: String,
    id: i64,
}

#[derive(Deserialize)]
struct OrganizationBody {
    total_private_repos: Option<i64>,
}

impl GithubClient {
    /// Runs the whole test. Never fails: every problem becomes part of the report.
    pub async fn test_connection(&self, token: &Token) -> ConnectionReport {
        let kind = token.kind();
        if token.expose().is_empty() {
            return ConnectionReport::failed(
                kind,
                "The token is empty: paste a classic personal access token.",
            );
        }
        if let Some(refusal) = kind.refusal() {
            return ConnectionReport::failed(kind, refusal);
        }
        match self.run_connection_test(token, kind).await {
            Ok(report) => report,
            Err(error) => ConnectionReport::failed(kind, error.to_string()),
        }
    }

    async fn run_connection_test(
        &self,
        token: &Token,
        kind: TokenKind,
    ) -> Result<ConnectionReport, GithubError> {
        let user = self.rest_get::<UserBody>(token, "/user").await?;
        let account = Account {
            login: user.body.login,
            database_id: user.body.id,
            node_id: user.body.node_id,
        };
        let Some(granted) = user.scopes else {
            let refusal = TokenKind::FineGrainedPersonalAccessToken
                .refusal()
                .unwrap_or_default();
            return Ok(ConnectionReport {
                account: Some(account),
                ..ConnectionReport::failed(
                    kind,
                    format!(
                        "GitHub reported no OAuth scopes for this token, so it is not a classic token. {refusal}"
                    ),
                )
            });
        };
        let scopes = ScopeCheck::new(granted);
        let available = scopes.available_services();
        let mut warnings = scopes.warnings();

        let organizations = self
            .organization_findings(token, &account.login, &scopes, &available, &mut warnings)
            .await?;
        warnings.extend(organizations.iter().filter_map(|o| o.problem.clone()));

        let (ok, message) = if available.is_empty() {
            (
                false,
                format!(
                    "Connected as {}, but the token has none of the scopes Tributary needs ({}): no service could work.",
                    account.login,
                    crate::scopes::REQUIRED_SCOPES.join(", ")
                ),
            )
        } else {
            (
                true,
                format!("Successfully connected via {}", account.login),
            )
        };
        Ok(ConnectionReport {
            ok,
            message,
            token_kind: kind,
            granted_scopes: scopes.granted.clone(),
            missing_scopes: scopes.missing.clone(),
            available_services: available,
            organizations,
            warnings,
            account: Some(account),
        })
    }

    async fn organization_findings(
        &self,
        token: &Token,
        login: &str,
        scopes: &ScopeCheck,
        available: &[Service],
        warnings: &mut Vec<String>,
    ) -> Result<Vec<OrganizationFinding>, GithubError> {
        if !scopes.has("read:org") {
            warnings.push(format!(
                "Without the `read:org` scope Tributary cannot list the organizations {login} belongs to nor its role in them; only {login}'s own repositories are visible."
            ));
            return Ok(Vec::new());
        }
        let mut memberships = Vec::new();
        let mut hidden_by_sso = Vec::new();
        let mut next = Some("/user/memberships/orgs?state=active&per_page=100".to_string());
        while let Some(page) = next {
            let response = self.rest_get::<Vec<MembershipBody>>(token, &page).await?;
            memberships.extend(response.body.into_iter().filter(|m| m.state == "active"));
            hidden_by_sso.extend(response.sso_partial_org_ids);
            next = response.next_page;
        }

        // A few organizations at a time: GitHub's secondary limits punish bursts of
        // concurrent requests, and an account may belong to hundreds of organizations.
        let visible = memberships
            .into_iter()
            .map(|m| self.visible_organization(token, login, scopes, available, m));
        let hidden = hidden_by_sso
            .into_iter()
            .map(|id| self.sso_hidden_organization(token, login, id));
        let mut findings: Vec<OrganizationFinding> = stream::iter(visible)
            .buffered(crate::CONCURRENT_REQUESTS)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        let hidden: Vec<_> = stream::iter(hidden)
            .buffered(crate::CONCURRENT_REQUESTS)
            .collect()
            .await;
        findings.extend(hidden.into_iter().collect::<Result<Vec<_>, _>>()?);
        findings.sort_by(|a, b| a.login.cmp(&b.login));
        Ok(findings)
    }

    async fn visible_organization(
        &self,
        token: &Token,
        login: &str,
        scopes: &ScopeCheck,
        available: &[Service],
        membership: MembershipBody,
    ) -> Result<OrganizationFinding, GithubError> {
        let org = membership.organization.login;
        let role = if membership.role == "admin" {
            OrgRole::Owner
        } else {
            OrgRole::Member
        };
        let mut finding = OrganizationFinding {
            login: org.clone(),
            database_id: Some(membership.organization.id),
            role: Some(role),
            access: OrgAccess::Ok,
            services: available.to_vec(),
            problem: None,
            sso_url: None,
            hidden_private_repos: None,
        };
        let details = match self
            .rest_get::<OrganizationBody>(token, &format!("/orgs/{org}"))
            .await
        {
            Ok(details) => details.body,
            Err(error) => return access_problem(finding, login, error),
        };
        if role == OrgRole::Member {
            finding.services.retain(|s| *s != Service::Webhooks);
            finding.problem = Some(format!(
                "{login} is a member of {org}, not an owner: every service but webhooks works there. Webhooks need an organization owner; ask an owner of {org} to make {login} an owner (Organization → People → Change role) and test the connection again."
            ));
        }
        if let Some(total) = details.total_private_repos {
            let seen = match self.visible_private_repository_count(token, &org).await {
                Ok(seen) => seen,
                Err(error) => return access_problem(finding, login, error),
            };
            let hidden = (total - seen).max(0);
            if hidden > 0 {
                finding.hidden_private_repos = Some(hidden);
                let hint = if scopes.has("repo") {
                    format!(
                        "{hidden} of the {total} private repositories of {org} are not visible to {login}: add {login} to them (or to a team that has access) so they can be imported."
                    )
                } else {
                    format!(
                        "The {total} private repositories of {org} are not visible because the token lacks the `repo` scope."
                    )
                };
                finding.problem = Some(match finding.problem.take() {
                    Some(before) => format!("{before} {hint}"),
                    None => hint,
                });
            }
        }
        Ok(finding)
    }

    /// An organization GitHub left out of a listing because of SAML SSO: asking for it
    /// by id yields the authorization URL.
    async fn sso_hidden_organization(
        &self,
        token: &Token,
        login: &str,
        id: i64,
    ) -> Result<OrganizationFinding, GithubError> {
        let finding = OrganizationFinding {
            login: format!("organization #{id}"),
            database_id: Some(id),
            role: None,
            access: OrgAccess::SsoRequired,
            services: Vec::new(),
            problem: None,
            sso_url: None,
            hidden_private_repos: None,
        };
        match self
            .rest_get::<serde_json::Value>(token, &format!("/organizations/{id}"))
            .await
        {
            Ok(_) => access_problem(
                finding,
                login,
                GithubError::SsoRequired {
                    organization: format!("organization #{id}"),
                    url: String::new(),
                },
            ),
            Err(error) => access_problem(finding, login, error),
        }
    }
}

const OAUTH_RESTRICTION_PHRASE: &str = "OAuth App access restrictions";

/// What is left once a member has asked for approval.
pub fn approval_requested_steps(org: &str) -> String {
    format!(
        "Approval for Tributary was requested from the owners of {org}; until one grants it, none of its data can be read. \
         An owner of {org} grants it under GitHub → Settings → Applications → Authorized OAuth Apps → Tributary (Grant), or in the organization's Settings → Third-party access → Tributary → Grant access. \
         Then refresh the groups (refreshGroups) and {org} shows up with its repositories."
    )
}

/// What a person does when an organization restricts OAuth apps, in the order it happens.
pub fn oauth_restriction_steps(org: &str, login: &str) -> String {
    format!(
        "{org} restricts OAuth apps and has not approved Tributary, so none of its data can be read. \
         1. {login} (or another member of {org}) asks for approval: GitHub → Settings → Applications → Authorized OAuth Apps → Tributary → Request, next to {org}. \
         2. An owner of {org} grants it there (Grant), or in the organization's Settings → Third-party access → Tributary → Grant access. \
         3. Then refresh the groups (refreshGroups) and {org} shows up with its repositories."
    )
}

/// Turns a per-organization failure into a finding; failures that concern the whole
/// token (bad credentials, GitHub unreachable, rate limits) end the test instead.
fn access_problem(
    mut finding: OrganizationFinding,
    login: &str,
    error: GithubError,
) -> Result<OrganizationFinding, GithubError> {
    finding.services.clear();
    match error {
        GithubError::SsoRequired { url, .. } => {
            // GitHub names the organization only inside the authorization URL.
            if let Some(organization) = crate::client::organization_from_sso_url(&url) {
                finding.login = organization;
            }
            let org = &finding.login;
            finding.access = OrgAccess::SsoRequired;
            let place = if url.is_empty() {
                "GitHub → Settings → Developer settings → Personal access tokens → Configure SSO"
                    .to_string()
            } else {
                url.clone()
            };
            finding.problem = Some(format!(
                "{org} enforces SAML single sign-on and the token is not authorized for it, so none of its data can be read. Authorize the token for {org} at {place}. A refreshed or regenerated token must be authorized again."
            ));
            finding.sso_url = (!url.is_empty()).then_some(url);
            Ok(finding)
        }
        GithubError::Forbidden { message, .. } if message.contains(OAUTH_RESTRICTION_PHRASE) => {
            let org = &finding.login;
            finding.access = OrgAccess::OAuthRestricted;
            finding.problem = Some(oauth_restriction_steps(org, login));
            Ok(finding)
        }
        GithubError::Forbidden { message, .. } => {
            let org = &finding.login;
            finding.access = OrgAccess::NotVisible;
            finding.problem = Some(format!(
                "GitHub refused access to {org} for {login}: {message}"
            ));
            Ok(finding)
        }
        GithubError::NotFound { .. } => {
            let org = &finding.login;
            finding.access = OrgAccess::NotVisible;
            finding.problem = Some(format!("{org} is not visible to {login} any more."));
            Ok(finding)
        }
        fatal => Err(fatal),
    }
}
