//! The server's key, lent to the worker and the hooks, which open tokens and seal
//! hook secrets without knowing the key.

use api::crypto::SecretBox;
use entity::sealed::SealedAt;
use org_hooks::Sealer;
use worker::TokenSource;

/// Opens the sealed tokens for the worker with the server's encryption key.
pub(crate) struct SealedTokens(pub(crate) SecretBox);

impl TokenSource for SealedTokens {
    fn open(&self, sealed: &str, at: &SealedAt) -> anyhow::Result<github::Token> {
        Ok(github::Token::new(self.0.open(sealed, at)?))
    }
}

impl Sealer for SealedTokens {
    fn seal(&self, plaintext: &str, at: &SealedAt) -> String {
        self.0.seal(plaintext, at)
    }

    fn open(&self, sealed: &str, at: &SealedAt) -> anyhow::Result<String> {
        Ok(self.0.open(sealed, at)?)
    }
}
