//! The recovery schedule (apalis-cron): GitHub does not retry a failed delivery, so
//! every interval each hook's recent deliveries are listed and the ones that never
//! reached us (by GUID) are redelivered; deliveries stored but never applied (their
//! job lost with the queue) are queued again; and on a longer interval an incremental
//! sync runs as a safety net. Rows are claimed with a conditional update, so any
//! number of workers may run the schedule and each hook is handled by one of them.

use std::{
    collections::{HashMap, HashSet},
    future::Future,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use apalis::prelude::*;
use apalis_cron::{CronScheduler, Schedule, Tick, timezone::Utc as CronUtc};
use chrono::{DateTime, Utc};
use entity::{group, integration, repository, webhook, webhook_delivery};
use github::Token;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect, sea_query::Expr};

use entity::webhook::HookState;

use super::Deliveries;

/// A tick every `interval` from now (apalis-cron's own schedules are cron
/// expressions, which cannot say "every 7 minutes" from any start).
#[derive(Clone, Debug)]
struct Every(Duration);

impl Schedule<CronUtc> for Every {
    fn next_tick(&mut self, _: &CronUtc) -> Option<Tick<CronUtc>> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        Some(Tick::new(now + self.0.as_secs().max(1)))
    }
}

/// How far back the first look at a hook's deliveries goes.
const FIRST_LOOK_BACK: chrono::Duration = chrono::Duration::hours(24);

/// Runs the schedule until `shutdown` completes.
pub async fn run_schedule(
    name: String,
    deliveries: Deliveries,
    shutdown: impl Future<Output = std::io::Result<()>> + Send + 'static,
) -> anyhow::Result<()> {
    let every = Every(deliveries.settings.recovery_interval);
    WorkerBuilder::new(name)
        .backend(CronScheduler::new(every))
        // One pass at a time; a tick during a long pass is simply the next pass.
        .concurrency(1)
        .data(deliveries)
        .build(recover_tick)
        .run_until(shutdown)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

async fn recover_tick(
    _tick: Tick<CronUtc>,
    deliveries: Data<Deliveries>,
) -> Result<(), BoxDynError> {
    deliveries.recover().await.map_err(|e| {
        tracing::warn!(error = %e, "webhook recovery failed; the next tick tries again");
        e.into()
    })
}

fn chrono_duration(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}

impl Deliveries {
    /// Deletes the applied deliveries received longer ago than the retention. One not
    /// applied yet stays, whatever its age: it is still to do.
    async fn purge_applied(&self) -> anyhow::Result<()> {
        let cutoff = Utc::now() - chrono_duration(self.settings.delivery_retention);
        let purged = webhook_delivery::Entity::delete_many()
            .filter(webhook_delivery::Column::ReceivedAt.lt(cutoff))
            .filter(webhook_delivery::Column::AppliedAt.is_not_null())
            .exec(&self.db)
            .await?;
        if purged.rows_affected > 0 {
            tracing::info!(
                deliveries = purged.rows_affected,
                "purged applied deliveries past their retention"
            );
        }
        Ok(())
    }

    /// One pass of the recovery job.
    pub async fn recover(&self) -> anyhow::Result<()> {
        self.requeue_unapplied().await?;
        self.purge_applied().await?;
        let hooks = webhook::Entity::find()
            .filter(webhook::Column::State.eq(HookState::Active))
            .filter(webhook::Column::HookId.is_not_null())
            .all(&self.db)
            .await?;
        for hook in hooks {
            if let Err(error) = self.recover_hook(&hook).await {
                tracing::warn!(organization = %hook.organization, %error, "could not recover the hook's deliveries");
            }
            if let Err(error) = self.safety_sync(&hook).await {
                tracing::warn!(organization = %hook.organization, %error, "could not queue the safety-net sync");
            }
        }
        Ok(())
    }

    /// Deliveries stored but still unapplied well after they arrived lost their job
    /// (the queue was flushed, or Redis restarted without persistence).
    async fn requeue_unapplied(&self) -> anyhow::Result<()> {
        let grace = chrono_duration(self.settings.recovery_interval.max(Duration::from_secs(60)));
        let stuck: Vec<(String, String)> = webhook_delivery::Entity::find()
            .select_only()
            .column(webhook_delivery::Column::IntegrationId)
            .column(webhook_delivery::Column::DeliveryId)
            .filter(webhook_delivery::Column::AppliedAt.is_null())
            .filter(webhook_delivery::Column::ReceivedAt.lt(Utc::now() - grace))
            .limit(10_000)
            .into_tuple()
            .all(&self.db)
            .await?;
        for (integration_id, delivery_id) in stuck {
            self.queue
                .enqueue_delivery(&integration_id, &delivery_id)
                .await?;
        }
        Ok(())
    }

    /// Claims `column` of the hook's row for this pass: true when it was unset or older
    /// than `interval` (and is now set to now), false when another worker has it.
    async fn claim(
        &self,
        hook: &webhook::Model,
        column: webhook::Column,
        interval: Duration,
    ) -> anyhow::Result<bool> {
        let now = Utc::now();
        // A little slack, so ticks that drift by a second still claim.
        let due_before = now - chrono_duration(interval) + chrono::Duration::seconds(1);
        let claimed = webhook::Entity::update_many()
            .col_expr(column, Expr::value(Some(now)))
            .filter(webhook::Column::Id.eq(hook.id.as_str()))
            .filter(
                Condition::any()
                    .add(column.is_null())
                    .add(column.lt(due_before)),
            )
            .exec(&self.db)
            .await?;
        Ok(claimed.rows_affected == 1)
    }

    async fn token_of(&self, integration_id: &str) -> anyhow::Result<Option<Token>> {
        let Some(integration) = integration::Entity::find_by_id(integration_id.to_string())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(Token::new(self.secrets.open(
            &integration.token_ciphertext,
            &entity::sealed::SealedAt::integration_token(&integration.id),
        )?)))
    }

    async fn recover_hook(&self, hook: &webhook::Model) -> anyhow::Result<()> {
        let Some(hook_id) = hook.hook_id else {
            return Ok(());
        };
        let interval = self.settings.recovery_interval;
        if !self
            .claim(hook, webhook::Column::RecoveredAt, interval)
            .await?
        {
            return Ok(());
        }
        let Some(token) = self.token_of(&hook.integration_id).await? else {
            return Ok(());
        };
        // Back to a little before the previous pass, so nothing falls between two.
        let since: DateTime<Utc> = hook
            .recovered_at
            .map(|at| at - chrono_duration(interval) * 2)
            .unwrap_or_else(|| Utc::now() - FIRST_LOOK_BACK);
        let attempts = self
            .github
            .hook_deliveries(&token, &hook.organization, hook_id, since)
            .await?;
        // Newest first: the first attempt seen of a GUID is its latest.
        let mut latest: HashMap<&str, &github::webhook::org_hooks::HookDelivery> = HashMap::new();
        let mut succeeded: HashSet<&str> = HashSet::new();
        for attempt in &attempts {
            latest.entry(attempt.guid.as_str()).or_insert(attempt);
            if attempt.succeeded() {
                succeeded.insert(attempt.guid.as_str());
            }
        }
        let failed: Vec<&str> = latest
            .keys()
            .copied()
            .filter(|guid| !succeeded.contains(guid))
            .collect();
        if failed.is_empty() {
            return Ok(());
        }
        let received: HashSet<String> = webhook_delivery::Entity::find()
            .select_only()
            .column(webhook_delivery::Column::DeliveryId)
            .filter(webhook_delivery::Column::IntegrationId.eq(hook.integration_id.as_str()))
            .filter(
                webhook_delivery::Column::DeliveryId.is_in(failed.iter().map(|g| g.to_string())),
            )
            .into_tuple::<String>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let mut redelivered = 0;
        for guid in failed.into_iter().filter(|g| !received.contains(*g)) {
            let attempt = latest[guid];
            match self
                .github
                .redeliver(&token, &hook.organization, hook_id, attempt.id)
                .await
            {
                Ok(()) => redelivered += 1,
                Err(error) => {
                    tracing::warn!(organization = %hook.organization, delivery = guid, %error, "redelivery refused");
                }
            }
        }
        if redelivered > 0 {
            tracing::info!(organization = %hook.organization, redelivered, "asked GitHub to redeliver missed deliveries");
        }
        Ok(())
    }

    /// Queues an incremental sync of the organization's imported repositories when the
    /// safety-net interval has passed.
    async fn safety_sync(&self, hook: &webhook::Model) -> anyhow::Result<()> {
        let interval = self.settings.safety_sync_interval;
        if interval.is_zero()
            || !self
                .claim(hook, webhook::Column::SafetySyncedAt, interval)
                .await?
        {
            return Ok(());
        }
        let Some(group) = group::Entity::find()
            .filter(group::Column::IntegrationId.eq(hook.integration_id.as_str()))
            .filter(group::Column::GithubId.eq(hook.github_org_id))
            .one(&self.db)
            .await?
        else {
            return Ok(());
        };
        let repositories: Vec<String> = repository::Entity::find()
            .select_only()
            .column(repository::Column::Id)
            .filter(repository::Column::GroupId.eq(group.id))
            .filter(repository::Column::Selected.eq(true))
            .into_tuple()
            .all(&self.db)
            .await?;
        for repository_id in repositories {
            self.queue
                .queue_sync(&self.db, &hook.integration_id, &repository_id, None)
                .await?;
        }
        Ok(())
    }
}
