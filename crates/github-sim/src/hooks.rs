//! Organization webhooks as GitHub keeps them: the hooks (config, events, active,
//! who created them), their deliveries with what was sent and what came back, and
//! the REST endpoints under `/orgs/{org}/hooks` (see `rest.rs` in this module).
//! Deliveries are signed and sent by `deliver.rs`; payloads are built by
//! `payloads.rs`.

mod deliver;
pub(crate) mod payloads;
pub(crate) mod rest;
pub(crate) mod sim;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::mpsc;

pub(crate) use deliver::Outgoing;
#[cfg(test)]
pub(crate) use deliver::sign_sha256;

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

#[derive(Default)]
struct Table {
    next_hook_id: i64,
    next_delivery_id: i64,
    hooks: Vec<Hook>,
    /// Oldest first.
    deliveries: Vec<Delivery>,
}

pub(crate) struct Hooks {
    table: Mutex<Table>,
    client: reqwest::Client,
    /// Per hook, the queue its background sender works through.
    queues: Mutex<HashMap<i64, mpsc::UnboundedSender<Outgoing>>>,
}

impl Hooks {
    pub fn new(seed: u64) -> Hooks {
        let mix = crate::ids::splitmix64(seed ^ 0x000b_00c5);
        let table = Table {
            // Ids of the size GitHub hands out today.
            next_hook_id: 500_000_000 + (mix % 10_000_000) as i64,
            next_delivery_id: 12_000_000_000 + ((mix >> 24) % 1_000_000_000) as i64,
            ..Table::default()
        };
        Hooks {
            table: Mutex::new(table),
            client: deliver::client(),
            queues: Mutex::new(HashMap::new()),
        }
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn all(&self) -> Vec<Hook> {
        self.table().hooks.clone()
    }

    pub fn of_org(&self, org: &str) -> Vec<Hook> {
        self.table()
            .hooks
            .iter()
            .filter(|h| h.org.eq_ignore_ascii_case(org))
            .cloned()
            .collect()
    }

    pub fn get(&self, id: i64) -> Option<Hook> {
        self.table().hooks.iter().find(|h| h.id == id).cloned()
    }

    /// Adds the hook unless the organization already has one with the same URL.
    pub fn insert(&self, make: impl FnOnce(i64) -> Hook) -> Result<Hook, Duplicate> {
        let mut table = self.table();
        let hook = make(table.next_hook_id);
        if table.duplicate_of(&hook) {
            return Err(Duplicate);
        }
        table.next_hook_id += 1;
        table.hooks.push(hook.clone());
        Ok(hook)
    }

    pub fn update(&self, hook: Hook) -> Result<Hook, Duplicate> {
        let mut table = self.table();
        if table.duplicate_of(&hook) {
            return Err(Duplicate);
        }
        if let Some(slot) = table.hooks.iter_mut().find(|h| h.id == hook.id) {
            *slot = hook.clone();
        }
        Ok(hook)
    }

    pub fn remove(&self, id: i64) {
        let mut table = self.table();
        table.hooks.retain(|h| h.id != id);
        table.deliveries.retain(|d| d.hook_id != id);
        // Dropping the sender ends that hook's background sender.
        self.queues
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }

    /// A hook's deliveries, newest first.
    pub fn deliveries(&self, hook_id: i64) -> Vec<Delivery> {
        self.table()
            .deliveries
            .iter()
            .rev()
            .filter(|d| d.hook_id == hook_id)
            .cloned()
            .collect()
    }

    pub fn delivery(&self, hook_id: i64, id: i64) -> Option<Delivery> {
        self.table()
            .deliveries
            .iter()
            .find(|d| d.hook_id == hook_id && d.id == id)
            .cloned()
    }

    fn next_delivery_id(&self) -> i64 {
        let mut table = self.table();
        let id = table.next_delivery_id;
        table.next_delivery_id += 1;
        id
    }

    fn record(&self, delivery: Delivery) {
        let mut table = self.table();
        // Only a hook that still exists keeps its deliveries.
        if table.hooks.iter().any(|h| h.id == delivery.hook_id) {
            let at = table.deliveries.partition_point(|d| d.id < delivery.id);
            table.deliveries.insert(at, delivery);
        }
    }
}

impl Table {
    fn duplicate_of(&self, hook: &Hook) -> bool {
        self.hooks.iter().any(|h| {
            h.id != hook.id
                && h.org.eq_ignore_ascii_case(&hook.org)
                && h.config.url == hook.config.url
        })
    }
}

/// Another hook of the organization already posts to this URL.
#[derive(Debug)]
pub(crate) struct Duplicate;

#[cfg(test)]
pub(crate) mod tests;
