//! Contributors: one per GitHub login; a commit author GitHub links to no account is a
//! contributor by e-mail, until a commit with the same e-mail carries a login, from
//! then on that e-mail's commits (older ones included) belong to the login. The store
//! resolves each commit's contributor as it writes (`worker::store::store_commits`),
//! and moves older commits when a link arrives; other rows are their account's.

use sea_orm::{DatabaseConnection, DbErr};

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

pub use worker::figures::is_bot_login;

pub use worker::figures::GHOST;

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
        let links = worker::store::email_links(db, integration_id, &emails).await?;
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

/// A commit's contributor, from its stored resolution.
pub fn commit_contributor(contributor: String, is_login: bool) -> ContributorKey {
    if is_login {
        ContributorKey::Login(contributor)
    } else {
        ContributorKey::Email(contributor)
    }
}
