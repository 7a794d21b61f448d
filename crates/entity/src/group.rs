use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// What owns a group's repositories; stored as `ORGANIZATION` or `USER`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
pub enum GroupKind {
    Organization,
    /// The connected account itself.
    User,
}

/// The account's role in an organization; stored as `OWNER` or `MEMBER` (in a
/// connection test's JSON, as the variant: `Owner`).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
pub enum GroupRole {
    Owner,
    Member,
}

/// Whether the token can reach a group's data; stored as its name (`OK`,
/// `SSO_REQUIRED`, `OAUTH_RESTRICTED`, `APPROVAL_REQUESTED`, `NOT_VISIBLE`; in a
/// connection test's JSON, as the variant: `SsoRequired`).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
pub enum GroupAccess {
    Ok,
    SsoRequired,
    /// Spelled out: the case rule would store `O_AUTH_RESTRICTED`.
    #[sea_orm(string_value = "OAUTH_RESTRICTED")]
    OAuthRestricted,
    ApprovalRequested,
    NotVisible,
}

/// An owner of repositories the integration can see: an organization, or the account itself.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "groups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub integration_id: String,
    /// GitHub's numeric id of the organization or user; unique per integration.
    pub github_id: i64,
    pub login: String,
    pub kind: GroupKind,
    /// Null when GitHub would not say.
    pub role: Option<GroupRole>,
    pub access: GroupAccess,
    /// What is wrong and what to do, in words.
    pub problem: Option<String>,
    pub sso_url: Option<String>,
    pub hidden_private_repos: Option<i64>,
    pub refreshed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::integration::Entity",
        from = "Column::IntegrationId",
        to = "super::integration::Column::Id",
        on_delete = "Cascade"
    )]
    Integration,
    #[sea_orm(has_many = "super::repository::Entity")]
    Repository,
}

impl Related<super::integration::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Integration.def()
    }
}

impl Related<super::repository::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Repository.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
