//! The row of a statement that only counts.

use sea_orm::FromQueryResult;

/// `SELECT COUNT(*) AS total …`.
#[derive(Clone, Copy, Debug, FromQueryResult)]
pub struct Count {
    pub total: i64,
}
