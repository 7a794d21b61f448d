//! Reloads of an integration's hook secrets for deliveries that name a hook the
//! receiver's cache does not know. A new hook's first delivery, its ping, can arrive
//! moments after the receiver last read the secrets (another organization's ping, a
//! second earlier), and GitHub does not send it again. So a delivery naming an unknown
//! hook id may reload the secrets at once, where other wrong signatures wait out
//! `RELOAD_AT_MOST_EVERY`. A sender without the secret can name any hook id, so these
//! reloads have a budget per integration ([`BUDGET`]).

use std::{collections::HashMap, sync::Mutex};

use super::refill::{Bucket, Rate};

/// Reloads an integration may have at once (hooks made together: one per
/// organization), and how many a second after.
const BUDGET: Rate = Rate {
    burst: 10.0,
    per_second: 5.0,
};

#[derive(Default)]
pub struct NewHookReloads {
    /// Integrations that used some of their budget lately, and what is left.
    budgets: Mutex<HashMap<String, Bucket>>,
}

impl NewHookReloads {
    /// Takes one reload from the integration's budget; `false` when it is spent.
    pub fn take(&self, integration_id: &str) -> bool {
        let mut budgets = self.budgets.lock().expect("never poisoned");
        let bucket = budgets
            .get(integration_id)
            .map_or_else(|| Bucket::full(BUDGET), |b| b.now(BUDGET));
        let taken = bucket.left >= 1.0;
        let left = if taken {
            bucket.left - 1.0
        } else {
            bucket.left
        };
        budgets.insert(integration_id.to_string(), bucket.with(left));
        // Entries refilled to the full burst are dropped: the map holds only the
        // integrations that used their budget lately.
        budgets.retain(|_, b| b.now(BUDGET).left < BUDGET.burst);
        taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_integration_gets_a_burst_of_reloads_then_a_few_a_second() {
        let reloads = NewHookReloads::default();
        let taken = (0..100).filter(|_| reloads.take("a")).count();
        assert_eq!(taken, 10, "the burst, then nothing at once");
        assert!(reloads.take("b"), "another integration has its own");
        std::thread::sleep(std::time::Duration::from_millis(450));
        assert!(reloads.take("a"), "refilled meanwhile");
    }
}
