//! The connection test as the API shows it: the GitHub report, minus anything secret,
//! in GraphQL's vocabulary. Rows keep it as `entity::connection_test::ConnectionTest`,
//! the same fields as plain data; the two convert both ways below.

use async_graphql::{Enum, SimpleObject};
use entity::{connection_test as stored, group};
use github::ConnectionReport;

/// A switchable part of the product.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "github::Service")]
pub enum Service {
    /// Commits of the imported repositories.
    Repos,
    /// Pull requests, their reviews and comments.
    PullRequests,
    /// GitHub issues (shown only in the Work log).
    Tickets,
    /// Organization webhooks that keep data fresh between imports.
    Webhooks,
}

/// What kind of token the user gave, read from its prefix.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(name = "TokenKind", remote = "github::TokenKind")]
pub enum TokenKindView {
    /// `ghp_…` (or a legacy 40-hex token): supported.
    ClassicPersonalAccessToken,
    /// `github_pat_…`: refused; use a classic token.
    FineGrainedPersonalAccessToken,
    /// `gho_…`: an OAuth app token.
    #[graphql(name = "OAUTH")]
    OAuth,
    /// `ghu_`, `ghs_`, `ghr_`: refused.
    #[graphql(name = "GITHUB_APP")]
    GitHubApp,
    /// Not a documented shape; tried anyway, as GitHub treats tokens as opaque.
    Unknown,
}

/// The account's role in an organization.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "github::OrgRole")]
pub enum GroupRole {
    /// Every service works, webhooks included.
    Owner,
    /// Every service but webhooks works.
    Member,
}

/// Whether the token can reach a group's data.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "github::OrgAccess")]
pub enum GroupAccess {
    /// The token reads the organization's data.
    Ok,
    /// SAML SSO is enforced and the token is not authorized; see `ssoUrl`.
    SsoRequired,
    /// The organization restricts OAuth apps and has not approved Tributary; `problem`
    /// gives the steps (a member requests approval, an owner grants it, refreshGroups).
    #[graphql(name = "OAUTH_RESTRICTED")]
    OAuthRestricted,
    /// As `OAUTH_RESTRICTED`, and a member reported asking for approval
    /// (`reportOAuthApprovalRequested`); an owner still has to grant it.
    ApprovalRequested,
    /// GitHub refused or hid the organization; see `problem`.
    NotVisible,
}

/// A group row and a stored connection test keep the role, access, services and token
/// kind GitHub reported under the same names: these convert both ways, so GitHub's
/// types reach the entity's through them.
macro_rules! same_variants {
    ($name:ident = $stored:ty, [$($variant:ident),+]) => {
        impl From<$stored> for $name {
            fn from(stored: $stored) -> Self {
                match stored {
                    $(<$stored>::$variant => $name::$variant,)+
                }
            }
        }

        impl From<$name> for $stored {
            fn from(view: $name) -> Self {
                match view {
                    $($name::$variant => <$stored>::$variant,)+
                }
            }
        }
    };
}

same_variants!(GroupRole = group::GroupRole, [Owner, Member]);
same_variants!(
    GroupAccess = group::GroupAccess,
    [
        Ok,
        SsoRequired,
        OAuthRestricted,
        ApprovalRequested,
        NotVisible
    ]
);
same_variants!(
    Service = stored::Service,
    [Repos, PullRequests, Tickets, Webhooks]
);
same_variants!(
    TokenKindView = stored::TokenKind,
    [
        ClassicPersonalAccessToken,
        FineGrainedPersonalAccessToken,
        OAuth,
        GitHubApp,
        Unknown
    ]
);

/// Why a token cannot be used at all.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "github::ConnectionFailure")]
pub enum ConnectionFailure {
    /// The token field was empty.
    EmptyToken,
    /// A fine-grained personal access token: create a classic one.
    FineGrainedToken,
    /// A GitHub App token: create a classic personal access token.
    #[graphql(name = "GITHUB_APP_TOKEN")]
    GitHubAppToken,
    /// GitHub reported no OAuth scopes for it: not a classic token.
    NotClassicToken,
    /// GitHub refused the token (401): revoked, expired or mistyped.
    BadCredentials,
    /// Connected, but the token has none of the scopes Tributary needs.
    NoRequiredScope,
    /// GitHub could not be reached, timed out or failed; try again later.
    GithubUnavailable,
    /// GitHub's rate limit stopped the test; try again later.
    RateLimited,
    /// GitHub refused the test in another way; `message` quotes it.
    GithubRefused,
}

impl ConnectionFailure {
    /// GitHub was down or rate limiting: nothing about the token is known.
    pub fn is_outage(self) -> bool {
        github::ConnectionFailure::from(self).is_outage()
    }
}

same_variants!(
    ConnectionFailure = stored::ConnectionFailure,
    [
        EmptyToken,
        FineGrainedToken,
        GitHubAppToken,
        NotClassicToken,
        BadCredentials,
        NoRequiredScope,
        GithubUnavailable,
        RateLimited,
        GithubRefused
    ]
);

/// A required scope the token lacks.
#[derive(SimpleObject, Clone, Debug)]
pub struct MissingScope {
    /// The scope, as GitHub names it.
    pub scope: String,
    /// The services that cannot work without it.
    pub disables: Vec<Service>,
    /// What Tributary uses it for.
    pub why: String,
}

/// What the test found about one organization of the account.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct OrganizationFinding {
    /// The organization's login.
    pub login: String,
    /// The account's role; null when GitHub would not say (for example behind SSO).
    pub role: Option<GroupRole>,
    /// Whether the token can read the organization's data.
    pub access: GroupAccess,
    /// The services that work for this organization with this token.
    pub services: Vec<Service>,
    /// What is wrong, and what a person does about it.
    pub problem: Option<String>,
    /// Where to authorize the token for SAML single sign-on.
    pub sso_url: Option<String>,
    /// Private repositories of the organization the account cannot see.
    pub hidden_private_repos: Option<i64>,
    /// The test's token, which the finding's `issues` depend on.
    #[graphql(skip)]
    pub token: TokenSide,
}

/// What of a test's token every organization's issues depend on: its account, whether
/// it came through OAuth, and the scopes it lacks.
#[derive(Clone, Debug)]
pub struct TokenSide {
    pub account: String,
    pub oauth: bool,
    pub missing_scopes: Vec<github::MissingScope>,
}

impl TokenSide {
    /// From a stored test (an integration's last one, or an OAuth grant's).
    pub fn of(test: &stored::ConnectionTest) -> Self {
        TokenSide {
            account: test.login.clone().unwrap_or_default(),
            oauth: test.token_kind == stored::TokenKind::OAuth,
            missing_scopes: test
                .missing_scopes
                .iter()
                .map(|m| github::MissingScope {
                    scope: m.scope.clone(),
                    disables: m
                        .disables
                        .iter()
                        .map(|s| Service::from(*s).into())
                        .collect(),
                    why: m.why.clone(),
                })
                .collect(),
        }
    }

    fn of_report(report: &ConnectionReport) -> Self {
        TokenSide {
            account: report.login().unwrap_or_default().to_string(),
            oauth: report.token_kind == github::TokenKind::OAuth,
            missing_scopes: report.missing_scopes.clone(),
        }
    }
}

/// The result of testing a token against GitHub.
#[derive(SimpleObject, Clone, Debug)]
pub struct ConnectionTest {
    /// True when the token works for at least one service.
    pub ok: bool,
    /// `Successfully connected via <login>`, or what went wrong.
    pub message: String,
    /// The GitHub account the token belongs to.
    pub login: Option<String>,
    /// What kind of token it is, from its prefix.
    pub token_kind: TokenKindView,
    /// The scopes GitHub reported for the token.
    pub granted_scopes: Vec<String>,
    /// Required scopes the token lacks, each with the services it disables.
    pub missing_scopes: Vec<MissingScope>,
    /// The services this token can run.
    pub available_services: Vec<Service>,
    /// Every organization of the account: role, access, and what to do about problems.
    pub organizations: Vec<OrganizationFinding>,
    /// Every shortfall, one sentence each, in words a user can act on.
    pub warnings: Vec<String>,
    /// Why the token cannot be used at all, as a code; null when `ok`.
    pub failure: Option<ConnectionFailure>,
}

impl From<&ConnectionReport> for ConnectionTest {
    fn from(report: &ConnectionReport) -> Self {
        let token = TokenSide::of_report(report);
        ConnectionTest {
            ok: report.ok,
            message: report.message.clone(),
            login: report.login().map(str::to_string),
            token_kind: report.token_kind.into(),
            granted_scopes: report.granted_scopes.clone(),
            missing_scopes: report
                .missing_scopes
                .iter()
                .map(|m| MissingScope {
                    scope: m.scope.clone(),
                    disables: services(&m.disables),
                    why: m.why.clone(),
                })
                .collect(),
            available_services: services(&report.available_services),
            organizations: report
                .organizations
                .iter()
                .map(|o| OrganizationFinding {
                    login: o.login.clone(),
                    role: o.role.map(Into::into),
                    access: o.access.into(),
                    services: services(&o.services),
                    problem: o.problem.clone(),
                    sso_url: o.sso_url.clone(),
                    hidden_private_repos: o.hidden_private_repos,
                    token: token.clone(),
                })
                .collect(),
            warnings: report.warnings.clone(),
            failure: report.failure.map(Into::into),
        }
    }
}

/// As rows keep it (`integrations.last_test`, `oauth_grants.test`).
impl From<&ConnectionTest> for stored::ConnectionTest {
    fn from(test: &ConnectionTest) -> Self {
        stored::ConnectionTest {
            ok: test.ok,
            message: test.message.clone(),
            login: test.login.clone(),
            token_kind: test.token_kind.into(),
            granted_scopes: test.granted_scopes.clone(),
            missing_scopes: test
                .missing_scopes
                .iter()
                .map(|m| stored::MissingScope {
                    scope: m.scope.clone(),
                    disables: convert(&m.disables),
                    why: m.why.clone(),
                })
                .collect(),
            available_services: convert(&test.available_services),
            organizations: test
                .organizations
                .iter()
                .map(|o| stored::OrganizationFinding {
                    login: o.login.clone(),
                    role: o.role.map(Into::into),
                    access: o.access.into(),
                    services: convert(&o.services),
                    problem: o.problem.clone(),
                    sso_url: o.sso_url.clone(),
                    hidden_private_repos: o.hidden_private_repos,
                })
                .collect(),
            warnings: test.warnings.clone(),
            failure: test.failure.map(Into::into),
        }
    }
}

impl From<stored::ConnectionTest> for ConnectionTest {
    fn from(test: stored::ConnectionTest) -> Self {
        let token = TokenSide::of(&test);
        ConnectionTest {
            ok: test.ok,
            message: test.message,
            login: test.login,
            token_kind: test.token_kind.into(),
            granted_scopes: test.granted_scopes,
            missing_scopes: test
                .missing_scopes
                .into_iter()
                .map(|m| MissingScope {
                    scope: m.scope,
                    disables: convert(&m.disables),
                    why: m.why,
                })
                .collect(),
            available_services: convert(&test.available_services),
            organizations: test
                .organizations
                .into_iter()
                .map(|o| OrganizationFinding {
                    login: o.login,
                    role: o.role.map(Into::into),
                    access: o.access.into(),
                    services: convert(&o.services),
                    problem: o.problem,
                    sso_url: o.sso_url,
                    hidden_private_repos: o.hidden_private_repos,
                    token: token.clone(),
                })
                .collect(),
            warnings: test.warnings,
            failure: test.failure.map(Into::into),
        }
    }
}

fn convert<A: Copy + Into<B>, B>(list: &[A]) -> Vec<B> {
    list.iter().copied().map(Into::into).collect()
}

pub fn services(list: &[github::Service]) -> Vec<Service> {
    list.iter().copied().map(Into::into).collect()
}
