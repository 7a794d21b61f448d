//! A standing delay on every API answer (REST and GraphQL alike), so a client can
//! be measured in wall time under a stated network and server cost, not only at
//! loopback speed: a fixed delay per request plus one per node the answer returns.
//! Set through `SimConfig::latency` (and `tributary github-sim --latency-ms
//! --latency-per-node-us`); the `/_sim/faults` `latency_ms` adds to it.

use std::time::Duration;

use serde_json::Value;

use crate::reply::Reply;

/// The delay the simulator adds before each REST or GraphQL answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Latency {
    /// Added to every API request.
    pub per_request: Duration,
    /// Added per returned node: a REST listing's items (a single object is one
    /// node), the elements of every list in a GraphQL answer's `data` (connection
    /// `nodes` and `edges`, and other lists).
    pub per_node: Duration,
}

impl Latency {
    /// How long to hold `reply` before answering it.
    pub(crate) fn delay(&self, reply: &Reply, graphql: bool) -> Duration {
        if self.per_node.is_zero() {
            return self.per_request;
        }
        let nodes = serde_json::from_str::<Value>(&reply.body).map_or(0, |body| {
            if graphql {
                listed(&body["data"])
            } else {
                match body {
                    Value::Array(items) => items.len(),
                    Value::Object(_) => 1,
                    _ => 0,
                }
            }
        });
        self.per_request + self.per_node * u32::try_from(nodes).unwrap_or(u32::MAX)
    }

    pub(crate) async fn hold(&self, reply: &Reply, graphql: bool) {
        let delay = self.delay(reply, graphql);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
    }
}

/// The elements of every list inside `v`, nested ones included.
fn listed(v: &Value) -> usize {
    match v {
        Value::Array(items) => items.len() + items.iter().map(listed).sum::<usize>(),
        Value::Object(fields) => fields.values().map(listed).sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use poem::http::StatusCode;
    use serde_json::json;

    use super::*;

    #[test]
    fn nodes_are_listed_items_for_rest_and_list_elements_for_graphql() {
        let latency = Latency {
            per_request: Duration::from_millis(10),
            per_node: Duration::from_millis(1),
        };
        let rest = Reply::ok(&json!([{"id": 1}, {"id": 2}, {"id": 3}]));
        assert_eq!(latency.delay(&rest, false), Duration::from_millis(13));
        let one = Reply::ok(&json!({"id": 1, "labels": [1, 2]}));
        assert_eq!(latency.delay(&one, false), Duration::from_millis(11));
        let gql = Reply::json(
            StatusCode::OK,
            &json!({"data": {"repository": {"pullRequests": {"nodes": [
                {"reviews": {"nodes": [{"id": "a"}, {"id": "b"}]}},
                {"reviews": {"nodes": []}},
            ]}}}}),
        );
        assert_eq!(latency.delay(&gql, true), Duration::from_millis(14));
        let fixed = Latency {
            per_request: Duration::from_millis(5),
            per_node: Duration::ZERO,
        };
        assert_eq!(fixed.delay(&gql, true), Duration::from_millis(5));
    }
}
