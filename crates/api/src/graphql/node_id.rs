//! Global object ids: every object with an identity has one opaque id, unique across
//! types, that `node(id:)` resolves (Relay's Object Identification, as GitHub's API).
//!
//! An id is the URL-safe base64 of `<Kind>:<key>`; clients must treat it as opaque. The
//! key is the row's own key (a UUID for most rows; several parts joined by `:` where the
//! row's key has several).

use async_graphql::ID;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::error::{ApiError, ApiResult};

/// The types that have a global id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    Integration,
    Group,
    Repository,
    ImportRun,
    OrganizationWebhook,
    OAuthGrant,
    PullRequest,
    Contributor,
}

impl NodeKind {
    const ALL: [NodeKind; 8] = [
        NodeKind::Integration,
        NodeKind::Group,
        NodeKind::Repository,
        NodeKind::ImportRun,
        NodeKind::OrganizationWebhook,
        NodeKind::OAuthGrant,
        NodeKind::PullRequest,
        NodeKind::Contributor,
    ];

    /// The GraphQL type's name, which is also the id's prefix.
    pub fn type_name(self) -> &'static str {
        match self {
            NodeKind::Integration => "Integration",
            NodeKind::Group => "Group",
            NodeKind::Repository => "Repository",
            NodeKind::ImportRun => "ImportRun",
            NodeKind::OrganizationWebhook => "OrganizationWebhook",
            NodeKind::OAuthGrant => "OAuthGrant",
            NodeKind::PullRequest => "PullRequest",
            NodeKind::Contributor => "Contributor",
        }
    }

    /// What a `NOT_FOUND` calls an object of this kind.
    pub fn noun(self) -> &'static str {
        match self {
            NodeKind::Integration => "integration",
            NodeKind::Group => "group",
            NodeKind::Repository => "repository",
            NodeKind::ImportRun => "import run",
            NodeKind::OrganizationWebhook => "webhook",
            NodeKind::OAuthGrant => "OAuth grant",
            NodeKind::PullRequest => "pull request",
            NodeKind::Contributor => "contributor",
        }
    }

    fn from_type_name(name: &str) -> Option<NodeKind> {
        NodeKind::ALL.into_iter().find(|k| k.type_name() == name)
    }
}

/// Ids are short; a longer one is refused before it is decoded.
const MAX_ID_LENGTH: usize = 512;

/// The global id of the `kind` row whose key is `key`.
pub fn encode(kind: NodeKind, key: &str) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{key}", kind.type_name())))
}

/// The global id of a row whose key has several parts.
pub fn encode_parts(kind: NodeKind, parts: &[&str]) -> ID {
    encode(kind, &parts.join(":"))
}

/// The kind and key of any global id; `INVALID_ID` when it is not one of ours.
pub fn decode_any(id: &str) -> ApiResult<(NodeKind, String)> {
    let invalid = || ApiError::InvalidId(id.chars().take(64).collect());
    if id.len() > MAX_ID_LENGTH {
        return Err(invalid());
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(id.trim_end_matches('='))
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (name, key) = text.split_once(':').ok_or_else(invalid)?;
    let kind = NodeKind::from_type_name(name).ok_or_else(invalid)?;
    if key.is_empty() {
        return Err(invalid());
    }
    Ok((kind, key.to_string()))
}

/// The key of a global id that must be of `kind`; `INVALID_ID` otherwise (a malformed
/// id, or one of another type, is a program's mistake, not a person's).
pub fn decode(id: &str, kind: NodeKind) -> ApiResult<String> {
    match decode_any(id)? {
        (found, key) if found == kind => Ok(key),
        (found, _) => Err(ApiError::WrongIdType {
            expected: kind.type_name(),
            found: found.type_name(),
        }),
    }
}

/// The parts of a key [`encode_parts`] joined; `INVALID_ID` when there are not `n`.
/// The last part takes the rest, so it may itself contain `:` (an e-mail, a login).
pub fn split_key(id: &str, key: &str, n: usize) -> ApiResult<Vec<String>> {
    let parts: Vec<String> = key.splitn(n, ':').map(str::to_string).collect();
    if parts.len() == n && parts.iter().all(|p| !p.is_empty()) {
        Ok(parts)
    } else {
        Err(ApiError::InvalidId(id.chars().take(64).collect()))
    }
}

/// Decodes a list of ids of one kind.
pub fn decode_all(ids: &[ID], kind: NodeKind) -> ApiResult<Vec<String>> {
    ids.iter().map(|id| decode(id, kind)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_checks_the_type() {
        let id = encode(
            NodeKind::Integration,
            "0f8fad5b-d9cb-469f-a165-70867728950e",
        );
        assert_eq!(
            decode(&id, NodeKind::Integration).unwrap(),
            "0f8fad5b-d9cb-469f-a165-70867728950e"
        );
        assert!(matches!(
            decode(&id, NodeKind::Repository),
            Err(ApiError::WrongIdType { .. })
        ));
        let parts = encode_parts(NodeKind::Contributor, &["i", "email", "a:b@example.com"]);
        let (_, key) = decode_any(&parts).unwrap();
        assert_eq!(
            split_key(&parts, &key, 3).unwrap(),
            vec!["i", "email", "a:b@example.com"]
        );
    }

    #[test]
    fn refuses_what_is_not_an_id() {
        for bad in ["", "not base64!", "MTIz", &"A".repeat(600)] {
            assert!(
                matches!(decode_any(bad), Err(ApiError::InvalidId(_))),
                "{bad}"
            );
        }
        // Valid base64 of an unknown type.
        let foreign = URL_SAFE_NO_PAD.encode("User:1");
        assert!(decode_any(&foreign).is_err());
    }
}
