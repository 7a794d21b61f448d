//! The `Node` interface and the root `node(id:)` / `nodes(ids:)` fields: any object with
//! an identity can be refetched by its global id (Relay's Object Identification).

use async_graphql::{Context, ID, Interface, Object, Result};
use entity::{group, repository, webhook};
use metrics::ContributorKey;
use sea_orm::{DatabaseConnection, EntityTrait};

use super::analytics::{BOTS_COUNTED, BOTS_EXCLUDED, Contributor, PullRequestFigures};
use super::import_types::ImportRun;
use super::node_id::{self, NodeKind};
use super::oauth_types::OAuthGrantView;
use super::reach;
use super::types::{Group, Integration, Repository};
use super::webhook_types::OrganizationWebhook;
use crate::{
    error::{ApiError, ApiResult, Found, IntoGraphQl},
    imports::Imports,
    integrations::service::Integrations,
    oauth::flow::OAuthFlow,
};

/// An object with a global id.
#[derive(Interface)]
#[graphql(field(
    name = "id",
    ty = "ID",
    desc = "The object's global id: opaque, unique across types, what `node(id:)` takes."
))]
pub enum Node {
    Integration(Integration),
    Group(Group),
    Repository(Repository),
    ImportRun(ImportRun),
    OrganizationWebhook(OrganizationWebhook),
    OAuthGrant(OAuthGrantView),
    PullRequestFigures(PullRequestFigures),
    Contributor(Contributor),
}

/// `nodes(ids:)` answers at most this many ids at once.
const MAX_NODES: usize = 100;

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// The object with this global id, or null when there is none (any more).
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id from this API.")] id: ID,
    ) -> Result<Option<Node>> {
        fetch(ctx, &id).await.gql()
    }

    /// The objects with these global ids, in the same order; null where there is none.
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids from this API, at most 100.")] ids: Vec<ID>,
    ) -> Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(ApiError::InvalidPageSize(format!(
                "nodes takes at most {MAX_NODES} ids at once"
            ))
            .into_graphql());
        }
        // Every id is checked before any is fetched: a malformed one fails the field.
        for id in &ids {
            node_id::decode_any(id).gql()?;
        }
        let mut found = Vec::with_capacity(ids.len());
        for id in &ids {
            found.push(fetch(ctx, id).await.gql()?);
        }
        Ok(found)
    }
}

/// Finds the object a global id names.
async fn fetch(ctx: &Context<'_>, id: &ID) -> ApiResult<Option<Node>> {
    let (kind, key) = node_id::decode_any(id)?;
    // Another workspace's object is no object at all.
    if !reach::reachable(ctx, kind, &key).await? {
        return Ok(None);
    }
    let db = ctx
        .data::<DatabaseConnection>()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{}", e.message)))?;
    let service = |name: &str| ApiError::Internal(anyhow::anyhow!("{name} is not wired"));
    Ok(match kind {
        NodeKind::Integration => {
            let integrations = ctx
                .data::<Integrations>()
                .map_err(|_| service("Integrations"))?;
            integrations
                .get(&key)
                .await
                .found()?
                .map(|model| Node::Integration(Integration(model)))
        }
        NodeKind::Group => group::Entity::find_by_id(key)
            .one(db)
            .await?
            .map(|g| Node::Group(Group(g))),
        NodeKind::Repository => repository::Entity::find_by_id(key)
            .one(db)
            .await?
            .map(|r| Node::Repository(Repository::from(r))),
        NodeKind::ImportRun => {
            let imports = ctx.data::<Imports>().map_err(|_| service("Imports"))?;
            imports
                .get(&key)
                .await
                .found()?
                .map(|run| Node::ImportRun(ImportRun(run)))
        }
        NodeKind::OrganizationWebhook => webhook::Entity::find_by_id(key)
            .one(db)
            .await?
            .map(|w| Node::OrganizationWebhook(OrganizationWebhook(w))),
        NodeKind::OAuthGrant => ctx
            .data::<OAuthFlow>()
            .map_err(|_| service("OAuthFlow"))?
            .grant(&key, reach::caller(ctx)?)
            .await?
            .map(Node::OAuthGrant),
        NodeKind::PullRequest => {
            let parts = node_id::split_key(id, &key, 3)?;
            let without_bots = match parts[1].as_str() {
                BOTS_EXCLUDED => true,
                BOTS_COUNTED => false,
                _ => return Err(ApiError::InvalidId(id.to_string())),
            };
            metrics::pull_requests::one(db, &parts[0], &parts[2], without_bots)
                .await?
                .map(|(row, figures)| {
                    Node::PullRequestFigures(PullRequestFigures {
                        integration_id: parts[0].clone(),
                        without_bots,
                        row,
                        figures,
                    })
                })
        }
        NodeKind::Contributor => {
            let parts = node_id::split_key(id, &key, 3)?;
            let key = match parts[1].as_str() {
                "login" => ContributorKey::Login(parts[2].clone()),
                "email" => ContributorKey::Email(parts[2].clone()),
                _ => return Err(ApiError::InvalidId(id.to_string())),
            };
            // A contributor is whoever the integration's data names; it exists as long
            // as the integration does.
            entity::integration::Entity::find_by_id(parts[0].clone())
                .one(db)
                .await?
                .map(|_| {
                    Node::Contributor(Contributor {
                        integration_id: parts[0].clone(),
                        key,
                    })
                })
        }
    })
}
