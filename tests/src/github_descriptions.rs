//! GitHub's own descriptions of its APIs, as any test holds an answer or a delivery to
//! them: the REST description (`openapi/api.github.com.json`) by operation and status,
//! the webhook description (`webhooks-schema/schema.json`) by event and action, both read
//! from `../shared/github/` beside the checkout (never copied into the project). Where
//! GitHub's live behaviour differs from its description, the difference is named, field
//! by field with its evidence, in [`GAPS`] and nowhere else.

mod checked;
mod gaps;
mod openapi;
mod rest;
mod schema;
mod webhooks;

pub use checked::Checked;
pub use gaps::{Description, GAPS, Gap, GapKind};
pub use rest::{RestDescription, missing_rest_headers};
pub use webhooks::WebhookDescription;
