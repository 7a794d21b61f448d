//! Each integration's comment robustness thresholds (characters of a comment's trimmed
//! text where regular and robust comments start), which decide thoroughly reviewed pull
//! requests. Integrations from before get the defaults, 20 and 200.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Integrations {
    Table,
    CommentRegularFrom,
    CommentRobustFrom,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::columns::add(
            manager,
            Integrations::Table,
            [
                integer(Integrations::CommentRegularFrom).default(20),
                integer(Integrations::CommentRobustFrom).default(200),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::columns::drop(
            manager,
            Integrations::Table,
            [
                Integrations::CommentRegularFrom,
                Integrations::CommentRobustFrom,
            ],
        )
        .await
    }
}
