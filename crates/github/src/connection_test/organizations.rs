//! The connection test's verdict on each organization of the account: its role there,
//! and whether SAML SSO, an OAuth-app restriction (and a pending approval) or
//! GitHub's visibility keep the token from its data — with the steps a person takes.

use futures_util::{StreamExt, stream};
use serde::Deserialize;

use super::scopes::{ScopeCheck, Service};
use crate::{
    client::{CONCURRENT_REQUESTS, GithubClient, organization_from_sso_url},
    error::GithubError,
    token::Token,
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
    /// Every organization of the account, visible or hidden by SSO, ordered by login.
    pub(super) async fn organization_findings(
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
            .buffered(CONCURRENT_REQUESTS)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        let hidden: Vec<_> = stream::iter(hidden)
            .buffered(CONCURRENT_REQUESTS)
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
        finding.services = services_in(Some(role), OrgAccess::Ok, available);
        if role == OrgRole::Member {
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

/// The services that work in an organization (or the account itself, an owner of its
/// own repositories) with a token that allows `available`: none while its data cannot
/// be read, all of them for an owner, every one but webhooks otherwise (organization
/// hooks need an owner).
pub fn services_in(
    role: Option<OrgRole>,
    access: OrgAccess,
    available: &[Service],
) -> Vec<Service> {
    if access != OrgAccess::Ok {
        return Vec::new();
    }
    available
        .iter()
        .copied()
        .filter(|s| *s != Service::Webhooks || role == Some(OrgRole::Owner))
        .collect()
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
            if let Some(organization) = organization_from_sso_url(&url) {
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
