//! Stop requests for change-making commands: Ctrl-C (SIGINT), SIGTERM, or a closed stdout.
//!
//! The first request asks the run to stop sending, wait for what is in flight, and report; a
//! second Ctrl-C exits at once (the journal, written as answers arrive, stays true).

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use tokio::sync::Notify;

use crate::errors::exit;

/// A shared flag: which stop was requested, if any (its exit code).
#[derive(Clone, Default)]
pub struct Stop {
    code: Arc<AtomicU8>,
    notify: Arc<Notify>,
}

impl Stop {
    /// Listens for SIGINT and SIGTERM for the life of the process.
    pub fn install() -> Stop {
        let stop = Stop::default();
        let s = stop.clone();
        tokio::spawn(async move {
            // One listener for the whole run: a signal that arrives while the last one is being
            // reported is still seen (a listener made per signal would miss it).
            let mut signals = Signals::listen();
            while let Some(code) = signals.next().await {
                if s.requested().is_some() && code == exit::INTERRUPTED {
                    eprintln!(
                        "\ninterrupted again: exiting now; the journal holds every answer received"
                    );
                    std::process::exit(i32::from(exit::INTERRUPTED));
                }
                eprintln!(
                    "\nstopping: no new requests; waiting for those in flight (Ctrl-C again to exit now)"
                );
                s.request(code);
            }
        });
        stop
    }

    /// Asks the run to stop, with this exit code (the first request wins).
    pub fn request(&self, code: u8) {
        let _ = self
            .code
            .compare_exchange(0, code, Ordering::SeqCst, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    /// The exit code of the stop requested, if any.
    pub fn requested(&self) -> Option<u8> {
        match self.code.load(Ordering::SeqCst) {
            0 => None,
            c => Some(c),
        }
    }

    /// Waits until a stop is requested.
    pub async fn wait(&self) {
        loop {
            let notified = self.notify.notified();
            if self.requested().is_some() {
                return;
            }
            notified.await;
        }
    }
}

/// The stop signals this process listens to.
#[cfg(unix)]
struct Signals {
    interrupt: Option<tokio::signal::unix::Signal>,
    terminate: Option<tokio::signal::unix::Signal>,
}

#[cfg(unix)]
impl Signals {
    fn listen() -> Signals {
        use tokio::signal::unix::{SignalKind, signal};
        Signals {
            interrupt: signal(SignalKind::interrupt()).ok(),
            terminate: signal(SignalKind::terminate()).ok(),
        }
    }

    /// The exit code of the next signal, or `None` when no signal can be listened to.
    async fn next(&mut self) -> Option<u8> {
        async fn recv(s: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
            match s {
                Some(s) => s.recv().await,
                None => std::future::pending().await,
            }
        }
        if self.interrupt.is_none() && self.terminate.is_none() {
            return None;
        }
        tokio::select! {
            Some(()) = recv(&mut self.interrupt) => Some(exit::INTERRUPTED),
            Some(()) = recv(&mut self.terminate) => Some(exit::TERMINATED),
            else => None,
        }
    }
}

/// The stop signals this process listens to: Ctrl-C only.
#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn listen() -> Signals {
        Signals
    }

    async fn next(&mut self) -> Option<u8> {
        tokio::signal::ctrl_c()
            .await
            .ok()
            .map(|()| exit::INTERRUPTED)
    }
}
