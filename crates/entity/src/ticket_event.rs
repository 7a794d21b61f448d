use sea_orm::entity::prelude::*;

/// A timeline event of a ticket (closed, reopened, assigned, labeled, commented, ...).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub integration_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub node_id: String,
    pub repository_id: String,
    pub ticket_node_id: String,
    /// `CLOSED`, `REOPENED`, `ASSIGNED`, `UNASSIGNED`, `LABELED`, `UNLABELED`, `COMMENTED`.
    pub kind: String,
    pub actor_login: Option<String>,
    /// The label's name or the assignee's login, for the events that have one.
    pub subject: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
