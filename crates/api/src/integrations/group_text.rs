//! The text a group's role and access are stored as: the same on both database
//! backends, and readable in the table.

use crate::graphql::connection_test::{GroupAccess, GroupRole};

/// Stored as text in the database so both backends hold it the same way.
pub fn role_name(role: GroupRole) -> &'static str {
    match role {
        GroupRole::Owner => "OWNER",
        GroupRole::Member => "MEMBER",
    }
}

pub fn parse_role(name: &str) -> Option<GroupRole> {
    match name {
        "OWNER" => Some(GroupRole::Owner),
        "MEMBER" => Some(GroupRole::Member),
        _ => None,
    }
}

pub fn access_name(access: GroupAccess) -> &'static str {
    match access {
        GroupAccess::Ok => "OK",
        GroupAccess::SsoRequired => "SSO_REQUIRED",
        GroupAccess::OAuthRestricted => "OAUTH_RESTRICTED",
        GroupAccess::ApprovalRequested => "APPROVAL_REQUESTED",
        GroupAccess::NotVisible => "NOT_VISIBLE",
    }
}

pub fn parse_access(name: &str) -> GroupAccess {
    match name {
        "OK" => GroupAccess::Ok,
        "SSO_REQUIRED" => GroupAccess::SsoRequired,
        "OAUTH_RESTRICTED" => GroupAccess::OAuthRestricted,
        "APPROVAL_REQUESTED" => GroupAccess::ApprovalRequested,
        _ => GroupAccess::NotVisible,
    }
}
