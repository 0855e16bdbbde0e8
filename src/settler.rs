//! The settler: the one background task that ends asynchronous transitions. It reads what is
//! due from the store (the `transitions` the operations recorded beside their events), ends
//! each with `ops::transitions::settle` as an operation of its own, then sleeps until the next
//! one is due, a write commits (it may have started a transition), the clock is advanced, or
//! someone asks it to settle now. Request handlers never wait on timers: they record and
//! return. Because transitions live in the store, those due while the server was down settle
//! as soon as it starts again.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::task::{JoinHandle, JoinSet};

use crate::app::App;
use crate::ops::transitions;

/// Transitions read (and settled together, in one group commit) at a time.
const BATCH: u64 = 256;

/// How long the settler waits before trying again after a store fault.
const RETRY_AFTER_FAULT: Duration = Duration::from_secs(1);

/// The running settler.
pub struct Settler {
    requests: mpsc::Sender<oneshot::Sender<()>>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Settler {
    pub fn spawn(app: Arc<App>) -> Settler {
        let (requests, incoming) = mpsc::channel(64);
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(run(app, incoming, stopped));
        Settler {
            requests,
            stop,
            task,
        }
    }

    /// Resolves once every transition due at the clock's current time has settled.
    pub async fn settled(&self) {
        let (reply, done) = oneshot::channel();
        if self.requests.send(reply).await.is_ok() {
            let _ = done.await;
        }
    }

    /// Stops after the settlement in progress, if any.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

async fn run(
    app: Arc<App>,
    mut requests: mpsc::Receiver<oneshot::Sender<()>>,
    mut stop: oneshot::Receiver<()>,
) {
    let mut commits = app.store.commits();
    // Without a delay no new transition is ever recorded; only those left from an earlier
    // run with a delay remain to settle, so writes need not wake the settler.
    let watch_commits = !app.transition_delay.is_zero();
    let mut waiting: Vec<oneshot::Sender<()>> = Vec::new();
    loop {
        // On a shared PostgreSQL store one server settles at a time (it holds the lease);
        // the others ask again shortly, and take over when the holder's connection ends.
        let wake = match app.store.may_settle().await {
            Ok(false) => Wake::Retry,
            Ok(true) => match settle_due(&app).await {
                Ok(next_due) => Wake::At(next_due),
                Err(fault) => {
                    tracing::error!(error = %fault, "the settler could not settle transitions; retrying");
                    Wake::Retry
                }
            },
            Err(fault) => {
                tracing::error!(error = %fault, "the settler could not take its lease; retrying");
                Wake::Retry
            }
        };
        for reply in waiting.drain(..) {
            let _ = reply.send(());
        }
        tokio::select! {
            _ = &mut stop => return,
            request = requests.recv() => match request {
                Some(reply) => waiting.push(reply),
                None => return,
            },
            changed = commits.changed(), if watch_commits => {
                if changed.is_err() {
                    return;
                }
            }
            _ = wait(&app, wake) => {}
        }
    }
}

/// When the settler looks again by itself.
#[derive(Debug, Clone, Copy)]
enum Wake {
    /// When the next transition is due (milliseconds on the server's clock); never if none is.
    At(Option<i64>),
    /// Shortly, after a store fault.
    Retry,
}

async fn wait(app: &App, wake: Wake) {
    match wake {
        Wake::At(Some(at)) => app.clock.sleep_until(at).await,
        Wake::At(None) => std::future::pending().await,
        Wake::Retry => tokio::time::sleep(RETRY_AFTER_FAULT).await,
    }
}

/// Settles every transition due now; answers when the next one is due.
async fn settle_due(app: &Arc<App>) -> Result<Option<i64>, String> {
    let now = app.clock.now_millis();
    loop {
        let due = app
            .store
            .read(move |tx| tx.due_transitions(now, BATCH))
            .await
            .map_err(|e| e.to_string())?;
        let read = due.len() as u64;
        // Concurrent writes share the writer's group commit.
        let mut settling = JoinSet::new();
        for pending in due {
            let ctx = transitions::settle_ctx(&pending, now, &app.catalog, &app.limits);
            let store = app.store.clone();
            settling.spawn(async move {
                let read = pending.clone();
                let outcome = store
                    .write(move |tx| transitions::settle(tx, &ctx, &read, now))
                    .await;
                (pending, outcome)
            });
        }
        while let Some(joined) = settling.join_next().await {
            let (pending, outcome) = joined.map_err(|e| e.to_string())?;
            match outcome {
                Ok(Ok(settled)) => tracing::debug!(
                    resource = %pending.resource_id,
                    transition = pending.transition.name(),
                    request_id = %pending.request_id,
                    ?settled,
                    "transition settled"
                ),
                Ok(Err(e)) => return Err(format!("{}: {e}", pending.resource_id)),
                Err(fault) => return Err(fault.to_string()),
            }
        }
        if read < BATCH {
            break;
        }
    }
    app.store
        .read(|tx| tx.next_transition_due())
        .await
        .map_err(|e| e.to_string())
}
