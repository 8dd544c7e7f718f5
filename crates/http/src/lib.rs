//! Shared HTTP parts of the idm clients: transport configuration, an I/O-free retry policy,
//! `Retry-After` parsing, a retrying executor, RSA-SHA256 signing and secret handling.
//!
//! The [`jumpcloud`](https://docs.rs/jumpcloud) and [`umapi`](https://docs.rs/umapi) crates build on
//! this crate; most users configure it through their builders and never name it directly.
//!
//! ```
//! use std::time::Duration;
//! use idm_http::{HttpConfig, RetryPolicy};
//!
//! let config = HttpConfig::default()
//!     .timeout(Duration::from_secs(30))
//!     .user_agent_prefix("my-sync-job/1.2")
//!     .retry(RetryPolicy::default().max_attempts(6));
//! let client = config.build_client().expect("valid configuration");
//! # drop(client);
//! ```
#![warn(missing_docs)]

mod cause;
mod config;
mod error;
mod executor;
mod options;
mod redact;
mod retry;
mod retry_after;
mod setters;
mod signer;

pub mod blocking;
pub mod paging;
pub mod secret;

pub use cause::transport_cause;
pub use config::{ConfigError, HttpConfig, ProxyConfig, install_crypto_provider, user_agent};
pub use error::{BODY_EXCERPT, ErrorResponse, TransportError, bounded_body};
pub use executor::{Attempted, SendError, send_with_retry};
pub use options::RequestOptions;
pub use redact::{REDACTED, redact_url, redact_url_mut, redact_urls};
pub use retry::{Decision, Outcome, RetryPolicy};
pub use retry_after::{RetryAfter, parse_retry_after, secs};
pub use secret::{ExposeSecret, SecretString};
pub use signer::{RsaSigner, SignerError};

/// Re-exported so that users of the clients can name request and URL types without a direct dependency.
pub use reqwest;

/// The version of idm, as sent in the `User-Agent` header.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The first 200 characters of a response body, for error messages (`<empty body>` when empty).
pub fn excerpt(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(body);
    let mut out: String = s.chars().take(200).collect();
    if s.chars().count() > 200 {
        out.push('…');
    }
    if out.is_empty() {
        "<empty body>".into()
    } else {
        out
    }
}

/// Reads the `X-Request-Id` header of a response, if present and printable.
pub fn request_id(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The README's examples, compiled and run as doctests so they keep matching the code.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
