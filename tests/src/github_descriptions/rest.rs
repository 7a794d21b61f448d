//! The REST description: the operation a method and a concrete path name (literal
//! segments preferred over parameters, as `/user/orgs` is not `/user/{x}`), the
//! statuses it lists, and the `application/json` schema of each, compiled once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::Validator;
use serde_json::Value;

use super::checked::{Checked, shared_json};
use super::gaps::{self, Description, Gap};
use super::{openapi, schema};

const FILE: &str = "openapi/api.github.com.json";
/// The error shape GitHub answers with; the body of a status a gap allows.
const BASIC_ERROR: &str = "#/components/schemas/basic-error";

pub struct RestDescription {
    description: Value,
    /// Converted to JSON Schema; what response schemas' references resolve against.
    components: Value,
    templates: Vec<Vec<String>>,
    compiled: Mutex<HashMap<String, Arc<Validator>>>,
}

impl RestDescription {
    /// Loaded once per test binary; `None` (with a notice) where `../shared` is absent.
    pub fn load() -> Option<&'static RestDescription> {
        static LOADED: OnceLock<Option<RestDescription>> = OnceLock::new();
        let loaded = LOADED.get_or_init(|| {
            let description = shared_json(FILE)?;
            let templates = description["paths"]
                .as_object()
                .expect("the description has paths")
                .keys()
                .map(|t| segments(t))
                .collect();
            Some(RestDescription {
                components: openapi::components(&description),
                description,
                templates,
                compiled: Mutex::new(HashMap::new()),
            })
        });
        if loaded.is_none() {
            shared_json(FILE);
        }
        loaded.as_ref()
    }

    /// The path template of the operation that serves `method path` (query ignored).
    pub fn operation(&self, method: &str, path: &str) -> Option<String> {
        self.resolve(method, path).map(|(template, _)| template)
    }

    /// Whether the operation serving `method path` takes the query parameter `name`
    /// (e.g. `page`: whether it pages by number).
    pub fn takes(&self, method: &str, path: &str, name: &str) -> bool {
        let Some((template, _)) = self.resolve(method, path) else {
            return false;
        };
        let operation = &self.description["paths"][&template][operation_method(method)];
        operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| match p["$ref"].as_str() {
                Some(r) => self.description.pointer(r.trim_start_matches('#')),
                None => Some(p),
            })
            .any(|p| p["in"] == "query" && p["name"] == name)
    }

    /// The operation's template, and the gap that names an undescribed route after a
    /// described one.
    fn resolve(&self, method: &str, path: &str) -> Option<(String, Option<&'static Gap>)> {
        let path = path.split('?').next().unwrap_or(path);
        let wanted = segments(path);
        let method = operation_method(method);
        let found = self
            .templates
            .iter()
            .filter(|t| matches(t, &wanted))
            .map(|t| format!("/{}", t.join("/")))
            .filter(|t| self.description["paths"][t.as_str()][&method].is_object())
            // Literal segments win: "{" sorts after every letter of a path.
            .min_by(|a, b| segments(a).cmp(&segments(b)));
        match found {
            Some(template) => Some((template, None)),
            None => {
                let (template, gap) = gaps::alias(&wanted)?;
                Some((template.to_string(), Some(gap)))
            }
        }
    }

    /// Checks one answer: a status the operation lists (or a gap allows) and a body
    /// valid against that status's `application/json` schema.
    pub fn check(&self, method: &str, path: &str, status: u16, body: &str) -> Checked {
        let Some((template, alias)) = self.resolve(method, path) else {
            return Checked::problem(format!(
                "{method} {path}: no operation of GitHub's description serves it"
            ));
        };
        let name = format!("{method} {template}");
        let operation = &self.description["paths"][&template][operation_method(method)];
        let mut allowed: Vec<&'static Gap> = alias.into_iter().collect();
        let schema_ref = match operation["responses"].get(status.to_string()) {
            Some(response) => match self.json_schema(response) {
                Some(schema) => schema,
                None if body.trim().is_empty() => return Checked::default(),
                None => {
                    return Checked::problem(format!(
                        "{name} answered {status} with a body its description has no JSON schema for: {body}"
                    ));
                }
            },
            None => {
                let message = serde_json::from_str::<Value>(body)
                    .ok()
                    .and_then(|v| v["message"].as_str().map(str::to_string))
                    .unwrap_or_default();
                match gaps::status(status, &message, &name) {
                    Some(gap) => {
                        allowed.push(gap);
                        Value::String(BASIC_ERROR.into())
                    }
                    None => {
                        let listed: Vec<&String> = operation["responses"]
                            .as_object()
                            .map(|r| r.keys().collect())
                            .unwrap_or_default();
                        return Checked::problem(format!(
                            "{name} answered {status} ({message:?}), which its description does not list ({listed:?}) and no gap allows"
                        ));
                    }
                }
            }
        };
        if method.eq_ignore_ascii_case("HEAD") {
            return Checked {
                problems: Vec::new(),
                allowed,
            };
        }
        let instance: Value = match serde_json::from_str(body) {
            Ok(v) => v,
            Err(e) => {
                return Checked::problem(format!(
                    "{name} answered {status} with no JSON ({e}): {body}"
                ));
            }
        };
        let validator = self.validator(&format!("{name} {status}"), &schema_ref);
        let mut problems = Vec::new();
        for violation in schema::violations(&validator, &instance) {
            match gaps::field(Description::Rest, &violation.location) {
                Some(gap) => allowed.push(gap),
                None => problems.push(format!(
                    "{name} {status}: {} at {:?} (schema {})",
                    violation.message, violation.at, violation.location,
                )),
            }
        }
        Checked { problems, allowed }
    }

    /// The `application/json` schema of a response (following `#/components/responses`),
    /// as a reference to it or the schema itself.
    fn json_schema(&self, response: &Value) -> Option<Value> {
        let response = match response["$ref"].as_str() {
            Some(r) => self.description.pointer(r.trim_start_matches('#'))?,
            None => response,
        };
        let schema = response["content"].get("application/json")?.get("schema")?;
        Some(match schema["$ref"].as_str() {
            Some(r) => Value::String(r.to_string()),
            None => openapi::schema(schema),
        })
    }

    fn validator(&self, key: &str, schema: &Value) -> Arc<Validator> {
        let mut compiled = self.compiled.lock().unwrap_or_else(|e| e.into_inner());
        compiled
            .entry(key.to_string())
            .or_insert_with(|| {
                let schema = match schema {
                    Value::String(reference) => serde_json::json!({"$ref": reference}),
                    other => other.clone(),
                };
                Arc::new(schema::compile(&self.components, &schema))
            })
            .clone()
    }
}

/// HEAD is answered as GET is.
fn operation_method(method: &str) -> String {
    match method.to_ascii_lowercase().as_str() {
        "head" => "get".into(),
        other => other.into(),
    }
}

fn segments(path: &str) -> Vec<String> {
    path.trim_end_matches('/')
        .split('/')
        .skip(1)
        .map(str::to_string)
        .collect()
}

fn matches(template: &[String], path: &[String]) -> bool {
    template.len() == path.len()
        && template
            .iter()
            .zip(path)
            .all(|(t, p)| t == p || (t.starts_with('{') && t.ends_with('}') && !p.is_empty()))
}

/// GitHub's headers missing from a REST answer: the rate limit's on every answer, the
/// request id, and for a token with classic scopes (`classic`) the scopes headers.
pub fn missing_rest_headers(
    headers: &reqwest::header::HeaderMap,
    classic: bool,
) -> Vec<&'static str> {
    let mut wanted = vec![
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-ratelimit-used",
        "x-ratelimit-resource",
        "x-github-request-id",
    ];
    if classic {
        wanted.extend(["x-oauth-scopes", "x-accepted-oauth-scopes"]);
    }
    wanted.retain(|name| !headers.contains_key(*name));
    wanted
}
