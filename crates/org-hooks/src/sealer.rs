//! The server's key as the hooks see it: they seal each hook's secret and open the
//! integration's token without holding the key.

/// Seals and opens secrets at rest (tokens, hook secrets) with the server's key.
pub trait Sealer: Send + Sync {
    /// Seals `plaintext` bound to its place `at` (see `entity::sealed`).
    fn seal(&self, plaintext: &str, at: &entity::sealed::SealedAt) -> String;
    fn open(&self, sealed: &str, at: &entity::sealed::SealedAt) -> anyhow::Result<String>;
}
