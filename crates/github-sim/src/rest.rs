//! api.github.com REST endpoints: the account and organization routes here,
//! organization hooks in `hooks/rest.rs`, repository content in `rest/`.

mod access;
mod commits;
pub(crate) mod index;
mod issues;
mod params;
mod pulls;
mod reactions;
mod repos;
mod routes;
mod shapes;
mod timeline;

#[cfg(test)]
mod tests;

use poem::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::auth::Principal;
use crate::call::Call;
use crate::dataset::{Org, OrgRole, User};
use crate::hooks::rest::{self as hooks_rest, HookRoute};
use crate::ratelimit::{Resource, Snapshot};
use crate::reply::{REST_DOCS, Reply};
use crate::rest_errors::{FORBIDDEN_FOR_PAT, oauth_restricted, sso_required};
use crate::rest_json::{org_json, user_json};
use crate::rest_paging::paginate;
use crate::state::SimState;

use routes::ContentRoute;

enum Route {
    Root,
    RateLimit,
    User,
    UserOrgs,
    Memberships,
    Membership(String),
    Org(String),
    OrgById(String),
    PublicUser(String),
    NotFound,
}

impl Route {
    fn parse(method: &Method, path: &str) -> Route {
        if method != Method::GET && method != Method::HEAD {
            return Route::NotFound;
        }
        let trimmed = path.trim_end_matches('/');
        let segments: Vec<&str> = trimmed.split('/').skip(1).collect();
        match segments.as_slice() {
            [] => Route::Root,
            ["rate_limit"] => Route::RateLimit,
            ["user"] => Route::User,
            ["user", "orgs"] => Route::UserOrgs,
            ["user", "memberships", "orgs"] => Route::Memberships,
            ["user", "memberships", "orgs", org] => Route::Membership(org.to_string()),
            ["orgs", org] => Route::Org(org.to_string()),
            ["organizations", id] => Route::OrgById(id.to_string()),
            ["users", login] => Route::PublicUser(login.to_string()),
            _ => Route::NotFound,
        }
    }

    /// The route as GitHub's REST description names it.
    fn template(&self) -> &'static str {
        match self {
            Route::Root => "/",
            Route::RateLimit => "/rate_limit",
            Route::User => "/user",
            Route::UserOrgs => "/user/orgs",
            Route::Memberships => "/user/memberships/orgs",
            Route::Membership(_) => "/user/memberships/orgs/{org}",
            Route::Org(_) => "/orgs/{org}",
            Route::OrgById(_) => "/organizations/{id}",
            Route::PublicUser(_) => "/users/{username}",
            Route::NotFound => "(no such route)",
        }
    }

    /// The `X-Accepted-OAuth-Scopes` value GitHub sends for this endpoint.
    fn accepted_scopes(&self) -> &'static str {
        match self {
            Route::UserOrgs => "admin:org, read:org, user, write:org",
            Route::Memberships | Route::Membership(_) => "admin:org, read:org, write:org",
            Route::Org(_) | Route::OrgById(_) => "admin:org, read:org, repo, user, write:org",
            _ => "",
        }
    }

    fn needs_auth(&self) -> bool {
        matches!(
            self,
            Route::User | Route::UserOrgs | Route::Memberships | Route::Membership(_)
        )
    }
}

/// One REST call's answer, the endpoint's accepted scopes and its route template
/// (what `/_sim/stats` counts the request under).
pub(crate) struct Handled {
    pub reply: Reply,
    pub accepted: &'static str,
    pub template: &'static str,
}

/// Handles one REST call.
pub(crate) fn handle(call: &Call, method: &Method, body: &[u8]) -> Handled {
    let hook_route = HookRoute::parse(method, &call.path);
    let content_route = (method == Method::GET || method == Method::HEAD)
        .then(|| {
            let segments: Vec<&str> = call.path.trim_end_matches('/').split('/').skip(1).collect();
            ContentRoute::parse(&segments)
        })
        .flatten();
    let route = Route::parse(method, &call.path);
    let (accepted, template) = match (&hook_route, &content_route) {
        (Some(h), _) => (hooks_rest::ACCEPTED_SCOPES, h.template()),
        (None, Some(c)) => (c.accepted_scopes(), c.template()),
        (None, None) => (route.accepted_scopes(), route.template()),
    };
    let (reply, accepted) = answer(call, body, hook_route, content_route, route, accepted);
    Handled {
        reply,
        accepted,
        template,
    }
}

fn answer(
    call: &Call,
    body: &[u8],
    hook_route: Option<HookRoute>,
    content_route: Option<ContentRoute>,
    route: Route,
    accepted: &'static str,
) -> (Reply, &'static str) {
    if matches!(route, Route::RateLimit) {
        return (rate_limit(call), accepted);
    }
    let rate = match charge(call) {
        Ok(rate) => rate,
        Err(rate) => {
            let id = call
                .principal
                .map(|p| p.user.id.to_string())
                .unwrap_or_default();
            let message = format!(
                "API rate limit exceeded for user ID {id}. If you reach out to GitHub Support for help, please include the request ID {}.",
                call.request_id
            );
            let mut reply = Reply::error(
                StatusCode::FORBIDDEN,
                &message,
                "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
            );
            reply.rate = Some(rate);
            return (reply, accepted);
        }
    };

    if let Some(hook_route) = hook_route {
        let mut reply = hooks_rest::handle(call, hook_route, body);
        reply.rate = Some(rate);
        return (reply, accepted);
    }
    if let Some(content_route) = content_route {
        let mut reply = content_route.handle(call);
        reply.rate = Some(rate);
        return (reply, accepted);
    }
    let mut reply = match (&route, call.principal) {
        (r, None) if r.needs_auth() => Reply::error(
            StatusCode::UNAUTHORIZED,
            "Requires authentication",
            REST_DOCS,
        ),
        (Route::Root, _) => root(call),
        (Route::User, Some(p)) => Reply::ok(&authenticated_user(call, p)),
        (Route::UserOrgs, Some(p)) => user_orgs(call, p),
        (Route::Memberships, Some(p)) => memberships(call, p),
        (Route::Membership(org), Some(p)) => membership(call, p, org),
        (Route::Org(login), p) => match call.dataset().org(login) {
            Some(org) => org_reply(call, p, org),
            None => Reply::not_found(),
        },
        (Route::OrgById(id), p) => match id
            .parse::<i64>()
            .ok()
            .and_then(|id| call.dataset().org_by_id(id))
        {
            Some(org) => org_reply(call, p, org),
            None => Reply::not_found(),
        },
        (Route::PublicUser(login), _) => match call.dataset().user(login) {
            Some(user) => Reply::ok(&public_user(call, user)),
            None => Reply::not_found(),
        },
        _ => Reply::not_found(),
    };
    reply.rate = Some(rate);
    (reply, accepted)
}

/// The caller's REST window and its limit: the budget per user (GitHub's 5,000 an
/// hour unless `SimConfig::rest_budget` says otherwise), 60 per originating IP address
/// for anonymous callers (docs.github.com/rest/using-the-rest-api/
/// rate-limits-for-the-rest-api#primary-rate-limit-for-unauthenticated-users).
pub(crate) fn core_window(
    state: &SimState,
    principal: Option<&Principal>,
    origin: &str,
) -> (String, u32) {
    match principal {
        Some(p) => (format!("user:{}", p.user.login), state.rest_budget),
        None => (format!("anonymous:{origin}"), 60),
    }
}

fn limit_key(call: &Call) -> (String, u32) {
    core_window(call.state, call.principal, &call.origin)
}

fn charge(call: &Call) -> Result<Snapshot, Snapshot> {
    let (key, limit) = limit_key(call);
    call.state.limiter.charge(&key, Resource::Core, limit, 1)
}

/// The resources `/rate_limit` lists besides `core` and `graphql`, with GitHub's limits
/// for a signed-in caller and an anonymous one (GitHub's example answer of
/// `rate-limit-overview`). The simulator has none of these APIs, so their windows are
/// always whole.
const OTHER_RESOURCES: &[(&str, u32, u32)] = &[
    ("search", 30, 10),
    ("code_search", 10, 10),
    ("integration_manifest", 5000, 5000),
    ("source_import", 100, 100),
    ("actions_runner_registration", 10000, 10000),
    ("scim", 15000, 15000),
    ("dependency_snapshots", 100, 100),
    ("code_scanning_autofix", 10, 10),
];

fn rate_limit(call: &Call) -> Reply {
    let (key, limit) = limit_key(call);
    let core = call.state.limiter.peek(&key, Resource::Core, limit);
    let graphql = call.state.limiter.peek(
        &key,
        Resource::Graphql,
        if call.principal.is_some() { 5000 } else { 0 },
    );
    let entry = |s: &Snapshot| json!({"limit": s.limit, "used": s.used, "remaining": s.remaining(), "reset": s.reset});
    let mut resources = serde_json::Map::new();
    resources.insert("core".into(), entry(&core));
    resources.insert("graphql".into(), entry(&graphql));
    for &(name, signed_in, anonymous) in OTHER_RESOURCES {
        let limit = if call.principal.is_some() {
            signed_in
        } else {
            anonymous
        };
        resources.insert(
            name.into(),
            json!({"limit": limit, "used": 0, "remaining": limit, "reset": core.reset}),
        );
    }
    let mut reply = Reply::ok(&json!({"resources": resources, "rate": entry(&core)}));
    reply.rate = Some(core);
    reply
}

/// The root document: every URL template GitHub's lists (its `root` schema requires
/// them all), whether or not the simulator serves the route.
fn root(call: &Call) -> Reply {
    let b = &call.base;
    Reply::ok(&json!({
        "current_user_url": format!("{b}/user"),
        "current_user_authorizations_html_url": format!("{b}/settings/connections/applications{{/client_id}}"),
        "authorizations_url": format!("{b}/authorizations"),
        "code_search_url": format!("{b}/search/code?q={{query}}{{&page,per_page,sort,order}}"),
        "commit_search_url": format!("{b}/search/commits?q={{query}}{{&page,per_page,sort,order}}"),
        "emails_url": format!("{b}/user/emails"),
        "emojis_url": format!("{b}/emojis"),
        "events_url": format!("{b}/events"),
        "feeds_url": format!("{b}/feeds"),
        "followers_url": format!("{b}/user/followers"),
        "following_url": format!("{b}/user/following{{/target}}"),
        "gists_url": format!("{b}/gists{{/gist_id}}"),
        "hub_url": format!("{b}/hub"),
        "issue_search_url": format!("{b}/search/issues?q={{query}}{{&page,per_page,sort,order}}"),
        "issues_url": format!("{b}/issues"),
        "keys_url": format!("{b}/user/keys"),
        "label_search_url": format!("{b}/search/labels?q={{query}}&repository_id={{repository_id}}{{&page,per_page}}"),
        "notifications_url": format!("{b}/notifications"),
        "organization_url": format!("{b}/orgs/{{org}}"),
        "organization_repositories_url": format!("{b}/orgs/{{org}}/repos{{?type,page,per_page,sort}}"),
        "organization_teams_url": format!("{b}/orgs/{{org}}/teams"),
        "public_gists_url": format!("{b}/gists/public"),
        "rate_limit_url": format!("{b}/rate_limit"),
        "repository_url": format!("{b}/repos/{{owner}}/{{repo}}"),
        "repository_search_url": format!("{b}/search/repositories?q={{query}}{{&page,per_page,sort,order}}"),
        "current_user_repositories_url": format!("{b}/user/repos{{?type,page,per_page,sort}}"),
        "starred_url": format!("{b}/user/starred{{/owner}}{{/repo}}"),
        "starred_gists_url": format!("{b}/gists/starred"),
        "topic_search_url": format!("{b}/search/topics?q={{query}}{{&page,per_page}}"),
        "user_url": format!("{b}/users/{{user}}"),
        "user_organizations_url": format!("{b}/user/orgs"),
        "user_repositories_url": format!("{b}/users/{{user}}/repos{{?type,page,per_page,sort}}"),
        "user_search_url": format!("{b}/search/users?q={{query}}{{&page,per_page,sort,order}}"),
    }))
}

fn simple_user(call: &Call, user: &User) -> Value {
    user_json(&call.base, user)
}

fn public_user(call: &Call, user: &User) -> Value {
    let mut v = simple_user(call, user);
    let public_repos = call
        .dataset()
        .repos_owned_by(&user.login)
        .filter(|r| !r.private)
        .count();
    if let Some(o) = v.as_object_mut() {
        o.insert("name".into(), json!(user.name));
        o.insert("company".into(), Value::Null);
        o.insert("blog".into(), json!(""));
        o.insert("location".into(), Value::Null);
        o.insert("email".into(), Value::Null);
        o.insert("hireable".into(), Value::Null);
        o.insert("bio".into(), Value::Null);
        o.insert("twitter_username".into(), Value::Null);
        o.insert("public_repos".into(), json!(public_repos));
        o.insert("public_gists".into(), json!(0));
        o.insert("followers".into(), json!(0));
        o.insert("following".into(), json!(0));
        o.insert("created_at".into(), json!(user.created_at));
        o.insert("updated_at".into(), json!(user.created_at));
    }
    v
}

fn authenticated_user(call: &Call, p: &Principal) -> Value {
    let mut v = public_user(call, &p.user);
    // Private profile fields need the `user` scope on classic tokens.
    if p.is_fine_grained() || p.has_scope("user") || p.has_scope("read:user") {
        let owned_private = call
            .dataset()
            .repos_owned_by(&p.user.login)
            .filter(|r| r.private)
            .count();
        if let Some(o) = v.as_object_mut() {
            o.insert("user_view_type".into(), json!("private"));
            o.insert("notification_email".into(), Value::Null);
            o.insert("private_gists".into(), json!(0));
            o.insert("total_private_repos".into(), json!(owned_private));
            o.insert("owned_private_repos".into(), json!(owned_private));
            o.insert("disk_usage".into(), json!(1024));
            o.insert("collaborators".into(), json!(0));
            o.insert("two_factor_authentication".into(), json!(true));
            o.insert(
                "plan".into(),
                json!({"name": "free", "space": 976_562_499, "collaborators": 0, "private_repos": 10000}),
            );
        }
    }
    v
}

fn org_summary(call: &Call, org: &Org) -> Value {
    org_json(&call.base, org)
}

fn missing_scopes(p: &Principal, needed: &str, docs: &str) -> Reply {
    let has = p.token.scopes.clone().unwrap_or_default().join(", ");
    let has = if has.is_empty() {
        "no scopes".to_string()
    } else {
        has
    };
    let message =
        format!("This request requires one of these OAuth scopes: {needed}. The token has: {has}.");
    Reply::error(StatusCode::FORBIDDEN, &message, docs)
}

/// Orgs the principal belongs to, split into those the token may act on and
/// the ids of SSO orgs it is not authorized for.
fn visible_memberships<'a>(
    call: &'a Call,
    p: &'a Principal,
) -> (Vec<(&'a Org, OrgRole)>, Vec<i64>) {
    let mut shown = Vec::new();
    let mut hidden = Vec::new();
    for (org, role) in call.dataset().orgs_of(&p.user.login) {
        if p.sso_blocked(call.dataset(), org) {
            hidden.push(org.id);
        } else {
            shown.push((org, role));
        }
    }
    (shown, hidden)
}

fn partial_results(reply: Reply, hidden: &[i64]) -> Reply {
    if hidden.is_empty() {
        return reply;
    }
    let ids: Vec<String> = hidden.iter().map(i64::to_string).collect();
    reply.header(
        "x-github-sso",
        format!("partial-results; organizations={}", ids.join(",")),
    )
}

fn user_orgs(call: &Call, p: &Principal) -> Reply {
    if p.is_fine_grained() {
        return Reply::ok(&json!([]));
    }
    if !p.has_any_scope(&["user", "read:org"]) {
        return missing_scopes(
            p,
            "read:org, user",
            "https://docs.github.com/rest/orgs/orgs#list-organizations-for-the-authenticated-user",
        );
    }
    let (mut shown, hidden) = visible_memberships(call, p);
    // Only organizations the grant may act on are listed; one that restricts this
    // OAuth app is left out without a word (the memberships listing still names it).
    shown.retain(|(o, _)| !p.oauth_blocked(o));
    let items: Vec<Value> = shown.iter().map(|(o, _)| org_summary(call, o)).collect();
    partial_results(paginate(call, items), &hidden)
}

fn membership_json(call: &Call, p: &Principal, org: &Org, role: OrgRole) -> Value {
    json!({
        "url": format!("{}/orgs/{}/memberships/{}", call.base, org.login, p.user.login),
        "state": "active",
        "role": role.as_str(),
        "organization_url": format!("{}/orgs/{}", call.base, org.login),
        "organization": org_summary(call, org),
        "user": simple_user(call, &p.user),
        "permissions": {"can_create_repository": role == OrgRole::Admin},
    })
}

fn memberships(call: &Call, p: &Principal) -> Reply {
    if p.is_fine_grained() {
        return Reply::ok(&json!([]));
    }
    if !p.has_scope("read:org") {
        return missing_scopes(
            p,
            "read:org",
            "https://docs.github.com/rest/orgs/members#list-organization-memberships-for-the-authenticated-user",
        );
    }
    let state = call.param("state");
    match state {
        None | Some("active") | Some("pending") => {}
        Some(other) => {
            let message = format!(
                "Invalid request.\n\nFor 'properties/state', \"{other}\" is not one of [\"active\", \"pending\"]."
            );
            return Reply::error(
                StatusCode::UNPROCESSABLE_ENTITY,
                &message,
                "https://docs.github.com/rest/orgs/members#list-organization-memberships-for-the-authenticated-user",
            );
        }
    }
    let (shown, hidden) = visible_memberships(call, p);
    // Every simulated membership is active; none are pending invitations.
    let items: Vec<Value> = if state == Some("pending") {
        Vec::new()
    } else {
        shown
            .iter()
            .map(|(o, r)| membership_json(call, p, o, *r))
            .collect()
    };
    partial_results(paginate(call, items), &hidden)
}

fn membership(call: &Call, p: &Principal, org_login: &str) -> Reply {
    if p.is_fine_grained() {
        return Reply::error(StatusCode::FORBIDDEN, FORBIDDEN_FOR_PAT, "https://docs.github.com/rest/orgs/members#get-an-organization-membership-for-the-authenticated-user")
            .header("x-accepted-github-permissions", "members=read");
    }
    if !p.has_scope("read:org") {
        return missing_scopes(
            p,
            "read:org",
            "https://docs.github.com/rest/orgs/members#get-an-organization-membership-for-the-authenticated-user",
        );
    }
    let Some(org) = call.dataset().org(org_login) else {
        return Reply::not_found();
    };
    let Some(role) = call.dataset().role(org, &p.user.login) else {
        return Reply::not_found();
    };
    if p.sso_blocked(call.dataset(), org) {
        return sso_required(call, org);
    }
    if p.oauth_blocked(org) {
        return oauth_restricted(
            org,
            "https://docs.github.com/rest/orgs/members#get-an-organization-membership-for-the-authenticated-user",
        );
    }
    Reply::ok(&membership_json(call, p, org, role))
}

fn org_reply(call: &Call, p: Option<&Principal>, org: &Org) -> Reply {
    if p.is_some_and(|p| p.sso_blocked(call.dataset(), org)) {
        return sso_required(call, org);
    }
    if p.is_some_and(|p| p.oauth_blocked(org)) {
        return oauth_restricted(
            org,
            "https://docs.github.com/rest/orgs/orgs#get-an-organization",
        );
    }
    let b = &call.base;
    let repos: Vec<_> = call.dataset().repos_owned_by(&org.login).collect();
    let public = repos.iter().filter(|r| !r.private).count();
    let private = repos.len() - public;
    let mut v = org_summary(call, org);
    if let Some(o) = v.as_object_mut() {
        o.insert("name".into(), json!(org.name));
        o.insert("company".into(), Value::Null);
        o.insert("blog".into(), json!(""));
        o.insert("location".into(), Value::Null);
        o.insert("email".into(), Value::Null);
        o.insert("twitter_username".into(), Value::Null);
        o.insert("is_verified".into(), json!(false));
        o.insert("has_organization_projects".into(), json!(true));
        o.insert("has_repository_projects".into(), json!(true));
        o.insert("public_repos".into(), json!(public));
        o.insert("public_gists".into(), json!(0));
        o.insert("followers".into(), json!(0));
        o.insert("following".into(), json!(0));
        o.insert("html_url".into(), json!(format!("{b}/{}", org.login)));
        o.insert("created_at".into(), json!(org.created_at));
        o.insert("updated_at".into(), json!(org.created_at));
        o.insert("archived_at".into(), Value::Null);
        o.insert("type".into(), json!("Organization"));

        // Classic tokens of members see the private counters; fine-grained
        // tokens here have no organization permissions, so public info only.
        let role = p
            .filter(|p| p.carries_scopes())
            .and_then(|p| call.dataset().role(org, &p.user.login));
        if let Some(role) = role {
            o.insert("total_private_repos".into(), json!(private));
            o.insert("owned_private_repos".into(), json!(private));
            o.insert("private_gists".into(), Value::Null);
            o.insert("disk_usage".into(), Value::Null);
            o.insert("collaborators".into(), Value::Null);
            if role == OrgRole::Admin {
                o.insert("billing_email".into(), Value::Null);
                o.insert("default_repository_permission".into(), json!("read"));
                o.insert("members_can_create_repositories".into(), json!(true));
                o.insert("two_factor_requirement_enabled".into(), json!(true));
                o.insert(
                    "plan".into(),
                    json!({"name": "enterprise", "space": 976_562_499, "private_repos": 999_999, "filled_seats": org.members.len(), "seats": 50}),
                );
            }
        }
    }
    Reply::ok(&v)
}
