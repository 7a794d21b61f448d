//! Tributary's organization hooks on GitHub, kept by the rules (`reconcile`): while the
//! Webhooks service is on, one hook on every organization the account owns where a
//! repository is imported, none elsewhere. The API reconciles after a change a user
//! makes (services, groups, deletion); the worker after an import and after membership
//! deliveries. Deliveries themselves are received by `api` and applied by `worker`.

mod org_hooks;
mod reconcile;
mod sealer;

pub use org_hooks::{OrgHooks, RECEIVER_PATH};
pub use reconcile::not_owner_reason;
pub use sealer::Sealer;
