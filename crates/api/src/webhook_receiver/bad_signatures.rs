//! A budget of badly signed bytes per integration. Checking a signature means reading
//! and hashing the whole body, so a sender without the secret can make the receiver
//! read and hash as much as it sends. Each integration may have a burst of
//! [`BURST_BYTES`] of bodies with a wrong signature, refilled at [`BYTES_PER_SECOND`];
//! once spent, bodies over [`SMALL_BODY`] for that integration are refused with 503
//! before they are read, until the budget has refilled. Small bodies are still read
//! (they cost little), so GitHub's ordinary deliveries keep arriving during an attack;
//! a large genuine one refused then is redelivered by GitHub or by the recovery job.

use std::{collections::HashMap, sync::Mutex, time::Instant};

/// Bodies up to this size are read whatever the budget says.
pub const SMALL_BODY: usize = 256 << 10;
/// Badly signed bytes an integration may send at once.
const BURST_BYTES: f64 = (32 << 20) as f64;
/// How fast the budget refills.
const BYTES_PER_SECOND: f64 = (4 << 20) as f64;

#[derive(Clone, Copy)]
struct Bucket {
    bytes: f64,
    at: Instant,
}

impl Bucket {
    fn now(self) -> Bucket {
        let at = Instant::now();
        Bucket {
            bytes: (self.bytes + at.duration_since(self.at).as_secs_f64() * BYTES_PER_SECOND)
                .min(BURST_BYTES),
            at,
        }
    }
}

#[derive(Default)]
pub struct BadSignatures {
    /// Only integrations that sent a bad signature lately; an entry refilled to the
    /// full burst is dropped, so the map holds the integrations under attack only.
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl BadSignatures {
    /// Whether a body of `length` bytes (`None`: not declared) for the integration may
    /// be read now.
    pub fn may_read(&self, integration_id: &str, length: Option<usize>) -> bool {
        if length.is_some_and(|length| length <= SMALL_BODY) {
            return true;
        }
        let mut buckets = self.buckets.lock().expect("never poisoned");
        let Some(bucket) = buckets.get(integration_id).map(|b| b.now()) else {
            return true;
        };
        if bucket.bytes >= BURST_BYTES {
            buckets.remove(integration_id);
            return true;
        }
        buckets.insert(integration_id.to_string(), bucket);
        bucket.bytes > 0.0
    }

    /// Counts a body whose signature was wrong against the integration's budget.
    pub fn spent(&self, integration_id: &str, length: usize) {
        let mut buckets = self.buckets.lock().expect("never poisoned");
        let bucket = buckets
            .get(integration_id)
            .map(|b| b.now())
            .unwrap_or(Bucket {
                bytes: BURST_BYTES,
                at: Instant::now(),
            });
        buckets.insert(
            integration_id.to_string(),
            Bucket {
                bytes: bucket.bytes - length as f64,
                ..bucket
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_budget_refuses_large_bodies_of_that_integration_only() {
        let budget = BadSignatures::default();
        assert!(budget.may_read("a", Some(5 << 20)));
        for _ in 0..7 {
            budget.spent("a", 5 << 20);
        }
        assert!(!budget.may_read("a", Some(5 << 20)), "32 MiB spent");
        assert!(
            !budget.may_read("a", None),
            "an undeclared length counts as large"
        );
        assert!(
            budget.may_read("a", Some(2_000)),
            "small bodies are still read"
        );
        assert!(
            budget.may_read("b", Some(5 << 20)),
            "another integration is not touched"
        );
    }
}
