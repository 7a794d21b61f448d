//! What every check answers ([`Checked`]), and where GitHub's descriptions are read from.

use super::gaps::Gap;

/// What a check found: the problems, and the gaps it let through.
#[derive(Debug, Default)]
pub struct Checked {
    pub problems: Vec<String>,
    pub allowed: Vec<&'static Gap>,
}

impl Checked {
    pub(super) fn problem(problem: String) -> Checked {
        Checked {
            problems: vec![problem],
            allowed: Vec::new(),
        }
    }
}

/// One of GitHub's descriptions, or `None` with a loud notice when `../shared` is absent.
pub(super) fn shared_json(relative: &str) -> Option<serde_json::Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/github")
        .join(relative);
    match std::fs::read(&path) {
        Ok(bytes) => Some(
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display())),
        ),
        Err(_) => {
            eprintln!(
                "\n*** SKIPPED: {} is absent, so answers are not checked against GitHub's description ***\n",
                path.display()
            );
            None
        }
    }
}
