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
        for (column, default) in [
            (Integrations::CommentRegularFrom, 20),
            (Integrations::CommentRobustFrom, 200),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Integrations::Table)
                        .add_column(integer(column).default(default))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Integrations::CommentRegularFrom,
            Integrations::CommentRobustFrom,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Integrations::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
