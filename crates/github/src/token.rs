//! Tokens: what kind a token is (from its documented prefix) and a wrapper that
//! never prints the secret.

use std::fmt;

/// A GitHub token. `Debug` and `Display` redact it so it cannot leak into a log line
/// or an error message by accident; only [`Token::expose`] gives the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn new(secret: impl Into<String>) -> Self {
        Token(secret.into().trim().to_string())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn kind(&self) -> TokenKind {
        TokenKind::of(&self.0)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({:?}, redacted)", self.kind())
    }
}

/// What a token is, read from the prefixes GitHub documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// `ghp_…`, or a legacy 40-hex token: carries OAuth scopes.
    ClassicPersonalAccessToken,
    /// `github_pat_…`: permissions per repository, no scopes; cannot work for Tributary.
    FineGrainedPersonalAccessToken,
    /// `gho_…`: an OAuth app's user token, with scopes like a classic token.
    OAuth,
    /// `ghu_`, `ghs_`, `ghr_`: GitHub App tokens, not something a user pastes here.
    GitHubApp,
    /// Anything else: GitHub treats tokens as opaque, so an unknown shape is still tried.
    Unknown,
}

impl TokenKind {
    pub fn of(secret: &str) -> TokenKind {
        let secret = secret.trim();
        if secret.starts_with("github_pat_") {
            TokenKind::FineGrainedPersonalAccessToken
        } else if secret.starts_with("ghp_") {
            TokenKind::ClassicPersonalAccessToken
        } else if secret.starts_with("gho_") {
            TokenKind::OAuth
        } else if ["ghu_", "ghs_", "ghr_"]
            .iter()
            .any(|p| secret.starts_with(p))
        {
            TokenKind::GitHubApp
        } else if secret.len() == 40 && secret.bytes().all(|b| b.is_ascii_hexdigit()) {
            TokenKind::ClassicPersonalAccessToken
        } else {
            TokenKind::Unknown
        }
    }

    /// Why a token of this kind is refused before any network call, if it is.
    pub fn refusal(self) -> Option<String> {
        let classic = format!(
            "Create a classic personal access token instead (GitHub → Settings → Developer settings → \
             Personal access tokens → Tokens (classic)), preferably for a service account, with the scopes {}.",
            crate::connection_test::scopes::REQUIRED_SCOPES.join(", ")
        );
        match self {
            TokenKind::FineGrainedPersonalAccessToken => Some(format!(
                "Fine-grained personal access tokens (github_pat_…) cannot be used: they carry no OAuth \
                 scopes and cannot manage organization webhooks. {classic}"
            )),
            TokenKind::GitHubApp => Some(format!(
                "GitHub App tokens (ghu_…, ghs_…, ghr_…) cannot be used here: they expire within hours. {classic}"
            )),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_documented_prefixes() {
        assert_eq!(
            TokenKind::of("ghp_abc"),
            TokenKind::ClassicPersonalAccessToken
        );
        assert_eq!(
            TokenKind::of("github_pat_11AB_cd"),
            TokenKind::FineGrainedPersonalAccessToken
        );
        assert_eq!(TokenKind::of("gho_abc"), TokenKind::OAuth);
        assert_eq!(TokenKind::of("ghs_1_abc"), TokenKind::GitHubApp);
        assert_eq!(
            TokenKind::of(&"a1".repeat(20)),
            TokenKind::ClassicPersonalAccessToken
        );
        assert_eq!(TokenKind::of("something"), TokenKind::Unknown);
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let token = Token::new("ghp_supersecret");
        assert!(!format!("{token:?}").contains("supersecret"));
    }

    #[test]
    fn fine_grained_refusal_names_classic_and_the_scopes() {
        let why = TokenKind::FineGrainedPersonalAccessToken.refusal().unwrap();
        assert!(why.contains("classic personal access token"));
        assert!(why.contains("admin:org_hook"));
    }
}
