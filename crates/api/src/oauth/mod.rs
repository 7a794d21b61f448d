//! Connecting through Tributary's OAuth app: `startOAuth` issues a state and the
//! authorize URL ([`flow`]), `GET /oauth/github/callback` checks the state, exchanges the
//! code, runs the connection test and stores an OAuth grant ([`callback`]), and
//! `createIntegration` spends the grant through the same path as a token ([`grants`]).
//! A failed callback ends with one of [`failure`]'s codes.

pub mod callback;
pub mod failure;
pub mod flow;
pub mod grants;
mod pages;
mod states;
