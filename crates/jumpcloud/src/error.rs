//! The client's error type.

use std::time::Duration;

// A URL in a message never shows its password.
use idm_http::redact_urls;

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to JumpCloud.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// JumpCloud answered with an error status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The request could not be completed (connection, TLS, timeout), retries included.
    /// `detail` starts with the root cause in plain words.
    #[error(
        "{operation} ({method} {}): {}",
        redact_urls(path),
        redact_urls(detail)
    )]
    Transport {
        /// The operation id.
        operation: &'static str,
        /// The HTTP method.
        method: &'static str,
        /// The request path.
        path: String,
        /// What happened, with attempts and time spent.
        detail: String,
        /// The underlying error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// A successful response could not be decoded.
    #[error("{operation}: unexpected response: {detail}")]
    Decode {
        /// The operation id.
        operation: &'static str,
        /// What was wrong, with an excerpt of the body.
        detail: String,
    },
    /// The client is misconfigured (API key, base URL, key files).
    #[error("configuration: {}", redact_urls(.0))]
    Config(String),
    /// An argument is invalid (unknown operation, missing parameter, bad value).
    #[error("{0}")]
    Argument(String),
    /// A listing did not add up (a page short, repeated, or the total changed meanwhile).
    #[error(transparent)]
    Paging(#[from] idm_http::paging::PagingError),
}

/// An error answer from JumpCloud: status, the error body parsed and raw, and where it happened.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{operation} ({method} {path}) failed with HTTP {status}: {}{}", message.as_deref().unwrap_or("no message"), hint(*status))]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The operation id.
    pub operation: &'static str,
    /// The HTTP method.
    pub method: &'static str,
    /// The request path (with the API prefix, without the query).
    pub path: String,
    /// The `message` of JumpCloud's error body (`{"message": "..."}`), when there is one.
    pub message: Option<String>,
    /// The error body parsed as JSON, when it is JSON.
    pub body: Option<serde_json::Value>,
    /// The error body as received (at most 4 KiB).
    pub raw: String,
    /// `Retry-After`, when the server sent one.
    pub retry_after: Option<Duration>,
    /// The server's request id (`X-Request-Id`), when it sent one.
    pub request_id: Option<String>,
}

fn hint(status: u16) -> &'static str {
    match status {
        401 => " (check the API key, or the System Context signature and Date)",
        403 => " (the key may lack access to this organisation: check x-org-id)",
        404 => " (no such object, or the id belongs to another organisation)",
        429 => " (rate limited; retries were exhausted)",
        _ => "",
    }
}

impl Error {
    /// The HTTP status of an API error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            _ => None,
        }
    }

    /// Whether this is a 404 from the API.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }
}
