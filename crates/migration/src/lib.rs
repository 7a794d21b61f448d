//! Schema migrations, run at start and by `tributary migrate`, on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_integrations;
mod m20261125_000002_oauth;
mod m20261125_000003_import;
mod m20261125_000004_webhooks;
mod m20261125_000005_metrics;
mod m20261125_000006_pull_request_figures;
mod m20261125_000007_metrics_covering;
mod m20261130_000008_typed_json;
mod m20261130_000009_oauth_client_state;
mod m20261130_000010_repository_import_state;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_integrations::Migration),
            Box::new(m20261125_000002_oauth::Migration),
            Box::new(m20261125_000003_import::Migration),
            Box::new(m20261125_000004_webhooks::Migration),
            Box::new(m20261125_000005_metrics::Migration),
            Box::new(m20261125_000006_pull_request_figures::Migration),
            Box::new(m20261125_000007_metrics_covering::Migration),
            Box::new(m20261130_000008_typed_json::Migration),
            Box::new(m20261130_000009_oauth_client_state::Migration),
            Box::new(m20261130_000010_repository_import_state::Migration),
        ]
    }
}
