//! The retry policy: a pure function from "what happened on attempt n" to "retry after d, or stop".
//!
//! It does no I/O and reads no clock, so every rule is unit-tested on its own; the
//! [`send_with_retry`](crate::send_with_retry) executor feeds it real outcomes.

use std::time::Duration;

use crate::retry_after::secs;

/// What one attempt of a request ended with, as far as retrying is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The server answered with this status. `retry_after` is the wait the server asked for
    /// (already converted from delta-seconds or HTTP-date), if it sent a usable header.
    Status {
        /// HTTP status code.
        status: u16,
        /// The server's requested wait.
        retry_after: Option<Duration>,
    },
    /// The request or the response timed out.
    Timeout,
    /// The connection could not be established (refused, DNS failure, unreachable): the request
    /// never reached the server, so it is safe to retry whatever the method.
    Connect,
    /// The connection broke after the request may have been sent (reset, closed early, truncated body).
    Reset,
    /// Any other failure (TLS, invalid request, ...): never retried.
    Fatal,
}

impl Outcome {
    /// A short human-readable description, used in logs and errors.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Status { status, .. } => format!("HTTP {status}"),
            Outcome::Timeout => "timeout".into(),
            Outcome::Connect => "connection failed".into(),
            Outcome::Reset => "connection reset".into(),
            Outcome::Fatal => "non-retryable transport error".into(),
        }
    }
}

/// What to do after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The outcome is final (success, or an error that retrying cannot fix): hand it to the caller.
    Done,
    /// Wait this long, then try again.
    Retry {
        /// How long to wait.
        wait: Duration,
        /// Why, for the WARN log line.
        reason: String,
    },
    /// The outcome was retryable, but a limit was reached: hand the last outcome to the caller.
    GiveUp {
        /// Which limit, in words.
        reason: String,
    },
}

/// When and how long to retry.
///
/// Defaults: 4 attempts, exponential backoff from 2 s doubling up to 60 s with ±25% jitter when the
/// server gives no `Retry-After`, a server-requested wait honoured up to 5 minutes, and a total
/// budget of 10 minutes per request.
///
/// Retried outcomes: 429 and 503 always; 502, 504, timeouts and resets only for idempotent
/// requests (unless [`retry_non_idempotent`](Self::retry_non_idempotent) is set); connection
/// failures always, because the request never left.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_backoff: Duration,
    max_wait: Duration,
    budget: Option<Duration>,
    jitter: f64,
    retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_secs(2),
            max_backoff: Duration::from_secs(60),
            max_wait: Duration::from_secs(300),
            budget: Some(Duration::from_secs(600)),
            jitter: 0.25,
            retry_non_idempotent: false,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy::default().max_attempts(1)
    }

    /// Total attempts, the first included (minimum 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// First backoff delay when the server gives no `Retry-After`; it doubles on each attempt.
    pub fn base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }

    /// Largest computed backoff delay.
    pub fn max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }

    /// Longest single wait idm accepts: a `Retry-After` above it makes the request give up at once
    /// with an error naming the requested wait, instead of sleeping for hours.
    pub fn max_wait(mut self, d: Duration) -> Self {
        self.max_wait = d;
        self
    }

    /// Total time budget for one request, all attempts and waits included (`None`: unlimited).
    pub fn budget(mut self, d: Option<Duration>) -> Self {
        self.budget = d;
        self
    }

    /// Jitter as a fraction of the backoff delay (0.0 to 1.0), so that many clients do not retry in step.
    pub fn jitter(mut self, fraction: f64) -> Self {
        self.jitter = fraction.clamp(0.0, 1.0);
        self
    }

    /// Also retry 502, 504, timeouts and resets for non-idempotent requests. UMAPI sets this: its
    /// action commands are safe to repeat (creates default to `ignoreIfAlreadyExists`).
    pub fn retry_non_idempotent(mut self, yes: bool) -> Self {
        self.retry_non_idempotent = yes;
        self
    }

    /// The configured number of attempts.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The backoff before attempt `attempt + 1` when the server gave no wait, for a `random` in `[0, 1)`.
    pub fn backoff(&self, attempt: u32, random: f64) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let raw = self.base_delay.saturating_mul(1u32 << exp);
        let capped = raw.min(self.max_backoff);
        // Spread evenly over [1 - jitter, 1 + jitter] of the delay.
        let factor = 1.0 + self.jitter * (2.0 * random.clamp(0.0, 1.0) - 1.0);
        capped.mul_f64(factor.max(0.0))
    }

    /// Whether this outcome is worth another attempt at all.
    fn retryable(&self, outcome: &Outcome, idempotent: bool) -> bool {
        let lenient = idempotent || self.retry_non_idempotent;
        match outcome {
            Outcome::Status { status, .. } => match status {
                429 | 503 => true,
                502 | 504 => lenient,
                _ => false,
            },
            Outcome::Connect => true,
            Outcome::Timeout | Outcome::Reset => lenient,
            Outcome::Fatal => false,
        }
    }

    /// Decides after attempt number `attempt` (1-based) ended with `outcome`, `elapsed` after the
    /// first attempt started. `random` in `[0, 1)` drives the jitter.
    pub fn decide(
        &self,
        attempt: u32,
        outcome: &Outcome,
        idempotent: bool,
        elapsed: Duration,
        random: f64,
    ) -> Decision {
        if !self.retryable(outcome, idempotent) {
            return Decision::Done;
        }
        let what = outcome.describe();
        if attempt >= self.max_attempts {
            return Decision::GiveUp {
                reason: format!("{what} on attempt {attempt} of {}", self.max_attempts),
            };
        }
        let server_wait = match outcome {
            Outcome::Status { retry_after, .. } => *retry_after,
            _ => None,
        };
        let wait = match server_wait {
            Some(w) if w > self.max_wait => {
                return Decision::GiveUp {
                    reason: format!(
                        "{what}: the server asked to wait {} s, more than the {} s idm waits at most \
                         (raise the limit with max_wait, or try again later)",
                        secs(w),
                        secs(self.max_wait)
                    ),
                };
            }
            Some(w) if !w.is_zero() => w,
            _ => self.backoff(attempt, random),
        };
        if let Some(budget) = self.budget
            && elapsed.saturating_add(wait) > budget
        {
            return Decision::GiveUp {
                reason: format!(
                    "{what}: waiting {} s more would exceed the {} s time budget",
                    secs(wait),
                    secs(budget)
                ),
            };
        }
        Decision::Retry {
            wait,
            reason: format!("{what} on attempt {attempt} of {}", self.max_attempts),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(s: u16) -> Outcome {
        Outcome::Status {
            status: s,
            retry_after: None,
        }
    }

    fn no_jitter() -> RetryPolicy {
        RetryPolicy::default().jitter(0.0)
    }

    #[test]
    fn success_and_client_errors_are_final() {
        let p = no_jitter();
        for s in [200, 201, 204, 400, 401, 403, 404, 409, 500] {
            assert_eq!(
                p.decide(1, &status(s), true, Duration::ZERO, 0.5),
                Decision::Done,
                "{s}"
            );
        }
        assert_eq!(
            p.decide(1, &Outcome::Fatal, true, Duration::ZERO, 0.5),
            Decision::Done
        );
    }

    #[test]
    fn throttling_is_retried_for_any_method() {
        let p = no_jitter();
        for s in [429, 503] {
            assert!(matches!(
                p.decide(1, &status(s), false, Duration::ZERO, 0.5),
                Decision::Retry { .. }
            ));
        }
        assert!(matches!(
            p.decide(1, &Outcome::Connect, false, Duration::ZERO, 0.5),
            Decision::Retry { .. }
        ));
    }

    #[test]
    fn gateway_errors_and_resets_only_when_idempotent() {
        let p = no_jitter();
        for o in [status(502), status(504), Outcome::Timeout, Outcome::Reset] {
            assert_eq!(
                p.decide(1, &o, false, Duration::ZERO, 0.5),
                Decision::Done,
                "{o:?}"
            );
            assert!(matches!(
                p.decide(1, &o, true, Duration::ZERO, 0.5),
                Decision::Retry { .. }
            ));
            let lenient = no_jitter().retry_non_idempotent(true);
            assert!(matches!(
                lenient.decide(1, &o, false, Duration::ZERO, 0.5),
                Decision::Retry { .. }
            ));
        }
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = no_jitter()
            .base_delay(Duration::from_secs(2))
            .max_backoff(Duration::from_secs(10));
        assert_eq!(p.backoff(1, 0.5), Duration::from_secs(2));
        assert_eq!(p.backoff(2, 0.5), Duration::from_secs(4));
        assert_eq!(p.backoff(3, 0.5), Duration::from_secs(8));
        assert_eq!(p.backoff(4, 0.5), Duration::from_secs(10));
        assert_eq!(p.backoff(400, 0.5), Duration::from_secs(10));
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let p = RetryPolicy::default()
            .jitter(0.25)
            .base_delay(Duration::from_secs(4));
        assert_eq!(p.backoff(1, 0.0), Duration::from_secs(3));
        assert_eq!(p.backoff(1, 1.0), Duration::from_secs(5));
    }

    #[test]
    fn retry_after_is_honoured() {
        let p = no_jitter();
        let o = Outcome::Status {
            status: 429,
            retry_after: Some(Duration::from_secs(38)),
        };
        assert_eq!(
            p.decide(1, &o, true, Duration::ZERO, 0.5),
            Decision::Retry {
                wait: Duration::from_secs(38),
                reason: "HTTP 429 on attempt 1 of 4".into()
            }
        );
    }

    #[test]
    fn too_long_a_retry_after_gives_up_with_the_figure() {
        let p = no_jitter().max_wait(Duration::from_secs(300));
        let o = Outcome::Status {
            status: 429,
            retry_after: Some(Duration::from_secs(3244)),
        };
        match p.decide(1, &o, true, Duration::ZERO, 0.5) {
            Decision::GiveUp { reason } => assert!(reason.contains("3244 s"), "{reason}"),
            d => panic!("expected give-up, got {d:?}"),
        }
    }

    #[test]
    fn attempts_and_budget_are_limits() {
        let p = no_jitter()
            .max_attempts(3)
            .budget(Some(Duration::from_secs(10)));
        assert!(matches!(
            p.decide(3, &status(503), true, Duration::ZERO, 0.5),
            Decision::GiveUp { .. }
        ));
        assert!(matches!(
            p.decide(1, &status(503), true, Duration::from_secs(9), 0.5),
            Decision::GiveUp { .. }
        ));
        assert!(matches!(
            RetryPolicy::none().decide(1, &status(503), true, Duration::ZERO, 0.5),
            Decision::GiveUp { .. }
        ));
    }
}
