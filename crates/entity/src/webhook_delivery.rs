use sea_orm::entity::prelude::*;

/// What applying a delivery did; stored as its name (`APPLIED`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::None)",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
pub enum DeliveryOutcome {
    Applied,
    IgnoredNotImported,
    IgnoredUnknownEvent,
    IgnoredServiceOff,
    /// Nothing in it for Tributary (a push to another branch, a tag, a label change of a PR's issue...).
    IgnoredIrrelevant,
    SyncQueued,
    Failed,
}

/// One webhook delivery as received (verified, raw body kept), and what applying it did.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub integration_id: String,
    /// `X-GitHub-Delivery`: unchanged when GitHub redelivers.
    #[sea_orm(primary_key, auto_increment = false)]
    pub delivery_id: String,
    /// `X-GitHub-Event`.
    pub event: String,
    pub action: Option<String>,
    /// `X-GitHub-Hook-ID`.
    pub hook_id: Option<i64>,
    /// `owner/name` of the payload's repository, when it has one.
    pub repository: Option<String>,
    pub body: String,
    /// SHA-256 of `body`, hex: unique per integration, so a signed body replayed under
    /// another delivery id is a duplicate. None for deliveries stored before it.
    pub body_sha256: Option<String>,
    pub received_at: DateTimeUtc,
    pub applied_at: Option<DateTimeUtc>,
    /// What applying it did; none until it is applied.
    pub outcome: Option<DeliveryOutcome>,
    pub reason: Option<String>,
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
