//! Organization webhooks as GitHub keeps them: the hooks (config, events, active,
//! who created them) in `hook.rs`, held with their deliveries in `store.rs`; the
//! REST endpoints under `/orgs/{org}/hooks` in `rest.rs`; payloads built by
//! `payloads.rs`; deliveries signed and sent by `deliver.rs`; the simulator's own
//! `/_sim/hooks` controls in `sim.rs`.

pub(crate) mod deliver;
pub(crate) mod hook;
pub(crate) mod outgoing;
pub(crate) mod payloads;
pub(crate) mod rest;
pub(crate) mod sim;
pub(crate) mod store;

#[cfg(test)]
pub(crate) mod tests;
