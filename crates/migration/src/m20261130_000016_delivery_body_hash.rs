//! Webhook deliveries de-duplicated on their body too. GitHub's signature covers only
//! the body, so a signed body seen once could be replayed under new delivery ids; its
//! SHA-256 is unique per integration. Deliveries stored before have none (a unique
//! index takes any number of nulls). Old applied deliveries are purged by their
//! receipt time (`worker::deliveries::recovery`), which an index serves.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    IntegrationId,
    BodySha256,
    ReceivedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(WebhookDeliveries::Table)
                    .add_column(string_null(WebhookDeliveries::BodySha256))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("webhook_deliveries_integration_body")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::IntegrationId)
                    .col(WebhookDeliveries::BodySha256)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("webhook_deliveries_received")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::ReceivedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for index in [
            "webhook_deliveries_integration_body",
            "webhook_deliveries_received",
        ] {
            manager
                .drop_index(
                    Index::drop()
                        .name(index)
                        .table(WebhookDeliveries::Table)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(WebhookDeliveries::Table)
                    .drop_column(WebhookDeliveries::BodySha256)
                    .to_owned(),
            )
            .await
    }
}
