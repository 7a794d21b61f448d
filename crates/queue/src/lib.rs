//! The job queue as both sides see it, after crates.io's job crate: the jobs' contracts
//! (`jobs`), where they are kept (`storage`: apalis on Redis when configured, else on the
//! SQLite database itself), queueing them (`enqueue`), the import runs' rows and their
//! transitions (`runs`), the progress bus that carries runs' changes to subscribers
//! (`progress`), the rate-limit budget workers share (`budget`), the queue's epoch
//! (`epoch`) and the sweeper that gives a job back to runs that lost theirs
//! (`sweeper`). The API queues; the worker crate runs what is queued.

pub mod budget;
pub mod enqueue;
pub mod epoch;
pub mod jobs;
pub mod progress;
pub mod runs;
pub mod storage;
pub mod sweeper;

pub use jobs::{DeliveryJob, ImportJob};
pub use progress::{Progress, ProgressBus, ProgressEvent, ProgressReceiver};
pub use storage::{Backend, POSTGRES_NEEDS_REDIS, Queue, QueueConfig};
