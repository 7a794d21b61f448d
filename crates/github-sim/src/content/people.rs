//! Who writes code and comments: the dataset's people (linked by e-mail to their
//! accounts), people GitHub cannot link, and GitHub Apps' bots.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::model::{Actor, GitActor};
use crate::dataset::Dataset;

pub(crate) struct People {
    /// (login, name) of every person who is not a service account.
    pub humans: Vec<(String, String)>,
}

const UNLINKED: &[(&str, &str)] = &[
    ("Build Robot", "ci@build.example.com"),
    ("Former Contractor", "dev@contractor.example.net"),
];

/// GitHub Apps' bots: the login GraphQL gives their `Bot` and the id of the account
/// their commits' no-reply e-mail names.
pub(crate) const BOTS: &[(&str, i64)] =
    &[("dependabot", 49_699_333), ("github-actions", 41_898_282)];

/// What a bot's commits carry: `dependabot[bot]`, an e-mail GitHub links to no user
/// (commits have no account type, so no login either).
pub(crate) fn bot_git_actor(bot: usize) -> GitActor {
    let (login, id) = BOTS[bot % BOTS.len()];
    GitActor {
        name: Some(format!("{login}[bot]")),
        email: Some(format!("{id}+{login}[bot]@users.noreply.github.com")),
        login: None,
    }
}

/// A bot acting on GitHub: an account GitHub types `Bot`.
pub(crate) fn bot_actor(bot: usize) -> Actor {
    Actor {
        login: BOTS[bot % BOTS.len()].0.to_string(),
        is_bot: true,
    }
}

impl People {
    pub fn new(dataset: &Dataset) -> People {
        let humans = dataset
            .users
            .iter()
            .filter(|u| !u.service_account)
            .map(|u| {
                (
                    u.login.clone(),
                    u.name.clone().unwrap_or_else(|| u.login.clone()),
                )
            })
            .collect();
        People { humans }
    }

    pub fn human(&self, rng: &mut ChaCha8Rng) -> &(String, String) {
        &self.humans[rng.gen_range(0..self.humans.len())]
    }

    /// A person other than `not` (the pull request's author, say), when there is one.
    pub fn other_than(&self, rng: &mut ChaCha8Rng, not: Option<&Actor>) -> Actor {
        self.none_of(rng, &[not])
    }

    /// A person who is none of `not`, when there is one.
    pub fn none_of(&self, rng: &mut ChaCha8Rng, not: &[Option<&Actor>]) -> Actor {
        let start = rng.gen_range(0..self.humans.len());
        let login = (0..self.humans.len())
            .map(|k| &self.humans[(start + k) % self.humans.len()].0)
            .find(|l| !not.iter().flatten().any(|a| &a.login == *l))
            .unwrap_or(&self.humans[start].0);
        Actor {
            login: login.clone(),
            is_bot: false,
        }
    }

    pub fn linked(&self, login: &str, name: &str) -> GitActor {
        GitActor {
            name: Some(name.to_string()),
            email: Some(format!("{}@example.com", login.replace('-', "."))),
            login: Some(login.to_string()),
        }
    }

    /// The git identity of an account: its linked e-mail for a person, the bot's
    /// identity for a bot, an unlinked stranger for a deleted account.
    pub fn git_actor_of(&self, rng: &mut ChaCha8Rng, actor: Option<&Actor>) -> GitActor {
        match actor {
            Some(a) if a.is_bot => {
                bot_git_actor(BOTS.iter().position(|(l, _)| *l == a.login).unwrap_or(0))
            }
            Some(a) => {
                let name = self
                    .humans
                    .iter()
                    .find(|(l, _)| *l == a.login)
                    .map_or(a.login.as_str(), |(_, n)| n.as_str());
                self.linked(&a.login, name)
            }
            None => self.unlinked(rng),
        }
    }

    fn unlinked(&self, rng: &mut ChaCha8Rng) -> GitActor {
        let (name, email) = UNLINKED[rng.gen_range(0..UNLINKED.len())];
        GitActor {
            name: Some(name.to_string()),
            email: Some(email.to_string()),
            login: None,
        }
    }

    /// Mostly people GitHub links to accounts, some it cannot, some bots.
    pub fn git_actor(&self, rng: &mut ChaCha8Rng) -> GitActor {
        let roll = rng.gen_range(0..100);
        if roll < 75 {
            let (login, name) = self.human(rng);
            self.linked(login, name)
        } else if roll < 90 {
            self.unlinked(rng)
        } else {
            bot_git_actor(rng.gen_range(0..BOTS.len()))
        }
    }

    /// An account acting on GitHub: mostly people, a few bots, a few deleted accounts.
    pub fn actor(&self, rng: &mut ChaCha8Rng) -> Option<Actor> {
        let roll = rng.gen_range(0..100);
        if roll < 88 {
            self.person(rng)
        } else if roll < 96 {
            Some(bot_actor(rng.gen_range(0..BOTS.len())))
        } else {
            None
        }
    }

    pub fn person(&self, rng: &mut ChaCha8Rng) -> Option<Actor> {
        Some(Actor {
            login: self.human(rng).0.clone(),
            is_bot: false,
        })
    }
}
