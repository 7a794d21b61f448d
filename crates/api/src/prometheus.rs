//! Prometheus metrics for `/metrics`: HTTP requests, GraphQL operations and errors,
//! and the imports: queue depth, runs by state, GitHub requests and rate-limit points
//! remaining per integration. The import figures are read at scrape time from the
//! database and the shared budget, so they count workers in every process.

use std::sync::{Mutex, OnceLock};

use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{counter::Counter, family::Family, gauge::Gauge},
    registry::Registry,
};

use crate::{imports::Imports, integrations::service::Integrations};

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

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StateLabels {
    pub state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct IntegrationLabels {
    pub integration: String,
}

pub struct Metrics {
    registry: Mutex<Registry>,
    pub http_requests: Family<HttpLabels, Counter>,
    pub graphql_operations: Family<OperationLabels, Counter>,
    pub graphql_errors: Family<OperationLabels, Counter>,
    import_queue_depth: Gauge,
    import_runs: Family<StateLabels, Gauge>,
    github_requests: Family<IntegrationLabels, Gauge>,
    github_rate_limit_remaining: Family<IntegrationLabels, Gauge>,
    sources: OnceLock<(Imports, Integrations)>,
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
        let import_queue_depth = Gauge::default();
        let import_runs = Family::<StateLabels, Gauge>::default();
        let github_requests = Family::<IntegrationLabels, Gauge>::default();
        let github_rate_limit_remaining = Family::<IntegrationLabels, Gauge>::default();
        registry.register(
            "import_queue_depth",
            "Import runs waiting for a worker",
            import_queue_depth.clone(),
        );
        registry.register("import_runs", "Import runs by state", import_runs.clone());
        registry.register(
            "github_requests",
            "GitHub requests made by imports, per integration",
            github_requests.clone(),
        );
        registry.register(
            "github_rate_limit_remaining",
            "Rate-limit points the integration's token had left at its last answer",
            github_rate_limit_remaining.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            http_requests,
            graphql_operations,
            graphql_errors,
            import_queue_depth,
            import_runs,
            github_requests,
            github_rate_limit_remaining,
            sources: OnceLock::new(),
        }
    }
}

impl Metrics {
    /// Where the import figures come from.
    pub fn watch_imports(&self, imports: Imports, integrations: Integrations) {
        let _ = self.sources.set((imports, integrations));
    }

    /// Reads the import figures; a failure leaves the last ones and is logged.
    pub async fn refresh(&self) {
        let Some((imports, integrations)) = self.sources.get() else {
            return;
        };
        match imports.count_by_state().await {
            Ok(counts) => {
                for (state, count) in counts {
                    if state == entity::import_run::RunState::Queued {
                        self.import_queue_depth.set(count as i64);
                    }
                    self.import_runs
                        .get_or_create(&StateLabels {
                            state: sea_orm::ActiveEnum::to_value(&state),
                        })
                        .set(count as i64);
                }
            }
            Err(error) => tracing::warn!(%error, "could not count import runs for /metrics"),
        }
        match imports.requests_by_integration().await {
            Ok(requests) => {
                for (integration, count) in requests {
                    self.github_requests
                        .get_or_create(&IntegrationLabels { integration })
                        .set(count);
                }
            }
            Err(error) => tracing::warn!(%error, "could not sum GitHub requests for /metrics"),
        }
        for (integration, remaining) in integrations.rate_limit_remaining(imports).await {
            self.github_rate_limit_remaining
                .get_or_create(&IntegrationLabels { integration })
                .set(remaining);
        }
    }

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
