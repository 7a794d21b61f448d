//! `Query.viewer`: who the API thinks is calling, so a screen can show it and hide
//! what the role cannot do.

use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::reach::caller;
use crate::auth::{Caller, Reach, Role};
use crate::error::IntoGraphQl;

/// How the caller authenticated.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// A user token from the product's identity provider.
    UserToken,
    /// The server key (`TRIBUTARY_API_KEY`), for backends and operators.
    ServerKey,
}

/// What a role may do; each includes the ones below it.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Role")]
pub enum RoleGql {
    /// Reads integrations, groups, repositories, runs, metrics, the Work log and subscriptions.
    Viewer,
    /// Also imports, syncs, cancels, retries, tests connections and refreshes groups.
    Member,
    /// Also connects, updates credentials, switches services, renames, deletes and runs OAuth.
    Admin,
}

impl From<Role> for RoleGql {
    fn from(role: Role) -> Self {
        match role {
            Role::Viewer => RoleGql::Viewer,
            Role::Member => RoleGql::Member,
            Role::Admin => RoleGql::Admin,
        }
    }
}

/// Who is calling, as the API acts on it.
#[derive(SimpleObject)]
pub struct Viewer {
    /// A user token or the server key.
    pub credential: CredentialKind,
    /// The user token's subject (`sub`); null for the server key or a token without one.
    pub subject: Option<String>,
    /// The one workspace this caller sees; null for the server key without an
    /// `X-Tributary-Workspace` header, which sees every workspace.
    pub workspace: Option<String>,
    /// Where `createIntegration` puts what this caller creates.
    pub creates_in_workspace: String,
    /// What this caller may do.
    pub role: RoleGql,
    /// When the user token expires (a subscription opened with it closes then); null
    /// for the server key.
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct ViewerQuery;

#[Object]
impl ViewerQuery {
    /// Who the API thinks is calling: the credential, its workspace and role.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Viewer> {
        let caller = caller(ctx).gql()?;
        Ok(Viewer {
            credential: match caller {
                Caller::User(_) => CredentialKind::UserToken,
                Caller::ServerKey { .. } => CredentialKind::ServerKey,
            },
            subject: match caller {
                Caller::User(holder) => holder.subject.clone(),
                Caller::ServerKey { .. } => None,
            },
            workspace: match caller.reach() {
                Reach::Workspace(workspace) => Some(workspace.to_string()),
                Reach::Everywhere => None,
            },
            creates_in_workspace: caller.creates_in().to_string(),
            role: caller.role().into(),
            expires_at: caller.expires_at(),
        })
    }
}
