//! `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &[u8], body: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(body);
    mac
}

/// The header value GitHub sends for `body` signed with `secret`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(mac(secret, body).finalize().into_bytes())
    )
}

/// Whether `header` is `body`'s signature with `secret`, compared in constant time.
/// Whether a header value has the shape GitHub sends (`sha256=` and 64 hex digits), so
/// a receiver can refuse anything else before reading the body.
pub fn well_formed(header: &str) -> bool {
    header
        .trim()
        .strip_prefix("sha256=")
        .is_some_and(|digest| digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub fn verify(secret: &[u8], body: &[u8], header: Option<&str>) -> bool {
    let Some(given) = header
        .and_then(|h| h.trim().strip_prefix("sha256="))
        .and_then(|hex_digest| hex::decode(hex_digest).ok())
    else {
        return false;
    };
    mac(secret, body).verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn githubs_test_vector() {
        let secret = b"It's a Secret to Everybody";
        let body = b"Hello, World!";
        let expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert_eq!(sign(secret, body), expected);
        assert!(verify(secret, body, Some(expected)));
    }

    #[test]
    fn anything_else_fails() {
        let secret = b"It's a Secret to Everybody";
        let good = sign(secret, b"Hello, World!");
        assert!(
            !verify(secret, b"Hello, World?", Some(&good)),
            "tampered body"
        );
        assert!(
            !verify(b"another secret", b"Hello, World!", Some(&good)),
            "wrong secret"
        );
        assert!(!verify(secret, b"Hello, World!", None), "no header");
        assert!(
            !verify(secret, b"Hello, World!", Some("sha256=zz")),
            "not hex"
        );
        assert!(
            !verify(secret, b"Hello, World!", Some(&good[7..])),
            "no prefix"
        );
        assert!(
            !verify(secret, b"Hello, World!", Some(&good[..40])),
            "cut short"
        );
    }
}
