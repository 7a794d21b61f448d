//! Where each sealed (encrypted) value lives: its table, column and row. A value is
//! sealed bound to its place (AES-GCM associated data, `api::crypto`), so a sealed
//! token copied into another row or column does not open there: someone who can write
//! the database but not read the key cannot move one integration's token to another.
//!
//! Every sealed column has its constructor here, beside the tables; `tributary
//! rotate-key` walks the same list ([`SEALED_COLUMNS`]).

/// A sealed value's place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedAt {
    table: &'static str,
    column: &'static str,
    row: String,
}

/// Every sealed column: (table, column).
pub const SEALED_COLUMNS: [(&str, &str); 4] = [
    ("integrations", "token_ciphertext"),
    ("oauth_grants", "token_ciphertext"),
    ("oauth_states", "pkce_verifier_ciphertext"),
    ("webhooks", "secret_ciphertext"),
];

impl SealedAt {
    /// `integrations.token_ciphertext`: the integration's GitHub token.
    pub fn integration_token(integration_id: &str) -> SealedAt {
        SealedAt::new(0, integration_id.to_string())
    }

    /// `oauth_grants.token_ciphertext`: an OAuth token waiting for `createIntegration`.
    pub fn grant_token(grant_id: &str) -> SealedAt {
        SealedAt::new(1, grant_id.to_string())
    }

    /// `oauth_states.pkce_verifier_ciphertext`, by the state's stored key.
    pub fn state_verifier(state_key: &str) -> SealedAt {
        SealedAt::new(2, state_key.to_string())
    }

    /// `webhooks.secret_ciphertext`: an organization hook's secret, by its integration
    /// and GitHub's id of the organization (stable across renames; known before the
    /// row is written).
    pub fn hook_secret(integration_id: &str, github_org_id: i64) -> SealedAt {
        SealedAt::new(3, format!("{integration_id}/{github_org_id}"))
    }

    fn new(column: usize, row: String) -> SealedAt {
        let (table, column) = SEALED_COLUMNS[column];
        SealedAt { table, column, row }
    }

    /// The associated data the value is sealed with.
    pub fn associated_data(&self) -> Vec<u8> {
        format!("tributary/{}.{}/{}", self.table, self.column, self.row).into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_place_binds_its_table_column_and_row() {
        let places = [
            SealedAt::integration_token("a"),
            SealedAt::integration_token("b"),
            SealedAt::grant_token("a"),
            SealedAt::state_verifier("a"),
            SealedAt::hook_secret("a", 1),
            SealedAt::hook_secret("a", 2),
        ];
        for (i, a) in places.iter().enumerate() {
            for b in &places[i + 1..] {
                assert_ne!(a.associated_data(), b.associated_data(), "{a:?} {b:?}");
            }
        }
        assert_eq!(
            SealedAt::hook_secret("i", 7).associated_data(),
            b"tributary/webhooks.secret_ciphertext/i/7"
        );
    }
}
