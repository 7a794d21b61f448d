//! OAuth grants: what a finished callback stores (the token, sealed, and its connection
//! test) until `createIntegration` spends it, once, before it expires.

use chrono::{DateTime, Utc};
use entity::{oauth_grant, sealed::SealedAt};
use github::{Token, connection_test::Account};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, sea_query::Expr,
};

use crate::{
    auth::Caller,
    crypto::SecretBox,
    error::{ApiError, ApiResult},
    graphql::connection_test::ConnectionTest,
    graphql::oauth_types::OAuthGrantView,
    graphql::user_error::UserErrorCode,
};

/// Who started an OAuth round trip: its state and its grant remember them, and only
/// they spend the grant.
#[derive(Clone, Debug)]
pub(super) struct StartedBy {
    pub(super) workspace: String,
    /// The user token's subject; `None` for the server key.
    pub(super) subject: Option<String>,
}

impl StartedBy {
    pub(super) fn of(caller: &Caller) -> Self {
        StartedBy {
            workspace: caller.creates_in().to_string(),
            subject: caller.subject().map(str::to_string),
        }
    }
}

/// Keeps a grant for the account that authorized Tributary, usable for `ttl` by whoever
/// started the round trip.
pub(super) async fn store(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    token: &Token,
    account: &Account,
    test: &ConnectionTest,
    ttl: chrono::Duration,
    started_by: StartedBy,
) -> anyhow::Result<oauth_grant::Model> {
    let now = Utc::now();
    let id = uuid::Uuid::new_v4().to_string();
    Ok(oauth_grant::ActiveModel {
        token_ciphertext: Set(secrets.seal(token.expose(), &SealedAt::grant_token(&id))),
        id: Set(id),
        workspace: Set(started_by.workspace),
        subject: Set(started_by.subject),
        login: Set(account.login.clone()),
        account_id: Set(account.database_id),
        granted_scopes: Set(test.granted_scopes.join(", ")),
        test: Set(test.into()),
        created_at: Set(now),
        expires_at: Set(now + ttl),
        used_at: Set(None),
    }
    .insert(db)
    .await?)
}

/// The grant with this id, when `caller` started it; anyone else's is none at all.
async fn find_started_by(
    db: &DatabaseConnection,
    id: &str,
    caller: &Caller,
) -> ApiResult<Option<oauth_grant::Model>> {
    Ok(oauth_grant::Entity::find_by_id(id.to_string())
        .one(db)
        .await?
        .filter(|grant| caller.started(&grant.workspace, grant.subject.as_deref())))
}

/// A grant as `oauthGrant` shows it, or `None` when `caller` has none with this id.
pub async fn view(
    db: &DatabaseConnection,
    id: &str,
    caller: &Caller,
) -> ApiResult<Option<OAuthGrantView>> {
    let Some(grant) = find_started_by(db, id, caller).await? else {
        return Ok(None);
    };
    Ok(Some(OAuthGrantView {
        row_id: grant.id.clone(),
        granted_scopes: github::connection_test::scopes::parse_scope_header(&grant.granted_scopes),
        test: grant.test.into(),
        expires_at: grant.expires_at,
        used: grant.used_at.is_some(),
        login: grant.login,
    }))
}

/// The token of an unused, unexpired grant `caller` started (checked again when it is
/// spent); another caller's grant is unknown to it.
pub async fn open_grant(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    id: &str,
    caller: &Caller,
) -> ApiResult<Token> {
    let grant = find_started_by(db, id, caller)
        .await?
        .ok_or_else(|| {
            ApiError::user_at(
                UserErrorCode::OauthGrantUnknown,
                &["oauthGrantId"],
                "There is no such OAuth grant (grants are removed once they expire); connect to GitHub again.",
            )
        })?;
    if grant.used_at.is_some() {
        return Err(ApiError::user_at(
            UserErrorCode::OauthGrantUsed,
            &["oauthGrantId"],
            "This OAuth grant was used already; a grant creates one integration. Connect to GitHub again for a new one.",
        ));
    }
    if grant.expires_at < Utc::now() {
        return Err(ApiError::user_at(
            UserErrorCode::OauthGrantExpired,
            &["oauthGrantId"],
            format!(
                "This OAuth grant expired at {}; connect to GitHub again for a new one.",
                grant.expires_at.to_rfc3339()
            ),
        ));
    }
    Ok(Token::new(secrets.open(
        &grant.token_ciphertext,
        &SealedAt::grant_token(&grant.id),
    )?))
}

/// Marks the grant used inside the transaction that creates the integration, so a
/// failed creation leaves it usable and two racing creations cannot both spend it.
pub async fn spend_grant(db: &impl ConnectionTrait, id: &str) -> ApiResult<()> {
    let now = Utc::now();
    let spent = oauth_grant::Entity::update_many()
        .col_expr(oauth_grant::Column::UsedAt, Expr::value(now))
        .filter(oauth_grant::Column::Id.eq(id))
        .filter(oauth_grant::Column::UsedAt.is_null())
        .filter(oauth_grant::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?
        .rows_affected;
    if spent == 1 {
        Ok(())
    } else {
        Err(ApiError::user_at(
            UserErrorCode::OauthGrantUsed,
            &["oauthGrantId"],
            "This OAuth grant was used or expired meanwhile; connect to GitHub again for a new one.",
        ))
    }
}

/// The grants that expired unspent by `now`: their tokens are for no integration.
pub(super) async fn expired_unspent(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> ApiResult<Vec<oauth_grant::Model>> {
    Ok(oauth_grant::Entity::find()
        .filter(oauth_grant::Column::ExpiresAt.lt(now))
        .filter(oauth_grant::Column::UsedAt.is_null())
        .all(db)
        .await?)
}

pub(super) async fn delete(db: &DatabaseConnection, id: &str) -> ApiResult<()> {
    oauth_grant::Entity::delete_by_id(id.to_string())
        .exec(db)
        .await?;
    Ok(())
}

/// Drops the grants that expired before `cutoff`: each still holds a sealed token.
pub(super) async fn purge(db: &DatabaseConnection, cutoff: DateTime<Utc>) -> ApiResult<()> {
    oauth_grant::Entity::delete_many()
        .filter(oauth_grant::Column::ExpiresAt.lt(cutoff))
        // An unspent grant still holds a live token: it goes only once GitHub has
        // revoked it (`OAuthFlow::revoke_expired_grants`), however long that takes.
        .filter(oauth_grant::Column::UsedAt.is_not_null())
        .exec(db)
        .await?;
    Ok(())
}

/// The grant's id as the API takes it (`createIntegration(input: {oauthGrantId})`).
pub(crate) fn global_id(grant: &oauth_grant::Model) -> String {
    crate::graphql::node_id::encode(crate::graphql::node_id::NodeKind::OAuthGrant, &grant.id).0
}
