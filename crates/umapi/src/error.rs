//! The error type of the UMAPI client.

use std::time::Duration;

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
        /// The raw body.
        body: String,
    },

    /// UMAPI answered with an error status that retrying cannot fix.
    #[error("{method} {path} failed: HTTP {status}{}{}", code.as_deref().map(|c| format!(" {c}")).unwrap_or_default(), message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Api {
        /// HTTP method.
        method: &'static str,
        /// Request path below the endpoint.
        path: String,
        /// HTTP status.
        status: u16,
        /// UMAPI's `result` error key (for example `error.organization.invalid_id`).
        code: Option<Box<str>>,
        /// UMAPI's `message`.
        message: Option<Box<str>>,
        /// The raw body.
        body: String,
        /// The `X-Request-Id` of the response.
        request_id: Option<Box<str>>,
    },

    /// UMAPI kept answering with a retryable status (429, 502, 503, 504) until the retry policy gave up.
    #[error(
        "{method} {path}: UMAPI unavailable, {reason}; try again later{}",
        retry_after.map(|d| format!(" (the server asked to wait {} s)", idm_http::secs(d))).unwrap_or_default()
    )]
    Unavailable {
        /// HTTP method.
        method: &'static str,
        /// Request path below the endpoint.
        path: String,
        /// The last status.
        status: u16,
        /// Which retry limit was reached.
        reason: String,
        /// Attempts made.
        attempts: u32,
        /// The last `Retry-After`.
        retry_after: Option<Duration>,
        /// The last body.
        body: String,
    },

    /// The network failed (timeouts, refused or reset connections, TLS) until the retry policy
    /// gave up, or in a way retrying cannot fix. `reason` names the root cause in plain words.
    #[error(
        "{method} {}: {reason} (after {attempts} attempt(s)); check the network, proxy and endpoint URL",
        idm_http::redact_urls(path)
    )]
    Transport {
        /// HTTP method.
        method: &'static str,
        /// Request path below the endpoint (the token endpoint's URL for a token request).
        path: String,
        /// What failed (the root cause) and why retries stopped.
        reason: String,
        /// Attempts made.
        attempts: u32,
        /// The transport failure.
        #[source]
        source: idm_http::reqwest::Error,
    },

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

impl Error {
    /// The HTTP status involved, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Auth { status, .. }
            | Error::Api { status, .. }
            | Error::Unavailable { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// UMAPI's `result` error key, if any.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// True for errors worth retrying later (throttling, outages, network failures).
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Unavailable { .. } | Error::Transport { .. })
    }
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fractional_wait_is_shown_as_it_is() {
        let e = Error::Unavailable {
            method: "POST",
            path: "/action/org".into(),
            status: 429,
            reason: "HTTP 429 on attempt 4 of 4".into(),
            attempts: 4,
            retry_after: Some(Duration::from_millis(250)),
            body: String::new(),
        };
        assert!(
            e.to_string().contains("the server asked to wait 0.25 s"),
            "{e}"
        );
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
