//! The connection test's shortfalls as data a screen acts on: for one group (an
//! organization, or the account itself), each thing that keeps a service or a
//! repository from Tributary there, as a stable code with the GitHub page where it is
//! fixed and who must act. [`organizations`](super::organizations) words the same
//! findings as sentences (`problem`); this module derives the codes from the facts the
//! test and the stored groups keep, so it reads no network and stores nothing.

use super::{
    organizations::{OrgAccess, OrgRole},
    scopes::{MissingScope, Service},
};

/// What is wrong in a group, one code per way it is fixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IssueCode {
    /// The account is a member, not an owner: webhooks need an owner.
    MemberNotOwner,
    /// SAML SSO is enforced and the token is not authorized for the organization.
    SsoNotAuthorized,
    /// The organization restricts OAuth apps and has not approved Tributary.
    OAuthAppNotApproved,
    /// As `OAuthAppNotApproved`, and a member has asked the owners for approval.
    ApprovalRequested,
    /// Private repositories of the organization the account cannot see.
    PrivateRepositoriesHidden,
    /// The token lacks a scope that a service needs.
    MissingScope,
    /// GitHub refused or hid the organization for another reason.
    NotVisible,
}

/// Who must act on an issue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Actor {
    /// The connected GitHub account (whoever holds it, on its own settings pages).
    Account,
    /// An owner of the organization.
    OrganizationOwner,
}

/// One shortfall of a group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupIssue {
    pub code: IssueCode,
    /// What is wrong and what the actor does, for a person to read.
    pub message: String,
    /// The GitHub page where it is fixed; `None` when the fix is not on GitHub
    /// (reconnecting an OAuth integration).
    pub action_url: Option<String>,
    pub actor: Actor,
    /// The missing scope (`MissingScope` only).
    pub scope: Option<String>,
    /// How many private repositories are hidden (`PrivateRepositoriesHidden` only).
    pub count: Option<i64>,
    /// The services the issue keeps from working in the group.
    pub disables: Vec<Service>,
}

/// What a group's issues are derived from: its row, or a connection test's finding.
#[derive(Clone, Copy, Debug)]
pub struct GroupFacts<'a> {
    /// The organization's login; `None` for the account itself.
    pub organization: Option<&'a str>,
    pub role: Option<OrgRole>,
    pub access: OrgAccess,
    pub sso_url: Option<&'a str>,
    pub hidden_private_repos: Option<i64>,
}

/// What of the token matters to every group.
#[derive(Clone, Copy, Debug)]
pub struct TokenFacts<'a> {
    /// The account's login, for the messages.
    pub account: &'a str,
    /// The token came from Tributary's OAuth app (`gho_…`), not pasted.
    pub oauth: bool,
    pub missing_scopes: &'a [MissingScope],
}

/// GitHub's web pages where issues are fixed, under its web base
/// (`TRIBUTARY_GITHUB_WEB_URL`: github.com, or the simulator standing in for it).
#[derive(Clone, Copy, Debug)]
pub struct WebPages<'a> {
    pub base: &'a str,
    /// Tributary's OAuth app, when this deployment has one.
    pub oauth_client_id: Option<&'a str>,
}

impl WebPages<'_> {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base.trim_end_matches('/'))
    }

    /// An organization's members and their roles (owners change roles and access there).
    pub fn people(&self, org: &str) -> String {
        self.url(&format!("/orgs/{org}/people"))
    }

    /// An organization's third-party access policy, where owners grant OAuth apps.
    pub fn third_party_access(&self, org: &str) -> String {
        self.url(&format!(
            "/organizations/{org}/settings/oauth_application_policy"
        ))
    }

    /// Tributary's page among the account's authorized OAuth apps, where a member
    /// requests an organization's approval (and an owner grants it); the list of
    /// authorized apps when the client id is not known.
    pub fn app_connection(&self) -> String {
        match self.oauth_client_id {
            Some(id) => self.url(&format!("/settings/connections/applications/{id}")),
            None => self.url("/settings/applications"),
        }
    }

    /// The account's personal access tokens: scopes are added, and tokens authorized
    /// for SAML SSO (Configure SSO), there.
    pub fn tokens(&self) -> String {
        self.url("/settings/tokens")
    }
}

fn labels(services: &[Service]) -> String {
    services
        .iter()
        .map(|s| s.label())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every issue of a group, the ones that block all of its data first.
pub fn group_issues(group: &GroupFacts, token: &TokenFacts, web: &WebPages) -> Vec<GroupIssue> {
    let account = token.account;
    let issue =
        |code, actor, action_url: Option<String>, disables: &[Service], message| GroupIssue {
            code,
            message,
            action_url,
            actor,
            scope: None,
            count: None,
            disables: disables.to_vec(),
        };
    let mut issues = Vec::new();
    if let Some(org) = group.organization {
        let all = &Service::ALL;
        let access = match group.access {
            OrgAccess::Ok => None,
            OrgAccess::SsoRequired => Some(issue(
                IssueCode::SsoNotAuthorized,
                Actor::Account,
                Some(group.sso_url.map(str::to_string).unwrap_or_else(|| {
                    if token.oauth {
                        web.app_connection()
                    } else {
                        web.tokens()
                    }
                })),
                all,
                format!(
                    "{org} enforces SAML single sign-on and the token is not authorized for it, so none of its data can be read. {account} authorizes it for {org}; a refreshed or regenerated token must be authorized again."
                ),
            )),
            OrgAccess::OAuthRestricted => Some(issue(
                IssueCode::OAuthAppNotApproved,
                Actor::Account,
                Some(web.app_connection()),
                all,
                if group.role == Some(OrgRole::Owner) {
                    format!(
                        "{org} restricts OAuth apps and has not approved Tributary, so none of its data can be read. {account}, an owner of {org}, grants it next to {org} on Tributary's page among the authorized OAuth apps."
                    )
                } else {
                    format!(
                        "{org} restricts OAuth apps and has not approved Tributary, so none of its data can be read. {account} requests approval next to {org} on Tributary's page among the authorized OAuth apps; an owner of {org} then grants it."
                    )
                },
            )),
            OrgAccess::ApprovalRequested => Some(issue(
                IssueCode::ApprovalRequested,
                Actor::OrganizationOwner,
                Some(web.third_party_access(org)),
                all,
                format!(
                    "Approval for Tributary was requested from the owners of {org}; until one grants it in the organization's third-party access settings, none of its data can be read."
                ),
            )),
            OrgAccess::NotVisible => Some(issue(
                IssueCode::NotVisible,
                Actor::OrganizationOwner,
                Some(web.people(org)),
                all,
                format!(
                    "GitHub refuses or hides {org} from {account}: an owner of {org} checks that {account} is still a member and that the organization accepts its kind of token."
                ),
            )),
        };
        issues.extend(access);
        if group.role == Some(OrgRole::Member) {
            issues.push(issue(
                IssueCode::MemberNotOwner,
                Actor::OrganizationOwner,
                Some(web.people(org)),
                &[Service::Webhooks],
                format!(
                    "{account} is a member of {org}, not an owner: every service but webhooks works there. Webhooks need an organization owner; an owner of {org} makes {account} an owner (People → Change role)."
                ),
            ));
        }
    }
    for missing in token
        .missing_scopes
        .iter()
        .filter(|m| !m.disables.is_empty())
    {
        let scope = &missing.scope;
        let effect = labels(&missing.disables);
        let (action_url, message) = if token.oauth {
            (
                None,
                format!(
                    "Tributary's OAuth authorization lacks the `{scope}` scope, so {effect} cannot work. Connect through OAuth again to grant it."
                ),
            )
        } else {
            (
                Some(web.tokens()),
                format!(
                    "The token lacks the `{scope}` scope, so {effect} cannot work. Add it to the token (or regenerate the token with it)."
                ),
            )
        };
        issues.push(GroupIssue {
            scope: Some(scope.clone()),
            ..issue(
                IssueCode::MissingScope,
                Actor::Account,
                action_url,
                &missing.disables,
                message,
            )
        });
    }
    // Without `repo` no private repository is visible at all; that scope's issue is the fix.
    let repo_missing = token.missing_scopes.iter().any(|m| m.scope == "repo");
    if let (Some(org), Some(count)) = (group.organization, group.hidden_private_repos)
        && count > 0
        && !repo_missing
    {
        issues.push(GroupIssue {
            count: Some(count),
            ..issue(
                IssueCode::PrivateRepositoriesHidden,
                Actor::OrganizationOwner,
                Some(web.people(org)),
                &[],
                format!(
                    "{count} private repositories of {org} are not visible to {account}: an owner of {org} adds {account} to them (or to a team that has access) so they can be imported."
                ),
            )
        });
    }
    issues
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection_test::scopes::{ScopeCheck, parse_scope_header};

    const WEB: WebPages = WebPages {
        base: "https://github.com",
        oauth_client_id: Some("Iv1.abc"),
    };

    fn org(role: Option<OrgRole>, access: OrgAccess) -> GroupFacts<'static> {
        GroupFacts {
            organization: Some("acme"),
            role,
            access,
            sso_url: None,
            hidden_private_repos: None,
        }
    }

    fn token(oauth: bool, missing: &[MissingScope]) -> TokenFacts<'_> {
        TokenFacts {
            account: "svc",
            oauth,
            missing_scopes: missing,
        }
    }

    fn codes(issues: &[GroupIssue]) -> Vec<(IssueCode, Actor, Option<&str>)> {
        issues
            .iter()
            .map(|i| (i.code, i.actor, i.action_url.as_deref()))
            .collect()
    }

    #[test]
    fn an_owner_with_every_scope_has_none() {
        let facts = org(Some(OrgRole::Owner), OrgAccess::Ok);
        assert!(group_issues(&facts, &token(false, &[]), &WEB).is_empty());
    }

    #[test]
    fn a_member_needs_an_owner_on_the_people_page() {
        let facts = org(Some(OrgRole::Member), OrgAccess::Ok);
        let issues = group_issues(&facts, &token(false, &[]), &WEB);
        assert_eq!(
            codes(&issues),
            [(
                IssueCode::MemberNotOwner,
                Actor::OrganizationOwner,
                Some("https://github.com/orgs/acme/people")
            )]
        );
        assert_eq!(issues[0].disables, [Service::Webhooks]);
    }

    #[test]
    fn sso_points_at_the_stored_url_or_where_tokens_are_authorized() {
        let mut facts = org(None, OrgAccess::SsoRequired);
        let issues = group_issues(&facts, &token(false, &[]), &WEB);
        assert_eq!(
            codes(&issues),
            [(
                IssueCode::SsoNotAuthorized,
                Actor::Account,
                Some("https://github.com/settings/tokens")
            )]
        );
        facts.sso_url = Some("https://github.com/orgs/acme/sso?authorization_request=x");
        let issues = group_issues(&facts, &token(false, &[]), &WEB);
        assert_eq!(issues[0].action_url.as_deref(), facts.sso_url);
        assert_eq!(issues[0].disables, Service::ALL);
    }

    #[test]
    fn oauth_approval_is_requested_by_the_account_then_granted_by_an_owner() {
        let facts = org(Some(OrgRole::Member), OrgAccess::OAuthRestricted);
        let issues = group_issues(&facts, &token(true, &[]), &WEB);
        assert_eq!(
            codes(&issues)[0],
            (
                IssueCode::OAuthAppNotApproved,
                Actor::Account,
                Some("https://github.com/settings/connections/applications/Iv1.abc")
            )
        );
        let facts = org(Some(OrgRole::Member), OrgAccess::ApprovalRequested);
        let issues = group_issues(&facts, &token(true, &[]), &WEB);
        assert_eq!(
            codes(&issues)[0],
            (
                IssueCode::ApprovalRequested,
                Actor::OrganizationOwner,
                Some("https://github.com/organizations/acme/settings/oauth_application_policy")
            )
        );
        let unknown_app = WebPages {
            oauth_client_id: None,
            ..WEB
        };
        assert_eq!(
            unknown_app.app_connection(),
            "https://github.com/settings/applications"
        );
    }

    #[test]
    fn missing_scopes_that_disable_a_service_are_one_issue_each() {
        let check = ScopeCheck::new(parse_scope_header("repo, read:org"));
        let facts = GroupFacts {
            organization: None,
            ..org(Some(OrgRole::Owner), OrgAccess::Ok)
        };
        let issues = group_issues(&facts, &token(false, &check.missing), &WEB);
        let scopes: Vec<&str> = issues.iter().filter_map(|i| i.scope.as_deref()).collect();
        // `user` disables nothing, so it is a warning only.
        assert_eq!(scopes, ["admin:org", "admin:org_hook"]);
        assert!(issues.iter().all(|i| i.code == IssueCode::MissingScope
            && i.actor == Actor::Account
            && i.action_url.as_deref() == Some("https://github.com/settings/tokens")));
        let oauth = group_issues(&facts, &token(true, &check.missing), &WEB);
        assert!(oauth.iter().all(|i| i.action_url.is_none()));
    }

    #[test]
    fn hidden_private_repositories_count_unless_repo_is_missing() {
        let facts = GroupFacts {
            hidden_private_repos: Some(3),
            ..org(Some(OrgRole::Owner), OrgAccess::Ok)
        };
        let issues = group_issues(&facts, &token(false, &[]), &WEB);
        assert_eq!(issues[0].code, IssueCode::PrivateRepositoriesHidden);
        assert_eq!(issues[0].count, Some(3));
        assert_eq!(issues[0].actor, Actor::OrganizationOwner);
        let check = ScopeCheck::new(parse_scope_header(
            "admin:org, admin:repo_hook, admin:org_hook, user",
        ));
        let issues = group_issues(&facts, &token(false, &check.missing), &WEB);
        assert_eq!(
            issues.iter().map(|i| i.code).collect::<Vec<_>>(),
            [IssueCode::MissingScope]
        );
    }

    #[test]
    fn not_visible_asks_an_owner() {
        let facts = org(None, OrgAccess::NotVisible);
        assert_eq!(
            codes(&group_issues(&facts, &token(false, &[]), &WEB)),
            [(
                IssueCode::NotVisible,
                Actor::OrganizationOwner,
                Some("https://github.com/orgs/acme/people")
            )]
        );
    }
}
