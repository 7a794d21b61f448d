//! Where GitHub's webhook deliveries are received: `POST /webhooks/github/{integration
//! id}`. (The hooks themselves are kept by the `org-hooks` crate; the worker applies
//! what arrives.)
//!
//! The receiver's hot path is one cached lookup of the integration's hook secrets and
//! a hand-over to the intake, which stores and queues deliveries a batch at a time: it
//! verifies the signature over the raw body before reading anything in it, has the
//! delivery kept and queued, and answers 202. The worker applies it.
//!
//! What an unauthenticated sender can make it do is bounded: a missing or malformed
//! signature, or missing delivery headers, is refused before the body is read; the
//! `X-GitHub-Hook-ID` picks the one secret to try; the secrets are read again at most
//! once every few seconds per integration; the bodies being read together hold at most
//! [`BODIES_IN_FLIGHT`] bytes; a large body is hashed off the async executor, one at a
//! time; and an integration sent too many badly signed bytes lately has its large
//! bodies refused unread for a while, the bytes of bodies being read counted before
//! they are read (`bad_signatures`).

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use chrono::Utc;
use entity::{integration, webhook};
use github::webhook::{MAX_PAYLOAD_BYTES, SIGNATURE_HEADER, verify, well_formed};
use poem::{
    Body, Response, handler,
    http::{HeaderMap, StatusCode, header},
    web::{Data, Path},
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;

use crate::crypto::SecretBox;
use intake::{Intake, NewDelivery, Taken};
use queue::Queue;

mod bad_signatures;
mod intake;
mod new_hooks;
mod refill;

pub use org_hooks::RECEIVER_PATH;

/// How long the receiver trusts its cached secrets before reading them again; a
/// delivery signed with a secret it does not know yet reloads them, at most once every
/// [`RELOAD_AT_MOST_EVERY`] per integration (wrong signatures cost no query).
const SECRETS_TTL: Duration = Duration::from_secs(30);
const RELOAD_AT_MOST_EVERY: Duration = Duration::from_secs(5);

/// The bytes of bodies being read at once, over every request: a sender holding many
/// large bodies open gets 503 rather than the server's memory.
pub const BODIES_IN_FLIGHT: usize = 64 << 20;
/// Bodies larger than this are hashed on a blocking thread.
const HASH_INLINE_UP_TO: usize = bad_signatures::SMALL_BODY;
/// How long a request refused for its integration's spent budget of badly signed
/// bytes is held before its answer (at least [`TARPIT`], up to [`TARPIT_SPREAD`] more,
/// at random; under GitHub's 10-second delivery timeout), and how many are held at
/// once (beyond that, they are answered at once).
const TARPIT: Duration = Duration::from_secs(1);
const TARPIT_SPREAD: Duration = Duration::from_secs(2);
const HELD_AT_ONCE: usize = 1_024;
/// Large bodies hashed at once: one, so that a flood of large bodies with wrong
/// signatures holds at most one core (of two here), and the executor keeps the other
/// for GraphQL and for small deliveries, which are hashed inline.
const LARGE_HASHES_AT_ONCE: usize = 1;

/// What the receiver knows of one integration.
#[derive(Clone)]
struct KnownIntegration {
    /// Each hook's id and its secret, opened.
    secrets: Vec<(Option<i64>, Arc<[u8]>)>,
    loaded_at: Instant,
}

/// The receiver's state, shared by every request.
#[derive(Clone)]
pub struct Receiver {
    db: DatabaseConnection,
    secrets: SecretBox,
    intake: Intake,
    cache: Arc<RwLock<HashMap<String, KnownIntegration>>>,
    /// Permits of 1 KiB of body each.
    in_flight: Arc<tokio::sync::Semaphore>,
    /// Permits to hash a large body ([`LARGE_HASHES_AT_ONCE`]).
    hashers: Arc<tokio::sync::Semaphore>,
    bad_signatures: Arc<bad_signatures::BadSignatures>,
    /// Permits to hold a refused request for [`TARPIT`] ([`HELD_AT_ONCE`]).
    held: Arc<tokio::sync::Semaphore>,
    new_hook_reloads: Arc<new_hooks::NewHookReloads>,
}

/// The two fields recorded beside the body, read only once the signature is good.
#[derive(Deserialize)]
struct Summary {
    action: Option<String>,
    repository: Option<RepositoryName>,
}

#[derive(Deserialize)]
struct RepositoryName {
    full_name: Option<String>,
}

fn answer(status: StatusCode, message: &str) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(serde_json::json!({ "message": message }).to_string())
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

impl Receiver {
    pub fn new(db: DatabaseConnection, secrets: SecretBox, queue: Queue) -> Self {
        Receiver {
            db: db.clone(),
            secrets,
            intake: Intake::start(db, queue),
            cache: Arc::default(),
            in_flight: Arc::new(tokio::sync::Semaphore::new(BODIES_IN_FLIGHT >> 10)),
            hashers: Arc::new(tokio::sync::Semaphore::new(LARGE_HASHES_AT_ONCE)),
            bad_signatures: Arc::default(),
            held: Arc::new(tokio::sync::Semaphore::new(HELD_AT_ONCE)),
            new_hook_reloads: Arc::default(),
        }
    }

    /// The integration's hook secrets; `None` when there is no such integration.
    /// `fresh_for`: how old a cached read may be ([`SECRETS_TTL`] normally, less after a
    /// signature matched none of them).
    async fn known(
        &self,
        integration_id: &str,
        fresh_for: Duration,
    ) -> Result<Option<KnownIntegration>, sea_orm::DbErr> {
        if let Some(known) = self
            .cache
            .read()
            .expect("the cache lock is never poisoned")
            .get(integration_id)
            .filter(|k| k.loaded_at.elapsed() < fresh_for)
        {
            return Ok(Some(known.clone()));
        }
        let exists = integration::Entity::find_by_id(integration_id.to_string())
            .select_only()
            .column(integration::Column::Id)
            .into_tuple::<String>()
            .one(&self.db)
            .await?
            .is_some();
        if !exists {
            self.cache
                .write()
                .expect("the cache lock is never poisoned")
                .remove(integration_id);
            return Ok(None);
        }
        let rows: Vec<(Option<i64>, i64, Option<String>)> = webhook::Entity::find()
            .select_only()
            .column(webhook::Column::HookId)
            .column(webhook::Column::GithubOrgId)
            .column(webhook::Column::SecretCiphertext)
            .filter(webhook::Column::IntegrationId.eq(integration_id))
            .order_by_asc(webhook::Column::Organization)
            .into_tuple()
            .all(&self.db)
            .await?;
        let secrets = rows
            .into_iter()
            .filter_map(|(hook_id, org_id, sealed)| {
                let at = entity::sealed::SealedAt::hook_secret(integration_id, org_id);
                let opened = self.secrets.open(&sealed?, &at).ok()?;
                Some((hook_id, Arc::from(opened.into_bytes())))
            })
            .collect();
        let known = KnownIntegration {
            secrets,
            loaded_at: Instant::now(),
        };
        self.cache
            .write()
            .expect("the cache lock is never poisoned")
            .insert(integration_id.to_string(), known.clone());
        Ok(Some(known))
    }

    /// The secrets to try: the hook's the delivery names (and those of hooks whose id
    /// GitHub has not given yet: a hook's first ping can arrive before its id is
    /// stored); every hook's only when the delivery names none (GitHub always does).
    fn candidates(known: &KnownIntegration, hook_id: Option<i64>) -> Vec<Arc<[u8]>> {
        match hook_id {
            Some(id) => known
                .secrets
                .iter()
                .filter(|(hook, _)| *hook == Some(id) || hook.is_none())
                .map(|(_, secret)| secret.clone())
                .collect(),
            None => known.secrets.iter().map(|(_, s)| s.clone()).collect(),
        }
    }

    /// Whether one of `secrets` signed `body`; a large body is hashed on a blocking
    /// thread, one at a time, so a flood of them does not stall the executor.
    async fn signed_by<B: AsRef<[u8]> + Send + 'static>(
        &self,
        secrets: Vec<Arc<[u8]>>,
        body: B,
        signature: String,
    ) -> bool {
        if secrets.is_empty() {
            return false;
        }
        let inline = body.as_ref().len() <= HASH_INLINE_UP_TO;
        let check = move || {
            secrets
                .iter()
                .any(|secret| verify(secret, body.as_ref(), Some(&signature)))
        };
        if inline {
            return check();
        }
        let Ok(_hashing) = self.hashers.acquire().await else {
            return false;
        };
        tokio::task::spawn_blocking(check).await.unwrap_or(false)
    }

    async fn receive(&self, integration_id: &str, headers: &HeaderMap, body: Body) -> Response {
        let declared = header_text(headers, header::CONTENT_LENGTH.as_str())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|length| length > MAX_PAYLOAD_BYTES) {
            return too_large();
        }
        // Everything that can be refused without the body is refused before reading it.
        let signature = match header_text(headers, SIGNATURE_HEADER) {
            Some(signature) if well_formed(signature) => signature.to_string(),
            Some(_) => {
                return answer(
                    StatusCode::UNAUTHORIZED,
                    "Malformed X-Hub-Signature-256: GitHub sends sha256= and 64 hex digits.",
                );
            }
            None => {
                return answer(
                    StatusCode::UNAUTHORIZED,
                    "Missing X-Hub-Signature-256: deliveries must be signed with the hook's secret.",
                );
            }
        };
        let (Some(event), Some(delivery_id)) = (
            header_text(headers, "x-github-event"),
            header_text(headers, "x-github-delivery"),
        ) else {
            return answer(
                StatusCode::BAD_REQUEST,
                "A delivery needs the X-GitHub-Event and X-GitHub-Delivery headers.",
            );
        };
        let hook_id = header_text(headers, "x-github-hook-id").and_then(|v| v.parse::<i64>().ok());
        let Ok(Some(mut known)) = self
            .known(integration_id, SECRETS_TTL)
            .await
            .map_err(|error| {
                tracing::error!(%error, "reading the integration's hook secrets");
            })
        else {
            return answer(StatusCode::NOT_FOUND, "No such integration.");
        };
        let Some(mut reservation) =
            self.bad_signatures
                .admit(integration_id, declared, MAX_PAYLOAD_BYTES)
        else {
            // Held a moment before the answer (a tarpit): a sender that keeps sending
            // badly signed bodies gets an answer every second or two per connection
            // instead of hundreds, and its retries stop costing the host's cores. The
            // hold is drawn at random: a fixed one sent a crowd refused together back
            // together, one burst of reconnections a second. A held request is a
            // sleeping task and an unread socket; a bounded number are held.
            if let Ok(_held) = self.held.clone().try_acquire_owned() {
                let spread = fastrand::u64(..TARPIT_SPREAD.as_millis() as u64);
                tokio::time::sleep(TARPIT + Duration::from_millis(spread)).await;
            }
            return answer(
                StatusCode::SERVICE_UNAVAILABLE,
                "Too many badly signed deliveries for this integration lately: large bodies are refused for a moment; GitHub can redeliver this one.",
            );
        };
        // The body's bytes count against what all requests may hold at once.
        let kib = declared.unwrap_or(MAX_PAYLOAD_BYTES).div_ceil(1024).max(1) as u32;
        let Ok(_permit) = self.in_flight.clone().try_acquire_many_owned(kib) else {
            reservation.give_back();
            return answer(
                StatusCode::SERVICE_UNAVAILABLE,
                "Too many deliveries are being received at once; GitHub can redeliver this one.",
            );
        };
        let body = match body.into_bytes_limit(MAX_PAYLOAD_BYTES).await {
            Ok(body) => body,
            Err(poem::error::ReadBodyError::PayloadTooLarge) => return too_large(),
            Err(error) => {
                return answer(
                    StatusCode::BAD_REQUEST,
                    &format!("The body could not be read: {error}"),
                );
            }
        };
        reservation.read(body.len());
        if !self
            .signed_by(
                Self::candidates(&known, hook_id),
                body.clone(),
                signature.clone(),
            )
            .await
        {
            // A hook made since the secrets were cached: read again at most every few
            // seconds (so wrong signatures cost no query), or at once, within a budget,
            // when the delivery names a hook the cache does not know (`new_hooks`). The
            // body is hashed again only with secrets it was not tried with.
            let tried = Self::candidates(&known, hook_id);
            let names_a_new_hook =
                hook_id.is_some_and(|id| !known.secrets.iter().any(|(hook, _)| *hook == Some(id)));
            let fresh_for = if names_a_new_hook && self.new_hook_reloads.take(integration_id) {
                Duration::ZERO
            } else {
                RELOAD_AT_MOST_EVERY
            };
            match self.known(integration_id, fresh_for).await {
                Ok(Some(fresh)) => known = fresh,
                _ => return answer(StatusCode::NOT_FOUND, "No such integration."),
            }
            let untried: Vec<Arc<[u8]>> = Self::candidates(&known, hook_id)
                .into_iter()
                .filter(|secret| !tried.contains(secret))
                .collect();
            if !self.signed_by(untried, body.clone(), signature).await {
                // The reservation stays spent.
                return answer(
                    StatusCode::UNAUTHORIZED,
                    "Wrong X-Hub-Signature-256: the body does not match the signature of the hook the delivery names.",
                );
            }
        }
        reservation.give_back();
        let text = match std::str::from_utf8(&body) {
            Ok(text) => text,
            Err(error) => {
                return answer(
                    StatusCode::BAD_REQUEST,
                    &format!("The body is not UTF-8: {error}"),
                );
            }
        };
        let summary: Summary = match serde_json::from_str(text) {
            Ok(summary) => summary,
            Err(error) => {
                return answer(
                    StatusCode::BAD_REQUEST,
                    &format!(
                        "The body is not the JSON payload expected (the hook must use content type application/json): {error}"
                    ),
                );
            }
        };
        let delivery = NewDelivery {
            integration_id: integration_id.to_string(),
            delivery_id: delivery_id.to_string(),
            event: event.to_string(),
            action: summary.action,
            hook_id,
            repository: summary.repository.and_then(|r| r.full_name),
            body: text.to_string(),
            body_sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(text.as_bytes())),
            received_at: Utc::now(),
        };
        match self.intake.take(delivery).await {
            Taken::Accepted => answer(
                StatusCode::ACCEPTED,
                "Received; it is applied on the queue.",
            ),
            Taken::AlreadyReceived => answer(StatusCode::OK, "Already received; applied once."),
            Taken::NotStored => answer(
                StatusCode::SERVICE_UNAVAILABLE,
                "The delivery could not be stored; GitHub can redeliver it.",
            ),
            // Why (the intake logged it) stays out of the answer.
            Taken::NotQueued(_) => answer(
                StatusCode::SERVICE_UNAVAILABLE,
                "The delivery could not be queued; GitHub can redeliver it.",
            ),
        }
    }
}

fn too_large() -> Response {
    answer(
        StatusCode::PAYLOAD_TOO_LARGE,
        "The body is over GitHub's 25 MB cap for webhook payloads.",
    )
}

#[handler]
pub async fn receive(
    receiver: Data<&Receiver>,
    Path(integration_id): Path<String>,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    receiver.receive(&integration_id, headers, body).await
}
