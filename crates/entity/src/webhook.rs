use sea_orm::entity::prelude::*;

/// Whether Tributary keeps a hook on an organization, or why not; stored as its name
/// (`ACTIVE`, `NOT_OWNER`, `NO_IMPORTED_REPO`, `DISABLED`, `ERROR`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
pub enum HookState {
    Active,
    NotOwner,
    NoImportedRepo,
    Disabled,
    Error,
}

/// Tributary's organization hook for one organization of an integration: whether it
/// exists (ACTIVE) or why not (NOT_OWNER, NO_IMPORTED_REPO, DISABLED, ERROR).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub integration_id: String,
    /// GitHub's numeric id of the organization; unique per integration.
    pub github_org_id: i64,
    pub organization: String,
    /// GitHub's id of the hook, while one exists.
    pub hook_id: Option<i64>,
    /// Where GitHub delivers: `TRIBUTARY_PUBLIC_URL/webhooks/github/{integration id}`.
    pub url: String,
    /// The hook's signing secret, sealed like tokens.
    pub secret_ciphertext: Option<String>,
    pub state: HookState,
    pub reason: Option<String>,
    /// GitHub's `ping` for this hook arrived.
    pub verified: bool,
    pub last_delivery_at: Option<DateTimeUtc>,
    /// When the recovery job last looked at this hook's deliveries.
    pub recovered_at: Option<DateTimeUtc>,
    /// When the safety-net sync last queued this organization's repositories.
    pub safety_synced_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
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
}

impl Related<super::integration::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Integration.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
