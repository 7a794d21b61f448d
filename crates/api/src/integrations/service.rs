//! The integrations service: creates integrations, tests and replaces their tokens,
//! switches their services, renames, refreshes and deletes them, and tells
//! subscribers. GraphQL resolvers are thin calls into this.

use chrono::Utc;
use entity::{
    group,
    integration::{self, AuthKind},
    repository,
    sealed::SealedAt,
};
use futures_util::future::BoxFuture;
use github::{GithubClient, Token};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use tokio::sync::broadcast;

use super::{
    approval,
    credential::Credential,
    group_listing::read_groups,
    group_store::write_groups,
    queries::{self, RepositoryScope},
    switches::{ServiceChange, ServiceSwitches},
};
use crate::{
    auth::{Caller, Reach},
    crypto::SecretBox,
    error::{ApiError, ApiResult, Found},
    graphql::connection_test::{ConnectionFailure, ConnectionTest},
    graphql::event_types::{IntegrationEvent, IntegrationEventKind},
    graphql::user_error::UserErrorCode,
    oauth::grants::{open_grant, spend_grant},
};

#[derive(Clone)]
pub struct Integrations {
    db: DatabaseConnection,
    github: GithubClient,
    secrets: SecretBox,
    events: broadcast::Sender<IntegrationEvent>,
}

const NAME_LIMIT: usize = 100;

/// How often a write aborted to break a deadlock is run again.
const CONFLICT_ATTEMPTS: u64 = 5;

fn valid_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ApiError::user_at(
            UserErrorCode::NameBlank,
            &["name"],
            "the integration needs a name",
        ));
    }
    if name.chars().count() > NAME_LIMIT {
        return Err(ApiError::user_at(
            UserErrorCode::NameTooLong,
            &["name"],
            format!("the name is longer than {NAME_LIMIT} characters"),
        ));
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

    fn publish(&self, integration: &integration::Model, kind: IntegrationEventKind) {
        // No subscriber is not an error.
        let _ = self.events.send(IntegrationEvent {
            integration_id: integration.id.clone(),
            workspace: integration.workspace.clone(),
            kind,
            at: Utc::now(),
        });
    }

    /// Tests a token and stores nothing.
    pub async fn test_token(&self, token: &str) -> ConnectionTest {
        ConnectionTest::from(&self.github.test_connection(&Token::new(token)).await)
    }

    /// Stores a new integration in the caller's workspace (see [`Caller::creates_in`]).
    pub async fn create(
        &self,
        caller: &Caller,
        name: &str,
        credential: Credential<'_>,
        services: Option<ServiceChange>,
    ) -> ApiResult<integration::Model> {
        let name = valid_name(name)?;
        let (token, auth_kind, grant) = self.open_credential(caller, credential).await?;
        let report = self.github.test_connection(&token).await;
        let test = ConnectionTest::from(&report);
        if !test.ok {
            return Err(refusal(test));
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
            .ok_or_else(|| refusal(test.clone()))?;
        // Everything GitHub has to say is read before anything is written, so that a
        // failure half-way leaves no integration without its groups.
        let listing = read_groups(&self.github, &token, &report).await?;
        let now = Utc::now();
        let id = uuid::Uuid::new_v4().to_string();
        let model = integration::ActiveModel {
            token_ciphertext: Set(self
                .secrets
                .seal(token.expose(), &SealedAt::integration_token(&id))),
            id: Set(id),
            workspace: Set(caller.creates_in().to_string()),
            name: Set(name),
            auth_kind: Set(auth_kind),
            login: Set(account.login.clone()),
            account_id: Set(account.database_id),
            granted_scopes: Set(test.granted_scopes.join(", ")),
            repos_enabled: Set(switches.repos),
            pull_requests_enabled: Set(switches.pull_requests),
            tickets_enabled: Set(switches.tickets),
            webhooks_enabled: Set(switches.webhooks),
            last_test_ok: Set(test.ok),
            last_test: Set((&test).into()),
            last_tested_at: Set(now),
            comment_regular_from: Set(
                metrics::robustness::RobustnessThresholds::default().regular_from as i32
            ),
            comment_robust_from: Set(
                metrics::robustness::RobustnessThresholds::default().robust_from as i32
            ),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let listing = &listing;
        let model = retry_conflicts(move || {
            let model = model.clone();
            Box::pin(async move {
                let txn = self.db.begin().await?;
                if let Some(grant) = grant {
                    spend_grant(&txn, grant).await?;
                }
                let model = model.insert(&txn).await?;
                write_groups(&txn, &model.id, listing).await?;
                txn.commit().await?;
                Ok(model)
            })
        })
        .await?;
        tracing::info!(integration = %model.id, login = %model.login, "integration created");
        self.publish(&model, IntegrationEventKind::Created);
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

    /// The integrations within `reach`, oldest first.
    pub async fn list(&self, reach: Reach<'_>) -> ApiResult<Vec<integration::Model>> {
        let mut select = integration::Entity::find();
        if let Reach::Workspace(workspace) = reach {
            select = select.filter(integration::Column::Workspace.eq(workspace));
        }
        Ok(select
            .order_by_asc(integration::Column::CreatedAt)
            .all(&self.db)
            .await?)
    }

    /// The integration's token, opened.
    pub(crate) fn token_of(&self, model: &integration::Model) -> ApiResult<Token> {
        Ok(Token::new(self.secrets.open(
            &model.token_ciphertext,
            &SealedAt::integration_token(&model.id),
        )?))
    }

    /// Re-tests the stored token and records the result.
    pub async fn test_connection(
        &self,
        id: &str,
    ) -> ApiResult<(integration::Model, ConnectionTest)> {
        let model = self.get(id).await?;
        let token = self.token_of(&model)?;
        let report = self.github.test_connection(&token).await;
        let test = ConnectionTest::from(&report);
        if test.failure.is_some_and(|f| f.is_outage()) {
            // GitHub's outage says nothing about the token: the last verdict stands.
            return Err(refusal(test));
        }
        let model = record_test(&self.db, &self.secrets, model, &test, None).await?;
        self.publish(&model, IntegrationEventKind::ConnectionTested);
        Ok((model, test))
    }

    /// The token a credential stands for, how it authenticates, and the grant to spend.
    /// The credential's token; a grant only opens for the caller that started its
    /// OAuth round trip.
    async fn open_credential<'a>(
        &self,
        caller: &Caller,
        credential: Credential<'a>,
    ) -> ApiResult<(Token, AuthKind, Option<&'a str>)> {
        Ok(match credential {
            Credential::Token(token) => (Token::new(token), AuthKind::Token, None),
            Credential::OAuthGrant(id) => (
                open_grant(&self.db, &self.secrets, id, caller).await?,
                AuthKind::OAuth,
                Some(id),
            ),
        })
    }

    /// Replaces the credential (a pasted token, or a new OAuth grant) if it passes the
    /// test and belongs to the same account; the repositories and data stay. A refreshed
    /// token needs its SSO authorization again, which the test re-checks. A failing
    /// credential is not stored (and a grant is not spent).
    pub async fn reconnect(
        &self,
        id: &str,
        caller: &Caller,
        credential: Credential<'_>,
    ) -> ApiResult<(integration::Model, ConnectionTest)> {
        let model = self.get(id).await?;
        let (token, auth_kind, grant) = self.open_credential(caller, credential).await?;
        let report = self.github.test_connection(&token).await;
        let test = ConnectionTest::from(&report);
        if !test.ok {
            return Err(refusal(test));
        }
        if let Some(account) = &report.account
            && account.database_id != model.account_id
        {
            let field = if grant.is_some() {
                "oauthGrantId"
            } else {
                "token"
            };
            return Err(ApiError::user_at(
                UserErrorCode::AccountMismatch,
                &[field],
                format!(
                    "the new credential belongs to {}, but this integration connects {}; create a new integration for another account",
                    account.login, model.login
                ),
            ));
        }
        let listing = read_groups(&self.github, &token, &report).await?;
        let (listing, test_ref, token_ref) = (&listing, &test, &token);
        let model = retry_conflicts(move || {
            let model = model.clone();
            Box::pin(async move {
                let txn = self.db.begin().await?;
                if let Some(grant) = grant {
                    spend_grant(&txn, grant).await?;
                }
                let model = record_test(
                    &txn,
                    &self.secrets,
                    model,
                    test_ref,
                    Some((token_ref, auth_kind)),
                )
                .await?;
                write_groups(&txn, id, listing).await?;
                txn.commit().await?;
                Ok(model)
            })
        })
        .await?;
        self.publish(&model, IntegrationEventKind::ConnectionTested);
        Ok((model, test))
    }

    pub async fn set_services(
        &self,
        id: &str,
        change: ServiceChange,
    ) -> ApiResult<integration::Model> {
        let model = self.get(id).await?;
        let switches = ServiceSwitches::of(&model).apply(change);
        let test = ConnectionTest::from(model.last_test.clone());
        switches.check_against(&test)?;
        let mut active: integration::ActiveModel = model.into();
        active.repos_enabled = Set(switches.repos);
        active.pull_requests_enabled = Set(switches.pull_requests);
        active.tickets_enabled = Set(switches.tickets);
        active.webhooks_enabled = Set(switches.webhooks);
        active.updated_at = Set(Utc::now());
        let model = active.update(&self.db).await?;
        self.publish(&model, IntegrationEventKind::Updated);
        Ok(model)
    }

    pub async fn rename(&self, id: &str, name: &str) -> ApiResult<integration::Model> {
        let name = valid_name(name)?;
        let mut active: integration::ActiveModel = self.get(id).await?.into();
        active.name = Set(name);
        active.updated_at = Set(Utc::now());
        let model = active.update(&self.db).await?;
        self.publish(&model, IntegrationEventKind::Updated);
        Ok(model)
    }

    /// Sets where regular and robust comments start, and computes every pull request's
    /// figures again under them in the same transaction (thoroughly reviewed depends on
    /// them), so no query sees a mix.
    pub async fn set_comment_robustness(
        &self,
        id: &str,
        regular_from: i32,
        robust_from: i32,
    ) -> ApiResult<integration::Model> {
        let invalid = || {
            ApiError::user_at(
                UserErrorCode::RobustnessThresholdsInvalid,
                &["robustFrom"],
                "regularFrom must be at least 1, robustFrom above it, both at most 10,000 characters",
            )
        };
        let thresholds = metrics::robustness::RobustnessThresholds::new(
            u32::try_from(regular_from).map_err(|_| invalid())?,
            u32::try_from(robust_from).map_err(|_| invalid())?,
        )
        .ok_or_else(invalid)?;
        let model = self.get(id).await?;
        let model = retry_conflicts(move || {
            let model = model.clone();
            Box::pin(async move {
                let txn = self.db.begin().await?;
                let mut active: integration::ActiveModel = model.into();
                active.comment_regular_from = Set(thresholds.regular_from as i32);
                active.comment_robust_from = Set(thresholds.robust_from as i32);
                active.updated_at = Set(Utc::now());
                let model = active.update(&txn).await?;
                metrics::pull_request_figures::refresh_integration(&txn, &model.id).await?;
                txn.commit().await?;
                Ok(model)
            })
        })
        .await?;
        self.publish(&model, IntegrationEventKind::Updated);
        Ok(model)
    }

    /// Re-reads the account's organizations, roles and repositories from GitHub.
    pub async fn refresh_groups(&self, id: &str) -> ApiResult<integration::Model> {
        let model = self.get(id).await?;
        let token = self.token_of(&model)?;
        let report = self.github.test_connection(&token).await;
        let test = ConnectionTest::from(&report);
        if !test.ok {
            if !test.failure.is_some_and(|f| f.is_outage()) {
                let model = record_test(&self.db, &self.secrets, model, &test, None).await?;
                self.publish(&model, IntegrationEventKind::ConnectionTested);
            }
            return Err(refusal(test));
        }
        let listing = read_groups(&self.github, &token, &report).await?;
        let (listing, test_ref) = (&listing, &test);
        let model = retry_conflicts(move || {
            let model = model.clone();
            Box::pin(async move {
                let txn = self.db.begin().await?;
                let model = record_test(&txn, &self.secrets, model, test_ref, None).await?;
                write_groups(&txn, id, listing).await?;
                txn.commit().await?;
                Ok(model)
            })
        })
        .await?;
        self.publish(&model, IntegrationEventKind::GroupsRefreshed);
        Ok(model)
    }

    /// Records that a member asked the owners of `organization` to approve Tributary.
    pub async fn report_approval_requested(
        &self,
        integration_id: &str,
        organization: &str,
    ) -> ApiResult<group::Model> {
        self.get(integration_id).await?;
        approval::record_request(&self.db, integration_id, organization).await
    }

    pub async fn delete(&self, id: &str) -> ApiResult<bool> {
        let Some(model) = self.get(id).await.found()? else {
            return Ok(false);
        };
        // The cascade meets workers still storing pages of the integration's runs.
        let deleted = retry_conflicts(move || {
            Box::pin(async move {
                Ok(integration::Entity::delete_by_id(id.to_string())
                    .exec(&self.db)
                    .await?
                    .rows_affected
                    > 0)
            })
        })
        .await?;
        if deleted {
            self.publish(&model, IntegrationEventKind::Deleted);
        }
        Ok(deleted)
    }

    /// The groups of an integration, in the order the API lists them.
    pub async fn groups(&self, integration_id: &str) -> ApiResult<Vec<group::Model>> {
        queries::groups_of(&self.db, &[integration_id])
            .await
            .map_err(database)
    }

    /// The first `limit` repositories of an integration (or of one of its groups), by
    /// owner and name.
    pub async fn repositories(
        &self,
        scope: RepositoryScope,
        limit: u64,
    ) -> ApiResult<Vec<repository::Model>> {
        let window = queries::RepositoryWindow {
            limit,
            ..Default::default()
        };
        Ok(queries::repository_pages(
            &self.db,
            &[&scope],
            &Default::default(),
            Default::default(),
            &window,
        )
        .await
        .map_err(database)?
        .into_iter()
        .filter(|(found, _)| *found == scope)
        .map(|(_, row)| row.repository)
        .collect())
    }
}

/// Keeps a connection test's result (and a new token, sealed) on the integration.
async fn record_test(
    db: &impl ConnectionTrait,
    secrets: &SecretBox,
    model: integration::Model,
    test: &ConnectionTest,
    new_credential: Option<(&Token, AuthKind)>,
) -> ApiResult<integration::Model> {
    let at = SealedAt::integration_token(&model.id);
    let mut active: integration::ActiveModel = model.into();
    let now = Utc::now();
    active.last_test_ok = Set(test.ok);
    active.last_test = Set(test.into());
    active.last_tested_at = Set(now);
    active.updated_at = Set(now);
    if test.ok {
        active.granted_scopes = Set(test.granted_scopes.join(", "));
    }
    if let Some((token, auth_kind)) = new_credential {
        active.token_ciphertext = Set(secrets.seal(token.expose(), &at));
        // Reconnecting may change the path: an OAuth integration given a pasted token is
        // a token integration from then on, and the other way round.
        active.auth_kind = Set(auth_kind);
    }
    Ok(active.update(db).await?)
}

/// Runs `write` (one transaction) again when PostgreSQL aborted it to break a deadlock:
/// an integration's groups and rows are written while workers store pages of its
/// imports, and the two may lock the same rows in another order. Nothing of an aborted
/// attempt was written.
async fn retry_conflicts<'a, T>(
    mut write: impl FnMut() -> BoxFuture<'a, ApiResult<T>>,
) -> ApiResult<T> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match write().await {
            Err(error) if attempt < CONFLICT_ATTEMPTS && error.is_transient_conflict() => {
                tracing::info!(attempt, "a write met a deadlock; trying again");
                tokio::time::sleep(std::time::Duration::from_millis(50 * attempt)).await;
            }
            result => return result,
        }
    }
}

/// Why a failing test refuses the change: GitHub being down or rate limiting is what
/// broke (a top-level error); anything about the credential is the person's to fix,
/// answered with the whole test.
fn refusal(test: ConnectionTest) -> ApiError {
    match test.failure {
        Some(ConnectionFailure::RateLimited) => ApiError::GithubRateLimited(test.message),
        Some(ConnectionFailure::GithubUnavailable) => ApiError::GithubUnavailable(test.message),
        _ => ApiError::ConnectionFailed(Box::new(test)),
    }
}

/// A store error as the loaders answered it before: internal, with the database's words.
fn database(error: sea_orm::DbErr) -> ApiError {
    ApiError::Internal(anyhow::anyhow!("database: {error}"))
}
