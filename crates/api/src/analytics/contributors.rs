//! Contributors are derived at query time, so every stored row (an import's or a
//! webhook's) counts at once and a link GitHub makes later applies to older commits
//! too: one contributor per GitHub login; a commit author GitHub links to no account
//! is a contributor by e-mail, until a commit with the same e-mail carries a login,
//! from then on that e-mail's commits (older ones included) belong to the login.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};

use super::sql::Sql;

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

pub fn is_bot_login(login: &str) -> bool {
    login.ends_with("[bot]")
}

/// GitHub shows a deleted account as `ghost`.
pub const GHOST: &str = "ghost";

/// The `contributors` filter, resolved: logins (those asked, and those linked to the
/// e-mails asked) and the e-mails of commits to include.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub logins: Vec<String>,
    pub emails: Vec<String>,
}

/// Lists bound in one statement stay far below SQLite's parameter limit.
const CHUNK: usize = 500;

impl Selection {
    pub async fn resolve(
        db: &DatabaseConnection,
        integration_id: &str,
        names: &[String],
    ) -> Result<Selection, DbErr> {
        let (mut emails, mut logins): (Vec<String>, Vec<String>) =
            names.iter().cloned().partition(|n| n.contains('@'));
        logins.extend(links(db, integration_id, &emails).await?.into_values());
        logins.sort();
        logins.dedup();
        for chunk in logins.chunks(CHUNK) {
            let mut sql = Sql::new(db.get_database_backend());
            sql.push("SELECT DISTINCT author_email FROM commits WHERE integration_id = ")
                .bind(integration_id.to_string())
                .push(" AND author_email IS NOT NULL AND author_login IN ")
                .bind_list(chunk);
            for row in db.query_all_raw(sql.statement()).await? {
                emails.push(row.try_get::<String>("", "author_email")?);
            }
        }
        emails.sort();
        emails.dedup();
        Ok(Selection { logins, emails })
    }
}

/// The login GitHub linked to each of `emails` on some commit, for those it linked
/// (the first in order if it linked several). One index probe per e-mail
/// (`commits_integration_email_login`), never all of its commits.
pub async fn links(
    db: &impl ConnectionTrait,
    integration_id: &str,
    emails: &[String],
) -> Result<HashMap<String, String>, DbErr> {
    let mut found = HashMap::new();
    for chunk in emails.chunks(CHUNK / 2) {
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
            .push(" AND author_login IS NOT NULL ORDER BY author_login LIMIT 1) AS login");
        }
        for row in db.query_all_raw(sql.statement()).await? {
            let position: i64 = row.try_get("", "position")?;
            if let Some(login) = row.try_get::<Option<String>>("", "login")? {
                found.insert(chunk[position as usize].clone(), login);
            }
        }
    }
    Ok(found)
}

/// Resolves commit authors (login, e-mail) to contributors, looking up the links of
/// the e-mails without a login in one pass.
pub struct CommitAuthors {
    links: HashMap<String, String>,
}

impl CommitAuthors {
    pub async fn load<'a>(
        db: &impl ConnectionTrait,
        integration_id: &str,
        authors: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)>,
    ) -> Result<CommitAuthors, DbErr> {
        let mut unlinked: Vec<String> = authors
            .filter(|(login, _)| login.is_none())
            .filter_map(|(_, email)| email.map(str::to_string))
            .collect();
        unlinked.sort();
        unlinked.dedup();
        Ok(CommitAuthors {
            links: links(db, integration_id, &unlinked).await?,
        })
    }

    pub fn key(
        &self,
        login: Option<&str>,
        email: Option<&str>,
        name: Option<&str>,
    ) -> ContributorKey {
        match (login, email) {
            (Some(login), _) => ContributorKey::Login(login.to_string()),
            (None, Some(email)) => match self.links.get(email) {
                Some(login) => ContributorKey::Login(login.clone()),
                None => ContributorKey::Email(email.to_string()),
            },
            // git requires an e-mail; an empty one is still an identity of its own.
            (None, None) => ContributorKey::Email(name.unwrap_or_default().to_string()),
        }
    }
}
