//! Schema migrations, run at start and by `tributary migrate`, on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod columns;
mod default_workspace;
pub use default_workspace::default_workspace;

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
mod m20261130_000011_workspaces;
mod m20261130_000012_comment_robustness;
mod m20261130_000013_pull_request_events;
mod m20261130_000014_commit_days;
mod m20261130_000015_bot_logins;
mod m20261130_000016_delivery_body_hash;
mod m20261201_000017_work_log_days;
mod m20261201_000018_comment_updated_at;
mod m20261201_000019_deleted_nodes;
mod m20261201_000020_run_leases;
mod m20261201_000021_run_waits;

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
            Box::new(m20261130_000011_workspaces::Migration),
            Box::new(m20261130_000012_comment_robustness::Migration),
            Box::new(m20261130_000013_pull_request_events::Migration),
            Box::new(m20261130_000014_commit_days::Migration),
            Box::new(m20261130_000015_bot_logins::Migration),
            Box::new(m20261130_000016_delivery_body_hash::Migration),
            Box::new(m20261201_000017_work_log_days::Migration),
            Box::new(m20261201_000018_comment_updated_at::Migration),
            Box::new(m20261201_000019_deleted_nodes::Migration),
            Box::new(m20261201_000020_run_leases::Migration),
            Box::new(m20261201_000021_run_waits::Migration),
        ]
    }
}

#[cfg(test)]
mod tests {
    use sea_orm_migration::sea_orm::{ConnectionTrait, Database, Statement};

    use super::{Migrator, MigratorTrait};

    /// Migration 11: an integration stored before workspaces lands in the default
    /// workspace, and it (with every later migration) can be undone.
    #[tokio::test]
    async fn integrations_from_before_go_to_the_default_workspace() {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        Migrator::up(&db, Some(10)).await.unwrap();
        db.execute_unprepared(
            "INSERT INTO integrations (id, name, auth_kind, token_ciphertext, login, account_id, granted_scopes, \
             repos_enabled, pull_requests_enabled, tickets_enabled, webhooks_enabled, last_test_ok, last_test, \
             last_tested_at, created_at, updated_at) VALUES ('i1', 'old', 'TOKEN', 'x', 'me', 1, '', \
             1, 1, 1, 0, 1, '{}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        )
        .await
        .unwrap();
        Migrator::up(&db, None).await.unwrap();
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT workspace FROM integrations WHERE id = 'i1'",
            ))
            .await
            .unwrap()
            .unwrap();
        let workspace: String = row.try_get("", "workspace").unwrap();
        assert_eq!(workspace, super::default_workspace());
        // Undoing everything from migration 11 on (the later ones' down steps too).
        let since_11 = (Migrator::migrations().len() - 10) as u32;
        Migrator::down(&db, Some(since_11)).await.unwrap();
        assert!(
            db.query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT workspace FROM integrations",
            ))
            .await
            .is_err(),
            "the column is gone once undone"
        );
    }
}
