//! `User` and `Organization`, and the `RepositoryOwner` interface they share.

use async_graphql::{Context, Error, ID, Interface, Object};

use super::context::{gh_error, gql};
use super::repositories::{
    ConnectionArgs, RepositoryAffiliation, RepositoryConnection, RepositoryPrivacy,
    default_affiliations, repositories,
};
use crate::dataset::{self, OrgRole, OwnerType};

/// Represents an owner of a Repository.
#[derive(Interface)]
#[graphql(
    field(name = "id", ty = "ID"),
    field(name = "login", ty = "String"),
    field(
        name = "repositories",
        ty = "RepositoryConnection",
        arg(name = "after", ty = "Option<String>"),
        arg(name = "first", ty = "Option<i32>"),
        arg(name = "is_fork", ty = "Option<bool>"),
        arg(
            name = "owner_affiliations",
            ty = "Option<Vec<Option<RepositoryAffiliation>>>",
            default_with = "default_affiliations()"
        ),
        arg(name = "privacy", ty = "Option<RepositoryPrivacy>")
    )
)]
pub enum RepositoryOwner {
    User(UserNode),
    Organization(OrganizationNode),
}

/// A user is an individual's account on GitHub that owns repositories and can make new content.
pub struct UserNode(pub(crate) dataset::User);

/// A user is an individual's account on GitHub that owns repositories and can make new content.
#[Object(name = "User")]
impl UserNode {
    async fn database_id(&self) -> Option<i32> {
        i32::try_from(self.0.id).ok()
    }

    async fn id(&self, _ctx: &Context<'_>) -> Result<ID, Error> {
        Ok(ID(self.0.node_id.clone()))
    }

    pub(crate) async fn login(&self, _ctx: &Context<'_>) -> Result<String, Error> {
        Ok(self.0.login.clone())
    }

    async fn name(&self) -> Option<String> {
        self.0.name.clone()
    }

    async fn repositories(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
        is_fork: Option<bool>,
        #[graphql(default_with = "default_affiliations()")] owner_affiliations: Option<
            Vec<Option<RepositoryAffiliation>>,
        >,
        privacy: Option<RepositoryPrivacy>,
    ) -> Result<RepositoryConnection, Error> {
        let args = ConnectionArgs {
            after,
            first,
            is_fork,
            owner_affiliations,
            privacy,
        };
        repositories(gql(ctx)?, &self.0.login, OwnerType::User, args)
    }
}

/// An account on GitHub, with one or more owners, that has repositories, members and teams.
pub struct OrganizationNode(pub(crate) dataset::Org);

/// An account on GitHub, with one or more owners, that has repositories, members and teams.
#[Object(name = "Organization")]
impl OrganizationNode {
    async fn database_id(&self) -> Option<i32> {
        i32::try_from(self.0.id).ok()
    }

    async fn id(&self, _ctx: &Context<'_>) -> Result<ID, Error> {
        Ok(ID(self.0.node_id.clone()))
    }

    pub(crate) async fn login(&self, _ctx: &Context<'_>) -> Result<String, Error> {
        Ok(self.0.login.clone())
    }

    async fn name(&self) -> Option<String> {
        Some(self.0.name.clone())
    }

    async fn repositories(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
        is_fork: Option<bool>,
        #[graphql(default_with = "default_affiliations()")] owner_affiliations: Option<
            Vec<Option<RepositoryAffiliation>>,
        >,
        privacy: Option<RepositoryPrivacy>,
    ) -> Result<RepositoryConnection, Error> {
        let args = ConnectionArgs {
            after,
            first,
            is_fork,
            owner_affiliations,
            privacy,
        };
        let g = gql(ctx)?;
        if g.principal.oauth_blocked(&self.0) {
            // Non-null, so GitHub's answer is `organization: null` beside this error.
            return Err(gh_error(
                "FORBIDDEN",
                crate::oauth::restriction_message(&self.0.login),
            ));
        }
        repositories(g, &self.0.login, OwnerType::Organization, args)
    }

    async fn viewer_can_administer(&self, ctx: &Context<'_>) -> Result<bool, Error> {
        let g = gql(ctx)?;
        Ok(g.dataset.role(&self.0, &g.principal.user.login) == Some(OrgRole::Admin))
    }

    async fn viewer_is_a_member(&self, ctx: &Context<'_>) -> Result<bool, Error> {
        let g = gql(ctx)?;
        Ok(g.dataset.role(&self.0, &g.principal.user.login).is_some())
    }
}
