use sea_orm::entity::prelude::*;

/// `commit_day` per repository, read by commit metrics a repository filter narrows;
/// kept by the same triggers (migration 14).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "repository_commit_days")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub integration_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub repository_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub contributor: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub contributor_is_login: bool,
    #[sea_orm(primary_key, auto_increment = false)]
    pub utc_day: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub author_is_bot: bool,
    /// As in `commit_day`.
    pub first_coding_quarter: Option<i32>,
    pub last_coding_quarter: Option<i32>,
    pub commits: i64,
    pub merge_commits: i64,
    pub additions: i64,
    pub deletions: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
