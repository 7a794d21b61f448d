//! Faults a test or benchmark switches on through `POST /_sim/faults` (see
//! `control.rs`): added latency, a share of 502s (deterministic from the seed), a
//! secondary rate limit for the next N requests, an exhausted primary budget until a
//! near reset, and revoked tokens.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids;

/// The body of `POST /_sim/faults`; every field is optional and absent means off.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FaultRequest {
    /// Milliseconds added before every API answer.
    #[serde(default)]
    pub latency_ms: u64,
    /// Share of API requests (0.0–1.0) answered `502 Bad Gateway`.
    #[serde(default)]
    pub bad_gateway_rate: f64,
    /// The next `requests` API requests get a secondary rate limit (403 with
    /// `retry-after: retry_after_secs`).
    #[serde(default)]
    pub secondary_rate_limit: Option<SecondaryLimit>,
    /// The primary budget is spent until `reset_in_secs` from now: GraphQL answers
    /// `RATE_LIMITED`, REST 403, both with `x-ratelimit-remaining: 0`.
    #[serde(default)]
    pub exhausted_budget: Option<ExhaustedBudget>,
    /// Tokens (the token itself or its scenario name, e.g. `owner`) answered 401.
    #[serde(default)]
    pub revoked_tokens: Vec<String>,
}

#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SecondaryLimit {
    pub requests: u32,
    #[serde(default = "default_retry_after")]
    pub retry_after_secs: u64,
}

fn default_retry_after() -> u64 {
    1
}

#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ExhaustedBudget {
    pub reset_in_secs: i64,
}

/// What the simulator does to the next API request.
#[derive(Debug, PartialEq, Eq)]
pub enum Fault {
    BadGateway,
    SecondaryRateLimit { retry_after_secs: u64 },
    RateLimited { reset: DateTime<Utc> },
}

/// The faults in force.
#[derive(Debug, Default)]
pub struct Faults {
    pub latency_ms: u64,
    bad_gateway_rate: f64,
    secondary_left: u32,
    retry_after_secs: u64,
    exhausted_until: Option<DateTime<Utc>>,
    revoked: HashSet<String>,
    /// Counts eligible requests, so the 502 pattern depends only on seed and order.
    drawn: u64,
    request: FaultRequest,
}

impl Faults {
    pub fn set(&mut self, request: FaultRequest, resolve_token: impl Fn(&str) -> Option<String>) {
        *self = Faults {
            latency_ms: request.latency_ms,
            bad_gateway_rate: request.bad_gateway_rate.clamp(0.0, 1.0),
            secondary_left: request.secondary_rate_limit.map_or(0, |s| s.requests),
            retry_after_secs: request
                .secondary_rate_limit
                .map_or(1, |s| s.retry_after_secs),
            exhausted_until: request
                .exhausted_budget
                .map(|e| Utc::now() + chrono::Duration::seconds(e.reset_in_secs)),
            revoked: request
                .revoked_tokens
                .iter()
                .map(|t| resolve_token(t).unwrap_or_else(|| t.clone()))
                .collect(),
            drawn: 0,
            request,
        };
    }

    /// What is in force, as `GET`/`POST /_sim/faults` answer it.
    pub fn report(&self) -> serde_json::Value {
        serde_json::json!({
            "latency_ms": self.latency_ms,
            "bad_gateway_rate": self.bad_gateway_rate,
            "secondary_rate_limit": (self.secondary_left > 0).then_some(SecondaryLimit {
                requests: self.secondary_left,
                retry_after_secs: self.retry_after_secs,
            }),
            "exhausted_until": self.exhausted_until.filter(|t| *t > Utc::now()),
            "revoked_tokens": self.request.revoked_tokens,
        })
    }

    pub fn is_revoked(&self, token: &str) -> bool {
        self.revoked.contains(token)
    }

    /// The fault for the next API request, if any (revocation is checked apart, as it
    /// needs the caller's token).
    pub fn next(&mut self, seed: u64) -> Option<Fault> {
        if let Some(until) = self.exhausted_until {
            if until > Utc::now() {
                return Some(Fault::RateLimited { reset: until });
            }
            self.exhausted_until = None;
        }
        if self.secondary_left > 0 {
            self.secondary_left -= 1;
            return Some(Fault::SecondaryRateLimit {
                retry_after_secs: self.retry_after_secs,
            });
        }
        if self.bad_gateway_rate > 0.0 {
            self.drawn += 1;
            let draw = ids::splitmix64(seed ^ self.drawn.wrapping_mul(0x9E37_79B9)) % 1_000_000;
            if (draw as f64) < self.bad_gateway_rate * 1_000_000.0 {
                return Some(Fault::BadGateway);
            }
        }
        None
    }
}
