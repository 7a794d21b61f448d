//! Where GitHub's webhook deliveries are received: `POST /webhooks/github/{integration
//! id}`. (The hooks themselves are kept by the `org-hooks` crate; the worker applies
//! what arrives.)
//!
//! The receiver's hot path is one cached lookup of the integration's hook secrets and
//! a hand-over to the intake, which stores and queues deliveries a batch at a time: it
//! verifies the signature over the raw body before reading anything in it, has the
//! delivery kept and queued, and answers 202. The worker applies it.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use chrono::Utc;
use entity::{integration, webhook};
use github::webhook::{MAX_PAYLOAD_BYTES, SIGNATURE_HEADER, verify};
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

mod intake;

pub use org_hooks::RECEIVER_PATH;

/// How long the receiver trusts its cached secrets before reading them again; a
/// delivery signed with a secret it does not know yet reloads at once.
const SECRETS_TTL: Duration = Duration::from_secs(30);

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
        }
    }

    /// The integration's hook secrets; `None` when there is no such integration.
    async fn known(
        &self,
        integration_id: &str,
        reload: bool,
    ) -> Result<Option<KnownIntegration>, sea_orm::DbErr> {
        if !reload
            && let Some(known) = self
                .cache
                .read()
                .expect("the cache lock is never poisoned")
                .get(integration_id)
                .filter(|k| k.loaded_at.elapsed() < SECRETS_TTL)
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
        let rows: Vec<(Option<i64>, Option<String>)> = webhook::Entity::find()
            .select_only()
            .column(webhook::Column::HookId)
            .column(webhook::Column::SecretCiphertext)
            .filter(webhook::Column::IntegrationId.eq(integration_id))
            .order_by_asc(webhook::Column::Organization)
            .into_tuple()
            .all(&self.db)
            .await?;
        let secrets = rows
            .into_iter()
            .filter_map(|(hook_id, sealed)| {
                let opened = self.secrets.open(&sealed?).ok()?;
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

    /// The signature is good with the secret of the hook the delivery names, or (a
    /// hook GitHub re-created, a header missing) with any of the integration's.
    fn signed_by(
        known: &KnownIntegration,
        hook_id: Option<i64>,
        body: &[u8],
        signature: Option<&str>,
    ) -> bool {
        let named = known
            .secrets
            .iter()
            .filter(|(id, _)| hook_id.is_some() && *id == hook_id);
        let others = known
            .secrets
            .iter()
            .filter(|(id, _)| hook_id.is_none() || *id != hook_id);
        named
            .chain(others)
            .any(|(_, secret)| verify(secret, body, signature))
    }

    async fn receive(&self, integration_id: &str, headers: &HeaderMap, body: Body) -> Response {
        let declared = header_text(headers, header::CONTENT_LENGTH.as_str())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|length| length > MAX_PAYLOAD_BYTES) {
            return too_large();
        }
        let Ok(Some(mut known)) = self.known(integration_id, false).await.map_err(|error| {
            tracing::error!(%error, "reading the integration's hook secrets");
        }) else {
            return answer(StatusCode::NOT_FOUND, "No such integration.");
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
        let hook_id = header_text(headers, "x-github-hook-id").and_then(|v| v.parse::<i64>().ok());
        let signature = header_text(headers, SIGNATURE_HEADER);
        if !Self::signed_by(&known, hook_id, &body, signature) {
            // A hook made since the secrets were cached.
            match self.known(integration_id, true).await {
                Ok(Some(fresh)) => known = fresh,
                _ => return answer(StatusCode::NOT_FOUND, "No such integration."),
            }
            if !Self::signed_by(&known, hook_id, &body, signature) {
                let message = if signature.is_none() {
                    "Missing X-Hub-Signature-256: deliveries must be signed with the hook's secret."
                } else {
                    "Wrong X-Hub-Signature-256: the body does not match the signature of any of this integration's hooks."
                };
                return answer(StatusCode::UNAUTHORIZED, message);
            }
        }
        let (Some(event), Some(delivery_id)) = (
            header_text(headers, "x-github-event"),
            header_text(headers, "x-github-delivery"),
        ) else {
            return answer(
                StatusCode::BAD_REQUEST,
                "A delivery needs the X-GitHub-Event and X-GitHub-Delivery headers.",
            );
        };
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
            Taken::NotQueued(error) => answer(
                StatusCode::SERVICE_UNAVAILABLE,
                &format!("The delivery could not be queued ({error}); GitHub can redeliver it."),
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
