//! Secrets at rest: AES-256-GCM with a random nonce per value, stored as
//! base64(nonce ‖ ciphertext). The key never leaves this module's callers' memory.

use aes_gcm::{
    Aes256Gcm, Key, Nonce,
    aead::{Aead, AeadCore, KeyInit, OsRng},
};
use base64::{Engine, engine::general_purpose::STANDARD};

#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
    /// HMAC-SHA256 of a fixed label under the key: the user-token secret where none is
    /// configured, so every process of a deployment agrees without another key file,
    /// and the secret reveals nothing of the encryption key.
    user_token_secret: [u8; 32],
}

const USER_TOKEN_SECRET_LABEL: &[u8] = b"tributary user tokens (HS256) v1";

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the encryption key must be 32 bytes, base64-encoded")]
    BadKey,
    #[error(
        "a stored secret could not be decrypted: was TRIBUTARY_ENCRYPTION_KEY changed since it was stored?"
    )]
    Undecryptable,
}

impl SecretBox {
    pub fn from_base64_key(key: &str) -> Result<Self, CryptoError> {
        let bytes = STANDARD
            .decode(key.trim())
            .map_err(|_| CryptoError::BadKey)?;
        if bytes.len() != 32 {
            return Err(CryptoError::BadKey);
        }
        use hmac::{Hmac, KeyInit as _, Mac};
        let mut mac =
            <Hmac<sha2::Sha256>>::new_from_slice(&bytes).map_err(|_| CryptoError::BadKey)?;
        mac.update(USER_TOKEN_SECRET_LABEL);
        Ok(SecretBox {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&bytes)),
            user_token_secret: mac.finalize().into_bytes().into(),
        })
    }

    /// The HS256 secret of user tokens when `TRIBUTARY_JWT_SECRET` is not set.
    pub fn derived_user_token_secret(&self) -> Vec<u8> {
        self.user_token_secret.to_vec()
    }

    pub fn generate_key() -> String {
        STANDARD.encode(Aes256Gcm::generate_key(OsRng))
    }

    pub fn seal(&self, plaintext: &str) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = self
            .cipher
            .encrypt(&nonce, plaintext.as_bytes())
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let mut sealed = nonce.to_vec();
        sealed.extend(ciphertext);
        STANDARD.encode(sealed)
    }

    pub fn open(&self, sealed: &str) -> Result<String, CryptoError> {
        let bytes = STANDARD
            .decode(sealed)
            .map_err(|_| CryptoError::Undecryptable)?;
        if bytes.len() < 12 {
            return Err(CryptoError::Undecryptable);
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let plaintext = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| CryptoError::Undecryptable)?;
        String::from_utf8(plaintext).map_err(|_| CryptoError::Undecryptable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_without_showing_the_plaintext() {
        let secret_box = SecretBox::from_base64_key(&SecretBox::generate_key()).unwrap();
        let sealed = secret_box.seal("ghp_secret");
        assert!(!sealed.contains("ghp_secret"));
        assert_ne!(
            sealed,
            secret_box.seal("ghp_secret"),
            "each seal uses a fresh nonce"
        );
        assert_eq!(secret_box.open(&sealed).unwrap(), "ghp_secret");
    }

    #[test]
    fn another_key_cannot_open() {
        let a = SecretBox::from_base64_key(&SecretBox::generate_key()).unwrap();
        let b = SecretBox::from_base64_key(&SecretBox::generate_key()).unwrap();
        assert!(matches!(
            b.open(&a.seal("x")),
            Err(CryptoError::Undecryptable)
        ));
        assert!(matches!(
            SecretBox::from_base64_key("c2hvcnQ="),
            Err(CryptoError::BadKey)
        ));
    }
}
