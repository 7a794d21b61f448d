//! Who is calling: the server key (backends and operators, every workspace) or a user
//! token (a JWT the product's identity provider signs) carrying a workspace and a role.
//! `http` turns a request's credential into a [`Caller`]; the GraphQL layer asks the
//! caller what it may reach (`graphql::reach`) and do (`graphql::roles`).

pub mod authenticate;
pub mod jwks;
pub mod mint;
pub mod token;

use chrono::{DateTime, Utc};

/// What a token lets its holder do; each role includes the ones below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads integrations, groups, repositories, runs, metrics, the Work log, subscriptions.
    Viewer,
    /// Also imports, syncs, cancels, retries, tests connections and refreshes groups.
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

    /// How a token's claim spells it.
    pub fn claim(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Member => "member",
            Role::Admin => "admin",
        }
    }
}

/// A verified user token's holder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenHolder {
    /// The token's `sub`, when it has one.
    pub subject: Option<String>,
    /// The product's tenant the token is for.
    pub workspace: String,
    pub role: Role,
    /// The token's `exp`: a subscription opened with it closes then.
    pub expires_at: DateTime<Utc>,
}

/// Who a request comes from, as the API acts on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// A user token: one workspace, one role.
    User(TokenHolder),
    /// The server key (`TRIBUTARY_API_KEY`): an admin in every workspace, or in the one
    /// its `X-Tributary-Workspace` header names. What it creates goes to that workspace,
    /// or to the default one.
    ServerKey {
        /// The header's workspace, when given.
        workspace: Option<String>,
        /// Where it creates without the header (`TRIBUTARY_DEFAULT_WORKSPACE`).
        default_workspace: String,
    },
}

/// Which integrations a caller can see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach<'a> {
    Everywhere,
    Workspace(&'a str),
}

impl Reach<'_> {
    /// Whether something of `workspace` exists for the caller.
    pub fn admits(self, workspace: &str) -> bool {
        match self {
            Reach::Everywhere => true,
            Reach::Workspace(own) => own == workspace,
        }
    }
}

impl Caller {
    pub fn role(&self) -> Role {
        match self {
            Caller::User(holder) => holder.role,
            Caller::ServerKey { .. } => Role::Admin,
        }
    }

    pub fn reach(&self) -> Reach<'_> {
        match self {
            Caller::User(holder) => Reach::Workspace(&holder.workspace),
            Caller::ServerKey {
                workspace: Some(workspace),
                ..
            } => Reach::Workspace(workspace),
            Caller::ServerKey {
                workspace: None, ..
            } => Reach::Everywhere,
        }
    }

    /// The workspace of what this caller creates.
    pub fn creates_in(&self) -> &str {
        match self {
            Caller::User(holder) => &holder.workspace,
            Caller::ServerKey {
                workspace,
                default_workspace,
            } => workspace.as_deref().unwrap_or(default_workspace),
        }
    }

    /// Whether this caller started the OAuth round trip that left a grant of
    /// `workspace` and `subject`.
    pub fn started(&self, workspace: &str, subject: Option<&str>) -> bool {
        self.reach().admits(workspace) && self.subject() == subject
    }

    /// Who started an OAuth round trip, as its grant remembers it: the token's subject,
    /// or none for the server key. Only the same caller spends the grant.
    pub fn subject(&self) -> Option<&str> {
        match self {
            Caller::User(holder) => Some(holder.subject.as_deref().unwrap_or("")),
            Caller::ServerKey { .. } => None,
        }
    }

    /// When the credential stops being valid (user tokens only).
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        match self {
            Caller::User(holder) => Some(holder.expires_at),
            Caller::ServerKey { .. } => None,
        }
    }
}
