use sea_orm::entity::prelude::*;

/// A ticket: a GitHub issue that is not a pull request.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub integration_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub node_id: String,
    pub repository_id: String,
    pub number: i64,
    pub title: String,
    /// `OPEN` or `CLOSED`.
    pub state: String,
    /// `COMPLETED`, `NOT_PLANNED`, `REOPENED`, `DUPLICATE`.
    pub state_reason: Option<String>,
    pub author_login: Option<String>,
    pub author_is_bot: bool,
    pub labels: Json,
    pub assignees: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
    pub imported_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
