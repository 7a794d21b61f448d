//! The root `Query`: `organization`, `repository`, `repositoryOwner`, `viewer`,
//! `node` and `rateLimit`, with GitHub's SAML SSO and NOT_FOUND errors.

use async_graphql::{Context, Error, ID, Object, SimpleObject};
use chrono::{TimeZone, Utc};

use super::accounts::{OrganizationNode, RepositoryOwner, UserNode};
use super::context::{gh_error, gql, saml_error, viewer_can_see};
use super::node::{Node, node};
use super::repositories::RepositoryNode;
use super::scalars::GhDateTime;

pub struct Query;

#[Object]
impl Query {
    /// Lookup a organization by login.
    async fn organization(
        &self,
        ctx: &Context<'_>,
        login: String,
    ) -> Result<Option<OrganizationNode>, Error> {
        let g = gql(ctx)?;
        let Some(org) = g.dataset.org(&login) else {
            return Err(gh_error(
                "NOT_FOUND",
                format!("Could not resolve to an Organization with the login of '{login}'."),
            ));
        };
        if g.principal.sso_blocked(&g.dataset, org) {
            return Err(saml_error(ctx, g, org));
        }
        Ok(Some(OrganizationNode(org.clone())))
    }

    /// Fetches an object given its ID.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>, Error> {
        node(ctx, &id)
    }

    /// The client's rate limit information.
    async fn rate_limit(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(false)")] dry_run: Option<bool>,
    ) -> Result<Option<RateLimit>, Error> {
        // Read before the query runs (`cost::cost_of`): a dry run is not charged.
        let _ = dry_run;
        let g = gql(ctx)?;
        Ok(Some(RateLimit {
            cost: g.cost as i32,
            limit: g.rate.limit as i32,
            node_count: g.node_count as i32,
            remaining: g.rate.remaining() as i32,
            reset_at: GhDateTime(
                Utc.timestamp_opt(g.rate.reset, 0)
                    .single()
                    .unwrap_or_default(),
            ),
            used: g.rate.used as i32,
        }))
    }

    /// Lookup a given repository by the owner and repository name.
    async fn repository(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(true)")] follow_renames: Option<bool>,
        name: String,
        owner: String,
    ) -> Result<Option<RepositoryNode>, Error> {
        let _ = follow_renames;
        let g = gql(ctx)?;
        if let Some(org) = g
            .dataset
            .org(&owner)
            .filter(|o| g.principal.sso_blocked(&g.dataset, o))
        {
            return Err(saml_error(ctx, g, org));
        }
        match g
            .dataset
            .repo(&owner, &name)
            .filter(|r| viewer_can_see(g, r))
        {
            Some(repo) => Ok(Some(RepositoryNode(repo.clone()))),
            None => Err(gh_error(
                "NOT_FOUND",
                format!("Could not resolve to a Repository with the name '{owner}/{name}'."),
            )),
        }
    }

    /// Lookup a repository owner (ie. either a User or an Organization) by login.
    async fn repository_owner(
        &self,
        ctx: &Context<'_>,
        login: String,
    ) -> Result<Option<RepositoryOwner>, Error> {
        let g = gql(ctx)?;
        if let Some(org) = g.dataset.org(&login) {
            if g.principal.sso_blocked(&g.dataset, org) {
                return Err(saml_error(ctx, g, org));
            }
            return Ok(Some(RepositoryOwner::Organization(OrganizationNode(
                org.clone(),
            ))));
        }
        Ok(g.dataset
            .user(&login)
            .map(|u| RepositoryOwner::User(UserNode(u.clone()))))
    }

    /// The currently authenticated user.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<UserNode, Error> {
        Ok(UserNode(gql(ctx)?.principal.user.clone()))
    }
}

/// Represents the client's rate limit.
#[derive(SimpleObject)]
pub struct RateLimit {
    pub(super) cost: i32,
    pub(super) limit: i32,
    pub(super) node_count: i32,
    pub(super) remaining: i32,
    pub(super) reset_at: GhDateTime,
    pub(super) used: i32,
}
