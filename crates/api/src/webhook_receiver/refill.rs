//! An amount that refills at a steady rate up to a cap (a token bucket): the budgets
//! of badly signed bytes (`bad_signatures`) and of new-hook reloads (`new_hooks`).

use std::time::Instant;

/// A budget's cap and how fast it refills, per second.
#[derive(Clone, Copy)]
pub struct Rate {
    pub burst: f64,
    pub per_second: f64,
}

/// What is left of a budget, as of `at`.
#[derive(Clone, Copy)]
pub struct Bucket {
    pub left: f64,
    at: Instant,
}

impl Bucket {
    pub fn full(rate: Rate) -> Bucket {
        Bucket {
            left: rate.burst,
            at: Instant::now(),
        }
    }

    /// What is left now, refilled since `at`, at most the burst.
    pub fn now(self, rate: Rate) -> Bucket {
        let at = Instant::now();
        Bucket {
            left: (self.left + at.duration_since(self.at).as_secs_f64() * rate.per_second)
                .min(rate.burst),
            at,
        }
    }

    /// The same moment with `left` instead.
    pub fn with(self, left: f64) -> Bucket {
        Bucket { left, ..self }
    }
}
