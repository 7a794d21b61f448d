//! Prometheus metrics for `/metrics`: HTTP requests, GraphQL operations and errors,
//! and the imports: queue depth, runs by state, GitHub requests and rate-limit points
//! remaining per integration. The import figures are read at scrape time from the
//! database and the shared budget, so they count workers in every process; the
//! per-integration ones drop an integration once it is no longer stored.

use std::{
    collections::HashSet,
    sync::{Mutex, OnceLock},
};

use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{counter::Counter, family::Family, gauge::Gauge},
    registry::Registry,
};

use crate::{imports::Imports, integrations::service::Integrations};
use entity::integration;

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
    /// The integrations the per-integration families have a label set for: a family
    /// cannot list its own, and a deleted integration's must be removed.
    shown: Mutex<HashSet<String>>,
    sources: OnceLock<(Imports, Integrations)>,
    /// When the import figures were last read: a scrape within [`REFRESH_INTERVAL`]
    /// answers those (each refresh runs several queries and opens every token).
    /// Held across a refresh, so scrapes arriving together run one refresh.
    refreshed_at: tokio::sync::Mutex<Option<std::time::Instant>>,
}

/// How long the figures a scrape computed stand (Prometheus scrapes every 15 s or
/// more by default).
const REFRESH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(15);

/// The per-integration figures one scrape read.
#[derive(Default)]
struct IntegrationFigures {
    /// GitHub requests by integration; `None` when they could not be read.
    requests: Option<Vec<(String, i64)>>,
    /// Rate-limit points left by integration, for those with a reading.
    rate_limits: Vec<(String, i64)>,
    /// Every stored integration; `None` when the list could not be read.
    stored: Option<HashSet<String>>,
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
            shown: Mutex::new(HashSet::new()),
            sources: OnceLock::new(),
            refreshed_at: tokio::sync::Mutex::new(None),
        }
    }
}

impl Metrics {
    /// Where the import figures come from.
    pub fn watch_imports(&self, imports: Imports, integrations: Integrations) {
        let _ = self.sources.set((imports, integrations));
    }

    /// Reads the import figures, at most once every 15 seconds; a failure leaves the
    /// last ones and is logged.
    pub async fn refresh(&self) {
        let Some((imports, integrations)) = self.sources.get() else {
            return;
        };
        let mut refreshed_at = self.refreshed_at.lock().await;
        if refreshed_at.is_some_and(|at| at.elapsed() < REFRESH_INTERVAL) {
            return;
        }
        *refreshed_at = Some(std::time::Instant::now());
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
        let requests = match imports.requests_by_integration().await {
            Ok(requests) => Some(requests),
            Err(error) => {
                tracing::warn!(%error, "could not sum GitHub requests for /metrics");
                None
            }
        };
        let stored = integrations.list(crate::auth::Reach::Everywhere).await.ok();
        let rate_limits = match &stored {
            Some(models) => rate_limit_remaining(imports, integrations, models).await,
            None => Vec::new(),
        };
        self.show_integrations(IntegrationFigures {
            requests,
            rate_limits,
            stored: stored.map(|models| models.into_iter().map(|m| m.id).collect()),
        });
    }

    /// Sets the per-integration gauges, then removes the label sets of integrations no
    /// longer stored (deleted since the last scrape; their import runs may outlive them).
    fn show_integrations(&self, figures: IntegrationFigures) {
        let mut shown = self
            .shown
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let families = [
            (&self.github_requests, figures.requests.unwrap_or_default()),
            (&self.github_rate_limit_remaining, figures.rate_limits),
        ];
        for (family, values) in families {
            for (integration, value) in values {
                shown.insert(integration.clone());
                family
                    .get_or_create(&IntegrationLabels { integration })
                    .set(value);
            }
        }
        let Some(stored) = figures.stored else {
            return;
        };
        shown.retain(|integration| {
            if stored.contains(integration) {
                return true;
            }
            let labels = IntegrationLabels {
                integration: integration.clone(),
            };
            self.github_requests.remove(&labels);
            self.github_rate_limit_remaining.remove(&labels);
            false
        });
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

/// The points each integration's token had left at its last answer to an import.
async fn rate_limit_remaining(
    imports: &Imports,
    integrations: &Integrations,
    models: &[integration::Model],
) -> Vec<(String, i64)> {
    let mut found = Vec::new();
    for model in models {
        let Ok(token) = integrations.token_of(model) else {
            continue;
        };
        let key = queue::budget::budget_key(&token);
        if let Ok(Some(reading)) = imports.queue().budget.reading(&key).await {
            found.push((model.id.clone(), reading.remaining));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(integrations: &[&str]) -> IntegrationFigures {
        IntegrationFigures {
            requests: Some(integrations.iter().map(|i| (i.to_string(), 7)).collect()),
            rate_limits: integrations
                .iter()
                .map(|i| (i.to_string(), 4_000))
                .collect(),
            stored: Some(integrations.iter().map(|i| i.to_string()).collect()),
        }
    }

    #[test]
    fn a_deleted_integration_leaves_the_per_integration_gauges() {
        let metrics = Metrics::default();
        metrics.show_integrations(figures(&["kept", "deleted"]));
        let before = metrics.render();
        assert!(before.contains(r#"tributary_github_requests{integration="deleted"} 7"#));
        assert!(
            before.contains(r#"tributary_github_rate_limit_remaining{integration="deleted"} 4000"#)
        );

        // The deleted integration's runs are still summed: only the stored list says it is gone.
        let mut after_delete = figures(&["kept"]);
        after_delete.requests = Some(vec![("kept".into(), 7), ("deleted".into(), 7)]);
        metrics.show_integrations(after_delete);
        let after = metrics.render();
        assert!(!after.contains(r#"integration="deleted""#), "{after}");
        assert!(after.contains(r#"tributary_github_requests{integration="kept"} 7"#));
        assert!(
            after.contains(r#"tributary_github_rate_limit_remaining{integration="kept"} 4000"#)
        );
    }

    #[test]
    fn an_unreadable_list_of_integrations_keeps_the_last_figures() {
        let metrics = Metrics::default();
        metrics.show_integrations(figures(&["one"]));
        metrics.show_integrations(IntegrationFigures::default());
        assert!(
            metrics
                .render()
                .contains(r#"tributary_github_requests{integration="one"} 7"#)
        );
    }
}
