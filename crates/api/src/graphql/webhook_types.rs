//! The webhook state of an integration, per organization.

use async_graphql::{Context, Enum, ID, Object, Result};

use super::node_id::{self, NodeKind};
use chrono::{DateTime, Utc};
use entity::webhook;
use entity::webhook::HookState;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

/// Whether Tributary keeps a hook in an organization, or why not.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum WebhookState {
    /// The hook exists and delivers here.
    Active,
    /// The account is only a member: webhooks need an owner (every other service works).
    NotOwner,
    /// No repository of the organization is imported yet.
    NoImportedRepo,
    /// The Webhooks service is off.
    Disabled,
    /// GitHub refused the last attempt; `reason` says what it answered.
    Error,
}

impl From<HookState> for WebhookState {
    fn from(state: HookState) -> Self {
        match state {
            HookState::Active => WebhookState::Active,
            HookState::NotOwner => WebhookState::NotOwner,
            HookState::NoImportedRepo => WebhookState::NoImportedRepo,
            HookState::Disabled => WebhookState::Disabled,
            HookState::Error => WebhookState::Error,
        }
    }
}

pub struct OrganizationWebhook(pub webhook::Model);

/// Tributary's organization hook in one organization: whether it exists, or why not.
#[Object]
impl OrganizationWebhook {
    /// The hook record's global id.
    pub(crate) async fn id(&self) -> ID {
        node_id::encode(NodeKind::OrganizationWebhook, &self.0.id)
    }

    /// The organization's login.
    async fn organization(&self) -> &str {
        &self.0.organization
    }

    /// ACTIVE, or why there is no hook.
    async fn state(&self) -> WebhookState {
        self.0.state.into()
    }

    /// Why the state is not ACTIVE, in words.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// GitHub's id of the hook, while one exists.
    async fn hook_id(&self) -> Option<ID> {
        self.0.hook_id.map(|id| ID(id.to_string()))
    }

    /// GitHub's ping for the hook arrived and was verified.
    async fn verified(&self) -> bool {
        self.0.verified
    }

    /// When the last delivery from this hook arrived.
    async fn last_delivery_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_delivery_at
    }

    /// Where GitHub delivers.
    async fn url(&self) -> &str {
        &self.0.url
    }
}

/// The integration's webhook rows, by organization login.
pub async fn webhooks_of(
    ctx: &Context<'_>,
    integration_id: &str,
) -> Result<Vec<OrganizationWebhook>> {
    let db = ctx.data::<DatabaseConnection>()?;
    Ok(webhook::Entity::find()
        .filter(webhook::Column::IntegrationId.eq(integration_id))
        .order_by_asc(webhook::Column::Organization)
        .all(db)
        .await?
        .into_iter()
        .map(OrganizationWebhook)
        .collect())
}
