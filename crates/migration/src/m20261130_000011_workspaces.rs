//! Every integration belongs to a workspace (the product's tenant); OAuth states and
//! grants remember the workspace and the subject that started them, so only they spend
//! the grant. Rows from before go to the default workspace
//! ([`crate::default_workspace()`]: `TRIBUTARY_DEFAULT_WORKSPACE`, else `default`), and
//! OAuth rows from before to the server key (no subject).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Integrations {
    Table,
    Workspace,
}

#[derive(DeriveIden)]
enum OauthStates {
    Table,
    Workspace,
    Subject,
}

#[derive(DeriveIden)]
enum OauthGrants {
    Table,
    Workspace,
    Subject,
}

const INTEGRATIONS_BY_WORKSPACE: &str = "integrations_by_workspace";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let default = crate::default_workspace::default_workspace();
        // SQLite adds a NOT NULL column only with a default; the application always
        // names the workspace, so the default only places the rows from before.
        manager
            .alter_table(
                Table::alter()
                    .table(Integrations::Table)
                    .add_column(string(Integrations::Workspace).default(default.clone()))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INTEGRATIONS_BY_WORKSPACE)
                    .table(Integrations::Table)
                    .col(Integrations::Workspace)
                    .to_owned(),
            )
            .await?;
        for table in [
            OauthStates::Table.into_iden(),
            OauthGrants::Table.into_iden(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table.clone())
                        .add_column(string(OauthStates::Workspace).default(default.clone()))
                        .to_owned(),
                )
                .await?;
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(string_null(OauthStates::Subject))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INTEGRATIONS_BY_WORKSPACE)
                    .table(Integrations::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Integrations::Table)
                    .drop_column(Integrations::Workspace)
                    .to_owned(),
            )
            .await?;
        for table in [
            OauthStates::Table.into_iden(),
            OauthGrants::Table.into_iden(),
        ] {
            crate::columns::drop(
                manager,
                table,
                [
                    OauthGrants::Workspace.into_iden(),
                    OauthGrants::Subject.into_iden(),
                ],
            )
            .await?;
        }
        Ok(())
    }
}
