//! The `repositories` connection of users and organizations: which repositories
//! each affiliation reaches, filtered to what the viewer may see.

use async_graphql::{Enum, Error, SimpleObject};

use super::context::{GqlCtx, gh_error, viewer_can_see};
use super::paging::{PageInfo, validate_first};
use crate::dataset::{self, OwnerType};
use crate::ids;

/// The affiliation of a user to a repository
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum RepositoryAffiliation {
    Collaborator,
    OrganizationMember,
    Owner,
}

/// The privacy of a repository
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum RepositoryPrivacy {
    Private,
    Public,
}

pub(super) fn default_affiliations() -> Option<Vec<Option<RepositoryAffiliation>>> {
    Some(vec![
        Some(RepositoryAffiliation::Owner),
        Some(RepositoryAffiliation::Collaborator),
    ])
}

/// A repository contains the content for a project.
pub struct RepositoryNode(pub(super) dataset::Repo);

/// A list of repositories owned by the subject.
#[derive(SimpleObject)]
pub struct RepositoryConnection {
    pub(super) edges: Option<Vec<Option<RepositoryEdge>>>,
    pub(super) nodes: Option<Vec<Option<RepositoryNode>>>,
    pub(super) page_info: PageInfo,
    pub(super) total_count: i32,
}

/// An edge in a connection.
#[derive(SimpleObject)]
pub struct RepositoryEdge {
    pub(super) cursor: String,
    pub(super) node: Option<RepositoryNode>,
}

pub(super) struct ConnectionArgs {
    pub(super) after: Option<String>,
    pub(super) first: Option<i32>,
    pub(super) is_fork: Option<bool>,
    pub(super) owner_affiliations: Option<Vec<Option<RepositoryAffiliation>>>,
    pub(super) privacy: Option<RepositoryPrivacy>,
}

pub(super) fn repositories(
    g: &GqlCtx,
    owner: &str,
    owner_type: OwnerType,
    args: ConnectionArgs,
) -> Result<RepositoryConnection, Error> {
    let first = validate_first("repositories", args.first, true)?.unwrap_or(0);
    let after = match &args.after {
        None => None,
        Some(c) => match ids::decode_cursor(c) {
            Some(id) => Some(id),
            None => {
                return Err(gh_error(
                    "INVALID_CURSOR_ARGUMENTS",
                    format!("`{c}` does not appear to be a valid cursor."),
                ));
            }
        },
    };
    let affiliations: Vec<RepositoryAffiliation> = args
        .owner_affiliations
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect();
    let affiliations = if affiliations.is_empty() {
        default_affiliations()
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .collect()
    } else {
        affiliations
    };

    let d = &g.dataset;
    let mut repos: Vec<&dataset::Repo> = d
        .repos
        .iter()
        .filter(|r| match owner_type {
            // Everything an organization has, it owns.
            OwnerType::Organization => {
                affiliations.contains(&RepositoryAffiliation::Owner)
                    && r.owner.eq_ignore_ascii_case(owner)
            }
            OwnerType::User => {
                let owned = r.owner_type == OwnerType::User && r.owner.eq_ignore_ascii_case(owner);
                let org_role = (r.owner_type == OwnerType::Organization)
                    .then(|| d.org(&r.owner).and_then(|o| d.role(o, owner)))
                    .flatten();
                let collaborator = !owned
                    && org_role.is_none()
                    && r.collaborators
                        .iter()
                        .any(|c| c.eq_ignore_ascii_case(owner));
                let org_member = org_role.is_some() && d.can_see(owner, r);
                (owned && affiliations.contains(&RepositoryAffiliation::Owner))
                    || (collaborator && affiliations.contains(&RepositoryAffiliation::Collaborator))
                    || (org_member
                        && affiliations.contains(&RepositoryAffiliation::OrganizationMember))
            }
        })
        .filter(|r| viewer_can_see(g, r))
        .filter(|r| match args.privacy {
            Some(RepositoryPrivacy::Private) => r.private,
            Some(RepositoryPrivacy::Public) => !r.private,
            None => true,
        })
        .filter(|r| args.is_fork.is_none_or(|f| r.fork == f))
        .collect();
    repos.sort_by_key(|r| r.id);

    let total = repos.len();
    let start = match after {
        Some(id) => repos.partition_point(|r| r.id <= id),
        None => 0,
    };
    let page: Vec<&dataset::Repo> = repos.iter().skip(start).take(first).copied().collect();
    let cursors: Vec<String> = page.iter().map(|r| ids::encode_cursor(r.id)).collect();
    Ok(RepositoryConnection {
        edges: Some(
            page.iter()
                .zip(&cursors)
                .map(|(r, c)| {
                    Some(RepositoryEdge {
                        cursor: c.clone(),
                        node: Some(RepositoryNode((*r).clone())),
                    })
                })
                .collect(),
        ),
        nodes: Some(
            page.iter()
                .map(|r| Some(RepositoryNode((*r).clone())))
                .collect(),
        ),
        page_info: PageInfo {
            start_cursor: cursors.first().cloned(),
            end_cursor: cursors.last().cloned(),
            has_next_page: start + page.len() < total,
            has_previous_page: start > 0,
        },
        total_count: i32::try_from(total).unwrap_or(i32::MAX),
    })
}
