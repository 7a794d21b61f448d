//! What resolvers know about the request (who asks, the world they see), and the
//! errors and visibility rules they share.

use std::sync::Arc;

use async_graphql::{Context, Error, ErrorExtensions};

use crate::auth::Principal;
use crate::content::Content;
use crate::dataset::{self, Dataset};
use crate::ratelimit::Snapshot;

const SAML_MESSAGE: &str = "Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.";

/// Per-request facts the resolvers need.
pub(crate) struct GqlCtx {
    pub dataset: Arc<Dataset>,
    pub content: Arc<Content>,
    pub principal: Principal,
    pub(super) base: String,
    pub(super) rate: Snapshot,
    pub(super) cost: u32,
    pub(super) node_count: u32,
    pub(super) sso_nonce: String,
}

pub(crate) fn gql<'a>(ctx: &Context<'a>) -> Result<&'a GqlCtx, Error> {
    ctx.data::<GqlCtx>()
}

/// GitHub puts the error `type` at the top level; it travels in extensions
/// until [`github_shape`] lifts it.
pub(crate) fn gh_error(kind: &str, message: impl Into<String>) -> Error {
    let kind = kind.to_string();
    Error::new(message).extend_with(move |_, e| e.set("type", kind.as_str()))
}

pub(super) fn saml_error(ctx: &Context<'_>, g: &GqlCtx, org: &dataset::Org) -> Error {
    let url = format!(
        "{}/orgs/{}/sso?authorization_request={}",
        g.base, org.login, g.sso_nonce
    );
    ctx.insert_http_header("x-github-sso", format!("required; url={url}"));
    Error::new(SAML_MESSAGE).extend_with(|_, e| {
        e.set("type", "FORBIDDEN");
        e.set("saml_failure", true);
    })
}

/// Private repositories need a token that can read private data, a user who
/// can see them, and (for SAML orgs) an authorized token.
pub(crate) fn viewer_can_see(g: &GqlCtx, repo: &dataset::Repo) -> bool {
    g.principal.sees_repo(&g.dataset, repo)
}
