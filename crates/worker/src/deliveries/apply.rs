//! The delivery job: reads a stored delivery and applies it once. Data events go
//! through the import's upserts (rows keyed by node id, so a replay changes nothing);
//! repository and membership events update repositories and roles and reconcile the
//! hooks; everything else is recorded as ignored, with why.

use chrono::Utc;
use entity::{
    comment::{self, CommentParent},
    group, integration, repository, ticket, webhook,
    webhook_delivery::{self, DeliveryOutcome as Outcome},
};
use github::webhook::{PUSH_COMMIT_LIMIT, payload};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    TransactionTrait, sea_query::Expr,
};
use serde::de::DeserializeOwned;

use super::Deliveries;
use crate::store::{self, Scope};
use entity::run_details::Listing;
use github::import::CommentKind;
use metrics::pull_request_figures as figures;

struct Applied {
    outcome: Outcome,
    reason: Option<String>,
    /// Roles or repositories changed: the hooks must be looked at again.
    reconcile: bool,
    /// A repository whose commits an incremental sync must read, queued once the
    /// delivery's transaction is over (SQLite's pool has one connection).
    sync_commits_of: Option<String>,
}

fn done(outcome: Outcome, reason: impl Into<Option<String>>) -> Applied {
    Applied {
        outcome,
        reason: reason.into(),
        reconcile: false,
        sync_commits_of: None,
    }
}

fn parse<T: DeserializeOwned>(body: &str) -> Result<T, String> {
    serde_json::from_str(body).map_err(|e| format!("the payload could not be read: {e}"))
}

impl Deliveries {
    /// Applies one stored delivery, unless it was applied already. Errors are the
    /// database's (the job is retried); a payload that cannot be applied is recorded
    /// FAILED with the reason.
    pub async fn apply(&self, integration_id: &str, delivery_id: &str) -> anyhow::Result<()> {
        let Some(delivery) = webhook_delivery::Entity::find_by_id((
            integration_id.to_string(),
            delivery_id.to_string(),
        ))
        .one(&self.db)
        .await?
        else {
            tracing::warn!(delivery = %delivery_id, "no such delivery stored; the job is dropped");
            return Ok(());
        };
        if delivery.applied_at.is_some() {
            return Ok(());
        }
        let Some(integration) = integration::Entity::find_by_id(integration_id.to_string())
            .one(&self.db)
            .await?
        else {
            return Ok(());
        };
        if let Some(hook_id) = delivery.hook_id {
            webhook::Entity::update_many()
                .col_expr(
                    webhook::Column::LastDeliveryAt,
                    Expr::value(delivery.received_at),
                )
                .filter(webhook::Column::IntegrationId.eq(integration_id))
                .filter(webhook::Column::HookId.eq(hook_id))
                .exec(&self.db)
                .await?;
        }
        let txn = self.db.begin().await?;
        let applied = match self.apply_event(&txn, &integration, &delivery).await {
            Ok(applied) => applied,
            Err(ApplyError::Payload(reason)) => done(Outcome::Failed, reason),
            Err(ApplyError::Database(error)) => return Err(error.into()),
        };
        webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::AppliedAt,
                Expr::value(Some(Utc::now())),
            )
            .col_expr(
                webhook_delivery::Column::Outcome,
                Expr::value(Some(applied.outcome)),
            )
            .col_expr(
                webhook_delivery::Column::Reason,
                Expr::value(applied.reason.clone()),
            )
            .filter(webhook_delivery::Column::IntegrationId.eq(integration_id))
            .filter(webhook_delivery::Column::DeliveryId.eq(delivery_id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        if let Some(repository_id) = &applied.sync_commits_of
            && let Err(error) = self
                .queue
                .queue_sync(
                    &self.db,
                    integration_id,
                    repository_id,
                    Some(&[Listing::Commits]),
                )
                .await
        {
            tracing::warn!(delivery = %delivery_id, %error, "the commits sync could not be queued");
            webhook_delivery::Entity::update_many()
                .col_expr(
                    webhook_delivery::Column::Outcome,
                    Expr::value(Some(Outcome::Failed)),
                )
                .col_expr(
                    webhook_delivery::Column::Reason,
                    Expr::value(Some(format!(
                        "the commits sync could not be queued: {error}"
                    ))),
                )
                .filter(webhook_delivery::Column::IntegrationId.eq(integration_id))
                .filter(webhook_delivery::Column::DeliveryId.eq(delivery_id))
                .exec(&self.db)
                .await?;
        }
        tracing::debug!(
            delivery = %delivery_id,
            event = %delivery.event,
            outcome = ?applied.outcome,
            "delivery applied"
        );
        if applied.reconcile
            && let Err(error) = self.hooks.reconcile(integration_id).await
        {
            tracing::warn!(integration = %integration_id, %error, "webhooks could not be reconciled");
        }
        Ok(())
    }

    async fn apply_event(
        &self,
        txn: &impl ConnectionTrait,
        integration: &integration::Model,
        delivery: &webhook_delivery::Model,
    ) -> Result<Applied, ApplyError> {
        let body = delivery.body.as_str();
        let envelope: payload::Envelope = parse(body)?;
        let action = envelope.action.as_deref().unwrap_or_default();
        match delivery.event.as_str() {
            "ping" => {
                if let Some(hook_id) = delivery.hook_id {
                    webhook::Entity::update_many()
                        .col_expr(webhook::Column::Verified, Expr::value(true))
                        .filter(webhook::Column::IntegrationId.eq(integration.id.as_str()))
                        .filter(webhook::Column::HookId.eq(hook_id))
                        .exec(txn)
                        .await?;
                }
                return Ok(done(Outcome::Applied, None));
            }
            "organization" | "member" | "membership" => {
                return self.apply_membership(txn, integration, delivery).await;
            }
            "push"
            | "pull_request"
            | "pull_request_review"
            | "pull_request_review_comment"
            | "pull_request_review_thread"
            | "issues"
            | "issue_comment"
            | "repository"
            | "create"
            | "delete" => {}
            other => {
                return Ok(done(
                    Outcome::IgnoredUnknownEvent,
                    format!("Tributary does not use `{other}` events"),
                ));
            }
        }
        let Some(remote) = envelope.repository else {
            return Ok(done(
                Outcome::IgnoredIrrelevant,
                "no repository in the payload".to_string(),
            ));
        };
        let repo = repository::Entity::find()
            .filter(repository::Column::IntegrationId.eq(integration.id.as_str()))
            .filter(repository::Column::GithubNodeId.eq(remote.node_id.as_str()))
            .one(txn)
            .await?;
        let Some(repo) = repo.filter(|r| r.selected) else {
            return Ok(done(
                Outcome::IgnoredNotImported,
                format!("{} is not imported", remote.full_name),
            ));
        };
        let scope = Scope {
            integration_id: integration.id.clone(),
            repository_id: repo.id.clone(),
        };
        let org = repo.owner.clone();
        let service_off = |service: &str| {
            done(
                Outcome::IgnoredServiceOff,
                format!("the {service} service is switched off for this integration"),
            )
        };
        match delivery.event.as_str() {
            "push" => {
                if !integration.repos_enabled {
                    return Ok(service_off("Repos"));
                }
                let push: payload::Push = parse(body)?;
                let default = remote
                    .default_branch
                    .as_deref()
                    .or(repo.default_branch.as_deref());
                let on_default = default.is_some_and(|b| push.git_ref == format!("refs/heads/{b}"));
                if !on_default || push.deleted {
                    return Ok(done(
                        Outcome::IgnoredIrrelevant,
                        format!("{} is not the default branch", push.git_ref),
                    ));
                }
                // A push lists no line counts, which the metrics need: the commit lane
                // of an incremental sync reads them (one point for up to 2,000 commits).
                // It also covers what a push may leave out: more than 20 commits, a
                // rewritten history, a new branch.
                let why = if push.forced {
                    "a forced push"
                } else if push.created {
                    "a new branch"
                } else if push.commits.len() >= PUSH_COMMIT_LIMIT {
                    "a push at GitHub's limit of listed commits (the list is cut)"
                } else if push.commits.is_empty() {
                    return Ok(done(Outcome::IgnoredIrrelevant, "no commits".to_string()));
                } else {
                    "new commits on the default branch"
                };
                Ok(Applied {
                    sync_commits_of: Some(repo.id.clone()),
                    ..done(
                        Outcome::SyncQueued,
                        format!("{why}: an incremental sync of the commits"),
                    )
                })
            }
            "pull_request" => {
                if !integration.pull_requests_enabled {
                    return Ok(service_off("Pull requests"));
                }
                let event: payload::PullRequestEvent = parse(body)?;
                let pr = event.to_import(action, &org);
                store::store_pull_requests(txn, &scope, &[pr]).await?;
                Ok(done(Outcome::Applied, None))
            }
            "pull_request_review" => {
                if !integration.pull_requests_enabled {
                    return Ok(service_off("Pull requests"));
                }
                let event: payload::ReviewEvent = parse(body)?;
                store::store_reviews(
                    txn,
                    &scope,
                    &event.pull_request.node_id,
                    &[event.review.to_import()],
                )
                .await?;
                Ok(done(Outcome::Applied, None))
            }
            "pull_request_review_comment" => {
                if !integration.pull_requests_enabled {
                    return Ok(service_off("Pull requests"));
                }
                let event: payload::ReviewCommentEvent = parse(body)?;
                if action == "deleted" {
                    delete_comment(txn, &integration.id, &event.comment.node_id).await?;
                } else {
                    store::store_comments(
                        txn,
                        &scope,
                        &event.pull_request.node_id,
                        CommentParent::PullRequest,
                        &[event.comment.to_import(CommentKind::ReviewThread)],
                    )
                    .await?;
                }
                Ok(done(Outcome::Applied, None))
            }
            "pull_request_review_thread" => {
                if !integration.pull_requests_enabled {
                    return Ok(service_off("Pull requests"));
                }
                let event: payload::ReviewThreadEvent = parse(body)?;
                let comments: Vec<_> = event
                    .thread
                    .comments
                    .iter()
                    .map(|c| c.to_import(CommentKind::ReviewThread))
                    .collect();
                store::store_comments(
                    txn,
                    &scope,
                    &event.pull_request.node_id,
                    CommentParent::PullRequest,
                    &comments,
                )
                .await?;
                Ok(done(Outcome::Applied, None))
            }
            "issues" => {
                if !integration.tickets_enabled {
                    return Ok(service_off("Tickets"));
                }
                let event: payload::IssuesEvent = parse(body)?;
                if event.issue.is_pull_request() {
                    return Ok(done(
                        Outcome::IgnoredIrrelevant,
                        "the issue is a pull request".to_string(),
                    ));
                }
                if matches!(action, "deleted" | "transferred") {
                    ticket::Entity::delete_many()
                        .filter(ticket::Column::IntegrationId.eq(integration.id.as_str()))
                        .filter(ticket::Column::NodeId.eq(event.issue.node_id.as_str()))
                        .exec(txn)
                        .await?;
                    // A transferred issue keeps its node id in its new repository.
                    if action == "deleted" {
                        store::remember_deleted(txn, &integration.id, &event.issue.node_id).await?;
                    }
                } else {
                    store::store_tickets(txn, &scope, &[event.issue.to_import()]).await?;
                }
                Ok(done(Outcome::Applied, None))
            }
            "issue_comment" => {
                let event: payload::IssueCommentEvent = parse(body)?;
                let parent = if event.issue.is_pull_request() {
                    if !integration.pull_requests_enabled {
                        return Ok(service_off("Pull requests"));
                    }
                    CommentParent::PullRequest
                } else {
                    if !integration.tickets_enabled {
                        return Ok(service_off("Tickets"));
                    }
                    CommentParent::Ticket
                };
                if action == "deleted" {
                    delete_comment(txn, &integration.id, &event.comment.node_id).await?;
                } else {
                    store::store_comments(
                        txn,
                        &scope,
                        &event.issue.node_id,
                        parent,
                        &[event.comment.to_import(CommentKind::Conversation)],
                    )
                    .await?;
                }
                Ok(done(Outcome::Applied, None))
            }
            "repository" => {
                let event: payload::RepositoryEvent = parse(body)?;
                let r = event.repository;
                if action == "deleted" {
                    repository::Entity::delete_by_id(repo.id.clone())
                        .exec(txn)
                        .await?;
                } else {
                    repository::Entity::update(repository::ActiveModel {
                        id: Set(repo.id.clone()),
                        github_database_id: Set(r.id.or(repo.github_database_id)),
                        owner: Set(r.owner.login.clone()),
                        name: Set(r.name.clone()),
                        private: Set(r.private),
                        archived: Set(r.archived),
                        fork: Set(r.fork),
                        default_branch: Set(r
                            .default_branch
                            .clone()
                            .or(repo.default_branch.clone())),
                        url: Set(if r.html_url.is_empty() {
                            repo.url.clone()
                        } else {
                            r.html_url.clone()
                        }),
                        updated_at: Set(Utc::now()),
                        ..Default::default()
                    })
                    .exec(txn)
                    .await?;
                }
                Ok(Applied {
                    reconcile: matches!(action, "deleted" | "transferred"),
                    ..done(Outcome::Applied, None)
                })
            }
            // Branches and tags: the default branch's new commits arrive as a push.
            _ => Ok(done(Outcome::IgnoredIrrelevant, None)),
        }
    }

    /// An owner or member joined or left, or changed role: when it is the account,
    /// its role in the organization changes, and with it the hook.
    async fn apply_membership(
        &self,
        txn: &impl ConnectionTrait,
        integration: &integration::Model,
        delivery: &webhook_delivery::Model,
    ) -> Result<Applied, ApplyError> {
        let envelope: payload::Envelope = parse(&delivery.body)?;
        let action = envelope.action.as_deref().unwrap_or_default();
        if delivery.event == "organization"
            && let Ok(event) = serde_json::from_str::<payload::OrganizationEvent>(&delivery.body)
            && let Some(membership) = &event.membership
            && membership
                .user
                .as_ref()
                .is_some_and(|u| u.login.eq_ignore_ascii_case(&integration.login))
        {
            let role = match (action, membership.role.as_deref()) {
                ("member_removed", _) => None,
                (_, Some("admin")) => Some(group::GroupRole::Owner),
                (_, Some(_)) => Some(group::GroupRole::Member),
                (_, None) => None,
            };
            if action != "member_invited" {
                group::Entity::update_many()
                    .col_expr(group::Column::Role, Expr::value(role))
                    .col_expr(group::Column::RefreshedAt, Expr::value(Utc::now()))
                    .filter(group::Column::IntegrationId.eq(integration.id.as_str()))
                    .filter(group::Column::GithubId.eq(event.organization.id))
                    .exec(txn)
                    .await?;
            }
        }
        Ok(Applied {
            reconcile: true,
            ..done(Outcome::Applied, None)
        })
    }
}

/// Deletes a comment; a pull request's figures are computed again without it.
async fn delete_comment(
    db: &impl ConnectionTrait,
    integration_id: &str,
    node_id: &str,
) -> Result<(), DbErr> {
    store::remember_deleted(db, integration_id, node_id).await?;
    let Some(gone) = comment::Entity::find_by_id((integration_id.to_string(), node_id.to_string()))
        .one(db)
        .await?
    else {
        return Ok(());
    };
    comment::Entity::delete_by_id((integration_id.to_string(), node_id.to_string()))
        .exec(db)
        .await?;
    if gone.parent_kind == CommentParent::PullRequest {
        figures::refresh(db, integration_id, &[gone.parent_node_id]).await?;
    }
    Ok(())
}

enum ApplyError {
    Payload(String),
    Database(DbErr),
}

impl From<String> for ApplyError {
    fn from(reason: String) -> Self {
        ApplyError::Payload(reason)
    }
}

impl From<DbErr> for ApplyError {
    fn from(error: DbErr) -> Self {
        ApplyError::Database(error)
    }
}
