//! Who is calling: user tokens (JWTs the product's identity provider signs) carrying a
//! workspace and a role. Verification only, so far: the API does not accept user tokens
//! until every object is scoped to a workspace (issue 14), because a viewer's token must
//! never open another customer's data.

pub mod jwks;
pub mod token;

/// What a token lets its holder do; each role includes the ones below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Reads integrations, groups, repositories, runs, metrics, the Work log, subscriptions.
    Viewer,
    /// Also imports, syncs, cancels, retries and refreshes groups.
    Member,
    /// Also connects, updates credentials, switches services, renames, deletes, runs OAuth.
    Admin,
}

impl Role {
    /// The role a claim names; `None` for anything else.
    pub fn from_claim(value: &str) -> Option<Role> {
        match value {
            "viewer" => Some(Role::Viewer),
            "member" => Some(Role::Member),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A verified user token's holder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The token's `sub`, when it has one.
    pub subject: Option<String>,
    /// The product's tenant the token is for.
    pub workspace: String,
    pub role: Role,
}
