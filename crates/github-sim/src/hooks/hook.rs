//! What GitHub keeps of an organization webhook and of each delivery to it,
//! and the hook as its REST endpoints (and the `ping` payload) show it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

/// How a hook wants its payload: a JSON body or a form with one `payload` field.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ContentType {
    Json,
    Form,
}

impl ContentType {
    pub fn parse(value: &str) -> Option<ContentType> {
        match value {
            "json" => Some(ContentType::Json),
            "form" => Some(ContentType::Form),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ContentType::Json => "json",
            ContentType::Form => "form",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct HookConfig {
    pub url: String,
    pub content_type: ContentType,
    pub insecure_ssl: String,
    pub secret: Option<String>,
}

/// Who made a hook decides who may see it: an OAuth app manages only its own hooks,
/// a personal access token only hooks made by users (not by apps).
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Creator {
    PersonalAccessToken { login: String },
    OauthApp { client_id: String, login: String },
}

#[derive(Clone, Debug)]
pub(crate) struct Hook {
    pub id: i64,
    pub org: String,
    pub org_id: i64,
    pub active: bool,
    pub events: Vec<String>,
    pub config: HookConfig,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub creator: Creator,
}

impl Hook {
    pub fn wants(&self, event: &str) -> bool {
        self.active && self.events.iter().any(|e| e == event || e == "*")
    }
}

/// One attempt to deliver one event to one hook, as GitHub records it.
#[derive(Clone, Debug)]
pub(crate) struct Delivery {
    pub id: i64,
    pub guid: String,
    pub hook_id: i64,
    pub delivered_at: DateTime<Utc>,
    pub redelivery: bool,
    /// Seconds.
    pub duration: f64,
    /// `OK`, `Invalid HTTP Response: 503`, `failed to connect to host`, `timed out`.
    pub status: String,
    /// 0 when nothing answered.
    pub status_code: u16,
    pub event: String,
    pub action: Option<String>,
    pub repository_id: Option<i64>,
    pub url: String,
    pub request_headers: BTreeMap<String, String>,
    pub payload: Value,
    pub response_headers: BTreeMap<String, String>,
    pub response_body: String,
}

pub(crate) fn config_json(config: &HookConfig) -> Value {
    let mut value = json!({
        "content_type": config.content_type.as_str(),
        "insecure_ssl": config.insecure_ssl,
        "url": config.url,
    });
    if config.secret.is_some() {
        value["secret"] = json!("********");
    }
    value
}

pub(crate) fn hook_json(base: &str, hook: &Hook) -> Value {
    let url = format!("{base}/orgs/{}/hooks/{}", hook.org, hook.id);
    json!({
        "type": "Organization",
        "id": hook.id,
        "name": "web",
        "active": hook.active,
        "events": hook.events,
        "config": config_json(&hook.config),
        "updated_at": hook.updated_at,
        "created_at": hook.created_at,
        "url": url,
        "ping_url": format!("{url}/pings"),
        "deliveries_url": format!("{url}/deliveries"),
    })
}
