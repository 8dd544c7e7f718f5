//! The error type of the UMAPI client.

use idm_http::{ErrorResponse, TransportError};

use crate::action::BatchError;

/// Everything that can go wrong talking to UMAPI.
///
/// Messages say what failed and what to do; none of them contains a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client is misconfigured (missing org id, bad URL, unreadable key file, ...).
    #[error("configuration error: {}", idm_http::redact_urls(.0))]
    Config(String),

    /// An action or query was given invalid arguments; nothing was sent.
    #[error("invalid argument: {0}")]
    Argument(String),

    /// The identity service (IMS) refused to issue an access token.
    #[error(
        "authentication failed at {}: HTTP {status}{}; check the client id and secret \
         (UMAPI_CLIENT_ID, UMAPI_CLIENT_SECRET) and that the integration has the User Management API",
        idm_http::redact_urls(endpoint),
        message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default()
    )]
    Auth {
        /// The token endpoint (no credentials in it).
        endpoint: String,
        /// HTTP status.
        status: u16,
        /// IMS's `error_description` or `error`, when it sent one.
        message: Option<String>,
        /// The body as received (at most [`idm_http::BODY_EXCERPT`] bytes).
        body: String,
    },

    /// UMAPI answered with an error status that retrying cannot fix.
    #[error(transparent)]
    Api(Box<ApiError>),

    /// UMAPI kept answering with a retryable status (429, 502, 503, 504) until the retry policy
    /// gave up ([`ErrorResponse::gave_up`] says which limit).
    #[error(
        "{} {}: UMAPI unavailable, {}; try again later{}",
        .0.method,
        .0.path,
        .0.gave_up.as_deref().unwrap_or("retries exhausted"),
        .0.retry_after.map(|d| format!(" (the server asked to wait {} s)", idm_http::secs(d))).unwrap_or_default()
    )]
    Unavailable(Box<ErrorResponse>),

    /// The network failed (timeouts, refused or reset connections, TLS) until the retry policy
    /// gave up, or in a way retrying cannot fix. The message names the root cause in plain words.
    #[error(
        "{} {}: {}; check the network, proxy and endpoint URL",
        .0.method,
        idm_http::redact_urls(&.0.path),
        .0
    )]
    Transport(#[source] Box<TransportError>),

    /// UMAPI answered 2xx with a body idm cannot read.
    #[error("{what}: unexpected response from UMAPI: {detail}")]
    Decode {
        /// Which request.
        what: String,
        /// What is wrong with the body.
        detail: String,
    },

    /// A paged query ended before the server's own counts say it should: idm refuses to return a
    /// silently short list (a short user list has caused mass deletions downstream). `all()`
    /// returns this error and no list; a stream yields it after the items it had already yielded.
    #[error(
        "{what}: listing ended early: {detail}; the listing is incomplete, run the query again"
    )]
    Truncated {
        /// Which query.
        what: String,
        /// What the pages and headers said.
        detail: String,
    },

    /// Some actions of a batch failed; every action's outcome is inside.
    #[error(transparent)]
    Batch(#[from] Box<BatchError>),

    /// A listing did not add up: a page short, repeated, or at odds with the server's counts
    /// after a second read, or the total changed meanwhile. Never a silently short or long list.
    #[error(transparent)]
    Paging(#[from] idm_http::paging::PagingError),
}

/// An error answer from UMAPI: its `result` code and message, and the response they came in.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "{} {} failed: HTTP {}{}{}",
    response.method,
    response.path,
    response.status,
    code.as_deref().map(|c| format!(" {c}")).unwrap_or_default(),
    message.as_deref().map(|m| format!(": {m}")).unwrap_or_default()
)]
#[non_exhaustive]
pub struct ApiError {
    /// UMAPI's `result` error key (for example `error.organization.invalid_id`).
    pub code: Option<String>,
    /// UMAPI's `message`, or what the status means when it sent none.
    pub message: Option<String>,
    /// Status, request id, `Retry-After` and the body.
    pub response: ErrorResponse,
}

impl Error {
    /// The HTTP status involved, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Auth { status, .. } => Some(*status),
            _ => self.response().map(|r| r.status),
        }
    }

    /// The error response, for an API error or a service that stayed unavailable.
    pub fn response(&self) -> Option<&ErrorResponse> {
        match self {
            Error::Api(e) => Some(&e.response),
            Error::Unavailable(r) => Some(r),
            _ => None,
        }
    }

    /// UMAPI's `result` error key, if any.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.code.as_deref(),
            _ => None,
        }
    }

    /// True for errors worth retrying later (throttling, outages, network failures).
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Unavailable(_) | Error::Transport(_))
    }
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fractional_wait_is_shown_as_it_is() {
        let mut headers = idm_http::reqwest::header::HeaderMap::new();
        headers.insert("retry-after", "0.25".parse().unwrap());
        let answer = idm_http::Attempted {
            status: idm_http::reqwest::StatusCode::TOO_MANY_REQUESTS,
            headers,
            body: Vec::new(),
            attempts: 4,
            elapsed: std::time::Duration::from_secs(1),
            gave_up: Some("HTTP 429 on attempt 4 of 4".into()),
        };
        let e = Error::Unavailable(Box::new(ErrorResponse::new("POST", "/action/org", &answer)));
        assert!(
            e.to_string().contains("the server asked to wait 0.25 s"),
            "{e}"
        );
        assert_eq!(e.status(), Some(429));
        assert!(e.is_transient());
    }

    #[test]
    fn urls_in_messages_never_show_a_password() {
        let auth = Error::Auth {
            endpoint: "https://u:pw-secret@ims.example/ims/token/v3".into(),
            status: 401,
            message: None,
            body: String::new(),
        };
        let config = Error::Config("bad endpoint http://u:pw-secret@host/x".into());
        for e in [auth, config] {
            let shown = e.to_string();
            assert!(!shown.contains("pw-secret"), "{shown}");
            assert!(shown.contains("u:****@"), "{shown}");
        }
    }
}
