//! Webhooks: one row per (integration, organization) saying whether Tributary keeps
//! an organization hook there and why (or why not), and every delivery received,
//! keyed by GitHub's delivery GUID so a redelivery is recognized. A delivery keeps its
//! raw body: the queued job carries only the GUID, so nothing is lost when the queue
//! (Redis) restarts.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Integrations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    IntegrationId,
    GithubOrgId,
    Organization,
    HookId,
    Url,
    SecretCiphertext,
    State,
    Reason,
    Verified,
    LastDeliveryAt,
    RecoveredAt,
    SafetySyncedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    IntegrationId,
    DeliveryId,
    Event,
    Action,
    HookId,
    Repository,
    Body,
    ReceivedAt,
    AppliedAt,
    Outcome,
    Reason,
}

fn cascade_to_integration<T: IntoIden + 'static, C: IntoIden + 'static>(
    table: T,
    column: C,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Integrations::Table, Integrations::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Webhooks::Table)
                    .if_not_exists()
                    .col(string(Webhooks::Id).primary_key())
                    .col(string(Webhooks::IntegrationId))
                    .col(big_integer(Webhooks::GithubOrgId))
                    .col(string(Webhooks::Organization))
                    .col(big_integer_null(Webhooks::HookId))
                    .col(text(Webhooks::Url))
                    .col(text_null(Webhooks::SecretCiphertext))
                    .col(string(Webhooks::State))
                    .col(text_null(Webhooks::Reason))
                    .col(boolean(Webhooks::Verified).default(false))
                    .col(timestamp_with_time_zone_null(Webhooks::LastDeliveryAt))
                    .col(timestamp_with_time_zone_null(Webhooks::RecoveredAt))
                    .col(timestamp_with_time_zone_null(Webhooks::SafetySyncedAt))
                    .col(timestamp_with_time_zone(Webhooks::CreatedAt))
                    .col(timestamp_with_time_zone(Webhooks::UpdatedAt))
                    .foreign_key(&mut cascade_to_integration(
                        Webhooks::Table,
                        Webhooks::IntegrationId,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("webhooks_integration_org")
                    .table(Webhooks::Table)
                    .col(Webhooks::IntegrationId)
                    .col(Webhooks::GithubOrgId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .if_not_exists()
                    .col(string(WebhookDeliveries::IntegrationId))
                    .col(string(WebhookDeliveries::DeliveryId))
                    .col(string(WebhookDeliveries::Event))
                    .col(string_null(WebhookDeliveries::Action))
                    .col(big_integer_null(WebhookDeliveries::HookId))
                    .col(string_null(WebhookDeliveries::Repository))
                    .col(text(WebhookDeliveries::Body))
                    .col(timestamp_with_time_zone(WebhookDeliveries::ReceivedAt))
                    .col(timestamp_with_time_zone_null(WebhookDeliveries::AppliedAt))
                    .col(string_null(WebhookDeliveries::Outcome))
                    .col(text_null(WebhookDeliveries::Reason))
                    .primary_key(
                        Index::create()
                            .col(WebhookDeliveries::IntegrationId)
                            .col(WebhookDeliveries::DeliveryId),
                    )
                    .foreign_key(&mut cascade_to_integration(
                        WebhookDeliveries::Table,
                        WebhookDeliveries::IntegrationId,
                    ))
                    .to_owned(),
            )
            .await?;
        // The recovery job looks for deliveries stored but never applied.
        manager
            .create_index(
                Index::create()
                    .name("webhook_deliveries_unapplied")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::AppliedAt)
                    .col(WebhookDeliveries::ReceivedAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WebhookDeliveries::Table.into_iden(),
            Webhooks::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
