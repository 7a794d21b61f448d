use sea_orm::entity::prelude::*;

/// One contributor's commits on one UTC day, over every repository: a roll-up of
/// `commits` kept by database triggers (migration 14), which commit metrics read instead
/// of every commit when no repository filter narrows them. Nothing writes it but those
/// triggers; `repository_commit_day` is the same per repository.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "commit_days")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub integration_id: String,
    /// As `commit::Model::contributor`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub contributor: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub contributor_is_login: bool,
    /// Days since 1970-01-01, in UTC.
    #[sea_orm(primary_key, auto_increment = false)]
    pub utc_day: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub author_is_bot: bool,
    /// The first quarter-hour of the day (0–95, from 00:00 UTC) with a commit that is
    /// not a merge; null when every commit of the day is a merge.
    pub first_coding_quarter: Option<i32>,
    /// The last such quarter-hour.
    pub last_coding_quarter: Option<i32>,
    pub commits: i64,
    pub merge_commits: i64,
    pub additions: i64,
    pub deletions: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
