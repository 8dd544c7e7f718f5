//! Per-request overrides of a client's transport settings.

use std::time::Duration;

use reqwest::RequestBuilder;

use crate::retry::RetryPolicy;

/// Settings for one request that override the client's: the builders' `customize(|o| ..)`.
///
/// ```
/// use std::time::Duration;
/// use idm_http::{RequestOptions, RetryPolicy};
///
/// let once_and_quickly = RequestOptions::default()
///     .timeout(Duration::from_secs(5))
///     .retry(RetryPolicy::none());
/// assert_eq!(once_and_quickly.retry_policy(&RetryPolicy::default()).attempts(), 1);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct RequestOptions {
    /// The whole-request timeout of each attempt, instead of the client's.
    pub timeout: Option<Duration>,
    /// The retry policy, instead of the client's.
    pub retry: Option<RetryPolicy>,
}

impl RequestOptions {
    /// Each attempt of the request may take at most `timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Retries as `policy` says ([`RetryPolicy::none`]: a single attempt).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The retry policy in force: this request's, else the client's.
    pub fn retry_policy<'a>(&'a self, client: &'a RetryPolicy) -> &'a RetryPolicy {
        self.retry.as_ref().unwrap_or(client)
    }

    /// Applies the overrides that live on the request itself (the timeout).
    pub fn apply(&self, request: RequestBuilder) -> RequestBuilder {
        match self.timeout {
            Some(t) => request.timeout(t),
            None => request,
        }
    }
}
