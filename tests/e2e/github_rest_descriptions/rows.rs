//! A row of the walk: one request, who sends it, and what its answer is held to.

use reqwest::Method;
use serde_json::Value;

/// Who a row calls as: the walk's caller (a scenario token, or nobody), or the OAuth
/// app by its client credentials (the applications API takes nothing else).
#[derive(Clone, Copy, PartialEq)]
pub(super) enum As {
    Caller,
    App,
}

/// What a row's answer is held to.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Held {
    /// The operation the description names for the method and path.
    Described,
    /// No operation: GitHub's 404, once the caller is past authentication and limits.
    Unknown,
}

pub(super) struct Row {
    pub(super) method: Method,
    pub(super) path: String,
    pub(super) body: Option<Value>,
    pub(super) by: As,
    pub(super) held: Held,
}

pub(super) fn row(method: Method, path: impl Into<String>) -> Row {
    Row {
        method,
        path: path.into(),
        body: None,
        by: As::Caller,
        held: Held::Described,
    }
}

impl Row {
    pub(super) fn body(mut self, body: Value) -> Row {
        self.body = Some(body);
        self
    }

    pub(super) fn by_app(mut self) -> Row {
        self.by = As::App;
        self
    }

    pub(super) fn unknown(mut self) -> Row {
        self.held = Held::Unknown;
        self
    }
}

pub(super) async fn json_of(request: reqwest::RequestBuilder) -> Value {
    let response = request.send().await.expect("calling github-sim");
    response.json().await.expect("github-sim answers JSON")
}
