//! `tributary rotate-key`: every sealed value (`entity::sealed::SEALED_COLUMNS`) opened
//! with whichever configured key sealed it and sealed again under the current key,
//! bound to its row. Servers and workers keep running meanwhile: they hold the new key
//! and the previous ones, so they open both formats and seal only under the new key.
//! Each row is written only if its value is still the one read (a compare-and-set), so
//! a token a user replaced meanwhile is not put back; running it twice changes nothing.

use api::crypto::SecretBox;
use entity::{integration, oauth_grant, oauth_state, sealed::SealedAt, webhook};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, sea_query::Expr};

/// What a rotation did, per outcome.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RotationReport {
    /// Sealed again under the current key.
    pub resealed: usize,
    /// Already sealed under the current key, in the current format.
    pub current: usize,
    /// Changed by someone else between the read and the write (already resealed).
    pub changed_meanwhile: usize,
    /// No configured key opens them (left as they are).
    pub unreadable: usize,
}

impl std::fmt::Display for RotationReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "sealed again: {}; already under the current key: {}; changed meanwhile: {}; unreadable with the configured keys: {}",
            self.resealed, self.current, self.changed_meanwhile, self.unreadable
        )
    }
}

/// One sealed value: its place and the value read.
struct Sealed {
    at: SealedAt,
    value: String,
}

impl RotationReport {
    /// What to write for `sealed`, counting what is left alone.
    fn resealed(&mut self, secrets: &SecretBox, sealed: &Sealed) -> Option<String> {
        if !secrets.needs_resealing(&sealed.value) {
            self.current += 1;
            return None;
        }
        match secrets.open(&sealed.value, &sealed.at) {
            Ok(plaintext) => Some(secrets.seal(&plaintext, &sealed.at)),
            Err(error) => {
                tracing::warn!(%error, "a sealed value could not be opened; left as it is");
                self.unreadable += 1;
                None
            }
        }
    }

    fn written(&mut self, rows_affected: u64) {
        match rows_affected {
            0 => self.changed_meanwhile += 1,
            _ => self.resealed += 1,
        }
    }
}

/// Seals every stored secret again under `secrets`' current key.
pub async fn reseal_all(
    db: &DatabaseConnection,
    secrets: &SecretBox,
) -> Result<RotationReport, DbErr> {
    let mut report = RotationReport::default();
    let integrations = integration::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            (
                SealedAt::integration_token(&row.id),
                row.token_ciphertext,
                integration::Column::Id.eq(row.id),
            )
        });
    reseal::<integration::Entity>(
        db,
        secrets,
        &mut report,
        integrations.collect(),
        integration::Column::TokenCiphertext,
    )
    .await?;
    let grants = oauth_grant::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            (
                SealedAt::grant_token(&row.id),
                row.token_ciphertext,
                oauth_grant::Column::Id.eq(row.id),
            )
        });
    reseal::<oauth_grant::Entity>(
        db,
        secrets,
        &mut report,
        grants.collect(),
        oauth_grant::Column::TokenCiphertext,
    )
    .await?;
    let states = oauth_state::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            (
                SealedAt::state_verifier(&row.state),
                row.pkce_verifier_ciphertext,
                oauth_state::Column::State.eq(row.state),
            )
        });
    reseal::<oauth_state::Entity>(
        db,
        secrets,
        &mut report,
        states.collect(),
        oauth_state::Column::PkceVerifierCiphertext,
    )
    .await?;
    let hooks = webhook::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|row| {
            Some((
                SealedAt::hook_secret(&row.integration_id, row.github_org_id),
                row.secret_ciphertext?,
                webhook::Column::Id.eq(row.id),
            ))
        });
    reseal::<webhook::Entity>(
        db,
        secrets,
        &mut report,
        hooks.collect(),
        webhook::Column::SecretCiphertext,
    )
    .await?;
    Ok(report)
}

/// Seals again each (place, value, row) of one sealed `column` of `E` that needs it,
/// writing the row only where the column still holds the value read.
async fn reseal<E: EntityTrait>(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    report: &mut RotationReport,
    rows: Vec<(SealedAt, String, Expr)>,
    column: E::Column,
) -> Result<(), DbErr> {
    for (at, value, row) in rows {
        let sealed = Sealed { at, value };
        if let Some(new) = report.resealed(secrets, &sealed) {
            let written = E::update_many()
                .col_expr(column, Expr::value(new))
                .filter(row)
                .filter(column.eq(sealed.value))
                .exec(db)
                .await?;
            report.written(written.rows_affected);
        }
    }
    Ok(())
}
