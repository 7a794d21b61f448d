//! `POST /_sim/orgs/{org}/members/{login}`: a user joins, leaves or changes role in
//! an organization, as an owner would do on github.com. REST and GraphQL answer
//! with the new role at once; repositories' visibility follows. Joining and leaving
//! send `organization` `member_added` / `member_removed` to the organization's hooks;
//! a change between member and owner sends nothing, as GitHub documents no event
//! for it.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::dataset::{OrgMember, OrgRole};
use crate::hooks::outgoing::Outgoing;
use crate::hooks::payloads::organization_member;
use crate::state::SimState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    /// `admin` (owner), `member`, or `null` to remove the user from the organization.
    pub role: Option<String>,
}

pub(crate) fn owns(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix("/_sim/orgs/")?;
    let (org, rest) = rest.split_once('/')?;
    let login = rest.strip_prefix("members/")?;
    (!login.is_empty() && !login.contains('/')).then_some((org, login))
}

/// Applies the change; answers `{"org", "login", "role", "previous"}` and queues
/// the deliveries.
pub(crate) fn set_role(
    state: &SimState,
    org: &str,
    login: &str,
    request: RoleRequest,
    base: &str,
) -> Result<Value, String> {
    let role = match request.role.as_deref() {
        None => None,
        Some("admin") => Some(OrgRole::Admin),
        Some("member") => Some(OrgRole::Member),
        Some(other) => {
            return Err(format!(
                "Unknown role {other:?}: use admin, member or null."
            ));
        }
    };
    let mut world = state.dataset.write().unwrap_or_else(|e| e.into_inner());
    let mut dataset = (**world).clone();
    let user = dataset
        .user(login)
        .cloned()
        .ok_or_else(|| format!("No user {login} in the dataset."))?;
    let index = dataset
        .orgs
        .iter()
        .position(|o| o.login.eq_ignore_ascii_case(org))
        .ok_or_else(|| format!("No organization {org} in the dataset."))?;
    let previous = dataset.role(&dataset.orgs[index], &user.login);
    let members = &mut dataset.orgs[index].members;
    members.retain(|m| m.login != user.login);
    if let Some(role) = role {
        members.push(OrgMember {
            login: user.login.clone(),
            role,
        });
    }
    let org = dataset.orgs[index].clone();
    dataset.refresh_visibility(|r| r.owner.eq_ignore_ascii_case(&org.login));
    // The change is made by an owner; the first one left stands in.
    let sender = org
        .members
        .iter()
        .find(|m| m.role == OrgRole::Admin)
        .and_then(|m| dataset.user(&m.login))
        .unwrap_or(&user)
        .clone();
    *world = Arc::new(dataset);
    drop(world);

    let event = match (previous, role) {
        (None, Some(r)) => Some(("member_added", r)),
        (Some(r), None) => Some(("member_removed", r)),
        _ => None,
    };
    if let Some((action, r)) = event {
        let payload = organization_member(base, &org, action, &user, r, &sender);
        let outgoing: Vec<Outgoing> = state.hooks.fan_out(&org.login, "organization", &payload);
        state.hooks.send_later(outgoing);
    }
    Ok(json!({
        "org": org.login,
        "login": user.login,
        "role": role.map(OrgRole::as_str),
        "previous": previous.map(OrgRole::as_str),
    }))
}
