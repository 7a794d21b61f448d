//! The processes' settings (the CLI fills them from flags and `TRIBUTARY_*`), and
//! the keys generated at first start when none are given.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use api::crypto::SecretBox;

#[derive(Clone)]
pub struct Config {
    pub listen: String,
    /// `sqlite://…` or `postgres://…`; `None` means `tributary.db` in the working directory.
    pub database_url: Option<String>,
    /// How GitHub and browsers reach this server; defaults to `http://{listen}`.
    pub public_url: Option<String>,
    pub github_api_url: String,
    pub github_web_url: String,
    pub api_key: Option<String>,
    /// A bearer that may scrape `/metrics` and nothing else (Prometheus need not hold
    /// the server key).
    pub metrics_token: Option<String>,
    pub encryption_key: Option<String>,
    /// Keys being rotated away from (base64 each): values they sealed still open until
    /// `tributary rotate-key` has sealed everything under `encryption_key`.
    pub encryption_key_previous: Vec<String>,
    /// Tributary's OAuth app on GitHub; without both, `startOAuth` says which to set.
    pub github_oauth_client_id: Option<String>,
    pub github_oauth_client_secret: Option<String>,
    /// Origins besides the public URL's that `redirectAfter` may point to.
    pub oauth_allowed_redirect_origins: Vec<String>,
    /// Origins whose browser pages may call `/graphql` (CORS); none by default.
    pub cors_allowed_origins: Vec<String>,
    /// The longest a GraphQL request may run.
    pub request_time_limit: std::time::Duration,
    /// How user tokens are verified (`TRIBUTARY_JWT_*`).
    pub jwt: JwtConfig,
    /// Where the server key creates without a workspace header, and where integrations
    /// from before workspaces went (`TRIBUTARY_DEFAULT_WORKSPACE`).
    pub default_workspace: String,
    /// How long a `startOAuth` state stays valid (GitHub's codes live 10 minutes too).
    pub oauth_state_ttl: std::time::Duration,
    /// How long an OAuth grant waits for `createIntegration`.
    pub oauth_grant_ttl: std::time::Duration,
    /// Redis for the import queue, progress and rate budgets; `None` keeps the queue
    /// in the (SQLite) database.
    pub redis_url: Option<String>,
    /// Prefix of every Redis key Tributary writes.
    pub redis_prefix: String,
    /// Jobs of one integration in the queue at once (`queue::QueueConfig::window`).
    pub queue_window: usize,
    /// Run an import worker inside `serve` even when Redis lets workers run apart
    /// (without Redis, `serve` always runs one).
    pub worker: bool,
    /// The worker's name in the queue; a restarted worker with the same name takes
    /// its unfinished jobs back at once. Defaults to one per process.
    pub worker_name: Option<String>,
    pub worker_concurrency: usize,
    pub worker_heartbeat: std::time::Duration,
    /// Progress events an `importProgress` subscriber may fall behind by before it is
    /// told it missed some (no flag: tests shrink it).
    pub progress_capacity: usize,
    pub import: worker::ImportSettings,
    /// How often the recovery job lists each hook's recent deliveries and asks GitHub
    /// to redeliver the failed ones.
    pub webhook_recovery_interval: std::time::Duration,
    /// How often an incremental sync runs as a safety net where hooks deliver; zero
    /// turns it off.
    pub webhook_sync_interval: std::time::Duration,
    /// How long applied webhook deliveries are kept.
    pub webhook_delivery_retention: std::time::Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            database_url: None,
            public_url: None,
            github_api_url: "https://api.github.com".into(),
            github_web_url: "https://github.com".into(),
            api_key: None,
            metrics_token: None,
            encryption_key: None,
            encryption_key_previous: Vec::new(),
            github_oauth_client_id: None,
            github_oauth_client_secret: None,
            oauth_allowed_redirect_origins: Vec::new(),
            cors_allowed_origins: Vec::new(),
            request_time_limit: std::time::Duration::from_secs(30),
            jwt: JwtConfig::default(),
            default_workspace: migration::default_workspace(),
            oauth_state_ttl: std::time::Duration::from_secs(600),
            oauth_grant_ttl: std::time::Duration::from_secs(3600),
            redis_url: None,
            redis_prefix: "tributary".into(),
            queue_window: queue::storage::DEFAULT_WINDOW,
            worker: false,
            worker_name: None,
            worker_concurrency: 4,
            worker_heartbeat: std::time::Duration::from_secs(30),
            progress_capacity: queue::progress::DEFAULT_CAPACITY,
            import: worker::ImportSettings::default(),
            webhook_recovery_interval: worker::WebhookSettings::default().recovery_interval,
            webhook_sync_interval: worker::WebhookSettings::default().safety_sync_interval,
            webhook_delivery_retention: worker::WebhookSettings::default().delivery_retention,
        }
    }
}

/// Secrets show as set or not, never their values.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = |value: &Option<String>| if value.is_some() { "<set>" } else { "<unset>" };
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field(
                "database_url",
                &self
                    .database_url
                    .as_deref()
                    .map(crate::database::redact_url),
            )
            .field("public_url", &self.public_url)
            .field("github_api_url", &self.github_api_url)
            .field("github_web_url", &self.github_web_url)
            .field("api_key", &secret(&self.api_key))
            .field("metrics_token", &secret(&self.metrics_token))
            .field("encryption_key", &secret(&self.encryption_key))
            .field(
                "encryption_key_previous",
                &format!("[{} hidden]", self.encryption_key_previous.len()),
            )
            .field("github_oauth_client_id", &self.github_oauth_client_id)
            .field(
                "github_oauth_client_secret",
                &secret(&self.github_oauth_client_secret),
            )
            .field(
                "oauth_allowed_redirect_origins",
                &self.oauth_allowed_redirect_origins,
            )
            .field("cors_allowed_origins", &self.cors_allowed_origins)
            .field("jwt", &self.jwt)
            .field("default_workspace", &self.default_workspace)
            .field("oauth_state_ttl", &self.oauth_state_ttl)
            .field("oauth_grant_ttl", &self.oauth_grant_ttl)
            .finish()
    }
}

pub const DEFAULT_SQLITE_FILE: &str = "tributary.db";

/// User tokens: an HS256 secret or the identity provider's JWKS, the issuer and
/// audience checked when set, and the claims carrying the workspace and the role.
#[derive(Clone)]
pub struct JwtConfig {
    /// HS256's shared secret [default: derived from the encryption key, so the demo and
    /// `tributary token` work with nothing set].
    pub secret: Option<String>,
    /// The provider's JWKS (RS256, ES256).
    pub jwks_url: Option<String>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    pub workspace_claim: String,
    pub role_claim: String,
    /// How soon an unknown `kid` may fetch the JWKS again (no flag: tests shorten it).
    pub jwks_refetch_interval: std::time::Duration,
}

impl Default for JwtConfig {
    fn default() -> Self {
        JwtConfig {
            secret: None,
            jwks_url: None,
            issuer: None,
            audience: None,
            workspace_claim: api::auth::token::TokenSettings::DEFAULT_WORKSPACE_CLAIM.into(),
            role_claim: api::auth::token::TokenSettings::DEFAULT_ROLE_CLAIM.into(),
            jwks_refetch_interval: api::auth::token::TokenSettings::default().jwks_refetch_interval,
        }
    }
}

/// The secret shows as set or not.
impl std::fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtConfig")
            .field("secret", &self.secret.as_ref().map(|_| "<set>"))
            .field("jwks_url", &self.jwks_url)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("workspace_claim", &self.workspace_claim)
            .field("role_claim", &self.role_claim)
            .finish()
    }
}

impl JwtConfig {
    /// The verifier's settings. Without a secret or a JWKS URL, HS256 with the secret
    /// derived from the encryption key; with a JWKS URL alone, the provider's keys only.
    pub fn token_settings(&self, keys: &Keys) -> anyhow::Result<api::auth::token::TokenSettings> {
        let jwks_url = self
            .jwks_url
            .as_deref()
            .map(url::Url::parse)
            .transpose()
            .context("TRIBUTARY_JWT_JWKS_URL is not a URL")?;
        let secret = match (&self.secret, &jwks_url) {
            (Some(secret), _) if secret.len() < 32 => anyhow::bail!(
                "TRIBUTARY_JWT_SECRET must be at least 32 characters (HS256 needs a secret as long as its hash)"
            ),
            (Some(secret), _) => Some(secret.as_bytes().to_vec()),
            (None, Some(_)) => None,
            (None, None) => Some(keys.secret_box.derived_user_token_secret()),
        };
        Ok(api::auth::token::TokenSettings {
            secret,
            jwks_url,
            issuer: self.issuer.clone(),
            audience: self.audience.clone(),
            workspace_claim: self.workspace_claim.clone(),
            role_claim: self.role_claim.clone(),
            jwks_refetch_interval: self.jwks_refetch_interval,
        })
    }
}

impl Config {
    pub fn database_url(&self) -> String {
        let url = self
            .database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{DEFAULT_SQLITE_FILE}"));
        // sqlx opens SQLite files read-write but does not create them unless asked.
        if url.starts_with("sqlite:") && !url.contains("mode=") && !url.contains(":memory:") {
            let separator = if url.contains('?') { '&' } else { '?' };
            format!("{url}{separator}mode=rwc")
        } else {
            url
        }
    }

    /// How GitHub and browsers reach this server: OAuth callbacks and webhook URLs are built on it.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.listen),
        }
    }

    /// Whether `serve` runs an import worker in its own process.
    pub fn runs_worker(&self) -> bool {
        self.worker || self.redis_url.is_none()
    }

    pub fn queue_config(&self) -> queue::QueueConfig {
        queue::QueueConfig {
            redis_url: self.redis_url.clone(),
            redis_prefix: self.redis_prefix.clone(),
            heartbeat: self.worker_heartbeat,
            concurrency: self.worker_concurrency,
            window: self.queue_window,
            progress_capacity: self.progress_capacity,
        }
    }

    pub fn webhook_settings(&self) -> worker::WebhookSettings {
        worker::WebhookSettings {
            recovery_interval: self.webhook_recovery_interval,
            safety_sync_interval: self.webhook_sync_interval,
            delivery_retention: self.webhook_delivery_retention,
        }
    }

    /// What the OAuth web flow needs of the settings.
    pub fn oauth_settings(&self) -> api::oauth::flow::OAuthSettings {
        api::oauth::flow::OAuthSettings {
            client_id: self.github_oauth_client_id.clone(),
            client_secret: self.github_oauth_client_secret.clone(),
            github_web_url: self.github_web_url.clone(),
            allowed_redirect_origins: self.oauth_allowed_redirect_origins.clone(),
            state_ttl: self.oauth_state_ttl,
            grant_ttl: self.oauth_grant_ttl,
        }
    }

    pub fn worker_name(&self) -> String {
        self.worker_name
            .clone()
            .unwrap_or_else(|| format!("tributary-worker-{}", std::process::id()))
    }

    /// Where generated keys live: beside a SQLite file, else in the working directory.
    fn keys_path(&self) -> PathBuf {
        let url = self.database_url();
        let dir = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .map(|rest| rest.split('?').next().unwrap_or(rest))
            .and_then(|file| Path::new(file).parent().map(Path::to_path_buf))
            .unwrap_or_default();
        dir.join("tributary-keys.json")
    }
}

/// The two secrets the server needs.
#[derive(Clone)]
pub struct Keys {
    pub api_key: String,
    pub secret_box: SecretBox,
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    api_key: String,
    encryption_key: String,
}

impl Keys {
    /// Given keys win; missing ones come from the key file, created at first start with
    /// owner-only permissions. The API key is logged once, when generated; the
    /// encryption key never is.
    pub fn resolve(config: &Config) -> anyhow::Result<Keys> {
        let (api_key, encryption_key) = match (&config.api_key, &config.encryption_key) {
            (Some(api), Some(enc)) => (api.clone(), enc.clone()),
            _ => {
                let stored = load_or_create(&config.keys_path())?;
                (
                    config.api_key.clone().unwrap_or(stored.api_key),
                    config
                        .encryption_key
                        .clone()
                        .unwrap_or(stored.encryption_key),
                )
            }
        };
        let secret_box = SecretBox::from_base64_key(&encryption_key)
            .context("TRIBUTARY_ENCRYPTION_KEY")?
            .with_previous_keys(&config.encryption_key_previous)
            .context("TRIBUTARY_ENCRYPTION_KEY_PREVIOUS")?;
        Ok(Keys {
            api_key,
            secret_box,
        })
    }
}

/// Reads the key file, or creates it. Processes starting together in one directory
/// (`serve` and its workers) all end with the same keys: the file appears whole or not
/// at all (written aside, then linked into place, which fails rather than replace a
/// file another process linked first), and a process that loses reads the winner's.
fn load_or_create(path: &Path) -> anyhow::Result<KeyFile> {
    if let Some(keys) = read_key_file(path)? {
        return Ok(keys);
    }
    let keys = KeyFile {
        api_key: generate_api_key(),
        encryption_key: SecretBox::generate_key(),
    };
    match create_owner_only(path, &serde_json::to_string_pretty(&keys)?) {
        Ok(()) => {
            // The key goes to the terminal once, never into the log stream (which is
            // often shipped elsewhere and kept); the log says only where it is kept.
            eprintln!(
                "Generated the server key (shown only this once; backends send `Authorization: Bearer <key>`): {}",
                keys.api_key
            );
            tracing::warn!(
                file = %path.display(),
                "generated a server key and an encryption key at first start, kept in this file (owner-only); the server key was printed to the terminal"
            );
            Ok(keys)
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => read_key_file(path)?
            .with_context(|| format!("{} vanished as it was created", path.display())),
        Err(error) => Err(error).with_context(|| format!("creating {}", path.display())),
    }
}

fn read_key_file(path: &Path) -> anyhow::Result<Option<KeyFile>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error).with_context(|| format!("reading {}", path.display())),
    };
    serde_json::from_str(&text)
        .map(Some)
        .with_context(|| format!("{} is not a Tributary key file", path.display()))
}

pub fn generate_api_key() -> String {
    use rand::Rng;
    let bytes: [u8; 24] = rand::thread_rng().r#gen();
    format!(
        "trib_{}",
        base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
    )
}

/// Creates `path` with `contents`, readable by its owner only, unless it exists
/// (`AlreadyExists`). The contents go to a file of their own first and are then hard
/// linked into place: a link never replaces an existing file, and readers never see a
/// half-written one.
fn create_owner_only(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let aside = path.with_file_name(format!(
        ".{}.{}.tmp",
        path.file_name().unwrap_or_default().to_string_lossy(),
        uuid::Uuid::new_v4()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&aside).and_then(|mut file| {
        file.write_all(contents.as_bytes())?;
        file.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&aside, path));
    let _ = std::fs::remove_file(&aside);
    linked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_get_create_mode_and_keys_sit_beside_the_file() {
        let config = Config {
            database_url: Some("sqlite:///tmp/x/data.db".into()),
            ..Config::default()
        };
        assert_eq!(config.database_url(), "sqlite:///tmp/x/data.db?mode=rwc");
        assert_eq!(
            config.keys_path(),
            PathBuf::from("/tmp/x/tributary-keys.json")
        );
        assert_eq!(
            Config::default().keys_path(),
            PathBuf::from("tributary-keys.json")
        );
        assert_eq!(Config::default().public_url(), "http://127.0.0.1:8080");
        let pg = Config {
            database_url: Some("postgres://localhost/db".into()),
            ..Config::default()
        };
        assert_eq!(pg.database_url(), "postgres://localhost/db");
    }

    #[test]
    fn debug_output_names_secrets_without_their_values() {
        let config = Config {
            api_key: Some("key-value-1".into()),
            encryption_key: Some("enc-value-2".into()),
            github_oauth_client_secret: Some("oauth-value-3".into()),
            database_url: Some("postgres://u:pw-value-4@localhost/db".into()),
            ..Config::default()
        };
        let shown = format!("{config:?}");
        for value in ["key-value-1", "enc-value-2", "oauth-value-3", "pw-value-4"] {
            assert!(!shown.contains(value), "{value} in {shown}");
        }
        assert!(
            shown.contains("github_oauth_client_secret: \"<set>\""),
            "{shown}"
        );
    }

    #[test]
    fn generated_keys_are_kept_owner_only_and_reused() {
        let dir = std::env::temp_dir().join(format!("tributary-keys-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = Config {
            database_url: Some(format!("sqlite://{}/t.db", dir.display())),
            ..Config::default()
        };
        let first = Keys::resolve(&config).unwrap();
        let second = Keys::resolve(&config).unwrap();
        assert_eq!(first.api_key, second.api_key);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("tributary-keys.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn processes_starting_together_share_one_key_file() {
        let dir = std::env::temp_dir().join(format!("tributary-keys-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("tributary-keys.json");
        let starts: Vec<_> = (0..8)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || load_or_create(&path).unwrap().api_key)
            })
            .collect();
        let keys: Vec<String> = starts.into_iter().map(|t| t.join().unwrap()).collect();
        assert!(keys.iter().all(|key| *key == keys[0]), "{keys:?}");
        assert_eq!(read_key_file(&path).unwrap().unwrap().api_key, keys[0]);
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 1, "only the key file remains");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
