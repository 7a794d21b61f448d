//! Who is a bot, and the account GitHub shows for a deleted one. `excludeBots` leaves
//! out `[bot]` logins and accounts GitHub types `Bot` (stored as `author_is_bot`).

/// GitHub shows a deleted account as `ghost`.
pub const GHOST: &str = "ghost";

/// GitHub Apps act as `name[bot]`.
pub fn is_bot_login(login: &str) -> bool {
    login.ends_with("[bot]")
}

/// A commit author's identity is a bot's: GitHub gives a commit author no account type,
/// and a GitHub App's commits often have no linked user, so the `[bot]` in the login,
/// the name or the e-mail (`49699333+dependabot[bot]@users.noreply.github.com`) tells.
pub fn is_bot_identity(login: Option<&str>, name: Option<&str>, email: Option<&str>) -> bool {
    login.is_some_and(is_bot_login)
        || name.is_some_and(is_bot_login)
        || email.is_some_and(|e| e.contains("[bot]@"))
}
