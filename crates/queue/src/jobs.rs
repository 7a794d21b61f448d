//! The jobs' contracts: what each carries. A job carries a key only; the row it names
//! holds everything else, so a job delivered twice, or again after a crash, resumes
//! or finds its work done instead of repeating it.

use serde::{Deserialize, Serialize};

/// An import run to work on (its row in `import_runs` holds the repository, the kind,
/// the checkpoint to resume from).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImportJob {
    pub run_id: String,
}

/// A stored webhook delivery to apply.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeliveryJob {
    pub integration_id: String,
    pub delivery_id: String,
}
