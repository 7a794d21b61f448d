use sea_orm::entity::prelude::*;

/// A comment on a pull request (conversation or review thread) or on a ticket.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "comments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub integration_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub node_id: String,
    pub repository_id: String,
    /// The node id of the pull request or ticket commented on.
    pub parent_node_id: String,
    /// `PULL_REQUEST` or `TICKET`.
    pub parent_kind: String,
    /// `CONVERSATION` or `REVIEW_THREAD`.
    pub kind: String,
    pub author_login: Option<String>,
    pub author_is_bot: bool,
    pub body: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
