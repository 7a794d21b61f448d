//! Database errors that are not the work's fault, and how long a worker waits them out.
//! Two kinds end a transaction with nothing of it written (or, for a commit whose
//! answer was lost, all of it: every write that goes through here is idempotent, an
//! upsert moving forward or a state guarded by its condition), so the same transaction
//! can simply run again:
//! - PostgreSQL aborted it to break a deadlock or a serialization conflict;
//! - the connection broke or none could be had (the server restarted, the network
//!   cut, every pooled connection dead): run again once the database is back.

use std::time::{Duration, Instant};

use sea_orm::{DbErr, RuntimeErr, sqlx};

/// PostgreSQL broke a deadlock or a serialization conflict by aborting this statement's
/// transaction (SQLSTATE 40P01 or 40001): nothing was written, and running it again is
/// what PostgreSQL's manual prescribes. (SQLite serializes writers, so never there.)
pub fn is_transient_conflict(error: &DbErr) -> bool {
    sqlx_error(error).is_some_and(|error| match error {
        sqlx::Error::Database(database) => {
            matches!(database.code().as_deref(), Some("40P01" | "40001"))
        }
        _ => false,
    })
}

/// The connection to the database broke, or no connection could be had: the statement
/// never ran, or ran in a transaction the server rolled back, or (a commit whose answer
/// was lost) committed.
pub fn is_connection_lost(error: &DbErr) -> bool {
    if matches!(error, DbErr::ConnectionAcquire(_)) {
        return true;
    }
    sqlx_error(error).is_some_and(|error| match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // Class 08: connection exception; 57P01–57P03: the server shutting down or
        // starting up.
        sqlx::Error::Database(database) => database.code().is_some_and(|code| {
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    })
}

fn sqlx_error(error: &DbErr) -> Option<&sqlx::Error> {
    match error {
        DbErr::Conn(RuntimeErr::SqlxError(error))
        | DbErr::Exec(RuntimeErr::SqlxError(error))
        | DbErr::Query(RuntimeErr::SqlxError(error)) => Some(error.as_ref()),
        _ => None,
    }
}

/// How long a worker keeps trying one write: a conflict a few times at once (another
/// transaction holds the rows for milliseconds), a lost connection for up to
/// [`Patience::CONNECTION`] with a growing wait (a restart or a failover takes seconds).
#[derive(Debug)]
pub struct Patience {
    conflicts: u32,
    lost_since: Option<Instant>,
    lost_waits: u32,
}

impl Default for Patience {
    fn default() -> Self {
        Patience::new()
    }
}

impl Patience {
    /// Tries of one write that PostgreSQL aborts before the error stands.
    pub const CONFLICT_ATTEMPTS: u32 = 6;
    /// How long a write waits for the database to come back.
    pub const CONNECTION: Duration = Duration::from_secs(60);

    pub fn new() -> Patience {
        Patience {
            conflicts: 0,
            lost_since: None,
            lost_waits: 0,
        }
    }

    /// How long to wait before running the write again after `error`; `None` when
    /// the error stands (not transient, or patience is spent).
    pub fn wait_after(&mut self, error: &DbErr) -> Option<Duration> {
        let jitter = u64::from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .subsec_nanos(),
        ) % 50;
        if is_transient_conflict(error) {
            self.conflicts += 1;
            return (self.conflicts < Self::CONFLICT_ATTEMPTS)
                .then(|| Duration::from_millis(20 * u64::from(self.conflicts) + jitter));
        }
        if is_connection_lost(error) {
            let since = *self.lost_since.get_or_insert_with(Instant::now);
            if since.elapsed() >= Self::CONNECTION {
                return None;
            }
            self.lost_waits += 1;
            let backoff = 100u64 << self.lost_waits.min(5);
            return Some(Duration::from_millis(backoff.min(2_000) + jitter));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_connection_is_waited_out_and_other_errors_stand() {
        let mut patience = Patience::new();
        let lost = DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout);
        assert!(patience.wait_after(&lost).is_some());
        assert!(patience.wait_after(&lost).unwrap() > Duration::from_millis(100));
        let mut patience = Patience::new();
        assert_eq!(patience.wait_after(&DbErr::Custom("a bug".into())), None);
        assert_eq!(
            patience.wait_after(&DbErr::RecordNotFound("gone".into())),
            None
        );
    }
}
