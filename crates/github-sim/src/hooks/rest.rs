//! `/orgs/{org}/hooks…` as api.github.com answers it. Only an organization owner
//! whose classic or OAuth token carries `admin:org_hook` gets past the door; anyone
//! else gets GitHub's 404 (it does not say the hooks exist). An OAuth app sees only
//! the hooks it created, a personal access token only hooks users created.

use chrono::{SubsecRound, Utc};
use poem::http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use super::hook::{ContentType, Creator, Delivery, Hook, HookConfig, config_json, hook_json};
use super::outgoing::Outgoing;
use super::payloads;
use crate::auth::Principal;
use crate::call::Call;
use crate::dataset::{Org, OrgRole};
use crate::reply::Reply;
use crate::rest_errors::{FORBIDDEN_FOR_PAT, oauth_restricted, sso_required};
use crate::rest_paging::paginate;
use crate::urlenc::encode_component;

pub(crate) const ACCEPTED_SCOPES: &str = "admin:org_hook";
const DOCS: &str = "https://docs.github.com/rest/orgs/webhooks";

pub(crate) enum HookRoute {
    List(String),
    Create(String),
    Get(String, String),
    Update(String, String),
    Delete(String, String),
    Ping(String, String),
    Config(String, String),
    Deliveries(String, String),
    Delivery(String, String, String),
    Redeliver(String, String, String),
}

impl HookRoute {
    pub fn parse(method: &Method, path: &str) -> Option<HookRoute> {
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
        let s = |v: &&str| v.to_string();
        let route = match (method.as_str(), segments.as_slice()) {
            ("GET", ["orgs", org, "hooks"]) => HookRoute::List(s(org)),
            ("POST", ["orgs", org, "hooks"]) => HookRoute::Create(s(org)),
            ("GET", ["orgs", org, "hooks", id]) => HookRoute::Get(s(org), s(id)),
            ("PATCH", ["orgs", org, "hooks", id]) => HookRoute::Update(s(org), s(id)),
            ("DELETE", ["orgs", org, "hooks", id]) => HookRoute::Delete(s(org), s(id)),
            ("POST", ["orgs", org, "hooks", id, "pings"]) => HookRoute::Ping(s(org), s(id)),
            ("GET", ["orgs", org, "hooks", id, "config"]) => HookRoute::Config(s(org), s(id)),
            ("GET", ["orgs", org, "hooks", id, "deliveries"]) => {
                HookRoute::Deliveries(s(org), s(id))
            }
            ("GET", ["orgs", org, "hooks", id, "deliveries", d]) => {
                HookRoute::Delivery(s(org), s(id), s(d))
            }
            ("POST", ["orgs", org, "hooks", id, "deliveries", d, "attempts"]) => {
                HookRoute::Redeliver(s(org), s(id), s(d))
            }
            _ => return None,
        };
        Some(route)
    }

    /// The route as GitHub's REST description names it.
    pub fn template(&self) -> &'static str {
        match self {
            HookRoute::List(_) | HookRoute::Create(_) => "/orgs/{org}/hooks",
            HookRoute::Get(..) | HookRoute::Update(..) | HookRoute::Delete(..) => {
                "/orgs/{org}/hooks/{hook_id}"
            }
            HookRoute::Ping(..) => "/orgs/{org}/hooks/{hook_id}/pings",
            HookRoute::Config(..) => "/orgs/{org}/hooks/{hook_id}/config",
            HookRoute::Deliveries(..) => "/orgs/{org}/hooks/{hook_id}/deliveries",
            HookRoute::Delivery(..) => "/orgs/{org}/hooks/{hook_id}/deliveries/{delivery_id}",
            HookRoute::Redeliver(..) => {
                "/orgs/{org}/hooks/{hook_id}/deliveries/{delivery_id}/attempts"
            }
        }
    }

    fn org(&self) -> &str {
        match self {
            HookRoute::List(o) | HookRoute::Create(o) => o,
            HookRoute::Get(o, _)
            | HookRoute::Update(o, _)
            | HookRoute::Delete(o, _)
            | HookRoute::Ping(o, _)
            | HookRoute::Config(o, _)
            | HookRoute::Deliveries(o, _)
            | HookRoute::Delivery(o, _, _)
            | HookRoute::Redeliver(o, _, _) => o,
        }
    }

    fn writes(&self) -> bool {
        matches!(
            self,
            HookRoute::Create(_)
                | HookRoute::Update(..)
                | HookRoute::Delete(..)
                | HookRoute::Ping(..)
                | HookRoute::Redeliver(..)
        )
    }
}

pub(crate) fn handle(call: &Call, route: HookRoute, body: &[u8]) -> Reply {
    let (org, p) = match authorize(call, route.org(), route.writes()) {
        Ok(found) => found,
        Err(reply) => return reply,
    };
    let hook = |id: &str| {
        id.parse::<i64>()
            .ok()
            .and_then(|id| call.state.hooks.get(id))
            .filter(|h| h.org.eq_ignore_ascii_case(&org.login) && manages(p, h))
            .ok_or_else(Reply::not_found)
    };
    let result = match &route {
        HookRoute::List(_) => {
            let items: Vec<Value> = call
                .state
                .hooks
                .of_org(&org.login)
                .iter()
                .filter(|h| manages(p, h))
                .map(|h| hook_json(&call.base, h))
                .collect();
            Ok(paginate(call, items))
        }
        HookRoute::Create(_) => create(call, org, p, body),
        HookRoute::Get(_, id) => hook(id).map(|h| Reply::ok(&hook_json(&call.base, &h))),
        HookRoute::Update(_, id) => hook(id).and_then(|h| update(call, h, body)),
        HookRoute::Delete(_, id) => hook(id).map(|h| {
            call.state.hooks.remove(h.id);
            no_content()
        }),
        HookRoute::Ping(_, id) => hook(id).map(|h| {
            let ping = payloads::ping(&call.base, &h, org, &p.user);
            call.state
                .hooks
                .send_later(vec![Outgoing::new(h.id, "ping", ping)]);
            no_content()
        }),
        HookRoute::Config(_, id) => hook(id).map(|h| Reply::ok(&config_json(&h.config))),
        HookRoute::Deliveries(_, id) => hook(id).map(|h| deliveries(call, &h)),
        HookRoute::Delivery(_, id, d) => hook(id).and_then(|h| {
            let delivery = delivery_of(call, &h, d)?;
            Ok(Reply::ok(&delivery_detail(&delivery)))
        }),
        HookRoute::Redeliver(_, id, d) => hook(id).and_then(|h| {
            let delivery = delivery_of(call, &h, d)?;
            call.state.hooks.send_later(vec![Outgoing {
                hook_id: h.id,
                event: delivery.event,
                payload: delivery.payload,
                guid: delivery.guid,
                redelivery: true,
            }]);
            Ok(Reply::json(StatusCode::ACCEPTED, &json!({})))
        }),
    };
    result.unwrap_or_else(|reply| reply)
}

/// The organization and caller, or GitHub's answer to someone who may not manage
/// the organization's hooks.
fn authorize<'a>(
    call: &'a Call,
    org: &str,
    write: bool,
) -> Result<(&'a Org, &'a Principal), Reply> {
    let Some(p) = call.principal else {
        return Err(Reply::not_found());
    };
    let Some(org) = call.dataset().org(org) else {
        return Err(Reply::not_found());
    };
    if p.is_fine_grained() {
        let permission = if write { "write" } else { "read" };
        return Err(
            Reply::error(StatusCode::FORBIDDEN, FORBIDDEN_FOR_PAT, DOCS).header(
                "x-accepted-github-permissions",
                format!("organization_hooks={permission}"),
            ),
        );
    }
    if p.sso_blocked(call.dataset(), org) {
        return Err(sso_required(call, org));
    }
    if p.oauth_blocked(org) {
        return Err(oauth_restricted(org, DOCS));
    }
    let owner = call.dataset().role(org, &p.user.login) == Some(OrgRole::Admin);
    if !owner || !p.has_scope(ACCEPTED_SCOPES) {
        return Err(Reply::not_found());
    }
    Ok((org, p))
}

fn creator(p: &Principal) -> Creator {
    match p.oauth_client_id() {
        Some(client_id) => Creator::OauthApp {
            client_id: client_id.to_string(),
            login: p.user.login.clone(),
        },
        None => Creator::PersonalAccessToken {
            login: p.user.login.clone(),
        },
    }
}

fn manages(p: &Principal, hook: &Hook) -> bool {
    match (&hook.creator, p.oauth_client_id()) {
        (Creator::OauthApp { client_id, .. }, Some(app)) => client_id == app,
        (Creator::PersonalAccessToken { .. }, None) => true,
        _ => false,
    }
}

fn no_content() -> Reply {
    Reply::text(
        StatusCode::NO_CONTENT,
        "text/plain; charset=utf-8",
        String::new(),
    )
}

#[derive(Deserialize)]
struct HookBody {
    name: Option<String>,
    config: Option<ConfigBody>,
    events: Option<Vec<String>>,
    active: Option<bool>,
}

#[derive(Deserialize)]
struct ConfigBody {
    url: Option<String>,
    content_type: Option<String>,
    secret: Option<String>,
    insecure_ssl: Option<Value>,
}

fn invalid(message: &str) -> Reply {
    Reply::error(
        StatusCode::UNPROCESSABLE_ENTITY,
        &format!("Invalid request.\n\n{message}"),
        DOCS,
    )
}

/// GitHub's 422 for a request that parsed but breaks a rule.
fn validation_failed(field: Option<&str>, message: &str) -> Reply {
    let mut error = json!({"resource": "Hook", "code": "custom", "message": message});
    if let Some(field) = field {
        error["field"] = json!(field);
    }
    Reply::json(
        StatusCode::UNPROCESSABLE_ENTITY,
        &json!({
            "message": "Validation Failed",
            "errors": [error],
            "documentation_url": DOCS,
            "status": "422",
        }),
    )
}

fn parse_body(body: &[u8]) -> Result<HookBody, Reply> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| Reply::error(StatusCode::BAD_REQUEST, "Problems parsing JSON", DOCS))?;
    serde_json::from_value(value).map_err(|e| invalid(&e.to_string()))
}

fn parse_config(config: ConfigBody) -> Result<HookConfig, Reply> {
    let Some(url) = config.url else {
        return Err(invalid("\"url\" wasn't supplied."));
    };
    let valid = url::Url::parse(&url)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    if !valid {
        return Err(validation_failed(Some("url"), "url is not a valid URL"));
    }
    let content_type = match config.content_type.as_deref() {
        None => ContentType::Form,
        Some(value) => ContentType::parse(value).ok_or_else(|| {
            validation_failed(
                Some("content_type"),
                &format!("content_type {value:?} is not one of json, form"),
            )
        })?,
    };
    let insecure_ssl = match &config.insecure_ssl {
        None => "0".to_string(),
        Some(Value::String(s)) if s == "0" || s == "1" => s.clone(),
        Some(Value::Number(n)) if n.as_u64().is_some_and(|n| n <= 1) => n.to_string(),
        Some(other) => {
            return Err(invalid(&format!(
                "For 'properties/insecure_ssl', {other} is not a string or a number 0 or 1."
            )));
        }
    };
    Ok(HookConfig {
        url,
        content_type,
        insecure_ssl,
        secret: config.secret.filter(|s| !s.is_empty()),
    })
}

fn check_name(name: Option<&str>) -> Result<(), Reply> {
    match name {
        None | Some("web") => Ok(()),
        Some(_) => Err(validation_failed(Some("name"), "Name must be web")),
    }
}

fn already_exists() -> Reply {
    validation_failed(None, "Hook already exists on this organization")
}

fn create(call: &Call, org: &Org, p: &Principal, body: &[u8]) -> Result<Reply, Reply> {
    let request = parse_body(body)?;
    if request.name.is_none() {
        return Err(invalid("\"name\" wasn't supplied."));
    }
    check_name(request.name.as_deref())?;
    let Some(config) = request.config else {
        return Err(invalid("\"config\" wasn't supplied."));
    };
    let config = parse_config(config)?;
    let now = Utc::now().trunc_subsecs(0);
    let hook = call
        .state
        .hooks
        .insert(|id| Hook {
            id,
            org: org.login.clone(),
            org_id: org.id,
            active: request.active.unwrap_or(true),
            events: request.events.unwrap_or_else(|| vec!["push".to_string()]),
            config,
            created_at: now,
            updated_at: now,
            creator: creator(p),
        })
        .map_err(|_| already_exists())?;
    if hook.active {
        let ping = payloads::ping(&call.base, &hook, org, &p.user);
        call.state
            .hooks
            .send_later(vec![Outgoing::new(hook.id, "ping", ping)]);
    }
    let body = hook_json(&call.base, &hook);
    let location = body["url"].as_str().unwrap_or_default().to_string();
    Ok(Reply::json(StatusCode::CREATED, &body).header("location", location))
}

fn update(call: &Call, mut hook: Hook, body: &[u8]) -> Result<Reply, Reply> {
    let request = parse_body(body)?;
    check_name(request.name.as_deref())?;
    // A new config replaces the old one whole: leaving out `secret` removes it.
    if let Some(config) = request.config {
        hook.config = parse_config(config)?;
    }
    if let Some(events) = request.events {
        hook.events = events;
    }
    if let Some(active) = request.active {
        hook.active = active;
    }
    hook.updated_at = Utc::now().trunc_subsecs(0);
    let hook = call
        .state
        .hooks
        .update(hook)
        .map_err(|_| already_exists())?;
    Ok(Reply::ok(&hook_json(&call.base, &hook)))
}

fn delivery_of(call: &Call, hook: &Hook, id: &str) -> Result<Delivery, Reply> {
    id.parse::<i64>()
        .ok()
        .and_then(|id| call.state.hooks.delivery(hook.id, id))
        .ok_or_else(Reply::not_found)
}

fn delivery_summary(d: &Delivery) -> Value {
    json!({
        "id": d.id,
        "guid": d.guid,
        "delivered_at": d.delivered_at,
        "redelivery": d.redelivery,
        "duration": d.duration,
        "status": d.status,
        "status_code": d.status_code,
        "event": d.event,
        "action": d.action,
        "installation_id": null,
        "repository_id": d.repository_id,
        "throttled_at": null,
    })
}

fn delivery_detail(d: &Delivery) -> Value {
    let mut value = delivery_summary(d);
    value["url"] = json!(d.url);
    value["request"] = json!({"headers": d.request_headers, "payload": d.payload});
    value["response"] = json!({"headers": d.response_headers, "payload": d.response_body});
    value
}

/// Newest first, `per_page` (30, at most 100) at a time; the next page is named by
/// an opaque `cursor` in the `Link` header, as GitHub pages deliveries.
fn deliveries(call: &Call, hook: &Hook) -> Reply {
    let per_page = call
        .param("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n >= 1)
        .map_or(30, |n| n.min(100));
    let before = call.param("cursor").and_then(decode_cursor);
    let wanted = call.param("status");
    let all: Vec<Delivery> = call
        .state
        .hooks
        .deliveries(hook.id)
        .into_iter()
        .filter(|d| before.is_none_or(|b| d.id < b))
        .filter(|d| match wanted {
            Some("success") => (200..300).contains(&d.status_code),
            Some("failure") => !(200..300).contains(&d.status_code),
            _ => true,
        })
        .collect();
    let page: Vec<Value> = all.iter().take(per_page).map(delivery_summary).collect();
    let reply = Reply::ok(&Value::Array(page));
    if all.len() <= per_page {
        return reply;
    }
    let last_shown = all[per_page - 1].id;
    let mut params: Vec<String> = call
        .query
        .iter()
        .filter(|(k, _)| k != "cursor")
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect();
    params.push(format!("cursor={}", encode_cursor(last_shown)));
    reply.header(
        "link",
        format!(
            "<{}{}?{}>; rel=\"next\"",
            call.base,
            call.path,
            params.join("&")
        ),
    )
}

fn encode_cursor(last_id: i64) -> String {
    format!("v1_{last_id}")
}

fn decode_cursor(cursor: &str) -> Option<i64> {
    cursor.strip_prefix("v1_")?.parse().ok()
}
