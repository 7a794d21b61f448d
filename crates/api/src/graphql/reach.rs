//! The one rule of workspaces: something outside the caller's workspace does not exist
//! for it. Every root field, mutation and subscription takes the objects it names
//! through [`require`] (or asks [`reachable`]), which answers exactly what a missing
//! object answers; what hangs below a reachable object shares its integration, and so
//! its workspace. `tests/e2e/workspaces.rs` calls every root field with another
//! workspace's ids, so a field added later cannot skip the rule.

use async_graphql::{Context, ID};
use entity::{group, import_run, integration, repository, webhook};
use sea_orm::{DatabaseConnection, EntityTrait, QuerySelect, Select};

use super::node_id::{self, NodeKind};
use crate::auth::{Caller, Reach};
use crate::error::{ApiError, ApiResult};

/// The caller the HTTP layer authenticated.
pub(crate) fn caller<'a>(ctx: &Context<'a>) -> ApiResult<&'a Caller> {
    ctx.data_opt::<Caller>().ok_or(ApiError::Unauthenticated)
}

/// Decodes `id` as a `kind` id, answering `NOT_FOUND` (as for an object that does not
/// exist) when the object lies outside the caller's workspace.
pub(crate) async fn require(ctx: &Context<'_>, id: &ID, kind: NodeKind) -> ApiResult<String> {
    let key = node_id::decode(id, kind)?;
    if reachable(ctx, kind, &key).await? {
        Ok(key)
    } else {
        Err(not_found(kind, &key))
    }
}

/// Decodes `id` as a `kind` id: its key when the object may exist for the caller, `None`
/// when it lies outside the caller's workspace (the fields that answer null for a
/// missing object).
pub(crate) async fn visible(
    ctx: &Context<'_>,
    id: &ID,
    kind: NodeKind,
) -> ApiResult<Option<String>> {
    let key = node_id::decode(id, kind)?;
    Ok(reachable(ctx, kind, &key).await?.then_some(key))
}

/// Whether the `kind` object with `key` is in the caller's reach. A missing object is
/// in nobody's workspace, so it is reachable only for a caller reaching everywhere,
/// whose services then answer that it is missing, as always.
pub(crate) async fn reachable(ctx: &Context<'_>, kind: NodeKind, key: &str) -> ApiResult<bool> {
    let Reach::Workspace(workspace) = caller(ctx)?.reach() else {
        return Ok(true);
    };
    // Through the readers: a report's checks must not wait for the writing connection.
    let db = &ctx
        .data::<super::read_pool::ReadPool>()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{}", e.message)))?
        .lookups;
    Ok(workspace_of(db, kind, key).await?.as_deref() == Some(workspace))
}

/// The workspace an object belongs to (through its integration), `None` when it does
/// not exist. OAuth grants belong to whoever started them: see `oauth::grants`.
async fn workspace_of(
    db: &DatabaseConnection,
    kind: NodeKind,
    key: &str,
) -> ApiResult<Option<String>> {
    let integration_id = match kind {
        NodeKind::Integration => Some(key.to_string()),
        NodeKind::Group => {
            integration_column(
                group::Entity::find_by_id(key.to_string()),
                db,
                group::Column::IntegrationId,
            )
            .await?
        }
        NodeKind::Repository => {
            integration_column(
                repository::Entity::find_by_id(key.to_string()),
                db,
                repository::Column::IntegrationId,
            )
            .await?
        }
        NodeKind::ImportRun => {
            integration_column(
                import_run::Entity::find_by_id(key.to_string()),
                db,
                import_run::Column::IntegrationId,
            )
            .await?
        }
        NodeKind::OrganizationWebhook => {
            integration_column(
                webhook::Entity::find_by_id(key.to_string()),
                db,
                webhook::Column::IntegrationId,
            )
            .await?
        }
        // `<integration>:…`: the key names its integration.
        NodeKind::PullRequest | NodeKind::Contributor => key.split(':').next().map(str::to_string),
        NodeKind::OAuthGrant => {
            let grant = entity::oauth_grant::Entity::find_by_id(key.to_string())
                .select_only()
                .column(entity::oauth_grant::Column::Workspace)
                .into_tuple::<String>()
                .one(db)
                .await?;
            return Ok(grant);
        }
    };
    let Some(integration_id) = integration_id else {
        return Ok(None);
    };
    Ok(integration::Entity::find_by_id(integration_id)
        .select_only()
        .column(integration::Column::Workspace)
        .into_tuple::<String>()
        .one(db)
        .await?)
}

/// The integration id column of the row `select` finds.
async fn integration_column<E: EntityTrait>(
    select: Select<E>,
    db: &DatabaseConnection,
    column: E::Column,
) -> ApiResult<Option<String>> {
    Ok(select
        .select_only()
        .column(column)
        .into_tuple::<String>()
        .one(db)
        .await?)
}

/// What a lookup of a missing `kind` object answers.
pub(crate) fn not_found(kind: NodeKind, key: &str) -> ApiError {
    ApiError::NotFound {
        what: kind.noun(),
        id: key.to_string(),
    }
}
