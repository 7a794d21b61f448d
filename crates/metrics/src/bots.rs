//! Who is a bot, and the account GitHub shows for a deleted one. `excludeBots` leaves
//! out `[bot]` logins and accounts GitHub types `Bot` (stored as `author_is_bot`).

/// GitHub shows a deleted account as `ghost`.
pub const GHOST: &str = "ghost";

/// GitHub Apps act as `name[bot]`.
pub fn is_bot_login(login: &str) -> bool {
    login.ends_with("[bot]")
}
