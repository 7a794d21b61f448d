//! The webhook description: each delivery checked against the schema of its event
//! (`X-GitHub-Event`) and action (`definitions["{event}${action}"]`, or
//! `"{event}$event"` for events without actions, such as `push`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::Validator;
use serde_json::{Value, json};

use super::checked::{Checked, shared_json};
use super::gaps::{self, Description};
use super::schema;

const FILE: &str = "webhooks-schema/schema.json";

pub struct WebhookDescription {
    description: Value,
    compiled: Mutex<HashMap<String, Arc<Validator>>>,
}

impl WebhookDescription {
    /// Loaded once per test binary; `None` (with a notice) where `../shared` is absent.
    pub fn load() -> Option<&'static WebhookDescription> {
        static LOADED: OnceLock<Option<WebhookDescription>> = OnceLock::new();
        let loaded = LOADED.get_or_init(|| {
            Some(WebhookDescription {
                description: shared_json(FILE)?,
                compiled: Mutex::new(HashMap::new()),
            })
        });
        if loaded.is_none() {
            shared_json(FILE);
        }
        loaded.as_ref()
    }

    /// The definition a delivery of `event` with `payload` is described by.
    pub fn definition(event: &str, payload: &Value) -> String {
        match payload["action"].as_str() {
            Some(action) => format!("{event}${action}"),
            None => format!("{event}$event"),
        }
    }

    pub fn check(&self, event: &str, payload: &Value) -> Checked {
        let definition = Self::definition(event, payload);
        if self.description["definitions"].get(&definition).is_none() {
            return Checked::problem(format!(
                "the webhook description has no {definition}: GitHub sends no such delivery"
            ));
        }
        let validator = {
            let mut compiled = self.compiled.lock().unwrap_or_else(|e| e.into_inner());
            compiled
                .entry(definition.clone())
                .or_insert_with(|| {
                    let reference = json!({"$ref": format!("#/definitions/{definition}")});
                    Arc::new(schema::compile(&self.description, &reference))
                })
                .clone()
        };
        let mut checked = Checked::default();
        for violation in schema::violations(&validator, payload) {
            match gaps::field(Description::Webhooks, &violation.location) {
                Some(gap) => checked.allowed.push(gap),
                None => checked.problems.push(format!(
                    "{definition}: {} at {:?} (schema {})",
                    violation.message, violation.at, violation.location
                )),
            }
        }
        checked
    }
}
