//! An event on its way to a hook, and the HTTP client Hookshot posts with.

use std::time::Duration;

use serde_json::Value;

/// GitHub marks a delivery failed when the receiver takes longer than this.
const TIMEOUT: Duration = Duration::from_secs(10);

pub(super) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

/// One event on its way to one hook.
#[derive(Clone, Debug)]
pub(crate) struct Outgoing {
    pub hook_id: i64,
    pub event: String,
    pub payload: Value,
    /// `X-GitHub-Delivery`: kept by redeliveries, new for everything else.
    pub guid: String,
    pub redelivery: bool,
}

impl Outgoing {
    pub fn new(hook_id: i64, event: &str, payload: Value) -> Outgoing {
        Outgoing {
            hook_id,
            event: event.to_string(),
            payload,
            guid: new_guid(),
            redelivery: false,
        }
    }
}

/// A random version-4 UUID: delivery GUIDs must never repeat, not even across
/// simulator restarts with the same seed, since receivers deduplicate on them.
fn new_guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_version_4_uuids() {
        let a = new_guid();
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
        assert_ne!(a, new_guid());
    }
}
