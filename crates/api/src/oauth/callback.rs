//! `GET /oauth/github/callback`: checks the state, exchanges the code, runs the
//! connection test and stores an OAuth grant; then redirects to where `startOAuth` said
//! (`oauth_grant_id=…`, or on failure `error=CODE`, with the product's `clientState` as
//! `state=…`), or shows a page. Nothing is stored when any step fails. A callback whose
//! state is missing, unknown or used always gets our page: nothing says where it came from.

use github::OAuthError;
use poem::{
    Response, handler,
    http::StatusCode,
    web::{Data, Query},
};
use serde::Deserialize;

use super::{
    failure::{Failure, FailureCode},
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

/// Why a state cannot be used.
enum Refusal {
    /// Missing, unknown or used already: nothing says where the browser came from, so
    /// only our page can answer.
    Unmatched(String),
    /// Ours, but too old: it is spent, and the product's page can be told.
    Expired(oauth_state::Model, Failure),
}

async fn callback(flow: &OAuthFlow, params: CallbackParams) -> Outcome {
    let state = match claim_state(flow, params.state.as_deref()).await {
        Ok(state) => state,
        Err(Refusal::Unmatched(message)) => {
            tracing::warn!(error = %message, "OAuth callback refused");
            return failure_page(StatusCode::BAD_REQUEST, &message);
        }
        Err(Refusal::Expired(state, failure)) => return failed(&state, failure),
    };
    match finish(flow, &state, params).await {
        Ok(grant) => match &state.redirect_after {
            Some(target) => Outcome::Redirect(back_to(
                target,
                ("oauth_grant_id", &grants::global_id(&grant)),
                state.client_state.as_deref(),
            )),
            None => success_page(&grant),
        },
        Err(failure) => failed(&state, failure),
    }
}

/// Where a failure leaves the browser: the product's page with the code (and its
/// `clientState`) when it gave one, else our page with the words.
fn failed(state: &oauth_state::Model, failure: Failure) -> Outcome {
    tracing::warn!(code = failure.code.as_str(), error = %failure.message, "OAuth callback failed; nothing stored");
    match &state.redirect_after {
        Some(target) => Outcome::Redirect(back_to(
            target,
            ("error", failure.code.as_str()),
            state.client_state.as_deref(),
        )),
        None => failure_page(StatusCode::BAD_REQUEST, &failure.message),
    }
}

/// The state must be one we issued, unused and young; it is spent either way.
async fn claim_state(flow: &OAuthFlow, state: Option<&str>) -> Result<oauth_state::Model, Refusal> {
    let unmatched = |message: &str| Refusal::Unmatched(message.to_string());
    let internal =
        |error: sea_orm::DbErr| Refusal::Unmatched(Failure::internal(error.into()).message);
    let Some(state) = state.filter(|s| !s.is_empty()) else {
        return Err(unmatched(
            "The callback carries no state, so it cannot be matched to a sign-in this server started. Start connecting to GitHub again from Tributary.",
        ));
    };
    let Some(found) = states::find(flow.db(), state).await.map_err(internal)? else {
        return Err(unmatched(
            "This callback's state was not issued by this Tributary server, so it was refused (a forged or foreign link). Start connecting to GitHub again from Tributary.",
        ));
    };
    let now = chrono::Utc::now();
    if !states::spend(flow.db(), state, now)
        .await
        .map_err(internal)?
    {
        return Err(unmatched(
            "This sign-in was finished already: a callback's state works once, so a repeated or replayed callback is refused. Start connecting to GitHub again from Tributary.",
        ));
    }
    if found.created_at + flow.state_ttl() < now {
        let failure = Failure::new(
            FailureCode::StateExpired,
            format!(
                "This sign-in took longer than {} minutes and expired. Start connecting to GitHub again from Tributary.",
                flow.state_ttl().num_minutes().max(1)
            ),
        );
        return Err(Refusal::Expired(found, failure));
    }
    Ok(found)
}

async fn finish(
    flow: &OAuthFlow,
    state: &oauth_state::Model,
    params: CallbackParams,
) -> Result<oauth_grant::Model, Failure> {
    let app = flow
        .app()
        .map_err(|e| Failure::new(FailureCode::OAuthAppMisconfigured, e.to_string()))?;
    if let Some(error) = params.error.as_deref() {
        return Err(OAuthError::from_callback(
            error,
            params.error_description.as_deref(),
            app.redirect_url(),
        )
        .into());
    }
    let Some(code) = params.code.filter(|c| !c.is_empty()) else {
        return Err(Failure::new(
            FailureCode::CodeExchangeFailed,
            "GitHub's callback carries no code. Start connecting to GitHub again from Tributary.",
        ));
    };
    let verifier = flow
        .secrets()
        .open(
            &state.pkce_verifier_ciphertext,
            &entity::sealed::SealedAt::state_verifier(&state.state),
        )
        .map_err(|e| Failure::internal(e.into()))?;
    let granted = app.exchange(&code, &verifier).await?;
    let report = flow.github().test_connection(&granted.token).await;
    let test = ConnectionTest::from(&report);
    let Some(account) = report.account.as_ref().filter(|_| test.ok) else {
        return Err(Failure::new(
            FailureCode::ConnectionFailed,
            format!(
                "GitHub authorized Tributary, but the connection test failed: {}",
                test.message
            ),
        ));
    };
    let grant = grants::store(
        flow.db(),
        flow.secrets(),
        &granted.token,
        account,
        &test,
        flow.grant_ttl(),
        grants::StartedBy {
            workspace: state.workspace.clone(),
            subject: state.subject.clone(),
        },
    )
    .await
    .map_err(Failure::internal)?;
    tracing::info!(grant = %grant.id, login = %grant.login, "OAuth grant stored");
    Ok(grant)
}

/// `target` (an allowed origin, checked by `startOAuth`) with the outcome and the
/// product's `clientState` as `state` added to its query.
fn back_to(target: &str, outcome: (&str, &str), client_state: Option<&str>) -> String {
    match url::Url::parse(target) {
        Ok(mut url) => {
            {
                let mut query = url.query_pairs_mut();
                query.append_pair(outcome.0, outcome.1);
                if let Some(client_state) = client_state {
                    query.append_pair("state", client_state);
                }
            }
            url.to_string()
        }
        Err(_) => target.to_string(),
    }
}
