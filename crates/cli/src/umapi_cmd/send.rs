//! The sending loop of every change-making run (`idm umapi apply`, `idm sync`): actions from a
//! channel into the client's queue, each journaled as its answer arrives, with UMAPI's sync
//! signals around the run and a clean stop on Ctrl-C, SIGTERM or a closed stdout.

use tokio::sync::mpsc::Receiver;
use umapi::Action;

use super::Reporter;
use crate::errors::CliResult;
use crate::stop::Stop;

/// Actions sent between two flushes of the queue: the report of a run is written as it goes,
/// so memory stays that of one chunk whatever the length of the input.
const CHUNK: usize = 1000;

/// How long a stopping run waits for the requests in flight.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// One run's sending.
pub struct Sending<'a> {
    /// The client (its test mode decides whether anything changes).
    pub client: &'a umapi::Client,
    /// Stop requests.
    pub stop: &'a Stop,
    /// How many actions the channel will bring.
    pub to_send: usize,
    /// Send UMAPI's sync start and end signals around the run.
    pub sync_signals: bool,
    /// The progress bar, if shown.
    pub bar: Option<indicatif::ProgressBar>,
}

/// How the sending ended.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sent {
    /// Actions pushed to the queue.
    pub sent: usize,
    /// A stop was requested.
    pub stopped: bool,
    /// The queue halted (credentials refused).
    pub halted: bool,
}

impl Sending<'_> {
    /// Sends the actions (`(seq, action, reason)`) the channel brings, until it closes, a stop
    /// is requested or the queue halts.
    pub async fn run(
        self,
        reporter: &mut Reporter,
        rx: &mut Receiver<(usize, Action, Option<String>)>,
    ) -> CliResult<Sent> {
        let Sending {
            client,
            stop,
            to_send,
            sync_signals: sync,
            bar,
        } = self;
        reporter.set_progress(bar.clone());
        if sync {
            client.start_sync();
        }
        let mut queue = client.queue();
        reporter.observe(&mut queue);
        let (mut sent, mut pending) = (0usize, 0usize);
        loop {
            let next = tokio::select! {
                biased;
                () = stop.wait() => None,
                next = rx.recv() => next,
            };
            let Some((seq, action, reason)) = next else {
                break;
            };
            if sync && to_send > 1 && sent + 1 == to_send {
                // The end signal goes on the next request: make the last action's request that one.
                reporter.add(queue.flush().await)?;
                pending = 0;
                client.end_sync();
            }
            reporter.track(seq, &action, reason.as_deref());
            queue.push(action).await;
            sent += 1;
            pending += 1;
            if let Some(e) = reporter.journal_error() {
                queue.halt("the journal cannot be written");
                reporter.add(queue.flush().await)?;
                return Err(e);
            }
            if let Some(b) = &bar {
                // Answered actions, not pushed ones: the bar moves as the server replies.
                b.set_position((sent - pending + queue.answered()) as u64);
            }
            if pending >= CHUNK {
                reporter.add(queue.flush().await)?;
                pending = 0;
                if let Some(b) = &bar {
                    b.set_position(sent as u64);
                }
            }
            if queue.is_halted() {
                // Credentials refused: nothing more can be sent.
                break;
            }
        }
        let stopped = stop.requested().is_some();
        if stopped {
            queue.halt("not sent: the run was asked to stop");
            reporter.add(queue.flush_within(STOP_GRACE).await)?;
            if sync && sent > 0 && !client.sync_start_pending() {
                // The end signal rides on one last, harmless request.
                client.end_sync();
                let _ = client.user("idm-sync-end@example.invalid").get().await;
            }
        } else {
            reporter.add(queue.flush().await)?;
        }
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        Ok(Sent {
            sent,
            stopped,
            halted: queue.is_halted(),
        })
    }
}
