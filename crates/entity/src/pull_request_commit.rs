use sea_orm::entity::prelude::*;

/// A commit of a pull request (its own list, which may hold commits never on the default branch).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pull_request_commits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub integration_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub pull_request_node_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub oid: String,
    pub repository_id: String,
    pub message_headline: String,
    pub authored_at: DateTimeUtc,
    pub committed_at: DateTimeUtc,
    pub author_name: Option<String>,
    pub author_email: Option<String>,
    pub author_login: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
