//! Troubleshooting as data: a group's (or a connection test finding's) services and
//! issues in GraphQL's vocabulary. The codes, actors and GitHub pages are decided by
//! `github::connection_test::issues`; this only gathers its inputs (the group's row,
//! the integration's last connection test, GitHub's web base and the OAuth app) and
//! converts the answer.

use async_graphql::{ComplexObject, Context, Enum, Result, SimpleObject, dataloader::DataLoader};
use entity::{connection_test as stored, group};
use github::connection_test::issues::{self, GroupFacts, TokenFacts, WebPages};

use super::{
    connection_test::{GroupAccess, GroupRole, OrganizationFinding, Service, TokenSide},
    loaders::{IntegrationById, StoreLoader},
};
use crate::{error::ApiError, integrations::service::Integrations, oauth::flow::OAuthFlow};

/// What keeps a service or repositories of a group from Tributary; one code per way it
/// is fixed. docs/connection-test.md says what each one asks of whom.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "github::connection_test::issues::IssueCode")]
pub enum GroupIssueCode {
    /// The account is a member of the organization, not an owner: every service but
    /// webhooks works. An owner makes the account an owner on the people page.
    MemberNotOwner,
    /// The organization enforces SAML single sign-on and the token is not authorized for
    /// it. The account authorizes it at `actionUrl`; a refreshed or regenerated token
    /// must be authorized again.
    SsoNotAuthorized,
    /// The organization restricts OAuth apps and has not approved Tributary. The account
    /// requests approval (an owner grants it) on Tributary's page among its authorized
    /// OAuth apps, then reports it with `reportOAuthApprovalRequested`.
    #[graphql(name = "OAUTH_APP_NOT_APPROVED")]
    OAuthAppNotApproved,
    /// Approval was requested; an owner grants it on the organization's third-party
    /// access page.
    ApprovalRequested,
    /// Private repositories of the organization are not visible to the account (`count`
    /// says how many). An owner adds the account to them or to a team that has access.
    PrivateRepositoriesHidden,
    /// The token lacks `scope`, which the services in `disables` need. A personal access
    /// token gets it on GitHub's token page; an OAuth integration connects again.
    MissingScope,
    /// GitHub refuses or hides the organization for another reason. An owner checks the
    /// account's membership and the organization's token policies.
    NotVisible,
}

/// Who must act on an issue.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "github::connection_test::issues::Actor")]
pub enum IssueActor {
    /// The connected GitHub account, on its own settings pages: whoever holds it (the
    /// person connecting, or the service account's keeper).
    Account,
    /// An owner of the organization: the product shows the link to pass on.
    OrganizationOwner,
}

/// One shortfall of a group, as a code a screen can act on.
#[derive(SimpleObject, Clone, Debug)]
pub struct GroupIssue {
    /// What is wrong; stable, for the screen to choose its text and action.
    pub code: GroupIssueCode,
    /// What is wrong and what to do, in English, for a person to read.
    pub message: String,
    /// The GitHub page where it is fixed; null when the fix is not on GitHub (an OAuth
    /// integration missing a scope connects through OAuth again).
    pub action_url: Option<String>,
    /// Who must act: the connected account, or an owner of the organization.
    pub actor: IssueActor,
    /// The missing scope, as GitHub names it (`MISSING_SCOPE` only).
    pub scope: Option<String>,
    /// How many private repositories are hidden (`PRIVATE_REPOSITORIES_HIDDEN` only).
    pub count: Option<i64>,
    /// The services this issue keeps from working in the group.
    pub disables: Vec<Service>,
}

impl From<issues::GroupIssue> for GroupIssue {
    fn from(issue: issues::GroupIssue) -> Self {
        GroupIssue {
            code: issue.code.into(),
            message: issue.message,
            action_url: issue.action_url,
            actor: issue.actor.into(),
            scope: issue.scope,
            count: issue.count,
            disables: super::connection_test::services(&issue.disables),
        }
    }
}

/// GitHub's web base and Tributary's OAuth app, as this deployment is configured.
struct Web {
    base: String,
    oauth_client_id: Option<String>,
}

impl Web {
    fn of(ctx: &Context<'_>) -> Result<Web> {
        Ok(Web {
            base: ctx.data::<Integrations>()?.github().endpoints().web.clone(),
            oauth_client_id: ctx.data::<OAuthFlow>()?.client_id().map(str::to_string),
        })
    }

    fn pages(&self) -> WebPages<'_> {
        WebPages {
            base: &self.base,
            oauth_client_id: self.oauth_client_id.as_deref(),
        }
    }
}

fn derive(ctx: &Context<'_>, group: GroupFacts, token: &TokenSide) -> Result<Vec<GroupIssue>> {
    let web = Web::of(ctx)?;
    let token = TokenFacts {
        account: &token.account,
        oauth: token.oauth,
        missing_scopes: &token.missing_scopes,
    };
    Ok(issues::group_issues(&group, &token, &web.pages())
        .into_iter()
        .map(Into::into)
        .collect())
}

/// The issues of a stored group, from its row and its integration's last test.
pub(super) async fn of_group(ctx: &Context<'_>, row: &group::Model) -> Result<Vec<GroupIssue>> {
    match last_test(ctx, row).await? {
        Some(test) => derive(ctx, facts(row), &TokenSide::of(&test)),
        None => Ok(Vec::new()),
    }
}

/// The services that work in a stored group: none while its data cannot be read, and
/// of those the integration's last test allows, all for an owner (the account itself
/// included) and all but webhooks otherwise.
pub(super) async fn services_of(ctx: &Context<'_>, row: &group::Model) -> Result<Vec<Service>> {
    let Some(test) = last_test(ctx, row).await? else {
        return Ok(Vec::new());
    };
    let available: Vec<github::Service> = test
        .available_services
        .iter()
        .map(|s| Service::from(*s).into())
        .collect();
    let facts = facts(row);
    Ok(super::connection_test::services(
        &github::connection_test::organizations::services_in(facts.role, facts.access, &available),
    ))
}

/// The group's integration's last connection test; `None` when the integration was
/// deleted meanwhile (its groups go with it).
async fn last_test(
    ctx: &Context<'_>,
    row: &group::Model,
) -> Result<Option<stored::ConnectionTest>> {
    let integration = ctx
        .data::<DataLoader<StoreLoader>>()?
        .load_one(IntegrationById(row.integration_id.clone()))
        .await
        .map_err(|error| {
            ApiError::Internal(anyhow::anyhow!("loading a group's integration: {error}"))
                .into_graphql()
        })?;
    Ok(integration.map(|i| i.last_test))
}

fn facts(row: &group::Model) -> GroupFacts<'_> {
    GroupFacts {
        organization: (row.kind == group::GroupKind::Organization).then_some(row.login.as_str()),
        role: row.role.map(|r| GroupRole::from(r).into()),
        access: GroupAccess::from(row.access).into(),
        sso_url: row.sso_url.as_deref(),
        hidden_private_repos: row.hidden_private_repos,
    }
}

#[ComplexObject]
impl OrganizationFinding {
    /// What keeps services or repositories of this organization from Tributary, as
    /// codes with who acts and where; the same codes the group shows once the
    /// integration exists.
    async fn issues(&self, ctx: &Context<'_>) -> Result<Vec<GroupIssue>> {
        let group = GroupFacts {
            organization: Some(&self.login),
            role: self.role.map(Into::into),
            access: self.access.into(),
            sso_url: self.sso_url.as_deref(),
            hidden_private_repos: self.hidden_private_repos,
        };
        derive(ctx, group, &self.token)
    }
}
