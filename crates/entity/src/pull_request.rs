use sea_orm::entity::prelude::*;

/// A pull request; labels, assignees and requested reviewers are JSON arrays of names.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pull_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub integration_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub node_id: String,
    pub repository_id: String,
    pub number: i64,
    pub title: String,
    pub body: String,
    /// `OPEN`, `CLOSED` or `MERGED`.
    pub state: String,
    pub is_draft: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub merged_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub author_login: Option<String>,
    pub author_is_bot: bool,
    /// Who merged it (GitHub's `mergedBy`), when it is merged and GitHub says.
    pub merged_by_login: Option<String>,
    pub merged_by_is_bot: bool,
    pub base_ref: String,
    pub head_ref: String,
    pub additions: i64,
    pub deletions: i64,
    pub changed_files: i64,
    pub merge_commit_oid: Option<String>,
    pub labels: Json,
    pub assignees: Json,
    /// Logins, and `org/team-slug` for teams.
    pub requested_reviewers: Json,
    pub imported_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
