//! The small HTML pages the OAuth callback shows when it does not redirect: the grant
//! it stored, or why nothing was stored.

use entity::oauth_grant;
use poem::{
    Response,
    http::{StatusCode, header},
};

/// Where a callback leaves the browser.
pub(super) enum Outcome {
    /// The product's page on an allowed origin, with the grant id or error added.
    Redirect(String),
    /// A small page of ours.
    Page {
        status: StatusCode,
        title: String,
        body: String,
    },
}

pub(super) fn success_page(grant: &oauth_grant::Model) -> Outcome {
    Outcome::Page {
        status: StatusCode::OK,
        title: "Connected to GitHub".into(),
        body: format!(
            "<p>Tributary is authorized as <strong>{login}</strong> with the scopes <code>{scopes}</code>.</p>\n\
             <p>OAuth grant: <code id=\"grant\">{id}</code></p>\n\
             <p>Finish with <code>createIntegration(input: {{name: \"…\", oauthGrantId: \"{id}\"}})</code> before {expires}.</p>",
            login = escape(&grant.login),
            scopes = escape(&grant.granted_scopes),
            id = escape(&super::grants::global_id(grant)),
            expires = grant.expires_at.to_rfc3339(),
        ),
    }
}

pub(super) fn failure_page(status: StatusCode, message: &str) -> Outcome {
    Outcome::Page {
        status,
        title: "Not connected to GitHub".into(),
        body: format!("<p id=\"error\">{}</p>", escape(message)),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The HTTP answer: a redirect, or the page.
pub(super) fn respond(outcome: Outcome) -> Response {
    match outcome {
        Outcome::Redirect(location) => Response::builder()
            .status(StatusCode::SEE_OTHER)
            .header(header::LOCATION, location)
            .finish(),
        Outcome::Page {
            status,
            title,
            body,
        } => Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            // The page may show a grant id; keep it out of caches and referrers.
            .header(header::CACHE_CONTROL, "no-store")
            .header("referrer-policy", "no-referrer")
            .body(format!(
                "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{title} · Tributary</title></head>\n<body>\n<h1>{title}</h1>\n{body}\n</body>\n</html>\n"
            )),
    }
}
