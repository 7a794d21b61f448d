//! A response as handlers build it, and GitHub's REST error shape. The headers
//! GitHub puts on every response are added once, by the router.

use poem::http::StatusCode;
use serde_json::{Value, json};

use crate::ratelimit::Snapshot;

pub const REST_DOCS: &str = "https://docs.github.com/rest";
pub const GRAPHQL_DOCS: &str = "https://docs.github.com/graphql";

/// A response under construction; common headers are added once, at the end.
pub(crate) struct Reply {
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: String,
    pub headers: Vec<(String, String)>,
    pub rate: Option<Snapshot>,
}

impl Reply {
    pub fn json(status: StatusCode, body: &Value) -> Reply {
        Reply {
            status,
            content_type: "application/json; charset=utf-8",
            body: body.to_string(),
            headers: Vec::new(),
            rate: None,
        }
    }

    pub fn ok(body: &Value) -> Reply {
        Reply::json(StatusCode::OK, body)
    }

    /// GitHub's REST error shape: `message`, `documentation_url`, `status` (a string).
    pub fn error(status: StatusCode, message: &str, docs: &str) -> Reply {
        Reply::json(
            status,
            &json!({"message": message, "documentation_url": docs, "status": status.as_u16().to_string()}),
        )
    }

    pub fn not_found() -> Reply {
        Reply::error(StatusCode::NOT_FOUND, "Not Found", REST_DOCS)
    }

    pub fn text(status: StatusCode, content_type: &'static str, body: String) -> Reply {
        Reply {
            status,
            content_type,
            body,
            headers: Vec::new(),
            rate: None,
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}
