//! Adding and dropping columns of one table, one statement per column: SQLite's ALTER
//! TABLE takes one at a time.

use sea_orm_migration::prelude::*;

pub(crate) async fn add<C: IntoColumnDef>(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    columns: impl IntoIterator<Item = C>,
) -> Result<(), DbErr> {
    let table = table.into_iden();
    for column in columns {
        manager
            .alter_table(
                Table::alter()
                    .table(table.clone())
                    .add_column(column)
                    .to_owned(),
            )
            .await?;
    }
    Ok(())
}

pub(crate) async fn drop(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    columns: impl IntoIterator<Item = impl IntoIden>,
) -> Result<(), DbErr> {
    let table = table.into_iden();
    for column in columns {
        manager
            .alter_table(
                Table::alter()
                    .table(table.clone())
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
    }
    Ok(())
}
