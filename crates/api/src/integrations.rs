//! What the API does with integrations: test tokens, create, switch services, refresh
//! groups and repositories. GraphQL resolvers are thin calls into this.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::{group, integration, repository};
use futures_util::{StreamExt, stream};
use github::{ConnectionReport, GithubClient, GithubError, RemoteRepository, Token};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, TransactionTrait, sea_query::OnConflict,
};
use tokio::sync::broadcast;

use crate::{
    connection_test::{ConnectionTest, GroupAccess, GroupRole, Service, access_name, role_name},
    crypto::SecretBox,
    error::{ApiError, ApiResult},
    events::{IntegrationEvent, IntegrationEventKind},
    loaders::{GroupsOf, RepositoryPage, RepositoryScope, StoreLoader},
};
use async_graphql::dataloader::Loader;

/// Which services an integration runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceSwitches {
    pub repos: bool,
    pub pull_requests: bool,
    pub tickets: bool,
    pub webhooks: bool,
}

/// A partial change of services: `None` leaves a switch as it is.
#[derive(Clone, Copy, Debug, Default)]
pub struct ServiceChange {
    pub repos: Option<bool>,
    pub pull_requests: Option<bool>,
    pub tickets: Option<bool>,
    pub webhooks: Option<bool>,
}

impl ServiceSwitches {
    pub fn of(model: &integration::Model) -> Self {
        ServiceSwitches {
            repos: model.repos_enabled,
            pull_requests: model.pull_requests_enabled,
            tickets: model.tickets_enabled,
            webhooks: model.webhooks_enabled,
        }
    }

    fn all_of(available: &[Service]) -> Self {
        ServiceSwitches {
            repos: available.contains(&Service::Repos),
            pull_requests: available.contains(&Service::PullRequests),
            tickets: available.contains(&Service::Tickets),
            webhooks: available.contains(&Service::Webhooks),
        }
    }

    fn apply(self, change: ServiceChange) -> Self {
        ServiceSwitches {
            repos: change.repos.unwrap_or(self.repos),
            pull_requests: change.pull_requests.unwrap_or(self.pull_requests),
            tickets: change.tickets.unwrap_or(self.tickets),
            webhooks: change.webhooks.unwrap_or(self.webhooks),
        }
    }

    fn enabled(self) -> Vec<Service> {
        [
            (Service::Repos, self.repos),
            (Service::PullRequests, self.pull_requests),
            (Service::Tickets, self.tickets),
            (Service::Webhooks, self.webhooks),
        ]
        .into_iter()
        .filter_map(|(s, on)| on.then_some(s))
        .collect()
    }

    /// Refuses switching on a service the token cannot run, naming the scope to add.
    fn check_against(self, test: &ConnectionTest) -> ApiResult<()> {
        for service in self.enabled() {
            if !test.available_services.contains(&service) {
                let scopes: Vec<&str> = test
                    .missing_scopes
                    .iter()
                    .filter(|m| m.disables.contains(&service))
                    .map(|m| m.scope.as_str())
                    .collect();
                return Err(ApiError::BadInput(format!(
                    "{} cannot be switched on: the token lacks the scope{} {}. Add {} to the token, update it, then switch the service on.",
                    github::Service::from(service).label(),
                    if scopes.len() == 1 { "" } else { "s" },
                    scopes.join(", "),
                    if scopes.len() == 1 { "it" } else { "them" },
                )));
            }
        }
        Ok(())
    }
}

/// How a new integration authenticates: a pasted token or a finished OAuth round trip.
#[derive(Clone, Copy, Debug)]
pub enum Credential<'a> {
    Token(&'a str),
    OAuthGrant(&'a str),
}

impl<'a> Credential<'a> {
    /// Exactly one of the two inputs.
    pub fn from_input(token: Option<&'a str>, oauth_grant_id: Option<&'a str>) -> ApiResult<Self> {
        match (token, oauth_grant_id) {
            (Some(token), None) => Ok(Credential::Token(token)),
            (None, Some(grant)) => Ok(Credential::OAuthGrant(grant)),
            (None, None) => Err(ApiError::BadInput(
                "give the integration a credential: `token` (a classic personal access token) or `oauthGrantId` (from connecting to GitHub with OAuth)".into(),
            )),
            (Some(_), Some(_)) => Err(ApiError::BadInput(
                "give either `token` or `oauthGrantId`, not both".into(),
            )),
        }
    }
}

#[derive(Clone)]
pub struct Integrations {
    db: DatabaseConnection,
    github: GithubClient,
    secrets: SecretBox,
    events: broadcast::Sender<IntegrationEvent>,
}

const NAME_LIMIT: usize = 100;

fn valid_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ApiError::BadInput("the integration needs a name".into()));
    }
    if name.chars().count() > NAME_LIMIT {
        return Err(ApiError::BadInput(format!(
            "the name is longer than {NAME_LIMIT} characters"
        )));
    }
    Ok(name.to_string())
}

impl Integrations {
    pub fn new(db: DatabaseConnection, github: GithubClient, secrets: SecretBox) -> Self {
        let (events, _) = broadcast::channel(256);
        Integrations {
            db,
            github,
            secrets,
            events,
        }
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub fn github(&self) -> &GithubClient {
        &self.github
    }

    pub fn secrets(&self) -> &SecretBox {
        &self.secrets
    }

    pub fn subscribe(&self) -> broadcast::Receiver<IntegrationEvent> {
        self.events.subscribe()
    }

    fn publish(&self, integration_id: &str, kind: IntegrationEventKind) {
        // No subscriber is not an error.
        let _ = self.events.send(IntegrationEvent {
            integration_id: integration_id.to_string(),
            kind,
            at: Utc::now(),
        });
    }

    /// Tests a token and stores nothing.
    pub async fn test_token(&self, token: &str) -> ConnectionTest {
        ConnectionTest::from(&self.github.test_connection(&Token::new(token)).await)
    }

    pub async fn create(
        &self,
        name: &str,
        credential: Credential<'_>,
        services: Option<ServiceChange>,
    ) -> ApiResult<integration::Model> {
        let name = valid_name(name)?;
        let (token, auth_kind, grant) = match credential {
            Credential::Token(token) => (Token::new(token), "TOKEN", None),
            Credential::OAuthGrant(id) => (
                crate::oauth::open_grant(&self.db, &self.secrets, id).await?,
                "OAUTH",
                Some(id),
            ),
        };
        let report = self.github.test_connection(&token).await;
        let test = ConnectionTest::from(&report);
        if !test.ok {
            return Err(ApiError::ConnectionFailed(test.message));
        }
        let available = ServiceSwitches::all_of(&test.available_services);
        let switches = match services {
            // Unnamed services default to on where the token allows them.
            Some(change) => available.apply(change),
            None => available,
        };
        switches.check_against(&test)?;
        let account = report
            .account
            .clone()
            .ok_or_else(|| ApiError::ConnectionFailed(test.message.clone()))?;
        // Everything GitHub has to say is read before anything is written, so that a
        // failure half-way leaves no integration without its groups.
        let listing = self.read_groups(&token, &report).await?;
        let now = Utc::now();
        let id = uuid::Uuid::new_v4().to_string();
        let model = integration::ActiveModel {
            id: Set(id),
            name: Set(name),
            auth_kind: Set(auth_kind.into()),
            token_ciphertext: Set(self.secrets.seal(token.expose())),
            login: Set(account.login.clone()),
            account_id: Set(account.database_id),
            granted_scopes: Set(test.granted_scopes.join(", ")),
            repos_enabled: Set(switches.repos),
            pull_requests_enabled: Set(switches.pull_requests),
            tickets_enabled: Set(switches.tickets),
            webhooks_enabled: Set(switches.webhooks),
            last_test_ok: Set(test.ok),
            last_test: Set(serde_json::to_string(&test).map_err(anyhow::Error::from)?),
            last_tested_at: Set(now),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let txn = self.db.begin().await?;
        if let Some(grant) = grant {
            crate::oauth::spend_grant(&txn, grant).await?;
        }
        let model = model.insert(&txn).await?;
        write_groups(&txn, &model.id, &listing).await?;
        txn.commit().await?;
        tracing::info!(integration = %model.id, login = %model.login, "integration created");
        self.publish(&model.id, IntegrationEventKind::Created);
        Ok(model)
    }

    pub async fn get(&self, id: &str) -> ApiResult<integration::Model> {
        integration::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| ApiError::NotFound {
                what: "integration",
                id: id.to_string(),
            })
    }

    pub async fn list(&self) -> ApiResult<Vec<integration::Model>> {
        Ok(integration::Entity::find()
            .order_by_asc(integration::Column::CreatedAt)
            .all(&self.db)
            .await?)
    }

    /// The points each integration's token had left at its last answer to an import.
    pub async fn rate_limit_remaining(
        &self,
        imports: &crate::imports::Imports,
    ) -> Vec<(String, i64)> {
        let Ok(models) = self.list().await else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for model in models {
            let Ok(token) = self.token_of(&model) else {
                continue;
            };
            let key = queue::budget::budget_key(&token);
            if let Ok(Some(reading)) = imports.queue().budget.reading(&key).await {
                found.push((model.id, reading.remaining));
            }
        }
        found
    }

    fn token_of(&self, model: &integration::Model) -> ApiResult<Token> {
        Ok(Token::new(self.secrets.open(&model.token_ciphertext)?))
    }

    /// Re-tests the stored token and records the result.
    pub async fn test_connection(&self, id: &str) -> ApiResult<ConnectionTest> {
        let model = self.get(id).await?;
        let token = self.token_of(&model)?;
        let report = self.github.test_connection(&token).await;
        let test = ConnectionTest::from(&report);
        record_test(&self.db, &self.secrets, model, &test, None).await?;
        self.publish(id, IntegrationEventKind::ConnectionTested);
        Ok(test)
    }

    /// Replaces the token if the new one passes the test (a refreshed token needs its
    /// SSO authorization again, which the test re-checks); a failing one is not stored.
    pub async fn update_token(&self, id: &str, token: &str) -> ApiResult<ConnectionTest> {
        let model = self.get(id).await?;
        let token = Token::new(token);
        let report = self.github.test_connection(&token).await;
        let test = ConnectionTest::from(&report);
        if !test.ok {
            return Ok(test);
        }
        if let Some(account) = &report.account
            && account.database_id != model.account_id
        {
            return Err(ApiError::BadInput(format!(
                "the new token belongs to {}, but this integration connects {}; create a new integration for another account",
                account.login, model.login
            )));
        }
        self.store_test_and_groups(model, &test, &token, &report, true)
            .await?;
        self.publish(id, IntegrationEventKind::ConnectionTested);
        Ok(test)
    }

    pub async fn set_services(
        &self,
        id: &str,
        change: ServiceChange,
    ) -> ApiResult<integration::Model> {
        let model = self.get(id).await?;
        let switches = ServiceSwitches::of(&model).apply(change);
        let test: ConnectionTest =
            serde_json::from_str(&model.last_test).map_err(anyhow::Error::from)?;
        switches.check_against(&test)?;
        let mut active: integration::ActiveModel = model.into();
        active.repos_enabled = Set(switches.repos);
        active.pull_requests_enabled = Set(switches.pull_requests);
        active.tickets_enabled = Set(switches.tickets);
        active.webhooks_enabled = Set(switches.webhooks);
        active.updated_at = Set(Utc::now());
        let model = active.update(&self.db).await?;
        self.publish(id, IntegrationEventKind::Updated);
        Ok(model)
    }

    pub async fn rename(&self, id: &str, name: &str) -> ApiResult<integration::Model> {
        let name = valid_name(name)?;
        let mut active: integration::ActiveModel = self.get(id).await?.into();
        active.name = Set(name);
        active.updated_at = Set(Utc::now());
        let model = active.update(&self.db).await?;
        self.publish(id, IntegrationEventKind::Updated);
        Ok(model)
    }

    /// Re-reads the account's organizations, roles and repositories from GitHub.
    pub async fn refresh_groups(&self, id: &str) -> ApiResult<integration::Model> {
        let model = self.get(id).await?;
        let token = self.token_of(&model)?;
        let report = self.github.test_connection(&token).await;
        let test = ConnectionTest::from(&report);
        if !test.ok {
            record_test(&self.db, &self.secrets, model, &test, None).await?;
            self.publish(id, IntegrationEventKind::ConnectionTested);
            return Err(ApiError::ConnectionFailed(test.message));
        }
        let model = self
            .store_test_and_groups(model, &test, &token, &report, false)
            .await?;
        self.publish(id, IntegrationEventKind::GroupsRefreshed);
        Ok(model)
    }

    pub async fn delete(&self, id: &str) -> ApiResult<bool> {
        let deleted = integration::Entity::delete_by_id(id.to_string())
            .exec(&self.db)
            .await?
            .rows_affected
            > 0;
        if deleted {
            self.publish(id, IntegrationEventKind::Deleted);
        }
        Ok(deleted)
    }

    /// The groups of an integration, in the order the API lists them.
    pub async fn groups(&self, integration_id: &str) -> ApiResult<Vec<group::Model>> {
        self.load(GroupsOf(integration_id.to_string())).await
    }

    /// One page of an integration's repositories (or of one of its groups), in the order
    /// the API lists them.
    pub async fn repositories(
        &self,
        scope: RepositoryScope,
        offset: u64,
        limit: u64,
    ) -> ApiResult<Vec<repository::Model>> {
        self.load(RepositoryPage {
            scope,
            offset,
            limit,
        })
        .await
    }

    /// Answers one key through the same loader the GraphQL fields batch on.
    async fn load<K, V>(&self, key: K) -> ApiResult<V>
    where
        K: Clone + Eq + std::hash::Hash + Send + Sync + 'static,
        StoreLoader: Loader<K, Value = V, Error = std::sync::Arc<sea_orm::DbErr>>,
        V: Default,
    {
        let loader = StoreLoader {
            db: self.db.clone(),
        };
        let mut found = loader
            .load(std::slice::from_ref(&key))
            .await
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("database: {e}")))?;
        Ok(found.remove(&key).unwrap_or_default())
    }

    /// Reads the groups from GitHub, then keeps the test (with `token` sealed when it is
    /// new) and the groups in one transaction: all of it, or nothing.
    async fn store_test_and_groups(
        &self,
        model: integration::Model,
        test: &ConnectionTest,
        token: &Token,
        report: &ConnectionReport,
        token_is_new: bool,
    ) -> ApiResult<integration::Model> {
        let listing = self.read_groups(token, report).await?;
        let txn = self.db.begin().await?;
        let id = model.id.clone();
        let model = record_test(
            &txn,
            &self.secrets,
            model,
            test,
            token_is_new.then_some(token),
        )
        .await?;
        write_groups(&txn, &id, &listing).await?;
        txn.commit().await?;
        Ok(model)
    }

    /// Reads the account and its organizations as groups, and each reachable group's repositories.
    async fn read_groups(
        &self,
        token: &Token,
        report: &ConnectionReport,
    ) -> ApiResult<GroupListing> {
        let Some(account) = &report.account else {
            return Ok(GroupListing::default());
        };
        let mut groups = vec![GroupRow {
            github_id: account.database_id,
            login: account.login.clone(),
            kind: "USER",
            role: Some(GroupRole::Owner),
            access: GroupAccess::Ok,
            problem: None,
            sso_url: None,
            hidden_private_repos: None,
        }];
        groups.extend(report.organizations.iter().filter_map(|org| {
            Some(GroupRow {
                github_id: org.database_id?,
                login: org.login.clone(),
                kind: "ORGANIZATION",
                role: org.role.map(GroupRole::from),
                access: GroupAccess::from(org.access),
                problem: org.problem.clone(),
                sso_url: org.sso_url.clone(),
                hidden_private_repos: org.hidden_private_repos,
            })
        }));

        let reachable: Vec<Option<String>> = groups
            .iter()
            .map(|g| (g.access == GroupAccess::Ok).then(|| g.login.clone()))
            .collect();
        let listings: Vec<_> = stream::iter(reachable)
            .map(|login| async move {
                match login {
                    Some(login) => self
                        .github
                        .owner_repositories(token, &login)
                        .await
                        .map(Some),
                    None => Ok(None),
                }
            })
            .buffered(github::CONCURRENT_REQUESTS)
            .collect()
            .await;
        let mut repositories: HashMap<i64, Vec<RemoteRepository>> = HashMap::new();
        for (group, listing) in groups.iter_mut().zip(listings) {
            match listing {
                Ok(Some(list)) => {
                    repositories.insert(group.github_id, list);
                }
                Ok(None) => {}
                Err(
                    error @ (GithubError::SsoRequired { .. }
                    | GithubError::Forbidden { .. }
                    | GithubError::NotFound { .. }),
                ) => {
                    group.access = if matches!(error, GithubError::SsoRequired { .. }) {
                        GroupAccess::SsoRequired
                    } else {
                        GroupAccess::NotVisible
                    };
                    group.problem = Some(format!(
                        "The repositories of {} could not be listed: {error}",
                        group.login
                    ));
                }
                Err(fatal) => return Err(fatal.into()),
            }
        }
        Ok(GroupListing {
            groups,
            repositories,
        })
    }
}

/// What GitHub listed: groups, and the repositories of the reachable ones by group id.
#[derive(Default)]
struct GroupListing {
    groups: Vec<GroupRow>,
    repositories: HashMap<i64, Vec<RemoteRepository>>,
}

/// Stores a listing: upserts groups and repositories by GitHub id, and removes what
/// GitHub no longer lists. Callers run it inside their transaction.
async fn write_groups(
    txn: &impl ConnectionTrait,
    integration_id: &str,
    listing: &GroupListing,
) -> ApiResult<()> {
    let GroupListing {
        groups,
        repositories,
    } = listing;
    let now = Utc::now();
    let requested = crate::oauth::approval_requested_groups(txn, integration_id).await?;
    let group_rows: Vec<group::ActiveModel> = groups
        .iter()
        .map(|g| {
            let (access, problem) =
                crate::oauth::remembered_request(g.access, g.github_id, &g.login, &requested)
                    .unwrap_or((g.access, g.problem.clone()));
            group::ActiveModel {
                id: Set(uuid::Uuid::new_v4().to_string()),
                integration_id: Set(integration_id.to_string()),
                github_id: Set(g.github_id),
                login: Set(g.login.clone()),
                kind: Set(g.kind.into()),
                role: Set(g.role.map(|r| role_name(r).to_string())),
                access: Set(access_name(access).into()),
                problem: Set(problem),
                sso_url: Set(g.sso_url.clone()),
                hidden_private_repos: Set(g.hidden_private_repos),
                refreshed_at: Set(now),
            }
        })
        .collect();
    group::Entity::insert_many(group_rows)
        .on_conflict(
            OnConflict::columns([group::Column::IntegrationId, group::Column::GithubId])
                .update_columns([
                    group::Column::Login,
                    group::Column::Kind,
                    group::Column::Role,
                    group::Column::Access,
                    group::Column::Problem,
                    group::Column::SsoUrl,
                    group::Column::HiddenPrivateRepos,
                    group::Column::RefreshedAt,
                ])
                .to_owned(),
        )
        .exec(txn)
        .await?;
    let listed: Vec<i64> = groups.iter().map(|g| g.github_id).collect();
    group::Entity::delete_many()
        .filter(group::Column::IntegrationId.eq(integration_id))
        .filter(group::Column::GithubId.is_not_in(listed))
        .exec(txn)
        .await?;
    let group_ids: HashMap<i64, String> = group::Entity::find()
        .filter(group::Column::IntegrationId.eq(integration_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|g| (g.github_id, g.id))
        .collect();

    for (github_id, list) in repositories {
        let group_id = &group_ids[github_id];
        let seen: HashSet<&str> = list.iter().map(|r| r.node_id.as_str()).collect();
        // Bounded batches keep every statement under SQLite's and PostgreSQL's bind limits.
        for chunk in list.chunks(200) {
            let rows: Vec<repository::ActiveModel> = chunk
                .iter()
                .map(|r| repository::ActiveModel {
                    id: Set(uuid::Uuid::new_v4().to_string()),
                    integration_id: Set(integration_id.to_string()),
                    group_id: Set(group_id.clone()),
                    github_node_id: Set(r.node_id.clone()),
                    github_database_id: Set(r.database_id),
                    owner: Set(r.owner.clone()),
                    name: Set(r.name.clone()),
                    private: Set(r.private),
                    archived: Set(r.archived),
                    fork: Set(r.fork),
                    default_branch: Set(r.default_branch.clone()),
                    url: Set(r.url.clone()),
                    pushed_at: Set(r.pushed_at.clone()),
                    selected: Set(false),
                    created_at: Set(now),
                    updated_at: Set(now),
                })
                .collect();
            repository::Entity::insert_many(rows)
                .on_conflict(
                    OnConflict::columns([
                        repository::Column::IntegrationId,
                        repository::Column::GithubNodeId,
                    ])
                    .update_columns([
                        repository::Column::GroupId,
                        repository::Column::GithubDatabaseId,
                        repository::Column::Owner,
                        repository::Column::Name,
                        repository::Column::Private,
                        repository::Column::Archived,
                        repository::Column::Fork,
                        repository::Column::DefaultBranch,
                        repository::Column::Url,
                        repository::Column::PushedAt,
                        repository::Column::UpdatedAt,
                    ])
                    .to_owned(),
                )
                .exec(txn)
                .await?;
        }
        let stale: Vec<String> = repository::Entity::find()
            .filter(repository::Column::GroupId.eq(group_id.as_str()))
            .all(txn)
            .await?
            .into_iter()
            .filter(|r| !seen.contains(r.github_node_id.as_str()))
            .map(|r| r.id)
            .collect();
        if !stale.is_empty() {
            repository::Entity::delete_many()
                .filter(repository::Column::Id.is_in(stale))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

/// Keeps a connection test's result (and a new token, sealed) on the integration.
async fn record_test(
    db: &impl ConnectionTrait,
    secrets: &SecretBox,
    model: integration::Model,
    test: &ConnectionTest,
    new_token: Option<&Token>,
) -> ApiResult<integration::Model> {
    let mut active: integration::ActiveModel = model.into();
    let now = Utc::now();
    active.last_test_ok = Set(test.ok);
    active.last_test = Set(serde_json::to_string(test).map_err(anyhow::Error::from)?);
    active.last_tested_at = Set(now);
    active.updated_at = Set(now);
    if test.ok {
        active.granted_scopes = Set(test.granted_scopes.join(", "));
    }
    if let Some(token) = new_token {
        active.token_ciphertext = Set(secrets.seal(token.expose()));
        // Only updateToken brings a new token, and it is pasted: an OAuth integration
        // given a personal access token is a token integration from then on.
        active.auth_kind = Set("TOKEN".into());
    }
    Ok(active.update(db).await?)
}

struct GroupRow {
    github_id: i64,
    login: String,
    kind: &'static str,
    role: Option<GroupRole>,
    access: GroupAccess,
    problem: Option<String>,
    sso_url: Option<String>,
    hidden_private_repos: Option<i64>,
}
