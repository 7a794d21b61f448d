//! Where reads that need not wait for writes go.

/// The connections the metrics queries, the reach checks and the DataLoaders read
/// through: on SQLite a pool of read-only connections beside the one that writes, so
/// that a heavy report never holds the connection a webhook delivery or an import page
/// is waiting for, nor waits for it (WAL lets readers and the writer work at once); on
/// PostgreSQL the same pool as everything else.
#[derive(Clone)]
pub struct ReadPool(pub sea_orm::DatabaseConnection);
