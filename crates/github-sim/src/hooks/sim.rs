//! The simulator's own webhook controls: `GET /_sim/hooks` and
//! `POST /_sim/hooks/{id}/deliver` (documented in `control.rs`).

use poem::http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use super::hook::Hook;
use super::outgoing::Outgoing;
use crate::reply::Reply;
use crate::state::SimState;

pub(crate) fn owns(path: &str) -> bool {
    path == "/_sim/hooks" || path.starts_with("/_sim/hooks/")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliverRequest {
    event: String,
    payload: Value,
}

fn message(status: StatusCode, text: &str) -> Reply {
    Reply::json(status, &json!({ "message": text }))
}

fn summary(hook: &Hook) -> Value {
    json!({
        "id": hook.id,
        "org": hook.org,
        "url": hook.config.url,
        "events": hook.events,
        "active": hook.active,
        "content_type": hook.config.content_type,
        "created_by": hook.creator,
        "created_at": hook.created_at,
        "updated_at": hook.updated_at,
    })
}

pub(crate) async fn handle(state: &SimState, method: &Method, path: &str, body: &[u8]) -> Reply {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["_sim", "hooks"]) => {
            let hooks: Vec<Value> = state.hooks.all().iter().map(summary).collect();
            Reply::ok(&Value::Array(hooks))
        }
        ("POST", ["_sim", "hooks", id, "deliver"]) => {
            let request: DeliverRequest = match serde_json::from_slice(body) {
                Ok(r) => r,
                Err(e) => {
                    return message(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        &format!("Invalid body: {e}"),
                    );
                }
            };
            let Some(hook) = id.parse::<i64>().ok().and_then(|id| state.hooks.get(id)) else {
                return message(StatusCode::NOT_FOUND, &format!("No hook {id}."));
            };
            let out = Outgoing::new(hook.id, &request.event, request.payload);
            match state.hooks.send(out).await {
                Some(d) if d.status_code == 0 => Reply::ok(&json!({
                    "status": 0, "delivery_id": d.id, "guid": d.guid, "error": d.status,
                })),
                Some(d) => Reply::ok(&json!({
                    "status": d.status_code, "delivery_id": d.id, "guid": d.guid,
                })),
                None => message(StatusCode::NOT_FOUND, &format!("No hook {id}.")),
            }
        }
        _ => message(
            StatusCode::NOT_FOUND,
            &format!("No simulator endpoint {method} {path}."),
        ),
    }
}
