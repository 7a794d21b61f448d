//! What clients asked of the simulator: requests and rate-limit points per GraphQL
//! operation, requests per REST route, and the faults it injected. Read through
//! `GET /_sim/stats` (see `control.rs`).

use std::collections::BTreeMap;

use serde::Serialize;

#[derive(Serialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub requests: u64,
    pub points: u64,
}

#[derive(Serialize, Clone, Debug, Default)]
pub struct Stats {
    /// By operation name (`anonymous` for unnamed operations).
    pub graphql: BTreeMap<String, Tally>,
    /// By `METHOD /route/{template}`; each REST request spends one point of the core budget.
    pub rest: BTreeMap<String, Tally>,
    /// Injected faults answered instead of the request: `bad_gateway`,
    /// `secondary_rate_limit`, `rate_limited`, `revoked`.
    pub faults: BTreeMap<String, u64>,
}

impl Stats {
    pub fn graphql(&mut self, operation: &str, points: u32) {
        let t = self.graphql.entry(operation.to_string()).or_default();
        t.requests += 1;
        t.points += u64::from(points);
    }

    pub fn rest(&mut self, route: String) {
        let t = self.rest.entry(route).or_default();
        t.requests += 1;
        t.points += 1;
    }

    pub fn fault(&mut self, kind: &str) {
        *self.faults.entry(kind.to_string()).or_default() += 1;
    }

    fn sum<'a>(tallies: impl Iterator<Item = &'a Tally>) -> Tally {
        tallies.fold(Tally::default(), |a, t| Tally {
            requests: a.requests + t.requests,
            points: a.points + t.points,
        })
    }

    /// The JSON `GET /_sim/stats` answers.
    pub fn report(&self) -> serde_json::Value {
        let graphql = Stats::sum(self.graphql.values());
        let rest = Stats::sum(self.rest.values());
        serde_json::json!({
            "graphql": {"requests": graphql.requests, "points": graphql.points, "operations": self.graphql},
            "rest": {"requests": rest.requests, "points": rest.points, "routes": self.rest},
            "faults": self.faults,
            "total": {"requests": graphql.requests + rest.requests, "points": graphql.points + rest.points},
        })
    }
}
