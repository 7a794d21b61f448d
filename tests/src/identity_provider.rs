//! A product's identity provider, as the API meets it: it publishes its public keys as
//! a JWKS over HTTP (the set can grow, as when a provider rotates keys) and signs user
//! tokens with RS256 or ES256 (test-only keys in `tests/testdata`).

use std::sync::{Arc, Mutex};

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

const RSA_N: &str = "zlfHX6e4D3crVBQOoc8M2nrPhoLLNzbJP01_rfYn11KjdUC2VwCYtbWmOLHrdPZ_zA-Tit-AVmVOQ6M0sHZV1ArNTu4WsUSAZ6bh_eIWs2I1c08ofFUwNAn8JMsSI5LISIMSDDBh6jbaKD3SN0mM9PkVtAe8iAAYMg8NsGz1AdR94gO6yXhWVX_qyLqHZ4kk4Y6W37MCu5ur0qSjeVv5eE1L04m4-GzfUsmWbepFqvQN8gB8rUveUeEvNthh-ShIafjMulbGDyN5hTrMw7jp85Zggd2JmEmsbnq1LYpe3nfwIiy-i4w-KliuCCMgfSxxS_1yYh-QmhhImSvOwCsNWw";
const EC_X: &str = "ukIrK8DE3TJcrW--_Szh3bZRe6Nol0d8Au3o64RIh18";
const EC_Y: &str = "fR4_TUMkuZ94kpsQ4EEAxW80QlvesTsG2XxOj1GuWVY";
const RSA_PRIVATE_DER: &[u8] = include_bytes!("../testdata/rsa.der");
const EC_PRIVATE_DER: &[u8] = include_bytes!("../testdata/ec.der");

/// The provider: its JWKS URL and the keys it publishes there.
pub struct IdentityProvider {
    pub jwks_url: String,
    published: Arc<Mutex<Vec<Value>>>,
}

impl IdentityProvider {
    /// Serves an empty JWKS on loopback until the test ends.
    pub async fn start() -> IdentityProvider {
        use poem::{EndpointExt, Route, get, handler, web::Data};
        #[handler]
        fn jwks(keys: Data<&Arc<Mutex<Vec<Value>>>>) -> poem::web::Json<Value> {
            poem::web::Json(json!({ "keys": keys.lock().unwrap().clone() }))
        }
        let published = Arc::new(Mutex::new(Vec::new()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Route::new()
            .at("/.well-known/jwks.json", get(jwks))
            .data(published.clone());
        tokio::spawn(async move {
            poem::Server::new_with_acceptor(
                poem::listener::TcpAcceptor::from_tokio(listener).unwrap(),
            )
            .run(app)
            .await
        });
        IdentityProvider {
            jwks_url: format!("http://{addr}/.well-known/jwks.json"),
            published,
        }
    }

    /// Publishes the RSA key (RS256) under `kid`.
    pub fn publish_rsa(&self, kid: &str) {
        self.published.lock().unwrap().push(
            json!({ "kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": RSA_N, "e": "AQAB" }),
        );
    }

    /// Publishes the P-256 key (ES256) under `kid`.
    pub fn publish_ec(&self, kid: &str) {
        self.published.lock().unwrap().push(
            json!({ "kty": "EC", "kid": kid, "use": "sig", "alg": "ES256", "crv": "P-256", "x": EC_X, "y": EC_Y }),
        );
    }

    /// `claims` signed with RS256 or ES256, naming `kid`.
    pub fn sign(&self, alg: Algorithm, kid: &str, claims: &Value) -> String {
        let mut header = Header::new(alg);
        header.kid = Some(kid.to_string());
        let key = match alg {
            Algorithm::RS256 => EncodingKey::from_rsa_der(RSA_PRIVATE_DER),
            Algorithm::ES256 => EncodingKey::from_ec_der(EC_PRIVATE_DER),
            other => panic!("the provider signs RS256 and ES256, not {other:?}"),
        };
        encode(&header, claims, &key).unwrap()
    }

    /// The RSA public key's modulus bytes, as an attacker would use them for an HS256
    /// "signature" (the key-confusion attack).
    pub fn rsa_public_modulus(&self) -> Vec<u8> {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(RSA_N)
            .unwrap()
    }
}
