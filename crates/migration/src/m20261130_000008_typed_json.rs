//! JSON columns become JSON on PostgreSQL (`jsonb`), so that sea-orm reads them into
//! their typed structs (`FromJsonQueryResult`); they were `text` holding JSON. SQLite
//! keeps JSON as text whatever the declared type, so nothing changes there.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, column) of every JSON column that was declared `text`.
const JSON_COLUMNS: &[(&str, &str)] = &[
    ("import_runs", "counts"),
    ("import_runs", "skipped"),
    ("import_runs", "checkpoint"),
    ("integrations", "last_test"),
    ("oauth_grants", "test"),
];

async fn set_type(manager: &SchemaManager<'_>, to: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() != sea_orm_migration::sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    for (table, column) in JSON_COLUMNS {
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "ALTER TABLE \"{table}\" ALTER COLUMN \"{column}\" TYPE {to} USING \"{column}\"::{to}"
            ))
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_type(manager, "jsonb").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        set_type(manager, "text").await
    }
}
