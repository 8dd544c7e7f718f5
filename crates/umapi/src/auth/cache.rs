//! The access-token cache.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use idm_http::{ExposeSecret, HttpConfig, SecretString};
use tokio::sync::Mutex;

use super::{Credentials, build_jwt, request_token};

/// An access token with its expiry.
#[derive(Clone)]
pub struct AccessToken {
    /// The bearer token.
    pub value: SecretString,
    /// When it expires (wall clock).
    pub expires_at: SystemTime,
    /// When to fetch a new one: `margin` before expiry (at most half the lifetime early).
    refresh_at: Option<Instant>,
    generation: u64,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("value", &"[REDACTED]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Caches one token; refreshes it `margin` before expiry. The async mutex makes concurrent
/// callers wait for a single refresh instead of each asking IMS.
pub(crate) struct TokenCache {
    credentials: Credentials,
    org_id: String,
    ims_url: String,
    margin: Duration,
    slot: Mutex<Option<AccessToken>>,
    generation: AtomicU64,
    fetched: AtomicU64,
}

impl TokenCache {
    pub(crate) fn new(
        credentials: Credentials,
        org_id: String,
        ims_url: String,
        margin: Duration,
    ) -> Self {
        TokenCache {
            credentials,
            org_id,
            ims_url: ims_url.trim_end_matches('/').to_owned(),
            margin,
            slot: Mutex::new(None),
            generation: AtomicU64::new(0),
            fetched: AtomicU64::new(0),
        }
    }

    pub(crate) fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// How many tokens were fetched from IMS so far.
    pub(crate) fn fetched(&self) -> u64 {
        self.fetched.load(Ordering::Relaxed)
    }

    /// A valid token: the cached one, or a fresh one.
    pub(crate) async fn get(
        &self,
        http: &idm_http::reqwest::Client,
        config: &HttpConfig,
    ) -> crate::Result<(SecretString, u64)> {
        let mut slot = self.slot.lock().await;
        if let Some(t) = slot.as_ref() {
            let fresh = t.refresh_at.is_none_or(|d| Instant::now() < d);
            if fresh {
                return Ok((t.value.clone(), t.generation));
            }
        }
        let token = self.fetch(http, config).await?;
        let out = (token.value.clone(), token.generation);
        *slot = Some(token);
        Ok(out)
    }

    /// Forgets the token of `generation` (after a 401), unless it was replaced already.
    pub(crate) async fn invalidate(&self, generation: u64) -> bool {
        if matches!(self.credentials, Credentials::Token { .. }) {
            return false;
        }
        let mut slot = self.slot.lock().await;
        if slot.as_ref().is_some_and(|t| t.generation == generation) {
            *slot = None;
        }
        true
    }

    async fn fetch(
        &self,
        http: &idm_http::reqwest::Client,
        config: &HttpConfig,
    ) -> crate::Result<AccessToken> {
        let generation = self.generation.fetch_add(1, Ordering::Relaxed) + 1;
        let (value, lifetime) = match &self.credentials {
            Credentials::Token { token, .. } => {
                return Ok(AccessToken {
                    value: token.clone(),
                    expires_at: SystemTime::now() + Duration::from_secs(86_400),
                    refresh_at: None,
                    generation,
                });
            }
            Credentials::OAuth(c) => {
                let url = format!("{}{}", self.ims_url, c.endpoint.path());
                let form = [
                    ("grant_type", "client_credentials"),
                    ("client_id", c.client_id.as_str()),
                    ("client_secret", c.client_secret.expose_secret()),
                    ("scope", c.scope.as_str()),
                ];
                request_token(http, config, &url, &form, false).await?
            }
            Credentials::Jwt(c) => {
                let jwt = build_jwt(
                    &self.org_id,
                    &c.tech_account_id,
                    &c.client_id,
                    &self.ims_url,
                    &c.signer,
                    Duration::from_secs(86_400),
                )?;
                let url = format!("{}/ims/exchange/jwt", self.ims_url);
                let form = [
                    ("client_id", c.client_id.as_str()),
                    ("client_secret", c.client_secret.expose_secret()),
                    ("jwt_token", jwt.as_str()),
                ];
                request_token(http, config, &url, &form, true).await?
            }
        };
        self.fetched.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(target: "umapi::auth", lifetime_s = lifetime.as_secs(), "obtained an access token");
        Ok(AccessToken {
            value,
            expires_at: SystemTime::now() + lifetime,
            refresh_at: Some(Instant::now() + lifetime - self.margin.min(lifetime / 2)),
            generation,
        })
    }
}
