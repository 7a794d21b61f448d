//! Users, organizations and teams as GitHub embeds them in other objects: REST
//! answers and webhook payloads share these shapes.

use serde_json::{Value, json};

use crate::dataset::{Org, User};

/// A user as GitHub embeds one in other objects (REST answers and webhook payloads).
pub(crate) fn user_json(b: &str, user: &User) -> Value {
    let l = &user.login;
    json!({
        "login": l,
        "id": user.id,
        "node_id": user.node_id,
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{}?v=4", user.id),
        "gravatar_id": "",
        "url": format!("{b}/users/{l}"),
        "html_url": format!("{b}/{l}"),
        "followers_url": format!("{b}/users/{l}/followers"),
        "following_url": format!("{b}/users/{l}/following{{/other_user}}"),
        "gists_url": format!("{b}/users/{l}/gists{{/gist_id}}"),
        "starred_url": format!("{b}/users/{l}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{b}/users/{l}/subscriptions"),
        "organizations_url": format!("{b}/users/{l}/orgs"),
        "repos_url": format!("{b}/users/{l}/repos"),
        "events_url": format!("{b}/users/{l}/events{{/privacy}}"),
        "received_events_url": format!("{b}/users/{l}/received_events"),
        "type": "User",
        "user_view_type": "public",
        "site_admin": false,
    })
}

/// An organization as GitHub embeds one in other objects.
pub(crate) fn org_json(b: &str, org: &Org) -> Value {
    let l = &org.login;
    json!({
        "login": l,
        "id": org.id,
        "node_id": org.node_id,
        "url": format!("{b}/orgs/{l}"),
        "repos_url": format!("{b}/orgs/{l}/repos"),
        "events_url": format!("{b}/orgs/{l}/events"),
        "hooks_url": format!("{b}/orgs/{l}/hooks"),
        "issues_url": format!("{b}/orgs/{l}/issues"),
        "members_url": format!("{b}/orgs/{l}/members{{/member}}"),
        "public_members_url": format!("{b}/orgs/{l}/public_members{{/member}}"),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{}?v=4", org.id),
        "description": org.description,
    })
}

/// A team (`org/slug`) as pull requests and review-request events name it.
pub(crate) fn team_json(b: &str, team: &str, id: i64) -> Value {
    let (org, slug) = team.split_once('/').unwrap_or(("", team));
    json!({
        "id": id,
        "node_id": crate::ids::node_id("T", id),
        "url": format!("{b}/orgs/{org}/teams/{slug}"),
        "members_url": format!("{b}/orgs/{org}/teams/{slug}/members{{/member}}"),
        "name": slug,
        "slug": slug,
        "description": null,
        "permission": "pull",
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "html_url": format!("{b}/orgs/{org}/teams/{slug}"),
        "repositories_url": format!("{b}/orgs/{org}/teams/{slug}/repos"),
        "parent": null,
        "type": "organization",
    })
}
