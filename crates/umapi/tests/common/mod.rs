//! Shared set-up: an in-process sandbox and a client pointed at it.
#![allow(dead_code)]

use std::time::Duration;

use idm_sandbox::{Sandbox, SandboxConfig};
use umapi::{Client, ClientBuilder, HttpConfig, RateLimits, RetryPolicy};

/// A retry policy with short waits, so fault tests run fast.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .retry_non_idempotent(true)
        .base_delay(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(50))
        .max_attempts(4)
}

pub async fn sandbox(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config).await.expect("sandbox starts")
}

pub fn builder(sb: &Sandbox) -> ClientBuilder {
    let info = sb.umapi_info();
    let mut http = HttpConfig::default().retry(fast_retries());
    if let Some(ca) = sb.ca_file() {
        http = http.ca_file(ca);
    }
    Client::builder()
        .org_id(info.org_id)
        .oauth(info.client_id, info.client_secret)
        .endpoint(info.endpoint)
        .ims_url(info.ims)
        .http_config(http)
        .rate_limits(RateLimits::unlimited())
}

pub async fn start(config: SandboxConfig) -> (Sandbox, Client) {
    let sb = sandbox(config).await;
    let client = builder(&sb).build().expect("client builds");
    (sb, client)
}
