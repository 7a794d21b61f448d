use sea_orm::entity::prelude::*;

/// A reaction to a pull request: stored so the data is complete, and always flagged
/// `excluded_from_metrics` so that no metric counts it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reactions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub integration_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub node_id: String,
    pub repository_id: String,
    pub subject_node_id: String,
    /// GitHub's `ReactionContent` (`THUMBS_UP`, `HOORAY`, ...).
    pub content: String,
    pub user_login: Option<String>,
    pub created_at: DateTimeUtc,
    pub excluded_from_metrics: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
