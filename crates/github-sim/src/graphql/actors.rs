//! Who acts on GitHub (`Actor`: users, bots, mannequins, enterprise accounts)
//! and `Team`, as content objects name them.

use async_graphql::{Context, Error, ID, Interface, SimpleObject};

use super::accounts::{OrganizationNode, UserNode};
use super::context::gql;
use super::paging::{connection, window};
use crate::content::{self};
use crate::ids;

connection!(UserConnection, UserNode);

/// Represents an object which can take actions on GitHub. Typically a User or Bot.
#[derive(Interface)]
#[graphql(field(name = "login", ty = "String"))]
pub enum Actor {
    Bot(Bot),
    EnterpriseUserAccount(EnterpriseUserAccount),
    Mannequin(Mannequin),
    Organization(OrganizationNode),
    User(UserNode),
}

pub(super) fn actor(ctx: &Context<'_>, actor: &Option<content::Actor>) -> Option<Actor> {
    let a = actor.as_ref()?;
    if a.is_bot {
        return Some(Actor::Bot(Bot::new(&a.login)));
    }
    user(ctx, &a.login).map(Actor::User)
}

pub(super) fn user(ctx: &Context<'_>, login: &str) -> Option<UserNode> {
    let g = gql(ctx).ok()?;
    g.dataset.user(login).map(|u| UserNode(u.clone()))
}

/// A special type of user which takes actions on behalf of GitHub Apps.
#[derive(SimpleObject, Clone)]
pub struct Bot {
    pub(super) id: ID,
    pub(super) login: String,
}

impl Bot {
    fn new(login: &str) -> Bot {
        let id = login.bytes().fold(41_898_282i64, |h, b| {
            h.wrapping_mul(31).wrapping_add(b as i64)
        }) & 0x3fff_ffff;
        Bot {
            id: ID(ids::node_id("BOT", id)),
            login: login.to_string(),
        }
    }
}

/// A placeholder user for attribution of imported data on GitHub.
#[derive(SimpleObject)]
pub struct Mannequin {
    pub(super) login: String,
}

/// An account for a user who is an admin of an enterprise or a member of an enterprise through one or more organizations.
#[derive(SimpleObject)]
pub struct EnterpriseUserAccount {
    pub(super) login: String,
}

/// A team of users in an organization.
#[derive(SimpleObject)]
pub struct Team {
    pub(super) combined_slug: String,
}

pub(super) fn users(
    ctx: &Context<'_>,
    connection: &str,
    logins: &[String],
    after: Option<String>,
    first: Option<i32>,
) -> Result<UserConnection, Error> {
    let found: Vec<UserNode> = logins.iter().filter_map(|l| user(ctx, l)).collect();
    let window = window(ctx, connection, found.len(), first, after)?;
    let mut found = found.into_iter().map(Some).collect::<Vec<_>>();
    Ok(UserConnection::new(window, |i| {
        found[i]
            .take()
            .unwrap_or_else(|| unreachable!("each index is taken once"))
    }))
}
