//! Sending a delivery as GitHub's Hookshot does: a POST with GitHub's headers,
//! signed with the hook's secret (HMAC-SHA256, and the legacy HMAC-SHA1), a 10 s
//! timeout, no redirects followed, and every attempt recorded with what was sent
//! and what came back.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::{SubsecRound, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use tokio::sync::mpsc;

use super::hook::{ContentType, Delivery};
use super::outgoing::Outgoing;
use super::store::Hooks;
use crate::urlenc::encode_component;

const USER_AGENT: &str = "GitHub-Hookshot/7f3c2a1";
/// Receivers' answers are kept for the delivery view, cut like GitHub's.
const RESPONSE_KEPT: usize = 16 * 1024;

/// `sha256=<hex HMAC-SHA256(secret, body)>`, the `X-Hub-Signature-256` value.
pub(crate) fn sign_sha256(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// `sha1=<hex HMAC-SHA1(secret, body)>`, the legacy `X-Hub-Signature` value.
pub(crate) fn sign_sha1(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha1={}", hex::encode(mac.finalize().into_bytes()))
}

impl Hooks {
    /// Sends one delivery now and records it; `None` when the hook is gone.
    pub async fn send(&self, out: Outgoing) -> Option<Delivery> {
        let hook = self.get(out.hook_id)?;
        let id = self.next_delivery_id();
        let json = out.payload.to_string();
        let (content_type, body) = match hook.config.content_type {
            ContentType::Json => ("application/json", json),
            ContentType::Form => (
                "application/x-www-form-urlencoded",
                format!("payload={}", encode_component(&json)),
            ),
        };
        let mut headers = BTreeMap::from([
            ("Accept".to_string(), "*/*".to_string()),
            ("Content-Type".into(), content_type.into()),
            ("User-Agent".into(), USER_AGENT.into()),
            ("X-GitHub-Delivery".into(), out.guid.clone()),
            ("X-GitHub-Event".into(), out.event.clone()),
            ("X-GitHub-Hook-ID".into(), hook.id.to_string()),
            (
                "X-GitHub-Hook-Installation-Target-ID".into(),
                hook.org_id.to_string(),
            ),
            (
                "X-GitHub-Hook-Installation-Target-Type".into(),
                "organization".into(),
            ),
        ]);
        if let Some(secret) = hook.config.secret.as_deref() {
            headers.insert("X-Hub-Signature".into(), sign_sha1(secret, body.as_bytes()));
            headers.insert(
                "X-Hub-Signature-256".into(),
                sign_sha256(secret, body.as_bytes()),
            );
        }
        let delivered_at = Utc::now().trunc_subsecs(0);
        let started = Instant::now();
        let mut request = self.client.post(&hook.config.url);
        for (name, value) in &headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let answer = match request.body(body).send().await {
            Ok(response) => {
                let code = response.status().as_u16();
                let response_headers: BTreeMap<String, String> = response
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
                    .collect();
                let mut text = response.text().await.unwrap_or_default();
                if text.len() > RESPONSE_KEPT {
                    let cut = (0..=RESPONSE_KEPT)
                        .rev()
                        .find(|&i| text.is_char_boundary(i))
                        .unwrap_or(0);
                    text.truncate(cut);
                }
                let status = if (200..300).contains(&code) {
                    "OK".to_string()
                } else {
                    format!("Invalid HTTP Response: {code}")
                };
                (status, code, response_headers, text)
            }
            Err(e) => {
                let status = if e.is_timeout() {
                    "timed out"
                } else {
                    "failed to connect to host"
                };
                (status.to_string(), 0, BTreeMap::new(), String::new())
            }
        };
        let (status, status_code, response_headers, response_body) = answer;
        let delivery = Delivery {
            id,
            guid: out.guid,
            hook_id: hook.id,
            delivered_at,
            redelivery: out.redelivery,
            duration: (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
            status,
            status_code,
            action: out
                .payload
                .get("action")
                .and_then(Value::as_str)
                .map(str::to_string),
            repository_id: out
                .payload
                .pointer("/repository/id")
                .and_then(Value::as_i64),
            event: out.event,
            url: hook.config.url.clone(),
            request_headers: headers,
            payload: out.payload,
            response_headers,
            response_body,
        };
        self.record(delivery.clone());
        Some(delivery)
    }

    /// Sends in the background (GitHub never makes the API call wait), in order
    /// per hook, each hook on its own queue so a slow receiver delays only itself.
    pub fn send_later(self: &Arc<Self>, outgoing: Vec<Outgoing>) {
        let mut queues = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        for out in outgoing {
            let hook_id = out.hook_id;
            // A queue whose worker is gone (its runtime ended) is replaced.
            let out = match queues.get(&hook_id) {
                Some(tx) => match tx.send(out) {
                    Ok(()) => continue,
                    Err(returned) => returned.0,
                },
                None => out,
            };
            let (tx, mut rx) = mpsc::unbounded_channel::<Outgoing>();
            let _ = tx.send(out);
            queues.insert(hook_id, tx);
            let hooks = Arc::downgrade(self);
            tokio::spawn(async move {
                while let Some(out) = rx.recv().await {
                    let Some(hooks) = hooks.upgrade() else { return };
                    hooks.send(out).await;
                }
            });
        }
    }

    /// One delivery of `event` for every active hook of `org` subscribed to it.
    pub fn fan_out(&self, org: &str, event: &str, payload: &Value) -> Vec<Outgoing> {
        self.of_org(org)
            .into_iter()
            .filter(|h| h.wants(event))
            .map(|h| Outgoing::new(h.id, event, payload.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_githubs_test_vector() {
        assert_eq!(
            sign_sha256("It's a Secret to Everybody", b"Hello, World!"),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
        assert!(sign_sha1("It's a Secret to Everybody", b"Hello, World!").starts_with("sha1="));
        assert_eq!(
            sign_sha1("It's a Secret to Everybody", b"Hello, World!").len(),
            "sha1=".len() + 40
        );
    }
}
