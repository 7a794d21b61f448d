//! Reloads of an integration's hook secrets for deliveries that name a hook the
//! receiver's cache does not know. A new hook's first delivery, its ping, can arrive
//! moments after the receiver last read the secrets (another organization's ping, a
//! second earlier), and GitHub does not send it again. So a delivery naming an unknown
//! hook id may reload the secrets at once, where other wrong signatures wait out
//! `RELOAD_AT_MOST_EVERY`. A sender without the secret can name any hook id, so these
//! reloads have a budget per integration: [`BURST`] at once, [`PER_SECOND`] after.

use std::{collections::HashMap, sync::Mutex, time::Instant};

/// Reloads an integration may have at once (hooks made together: one per organization).
const BURST: f64 = 10.0;
/// How fast the budget refills.
const PER_SECOND: f64 = 5.0;

#[derive(Default)]
pub struct NewHookReloads {
    /// Integrations that used some of their budget lately, and what is left.
    budgets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl NewHookReloads {
    /// Takes one reload from the integration's budget; `false` when it is spent.
    pub fn take(&self, integration_id: &str) -> bool {
        let mut budgets = self.budgets.lock().expect("never poisoned");
        let now = Instant::now();
        let (left, at) = budgets.get(integration_id).copied().unwrap_or((BURST, now));
        let left = (left + now.duration_since(at).as_secs_f64() * PER_SECOND).min(BURST);
        if left < 1.0 {
            budgets.insert(integration_id.to_string(), (left, now));
            return false;
        }
        budgets.insert(integration_id.to_string(), (left - 1.0, now));
        // Full again before long; entries of integrations nobody floods are dropped.
        budgets.retain(|_, (left, at)| {
            *left + now.duration_since(*at).as_secs_f64() * PER_SECOND < BURST
        });
        true
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
