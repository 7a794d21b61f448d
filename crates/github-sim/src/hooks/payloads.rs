//! Webhook payloads with the shapes of GitHub's example deliveries, built from the
//! simulator's data so ids, node ids and logins agree with its REST and GraphQL.

use serde_json::{Value, json};

use super::Hook;
use super::rest::hook_json;
use crate::dataset::{Org, User};
use crate::rest::{org_json, user_json};

const ZEN: &[&str] = &[
    "Design for failure.",
    "Keep it logically awesome.",
    "Speak like a human.",
    "Non-blocking is better than blocking.",
    "Favor focus over features.",
    "Approachable is better than simple.",
    "Practicality beats purity.",
    "Responsive is better than fast.",
    "Encourage flow.",
    "Half measures are as bad as nothing at all.",
];

/// The `ping` GitHub sends when a hook is created or pinged.
pub(crate) fn ping(base: &str, hook: &Hook, org: &Org, sender: &User) -> Value {
    json!({
        "zen": ZEN[(hook.id as usize) % ZEN.len()],
        "hook_id": hook.id,
        "hook": hook_json(base, hook),
        "organization": org_json(base, org),
        "sender": user_json(base, sender),
    })
}
