//! A budget of badly signed bytes per integration. Checking a signature means reading
//! and hashing the whole body, so a sender without the secret can make the receiver
//! read and hash as much as it sends. Each integration may have a burst of
//! [`BUDGET`]'s burst of bodies with a wrong signature, refilled at its rate.
//!
//! A body's bytes are taken from the budget when it is admitted, before it is read
//! ([`BadSignatures::admit`]), and given back once its signature proved good
//! ([`Reservation::give_back`]): so a crowd of senders arriving together is admitted only
//! as far as the budget goes, not all of them because nothing was spent yet. Once the
//! budget is spent, bodies over [`SMALL_BODY`] for that integration are refused with
//! 503 before they are read, until it has refilled. Small bodies are still read (they
//! cost little), so GitHub's ordinary deliveries keep arriving during an attack; a
//! large genuine one refused then is redelivered by GitHub or by the recovery job.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use super::refill::{Bucket, Rate};

/// Bodies up to this size are read whatever the budget says.
pub const SMALL_BODY: usize = 256 << 10;
/// Badly signed bytes an integration may send at once, and how fast that refills.
const BUDGET: Rate = Rate {
    burst: (32 << 20) as f64,
    per_second: (4 << 20) as f64,
};

#[derive(Default)]
pub struct BadSignatures {
    /// Only integrations whose budget is not full: an entry refilled to the full burst
    /// is dropped, so the map holds the integrations being sent bodies (or attacked).
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// Bytes taken from an integration's budget for a body being read: kept as spent when
/// dropped (the signature was wrong, or the body never came whole), given back by
/// [`Reservation::give_back`].
pub struct Reservation {
    budget: Arc<BadSignatures>,
    integration_id: String,
    bytes: usize,
}

impl BadSignatures {
    /// Takes a body of `length` bytes (`None`: not declared, counted as `otherwise`)
    /// from the integration's budget if it may be read now; `None` when the budget is
    /// spent and the body is large.
    pub fn admit(
        self: &Arc<Self>,
        integration_id: &str,
        length: Option<usize>,
        otherwise: usize,
    ) -> Option<Reservation> {
        let small = length.is_some_and(|length| length <= SMALL_BODY);
        let bytes = length.unwrap_or(otherwise);
        let mut buckets = self.buckets.lock().expect("never poisoned");
        let bucket = buckets
            .get(integration_id)
            .map_or_else(|| Bucket::full(BUDGET), |b| b.now(BUDGET));
        if !small && bucket.left <= 0.0 {
            buckets.insert(integration_id.to_string(), bucket);
            return None;
        }
        buckets.insert(
            integration_id.to_string(),
            bucket.with(bucket.left - bytes as f64),
        );
        Some(Reservation {
            budget: self.clone(),
            integration_id: integration_id.to_string(),
            bytes,
        })
    }

    fn give_back(&self, integration_id: &str, bytes: usize) {
        let mut buckets = self.buckets.lock().expect("never poisoned");
        let Some(bucket) = buckets.get(integration_id).map(|b| b.now(BUDGET)) else {
            return;
        };
        let left = bucket.left + bytes as f64;
        if left >= BUDGET.burst {
            buckets.remove(integration_id);
        } else {
            buckets.insert(integration_id.to_string(), bucket.with(left));
        }
    }
}

impl Reservation {
    /// The body came whole with `length` bytes: only those count from now on.
    pub fn read(&mut self, length: usize) {
        if length < self.bytes {
            self.budget
                .give_back(&self.integration_id, self.bytes - length);
            self.bytes = length;
        }
    }

    /// The body costs the budget nothing: its signature was good, or it was not read.
    pub fn give_back(mut self) {
        self.budget.give_back(&self.integration_id, self.bytes);
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LARGE: usize = 5 << 20;

    #[test]
    fn a_spent_budget_refuses_large_bodies_of_that_integration_only() {
        let budget = Arc::new(BadSignatures::default());
        for _ in 0..7 {
            drop(
                budget
                    .admit("a", Some(LARGE), LARGE)
                    .expect("within the burst"),
            );
        }
        assert!(
            budget.admit("a", Some(LARGE), LARGE).is_none(),
            "35 MiB spent"
        );
        assert!(
            budget.admit("a", None, LARGE).is_none(),
            "an undeclared length counts as large"
        );
        assert!(
            budget.admit("a", Some(2_000), LARGE).is_some(),
            "small bodies are still read"
        );
        assert!(
            budget.admit("b", Some(LARGE), LARGE).is_some(),
            "another integration is not touched"
        );
    }

    /// Bodies being read at once take their bytes before any is refused: a crowd
    /// arriving together gets only as far as the burst.
    #[test]
    fn bodies_admitted_together_are_counted_before_they_are_read() {
        let budget = Arc::new(BadSignatures::default());
        let admitted: Vec<Reservation> = (0..20)
            .filter_map(|_| budget.admit("a", Some(LARGE), LARGE))
            .collect();
        assert_eq!(
            admitted.len(),
            7,
            "32 MiB of 5 MiB bodies, the last one over"
        );
    }

    #[test]
    fn a_good_signature_gives_its_bytes_back_and_a_short_body_its_difference() {
        let budget = Arc::new(BadSignatures::default());
        for _ in 0..100 {
            budget
                .admit("a", Some(LARGE), LARGE)
                .expect("given back each time")
                .give_back();
        }
        for _ in 0..100 {
            let mut undeclared = budget.admit("a", None, 25 << 20).expect("within");
            undeclared.read(1_000);
        }
        assert!(
            budget.admit("a", Some(LARGE), LARGE).is_some(),
            "100 short bodies cost 100,000 bytes, not 100 times 25 MiB"
        );
    }
}
