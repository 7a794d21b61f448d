//! Contributors: one per GitHub login; a commit author GitHub links to no account is a
//! contributor by e-mail, until a commit with the same e-mail carries a login, from
//! then on that e-mail's commits (older ones included) belong to the login. The store
//! resolves each commit's contributor as it writes (`worker::store::store_commits`, through [`email_links`] and [`link_unlinked_commits`] here),
//! and moves older commits when a link arrives; other rows are their account's.

use std::collections::HashMap;

use entity::sql::Sql;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult};

use crate::bots::is_bot_login;

/// Who did something: a GitHub login, or a commit e-mail linked to none.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContributorKey {
    Login(String),
    Email(String),
}

impl ContributorKey {
    /// The login, or the e-mail: what the `contributors` filter accepts.
    pub fn id(&self) -> &str {
        match self {
            ContributorKey::Login(v) | ContributorKey::Email(v) => v,
        }
    }

    /// The account or identity GitHub Apps write with `[bot]`.
    pub fn is_bot(&self) -> bool {
        match self {
            ContributorKey::Login(login) => is_bot_login(login),
            ContributorKey::Email(email) => email.contains("[bot]@"),
        }
    }
}

/// The `contributors` filter, resolved: the logins asked, with those GitHub linked the
/// e-mails asked to, and the e-mails asked that it linked to none. Commits match on
/// their resolved contributor; other rows on their account's login.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub logins: Vec<String>,
    pub emails: Vec<String>,
}

impl Selection {
    pub async fn resolve(
        db: &DatabaseConnection,
        integration_id: &str,
        names: &[String],
    ) -> Result<Selection, DbErr> {
        let (emails, mut logins): (Vec<String>, Vec<String>) =
            names.iter().cloned().partition(|n| n.contains('@'));
        let links = email_links(db, integration_id, &emails).await?;
        let mut unlinked = Vec::new();
        for email in emails {
            match links.get(&email) {
                Some(login) => logins.push(login.clone()),
                None => unlinked.push(email),
            }
        }
        logins.sort();
        logins.dedup();
        unlinked.sort();
        unlinked.dedup();
        Ok(Selection {
            logins,
            emails: unlinked,
        })
    }

    /// Every contributor value a commit of the selection has.
    pub fn contributors(&self) -> Vec<String> {
        self.logins.iter().chain(&self.emails).cloned().collect()
    }
}

/// A contributor as a row carries it: a commit's stored resolution (the store fills
/// these two columns of `commits`), or an account's login with `contributor_is_login`
/// true (the Work log's other sources).
#[derive(Clone, Debug, FromQueryResult)]
pub struct StoredContributor {
    /// The login, or the e-mail of a commit author GitHub linked to no account.
    pub contributor: String,
    pub contributor_is_login: bool,
}

impl From<StoredContributor> for ContributorKey {
    fn from(stored: StoredContributor) -> Self {
        if stored.contributor_is_login {
            ContributorKey::Login(stored.contributor)
        } else {
            ContributorKey::Email(stored.contributor)
        }
    }
}

/// One row of a batched lookup: a `SELECT CAST(i AS BIGINT) AS position, (…) AS found`
/// per key asked, joined by `UNION ALL`, each subquery one index probe.
#[derive(Clone, Debug, FromQueryResult)]
pub struct LookupAnswer {
    /// The key's index in the batch.
    pub position: i64,
    /// What the probe found for it, if anything.
    pub found: Option<String>,
}

/// Lists bound in one statement stay far below SQLite's parameter limit.
const LINKS_PER_STATEMENT: usize = 250;

/// The login GitHub linked each of `emails` to on some commit, for those it linked
/// (the first in order if it linked several). One index probe per e-mail
/// (`commits_integration_email_login`), never all of its commits.
pub async fn email_links(
    db: &impl ConnectionTrait,
    integration_id: &str,
    emails: &[String],
) -> Result<HashMap<String, String>, DbErr> {
    let mut found = HashMap::new();
    for chunk in emails.chunks(LINKS_PER_STATEMENT) {
        let mut sql = Sql::new(db.get_database_backend());
        for (i, email) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(" UNION ALL ");
            }
            sql.push(&format!(
                "SELECT CAST({i} AS BIGINT) AS position, (SELECT author_login FROM commits WHERE integration_id = "
            ))
            .bind(integration_id.to_string())
            .push(" AND author_email = ")
            .bind(email.clone())
            .push(" AND author_login IS NOT NULL ORDER BY author_login LIMIT 1) AS found");
        }
        for answer in LookupAnswer::find_by_statement(sql.statement())
            .all(db)
            .await?
        {
            if let Some(login) = answer.found {
                found.insert(chunk[answer.position as usize].clone(), login);
            }
        }
    }
    Ok(found)
}

/// Points the unlinked commits of each e-mail at its login, where they do not already.
pub async fn link_unlinked_commits(
    db: &impl ConnectionTrait,
    integration_id: &str,
    links: &HashMap<String, String>,
) -> Result<(), DbErr> {
    let links: Vec<(&String, &String)> = links.iter().collect();
    for chunk in links.chunks(LINKS_PER_STATEMENT) {
        let mut sql = Sql::new(db.get_database_backend());
        sql.push("UPDATE commits SET contributor = l.login, contributor_is_login = ")
            .bind(true)
            .push(" FROM (");
        for (i, (email, login)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(" UNION ALL ");
            }
            sql.push("SELECT ")
                .bind((*email).clone())
                .push(" AS email, ")
                .bind((*login).clone())
                .push(" AS login");
        }
        sql.push(") l WHERE commits.integration_id = ")
            .bind(integration_id.to_string())
            .push(
                " AND commits.author_email = l.email AND commits.author_login IS NULL \
                 AND (commits.contributor <> l.login OR commits.contributor_is_login = ",
            )
            .bind(false)
            .push(")");
        db.execute_raw(sql.statement()).await?;
    }
    Ok(())
}

/// The name on each contributor's latest commit, by the contributor's index in
/// `contributors` (integration id, contributor); those with no commit are absent. One
/// statement per 200, a subquery per contributor that reads one index entry
/// (`commits_integration_contributor_authored`), never all of a contributor's commits.
pub async fn latest_names(
    db: &impl ConnectionTrait,
    contributors: &[(&str, &ContributorKey)],
) -> Result<HashMap<usize, String>, DbErr> {
    let mut names = HashMap::new();
    for (chunk_number, chunk) in contributors.chunks(200).enumerate() {
        let mut sql = Sql::new(db.get_database_backend());
        for (i, (integration_id, key)) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(" UNION ALL ");
            }
            sql.push(&format!("SELECT CAST({i} AS BIGINT) AS position, (SELECT author_name FROM commits WHERE integration_id = "))
                .bind(integration_id.to_string())
                .push(" AND contributor = ")
                .bind(key.id().to_string())
                .push(" AND contributor_is_login = ")
                .bind(matches!(key, ContributorKey::Login(_)))
                .push(" ORDER BY authored_at DESC LIMIT 1) AS found");
        }
        for answer in LookupAnswer::find_by_statement(sql.statement())
            .all(db)
            .await?
        {
            if let Some(name) = answer.found {
                names.insert(chunk_number * 200 + answer.position as usize, name);
            }
        }
    }
    Ok(names)
}

/// Of `logins` (one integration's), those GitHub types `Bot` on any pull request,
/// review, comment or ticket stored (`author_is_bot`): accounts like `dependabot` whose
/// login carries no `[bot]`.
pub async fn typed_bots(
    db: &impl ConnectionTrait,
    integration_id: &str,
    logins: &[String],
) -> Result<std::collections::HashSet<String>, DbErr> {
    let mut bots = std::collections::HashSet::new();
    if logins.is_empty() {
        return Ok(bots);
    }
    // One statement; each part reads a partial index of the bots' rows only (migration
    // 15), whose condition it repeats literally.
    let mut sql = Sql::new(db.get_database_backend());
    for (i, table) in ["pull_requests", "reviews", "comments", "tickets"]
        .iter()
        .enumerate()
    {
        if i > 0 {
            sql.push(" UNION ");
        }
        sql.push(&format!(
            "SELECT author_login AS login FROM {table} WHERE integration_id = "
        ))
        .bind(integration_id.to_string())
        .push(" AND author_is_bot = TRUE AND author_login IN ")
        .bind_list(logins);
    }
    for row in db.query_all_raw(sql.statement()).await? {
        bots.insert(row.try_get::<String>("", "login")?);
    }
    Ok(bots)
}
