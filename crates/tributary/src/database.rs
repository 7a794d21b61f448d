//! Opening the database: connection options per backend, migrations (serialized
//! between processes), and the stored figures brought up to the current definitions.

use anyhow::Context;
use migration::MigratorTrait;
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

/// Read-only connections for short reads (reach checks, DataLoaders) beside the
/// writer: SQLite gives a pool one connection, so without these a heavy report held
/// the connection every webhook delivery and page write waits for (issue 16, item 3).
const SQLITE_LOOKUPS: u32 = 4;

/// The read-only connections beside the writer (`api::graphql::ReadPool`): on SQLite
/// pools of their own whose connections refuse writes (`query_only`), which WAL lets
/// read while `writer` writes, the reports' with one connection fewer than the cores
/// (at least one); elsewhere `writer` itself.
pub async fn connect_readers(
    url: &str,
    writer: &DatabaseConnection,
) -> anyhow::Result<api::graphql::ReadPool> {
    if writer.get_database_backend() != sea_orm::DbBackend::Sqlite {
        return Ok(api::graphql::ReadPool {
            lookups: writer.clone(),
            reports: writer.clone(),
        });
    }
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
    Ok(api::graphql::ReadPool {
        lookups: sqlite_readers(url, SQLITE_LOOKUPS).await?,
        reports: sqlite_readers(url, cores.saturating_sub(1).max(1)).await?,
    })
}

async fn sqlite_readers(url: &str, connections: u32) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_string());
    options
        .sqlx_logging(false)
        .max_connections(connections)
        .min_connections(0);
    options.map_sqlx_sqlite_opts(|sqlite| {
        sqlite
            .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
            .pragma("cache_size", "-32768")
            .pragma("query_only", "ON")
    });
    Database::connect(options)
        .await
        .with_context(|| format!("opening the readers of the database ({})", redact_url(url)))
}

/// Connects to the database and brings its schema up to date.
pub async fn connect_database(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_string());
    options.sqlx_logging(false);
    // SQLite's default rollback journal with a full sync on every commit makes each
    // import page wait on the disk and blocks readers while a page is written. WAL lets
    // the API read while a worker writes, and NORMAL syncs at checkpoints only: a crash
    // can lose the last commits but never corrupts, and a lost page is one the run's
    // checkpoint (written in the same transaction) has not passed yet.
    //
    // SQLite's default page cache (2 MB) holds a fraction of the indexes a metrics query
    // over a year reads, so each query read them again from the OS (`pread`s, most of
    // its time); 32 MB per connection keeps them.
    options.map_sqlx_sqlite_opts(|sqlite| {
        sqlite
            .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
            .pragma("cache_size", "-32768")
    });
    let db = Database::connect(options)
        .await
        .with_context(|| format!("connecting to the database ({})", redact_url(url)))?;
    migrate(&db).await.context("running migrations")?;
    let refreshed = metrics::pull_request_figures::refresh_stale(&db)
        .await
        .context("computing pull request figures")?;
    if refreshed > 0 {
        tracing::info!(pull_requests = refreshed, "computed pull request figures");
    }
    Ok(db)
}

/// Any key: one lock that every Tributary process takes around its migrations.
const MIGRATION_LOCK: i64 = 0x7472_6962_7574_6172; // "tributar"

/// Runs the migrations. On PostgreSQL, processes starting together (`serve` and its
/// workers) would otherwise race to create the same tables; an advisory lock, held on
/// one connection for the duration, lets one migrate while the others wait and then
/// find nothing left to do. SQLite's file lock already serializes them.
async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    let Some(pool) = (db.get_database_backend() == sea_orm::DbBackend::Postgres)
        .then(|| db.get_postgres_connection_pool())
    else {
        migration::Migrator::up(db, None).await?;
        return Ok(());
    };
    let mut lock = pool.acquire().await?;
    sea_orm::sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *lock)
        .await?;
    let migrated = migration::Migrator::up(db, None).await;
    sea_orm::sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *lock)
        .await?;
    Ok(migrated?)
}

/// A database URL with any password replaced, fit for a log line.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}
