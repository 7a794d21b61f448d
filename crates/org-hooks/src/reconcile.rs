//! The rules: while the Webhooks service is on, every organization where the account
//! is an OWNER and at least one repository is imported has exactly one hook of ours;
//! every other organization has none. Each organization's row says which case holds.

use std::collections::HashSet;

use chrono::Utc;
use entity::{group, import_run, integration, repository, sealed::SealedAt, webhook};
use github::{
    GithubError, Token,
    webhook::{
        EVENTS,
        org_hooks::{HookSpec, OrgHook},
    },
};
use rand::Rng;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect,
};

use crate::org_hooks::OrgHooks;
use entity::webhook::HookState;

/// The seed's rule, in the words the integration shows.
pub fn not_owner_reason(organization: &str) -> String {
    format!(
        "The account is only a member of {organization}: webhooks need an owner of the organization. Every other service works; ask an owner to make the account an owner, then refresh the groups."
    )
}

/// What one organization should have, and why.
struct Wanted {
    state: HookState,
    reason: Option<String>,
}

fn new_secret() -> String {
    let bytes: [u8; 32] = rand::thread_rng().r#gen();
    hex::encode(bytes)
}

impl OrgHooks {
    /// Brings the integration's hooks in line with the rules. Failures are recorded on
    /// the organization's row (ERROR with GitHub's message), never raised, except the
    /// database's.
    pub async fn reconcile(&self, integration_id: &str) -> anyhow::Result<()> {
        self.reconcile_checking(integration_id, true).await
    }

    /// `check_github`: also ask GitHub whether an ACTIVE hook is still there and
    /// right. Without it a recorded ACTIVE hook is trusted, so the reconciliation
    /// after each import run costs no request unless something changed.
    async fn reconcile_checking(
        &self,
        integration_id: &str,
        check_github: bool,
    ) -> anyhow::Result<()> {
        let lock = self.lock_for(integration_id);
        let _held = lock.lock().await;
        let Some(integration) = integration::Entity::find_by_id(integration_id.to_string())
            .one(&self.db)
            .await?
        else {
            return Ok(());
        };
        let token = Token::new(self.secrets.open(
            &integration.token_ciphertext,
            &SealedAt::integration_token(&integration.id),
        )?);
        let groups = group::Entity::find()
            .filter(group::Column::IntegrationId.eq(integration_id))
            .filter(group::Column::Kind.eq(group::GroupKind::Organization))
            .all(&self.db)
            .await?;
        let imported: HashSet<String> = repository::Entity::find()
            .select_only()
            .column(repository::Column::GroupId)
            .filter(repository::Column::IntegrationId.eq(integration_id))
            .filter(repository::Column::Selected.eq(true))
            .into_tuple::<String>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let rows = webhook::Entity::find()
            .filter(webhook::Column::IntegrationId.eq(integration_id))
            .all(&self.db)
            .await?;
        for group in &groups {
            let row = rows.iter().find(|r| r.github_org_id == group.github_id);
            let wanted = if !integration.webhooks_enabled {
                Wanted {
                    state: HookState::Disabled,
                    reason: Some(
                        "The Webhooks service is switched off for this integration.".into(),
                    ),
                }
            } else if group.role != Some(group::GroupRole::Owner) {
                Wanted {
                    state: HookState::NotOwner,
                    reason: Some(not_owner_reason(&group.login)),
                }
            } else if !imported.contains(&group.id) {
                Wanted {
                    state: HookState::NoImportedRepo,
                    reason: Some(format!(
                        "No repository of {} is imported yet; the hook is added after the first import.",
                        group.login
                    )),
                }
            } else {
                Wanted {
                    state: HookState::Active,
                    reason: None,
                }
            };
            let trusted = !check_github
                && row.is_some_and(|r| {
                    r.state == HookState::Active
                        && r.hook_id.is_some()
                        && r.url == self.hook_url(integration_id)
                });
            if wanted.state == HookState::Active && trusted {
                continue;
            }
            if wanted.state == HookState::Active {
                self.ensure_hook(&token, integration_id, group, row).await?;
            } else {
                self.remove_hook(&token, integration_id, group, row, wanted)
                    .await?;
            }
        }
        // Organizations the account no longer belongs to.
        for row in rows
            .iter()
            .filter(|r| !groups.iter().any(|g| g.github_id == r.github_org_id))
        {
            if let Some(hook_id) = row.hook_id {
                let _ = self
                    .github
                    .delete_org_hook(&token, &row.organization, hook_id)
                    .await;
            }
            webhook::Entity::delete_by_id(row.id.clone())
                .exec(&self.db)
                .await?;
        }
        Ok(())
    }

    /// Reconciles the integration of a run that just ended (its repository may be the
    /// organization's first imported one). Never fails the job.
    pub async fn reconcile_after_run(&self, run_id: &str) {
        let integration_id = match import_run::Entity::find_by_id(run_id.to_string())
            .one(&self.db)
            .await
        {
            Ok(Some(run)) => run.integration_id,
            _ => return,
        };
        if let Err(error) = self.reconcile_checking(&integration_id, false).await {
            tracing::warn!(integration = %integration_id, %error, "webhooks could not be reconciled");
        }
    }

    /// Removes every hook of the integration from GitHub (before it is deleted).
    pub async fn remove_all(&self, integration_id: &str) -> anyhow::Result<()> {
        let lock = self.lock_for(integration_id);
        let _held = lock.lock().await;
        let Some(integration) = integration::Entity::find_by_id(integration_id.to_string())
            .one(&self.db)
            .await?
        else {
            return Ok(());
        };
        let token = Token::new(self.secrets.open(
            &integration.token_ciphertext,
            &SealedAt::integration_token(&integration.id),
        )?);
        let rows = webhook::Entity::find()
            .filter(webhook::Column::IntegrationId.eq(integration_id))
            .all(&self.db)
            .await?;
        for row in rows {
            if let Some(hook_id) = row.hook_id {
                match self
                    .github
                    .delete_org_hook(&token, &row.organization, hook_id)
                    .await
                {
                    Ok(()) | Err(GithubError::NotFound { .. }) => {}
                    Err(error) => tracing::warn!(
                        organization = %row.organization,
                        %error,
                        "the hook could not be removed from GitHub"
                    ),
                }
            }
            webhook::Entity::delete_by_id(row.id).exec(&self.db).await?;
        }
        Ok(())
    }

    async fn ensure_hook(
        &self,
        token: &Token,
        integration_id: &str,
        group: &group::Model,
        row: Option<&webhook::Model>,
    ) -> anyhow::Result<()> {
        let url = self.hook_url(integration_id);
        let org = group.login.as_str();
        // Ours, as recorded: still there and still right?
        if let Some((row, hook_id, sealed)) =
            row.and_then(|r| Some((r, r.hook_id?, r.secret_ciphertext.as_deref()?)))
        {
            let at = SealedAt::hook_secret(integration_id, row.github_org_id);
            let secret = self.secrets.open(sealed, &at)?;
            let checked = match self.github.org_hook(token, org, hook_id).await {
                Ok(hook) if is_as_wanted(&hook, &url) => Ok(hook.id),
                Ok(_) => self
                    .github
                    .update_org_hook(token, org, hook_id, spec(&url, &secret))
                    .await
                    .map(|h| h.id),
                Err(error) => Err(error),
            };
            match checked {
                Ok(id) => {
                    return self
                        .record(
                            integration_id,
                            group,
                            Some(row),
                            HookState::Active,
                            None,
                            Some((id, sealed.to_string())),
                        )
                        .await;
                }
                Err(GithubError::NotFound { .. }) => {} // deleted on GitHub: add it again
                Err(error) => {
                    return self
                        .record_error(integration_id, group, Some(row), &error)
                        .await;
                }
            }
        }
        // GitHub pings a new hook as soon as it exists, possibly before it has answered
        // here: the secret goes on record first, or that ping fails verification and
        // waits for the recovery job. No delivery is signed with a secret this replaces
        // (its hook is gone from GitHub, or the secret was never known).
        let secret = new_secret();
        let at = SealedAt::hook_secret(integration_id, group.github_id);
        let kept = self
            .keep_secret(integration_id, group, row, self.secrets.seal(&secret, &at))
            .await?;
        let row = Some(&kept);
        let made = match self.find_ours(token, org, &url).await {
            Ok(Some(existing)) => {
                self.github
                    .update_org_hook(token, org, existing.id, spec(&url, &secret))
                    .await
            }
            Ok(None) => match self
                .github
                .create_org_hook(token, org, spec(&url, &secret))
                .await
            {
                // GitHub refuses a second hook with the same URL: one appeared meanwhile.
                Err(GithubError::Unexpected { status: 422, .. }) => {
                    match self.find_ours(token, org, &url).await {
                        Ok(Some(existing)) => {
                            self.github
                                .update_org_hook(token, org, existing.id, spec(&url, &secret))
                                .await
                        }
                        Ok(None) => Err(GithubError::Unexpected {
                            status: 422,
                            what: format!("the hook of {org}"),
                            message: "GitHub refused the hook and lists none like it".into(),
                        }),
                        Err(error) => Err(error),
                    }
                }
                other => other,
            },
            Err(error) => Err(error),
        };
        match made {
            Ok(hook) => {
                tracing::info!(
                    organization = org,
                    hook = hook.id,
                    "organization hook in place"
                );
                self.record(
                    integration_id,
                    group,
                    row,
                    HookState::Active,
                    None,
                    Some((hook.id, self.secrets.seal(&secret, &at))),
                )
                .await
            }
            Err(error) => self.record_error(integration_id, group, row, &error).await,
        }
    }

    /// A hook of the organization delivering to our URL (made by us before, or by an
    /// earlier row since lost); the first one if several.
    async fn find_ours(
        &self,
        token: &Token,
        org: &str,
        url: &str,
    ) -> Result<Option<OrgHook>, GithubError> {
        let hooks = self.github.org_hooks(token, org).await?;
        let mut ours = hooks
            .into_iter()
            .filter(|h| h.config.url.as_deref() == Some(url));
        let first = ours.next();
        for extra in ours {
            let _ = self.github.delete_org_hook(token, org, extra.id).await;
        }
        Ok(first)
    }

    async fn remove_hook(
        &self,
        token: &Token,
        integration_id: &str,
        group: &group::Model,
        row: Option<&webhook::Model>,
        wanted: Wanted,
    ) -> anyhow::Result<()> {
        if let Some(hook_id) = row.and_then(|r| r.hook_id) {
            match self
                .github
                .delete_org_hook(token, &group.login, hook_id)
                .await
            {
                // Without ownership GitHub answers 404 (or 403) for the hook: it stays
                // until an owner deletes it, and is kept on record so that its
                // deliveries still verify and it is reused if ownership comes back.
                Err(GithubError::NotFound { .. } | GithubError::Forbidden { .. })
                    if wanted.state == HookState::NotOwner =>
                {
                    let reason = format!(
                        "{} Tributary's hook {hook_id} stays in {} until an owner deletes it (organization Settings → Webhooks): without ownership the account cannot remove it.",
                        wanted.reason.unwrap_or_default(),
                        group.login
                    );
                    let kept = row.and_then(|r| Some((r.hook_id?, r.secret_ciphertext.clone()?)));
                    return self
                        .record(
                            integration_id,
                            group,
                            row,
                            HookState::NotOwner,
                            Some(reason),
                            kept,
                        )
                        .await;
                }
                Ok(()) | Err(GithubError::NotFound { .. }) => {}
                Err(error) if error.is_transient() => {
                    // Kept, so the next reconciliation tries again.
                    return self.record_error(integration_id, group, row, &error).await;
                }
                Err(error) => {
                    tracing::warn!(organization = %group.login, %error, "the hook could not be removed from GitHub");
                }
            }
        }
        self.record(
            integration_id,
            group,
            row,
            wanted.state,
            wanted.reason,
            None,
        )
        .await
    }

    async fn record_error(
        &self,
        integration_id: &str,
        group: &group::Model,
        row: Option<&webhook::Model>,
        error: &GithubError,
    ) -> anyhow::Result<()> {
        tracing::warn!(organization = %group.login, %error, "organization hook failed");
        let kept = row.and_then(|r| Some((r.hook_id?, r.secret_ciphertext.clone()?)));
        self.record(
            integration_id,
            group,
            row,
            HookState::Error,
            Some(error.to_string()),
            kept,
        )
        .await
    }

    /// Puts a hook's new (sealed) secret on record before GitHub learns it; the row as it
    /// is now.
    async fn keep_secret(
        &self,
        integration_id: &str,
        group: &group::Model,
        row: Option<&webhook::Model>,
        sealed: String,
    ) -> anyhow::Result<webhook::Model> {
        Ok(match row {
            Some(row) => {
                let mut active: webhook::ActiveModel = row.clone().into();
                active.secret_ciphertext = Set(Some(sealed));
                active.updated_at = Set(Utc::now());
                active.update(&self.db).await?
            }
            None => {
                let url = self.hook_url(integration_id);
                new_row(
                    integration_id,
                    group,
                    url,
                    HookState::Active,
                    None,
                    None,
                    Some(sealed),
                )
                .insert(&self.db)
                .await?
            }
        })
    }

    /// Writes the organization's row; `hook` is the hook id and sealed secret, when one exists.
    async fn record(
        &self,
        integration_id: &str,
        group: &group::Model,
        row: Option<&webhook::Model>,
        state: HookState,
        reason: Option<String>,
        hook: Option<(i64, String)>,
    ) -> anyhow::Result<()> {
        let now = Utc::now();
        let url = self.hook_url(integration_id);
        let (hook_id, secret) = hook.unzip();
        match row {
            Some(row) => {
                let same_hook = row.hook_id.is_some() && row.hook_id == hook_id;
                let unchanged = same_hook
                    && row.state == state
                    && row.reason == reason
                    && row.url == url
                    && row.organization == group.login;
                if unchanged {
                    return Ok(());
                }
                let mut active: webhook::ActiveModel = row.clone().into();
                active.organization = Set(group.login.clone());
                active.hook_id = Set(hook_id);
                active.secret_ciphertext = Set(secret);
                active.url = Set(url);
                active.state = Set(state);
                active.reason = Set(reason);
                if !same_hook {
                    active.verified = Set(false);
                    // A new hook: the import that made it just synced, so the safety
                    // net starts counting now.
                    active.safety_synced_at = Set(Some(now));
                }
                active.updated_at = Set(now);
                active.update(&self.db).await?;
            }
            None => {
                new_row(integration_id, group, url, state, reason, hook_id, secret)
                    .insert(&self.db)
                    .await?;
            }
        }
        Ok(())
    }
}

/// A first row for an organization.
fn new_row(
    integration_id: &str,
    group: &group::Model,
    url: String,
    state: HookState,
    reason: Option<String>,
    hook_id: Option<i64>,
    secret: Option<String>,
) -> webhook::ActiveModel {
    let now = Utc::now();
    webhook::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        integration_id: Set(integration_id.to_string()),
        github_org_id: Set(group.github_id),
        organization: Set(group.login.clone()),
        hook_id: Set(hook_id),
        url: Set(url),
        secret_ciphertext: Set(secret),
        state: Set(state),
        reason: Set(reason),
        verified: Set(false),
        last_delivery_at: Set(None),
        recovered_at: Set(None),
        // A new hook: the import that made it just synced, so the safety net starts now.
        safety_synced_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

fn spec<'a>(url: &'a str, secret: &'a str) -> HookSpec<'a> {
    HookSpec {
        url,
        secret,
        events: EVENTS,
    }
}

/// Active, delivering JSON to our URL, for every event we use.
fn is_as_wanted(hook: &OrgHook, url: &str) -> bool {
    hook.active
        && hook.config.url.as_deref() == Some(url)
        && hook
            .config
            .content_type
            .as_deref()
            .is_none_or(|c| c == "json")
        && EVENTS.iter().all(|e| hook.events.iter().any(|h| h == e))
}
