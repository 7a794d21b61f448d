//! `POST /graphql`: parses the request like GitHub, charges its cost to the
//! user's hourly budget, runs it against the schema and shapes errors like GitHub.

use async_graphql::parser::types::DocumentOperations;
use poem::http::StatusCode;
use serde_json::json;

use super::context::GqlCtx;
use super::cost::cost_of;
use crate::auth::Principal;
use crate::call::Call;
use crate::ids;
use crate::ratelimit::{Resource, Snapshot};
use crate::reply::{GRAPHQL_DOCS, Reply};

pub(crate) const LIMIT: u32 = 5000;

/// GitHub's limit of nodes one query may ask for (docs.github.com/graphql/overview/
/// rate-limits-and-node-limits-for-the-graphql-api#node-limit).
const MAX_NODES: u64 = 500_000;

/// 1234567 → "1,234,567", as GitHub writes numbers in its messages.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub(crate) async fn execute(call: &Call<'_>, principal: &Principal, body: &[u8]) -> Reply {
    let parsed: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) => {
            return Reply::json(
                StatusCode::BAD_REQUEST,
                &json!({"message": "Problems parsing JSON", "documentation_url": GRAPHQL_DOCS}),
            );
        }
    };
    if !parsed
        .get("query")
        .is_some_and(serde_json::Value::is_string)
    {
        return Reply::ok(
            &json!({"errors": [{"message": "A query attribute must be specified and must be a string."}]}),
        );
    }
    let request: async_graphql::Request = match serde_json::from_value(parsed) {
        Ok(r) => r,
        Err(e) => {
            return Reply::ok(
                &json!({"errors": [{"message": format!("Problems parsing request: {e}")}]}),
            );
        }
    };

    let operation = operation_name(&request.query, request.operation_name.as_deref());
    let planned = cost_of(
        &request.query,
        request.operation_name.as_deref(),
        &request.variables,
    );
    let (cost, node_count) = (
        planned.points,
        u32::try_from(planned.nodes).unwrap_or(u32::MAX),
    );
    if planned.nodes > MAX_NODES {
        // Refused before it runs, and not charged.
        call.state.stats().graphql(&operation, 0);
        return Reply::ok(&json!({"errors": [{
            "type": "MAX_NODE_LIMIT_EXCEEDED",
            "message": format!(
                "This query requests up to {} possible nodes which exceeds the maximum limit of 500,000.",
                thousands(planned.nodes)
            ),
        }]}));
    }
    let key = format!("user:{}", principal.user.login);
    // A dry run is priced, not charged: its `rateLimit` shows the cost and the budget as
    // it stands.
    let charged = if planned.dry_run {
        Ok(call.state.limiter.peek(&key, Resource::Graphql, LIMIT))
    } else {
        call.state
            .limiter
            .charge(&key, Resource::Graphql, LIMIT, cost)
    };
    let rate = match charged {
        Ok(rate) => rate,
        Err(rate) => {
            call.state.stats().graphql(&operation, 0);
            let mut reply = rate_limited_reply(principal.user.id);
            reply.rate = Some(Snapshot {
                used: rate.limit,
                ..rate
            });
            return reply;
        }
    };

    call.state
        .stats()
        .graphql(&operation, if planned.dry_run { 0 } else { cost });
    let ctx = GqlCtx {
        dataset: call.dataset.clone(),
        content: call.state.content(),
        principal: principal.clone(),
        base: call.base.clone(),
        rate,
        cost,
        node_count,
        sso_nonce: ids::opaque(call.dataset.seed, call.state.next_seq()),
    };
    let response = call.state.schema.execute(request.data(ctx)).await;
    let headers: Vec<(String, String)> = response
        .http_headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let body = serde_json::to_value(&response)
        .map(github_shape)
        .unwrap_or_else(|_| json!({}));
    let mut reply = Reply::ok(&body);
    reply.headers = headers;
    reply.rate = Some(rate);
    reply
}

/// GitHub's answer (200) once the primary budget is spent.
pub(crate) fn rate_limited_reply(user_id: i64) -> Reply {
    Reply::ok(&json!({"errors": [{
        "type": "RATE_LIMITED",
        "message": format!("API rate limit already exceeded for user ID {user_id}."),
    }]}))
}

/// The operation's name for statistics: the requested one, else the document's first.
fn operation_name(query: &str, requested: Option<&str>) -> String {
    if let Some(name) = requested {
        return name.to_string();
    }
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return "invalid".into();
    };
    match &doc.operations {
        // Single is the parser's word for one anonymous operation.
        DocumentOperations::Single(_) => "anonymous".into(),
        DocumentOperations::Multiple(ops) => ops
            .keys()
            .next()
            .map_or_else(|| "anonymous".into(), |n| n.to_string()),
    }
}

/// Moves `extensions.type` to the error's top level, as GitHub shapes errors.
fn github_shape(mut body: serde_json::Value) -> serde_json::Value {
    if let Some(errors) = body.get_mut("errors").and_then(|e| e.as_array_mut()) {
        for error in errors {
            let Some(obj) = error.as_object_mut() else {
                continue;
            };
            let kind = obj
                .get_mut("extensions")
                .and_then(|x| x.as_object_mut())
                .and_then(|x| x.remove("type"));
            if obj
                .get("extensions")
                .and_then(|x| x.as_object())
                .is_some_and(|x| x.is_empty())
            {
                obj.remove("extensions");
            }
            if let Some(kind) = kind {
                obj.insert("type".to_string(), kind);
            }
        }
    }
    body
}
