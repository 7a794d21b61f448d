//! GitHub's own descriptions of its APIs, as any test holds an answer or a delivery to
//! them: the REST description (`openapi/api.github.com.json`) by operation and status,
//! the webhook description (`webhooks-schema/schema.json`) by event and action, both read
//! from `../shared/github/` beside the checkout (never copied into the project). Where
//! GitHub's live behaviour differs from its description, the difference is named, field
//! by field with its evidence, in [`GAPS`] and nowhere else.

mod gaps;
mod openapi;
mod rest;
mod schema;
mod webhooks;

pub use gaps::{Description, GAPS, Gap, GapKind};
pub use rest::{RestDescription, missing_rest_headers};
pub use webhooks::WebhookDescription;

/// What a check found: the problems, and the gaps it let through.
#[derive(Debug, Default)]
pub struct Checked {
    pub problems: Vec<String>,
    pub allowed: Vec<&'static Gap>,
}

impl Checked {
    fn problem(problem: String) -> Checked {
        Checked {
            problems: vec![problem],
            allowed: Vec::new(),
        }
    }
}

/// One of GitHub's descriptions, or `None` with a loud notice when `../shared` is absent.
fn shared_json(relative: &str) -> Option<serde_json::Value> {
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
