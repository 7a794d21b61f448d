//! Mints HS256 user tokens with the configured secret: `tributary token`, the demo's
//! printed tokens and the tests. A product's own identity provider mints them in
//! production; these carry the same claims.

use std::time::Duration;

use jsonwebtoken::{EncodingKey, Header, encode, get_current_timestamp};
use serde_json::{Map, Value, json};

use super::{Role, token::TokenSettings};

/// What a minted token says.
pub struct TokenRequest<'a> {
    pub workspace: &'a str,
    pub role: Role,
    pub subject: &'a str,
    pub ttl: Duration,
}

/// A token `settings` will accept (its claims, issuer and audience), signed with its
/// HS256 secret; an error when it has none (keys from a JWKS belong to the provider).
pub fn mint(settings: &TokenSettings, request: &TokenRequest<'_>) -> anyhow::Result<String> {
    let Some(secret) = &settings.secret else {
        anyhow::bail!(
            "no HS256 secret is configured (TRIBUTARY_JWT_SECRET): with TRIBUTARY_JWT_JWKS_URL, tokens come from your identity provider"
        );
    };
    let now = get_current_timestamp();
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(request.subject));
    claims.insert("iat".into(), json!(now));
    claims.insert("exp".into(), json!(now + request.ttl.as_secs()));
    if let Some(issuer) = &settings.issuer {
        claims.insert("iss".into(), json!(issuer));
    }
    if let Some(audience) = &settings.audience {
        claims.insert("aud".into(), json!(audience));
    }
    let mut claims = Value::Object(claims);
    set_claim(
        &mut claims,
        &settings.workspace_claim,
        json!(request.workspace),
    );
    set_claim(
        &mut claims,
        &settings.role_claim,
        json!(request.role.claim()),
    );
    Ok(encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret),
    )?)
}

/// Puts `value` at a claim path the verifier reads: a plain name, or `namespace.name`
/// where the namespace (which may hold dots itself, like a URL) is everything before
/// the last dot.
fn set_claim(claims: &mut Value, path: &str, value: Value) {
    match path.rsplit_once('.') {
        Some((namespace, name)) if !namespace.is_empty() && !name.is_empty() => {
            let nested = claims
                .as_object_mut()
                .expect("claims are an object")
                .entry(namespace.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(object) = nested.as_object_mut() {
                object.insert(name.to_string(), value);
            }
        }
        _ => {
            claims
                .as_object_mut()
                .expect("claims are an object")
                .insert(path.to_string(), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Caller, token::TokenVerifier};

    fn settings(workspace_claim: &str, role_claim: &str) -> TokenSettings {
        TokenSettings {
            secret: Some(b"minting secret".to_vec()),
            jwks_url: None,
            issuer: Some("https://id.example.com".into()),
            audience: Some("tributary".into()),
            workspace_claim: workspace_claim.into(),
            role_claim: role_claim.into(),
            ..TokenSettings::default()
        }
    }

    #[tokio::test]
    async fn minted_tokens_verify_with_plain_and_namespaced_claims() {
        for (workspace_claim, role_claim) in [
            ("workspace", "role"),
            (
                "https://tributary.example/claims.workspace",
                "https://tributary.example/claims.role",
            ),
        ] {
            let settings = settings(workspace_claim, role_claim);
            let token = mint(
                &settings,
                &TokenRequest {
                    workspace: "acme",
                    role: Role::Member,
                    subject: "user-7",
                    ttl: Duration::from_secs(600),
                },
            )
            .unwrap();
            let Caller::User(holder) = TokenVerifier::new(settings).verify(&token).await.unwrap()
            else {
                panic!("a user token");
            };
            assert_eq!(holder.workspace, "acme");
            assert_eq!(holder.role, Role::Member);
            assert_eq!(holder.subject.as_deref(), Some("user-7"));
        }
    }

    #[test]
    fn without_a_secret_nothing_is_minted() {
        let mut settings = settings("workspace", "role");
        settings.secret = None;
        let request = TokenRequest {
            workspace: "acme",
            role: Role::Admin,
            subject: "ops",
            ttl: Duration::from_secs(60),
        };
        assert!(mint(&settings, &request).is_err());
    }
}
