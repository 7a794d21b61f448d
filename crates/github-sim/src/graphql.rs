//! `POST /graphql`, executed for real against the slice of GitHub's schema the
//! product uses (the contract is `crates/github/graphql/schema.graphql`).

use std::sync::Arc;

use async_graphql::Positioned;
use async_graphql::parser::types::{
    Directive, DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};
use async_graphql::{
    Context, EmptyMutation, EmptySubscription, Enum, Error, ErrorExtensions, ID, InputValueError,
    InputValueResult, Interface, Object, Scalar, ScalarType, Schema, SimpleObject, Value,
    Variables,
};
use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use poem::http::StatusCode;
use serde_json::json;

use crate::auth::Principal;
use crate::call::Call;
use crate::content::Content;
use crate::content_graphql::{
    self, CommitNode, GitObject, IssueConnection, IssueFilters, IssueOrder, Node,
    PullRequestConnection,
};
use crate::dataset::{self, Dataset, OrgRole, OwnerType};
use crate::ids;
use crate::ratelimit::{Resource, Snapshot};
use crate::reply::{GRAPHQL_DOCS, Reply};

pub type SimSchema = Schema<Query, EmptyMutation, EmptySubscription>;

const SAML_MESSAGE: &str = "Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.";
const MAX_PAGE: i32 = 100;
pub(crate) const LIMIT: u32 = 5000;

pub fn build_schema() -> SimSchema {
    Schema::build(Query, EmptyMutation, EmptySubscription).finish()
}

/// The SDL this simulator serves, to compare with the product's contract.
pub fn graphql_sdl() -> String {
    without_builtin_directives(&build_schema().sdl())
}

/// async-graphql prints `@include`/`@skip`; every GraphQL server has them
/// built in, and GitHub's SDL does not declare them.
fn without_builtin_directives(sdl: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for line in sdl.lines() {
        let builtin = ["directive @include(", "directive @skip("]
            .iter()
            .any(|d| line.starts_with(d));
        if !builtin {
            out.push(line);
            continue;
        }
        // Drop the directive's description block too.
        if out.last().is_some_and(|l| l.trim() == "\"\"\"") {
            out.pop();
            while let Some(l) = out.pop() {
                if l.trim() == "\"\"\"" {
                    break;
                }
            }
        }
    }
    let mut sdl = out.join("\n");
    sdl.push('\n');
    sdl
}

/// Per-request facts the resolvers need.
pub(crate) struct GqlCtx {
    pub dataset: Arc<Dataset>,
    pub content: Arc<Content>,
    pub principal: Principal,
    base: String,
    rate: Snapshot,
    cost: u32,
    node_count: u32,
    sso_nonce: String,
}

pub(crate) fn gql<'a>(ctx: &Context<'a>) -> Result<&'a GqlCtx, Error> {
    ctx.data::<GqlCtx>()
}

/// GitHub puts the error `type` at the top level; it travels in extensions
/// until [`github_shape`] lifts it.
pub(crate) fn gh_error(kind: &str, message: impl Into<String>) -> Error {
    let kind = kind.to_string();
    Error::new(message).extend_with(move |_, e| e.set("type", kind.as_str()))
}

fn saml_error(ctx: &Context<'_>, g: &GqlCtx, org: &dataset::Org) -> Error {
    let url = format!(
        "{}/orgs/{}/sso?authorization_request={}",
        g.base, org.login, g.sso_nonce
    );
    ctx.insert_http_header("x-github-sso", format!("required; url={url}"));
    Error::new(SAML_MESSAGE).extend_with(|_, e| {
        e.set("type", "FORBIDDEN");
        e.set("saml_failure", true);
    })
}

/// An ISO-8601 encoded UTC date string.
pub struct GhDateTime(pub DateTime<Utc>);

/// An ISO-8601 encoded UTC date string.
#[Scalar(name = "DateTime")]
impl ScalarType for GhDateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => DateTime::parse_from_rfc3339(s)
                .map(|d| GhDateTime(d.with_timezone(&Utc)))
                .map_err(|_| {
                    InputValueError::custom(format!("{s:?} is not a valid ISO-8601 date time"))
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339_opts(SecondsFormat::Secs, true))
    }
}

/// An RFC 3986, RFC 3987, and RFC 6570 (level 4) compliant URI string.
pub struct Uri(pub String);

/// An RFC 3986, RFC 3987, and RFC 6570 (level 4) compliant URI string.
#[Scalar(name = "URI")]
impl ScalarType for Uri {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(s) => Ok(Uri(s)),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

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

fn default_affiliations() -> Option<Vec<Option<RepositoryAffiliation>>> {
    Some(vec![
        Some(RepositoryAffiliation::Owner),
        Some(RepositoryAffiliation::Collaborator),
    ])
}

pub struct Query;

#[Object]
impl Query {
    /// Lookup a organization by login.
    async fn organization(
        &self,
        ctx: &Context<'_>,
        login: String,
    ) -> Result<Option<OrganizationNode>, Error> {
        let g = gql(ctx)?;
        let Some(org) = g.dataset.org(&login) else {
            return Err(gh_error(
                "NOT_FOUND",
                format!("Could not resolve to an Organization with the login of '{login}'."),
            ));
        };
        if g.principal.sso_blocked(&g.dataset, org) {
            return Err(saml_error(ctx, g, org));
        }
        Ok(Some(OrganizationNode(org.clone())))
    }

    /// Fetches an object given its ID.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>, Error> {
        content_graphql::node(ctx, &id)
    }

    /// The client's rate limit information.
    async fn rate_limit(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(false)")] dry_run: Option<bool>,
    ) -> Result<Option<RateLimit>, Error> {
        let _ = dry_run;
        let g = gql(ctx)?;
        Ok(Some(RateLimit {
            cost: g.cost as i32,
            limit: g.rate.limit as i32,
            node_count: g.node_count as i32,
            remaining: g.rate.remaining() as i32,
            reset_at: GhDateTime(
                Utc.timestamp_opt(g.rate.reset, 0)
                    .single()
                    .unwrap_or_default(),
            ),
            used: g.rate.used as i32,
        }))
    }

    /// Lookup a given repository by the owner and repository name.
    async fn repository(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(true)")] follow_renames: Option<bool>,
        name: String,
        owner: String,
    ) -> Result<Option<RepositoryNode>, Error> {
        let _ = follow_renames;
        let g = gql(ctx)?;
        if let Some(org) = g
            .dataset
            .org(&owner)
            .filter(|o| g.principal.sso_blocked(&g.dataset, o))
        {
            return Err(saml_error(ctx, g, org));
        }
        match g
            .dataset
            .repo(&owner, &name)
            .filter(|r| viewer_can_see(g, r))
        {
            Some(repo) => Ok(Some(RepositoryNode(repo.clone()))),
            None => Err(gh_error(
                "NOT_FOUND",
                format!("Could not resolve to a Repository with the name '{owner}/{name}'."),
            )),
        }
    }

    /// Lookup a repository owner (ie. either a User or an Organization) by login.
    async fn repository_owner(
        &self,
        ctx: &Context<'_>,
        login: String,
    ) -> Result<Option<RepositoryOwner>, Error> {
        let g = gql(ctx)?;
        if let Some(org) = g.dataset.org(&login) {
            if g.principal.sso_blocked(&g.dataset, org) {
                return Err(saml_error(ctx, g, org));
            }
            return Ok(Some(RepositoryOwner::Organization(OrganizationNode(
                org.clone(),
            ))));
        }
        Ok(g.dataset
            .user(&login)
            .map(|u| RepositoryOwner::User(UserNode(u.clone()))))
    }

    /// The currently authenticated user.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<UserNode, Error> {
        Ok(UserNode(gql(ctx)?.principal.user.clone()))
    }
}

/// Represents an owner of a Repository.
#[derive(Interface)]
#[graphql(
    field(name = "id", ty = "ID"),
    field(name = "login", ty = "String"),
    field(
        name = "repositories",
        ty = "RepositoryConnection",
        arg(name = "after", ty = "Option<String>"),
        arg(name = "first", ty = "Option<i32>"),
        arg(name = "is_fork", ty = "Option<bool>"),
        arg(
            name = "owner_affiliations",
            ty = "Option<Vec<Option<RepositoryAffiliation>>>",
            default_with = "default_affiliations()"
        ),
        arg(name = "privacy", ty = "Option<RepositoryPrivacy>")
    )
)]
pub enum RepositoryOwner {
    User(UserNode),
    Organization(OrganizationNode),
}

/// A user is an individual's account on GitHub that owns repositories and can make new content.
pub struct UserNode(pub(crate) dataset::User);

/// A user is an individual's account on GitHub that owns repositories and can make new content.
#[Object(name = "User")]
impl UserNode {
    async fn database_id(&self) -> Option<i32> {
        i32::try_from(self.0.id).ok()
    }

    async fn id(&self, _ctx: &Context<'_>) -> Result<ID, Error> {
        Ok(ID(self.0.node_id.clone()))
    }

    pub(crate) async fn login(&self, _ctx: &Context<'_>) -> Result<String, Error> {
        Ok(self.0.login.clone())
    }

    async fn name(&self) -> Option<String> {
        self.0.name.clone()
    }

    async fn repositories(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
        is_fork: Option<bool>,
        #[graphql(default_with = "default_affiliations()")] owner_affiliations: Option<
            Vec<Option<RepositoryAffiliation>>,
        >,
        privacy: Option<RepositoryPrivacy>,
    ) -> Result<RepositoryConnection, Error> {
        let args = ConnectionArgs {
            after,
            first,
            is_fork,
            owner_affiliations,
            privacy,
        };
        repositories(gql(ctx)?, &self.0.login, OwnerType::User, args)
    }
}

/// An account on GitHub, with one or more owners, that has repositories, members and teams.
pub struct OrganizationNode(pub(crate) dataset::Org);

/// An account on GitHub, with one or more owners, that has repositories, members and teams.
#[Object(name = "Organization")]
impl OrganizationNode {
    async fn database_id(&self) -> Option<i32> {
        i32::try_from(self.0.id).ok()
    }

    async fn id(&self, _ctx: &Context<'_>) -> Result<ID, Error> {
        Ok(ID(self.0.node_id.clone()))
    }

    pub(crate) async fn login(&self, _ctx: &Context<'_>) -> Result<String, Error> {
        Ok(self.0.login.clone())
    }

    async fn name(&self) -> Option<String> {
        Some(self.0.name.clone())
    }

    async fn repositories(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
        is_fork: Option<bool>,
        #[graphql(default_with = "default_affiliations()")] owner_affiliations: Option<
            Vec<Option<RepositoryAffiliation>>,
        >,
        privacy: Option<RepositoryPrivacy>,
    ) -> Result<RepositoryConnection, Error> {
        let args = ConnectionArgs {
            after,
            first,
            is_fork,
            owner_affiliations,
            privacy,
        };
        let g = gql(ctx)?;
        if g.principal.oauth_blocked(&self.0) {
            // Non-null, so GitHub's answer is `organization: null` beside this error.
            return Err(gh_error(
                "FORBIDDEN",
                crate::oauth::restriction_message(&self.0.login),
            ));
        }
        repositories(g, &self.0.login, OwnerType::Organization, args)
    }

    async fn viewer_can_administer(&self, ctx: &Context<'_>) -> Result<bool, Error> {
        let g = gql(ctx)?;
        Ok(g.dataset.role(&self.0, &g.principal.user.login) == Some(OrgRole::Admin))
    }

    async fn viewer_is_a_member(&self, ctx: &Context<'_>) -> Result<bool, Error> {
        let g = gql(ctx)?;
        Ok(g.dataset.role(&self.0, &g.principal.user.login).is_some())
    }
}

/// A repository contains the content for a project.
pub struct RepositoryNode(dataset::Repo);

/// A repository contains the content for a project.
#[Object(name = "Repository")]
impl RepositoryNode {
    async fn database_id(&self) -> Option<i32> {
        i32::try_from(self.0.id).ok()
    }

    /// Identifies the date and time when the object was created.
    async fn created_at(&self) -> GhDateTime {
        GhDateTime(self.0.created_at)
    }

    async fn default_branch_ref(&self, ctx: &Context<'_>) -> Result<Option<RefNode>, Error> {
        let qualified = format!("refs/heads/{}", self.0.default_branch);
        let head = gql(ctx)?
            .content
            .repos
            .get(&self.0.id)
            .cloned()
            .and_then(CommitNode::head);
        Ok(Some(RefNode {
            id: ID(ids::ref_node_id(self.0.id, &qualified)),
            name: self.0.default_branch.clone(),
            target: head.map(GitObject::Commit),
        }))
    }

    async fn id(&self) -> ID {
        ID(self.0.node_id.clone())
    }

    async fn is_archived(&self) -> bool {
        self.0.archived
    }

    async fn is_fork(&self) -> bool {
        self.0.fork
    }

    async fn is_private(&self) -> bool {
        self.0.private
    }

    /// A list of issues that have been opened in the repository.
    async fn issues(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        filter_by: Option<IssueFilters>,
        first: Option<i32>,
        order_by: Option<IssueOrder>,
    ) -> Result<IssueConnection, Error> {
        let repo = self.content(ctx)?;
        content_graphql::issues(ctx, repo, after, filter_by, first, order_by)
    }

    async fn name(&self) -> String {
        self.0.name.clone()
    }

    async fn name_with_owner(&self) -> String {
        self.0.full_name()
    }

    async fn owner(&self, ctx: &Context<'_>) -> Result<RepositoryOwner, Error> {
        let g = gql(ctx)?;
        let owner = match self.0.owner_type {
            OwnerType::Organization => g
                .dataset
                .org(&self.0.owner)
                .map(|o| RepositoryOwner::Organization(OrganizationNode(o.clone()))),
            OwnerType::User => g
                .dataset
                .user(&self.0.owner)
                .map(|u| RepositoryOwner::User(UserNode(u.clone()))),
        };
        owner.ok_or_else(|| Error::new("Something went wrong while executing your query."))
    }

    /// A list of pull requests that have been opened in the repository.
    async fn pull_requests(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        first: Option<i32>,
        order_by: Option<IssueOrder>,
    ) -> Result<PullRequestConnection, Error> {
        let repo = self.content(ctx)?;
        content_graphql::pull_requests(ctx, repo, after, first, order_by)
    }

    async fn pushed_at(&self) -> Option<GhDateTime> {
        Some(GhDateTime(self.0.pushed_at))
    }

    async fn url(&self, ctx: &Context<'_>) -> Result<Uri, Error> {
        Ok(Uri(format!("{}/{}", gql(ctx)?.base, self.0.full_name())))
    }
}

impl RepositoryNode {
    fn content(&self, ctx: &Context<'_>) -> Result<Arc<crate::content::RepoContent>, Error> {
        gql(ctx)?
            .content
            .repos
            .get(&self.0.id)
            .cloned()
            .ok_or_else(|| Error::new("Something went wrong while executing your query."))
    }
}

/// Represents a Git reference.
#[derive(SimpleObject)]
#[graphql(name = "Ref")]
pub struct RefNode {
    id: ID,
    name: String,
    /// The object the ref points to. Returns null when object does not exist.
    target: Option<GitObject>,
}

/// A list of repositories owned by the subject.
#[derive(SimpleObject)]
pub struct RepositoryConnection {
    edges: Option<Vec<Option<RepositoryEdge>>>,
    nodes: Option<Vec<Option<RepositoryNode>>>,
    page_info: PageInfo,
    total_count: i32,
}

/// An edge in a connection.
#[derive(SimpleObject)]
pub struct RepositoryEdge {
    cursor: String,
    node: Option<RepositoryNode>,
}

/// Information about pagination in a connection.
#[derive(SimpleObject)]
pub struct PageInfo {
    pub end_cursor: Option<String>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
}

/// Represents the client's rate limit.
#[derive(SimpleObject)]
pub struct RateLimit {
    cost: i32,
    limit: i32,
    node_count: i32,
    remaining: i32,
    reset_at: GhDateTime,
    used: i32,
}

struct ConnectionArgs {
    after: Option<String>,
    first: Option<i32>,
    is_fork: Option<bool>,
    owner_affiliations: Option<Vec<Option<RepositoryAffiliation>>>,
    privacy: Option<RepositoryPrivacy>,
}

/// Private repositories need a token that can read private data, a user who
/// can see them, and (for SAML orgs) an authorized token.
pub(crate) fn viewer_can_see(g: &GqlCtx, repo: &dataset::Repo) -> bool {
    let org = g
        .dataset
        .org(&repo.owner)
        .filter(|_| repo.owner_type == OwnerType::Organization);
    if org.is_some_and(|o| g.principal.sso_blocked(&g.dataset, o)) {
        return false;
    }
    if repo.private && org.is_some_and(|o| g.principal.oauth_blocked(o)) {
        return false;
    }
    !repo.private
        || (g.principal.can_read_private() && g.dataset.can_see(&g.principal.user.login, repo))
}

fn repositories(
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

/// GitHub's checks on `first`: required (where nodes are asked for), at most 100,
/// not negative. `None` when it may be left out and was.
pub(crate) fn validate_first(
    connection: &str,
    first: Option<i32>,
    required: bool,
) -> Result<Option<usize>, Error> {
    match first {
        None if required => Err(gh_error(
            "MISSING_PAGINATION_BOUNDARIES",
            format!(
                "You must provide a `first` or `last` value to properly paginate the `{connection}` connection."
            ),
        )),
        None => Ok(None),
        Some(n) if n > MAX_PAGE => Err(gh_error(
            "EXCESSIVE_PAGINATION",
            format!(
                "Requesting {n} records on the `{connection}` connection exceeds the `first` limit of {MAX_PAGE} records."
            ),
        )),
        Some(n) if n < 0 => Err(gh_error(
            "INVALID_ARGUMENTS",
            format!("`first` on the `{connection}` connection cannot be less than zero."),
        )),
        Some(n) => Ok(Some(n as usize)),
    }
}

/// GitHub's cost model: one request per connection, multiplied down the
/// nesting by the parents' page sizes; cost is requests / 100, at least 1.
fn cost_of(query: &str, operation: Option<&str>, variables: &Variables) -> (u32, u32) {
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return (1, 0);
    };
    let selection = match &doc.operations {
        DocumentOperations::Single(op) => Some(&op.node.selection_set.node),
        DocumentOperations::Multiple(ops) => match operation {
            Some(name) => ops
                .iter()
                .find(|(n, _)| n.as_str() == name)
                .map(|(_, op)| &op.node.selection_set.node),
            None => ops.values().next().map(|op| &op.node.selection_set.node),
        },
    };
    let mut requests = 0u64;
    let mut nodes = 0u64;
    if let Some(selection) = selection {
        walk(&doc, selection, variables, 1, 0, &mut requests, &mut nodes);
    }
    let cost = ((requests as f64) / 100.0).round().max(1.0) as u32;
    (cost, u32::try_from(nodes).unwrap_or(u32::MAX))
}

/// `@skip(if: true)` and `@include(if: false)` leave a selection out of the answer,
/// and out of the cost: GitHub computes the cost on the query it will run.
fn included(directives: &[Positioned<Directive>], variables: &Variables) -> bool {
    directives.iter().all(|d| {
        let condition = d.node.get_argument("if").and_then(|v| {
            v.node
                .clone()
                .into_const_with(|name| variables.get(&name).cloned().ok_or(()))
                .ok()
        });
        match (d.node.name.node.as_str(), condition) {
            ("skip", Some(async_graphql::Value::Boolean(skip))) => !skip,
            ("include", Some(async_graphql::Value::Boolean(include))) => include,
            _ => true,
        }
    })
}

fn walk(
    doc: &ExecutableDocument,
    set: &SelectionSet,
    variables: &Variables,
    multiplier: u64,
    depth: usize,
    requests: &mut u64,
    nodes: &mut u64,
) {
    if depth > 32 {
        return;
    }
    for item in &set.items {
        match &item.node {
            Selection::Field(field) if included(&field.node.directives, variables) => {
                let field = &field.node;
                let page = field
                    .arguments
                    .iter()
                    .find(|(name, _)| name.node.as_str() == "first" || name.node.as_str() == "last")
                    .and_then(|(_, value)| {
                        let value = value
                            .node
                            .clone()
                            .into_const_with(|name| variables.get(&name).cloned().ok_or(()));
                        match value {
                            Ok(async_graphql::Value::Number(n)) => n.as_u64(),
                            _ => None,
                        }
                    });
                let next = match page {
                    Some(n) => {
                        *requests = requests.saturating_add(multiplier);
                        *nodes = nodes.saturating_add(multiplier.saturating_mul(n));
                        multiplier.saturating_mul(n.max(1))
                    }
                    None => multiplier,
                };
                walk(
                    doc,
                    &field.selection_set.node,
                    variables,
                    next,
                    depth + 1,
                    requests,
                    nodes,
                );
            }
            Selection::InlineFragment(fragment)
                if included(&fragment.node.directives, variables) =>
            {
                walk(
                    doc,
                    &fragment.node.selection_set.node,
                    variables,
                    multiplier,
                    depth + 1,
                    requests,
                    nodes,
                );
            }
            Selection::FragmentSpread(spread) if included(&spread.node.directives, variables) => {
                if let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node) {
                    walk(
                        doc,
                        &fragment.node.selection_set.node,
                        variables,
                        multiplier,
                        depth + 1,
                        requests,
                        nodes,
                    );
                }
            }
            _ => {}
        }
    }
}

pub(crate) async fn execute(call: &Call<'_>, principal: &Principal, body: &[u8]) -> Reply {
    let parsed: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) => {
            return Reply::json(
                StatusCode::BAD_REQUEST,
                &json!({"message": "Problems parsing JSON", "documentation_url": GRAPHQL_DOCS}),
            );
        }
    };
    if !parsed
        .get("query")
        .is_some_and(serde_json::Value::is_string)
    {
        return Reply::ok(
            &json!({"errors": [{"message": "A query attribute must be specified and must be a string."}]}),
        );
    }
    let request: async_graphql::Request = match serde_json::from_value(parsed) {
        Ok(r) => r,
        Err(e) => {
            return Reply::ok(
                &json!({"errors": [{"message": format!("Problems parsing request: {e}")}]}),
            );
        }
    };

    let operation = operation_name(&request.query, request.operation_name.as_deref());
    let (cost, node_count) = cost_of(
        &request.query,
        request.operation_name.as_deref(),
        &request.variables,
    );
    let key = format!("user:{}", principal.user.login);
    let rate = match call
        .state
        .limiter
        .charge(&key, Resource::Graphql, LIMIT, cost)
    {
        Ok(rate) => rate,
        Err(rate) => {
            call.state.stats().graphql(&operation, 0);
            let mut reply = rate_limited_reply(principal.user.id);
            reply.rate = Some(Snapshot {
                used: rate.limit,
                ..rate
            });
            return reply;
        }
    };

    call.state.stats().graphql(&operation, cost);
    let ctx = GqlCtx {
        dataset: call.dataset.clone(),
        content: call.state.content(),
        principal: principal.clone(),
        base: call.base.clone(),
        rate,
        cost,
        node_count,
        sso_nonce: ids::opaque(call.dataset.seed, call.state.next_seq()),
    };
    let response = call.state.schema.execute(request.data(ctx)).await;
    let headers: Vec<(String, String)> = response
        .http_headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let body = serde_json::to_value(&response)
        .map(github_shape)
        .unwrap_or_else(|_| json!({}));
    let mut reply = Reply::ok(&body);
    reply.headers = headers;
    reply.rate = Some(rate);
    reply
}

/// GitHub's answer (200) once the primary budget is spent.
pub(crate) fn rate_limited_reply(user_id: i64) -> Reply {
    Reply::ok(&json!({"errors": [{
        "type": "RATE_LIMITED",
        "message": format!("API rate limit already exceeded for user ID {user_id}."),
    }]}))
}

/// The operation's name for statistics: the requested one, else the document's first.
fn operation_name(query: &str, requested: Option<&str>) -> String {
    if let Some(name) = requested {
        return name.to_string();
    }
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return "invalid".into();
    };
    match &doc.operations {
        // Single is the parser's word for one anonymous operation.
        DocumentOperations::Single(_) => "anonymous".into(),
        DocumentOperations::Multiple(ops) => ops
            .keys()
            .next()
            .map_or_else(|| "anonymous".into(), |n| n.to_string()),
    }
}

/// Moves `extensions.type` to the error's top level, as GitHub shapes errors.
fn github_shape(mut body: serde_json::Value) -> serde_json::Value {
    if let Some(errors) = body.get_mut("errors").and_then(|e| e.as_array_mut()) {
        for error in errors {
            let Some(obj) = error.as_object_mut() else {
                continue;
            };
            let kind = obj
                .get_mut("extensions")
                .and_then(|x| x.as_object_mut())
                .and_then(|x| x.remove("type"));
            if obj
                .get("extensions")
                .and_then(|x| x.as_object())
                .is_some_and(|x| x.is_empty())
            {
                obj.remove("extensions");
            }
            if let Some(kind) = kind {
                obj.insert("type".to_string(), kind);
            }
        }
    }
    body
}
