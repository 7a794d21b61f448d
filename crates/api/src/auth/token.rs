//! Verifies a user token with `jsonwebtoken`: HS256 with a shared secret, or RS256 and
//! ES256 with the provider's JWKS; `exp` required, `nbf`/`iat` honoured with a minute's
//! leeway, issuer and audience checked when configured, the workspace and the role read
//! from configurable (dotted) claims. Every refusal is a code; none says anything about
//! keys.

use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header, errors::ErrorKind};
use serde_json::Value;

use super::{Caller, Role, TokenHolder, jwks::Jwks};

/// Clock skew tolerated on `exp`, `nbf` and `iat`.
const LEEWAY_SECONDS: u64 = 60;
/// Tokens are small; a longer one is refused before it is decoded.
const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// How user tokens are checked.
#[derive(Clone)]
pub struct TokenSettings {
    /// HS256's shared secret.
    pub secret: Option<Vec<u8>>,
    /// Where the provider publishes its RS256/ES256 keys.
    pub jwks_url: Option<url::Url>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    /// The claim holding the workspace: a name (`workspace`) or a dotted path into a
    /// namespaced claim (`https://tributary.example/claims.workspace`).
    pub workspace_claim: String,
    /// The claim holding the role.
    pub role_claim: String,
    /// How soon an unknown `kid` may fetch the JWKS again (a minute; tests shorten it).
    pub jwks_refetch_interval: std::time::Duration,
}

impl Default for TokenSettings {
    fn default() -> Self {
        TokenSettings {
            secret: None,
            jwks_url: None,
            issuer: None,
            audience: None,
            workspace_claim: Self::DEFAULT_WORKSPACE_CLAIM.into(),
            role_claim: Self::DEFAULT_ROLE_CLAIM.into(),
            jwks_refetch_interval: super::jwks::REFETCH_INTERVAL,
        }
    }
}

impl TokenSettings {
    /// The claim names a provider uses unless told otherwise.
    pub const DEFAULT_WORKSPACE_CLAIM: &str = "workspace";
    pub const DEFAULT_ROLE_CLAIM: &str = "role";

    /// HS256 with `secret`, the default claims, no issuer or audience.
    pub fn with_secret(secret: Vec<u8>) -> Self {
        TokenSettings {
            secret: Some(secret),
            ..TokenSettings::default()
        }
    }
}

/// The secret never shows.
impl std::fmt::Debug for TokenSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSettings")
            .field("secret", &self.secret.as_ref().map(|_| "<set>"))
            .field("jwks_url", &self.jwks_url.as_ref().map(url::Url::as_str))
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("workspace_claim", &self.workspace_claim)
            .field("role_claim", &self.role_claim)
            .field("jwks_refetch_interval", &self.jwks_refetch_interval)
            .finish()
    }
}

/// Why a token was refused, as the `extensions.code` of a 401.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenRefusal {
    #[error("the token expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token has no expiry (exp)")]
    NoExpiry,
    #[error("the token's issuer is not the one this server trusts")]
    WrongIssuer,
    #[error("the token is not meant for this server (audience)")]
    WrongAudience,
    #[error("the token's algorithm is not accepted here")]
    UnsupportedAlgorithm,
    #[error("the token names a key this server does not know")]
    UnknownKey,
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("this is not a token this server can read")]
    Malformed,
    #[error("the token names no workspace")]
    NoWorkspace,
    #[error("the token's role is not one of admin, member, viewer")]
    UnknownRole,
}

impl TokenRefusal {
    pub fn code(self) -> &'static str {
        match self {
            TokenRefusal::Expired => "TOKEN_EXPIRED",
            TokenRefusal::NotYetValid => "TOKEN_NOT_YET_VALID",
            TokenRefusal::NoExpiry => "TOKEN_WITHOUT_EXPIRY",
            TokenRefusal::WrongIssuer => "TOKEN_WRONG_ISSUER",
            TokenRefusal::WrongAudience => "TOKEN_WRONG_AUDIENCE",
            TokenRefusal::UnsupportedAlgorithm => "TOKEN_ALGORITHM_REFUSED",
            TokenRefusal::UnknownKey => "TOKEN_KEY_UNKNOWN",
            TokenRefusal::BadSignature => "TOKEN_SIGNATURE_INVALID",
            TokenRefusal::Malformed => "TOKEN_MALFORMED",
            TokenRefusal::NoWorkspace => "TOKEN_WITHOUT_WORKSPACE",
            TokenRefusal::UnknownRole => "TOKEN_ROLE_UNKNOWN",
        }
    }

    fn of(error: &jsonwebtoken::errors::Error) -> Self {
        match error.kind() {
            ErrorKind::ExpiredSignature => TokenRefusal::Expired,
            ErrorKind::ImmatureSignature => TokenRefusal::NotYetValid,
            ErrorKind::MissingRequiredClaim(claim) if claim == "exp" => TokenRefusal::NoExpiry,
            ErrorKind::InvalidIssuer => TokenRefusal::WrongIssuer,
            ErrorKind::InvalidAudience => TokenRefusal::WrongAudience,
            ErrorKind::InvalidAlgorithm
            | ErrorKind::MissingAlgorithm
            | ErrorKind::InvalidAlgorithmName => TokenRefusal::UnsupportedAlgorithm,
            ErrorKind::InvalidSignature => TokenRefusal::BadSignature,
            _ => TokenRefusal::Malformed,
        }
    }
}

pub struct TokenVerifier {
    settings: TokenSettings,
    jwks: Option<Jwks>,
}

impl TokenVerifier {
    pub fn new(settings: TokenSettings) -> Self {
        let jwks = settings
            .jwks_url
            .clone()
            .map(|url| Jwks::new(url).with_refetch_interval(settings.jwks_refetch_interval));
        TokenVerifier { settings, jwks }
    }

    /// The caller a token stands for, or why it is refused.
    pub async fn verify(&self, token: &str) -> Result<Caller, TokenRefusal> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenRefusal::Malformed);
        }
        // `alg: none` and unknown names do not parse as an `Algorithm`.
        let header = decode_header(token).map_err(|_| unreadable_header(token))?;
        let key = match header.alg {
            Algorithm::HS256 => match &self.settings.secret {
                Some(secret) => DecodingKey::from_secret(secret),
                None => return Err(TokenRefusal::UnsupportedAlgorithm),
            },
            Algorithm::RS256 | Algorithm::ES256 => {
                let (Some(jwks), Some(kid)) = (&self.jwks, header.kid.as_deref()) else {
                    return Err(if self.jwks.is_none() {
                        TokenRefusal::UnsupportedAlgorithm
                    } else {
                        TokenRefusal::UnknownKey
                    });
                };
                let jwk = jwks.key(kid).await.ok_or(TokenRefusal::UnknownKey)?;
                DecodingKey::from_jwk(&jwk).map_err(|_| TokenRefusal::UnknownKey)?
            }
            _ => return Err(TokenRefusal::UnsupportedAlgorithm),
        };
        // One algorithm per key: an HS256 token is never checked against an RSA public
        // key, nor the other way round.
        let mut validation = Validation::new(header.alg);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp"]);
        match &self.settings.issuer {
            Some(issuer) => validation.set_issuer(&[issuer]),
            None => validation.iss = None,
        }
        match &self.settings.audience {
            Some(audience) => validation.set_audience(&[audience]),
            None => validation.validate_aud = false,
        }
        let claims = decode::<Value>(token, &key, &validation)
            .map_err(|e| TokenRefusal::of(&e))?
            .claims;
        if let Some(iat) = claims.get("iat").and_then(Value::as_i64) {
            let now = jsonwebtoken::get_current_timestamp() as i64;
            if iat > now + LEEWAY_SECONDS as i64 {
                return Err(TokenRefusal::NotYetValid);
            }
        }
        let workspace = claim(&claims, &self.settings.workspace_claim)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .ok_or(TokenRefusal::NoWorkspace)?
            .to_string();
        let role = claim(&claims, &self.settings.role_claim)
            .and_then(Value::as_str)
            .and_then(Role::from_claim)
            .ok_or(TokenRefusal::UnknownRole)?;
        let expires_at = claims
            .get("exp")
            .and_then(Value::as_i64)
            .and_then(|exp| chrono::DateTime::from_timestamp(exp, 0))
            .ok_or(TokenRefusal::NoExpiry)?;
        Ok(Caller::User(TokenHolder {
            subject: claims
                .get("sub")
                .and_then(Value::as_str)
                .map(str::to_string),
            workspace,
            role,
            expires_at,
        }))
    }
}

/// A claim by its name, or by a dotted path into nested objects (Hasura-style namespaced
/// claims). A key may hold dots itself (`https://tributary.example/claims`), so the
/// longest key that matches is taken first at each level.
fn claim<'a>(claims: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(found) = claims.get(path) {
        return Some(found);
    }
    path.rmatch_indices('.').find_map(|(at, _)| {
        let nested = claims.get(&path[..at])?;
        claim(nested, &path[at + 1..])
    })
}

/// Why a header `jsonwebtoken` cannot read is refused: an algorithm it does not know
/// (`none` among them) is named as such; anything else is malformed. The header is only
/// looked at to say why, never to accept.
fn unreadable_header(token: &str) -> TokenRefusal {
    use base64::Engine;
    let names_an_algorithm = token
        .split('.')
        .next()
        .and_then(|part| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(part)
                .ok()
        })
        .and_then(|json| serde_json::from_slice::<Value>(&json).ok())
        .is_some_and(|header| header.get("alg").is_some_and(Value::is_string));
    if names_an_algorithm {
        TokenRefusal::UnsupportedAlgorithm
    } else {
        TokenRefusal::Malformed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode, get_current_timestamp};
    use serde_json::json;

    const SECRET: &[u8] = b"a shared secret of the product's identity provider";

    fn verifier() -> TokenVerifier {
        TokenVerifier::new(TokenSettings {
            secret: Some(SECRET.to_vec()),
            jwks_url: None,
            issuer: Some("https://id.example.com".into()),
            audience: Some("tributary".into()),
            workspace_claim: "https://tributary.example/claims.workspace".into(),
            role_claim: "https://tributary.example/claims.role".into(),
            ..TokenSettings::default()
        })
    }

    fn claims(change: impl FnOnce(&mut Value)) -> Value {
        let now = get_current_timestamp();
        let mut claims = json!({
            "sub": "user-1",
            "iss": "https://id.example.com",
            "aud": "tributary",
            "iat": now,
            "exp": now + 3600,
            "https://tributary.example/claims": { "workspace": "acme", "role": "viewer" },
        });
        change(&mut claims);
        claims
    }

    fn signed(claims: &Value) -> String {
        encode(
            &Header::default(),
            claims,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap()
    }

    fn refusal(token: &str) -> TokenRefusal {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(verifier().verify(token)).unwrap_err()
    }

    #[tokio::test]
    async fn a_good_token_names_its_caller() {
        let claims = claims(|_| {});
        let caller = verifier().verify(&signed(&claims)).await.unwrap();
        assert_eq!(
            caller,
            Caller::User(TokenHolder {
                subject: Some("user-1".into()),
                workspace: "acme".into(),
                role: Role::Viewer,
                expires_at: chrono::DateTime::from_timestamp(claims["exp"].as_i64().unwrap(), 0)
                    .unwrap(),
            })
        );
    }

    #[test]
    fn every_refusal_has_its_code() {
        let now = get_current_timestamp();
        let cases: Vec<(Value, TokenRefusal)> = vec![
            (
                claims(|c| c["exp"] = json!(now - 120)),
                TokenRefusal::Expired,
            ),
            (
                claims(|c| c["nbf"] = json!(now + 600)),
                TokenRefusal::NotYetValid,
            ),
            (
                claims(|c| c["iat"] = json!(now + 600)),
                TokenRefusal::NotYetValid,
            ),
            (
                claims(|c| {
                    c.as_object_mut().unwrap().remove("exp");
                }),
                TokenRefusal::NoExpiry,
            ),
            (
                claims(|c| c["iss"] = json!("https://evil.example")),
                TokenRefusal::WrongIssuer,
            ),
            (
                claims(|c| c["aud"] = json!("someone-else")),
                TokenRefusal::WrongAudience,
            ),
            (
                claims(|c| c["https://tributary.example/claims"]["workspace"] = json!("")),
                TokenRefusal::NoWorkspace,
            ),
            (
                claims(|c| c["https://tributary.example/claims"]["role"] = json!("owner")),
                TokenRefusal::UnknownRole,
            ),
        ];
        for (claims, expected) in cases {
            assert_eq!(refusal(&signed(&claims)), expected, "{claims}");
        }
        // Within the leeway, a just-expired token still passes.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let fresh = signed(&claims(|c| c["exp"] = json!(now - 30)));
        assert!(runtime.block_on(verifier().verify(&fresh)).is_ok());
    }

    #[test]
    fn forged_tokens_are_refused() {
        let good = signed(&claims(|_| {}));
        // A tampered payload: the viewer made admin.
        let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
        let admin = claims(|c| c["https://tributary.example/claims"]["role"] = json!("admin"));
        use base64::Engine;
        parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(admin.to_string());
        assert_eq!(refusal(&parts.join(".")), TokenRefusal::BadSignature);
        // Signed with another secret.
        let other = encode(
            &Header::default(),
            &claims(|_| {}),
            &EncodingKey::from_secret(b"x"),
        )
        .unwrap();
        assert_eq!(refusal(&other), TokenRefusal::BadSignature);
        // `alg: none`, and an algorithm no key here is for.
        let none_header = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"alg":"none","typ":"JWT"}"#);
        assert_eq!(
            refusal(&format!("{none_header}.{}.", parts[1])),
            TokenRefusal::UnsupportedAlgorithm
        );
        let rs256_header = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"alg":"RS256","typ":"JWT","kid":"k1"}"#);
        assert_eq!(
            refusal(&format!("{rs256_header}.{}.c2ln", parts[1])),
            TokenRefusal::UnsupportedAlgorithm
        );
        assert_eq!(refusal("not a token"), TokenRefusal::Malformed);
        assert_eq!(
            refusal(&"a".repeat(MAX_TOKEN_BYTES + 1)),
            TokenRefusal::Malformed
        );
    }
}
