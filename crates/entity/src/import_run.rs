use sea_orm::entity::prelude::*;

/// One import of one repository: what it fetched so far, where to resume, and how it ended.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub integration_id: String,
    pub repository_id: String,
    /// `FULL` or `INCREMENTAL`.
    pub kind: String,
    /// `QUEUED`, `RUNNING`, `SUCCEEDED`, `FAILED` or `CANCELLED`.
    pub state: String,
    /// How many times a worker started it (a retry, or a resume after a worker died).
    pub attempt: i32,
    /// Per resource, the count fetched and GitHub's total (JSON).
    pub counts: String,
    /// Resources the run did not fetch, with the reason (JSON).
    pub skipped: String,
    /// Per resource, the cursor after the last stored page (JSON).
    pub checkpoint: String,
    /// GitHub requests made and rate-limit points spent.
    pub requests: i64,
    pub points: i64,
    /// Why it failed, in words.
    pub error: Option<String>,
    pub queued_at: DateTimeUtc,
    pub started_at: Option<DateTimeUtc>,
    pub finished_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::repository::Entity",
        from = "Column::RepositoryId",
        to = "super::repository::Column::Id",
        on_delete = "Cascade"
    )]
    Repository,
}

impl Related<super::repository::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Repository.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
