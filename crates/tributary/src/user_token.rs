//! `tributary token` and the demo's printed tokens: a user token minted with the
//! deployment's HS256 secret (`TRIBUTARY_JWT_SECRET`, or the one derived from the
//! encryption key), carrying the claims the server is configured to read.

use std::time::Duration;

use api::auth::{
    Role,
    mint::{TokenRequest, mint},
};

use crate::config::{Config, Keys};

/// A token for `subject` in `workspace` with `role`, valid for `ttl`.
pub fn mint_user_token(
    config: &Config,
    workspace: &str,
    role: Role,
    subject: &str,
    ttl: Duration,
) -> anyhow::Result<String> {
    let workspace = workspace.trim();
    anyhow::ensure!(!workspace.is_empty(), "name a workspace (--workspace)");
    let keys = Keys::resolve(config)?;
    let settings = config.jwt.token_settings(&keys)?;
    mint(
        &settings,
        &TokenRequest {
            workspace,
            role,
            subject,
            ttl,
        },
    )
}

/// `90s`, `30m`, `1h`, `7d` (or plain seconds).
pub fn parse_ttl(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit())
        .map_or((text, "s"), |at| text.split_at(at));
    let count: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 90s, 30m, 1h or 7d"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return Err(format!("{text:?}: the unit is s, m, h or d")),
    };
    let ttl = Duration::from_secs(count.saturating_mul(seconds));
    if ttl.is_zero() {
        return Err("a token must live longer than zero seconds".into());
    }
    Ok(ttl)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_ttl("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_ttl("30m"), Ok(Duration::from_secs(1_800)));
        assert_eq!(parse_ttl("1h"), Ok(Duration::from_secs(3_600)));
        assert_eq!(parse_ttl("7d"), Ok(Duration::from_secs(604_800)));
        assert_eq!(parse_ttl("120"), Ok(Duration::from_secs(120)));
        for bad in ["", "h", "1w", "0s", "-1h", "1.5h"] {
            assert!(parse_ttl(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn a_minted_token_is_accepted_by_the_settings_the_server_uses() {
        let dir = std::env::temp_dir().join(format!("tributary-token-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = Config {
            database_url: Some(format!("sqlite://{}/t.db?mode=rwc", dir.display())),
            ..Config::default()
        };
        let token = mint_user_token(
            &config,
            "acme",
            Role::Viewer,
            "ops",
            Duration::from_secs(60),
        )
        .unwrap();
        // The server resolves the same keys file, so it derives the same secret.
        let keys = Keys::resolve(&config).unwrap();
        let verifier =
            api::auth::token::TokenVerifier::new(config.jwt.token_settings(&keys).unwrap());
        let caller = verifier.verify(&token).await.unwrap();
        assert_eq!(caller.reach(), api::auth::Reach::Workspace("acme"));
        assert_eq!(caller.role(), Role::Viewer);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
