//! Primary rate limits: a fixed one-hour window per caller and resource,
//! starting at the caller's first request, as GitHub does.

use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resource {
    Core,
    Graphql,
}

impl Resource {
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Core => "core",
            Resource::Graphql => "graphql",
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Snapshot {
    pub resource: Resource,
    pub limit: u32,
    pub used: u32,
    /// Epoch seconds at which the window ends.
    pub reset: i64,
}

impl Snapshot {
    pub fn remaining(&self) -> u32 {
        self.limit.saturating_sub(self.used)
    }

    pub fn headers(&self) -> Vec<(&'static str, String)> {
        vec![
            ("x-ratelimit-limit", self.limit.to_string()),
            ("x-ratelimit-remaining", self.remaining().to_string()),
            ("x-ratelimit-reset", self.reset.to_string()),
            ("x-ratelimit-used", self.used.to_string()),
            ("x-ratelimit-resource", self.resource.as_str().to_string()),
        ]
    }
}

const WINDOW_SECS: i64 = 3600;

#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<(String, Resource), (i64, u32)>>,
}

impl RateLimiter {
    /// Spends `cost` points. `Err` carries the exhausted window: nothing is spent.
    pub fn charge(
        &self,
        key: &str,
        resource: Resource,
        limit: u32,
        cost: u32,
    ) -> Result<Snapshot, Snapshot> {
        let now = chrono::Utc::now().timestamp();
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let entry = windows
            .entry((key.to_string(), resource))
            .or_insert((now + WINDOW_SECS, 0));
        if entry.0 <= now {
            *entry = (now + WINDOW_SECS, 0);
        }
        let reset = entry.0;
        let snapshot = |used| Snapshot {
            resource,
            limit,
            used,
            reset,
        };
        if entry.1.saturating_add(cost) > limit {
            return Err(snapshot(entry.1));
        }
        entry.1 += cost;
        Ok(snapshot(entry.1))
    }

    pub fn peek(&self, key: &str, resource: Resource, limit: u32) -> Snapshot {
        let now = chrono::Utc::now().timestamp();
        let windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        match windows.get(&(key.to_string(), resource)) {
            Some(&(reset, used)) if reset > now => Snapshot {
                resource,
                limit,
                used,
                reset,
            },
            _ => Snapshot {
                resource,
                limit,
                used: 0,
                reset: now + WINDOW_SECS,
            },
        }
    }
}
