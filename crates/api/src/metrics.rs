//! Prometheus metrics for `/metrics`: HTTP requests, GraphQL operations and errors.

use std::sync::Mutex;

use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{counter::Counter, family::Family},
    registry::Registry,
};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub method: String,
    /// The route, never the raw path, so the label set stays small.
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabels {
    pub operation: String,
}

pub struct Metrics {
    registry: Mutex<Registry>,
    pub http_requests: Family<HttpLabels, Counter>,
    pub graphql_operations: Family<OperationLabels, Counter>,
    pub graphql_errors: Family<OperationLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("tributary");
        let http_requests = Family::<HttpLabels, Counter>::default();
        let graphql_operations = Family::<OperationLabels, Counter>::default();
        let graphql_errors = Family::<OperationLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route and status",
            http_requests.clone(),
        );
        registry.register(
            "graphql_operations",
            "GraphQL operations executed, by operation name",
            graphql_operations.clone(),
        );
        registry.register(
            "graphql_errors",
            "GraphQL errors returned, by operation name",
            graphql_errors.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            http_requests,
            graphql_operations,
            graphql_errors,
        }
    }
}

impl Metrics {
    pub fn render(&self) -> String {
        let mut text = String::new();
        let registry = self
            .registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        encode(&mut text, &registry).expect("writing to a String cannot fail");
        text
    }
}
