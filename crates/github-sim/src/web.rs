//! Routes that are not api.github.com: github.com web pages the product links
//! people to, and the simulator's own `/_sim` introspection.

use poem::http::{Method, StatusCode};
use serde_json::json;

use crate::html::{escape, page};
use crate::reply::Reply;
use crate::scenarios::scenario_tokens;
use crate::state::SimState;

pub(crate) fn handle(
    state: &SimState,
    method: &Method,
    path: &str,
    query: &[(String, String)],
    _base: &str,
) -> Option<Reply> {
    if method != Method::GET {
        return None;
    }
    if path == "/_sim/tokens" {
        let tokens = scenario_tokens(&state.dataset());
        return Some(Reply::ok(&json!(tokens)));
    }
    let org = path.strip_prefix("/orgs/")?.strip_suffix("/sso")?;
    if org.contains('/') {
        return None;
    }
    let dataset = state.dataset();
    let Some(org) = dataset.org(org) else {
        return Some(Reply::text(
            StatusCode::NOT_FOUND,
            "text/html; charset=utf-8",
            page(
                "Page not found",
                "<p>This is not the web page you are looking for.</p>",
            ),
        ));
    };
    let request = query
        .iter()
        .find(|(k, _)| k == "authorization_request")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let body = format!(
        "<p>Single sign-on to <strong>{login}</strong> ({name}).</p>\n\
         <p>Signing in with your identity provider here would authorize your personal access token \
         for the <strong>{login}</strong> organization.</p>\n\
         <p><small>Authorization request: <code>{request}</code></small></p>",
        login = escape(&org.login),
        name = escape(&org.name),
        request = escape(request),
    );
    Some(Reply::text(
        StatusCode::OK,
        "text/html; charset=utf-8",
        page(&format!("Single sign-on to {}", org.login), &body),
    ))
}
