//! The scenario credentials (`owner`, `fine-grained`, `revoked`, ...), as the
//! library hands them out and `GET /_sim/tokens` lists them.

use serde::Serialize;

use crate::dataset::Dataset;

/// A named credential for one scenario (`owner`, `fine-grained`, `revoked`, ...).
#[derive(Serialize, Clone, Debug)]
pub struct ScenarioToken {
    pub name: String,
    pub token: String,
    pub description: String,
}

pub(crate) fn scenario_tokens(dataset: &Dataset) -> Vec<ScenarioToken> {
    dataset
        .tokens
        .iter()
        .map(|t| ScenarioToken {
            name: t.name.clone(),
            token: t.token.clone(),
            description: t.description.clone(),
        })
        .collect()
}
