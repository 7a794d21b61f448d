//! The states `startOAuth` issues: each holds the sealed PKCE verifier, where the
//! browser goes after and the product's `clientState`, and answers one callback. They are kept hashed, so the table
//! alone cannot answer a callback.

use chrono::{DateTime, Utc};
use entity::oauth_state;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, sea_query::Expr,
};

use crate::crypto::SecretBox;

/// Where the browser goes after the callback, as `startOAuth` was asked.
pub(super) struct Return {
    pub(super) redirect_after: Option<String>,
    pub(super) client_state: Option<String>,
    /// Who started it; the grant it leaves is theirs.
    pub(super) started_by: super::grants::StartedBy,
}

/// Stores a new state with its PKCE verifier sealed.
pub(super) async fn issue(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    state: &str,
    pkce_verifier: &str,
    back: Return,
) -> Result<(), DbErr> {
    let key = state_key(state);
    oauth_state::ActiveModel {
        pkce_verifier_ciphertext: Set(secrets.seal(
            pkce_verifier,
            &entity::sealed::SealedAt::state_verifier(&key),
        )),
        state: Set(key),
        workspace: Set(back.started_by.workspace),
        subject: Set(back.started_by.subject),
        redirect_after: Set(back.redirect_after),
        client_state: Set(back.client_state),
        created_at: Set(Utc::now()),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The state as issued, used or not.
pub(super) async fn find(
    db: &DatabaseConnection,
    state: &str,
) -> Result<Option<oauth_state::Model>, DbErr> {
    oauth_state::Entity::find_by_id(state_key(state))
        .one(db)
        .await
}

/// Marks the state used at `now`; false when it was used already. A conditional update, so two
/// callbacks racing cannot both win.
pub(super) async fn spend(
    db: &DatabaseConnection,
    state: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    Ok(oauth_state::Entity::update_many()
        .col_expr(oauth_state::Column::UsedAt, Expr::value(now))
        .filter(oauth_state::Column::State.eq(state_key(state)))
        .filter(oauth_state::Column::UsedAt.is_null())
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// Drops the states issued before `cutoff`.
pub(super) async fn purge(db: &DatabaseConnection, cutoff: DateTime<Utc>) -> Result<(), DbErr> {
    oauth_state::Entity::delete_many()
        .filter(oauth_state::Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(())
}

fn state_key(state: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(state.as_bytes()))
}
