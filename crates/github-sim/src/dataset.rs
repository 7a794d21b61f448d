//! The simulated world: users, organizations, repositories and tokens.
//!
//! Logins, org structure and token scenarios are fixed so tests can name them;
//! everything GitHub would pick for us (ids, repo names, token strings, dates)
//! comes from the seed, so one seed always yields byte-identical data.

use std::collections::HashSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::ids;

#[derive(Serialize, Clone, Debug)]
pub struct Dataset {
    pub seed: u64,
    pub users: Vec<User>,
    pub orgs: Vec<Org>,
    pub repos: Vec<Repo>,
    pub tokens: Vec<Token>,
}

#[derive(Serialize, Clone, Debug)]
pub struct User {
    pub login: String,
    pub id: i64,
    pub node_id: String,
    pub name: Option<String>,
    pub service_account: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize, Clone, Debug)]
pub struct Org {
    pub login: String,
    pub id: i64,
    pub node_id: String,
    pub name: String,
    pub description: String,
    pub sso_enforced: bool,
    pub created_at: DateTime<Utc>,
    pub members: Vec<OrgMember>,
}

#[derive(Serialize, Clone, Debug)]
pub struct OrgMember {
    pub login: String,
    pub role: OrgRole,
}

#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OrgRole {
    /// An organization owner.
    Admin,
    Member,
}

impl OrgRole {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgRole::Admin => "admin",
            OrgRole::Member => "member",
        }
    }
}

#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnerType {
    User,
    Organization,
}

#[derive(Serialize, Clone, Debug)]
pub struct Repo {
    pub id: i64,
    pub node_id: String,
    pub owner: String,
    pub owner_type: OwnerType,
    pub name: String,
    pub private: bool,
    pub archived: bool,
    pub fork: bool,
    pub default_branch: String,
    pub created_at: DateTime<Utc>,
    pub pushed_at: DateTime<Utc>,
    /// Users granted access directly (collaborators or via teams); org owners
    /// and the owning user need no grant.
    pub collaborators: Vec<String>,
    /// Every dataset user who can see the repository (everyone for public ones).
    pub visible_to: Vec<String>,
}

impl Repo {
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }
}

#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    Classic,
    FineGrained,
    /// `gho_…`: an OAuth app's user token, issued by the code exchange.
    OAuth,
    /// A well-formed token GitHub no longer recognizes.
    Revoked,
}

#[derive(Serialize, Clone, Debug)]
pub struct Token {
    pub name: String,
    pub token: String,
    pub login: String,
    pub kind: TokenKind,
    /// As GitHub stores them (normalized). `None` = no `X-OAuth-Scopes` header.
    pub scopes: Option<Vec<String>>,
    /// SAML-enforced orgs this token has been authorized for.
    pub sso_authorized_orgs: Vec<String>,
    pub secondary_rate_limited: bool,
    pub description: String,
}

const ALL_SCOPES: &[&str] = &[
    "repo",
    "admin:org",
    "admin:repo_hook",
    "admin:org_hook",
    "user",
];

const FIRST_NAMES: &[&str] = &[
    "alice", "bruno", "chiara", "dmitri", "elena", "farid", "grace", "hiro", "ines", "jonas",
    "kavya", "lukas", "mei", "nadia", "oscar", "priya", "quentin", "rosa", "sven", "tamar",
];
const LAST_NAMES: &[&str] = &[
    "okafor",
    "lindqvist",
    "moreau",
    "tanaka",
    "silva",
    "novak",
    "haddad",
    "kowalski",
    "brennan",
    "castillo",
    "iyer",
    "schmidt",
    "park",
    "rossi",
    "yilmaz",
    "andersen",
];
const REPO_PREFIXES: &[&str] = &[
    "billing",
    "ledger",
    "checkout",
    "search",
    "identity",
    "payments",
    "notify",
    "catalog",
    "inventory",
    "metrics",
    "gateway",
    "onboarding",
    "reports",
    "scheduler",
    "pricing",
    "orders",
    "profile",
    "shipping",
    "audit",
    "storefront",
];
const REPO_SUFFIXES: &[&str] = &[
    "service", "api", "web", "worker", "cli", "sdk", "infra", "docs", "ui", "engine", "pipeline",
    "proxy",
];

/// How one fixed repository slot looks; names and ids still come from the seed.
struct RepoSpec {
    private: bool,
    archived: bool,
    fork: bool,
    master: bool,
    /// Service accounts (by login) or human indexes granted access.
    grants: &'static [Grant],
}

#[derive(Clone, Copy)]
enum Grant {
    Svc(&'static str),
    Human(usize),
}

const fn spec(
    private: bool,
    archived: bool,
    fork: bool,
    master: bool,
    grants: &'static [Grant],
) -> RepoSpec {
    RepoSpec {
        private,
        archived,
        fork,
        master,
        grants,
    }
}

use Grant::{Human, Svc};

const ACME_REPOS: &[RepoSpec] = &[
    spec(false, false, false, false, &[]),
    spec(
        true,
        false,
        false,
        false,
        &[Svc("member-svc"), Svc("scopes-svc"), Human(1)],
    ),
    spec(true, false, true, false, &[Human(2)]),
    spec(
        true,
        false,
        false,
        true,
        &[Svc("member-svc"), Svc("sso-svc")],
    ),
    spec(false, true, false, false, &[]),
    spec(true, false, false, false, &[Human(1), Human(2)]),
    spec(false, false, true, true, &[]),
    spec(true, true, false, false, &[]),
];
const GLOBEX_REPOS: &[RepoSpec] = &[
    spec(false, false, false, true, &[]),
    spec(
        true,
        false,
        false,
        false,
        &[Svc("tributary-svc"), Svc("member-svc"), Human(4)],
    ),
    spec(true, false, false, false, &[Human(3)]),
    spec(true, true, false, false, &[Human(4)]),
    spec(false, true, false, false, &[]),
    spec(true, false, true, false, &[Svc("member-svc")]),
];
const INITECH_REPOS: &[RepoSpec] = &[
    spec(false, false, false, false, &[]),
    spec(
        true,
        false,
        false,
        false,
        &[Svc("sso-svc"), Svc("member-svc")],
    ),
    spec(true, false, true, true, &[Human(5)]),
    spec(false, true, false, false, &[]),
];

struct Builder {
    rng: ChaCha8Rng,
    used_ids: HashSet<i64>,
    epoch: DateTime<Utc>,
}

impl Builder {
    fn id(&mut self, lo: i64, hi: i64) -> i64 {
        loop {
            let id = self.rng.gen_range(lo..hi);
            if self.used_ids.insert(id) {
                return id;
            }
        }
    }

    fn days_ago(&mut self, lo: i64, hi: i64) -> DateTime<Utc> {
        let secs = self.rng.gen_range(lo * 86_400..hi * 86_400);
        self.epoch - Duration::seconds(secs)
    }
}

impl Dataset {
    pub fn generate(seed: u64) -> Dataset {
        let mut b = Builder {
            rng: ChaCha8Rng::seed_from_u64(seed),
            used_ids: HashSet::new(),
            // A fixed "now" keeps dates independent of when the sim starts.
            epoch: Utc
                .with_ymd_and_hms(2026, 7, 1, 0, 0, 0)
                .single()
                .unwrap_or_default(),
        };

        let service = [
            ("tributary-svc", "Tributary Service"),
            ("member-svc", "Member Service"),
            ("scopes-svc", "Scopes Service"),
            ("finegrained-svc", "Fine-grained Service"),
            ("sso-svc", "SSO Service"),
            ("revoked-svc", "Revoked Service"),
            ("noscopes-svc", "No-scopes Service"),
            ("ratelimited-svc", "Rate-limited Service"),
        ];
        let mut users = Vec::new();
        for (login, name) in service {
            users.push(new_user(
                &mut b,
                login.to_string(),
                Some(name.to_string()),
                true,
            ));
        }
        let mut humans = Vec::new();
        let mut taken: HashSet<String> = users.iter().map(|u| u.login.clone()).collect();
        while humans.len() < 6 {
            let first = FIRST_NAMES[b.rng.gen_range(0..FIRST_NAMES.len())];
            let last = LAST_NAMES[b.rng.gen_range(0..LAST_NAMES.len())];
            let login = format!("{first}-{last}");
            if !taken.insert(login.clone()) {
                continue;
            }
            let name = format!("{} {}", capitalize(first), capitalize(last));
            humans.push(login.clone());
            users.push(new_user(&mut b, login, Some(name), false));
        }

        let m = |login: &str, role| OrgMember {
            login: login.to_string(),
            role,
        };
        let orgs = vec![
            new_org(
                &mut b,
                "acme-corp",
                "Acme Corporation",
                "Rockets, anvils and everything in between.",
                false,
                vec![
                    m("tributary-svc", OrgRole::Admin),
                    m(&humans[0], OrgRole::Admin),
                    m("member-svc", OrgRole::Member),
                    m("scopes-svc", OrgRole::Member),
                    m("sso-svc", OrgRole::Member),
                    m(&humans[1], OrgRole::Member),
                    m(&humans[2], OrgRole::Member),
                ],
            ),
            new_org(
                &mut b,
                "globex",
                "Globex Corporation",
                "Global exports.",
                false,
                vec![
                    m(&humans[3], OrgRole::Admin),
                    m(&humans[4], OrgRole::Admin),
                    m("tributary-svc", OrgRole::Member),
                    m("member-svc", OrgRole::Member),
                    m(&humans[0], OrgRole::Member),
                ],
            ),
            new_org(
                &mut b,
                "initech",
                "Initech",
                "TPS reports, on time.",
                true,
                vec![
                    m("tributary-svc", OrgRole::Admin),
                    m("member-svc", OrgRole::Member),
                    m("sso-svc", OrgRole::Member),
                    m(&humans[5], OrgRole::Member),
                ],
            ),
        ];

        let mut repos = Vec::new();
        for (org, specs) in [
            ("acme-corp", ACME_REPOS),
            ("globex", GLOBEX_REPOS),
            ("initech", INITECH_REPOS),
        ] {
            let mut names = HashSet::new();
            for s in specs {
                let grants = s
                    .grants
                    .iter()
                    .map(|g| match g {
                        Svc(l) => l.to_string(),
                        Human(i) => humans[*i].clone(),
                    })
                    .collect();
                let name = repo_name(&mut b, &mut names);
                repos.push(new_repo(
                    &mut b,
                    org,
                    OwnerType::Organization,
                    name,
                    s,
                    grants,
                ));
            }
        }
        let personal: [(&str, RepoSpec); 3] = [
            ("tributary-svc", spec(false, false, false, false, &[])),
            ("tributary-svc", spec(true, false, false, false, &[])),
            ("member-svc", spec(false, false, false, false, &[])),
        ];
        let mut personal_names: Vec<(String, HashSet<String>)> = Vec::new();
        for (owner, s) in personal {
            let idx = match personal_names.iter().position(|(o, _)| o == owner) {
                Some(i) => i,
                None => {
                    personal_names.push((owner.to_string(), HashSet::new()));
                    personal_names.len() - 1
                }
            };
            let name = repo_name(&mut b, &mut personal_names[idx].1);
            repos.push(new_repo(
                &mut b,
                owner,
                OwnerType::User,
                name,
                &s,
                Vec::new(),
            ));
        }

        let mut dataset = Dataset {
            seed,
            users,
            orgs,
            repos,
            tokens: Vec::new(),
        };
        dataset.refresh_visibility(|_| true);
        dataset.tokens = scenario_tokens(&mut b);
        dataset
    }

    /// The scenario dataset, grown to `orgs` organizations (extra ones each get two
    /// public repositories and `tributary-svc` as owner) and `repos` repositories in
    /// the demo organization (extra ones are public). Fewer than the scenario's own
    /// counts changes nothing.
    pub fn generate_sized(seed: u64, orgs: Option<usize>, repos: Option<usize>) -> Dataset {
        let mut dataset = Dataset::generate(seed);
        let mut b = Builder {
            rng: ChaCha8Rng::seed_from_u64(ids::splitmix64(seed ^ 0x005e_ed0f_5123)),
            used_ids: dataset
                .users
                .iter()
                .map(|u| u.id)
                .chain(dataset.orgs.iter().map(|o| o.id))
                .chain(dataset.repos.iter().map(|r| r.id))
                .collect(),
            epoch: dataset
                .repos
                .iter()
                .map(|r| r.pushed_at)
                .max()
                .unwrap_or_default(),
        };
        let public = spec(false, false, false, false, &[]);
        let first_human = dataset
            .users
            .iter()
            .find(|u| !u.service_account)
            .map(|u| u.login.clone())
            .unwrap_or_default();
        let mut added = Vec::new();
        let demo_count = dataset.repos_owned_by("acme-corp").count();
        let mut names: HashSet<String> = dataset
            .repos_owned_by("acme-corp")
            .map(|r| r.name.clone())
            .collect();
        for _ in demo_count..repos.unwrap_or(0) {
            let name = repo_name_numbered(&mut b, &mut names);
            added.push(new_repo(
                &mut b,
                "acme-corp",
                OwnerType::Organization,
                name,
                &public,
                Vec::new(),
            ));
        }
        for n in dataset.orgs.len()..orgs.unwrap_or(0) {
            let login = format!("extra-org-{}", n + 1);
            let org = new_org(
                &mut b,
                &login,
                &format!("Extra Organization {}", n + 1),
                "Generated to grow the dataset.",
                false,
                vec![
                    OrgMember {
                        login: "tributary-svc".into(),
                        role: OrgRole::Admin,
                    },
                    OrgMember {
                        login: first_human.clone(),
                        role: OrgRole::Member,
                    },
                ],
            );
            let mut names = HashSet::new();
            for _ in 0..2 {
                let name = repo_name(&mut b, &mut names);
                added.push(new_repo(
                    &mut b,
                    &login,
                    OwnerType::Organization,
                    name,
                    &public,
                    Vec::new(),
                ));
            }
            dataset.orgs.push(org);
        }
        let added_ids: HashSet<i64> = added.iter().map(|r| r.id).collect();
        dataset.repos.extend(added);
        dataset.refresh_visibility(|r| added_ids.contains(&r.id));
        dataset
    }

    pub fn user(&self, login: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.login.eq_ignore_ascii_case(login))
    }

    pub fn org(&self, login: &str) -> Option<&Org> {
        self.orgs
            .iter()
            .find(|o| o.login.eq_ignore_ascii_case(login))
    }

    pub fn org_by_id(&self, id: i64) -> Option<&Org> {
        self.orgs.iter().find(|o| o.id == id)
    }

    pub fn token(&self, token: &str) -> Option<&Token> {
        self.tokens.iter().find(|t| t.token == token)
    }

    pub fn role(&self, org: &Org, login: &str) -> Option<OrgRole> {
        org.members
            .iter()
            .find(|m| m.login == login)
            .map(|m| m.role)
    }

    /// Organizations `login` belongs to, in dataset order.
    pub fn orgs_of<'a>(&'a self, login: &'a str) -> impl Iterator<Item = (&'a Org, OrgRole)> + 'a {
        self.orgs
            .iter()
            .filter_map(move |o| self.role(o, login).map(|r| (o, r)))
    }

    pub fn repos_owned_by<'a>(&'a self, owner: &str) -> impl Iterator<Item = &'a Repo> + 'a {
        let owner = owner.to_string();
        self.repos
            .iter()
            .filter(move |r| r.owner.eq_ignore_ascii_case(&owner))
    }

    pub fn repo(&self, owner: &str, name: &str) -> Option<&Repo> {
        self.repos
            .iter()
            .find(|r| r.owner.eq_ignore_ascii_case(owner) && r.name.eq_ignore_ascii_case(name))
    }

    /// Recomputes `visible_to` of the repositories `which` selects, after their
    /// owners' members or roles changed.
    pub fn refresh_visibility(&mut self, which: impl Fn(&Repo) -> bool) {
        for i in 0..self.repos.len() {
            if which(&self.repos[i]) {
                let visible = self
                    .users
                    .iter()
                    .filter(|u| self.can_see(&u.login, &self.repos[i]))
                    .map(|u| u.login.clone())
                    .collect();
                self.repos[i].visible_to = visible;
            }
        }
    }

    /// Whether the user (not the token) may see the repository.
    pub fn can_see(&self, login: &str, repo: &Repo) -> bool {
        if !repo.private || repo.collaborators.iter().any(|c| c == login) {
            return true;
        }
        match repo.owner_type {
            OwnerType::User => repo.owner == login,
            OwnerType::Organization => self
                .org(&repo.owner)
                .and_then(|o| self.role(o, login))
                .is_some_and(|r| r == OrgRole::Admin),
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn new_user(b: &mut Builder, login: String, name: Option<String>, service_account: bool) -> User {
    let id = b.id(1_000_000, 190_000_000);
    User {
        node_id: ids::node_id("U", id),
        login,
        id,
        name,
        service_account,
        created_at: b.days_ago(900, 4000),
    }
}

fn new_org(
    b: &mut Builder,
    login: &str,
    name: &str,
    description: &str,
    sso_enforced: bool,
    members: Vec<OrgMember>,
) -> Org {
    let id = b.id(1_000_000, 190_000_000);
    Org {
        login: login.to_string(),
        id,
        node_id: ids::node_id("O", id),
        name: name.to_string(),
        description: description.to_string(),
        sso_enforced,
        created_at: b.days_ago(900, 4000),
        members,
    }
}

fn repo_name(b: &mut Builder, taken: &mut HashSet<String>) -> String {
    loop {
        let p = REPO_PREFIXES[b.rng.gen_range(0..REPO_PREFIXES.len())];
        let s = REPO_SUFFIXES[b.rng.gen_range(0..REPO_SUFFIXES.len())];
        let name = format!("{p}-{s}");
        if taken.insert(name.clone()) {
            return name;
        }
    }
}

/// Past the 240 prefix-suffix names, a number keeps names unique.
fn repo_name_numbered(b: &mut Builder, taken: &mut HashSet<String>) -> String {
    if taken.len() < 200 {
        return repo_name(b, taken);
    }
    let name = format!("service-{}", taken.len() + 1);
    taken.insert(name.clone());
    name
}

fn new_repo(
    b: &mut Builder,
    owner: &str,
    owner_type: OwnerType,
    name: String,
    s: &RepoSpec,
    collaborators: Vec<String>,
) -> Repo {
    let id = b.id(100_000_000, 1_000_000_000);
    let created_at = b.days_ago(400, 2500);
    let pushed_at = if s.archived {
        b.days_ago(200, 400)
    } else {
        b.days_ago(0, 120)
    };
    Repo {
        id,
        node_id: ids::node_id("R", id),
        owner: owner.to_string(),
        owner_type,
        name,
        private: s.private,
        archived: s.archived,
        fork: s.fork,
        default_branch: if s.master { "master" } else { "main" }.to_string(),
        created_at,
        pushed_at,
        collaborators,
        visible_to: Vec::new(),
    }
}

fn scenario_tokens(b: &mut Builder) -> Vec<Token> {
    let scopes = |s: &[&str]| Some(s.iter().map(|x| x.to_string()).collect::<Vec<_>>());
    let mut t =
        |name: &str, login: &str, kind, scopes, sso: &[&str], limited, description: &str| {
            let token = match kind {
                TokenKind::FineGrained => ids::fine_grained_token(&mut b.rng),
                _ => ids::classic_token(&mut b.rng),
            };
            Token {
                name: name.to_string(),
                token,
                login: login.to_string(),
                kind,
                scopes,
                sso_authorized_orgs: sso.iter().map(|s| s.to_string()).collect(),
                secondary_rate_limited: limited,
                description: description.to_string(),
            }
        };
    vec![
        t(
            "owner",
            "tributary-svc",
            TokenKind::Classic,
            scopes(ALL_SCOPES),
            &["initech"],
            false,
            "Classic PAT with every scope Tributary asks for; owner of acme-corp and initech (SSO-authorized), member of globex.",
        ),
        t(
            "member",
            "member-svc",
            TokenKind::Classic,
            scopes(ALL_SCOPES),
            &["initech"],
            false,
            "Classic PAT with every scope; plain member of acme-corp, globex and initech (SSO-authorized); sees only some private repos.",
        ),
        t(
            "missing-scopes",
            "scopes-svc",
            TokenKind::Classic,
            scopes(&["repo", "read:org"]),
            &[],
            false,
            "Classic PAT with only `repo, read:org`: lacks admin:org, hook and user scopes. Member of acme-corp.",
        ),
        t(
            "fine-grained",
            "finegrained-svc",
            TokenKind::FineGrained,
            None,
            &[],
            false,
            "Fine-grained PAT: no X-OAuth-Scopes header, empty org lists, org resources answer 403 'Resource not accessible by personal access token'.",
        ),
        t(
            "sso-unauthorized",
            "sso-svc",
            TokenKind::Classic,
            scopes(ALL_SCOPES),
            &[],
            false,
            "Classic PAT with every scope, member of acme-corp and of initech, but NOT authorized for initech's SAML SSO.",
        ),
        t(
            "revoked",
            "revoked-svc",
            TokenKind::Revoked,
            None,
            &[],
            false,
            "A classic PAT GitHub no longer knows: every request answers 401 Bad credentials.",
        ),
        t(
            "no-scopes",
            "noscopes-svc",
            TokenKind::Classic,
            Some(Vec::new()),
            &[],
            false,
            "Classic PAT with no scopes: X-OAuth-Scopes is present but empty; public data only.",
        ),
        t(
            "secondary-rate-limit",
            "ratelimited-svc",
            TokenKind::Classic,
            scopes(ALL_SCOPES),
            &[],
            true,
            "Classic PAT that always hits GitHub's secondary rate limit: 403 with retry-after: 60.",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes() {
        let a = serde_json::to_string(&Dataset::generate(7)).unwrap();
        let b = serde_json::to_string(&Dataset::generate(7)).unwrap();
        let c = serde_json::to_string(&Dataset::generate(8)).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn token_formats() {
        let d = Dataset::generate(1);
        for t in &d.tokens {
            let ok = match t.kind {
                TokenKind::FineGrained => {
                    let rest = t.token.strip_prefix("github_pat_").unwrap();
                    let (a, b) = rest.split_once('_').unwrap();
                    a.len() == 22 && b.len() == 59
                }
                _ => t.token.starts_with("ghp_") && t.token.len() == 40,
            };
            assert!(ok, "{}: {}", t.name, t.token);
            assert!(
                t.token
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
            );
        }
    }

    #[test]
    fn visibility_rules_hold() {
        let d = Dataset::generate(3);
        let private_in = |org: &str| {
            d.repos_owned_by(org)
                .filter(|r| r.private)
                .collect::<Vec<_>>()
        };
        let hidden_from_svc = private_in("globex")
            .into_iter()
            .filter(|r| {
                r.visible_to
                    .iter()
                    .all(|l| d.user(l).is_some_and(|u| !u.service_account))
            })
            .count();
        assert!(hidden_from_svc >= 2);
        let acme = private_in("acme-corp");
        let member_sees = acme.iter().filter(|r| d.can_see("member-svc", r)).count();
        assert!(member_sees > 0 && member_sees < acme.len());
        assert!(acme.iter().all(|r| d.can_see("tributary-svc", r)));
    }
}
