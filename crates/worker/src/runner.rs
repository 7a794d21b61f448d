//! The runner: takes import and delivery jobs from the queue and runs them, with the
//! webhook recovery schedule and the run sweeper (`queue::sweeper`) beside them,
//! restarting after errors until shut down.

use std::{future::Future, time::Duration};

use apalis::prelude::*;
use futures_util::future::{BoxFuture, FutureExt, Shared};
use queue::{Backend, DeliveryJob, ImportJob, Queue};

use crate::{deliveries::Deliveries, importer::Importer};

/// How often a worker looks for new jobs; left alone, apalis looks at each heartbeat
/// only (30 s), and a queued import would wait that long before it starts.
const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// Deliveries are polled often: GitHub expects an answer within 10 s and a busy
/// organization sends hundreds a second (the batch size is the queue's, see there).
const DELIVERY_POLL_INTERVAL: Duration = Duration::from_millis(20);

/// Runs a worker taking import and delivery jobs, and the webhook recovery
/// schedule, until `shutdown` completes. `name` identifies
/// the worker: a restarted worker with the same name takes its unfinished jobs back
/// once its predecessor has missed a heartbeat. A worker that stops on an error
/// (Redis or the database gone, or a predecessor of the same name still counted
/// alive) starts again after a heartbeat interval.
pub async fn run(
    queue: &Queue,
    name: &str,
    importer: Importer,
    deliveries: Deliveries,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let shutdown = shutdown.boxed().shared();
    loop {
        let result = work_once(
            queue,
            name,
            importer.clone(),
            deliveries.clone(),
            shutdown.clone(),
        )
        .await;
        if shutdown.peek().is_some() {
            return Ok(());
        }
        if let Err(error) = result {
            tracing::warn!(worker = name, %error, "the import worker stopped; starting it again");
        }
        tokio::select! {
            _ = tokio::time::sleep(queue.config().heartbeat) => {}
            _ = shutdown.clone() => return Ok(()),
        }
    }
}

async fn work_once(
    queue: &Queue,
    name: &str,
    importer: Importer,
    deliveries: Deliveries,
    shutdown: Shared<BoxFuture<'static, ()>>,
) -> anyhow::Result<()> {
    let stopped = |shutdown: Shared<BoxFuture<'static, ()>>| async move {
        shutdown.await;
        Ok::<(), std::io::Error>(())
    };
    let delivery_worker = format!("{name}-deliveries");
    let recovery = crate::deliveries::recovery::run_schedule(
        format!("{name}-webhook-recovery"),
        deliveries.clone(),
        stopped(shutdown.clone()),
    );
    let sweeper = queue::sweeper::run_schedule(
        importer.db.clone(),
        queue.clone(),
        queue.config().heartbeat,
        shutdown.clone(),
    );
    tracing::info!(
        worker = name,
        shared = queue.is_shared(),
        concurrency = queue.config().concurrency,
        "import worker started"
    );
    macro_rules! run_workers {
        ($imports:expr, $deliveries:expr) => {{
            let imports = WorkerBuilder::new(name)
                .backend($imports.poll_with_interval(POLL_INTERVAL))
                .concurrency(queue.config().concurrency)
                .data(importer)
                .data(deliveries.clone())
                .build(run_import)
                .run_until(stopped(shutdown.clone()));
            // One at a time, in the order received: a pull request's `opened` and
            // `edited` must not swap places.
            let deliveries = WorkerBuilder::new(delivery_worker.as_str())
                .backend($deliveries.poll_with_interval(DELIVERY_POLL_INTERVAL))
                .concurrency(1)
                .data(deliveries.clone())
                .build(run_delivery)
                .run_until(stopped(shutdown.clone()));
            // The first to stop (on shutdown, or on an error such as a predecessor
            // of the same name still counted alive) stops the others, so that
            // `work` starts them all again.
            tokio::select! {
                result = imports => result.map_err(|e| anyhow::anyhow!("{e}")),
                result = deliveries => result.map_err(|e| anyhow::anyhow!("{e}")),
                result = recovery => result,
                result = sweeper => result,
            }
        }};
    }
    match queue.backend().clone() {
        Backend::Redis {
            imports,
            deliveries,
        } => run_workers!(imports, deliveries),
        Backend::Sqlite {
            imports,
            deliveries,
        } => run_workers!(imports, deliveries),
        Backend::Unavailable(reason) => anyhow::bail!(reason),
    }
}

async fn run_import(
    job: ImportJob,
    importer: Data<Importer>,
    deliveries: Data<Deliveries>,
) -> Result<(), BoxDynError> {
    waiting_out_the_database(|| importer.run(&job.run_id))
        .await
        .map_err(|e| {
            tracing::error!(run = %job.run_id, error = %e, "import job failed");
            e
        })?;
    // A place in the integration's window is free: its next queued run gets a job.
    if let Err(error) = deliveries
        .queue
        .top_up_after(&deliveries.db, &job.run_id)
        .await
    {
        tracing::warn!(run = %job.run_id, %error, "could not queue the integration's next run; the sweeper will");
    }
    // A repository may have become imported: its organization may now get a hook.
    deliveries.hooks.reconcile_after_run(&job.run_id).await;
    Ok(())
}

async fn run_delivery(job: DeliveryJob, deliveries: Data<Deliveries>) -> Result<(), BoxDynError> {
    waiting_out_the_database(|| deliveries.apply(&job.integration_id, &job.delivery_id))
        .await
        .map_err(|e| {
            tracing::error!(delivery = %job.delivery_id, error = %e, "delivery job failed");
            e.into()
        })
}

/// Runs a job again while it fails because the database is out of reach (`entity::retry`):
/// a job dropped then would leave its run or delivery waiting for the sweeper or the
/// recovery. Both jobs are safe to run again: a run is claimed at most once at a time,
/// a delivery is applied in the same transaction that marks it applied.
async fn waiting_out_the_database<F, Fut>(mut job: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let mut patience = entity::retry::Patience::new();
    loop {
        let Err(error) = job().await else {
            return Ok(());
        };
        let wait = error
            .downcast_ref::<sea_orm::DbErr>()
            .filter(|e| entity::retry::is_connection_lost(e))
            .and_then(|e| patience.wait_after(e));
        let Some(wait) = wait else {
            return Err(error);
        };
        tracing::warn!(%error, wait_ms = wait.as_millis() as u64, "the database is out of reach; running the job again when it is back");
        tokio::time::sleep(wait).await;
    }
}
