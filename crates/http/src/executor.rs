//! The retrying executor: runs attempts, asks the [`RetryPolicy`] what to do, sleeps, logs.

use std::error::Error as StdError;
use std::future::Future;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, StatusCode};

use crate::cause::transport_cause;
use crate::redact::redact_url_mut;
use crate::retry::{Decision, Outcome, RetryPolicy};
use crate::retry_after::{parse_retry_after, secs};

/// A response read to the end, with the story of how it was obtained.
#[derive(Debug)]
pub struct Attempted {
    /// Final HTTP status.
    pub status: StatusCode,
    /// Final response headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Vec<u8>,
    /// How many attempts were made (1 = no retry).
    pub attempts: u32,
    /// Time from the first attempt to the end of the last one.
    pub elapsed: Duration,
    /// Set when the status was retryable but a limit stopped the retries; says which limit.
    pub gave_up: Option<String>,
}

impl Attempted {
    /// The wait the server asked for in `Retry-After`, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        retry_after_of(&self.headers)
    }
}

/// A request that produced no response.
#[derive(Debug, thiserror::Error)]
pub enum SendError<E: StdError + 'static> {
    /// Preparing the request failed (for example, fetching an access token).
    #[error(transparent)]
    Prepare(E),
    /// The transport failed on the last attempt. `reason` starts with the root cause in plain
    /// words (see [`transport_cause`](crate::transport_cause)), then says why retries stopped.
    #[error("{reason} (after {attempts} attempt(s) in {} s)", secs(*elapsed))]
    Transport {
        /// Classification of the last failure.
        outcome: Outcome,
        /// Attempts made.
        attempts: u32,
        /// Time spent.
        elapsed: Duration,
        /// The root cause, then why retries stopped (or that the error is not retried).
        reason: String,
        /// The last transport error (a password in its URL shown as `****`).
        #[source]
        source: reqwest::Error,
    },
}

fn retry_after_of(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value).map(|r| r.wait_from(SystemTime::now()))
}

/// Classifies a transport error for the retry policy.
pub(crate) fn classify(err: &reqwest::Error) -> Outcome {
    // A certificate problem will not go away by retrying.
    if crate::cause::is_tls(err) || err.is_builder() || err.is_redirect() {
        return Outcome::Fatal;
    }
    if err.is_timeout() {
        Outcome::Timeout
    } else if err.is_connect() {
        Outcome::Connect
    } else {
        // Broken connection, truncated body, protocol error mid-flight.
        Outcome::Reset
    }
}

/// Sends a request with retries and reads the whole response body.
///
/// `prepare(attempt)` builds the request for each attempt (1-based), so that headers such as an
/// access token or a request date are fresh every time; it may wait (for a rate limiter) and may fail
/// with the caller's error type. `what` names the request in logs (never include secrets).
///
/// Every retry is logged at WARN with its reason and wait. A retryable status that exhausts the
/// policy is returned as a response with [`Attempted::gave_up`] set, so the caller can build its own
/// error from the status and body.
pub async fn send_with_retry<E, F, Fut>(
    policy: &RetryPolicy,
    idempotent: bool,
    what: &str,
    mut prepare: F,
) -> Result<Attempted, SendError<E>>
where
    E: StdError + 'static,
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<RequestBuilder, E>>,
{
    let start = Instant::now();
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let request = prepare(attempt).await.map_err(SendError::Prepare)?;
        let result = match request.send().await {
            Ok(resp) => {
                let status = resp.status();
                let headers = resp.headers().clone();
                resp.bytes().await.map(|b| (status, headers, b.to_vec()))
            }
            Err(e) => Err(e),
        };
        // The error's message shows its URL: never with a password in it.
        let result = result.map_err(|mut e| {
            if let Some(url) = e.url_mut() {
                redact_url_mut(url);
            }
            e
        });
        let cause = result.as_ref().err().map(transport_cause);
        let elapsed = start.elapsed();
        // One line per attempt: what, which attempt, the status or the transport error, and
        // the time so far. Never headers or bodies (they may hold secrets).
        match &result {
            Ok((status, _, body)) => tracing::debug!(
                target: "idm_http::request",
                "{what}: {status} ({} bytes, attempt {attempt}, {} ms)",
                body.len(),
                elapsed.as_millis()
            ),
            Err(e) => tracing::debug!(
                target: "idm_http::request",
                "{what}: no answer (attempt {attempt}, {} ms): {} ({e})",
                elapsed.as_millis(),
                cause.as_deref().unwrap_or_default()
            ),
        }
        let (outcome, ok) = match result {
            Ok((status, headers, body)) => (
                Outcome::Status {
                    status: status.as_u16(),
                    retry_after: retry_after_of(&headers),
                },
                Ok((status, headers, body)),
            ),
            Err(e) => (classify(&e), Err(e)),
        };
        let decision = policy.decide(attempt, &outcome, idempotent, elapsed, fastrand::f64());
        match (decision, ok) {
            (Decision::Retry { wait, reason }, _) => {
                let why = match &cause {
                    Some(c) => format!("{reason}: {c}"),
                    None => reason,
                };
                tracing::warn!(
                    target: "idm_http::retry",
                    request = what,
                    attempt,
                    wait_ms = wait.as_millis() as u64,
                    "retrying {what} in {} s: {why}",
                    secs(wait)
                );
                tokio::time::sleep(wait).await;
            }
            (decision, Ok((status, headers, body))) => {
                let gave_up = match decision {
                    Decision::GiveUp { reason } => Some(reason),
                    _ => None,
                };
                return Ok(Attempted {
                    status,
                    headers,
                    body,
                    attempts: attempt,
                    elapsed,
                    gave_up,
                });
            }
            (decision, Err(source)) => {
                let limit = match decision {
                    Decision::GiveUp { reason } => format!("gave up: {reason}"),
                    _ if outcome == Outcome::Fatal => "not retried".to_owned(),
                    // A timeout or a reset of a request that may have been applied.
                    _ => format!(
                        "{}, not retried: the request may have reached the server",
                        outcome.describe()
                    ),
                };
                let cause = cause.unwrap_or_else(|| outcome.describe());
                let reason = format!("{cause}; {limit}");
                return Err(SendError::Transport {
                    outcome,
                    attempts: attempt,
                    elapsed,
                    reason,
                    source,
                });
            }
        }
    }
}
