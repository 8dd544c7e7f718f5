//! The executor: a run's actions sent through the umapi client's action queue as one UMAPI
//! sync run (the sync start and end signals around it), watched by an [`Observer`] that
//! journals and reports, and stopped cleanly when asked.
//!
//! `idm sync` and `idm umapi apply` run on it; [`execute`] runs a [`Plan`] with a journal.

use std::future::Future;

use tokio::sync::mpsc::Receiver;
use umapi::journal::{Journal, Recorder};
use umapi::{Action, ActionQueue, ActionReport, BatchReport, Client};

use crate::plan::Plan;

/// Actions sent between two flushes of the queue: reports are handed out as the run goes, so
/// memory stays that of one chunk whatever the length of the input.
const CHUNK: usize = 1000;

/// How long a stopping run waits for the requests in flight.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// What a run tells as it goes.
pub trait Observer {
    /// Why the run must stop (a journal that cannot be written).
    type Error;
    /// Called once with the queue, before anything is pushed (to journal answers as they
    /// arrive, with [`Recorder::attach`]).
    fn attach(&mut self, queue: &mut ActionQueue);
    /// An action is about to be pushed: its place in the input, and why it is sent.
    fn queued(&mut self, seq: usize, action: &Action, reason: Option<&str>);
    /// The reports of one flush of the queue.
    fn flushed(&mut self, batch: BatchReport) -> Result<(), Self::Error>;
    /// Checked after each push: an error halts the run.
    fn check(&mut self) -> Result<(), Self::Error>;
    /// Actions answered so far (for a progress bar).
    fn answered(&mut self, _count: usize) {}
}

/// How a run ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    /// Actions pushed to the queue.
    pub sent: usize,
    /// The stop future completed: the rest was not sent.
    pub stopped: bool,
    /// The queue halted by itself (credentials refused): the rest was not sent.
    pub halted: bool,
}

/// One run of actions.
#[derive(Debug, Clone, Copy)]
pub struct Runner<'a> {
    /// The client (its test mode decides whether anything changes).
    pub client: &'a Client,
    /// How many actions the channel will bring (the end signal rides on the last one's
    /// request).
    pub to_send: usize,
    /// Send UMAPI's sync start and end signals around the run.
    pub sync_signals: bool,
    /// Wait for the answers to the first this-many actions before sending the others (groups
    /// created before users are added to them); 0: no wait.
    pub first: usize,
}

impl Runner<'_> {
    /// Sends what the channel brings (`(seq, action, reason)`) until it closes, `stop`
    /// completes or the queue halts. Every action pushed ends in a report handed to
    /// `observer.flushed`: done, failed, or not sent.
    pub async fn run<O: Observer>(
        self,
        observer: &mut O,
        actions: &mut Receiver<(usize, Action, Option<String>)>,
        stop: impl Future<Output = ()>,
    ) -> Result<Sent, O::Error> {
        let Runner {
            client,
            to_send,
            sync_signals: sync,
            first,
        } = self;
        if sync {
            client.start_sync();
        }
        let mut queue = client.queue();
        observer.attach(&mut queue);
        let (mut sent, mut pending, mut stopped) = (0usize, 0usize, false);
        tokio::pin!(stop);
        loop {
            let next = tokio::select! {
                biased;
                () = &mut stop => {
                    stopped = true;
                    None
                }
                next = actions.recv() => next,
            };
            let Some((seq, action, reason)) = next else {
                break;
            };
            if sync && to_send > 1 && sent + 1 == to_send {
                // The end signal goes on the next request: make the last action's that one.
                observer.flushed(queue.flush().await)?;
                pending = 0;
                client.end_sync();
            }
            observer.queued(seq, &action, reason.as_deref());
            queue.push(action).await;
            sent += 1;
            pending += 1;
            if first > 0 && sent == first && sent < to_send {
                observer.flushed(queue.flush().await)?;
                pending = 0;
            }
            if let Err(e) = observer.check() {
                queue.halt("the run stopped: its journal cannot be written");
                observer.flushed(queue.flush().await)?;
                return Err(e);
            }
            // Answered actions, not pushed ones: progress moves as the server replies.
            observer.answered(sent - pending + queue.answered());
            if pending >= CHUNK {
                observer.flushed(queue.flush().await)?;
                pending = 0;
                observer.answered(sent);
            }
            if queue.is_halted() {
                break;
            }
        }
        if stopped {
            queue.halt("not sent: the run was asked to stop");
            observer.flushed(queue.flush_within(STOP_GRACE).await)?;
            if sync && sent > 0 && !client.sync_start_pending() {
                // The end signal rides on one last, harmless request.
                client.end_sync();
                let _ = client.user("idm-sync-end@example.invalid").get().await;
            }
        } else {
            observer.flushed(queue.flush().await)?;
        }
        Ok(Sent {
            sent,
            stopped,
            halted: queue.is_halted(),
        })
    }
}

/// What [`execute`] did: every action's report, in the plan's order.
#[derive(Debug, Clone, Default)]
pub struct Executed {
    /// One report per planned action.
    pub reports: Vec<ActionReport>,
    /// Action requests sent.
    pub requests: usize,
}

/// The journal could not be written: the run stopped (what was sent is in the reports).
#[derive(Debug, thiserror::Error)]
#[error("cannot write the journal: {0}; the run stopped")]
pub struct JournalError(pub String);

struct Collect {
    recorder: Option<Recorder>,
    out: Executed,
}

impl Observer for Collect {
    type Error = JournalError;

    fn attach(&mut self, queue: &mut ActionQueue) {
        if let Some(r) = &self.recorder {
            r.attach(queue);
        }
    }

    fn queued(&mut self, seq: usize, action: &Action, reason: Option<&str>) {
        if let Some(r) = &self.recorder {
            r.track(seq, action, reason);
        }
    }

    fn flushed(&mut self, batch: BatchReport) -> Result<(), JournalError> {
        if let Some(r) = &self.recorder {
            r.flushed(&batch.actions);
        }
        self.out.requests += batch.requests;
        self.out.reports.extend(batch.actions);
        self.check()
    }

    fn check(&mut self) -> Result<(), JournalError> {
        match self.recorder.as_ref().and_then(Recorder::error) {
            Some(e) => Err(JournalError(e)),
            None => Ok(()),
        }
    }
}

/// A plan's actions as a [`Runner`] takes them: `(seq, action, reason)`, closed at the end.
pub fn planned(plan: &Plan) -> Receiver<(usize, Action, Option<String>)> {
    let (tx, rx) = tokio::sync::mpsc::channel(plan.actions.len().max(1));
    for (seq, p) in plan.actions.iter().enumerate() {
        // The channel holds the whole plan: this never waits or fails.
        let _ = tx.try_send((seq, p.action.clone(), Some(p.reason.clone())));
    }
    rx
}

/// Runs a plan as one sync run: each action journaled with its reason as its answer arrives
/// (when `journal` is given), every action reported.
///
/// ```no_run
/// # async fn f(client: umapi::Client, plan: idm_sync::Plan) -> Result<(), Box<dyn std::error::Error>> {
/// use umapi::journal::{Journal, JournalHeader};
///
/// let header = JournalHeader::new("my-sync", client.org_id(), client.test_mode());
/// let journal = Journal::create(std::path::Path::new("run.ndjson"), &header)?;
/// let done = idm_sync::execute(&client, &plan, Some(journal)).await?;
/// let failed = done.reports.iter().filter(|r| !r.errors.is_empty()).count();
/// println!("{} actions, {failed} failed", done.reports.len());
/// # Ok(()) }
/// ```
pub async fn execute(
    client: &Client,
    plan: &Plan,
    journal: Option<Journal>,
) -> Result<Executed, JournalError> {
    let to_send = plan.actions.len();
    let mut rx = planned(plan);
    let mut observer = Collect {
        recorder: journal.map(Recorder::new),
        out: Executed::default(),
    };
    if to_send > 0 {
        Runner {
            client,
            to_send,
            sync_signals: true,
            first: plan.groups_first(),
        }
        .run(&mut observer, &mut rx, std::future::pending())
        .await?;
    }
    Ok(observer.out)
}
