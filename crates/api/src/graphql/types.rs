//! GraphQL object types over the stored rows.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{group, integration};

use super::node_id::{self, NodeKind};
use crate::{
    error::{ApiError, IntoGraphQl},
    integrations::{
        queries::{self, RepositoryScope},
        switches::{ServiceChange, ServiceSwitches},
    },
};

use super::connection_test::{ConnectionTest, GroupAccess, GroupRole, Service, TokenKindView};
use super::cursor::{OrderDirection, Page, PageLimits, PageRequest};
// Re-exported for the modules that knew it here before it moved beside its runs.
pub(super) use super::import_types::Repository;
use super::loaders::{GroupsOf, RepositoryCount, RepositoryPage, load};

/// How an integration authenticates to GitHub.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "integration::AuthKind")]
pub enum AuthKind {
    /// A classic personal access token.
    Token,
    /// An OAuth app grant.
    #[graphql(name = "OAUTH")]
    OAuth,
}

/// What owns a group's repositories.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "group::GroupKind")]
pub enum GroupKind {
    /// A GitHub organization the account belongs to.
    Organization,
    /// The connected account itself.
    User,
}

/// Which services an integration runs.
#[derive(SimpleObject, Clone, Copy, Debug)]
pub struct Services {
    /// Commits of the imported repositories.
    pub repos: bool,
    /// Pull requests, reviews and their comments.
    pub pull_requests: bool,
    /// GitHub issues, shown only in the Work log.
    pub tickets: bool,
    /// Organization webhooks (only where the account is an owner).
    pub webhooks: bool,
}

/// Switches to change; a field left out keeps its current value.
#[derive(InputObject, Clone, Copy, Debug, Default)]
pub struct ServicesInput {
    /// Commits of the imported repositories.
    pub repos: Option<bool>,
    /// Pull requests, reviews and their comments.
    pub pull_requests: Option<bool>,
    /// GitHub issues, shown only in the Work log.
    pub tickets: Option<bool>,
    /// Organization webhooks (only where the account is an owner).
    pub webhooks: Option<bool>,
}

impl From<ServicesInput> for ServiceChange {
    fn from(input: ServicesInput) -> Self {
        ServiceChange {
            repos: input.repos,
            pull_requests: input.pull_requests,
            tickets: input.tickets,
            webhooks: input.webhooks,
        }
    }
}

pub struct Integration(pub integration::Model);

/// A token's GraphQL rate limit, as GitHub's last answer gave it.
#[derive(SimpleObject, Clone, Debug)]
pub struct GithubRateLimit {
    /// Points left until the reset.
    pub remaining: i64,
    /// When GitHub gives the token its hour's points again.
    pub reset_at: DateTime<Utc>,
}

/// A GitHub connection. Its token is stored encrypted and never returned.
#[Object]
impl Integration {
    /// The integration's global id.
    pub(crate) async fn id(&self) -> ID {
        node_id::encode(NodeKind::Integration, &self.0.id)
    }

    /// Shown in the product's list of integrations.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// How it authenticates to GitHub.
    async fn auth_kind(&self) -> AuthKind {
        self.0.auth_kind.into()
    }

    /// The GitHub account the token belongs to.
    async fn login(&self) -> &str {
        &self.0.login
    }

    /// The kind of token stored (never the token itself).
    async fn token_kind(&self) -> TokenKindView {
        self.0.last_test.token_kind.into()
    }

    /// The scopes GitHub reported at the last successful test.
    async fn granted_scopes(&self) -> Vec<String> {
        github::connection_test::scopes::parse_scope_header(&self.0.granted_scopes)
    }

    /// Where regular and robust comments start (thoroughly reviewed pull requests
    /// need a regular or robust comment by a reviewer); `setCommentRobustness` changes it.
    async fn comment_robustness(&self) -> CommentRobustness {
        CommentRobustness {
            regular_from: self.0.comment_regular_from,
            robust_from: self.0.comment_robust_from,
        }
    }

    /// Which services run.
    async fn services(&self) -> Services {
        let s = ServiceSwitches::of(&self.0);
        Services {
            repos: s.repos,
            pull_requests: s.pull_requests,
            tickets: s.tickets,
            webhooks: s.webhooks,
        }
    }

    /// The services the token allows, from the last connection test.
    async fn available_services(&self) -> Vec<Service> {
        self.0
            .last_test
            .available_services
            .iter()
            .copied()
            .map(Into::into)
            .collect()
    }

    /// The last connection test, as `testConnection` answered it.
    async fn last_connection_test(&self) -> ConnectionTest {
        self.0.last_test.clone().into()
    }

    /// When the connection was last tested.
    async fn last_tested_at(&self) -> DateTime<Utc> {
        self.0.last_tested_at
    }

    /// When the integration was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the integration last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// The token's GraphQL rate limit as GitHub last reported it to this deployment's
    /// workers: the points left and when they reset. Null before any import answer,
    /// once the reset has passed, or when the token cannot be read. While it is spent,
    /// runs wait (`ImportRun.wait`).
    async fn rate_limit(&self, ctx: &Context<'_>) -> Result<Option<GithubRateLimit>> {
        let Ok(token) = ctx
            .data::<crate::integrations::service::Integrations>()?
            .token_of(&self.0)
        else {
            return Ok(None);
        };
        let budget = &ctx.data::<queue::Queue>()?.budget;
        let reading = budget
            .reading(&queue::budget::budget_key(&token))
            .await
            .map_err(|e| ApiError::Internal(e).into_graphql())?;
        Ok(reading
            .filter(|reading| reading.reset_at > Utc::now())
            .map(|reading| GithubRateLimit {
                remaining: reading.remaining,
                reset_at: reading.reset_at,
            }))
    }

    /// The account itself and its organizations, with the account's role and access in each.
    async fn groups(&self, ctx: &Context<'_>) -> Result<Vec<Group>> {
        let groups = load(ctx, GroupsOf(self.0.id.clone())).await?;
        Ok(groups.unwrap_or_default().into_iter().map(Group).collect())
    }

    /// The repositories of every group, or of one group, that pass the filters; by
    /// owner and name unless `orderBy` says otherwise.
    #[allow(clippy::too_many_arguments)]
    async fn repositories(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The `endCursor` of the page before (paging forward).")] after: Option<
            String,
        >,
        #[graphql(desc = "The `startCursor` of the page after (paging backward).")] before: Option<
            String,
        >,
        #[graphql(desc = "How many from the start (or after `after`), at most 100.")] first: Option<
            i32,
        >,
        #[graphql(desc = "How many from the end (or before `before`), at most 100.")] last: Option<
            i32,
        >,
        #[graphql(desc = "Only this group's repositories.")] group: Option<ID>,
        #[graphql(desc = "Part of the name, case-insensitive; with a `/`, part of `owner/name`.")]
        query: Option<String>,
        #[graphql(desc = "Only private (true) or only public (false) repositories.")]
        is_private: Option<bool>,
        #[graphql(desc = "Only archived (true) or only active (false) repositories.")]
        is_archived: Option<bool>,
        #[graphql(
            desc = "Only repositories chosen for import (true), or only the others (false)."
        )]
        selected: Option<bool>,
        #[graphql(desc = "How to sort; by name, ascending, when left out.")] order_by: Option<
            RepositoryOrder,
        >,
    ) -> Result<RepositoryConnection> {
        let scope = RepositoryScope {
            integration_id: self.0.id.clone(),
            group_id: group
                .map(|id| node_id::decode(&id, NodeKind::Group))
                .transpose()
                .gql()?,
        };
        let filter = repository_filter(query, is_private, is_archived, selected)?;
        repositories_page(ctx, scope, filter, order_by, after, before, first, last).await
    }

    /// Tributary's webhook in each organization: whether it exists, or why not.
    async fn webhooks(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<super::webhook_types::OrganizationWebhook>> {
        super::webhook_types::webhooks_of(ctx, &self.0.id).await
    }
}

pub struct Group(pub group::Model);

/// An owner of repositories: an organization, or the account itself.
#[Object]
impl Group {
    /// The group's global id.
    pub(crate) async fn id(&self) -> ID {
        node_id::encode(NodeKind::Group, &self.0.id)
    }

    /// The organization's or the account's login.
    async fn login(&self) -> &str {
        &self.0.login
    }

    /// An organization, or the account itself.
    async fn kind(&self) -> GroupKind {
        self.0.kind.into()
    }

    /// The account's role; null when GitHub would not say.
    async fn role(&self) -> Option<GroupRole> {
        self.0.role.map(Into::into)
    }

    /// Whether the token can read the group's data.
    async fn access(&self) -> GroupAccess {
        self.0.access.into()
    }

    /// What is wrong with this group, and what a person does about it.
    async fn problem(&self) -> Option<&str> {
        self.0.problem.as_deref()
    }

    /// Where to authorize the token for this organization's SAML single sign-on.
    async fn sso_url(&self) -> Option<&str> {
        self.0.sso_url.as_deref()
    }

    /// Private repositories of the organization the account cannot see.
    async fn hidden_private_repos(&self) -> Option<i64> {
        self.0.hidden_private_repos
    }

    /// The services that work in this group with this integration's token.
    async fn services(&self, ctx: &Context<'_>) -> Result<Vec<Service>> {
        super::group_issues::services_of(ctx, &self.0).await
    }

    /// What keeps services or repositories of this group from Tributary, as codes with
    /// who acts and the GitHub page where; empty when nothing does.
    async fn issues(&self, ctx: &Context<'_>) -> Result<Vec<super::group_issues::GroupIssue>> {
        super::group_issues::of_group(ctx, &self.0).await
    }

    /// When the group was last read from GitHub.
    async fn refreshed_at(&self) -> DateTime<Utc> {
        self.0.refreshed_at
    }

    /// The group's repositories that pass the filters; by name unless `orderBy` says
    /// otherwise.
    #[allow(clippy::too_many_arguments)]
    async fn repositories(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The `endCursor` of the page before (paging forward).")] after: Option<
            String,
        >,
        #[graphql(desc = "The `startCursor` of the page after (paging backward).")] before: Option<
            String,
        >,
        #[graphql(desc = "How many from the start (or after `after`), at most 100.")] first: Option<
            i32,
        >,
        #[graphql(desc = "How many from the end (or before `before`), at most 100.")] last: Option<
            i32,
        >,
        #[graphql(desc = "Part of the name, case-insensitive; with a `/`, part of `owner/name`.")]
        query: Option<String>,
        #[graphql(desc = "Only private (true) or only public (false) repositories.")]
        is_private: Option<bool>,
        #[graphql(desc = "Only archived (true) or only active (false) repositories.")]
        is_archived: Option<bool>,
        #[graphql(
            desc = "Only repositories chosen for import (true), or only the others (false)."
        )]
        selected: Option<bool>,
        #[graphql(desc = "How to sort; by name, ascending, when left out.")] order_by: Option<
            RepositoryOrder,
        >,
    ) -> Result<RepositoryConnection> {
        let scope = RepositoryScope {
            integration_id: self.0.integration_id.clone(),
            group_id: Some(self.0.id.clone()),
        };
        let filter = repository_filter(query, is_private, is_archived, selected)?;
        repositories_page(ctx, scope, filter, order_by, after, before, first, last).await
    }
}

pub type RepositoryConnection = Page<Repository>;

/// What a repository list can be sorted by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RepositoryOrderField {
    /// Owner, then name, case-insensitively.
    Name,
    /// GitHub's last push (`pushedAt`); never-pushed repositories last either way.
    PushedAt,
    /// The end of the last successful run (`lastSyncedAt`); repositories never synced
    /// last either way.
    LastSyncedAt,
}

/// How a repository list is sorted; ties on a date go by name, ascending.
#[derive(InputObject, Clone, Copy, Debug)]
pub struct RepositoryOrder {
    /// What to sort by.
    pub field: RepositoryOrderField,
    /// Ascending or descending.
    pub direction: OrderDirection,
}

impl From<RepositoryOrder> for queries::RepositoryOrder {
    fn from(order: RepositoryOrder) -> Self {
        queries::RepositoryOrder {
            sort: match order.field {
                RepositoryOrderField::Name => queries::RepositorySort::Name,
                RepositoryOrderField::PushedAt => queries::RepositorySort::PushedAt,
                RepositoryOrderField::LastSyncedAt => queries::RepositorySort::LastSyncedAt,
            },
            descending: order.direction == OrderDirection::Desc,
        }
    }
}

const PAGE: PageLimits = PageLimits {
    default: 50,
    max: 100,
};

fn repository_filter(
    query: Option<String>,
    is_private: Option<bool>,
    is_archived: Option<bool>,
    selected: Option<bool>,
) -> Result<queries::RepositoryFilter> {
    if query
        .as_ref()
        .is_some_and(|q| q.chars().count() > queries::MAX_QUERY_LENGTH)
    {
        return Err(ApiError::BadInput(format!(
            "query can be at most {} characters",
            queries::MAX_QUERY_LENGTH
        ))
        .into_graphql());
    }
    Ok(queries::RepositoryFilter {
        query,
        private: is_private,
        archived: is_archived,
        selected,
    })
}

/// The tag of a repository list's cursors: its ordering.
fn ordering_tag(order: queries::RepositoryOrder) -> String {
    format!(
        "repositories:{:?}:{}",
        order.sort,
        if order.descending { "DESC" } else { "ASC" }
    )
}

#[allow(clippy::too_many_arguments)]
async fn repositories_page(
    ctx: &Context<'_>,
    scope: RepositoryScope,
    filter: queries::RepositoryFilter,
    order_by: Option<RepositoryOrder>,
    after: Option<String>,
    before: Option<String>,
    first: Option<i32>,
    last: Option<i32>,
) -> Result<RepositoryConnection> {
    let order: queries::RepositoryOrder = order_by.map(Into::into).unwrap_or_default();
    let request = PageRequest::<queries::RepositoryKey>::parse(
        &ordering_tag(order),
        after,
        before,
        first,
        last,
        PAGE,
    )
    .gql()?;
    let page = load(
        ctx,
        RepositoryPage {
            scope: scope.clone(),
            filter: filter.clone(),
            order,
            window: queries::RepositoryWindow {
                after: request.after.clone(),
                before: request.before.clone(),
                limit: request.fetch(),
                backward: request.backward,
            },
        },
    );
    // The page and the count load together, and batch with every other group's.
    let count = load(ctx, RepositoryCount { scope, filter });
    let (rows, total) = futures_util::try_join!(page, count)?;
    Ok(request.connection(
        rows.unwrap_or_default(),
        |row| row.key.clone(),
        |row| Repository::from(row.repository),
        total.unwrap_or(0),
    ))
}

/// How long a comment must be, in characters of its trimmed text, to be regular or
/// robust rather than trivial ("LGTM", "👍" are trivial: still comments, but not a
/// review that makes a pull request thoroughly reviewed).
#[derive(async_graphql::SimpleObject)]
pub struct CommentRobustness {
    /// From this many characters a comment is regular (default 20).
    pub regular_from: i32,
    /// From this many characters a comment is robust (default 200).
    pub robust_from: i32,
}
