//! Secrets at rest: AES-256-GCM with a random nonce per value, bound to the value's
//! place (its table, column and row, as associated data: `entity::sealed::SealedAt`),
//! and stored as `v2:<key id>:<base64(nonce ‖ ciphertext)>`. The key id (the first 8 hex
//! digits of the key's SHA-256) names the key that sealed it, so a deployment can hold
//! the new key and the previous ones while `tributary rotate-key` seals everything again.
//! Values sealed before (plain base64, no place, no key id) still open, with any of the
//! keys, until the rotation rewrites them.

use aes_gcm::{
    Aes256Gcm, Key, Nonce,
    aead::{Aead, AeadCore, KeyInit, OsRng, Payload},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use entity::sealed::SealedAt;
use sha2::Digest;

/// One key and its id.
#[derive(Clone)]
struct SealingKey {
    id: String,
    cipher: Aes256Gcm,
}

impl SealingKey {
    fn from_base64(key: &str) -> Result<(SealingKey, Vec<u8>), CryptoError> {
        let bytes = STANDARD
            .decode(key.trim())
            .map_err(|_| CryptoError::BadKey)?;
        if bytes.len() != 32 {
            return Err(CryptoError::BadKey);
        }
        let id = hex::encode(&sha2::Sha256::digest(&bytes)[..4]);
        Ok((
            SealingKey {
                id,
                cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&bytes)),
            },
            bytes,
        ))
    }
}

#[derive(Clone)]
pub struct SecretBox {
    /// Seals, and opens what it sealed.
    current: SealingKey,
    /// Open only: keys being rotated away from.
    previous: Vec<SealingKey>,
    /// HMAC-SHA256 of a fixed label under the key: the user-token secret where none is
    /// configured, so every process of a deployment agrees without another key file,
    /// and the secret reveals nothing of the encryption key.
    user_token_secret: [u8; 32],
}

const USER_TOKEN_SECRET_LABEL: &[u8] = b"tributary user tokens (HS256) v1";

/// The prefix of the current format.
const FORMAT: &str = "v2:";

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the encryption key must be 32 bytes, base64-encoded")]
    BadKey,
    #[error(
        "a stored secret could not be decrypted: was TRIBUTARY_ENCRYPTION_KEY changed since it was stored?"
    )]
    Undecryptable,
    #[error(
        "a stored secret was sealed with the key {0}, which this server does not hold: set it in TRIBUTARY_ENCRYPTION_KEY_PREVIOUS until `tributary rotate-key` has sealed everything again"
    )]
    UnknownKey(String),
}

impl SecretBox {
    pub fn from_base64_key(key: &str) -> Result<Self, CryptoError> {
        let (current, bytes) = SealingKey::from_base64(key)?;
        use hmac::{Hmac, KeyInit as _, Mac};
        let mut mac =
            <Hmac<sha2::Sha256>>::new_from_slice(&bytes).map_err(|_| CryptoError::BadKey)?;
        mac.update(USER_TOKEN_SECRET_LABEL);
        Ok(SecretBox {
            current,
            previous: Vec::new(),
            user_token_secret: mac.finalize().into_bytes().into(),
        })
    }

    /// Also opens values sealed with these keys (base64 each), during a rotation.
    pub fn with_previous_keys(mut self, keys: &[String]) -> Result<Self, CryptoError> {
        for key in keys.iter().filter(|k| !k.trim().is_empty()) {
            let (key, _) = SealingKey::from_base64(key)?;
            if key.id != self.current.id {
                self.previous.push(key);
            }
        }
        Ok(self)
    }

    /// The id of the key that seals: what `needs_resealing` compares with.
    pub fn key_id(&self) -> &str {
        &self.current.id
    }

    /// The HS256 secret of user tokens when `TRIBUTARY_JWT_SECRET` is not set.
    pub fn derived_user_token_secret(&self) -> Vec<u8> {
        self.user_token_secret.to_vec()
    }

    pub fn generate_key() -> String {
        STANDARD.encode(Aes256Gcm::generate_key(OsRng))
    }

    /// Seals `plaintext` for its place `at`, with the current key.
    pub fn seal(&self, plaintext: &str, at: &SealedAt) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let aad = at.associated_data();
        let ciphertext = self
            .current
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: &aad,
                },
            )
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let mut sealed = nonce.to_vec();
        sealed.extend(ciphertext);
        format!("{FORMAT}{}:{}", self.current.id, STANDARD.encode(sealed))
    }

    /// Opens a value sealed for `at` (or sealed before places were bound, by any key).
    pub fn open(&self, sealed: &str, at: &SealedAt) -> Result<String, CryptoError> {
        let Some(rest) = sealed.strip_prefix(FORMAT) else {
            // The first format: no place, no key id.
            return self
                .keys()
                .find_map(|key| decrypt(key, sealed, b""))
                .ok_or(CryptoError::Undecryptable);
        };
        let (id, body) = rest.split_once(':').ok_or(CryptoError::Undecryptable)?;
        let key = self
            .keys()
            .find(|key| key.id == id)
            .ok_or_else(|| CryptoError::UnknownKey(id.to_string()))?;
        decrypt(key, body, &at.associated_data()).ok_or(CryptoError::Undecryptable)
    }

    /// Whether `sealed` is in an older format or under another key than the current.
    pub fn needs_resealing(&self, sealed: &str) -> bool {
        !sealed.starts_with(&format!("{FORMAT}{}:", self.current.id))
    }

    fn keys(&self) -> impl Iterator<Item = &SealingKey> {
        std::iter::once(&self.current).chain(&self.previous)
    }
}

fn decrypt(key: &SealingKey, body: &str, aad: &[u8]) -> Option<String> {
    let bytes = STANDARD.decode(body).ok()?;
    if bytes.len() < 12 {
        return None;
    }
    let (nonce, ciphertext) = bytes.split_at(12);
    let plaintext = key
        .cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .ok()?;
    String::from_utf8(plaintext).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> SealedAt {
        SealedAt::integration_token("i1")
    }

    #[test]
    fn seals_and_opens_without_showing_the_plaintext() {
        let secret_box = SecretBox::from_base64_key(&SecretBox::generate_key()).unwrap();
        let sealed = secret_box.seal("ghp_secret", &at());
        assert!(!sealed.contains("ghp_secret"));
        assert!(sealed.starts_with(&format!("v2:{}:", secret_box.key_id())));
        assert_ne!(
            sealed,
            secret_box.seal("ghp_secret", &at()),
            "each seal uses a fresh nonce"
        );
        assert_eq!(secret_box.open(&sealed, &at()).unwrap(), "ghp_secret");
        assert!(!secret_box.needs_resealing(&sealed));
    }

    #[test]
    fn a_value_opens_only_in_its_own_place() {
        let secret_box = SecretBox::from_base64_key(&SecretBox::generate_key()).unwrap();
        let sealed = secret_box.seal("ghp_secret", &at());
        for elsewhere in [
            SealedAt::integration_token("i2"),
            SealedAt::grant_token("i1"),
            SealedAt::hook_secret("i1", 1),
        ] {
            assert!(matches!(
                secret_box.open(&sealed, &elsewhere),
                Err(CryptoError::Undecryptable)
            ));
        }
    }

    #[test]
    fn another_key_cannot_open() {
        let a = SecretBox::from_base64_key(&SecretBox::generate_key()).unwrap();
        let b = SecretBox::from_base64_key(&SecretBox::generate_key()).unwrap();
        assert!(matches!(
            b.open(&a.seal("x", &at()), &at()),
            Err(CryptoError::UnknownKey(id)) if id == a.key_id()
        ));
        assert!(matches!(
            SecretBox::from_base64_key("c2hvcnQ="),
            Err(CryptoError::BadKey)
        ));
    }

    #[test]
    fn during_a_rotation_both_keys_open_and_the_new_one_seals() {
        let (old_key, new_key) = (SecretBox::generate_key(), SecretBox::generate_key());
        let old = SecretBox::from_base64_key(&old_key).unwrap();
        let sealed_before = old.seal("ghp_secret", &at());
        let rotating = SecretBox::from_base64_key(&new_key)
            .unwrap()
            .with_previous_keys(&[old_key])
            .unwrap();
        assert_eq!(rotating.open(&sealed_before, &at()).unwrap(), "ghp_secret");
        assert!(rotating.needs_resealing(&sealed_before));
        let resealed = rotating.seal("ghp_secret", &at());
        assert!(!rotating.needs_resealing(&resealed));
        assert!(matches!(
            old.open(&resealed, &at()),
            Err(CryptoError::UnknownKey(_))
        ));
    }

    #[test]
    fn values_of_the_first_format_still_open() {
        let key = SecretBox::generate_key();
        let secret_box = SecretBox::from_base64_key(&key).unwrap();
        // As the first format sealed: base64(nonce ‖ ciphertext), no associated data.
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let mut legacy = nonce.to_vec();
        legacy.extend(
            secret_box
                .current
                .cipher
                .encrypt(&nonce, b"ghp_old".as_slice())
                .unwrap(),
        );
        let legacy = STANDARD.encode(legacy);
        assert_eq!(secret_box.open(&legacy, &at()).unwrap(), "ghp_old");
        assert!(secret_box.needs_resealing(&legacy));
    }
}
