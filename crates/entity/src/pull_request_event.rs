use sea_orm::entity::prelude::*;

/// What a pull request timeline event records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
pub enum PullRequestEventKind {
    Closed,
    Reopened,
    Merged,
    ReadyForReview,
    ConvertToDraft,
    ReviewRequested,
    ReviewRequestRemoved,
}

/// A timeline event of a pull request: who did what, when. Keyed by its kind and
/// second on the pull request (`event_key`), so an import's event and a webhook's
/// (which has no event id) are one row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pull_request_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub integration_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub pull_request_node_id: String,
    /// `KIND@unix-seconds`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_key: String,
    pub repository_id: String,
    pub kind: PullRequestEventKind,
    pub actor_login: Option<String>,
    pub actor_is_bot: bool,
    /// The requested reviewer's login, or `org/team` (review requests).
    pub subject: Option<String>,
    pub created_at: DateTimeUtc,
}

impl Model {
    /// The key of a `kind` event at `at` on one pull request.
    pub fn key_of(kind: PullRequestEventKind, at: DateTimeUtc) -> String {
        use sea_orm::ActiveEnum;
        format!("{}@{}", kind.to_value(), at.timestamp())
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
