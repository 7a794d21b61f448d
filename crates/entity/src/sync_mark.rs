use sea_orm::entity::prelude::*;

use crate::run_details::Listing;

/// The high-water mark of one resource of one repository: the newest date the last
/// successful run saw on the field the next incremental run filters or sorts by.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sync_marks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub repository_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub resource: Listing,
    pub integration_id: String,
    pub mark: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
