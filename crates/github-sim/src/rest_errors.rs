//! The refusals GitHub's REST API shares between its endpoints: a token SAML
//! SSO has not authorized, an OAuth app the organization has not approved, a
//! personal access token where only apps may act.

use poem::http::StatusCode;

use crate::call::Call;
use crate::dataset::Org;
use crate::oauth;
use crate::reply::Reply;

pub(crate) const FORBIDDEN_FOR_PAT: &str = "Resource not accessible by personal access token";
const SAML_MESSAGE: &str = "Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.";
const SAML_DOCS: &str = "https://docs.github.com/articles/authenticating-to-a-github-organization-with-saml-single-sign-on/";

pub(crate) fn sso_required(call: &Call, org: &Org) -> Reply {
    Reply::error(StatusCode::FORBIDDEN, SAML_MESSAGE, SAML_DOCS).header(
        "x-github-sso",
        format!(
            "required; url={}",
            call.state.sso_url(&call.base, &org.login)
        ),
    )
}

/// GitHub's 403 for an organization that restricts OAuth apps and has not approved this one.
pub(crate) fn oauth_restricted(org: &Org, docs: &str) -> Reply {
    Reply::error(
        StatusCode::FORBIDDEN,
        &oauth::restriction_message(&org.login),
        docs,
    )
}
