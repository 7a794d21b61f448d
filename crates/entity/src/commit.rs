use sea_orm::entity::prelude::*;

/// A commit on a repository's default branch.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "commits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub repository_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub oid: String,
    pub integration_id: String,
    pub node_id: String,
    pub message_headline: String,
    pub authored_at: DateTimeUtc,
    pub committed_at: DateTimeUtc,
    pub author_name: Option<String>,
    pub author_email: Option<String>,
    /// Set when GitHub links the author's e-mail to an account.
    pub author_login: Option<String>,
    pub committer_name: Option<String>,
    pub committer_email: Option<String>,
    pub committer_login: Option<String>,
    pub additions: i64,
    pub deletions: i64,
    /// Null when GitHub does not count them (very large commits).
    pub changed_files: Option<i64>,
    pub parent_count: i32,
    pub imported_at: DateTimeUtc,
    /// Who the commit counts for: `author_login`; for an author GitHub links to no
    /// account, the login GitHub linked the same e-mail to on another commit, else the
    /// e-mail (the store keeps it current as links arrive).
    pub contributor: String,
    /// `contributor` is a login (not an e-mail).
    pub contributor_is_login: bool,
    /// A `[bot]` login, name or e-mail (GitHub Apps write one).
    pub author_is_bot: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
