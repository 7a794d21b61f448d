//! The identity provider's public keys (a JWKS URL), fetched over HTTP, cached, and
//! fetched again when a token names an unknown `kid`, at most once a minute, so that a
//! stream of tokens with made-up key ids cannot make the server hammer the provider.

use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use tokio::sync::Mutex;

/// How often unknown key ids may trigger a fetch.
pub(crate) const REFETCH_INTERVAL: Duration = Duration::from_secs(60);
/// How long a fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest key set read.
const MAX_JWKS_BYTES: usize = 256 * 1024;

pub struct Jwks {
    url: url::Url,
    refetch_interval: Duration,
    http: reqwest::Client,
    cache: Mutex<Cached>,
}

#[derive(Default)]
struct Cached {
    keys: Option<JwkSet>,
    fetched_at: Option<Instant>,
}

impl Jwks {
    pub fn new(url: url::Url) -> Self {
        Jwks {
            url,
            refetch_interval: REFETCH_INTERVAL,
            http: reqwest::Client::builder()
                .timeout(FETCH_TIMEOUT)
                .build()
                .expect("an HTTP client"),
            cache: Mutex::new(Cached::default()),
        }
    }

    /// For tests: how soon an unknown key id may fetch again.
    pub fn with_refetch_interval(mut self, interval: Duration) -> Self {
        self.refetch_interval = interval;
        self
    }

    /// The key with this id: from the cache, or from a fresh fetch when it is unknown
    /// and the last fetch is older than a minute. `None` when the provider has none.
    pub async fn key(&self, kid: &str) -> Option<jsonwebtoken::jwk::Jwk> {
        let mut cached = self.cache.lock().await;
        if let Some(found) = cached.keys.as_ref().and_then(|keys| keys.find(kid)) {
            return Some(found.clone());
        }
        let may_fetch = cached
            .fetched_at
            .is_none_or(|at| at.elapsed() >= self.refetch_interval);
        if !may_fetch {
            return None;
        }
        cached.fetched_at = Some(Instant::now());
        match self.fetch().await {
            Ok(keys) => cached.keys = Some(keys),
            // The old keys stay: a provider's hiccup must not log everyone out.
            Err(error) => tracing::warn!(url = %self.url, %error, "could not fetch the JWKS"),
        }
        cached
            .keys
            .as_ref()
            .and_then(|keys| keys.find(kid))
            .cloned()
    }

    async fn fetch(&self) -> anyhow::Result<JwkSet> {
        let response = self
            .http
            .get(self.url.clone())
            .send()
            .await?
            .error_for_status()?;
        let body = response.bytes().await?;
        anyhow::ensure!(
            body.len() <= MAX_JWKS_BYTES,
            "the JWKS is larger than {MAX_JWKS_BYTES} bytes"
        );
        Ok(serde_json::from_slice(&body)?)
    }
}
