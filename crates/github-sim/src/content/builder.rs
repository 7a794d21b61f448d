//! What every generated node shares: ids unique across the dataset, drawn from one
//! seeded generator per repository, and the fixed "now" content is dated against.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::ids;

/// Builds nodes of one repository with ids unique across the dataset.
pub(crate) struct RepoBuilder {
    pub rng: ChaCha8Rng,
    pub next_id: i64,
}

impl RepoBuilder {
    pub fn node_id(&mut self, prefix: &str) -> String {
        let id = self.next_id;
        self.next_id += 1;
        ids::node_id(prefix, id)
    }

    pub fn oid(&mut self) -> String {
        let (a, b, c): (u64, u64, u32) = (self.rng.r#gen(), self.rng.r#gen(), self.rng.r#gen());
        format!("{a:016x}{b:016x}{c:08x}")
    }

    /// A moment one minute to `max_hours` (and a minute) after `t`.
    pub fn after(&mut self, t: DateTime<Utc>, max_hours: i64) -> DateTime<Utc> {
        t + Duration::seconds(self.rng.gen_range(60..max_hours.max(1) * 3600 + 61))
    }

    /// Up to `up_to` distinct items of `from`.
    pub fn pick<T: Clone>(&mut self, from: &[T], up_to: usize) -> Vec<T> {
        let n = self.rng.gen_range(0..=up_to.min(from.len()));
        from.choose_multiple(&mut self.rng, n).cloned().collect()
    }

    /// Between none and twice `mean`.
    pub fn around(&mut self, mean: usize) -> usize {
        self.rng.gen_range(0..=mean * 2)
    }
}

/// Ids of a repository's content start far above GitHub-style account and repository
/// ids, one block of ten million per repository.
pub(crate) fn first_id(position: usize) -> i64 {
    10_000_000_000 + (position as i64) * 10_000_000
}

/// A fixed "now", like the dataset's, so content does not depend on when it was made.
pub(crate) fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}
