use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A pull request's figures, computed from its timeline when it or one of its actions
/// is stored (the worker's `figures` module); two rows per pull request, with and
/// without bots' actions.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "pull_request_figures")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub integration_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub pull_request_node_id: String,
    /// Computed without the actions of bots (`excludeBots`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub without_bots: bool,
    pub repository_id: String,
    /// The version of the definitions that computed this row.
    pub definition: i32,
    pub time_to_first_comment_hours: Option<f64>,
    pub reaction_count: i64,
    /// The sum of every reviewer response, in hours.
    pub reaction_hours: f64,
    pub responsiveness_count: i64,
    /// The sum of every author response, in hours.
    pub responsiveness_hours: f64,
    pub thoroughly_reviewed: bool,
    pub comments: i64,
    pub reviews: i64,
    pub reviewer_count: i64,
    pub iterations: i64,
    pub time_to_merge_hours: Option<f64>,
    pub size: i64,
    /// Each response and the reviewers, for the pull request's own page.
    pub timeline: Lists,
}

/// The lists a single pull request shows (the `timeline` column): each reviewer
/// response and each author response, in hours, and the reviewers' logins.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Lists {
    pub reaction_times: Vec<f64>,
    pub responsiveness: Vec<f64>,
    pub reviewers: Vec<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
