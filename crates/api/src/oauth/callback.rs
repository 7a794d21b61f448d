//! `GET /oauth/github/callback`: checks the state, exchanges the code, runs the
//! connection test and stores an OAuth grant; then redirects to where `startOAuth` said,
//! or shows a page. Nothing is stored when any step fails.

use github::OAuthError;
use poem::{
    Response, handler,
    http::StatusCode,
    web::{Data, Query},
};
use serde::Deserialize;

use super::{
    flow::OAuthFlow,
    grants,
    pages::{Outcome, failure_page, respond, success_page},
    states,
};
use crate::graphql::connection_test::ConnectionTest;
use entity::{oauth_grant, oauth_state};

/// GitHub's callback query: a code and our state, or an error.
#[derive(Deserialize)]
pub struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

#[handler]
pub async fn handle(flow: Data<&OAuthFlow>, params: Query<CallbackParams>) -> Response {
    respond(callback(&flow, params.0).await)
}

async fn callback(flow: &OAuthFlow, params: CallbackParams) -> Outcome {
    let state = match claim_state(flow, params.state.as_deref()).await {
        Ok(state) => state,
        Err(message) => {
            tracing::warn!(error = %message, "OAuth callback refused");
            return failure_page(StatusCode::BAD_REQUEST, &message);
        }
    };
    let redirect_after = state.redirect_after.clone();
    match finish(flow, state, params).await {
        Ok(grant) => match redirect_after {
            Some(target) => Outcome::Redirect(with_query(&target, "oauth_grant_id", &grant_global_id(&grant))),
            None => success_page(&grant),
        },
        Err(message) => {
            tracing::warn!(error = %message, "OAuth callback failed; nothing stored");
            failure_page(StatusCode::BAD_REQUEST, &message)
        }
    }
}

/// The state must be one we issued, unused and young; it is spent either way.
async fn claim_state(flow: &OAuthFlow, state: Option<&str>) -> Result<oauth_state::Model, String> {
    let Some(state) = state.filter(|s| !s.is_empty()) else {
        return Err("The callback carries no state, so it cannot be matched to a sign-in this server started. Start connecting to GitHub again from Tributary.".into());
    };
    let found = states::find(flow.db(), state)
        .await
        .map_err(|e| internal(e.into()))?;
    let Some(found) = found else {
        return Err("This callback's state was not issued by this Tributary server, so it was refused (a forged or foreign link). Start connecting to GitHub again from Tributary.".into());
    };
    let now = chrono::Utc::now();
    let claimed = states::spend(flow.db(), state, now)
        .await
        .map_err(|e| internal(e.into()))?;
    if !claimed {
        return Err("This sign-in was finished already: a callback's state works once, so a repeated or replayed callback is refused. Start connecting to GitHub again from Tributary.".into());
    }
    if found.created_at + flow.state_ttl() < now {
        return Err(format!(
            "This sign-in took longer than {} minutes and expired. Start connecting to GitHub again from Tributary.",
            flow.state_ttl().num_minutes().max(1)
        ));
    }
    Ok(found)
}

async fn finish(
    flow: &OAuthFlow,
    state: oauth_state::Model,
    params: CallbackParams,
) -> Result<oauth_grant::Model, String> {
    let app = flow.app().map_err(|e| e.to_string())?;
    if let Some(error) = params.error.as_deref() {
        return Err(OAuthError::from_callback(
            error,
            params.error_description.as_deref(),
            app.redirect_url(),
        )
        .to_string());
    }
    let Some(code) = params.code.filter(|c| !c.is_empty()) else {
        return Err(
            "GitHub's callback carries no code. Start connecting to GitHub again from Tributary."
                .into(),
        );
    };
    let verifier = flow
        .secrets()
        .open(&state.pkce_verifier_ciphertext)
        .map_err(|e| e.to_string())?;
    let granted = app
        .exchange(&code, &verifier)
        .await
        .map_err(|e| e.to_string())?;
    let report = flow.github().test_connection(&granted.token).await;
    let test = ConnectionTest::from(&report);
    let Some(account) = report.account.as_ref().filter(|_| test.ok) else {
        return Err(format!(
            "GitHub authorized Tributary, but the connection test failed: {}",
            test.message
        ));
    };
    let grant = grants::store(
        flow.db(),
        flow.secrets(),
        &granted.token,
        account,
        &test,
        flow.grant_ttl(),
    )
    .await
    .map_err(internal)?;
    tracing::info!(grant = %grant.id, login = %grant.login, "OAuth grant stored");
    Ok(grant)
}

fn with_query(target: &str, name: &str, value: &str) -> String {
    match url::Url::parse(target) {
        Ok(mut url) => {
            url.query_pairs_mut().append_pair(name, value);
            url.to_string()
        }
        Err(_) => target.to_string(),
    }
}

/// Logs the details and tells the browser only that something inside went wrong.
fn internal(error: anyhow::Error) -> String {
    tracing::error!(error = ?error, "internal error in the OAuth callback");
    "Tributary could not finish connecting because of an internal error; the server log has the details. Start connecting to GitHub again.".into()
}

/// The grant's id as the API takes it (`createIntegration(input: {oauthGrantId})`).
pub(crate) fn grant_global_id(grant: &oauth_grant::Model) -> String {
    crate::graphql::node_id::encode(crate::graphql::node_id::NodeKind::OAuthGrant, &grant.id).0
}
