//! One authenticated API request as REST and GraphQL handlers see it.

use std::sync::Arc;

use crate::auth::Principal;
use crate::dataset::Dataset;
use crate::state::SimState;

/// Everything a handler needs about the current request.
pub(crate) struct Call<'a> {
    pub state: &'a SimState,
    /// The world as this request found it.
    pub dataset: Arc<Dataset>,
    pub principal: Option<&'a Principal>,
    pub base: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    /// The caller's IP address: anonymous callers' rate-limit window is per address.
    pub origin: String,
    pub request_id: String,
}

impl Call<'_> {
    pub fn dataset(&self) -> &Dataset {
        &self.dataset
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}
