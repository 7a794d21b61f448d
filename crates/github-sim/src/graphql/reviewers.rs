//! `RequestedReviewer`: who a review is asked of — a user, or a team — as review
//! requests and review-request timeline events name them.

use async_graphql::{Context, Union};

use super::accounts::UserNode;
use super::actors::{Bot, Mannequin, Team, user};
use crate::content;

/// Types that can be requested reviewers.
#[derive(Union)]
pub enum RequestedReviewer {
    Bot(Bot),
    Mannequin(Mannequin),
    Team(Team),
    User(UserNode),
}

/// The reviewer a login or an `org/team-slug` names; `None` for a login that is no
/// account (any more), as GitHub answers for a deleted user.
pub(super) fn requested_reviewer(
    ctx: &Context<'_>,
    reviewer: &content::Reviewer,
) -> Option<RequestedReviewer> {
    match reviewer {
        content::Reviewer::Team(slug) => Some(RequestedReviewer::Team(Team {
            combined_slug: slug.clone(),
        })),
        content::Reviewer::User(login) => user(ctx, login).map(RequestedReviewer::User),
    }
}
