//! GraphQL object types over the stored rows.

use async_graphql::{
    ComplexObject, Context, Enum, ID, InputObject, Object, Result, SimpleObject,
    connection::{Connection, Edge, EmptyFields, query},
};
use chrono::{DateTime, Utc};
use entity::{group, integration, repository};

use async_graphql::dataloader::DataLoader;

use super::node_id::{self, NodeKind};
use crate::{
    error::{ApiError, IntoGraphQl},
    integrations::{
        queries::RepositoryScope,
        switches::{ServiceChange, ServiceSwitches},
    },
};

use super::connection_test::{ConnectionTest, GroupAccess, GroupRole, Service, TokenKindView};
use super::loaders::{GroupsOf, RepositoryCount, RepositoryPage, StoreLoader};

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

    /// The account itself and its organizations, with the account's role and access in each.
    async fn groups(&self, ctx: &Context<'_>) -> Result<Vec<Group>> {
        let groups = ctx
            .data::<DataLoader<StoreLoader>>()?
            .load_one(GroupsOf(self.0.id.clone()))
            .await
            .map_err(database_error)?;
        Ok(groups.unwrap_or_default().into_iter().map(Group).collect())
    }

    /// The repositories of every group, or of one group, ordered by owner and name.
    async fn repositories(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        #[graphql(desc = "Only this group's repositories.")] group: Option<ID>,
    ) -> Result<Connection<usize, Repository, RepositoryConnectionFields, EmptyFields>> {
        let group = group
            .map(|id| node_id::decode(&id, NodeKind::Group))
            .transpose()
            .gql()?;
        repositories_page(
            ctx,
            &self.0.id,
            group,
            after,
            before,
            first,
            last,
        )
        .await
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

    /// The group's repositories, ordered by name.
    async fn repositories(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Connection<usize, Repository, RepositoryConnectionFields, EmptyFields>> {
        repositories_page(
            ctx,
            &self.0.integration_id,
            Some(self.0.id.clone()),
            after,
            before,
            first,
            last,
        )
        .await
    }
}

/// A GitHub repository of a group.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Repository {
    /// The repository's row id (the global id is `id`).
    #[graphql(skip)]
    pub row_id: String,
    /// GitHub's GraphQL node id.
    pub github_id: ID,
    /// The owning organization or user.
    pub owner: String,
    /// The repository's name.
    pub name: String,
    /// Visible only to those GitHub lets see it.
    pub private: bool,
    /// Read-only on GitHub.
    pub archived: bool,
    /// A fork of another repository.
    pub fork: bool,
    /// The branch whose commits are imported.
    pub default_branch: Option<String>,
    /// The repository's page on GitHub.
    pub url: String,
    /// Chosen for import.
    pub selected: bool,
}

#[ComplexObject]
impl Repository {
    /// The repository's global id.
    pub(crate) async fn id(&self) -> ID {
        node_id::encode(NodeKind::Repository, &self.row_id)
    }

    /// `owner/name`.
    async fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }
}

impl From<repository::Model> for Repository {
    fn from(r: repository::Model) -> Self {
        Repository {
            row_id: r.id,
            github_id: ID(r.github_node_id),
            owner: r.owner,
            name: r.name,
            private: r.private,
            archived: r.archived,
            fork: r.fork,
            default_branch: r.default_branch,
            url: r.url,
            selected: r.selected,
        }
    }
}

#[derive(SimpleObject)]
pub struct RepositoryConnectionFields {
    /// All repositories matching, across pages.
    pub total_count: u64,
}

/// A loader's database error, answered like every internal error: logged, not shown.
fn database_error(error: std::sync::Arc<sea_orm::DbErr>) -> async_graphql::Error {
    ApiError::Internal(anyhow::anyhow!("loading repositories or groups: {error}")).into_graphql()
}

const MAX_PAGE: usize = 100;
const DEFAULT_PAGE: usize = 50;

async fn repositories_page(
    ctx: &Context<'_>,
    integration_id: &str,
    group: Option<String>,
    after: Option<String>,
    before: Option<String>,
    first: Option<i32>,
    last: Option<i32>,
) -> Result<Connection<usize, Repository, RepositoryConnectionFields, EmptyFields>> {
    let loader = ctx.data::<DataLoader<StoreLoader>>()?;
    let scope = RepositoryScope {
        integration_id: integration_id.to_string(),
        group_id: group,
    };
    query(
        after,
        before,
        first,
        last,
        |after: Option<usize>, before: Option<usize>, first, last| async move {
            if first.is_some_and(|n| n > MAX_PAGE) || last.is_some_and(|n| n > MAX_PAGE) {
                return Err(async_graphql::Error::new(format!(
                    "first and last can be at most {MAX_PAGE}"
                )));
            }
            let start = after.map(|a| a + 1).unwrap_or(0);
            let count = loader.load_one(RepositoryCount(scope.clone()));
            // Paging forward needs no total to know its window, so the page and the count
            // load together (and batch with every other group's on the same screen).
            let (total, window) = match (first.or((last.is_none()).then_some(DEFAULT_PAGE)), before)
            {
                (Some(size), None) => {
                    let page = loader.load_one(RepositoryPage {
                        scope: scope.clone(),
                        offset: start as u64,
                        limit: size as u64,
                    });
                    let (total, rows) =
                        futures_util::try_join!(count, page).map_err(database_error)?;
                    (total.unwrap_or(0) as usize, Some(rows.unwrap_or_default()))
                }
                _ => (
                    count.await.map_err(database_error)?.unwrap_or(0) as usize,
                    None,
                ),
            };
            let mut end = before.unwrap_or(total).min(total);
            let mut start = start.min(end);
            match (first, last) {
                (Some(first), _) => end = (start + first).min(end),
                (None, Some(last)) => start = end.saturating_sub(last).max(start),
                (None, None) => end = (start + DEFAULT_PAGE).min(end),
            }
            let rows = match window {
                Some(rows) => rows,
                None => loader
                    .load_one(RepositoryPage {
                        scope: scope.clone(),
                        offset: start as u64,
                        limit: (end - start) as u64,
                    })
                    .await
                    .map_err(database_error)?
                    .unwrap_or_default(),
            };
            let mut connection = Connection::with_additional_fields(
                start > 0,
                end < total,
                RepositoryConnectionFields {
                    total_count: total as u64,
                },
            );
            connection.edges.extend(
                rows.into_iter()
                    .take(end - start)
                    .enumerate()
                    .map(|(i, r)| Edge::new(start + i, Repository::from(r))),
            );
            Ok::<_, async_graphql::Error>(connection)
        },
    )
    .await
}
