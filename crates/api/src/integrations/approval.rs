//! OAuth app approvals asked for: a member reports having asked an organization's
//! owners to approve Tributary, and the group keeps showing it until an owner has.

use entity::group;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait,
    QueryFilter,
};

use crate::{
    error::{ApiError, ApiResult},
    graphql::connection_test::GroupAccess,
    graphql::user_error::UserErrorCode,
};

/// Groups of the integration a member reported asking approval for.
pub(crate) async fn approval_requested_groups(
    db: &impl ConnectionTrait,
    integration_id: &str,
) -> ApiResult<Vec<i64>> {
    Ok(group::Entity::find()
        .filter(group::Column::IntegrationId.eq(integration_id))
        .filter(group::Column::Access.eq(group::GroupAccess::ApprovalRequested))
        .all(db)
        .await?
        .into_iter()
        .map(|g| g.github_id)
        .collect())
}

/// GitHub answers a requested approval exactly like none, so a group still restricted
/// keeps the request on record (and its steps) until an owner grants it.
pub(crate) fn remembered_request(
    access: GroupAccess,
    github_id: i64,
    login: &str,
    requested: &[i64],
) -> Option<(GroupAccess, Option<String>)> {
    (access == GroupAccess::OAuthRestricted && requested.contains(&github_id)).then(|| {
        (
            GroupAccess::ApprovalRequested,
            Some(github::connection_test::organizations::approval_requested_steps(login)),
        )
    })
}

/// Records that a member asked the owners of `organization` to approve Tributary; the
/// caller has checked that the integration exists.
pub(crate) async fn record_request(
    db: &impl ConnectionTrait,
    integration_id: &str,
    organization: &str,
) -> ApiResult<group::Model> {
    let found = group::Entity::find()
        .filter(group::Column::IntegrationId.eq(integration_id))
        .all(db)
        .await?
        .into_iter()
        .find(|g| g.login.eq_ignore_ascii_case(organization.trim()))
        .ok_or_else(|| {
            ApiError::user_at(
                UserErrorCode::OrganizationUnknown,
                &["organization"],
                format!(
                    "the account has no organization {organization}; refreshGroups reads them anew"
                ),
            )
        })?;
    if !matches!(
        found.access,
        group::GroupAccess::OAuthRestricted | group::GroupAccess::ApprovalRequested
    ) {
        return Err(ApiError::user_at(
            UserErrorCode::OrganizationNotRestricted,
            &["organization"],
            format!(
                "{} does not wait for an OAuth app approval (its access is {}); only an organization that restricts OAuth apps (OAUTH_RESTRICTED) does.",
                found.login,
                found.access.to_value()
            ),
        ));
    }
    let login = found.login.clone();
    let mut active: group::ActiveModel = found.into();
    active.access = Set(group::GroupAccess::ApprovalRequested);
    active.problem = Set(Some(
        github::connection_test::organizations::approval_requested_steps(&login),
    ));
    Ok(active.update(db).await?)
}
