use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::run_details::{Checkpoint, Counts, SkippedListings};

/// Where a run stands; stored as its name (`QUEUED`, …).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunState {
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

impl RunState {
    /// A run in this state will not move again by itself (only a retry requeues it).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            RunState::Succeeded | RunState::Failed | RunState::Cancelled
        )
    }
}

/// What a run fetches; stored as its name (`FULL`, `INCREMENTAL`).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunKind {
    /// Everything GitHub has.
    Full,
    /// What changed since the repository's marks.
    Incremental,
}

/// One import of one repository: what it fetched so far, where to resume, and how it ended.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "import_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub integration_id: String,
    pub repository_id: String,
    pub kind: RunKind,
    pub state: RunState,
    /// How many times a worker started it (a retry, or a resume after a worker died).
    pub attempt: i32,
    /// Per resource, the count fetched and GitHub's total.
    #[sea_orm(column_type = "JsonBinary")]
    pub counts: Counts,
    /// Resources the run did not fetch, with the reason.
    #[sea_orm(column_type = "JsonBinary")]
    pub skipped: SkippedListings,
    /// Per resource, the cursor after the last stored page.
    #[sea_orm(column_type = "JsonBinary")]
    pub checkpoint: Checkpoint,
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
