use sea_orm::entity::prelude::*;

/// What a comment is on; stored as `PULL_REQUEST` or `TICKET`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
pub enum CommentParent {
    PullRequest,
    Ticket,
}

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
    pub parent_kind: CommentParent,
    /// `CONVERSATION` or `REVIEW_THREAD`.
    pub kind: String,
    pub author_login: Option<String>,
    pub author_is_bot: bool,
    pub body: String,
    pub created_at: DateTimeUtc,
    /// When GitHub last changed it (an edit), as the import or webhook that wrote it
    /// said: a write older than this one is not applied. `None` for rows stored before
    /// it was read (migration 18).
    pub updated_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
