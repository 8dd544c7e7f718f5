//! The error core both clients wrap: what a failed request leaves behind, in one shape.
//!
//! [`ErrorResponse`] is an answer with an error status (or a retryable status the retry policy
//! gave up on); [`TransportError`] is no answer at all. Each client's `Error` holds one of them,
//! boxed, beside what only that API knows (UMAPI's `result` code, JumpCloud's operation id).

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use crate::executor::{Attempted, SendError};
use crate::redact::redact_urls;
use crate::retry_after::secs;

/// The most of an error body an [`ErrorResponse`] keeps, in bytes.
pub const BODY_EXCERPT: usize = 4096;

/// An answer with an error status: the facts every API error shares.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ErrorResponse {
    /// The HTTP method.
    pub method: &'static str,
    /// The request path (no query string, no credentials).
    pub path: String,
    /// The HTTP status.
    pub status: u16,
    /// The server's request id (`X-Request-Id`), for a support ticket.
    pub request_id: Option<String>,
    /// The wait the server asked for (`Retry-After`).
    pub retry_after: Option<Duration>,
    /// The body as received, cut to [`BODY_EXCERPT`] bytes at a character boundary.
    pub body: String,
    /// Attempts made (1 = not retried).
    pub attempts: u32,
    /// Set when the status was retryable and a retry limit stopped the retries: which limit.
    pub gave_up: Option<String>,
}

impl ErrorResponse {
    /// The error answer of a request that was `method path`.
    pub fn new(method: &'static str, path: impl Into<String>, answer: &Attempted) -> Self {
        ErrorResponse {
            method,
            path: path.into(),
            status: answer.status.as_u16(),
            request_id: crate::request_id(&answer.headers),
            retry_after: answer.retry_after(),
            body: bounded_body(&answer.body),
            attempts: answer.attempts,
            gave_up: answer.gave_up.clone(),
        }
    }

    /// Whether retrying later may succeed: throttling or a server that is down.
    pub fn is_transient(&self) -> bool {
        matches!(self.status, 429 | 502 | 503 | 504) || self.gave_up.is_some()
    }
}

impl fmt::Display for ErrorResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: HTTP {}",
            self.method,
            redact_urls(&self.path),
            self.status
        )?;
        if let Some(wait) = self.retry_after {
            write!(f, " (the server asked to wait {} s)", secs(wait))?;
        }
        Ok(())
    }
}

/// The body as text, at most [`BODY_EXCERPT`] bytes of it (cut at a character boundary).
pub fn bounded_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.len() <= BODY_EXCERPT {
        return text.into_owned();
    }
    let mut end = BODY_EXCERPT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

/// No answer: the connection, TLS or a timeout failed on the last attempt.
///
/// The message starts with the root cause in plain words (see
/// [`transport_cause`](crate::transport_cause)); the transport's own error is the
/// [`source`](StdError::source), its type not part of this API.
#[derive(Debug, thiserror::Error)]
#[error("{reason} (after {attempts} attempt(s) in {} s)", secs(*elapsed))]
#[non_exhaustive]
pub struct TransportError {
    /// The HTTP method.
    pub method: &'static str,
    /// The request path, or the URL of a request outside the API (a token endpoint).
    pub path: String,
    /// The root cause, then why retries stopped (or that the error is not retried).
    pub reason: String,
    /// Attempts made.
    pub attempts: u32,
    /// Time from the first attempt to the end of the last.
    pub elapsed: Duration,
    connect: bool,
    #[source]
    source: Box<dyn StdError + Send + Sync>,
}

impl TransportError {
    /// Whether no connection was made (refused, DNS, TLS handshake): the request never reached
    /// the server, so even a change-making request is safe to send again.
    pub fn is_connect(&self) -> bool {
        self.connect
    }
}

impl<E: StdError + 'static> SendError<E> {
    /// Splits a failed send: the transport failure of `method path` as a [`TransportError`], or
    /// the error that stopped the request before it was sent.
    pub fn into_transport(
        self,
        method: &'static str,
        path: impl Into<String>,
    ) -> Result<TransportError, E> {
        match self {
            SendError::Prepare(e) => Err(e),
            SendError::Transport {
                reason,
                attempts,
                elapsed,
                source,
                ..
            } => Ok(TransportError {
                method,
                path: path.into(),
                reason,
                attempts,
                elapsed,
                connect: source.is_connect(),
                source: Box::new(source),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;
    use reqwest::header::HeaderMap;

    fn answer(status: u16, body: &[u8], headers: &[(&'static str, &str)]) -> Attempted {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, v.parse().unwrap());
        }
        Attempted {
            status: StatusCode::from_u16(status).unwrap(),
            headers: map,
            body: body.to_vec(),
            attempts: 2,
            elapsed: Duration::from_millis(5),
            gave_up: None,
        }
    }

    #[test]
    fn keeps_status_request_id_retry_after_and_a_bounded_body() {
        let mut body = "é".repeat(BODY_EXCERPT);
        body.push_str("tail");
        let a = answer(
            429,
            body.as_bytes(),
            &[("x-request-id", "req-1"), ("retry-after", "3")],
        );
        let e = ErrorResponse::new("GET", "/users/0", &a);
        assert_eq!(e.status, 429);
        assert_eq!(e.request_id.as_deref(), Some("req-1"));
        assert_eq!(e.retry_after, Some(Duration::from_secs(3)));
        assert!(e.body.len() <= BODY_EXCERPT && e.body.len() > BODY_EXCERPT - 2);
        assert!(e.body.chars().all(|c| c == 'é'));
        assert_eq!(e.attempts, 2);
        assert!(e.is_transient());
        assert_eq!(
            e.to_string(),
            "GET /users/0: HTTP 429 (the server asked to wait 3 s)"
        );
        let e = ErrorResponse::new("GET", "/users/0", &answer(404, b"{}", &[]));
        assert!(!e.is_transient());
        assert_eq!(e.body, "{}");
    }

    #[test]
    fn a_path_shown_never_holds_a_password() {
        let e = ErrorResponse::new(
            "POST",
            "https://u:pw-secret@ims.example/token",
            &answer(400, b"", &[]),
        );
        assert!(!e.to_string().contains("pw-secret"), "{e}");
    }
}
