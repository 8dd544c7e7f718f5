//! The client's error type.

// A URL in a message never shows its password.
use idm_http::{ErrorResponse, TransportError, redact_urls};

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to JumpCloud.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// JumpCloud answered with an error status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The request could not be completed (connection, TLS, timeout), retries included. The
    /// message starts with the root cause in plain words.
    #[error(
        "{operation} ({} {}): {source}",
        source.method,
        redact_urls(&source.path)
    )]
    Transport {
        /// The operation id.
        operation: &'static str,
        /// What failed: method, path, attempts, the cause.
        #[source]
        source: Box<TransportError>,
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

/// An error answer from JumpCloud: the operation, the error body parsed, and the response.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "{operation} ({} {}) failed with HTTP {}: {}{}",
    response.method,
    response.path,
    response.status,
    message.as_deref().unwrap_or("no message"),
    hint(response.status)
)]
#[non_exhaustive]
pub struct ApiError {
    /// The operation id.
    pub operation: &'static str,
    /// The `message` of JumpCloud's error body (`{"message": "..."}`), when there is one.
    pub message: Option<String>,
    /// The error body parsed as JSON, when it is JSON.
    pub body: Option<serde_json::Value>,
    /// Status, path, request id, `Retry-After` and the body as received.
    pub response: ErrorResponse,
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
        self.response().map(|r| r.status)
    }

    /// The error response of an API error.
    pub fn response(&self) -> Option<&ErrorResponse> {
        match self {
            Error::Api(e) => Some(&e.response),
            _ => None,
        }
    }

    /// Whether this is a 404 from the API.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// True for errors worth retrying later (throttling, outages, network failures).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Api(e) => e.response.is_transient(),
            Error::Transport { .. } => true,
            _ => false,
        }
    }
}
