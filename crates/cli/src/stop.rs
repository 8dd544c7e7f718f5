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
            loop {
                let code = tokio::select! {
                    r = tokio::signal::ctrl_c() => match r {
                        Ok(()) => exit::INTERRUPTED,
                        Err(_) => return,
                    },
                    () = sigterm() => exit::TERMINATED,
                };
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

#[cfg(unix)]
async fn sigterm() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut s) => {
            s.recv().await;
        }
        Err(_) => std::future::pending().await,
    }
}

#[cfg(not(unix))]
async fn sigterm() {
    std::future::pending().await
}
