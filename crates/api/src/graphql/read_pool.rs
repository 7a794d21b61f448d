//! Where reads that need not wait for writes go.

/// The read-only connections beside the one that writes. On SQLite, which gives a pool
/// one connection, a heavy report would otherwise hold the connection a webhook
/// delivery or an import page waits for, and wait for it in turn (WAL lets readers and
/// the writer work at once). On PostgreSQL both are the same pool as everything else.
#[derive(Clone)]
pub struct ReadPool {
    /// Short reads: the reach checks and the DataLoaders.
    pub lookups: sea_orm::DatabaseConnection,
    /// The metrics queries. On SQLite fewer connections than cores, so that reports
    /// running back to back leave a core to the writer and the server's executor; a
    /// report past them waits for one.
    pub reports: sea_orm::DatabaseConnection,
}
