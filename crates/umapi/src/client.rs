//! The connection to UMAPI: configuration, authentication, headers, retries, counters.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use idm_http::reqwest::{Method, Url};
use idm_http::{
    Attempted, ErrorResponse, ExposeSecret, HttpConfig, RequestOptions, send_with_retry,
};
use serde::Serialize;
use serde_json::Value;

use crate::auth::{Credentials, DEFAULT_IMS_URL, OAuthS2S, TokenCache};
use crate::error::ApiError;
use crate::limiter::{Limiter, RateLimits, RouteClass};
use crate::{Error, Result};

/// UMAPI's production endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://usermanagement.adobe.io/v2/usermanagement";

/// How actions are batched and sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOptions {
    /// Command entries per request (UMAPI accepts at most 10).
    pub entries_per_request: usize,
    /// Steps per command entry; longer actions are split into several entries (10, as the official client).
    pub steps_per_entry: usize,
    /// Names per `group`/`user`/`productConfiguration` list; longer lists are split (10, documented).
    pub names_per_list: usize,
    /// Requests in flight at once (the rate limiter still paces them).
    pub concurrency: usize,
}

impl BatchOptions {
    /// UMAPI refuses more than 10 entries a request or names a list; and every
    /// setting needs at least 1.
    fn check(&self) -> Result<()> {
        for (name, value, max) in [
            ("entries_per_request", self.entries_per_request, 10),
            ("steps_per_entry", self.steps_per_entry, 10),
            ("names_per_list", self.names_per_list, 10),
            ("concurrency", self.concurrency, usize::MAX),
        ] {
            if value == 0 || value > max {
                let range = if max == usize::MAX {
                    "at least 1".to_owned()
                } else {
                    format!("1 to {max} (UMAPI's limit)")
                };
                return Err(Error::Config(format!(
                    "batch option {name} is {value}; it must be {range}"
                )));
            }
        }
        Ok(())
    }
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            entries_per_request: 10,
            steps_per_entry: 10,
            names_per_list: 10,
            concurrency: 4,
        }
    }
}

/// Builds a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    org_id: Option<String>,
    credentials: Option<Credentials>,
    endpoint: String,
    ims_url: String,
    test_mode: bool,
    http: HttpConfig,
    limits: RateLimits,
    batch: BatchOptions,
    token_margin: Duration,
    /// A problem found by `from_env` (an unreadable key file), reported by `build`.
    env_error: Option<String>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            org_id: None,
            credentials: None,
            endpoint: DEFAULT_ENDPOINT.to_owned(),
            ims_url: DEFAULT_IMS_URL.to_owned(),
            test_mode: false,
            // Each action request says whether it is safe to repeat (see `request_with`).
            http: HttpConfig::default(),
            limits: RateLimits::default(),
            batch: BatchOptions::default(),
            token_margin: Duration::from_secs(300),
            env_error: None,
        }
    }
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl ClientBuilder {
    /// The organization id (`...@AdobeOrg`).
    pub fn org_id(mut self, org_id: impl Into<String>) -> Self {
        self.org_id = Some(org_id.into());
        self
    }

    /// How to obtain access tokens.
    pub fn credentials(mut self, credentials: impl Into<Credentials>) -> Self {
        self.credentials = Some(credentials.into());
        self
    }

    /// OAuth Server-to-Server credentials (the usual case).
    pub fn oauth(self, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        self.credentials(OAuthS2S::new(client_id, client_secret))
    }

    /// The UMAPI endpoint, `https://usermanagement.adobe.io/v2/usermanagement` by default.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = url.into();
        self
    }

    /// The IMS base URL, `https://ims-na1.adobelogin.com` by default.
    pub fn ims_url(mut self, url: impl Into<String>) -> Self {
        self.ims_url = url.into();
        self
    }

    /// Test mode: actions are validated by UMAPI (`testOnly=true`) but change nothing.
    pub fn test_mode(mut self, on: bool) -> Self {
        self.test_mode = on;
        self
    }

    idm_http::transport_setters!(http);

    /// Client-side rate limits (UMAPI's documented per-client limits by default).
    pub fn rate_limits(mut self, limits: RateLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Batching and concurrency of actions.
    pub fn batch_options(mut self, options: BatchOptions) -> Self {
        self.batch = options;
        self
    }

    /// How long before expiry a token is replaced (default 5 minutes).
    pub fn token_refresh_margin(mut self, margin: Duration) -> Self {
        self.token_margin = margin;
        self
    }

    /// Fills unset values from `UMAPI_ORG_ID`, `UMAPI_CLIENT_ID`, `UMAPI_CLIENT_SECRET`,
    /// `UMAPI_ENDPOINT`, `UMAPI_IMS_URL` and `IDM_CA_FILE`.
    pub fn from_env(mut self) -> Self {
        if self.org_id.is_none() {
            self.org_id = env_nonempty("UMAPI_ORG_ID");
        }
        if self.credentials.is_none()
            && let (Some(id), Some(secret)) = (
                env_nonempty("UMAPI_CLIENT_ID"),
                env_nonempty("UMAPI_CLIENT_SECRET"),
            )
        {
            // A technical account and a key file mean a (legacy) JWT integration.
            match (
                env_nonempty("UMAPI_TECHNICAL_ACCOUNT_ID"),
                env_nonempty("UMAPI_PRIVATE_KEY_FILE"),
            ) {
                (Some(tech), Some(key)) => {
                    match crate::JwtAuth::from_key_file(id, secret, tech, &key) {
                        Ok(jwt) => self.credentials = Some(jwt.into()),
                        Err(e) => self.env_error = Some(format!("UMAPI_PRIVATE_KEY_FILE: {e}")),
                    }
                }
                (None, None) => self.credentials = Some(OAuthS2S::new(id, secret).into()),
                _ => {
                    self.env_error = Some(
                        "set both UMAPI_TECHNICAL_ACCOUNT_ID and UMAPI_PRIVATE_KEY_FILE for a JWT integration, or neither for OAuth Server-to-Server".into(),
                    )
                }
            }
        }
        if let Some(e) = env_nonempty("UMAPI_ENDPOINT") {
            self.endpoint = e;
        }
        if let Some(i) = env_nonempty("UMAPI_IMS_URL") {
            self.ims_url = i;
        }
        self.http = self.http.ca_file_from_env();
        self
    }

    /// Reads only `IDM_CA_FILE` from the environment.
    pub(crate) fn ca_file_from_env(mut self) -> Self {
        self.http = self.http.ca_file_from_env();
        self
    }

    /// Checks the configuration and builds the client. Nothing is sent yet.
    pub fn build(self) -> Result<Client> {
        if let Some(e) = self.env_error {
            return Err(Error::Config(e));
        }
        let org_id = self
            .org_id
            .filter(|o| !o.trim().is_empty())
            .ok_or_else(|| {
                Error::Config("no organization id: set it with org_id(...) or UMAPI_ORG_ID".into())
            })?;
        let credentials = self.credentials.ok_or_else(|| {
            Error::Config(
                "no credentials: give oauth(client_id, client_secret) or set UMAPI_CLIENT_ID and UMAPI_CLIENT_SECRET".into(),
            )
        })?;
        self.batch.check()?;
        let cfg = |e: idm_http::ConfigError| Error::Config(e.to_string());
        let endpoint = self
            .http
            .check_url(self.endpoint.trim_end_matches('/'))
            .map_err(cfg)?;
        self.http.check_url(&self.ims_url).map_err(cfg)?;
        let http = self.http.build_client().map_err(cfg)?;
        let session = uuid_v4();
        Ok(Client {
            options: RequestOptions::default(),
            inner: Arc::new(Inner {
                auth: TokenCache::new(
                    credentials,
                    org_id.clone(),
                    self.ims_url.clone(),
                    self.token_margin,
                ),
                org_id,
                endpoint,
                ims_url: self.ims_url,
                test_mode: self.test_mode,
                http,
                config: self.http,
                limiter: Limiter::new(self.limits),
                batch: self.batch,
                session,
                sync_start: AtomicBool::new(false),
                sync_end: AtomicBool::new(false),
                counters: Counters::default(),
                remote_status: std::sync::Mutex::new(None),
            }),
        })
    }
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) requests: AtomicU64,
    pub(crate) retries: AtomicU64,
    pub(crate) queries: AtomicU64,
    pub(crate) actions_queued: AtomicU64,
    pub(crate) actions_sent: AtomicU64,
    pub(crate) actions_completed: AtomicU64,
    pub(crate) actions_failed: AtomicU64,
}

pub(crate) struct Inner {
    pub(crate) org_id: String,
    endpoint: Url,
    ims_url: String,
    pub(crate) test_mode: bool,
    http: idm_http::reqwest::Client,
    config: HttpConfig,
    auth: TokenCache,
    limiter: Limiter,
    pub(crate) batch: BatchOptions,
    session: String,
    sync_start: AtomicBool,
    sync_end: AtomicBool,
    pub(crate) counters: Counters,
    remote_status: std::sync::Mutex<Option<Value>>,
}

/// A connection to one organization's UMAPI. Cheap to clone; clones share the token, the rate
/// limiter and the counters.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
    /// This handle's overrides of the transport settings ([`Client::customized`]).
    options: RequestOptions,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("org_id", &self.inner.org_id)
            .field("endpoint", &self.inner.endpoint.as_str())
            .field("ims_url", &self.inner.ims_url)
            .field("credentials", self.inner.auth.credentials())
            .field("test_mode", &self.inner.test_mode)
            .finish()
    }
}

/// The client's own counters, as `status()` reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LocalStatus {
    /// HTTP requests sent to UMAPI (retries included).
    pub requests: u64,
    /// Retries made after throttling or transient failures.
    pub retries: u64,
    /// Query pages and single-user queries made.
    pub queries: u64,
    /// Command entries queued for sending.
    pub actions_queued: u64,
    /// Command entries sent.
    pub actions_sent: u64,
    /// Command entries UMAPI reported completed.
    pub actions_completed: u64,
    /// Command entries that failed.
    pub actions_failed: u64,
    /// Access tokens fetched from IMS.
    pub tokens_fetched: u64,
}

/// A percent-encoding set for one path segment: everything but unreserved characters and `@`.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@');

/// Percent-encodes one path segment (group names, user strings).
pub(crate) fn segment(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, SEGMENT).to_string()
}

/// A random RFC 4122 version-4 UUID (not for secrets: only to correlate requests).
fn uuid_v4() -> String {
    let mut b: [u8; 16] = std::array::from_fn(|_| fastrand::u8(..));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

impl Client {
    /// Starts building a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The organization id.
    pub fn org_id(&self) -> &str {
        &self.inner.org_id
    }

    /// The UMAPI endpoint, as configured (a password in it is not shown).
    pub fn endpoint_url(&self) -> String {
        let mut u = self.inner.endpoint.clone();
        if u.password().is_some() {
            let _ = u.set_password(Some("****"));
        }
        u.to_string()
    }

    /// Whether actions run in test mode.
    pub fn test_mode(&self) -> bool {
        self.inner.test_mode
    }

    /// Sends `Pragma: umapi-sync-start` on the next request (marks the start of a sync run).
    pub fn start_sync(&self) {
        self.inner.sync_start.store(true, Ordering::SeqCst);
    }

    /// Sends `Pragma: umapi-sync-end` on the next request (after a pending start signal).
    pub fn end_sync(&self) {
        self.inner.sync_end.store(true, Ordering::SeqCst);
    }

    /// The client's counters.
    pub fn local_status(&self) -> LocalStatus {
        let c = &self.inner.counters;
        let r = |a: &AtomicU64| a.load(Ordering::Relaxed);
        LocalStatus {
            requests: r(&c.requests),
            retries: r(&c.retries),
            queries: r(&c.queries),
            actions_queued: r(&c.actions_queued),
            actions_sent: r(&c.actions_sent),
            actions_completed: r(&c.actions_completed),
            actions_failed: r(&c.actions_failed),
            tokens_fetched: self.inner.auth.fetched(),
        }
    }

    /// The service's own status (`GET /status`, no authentication), cached after the first call
    /// unless `refresh` is set; the answer gains an `endpoint` key naming where it came from.
    pub async fn remote_status(&self, refresh: bool) -> Result<Value> {
        let cached = self
            .inner
            .remote_status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let (false, Some(v)) = (refresh, cached) {
            return Ok(v);
        }
        let url = self.status_url();
        let http = self.inner.http.clone();
        let attempted = self
            .send("GET", "/status", None, true, |_| {
                let req = http.get(url.clone()).header("Accept", "application/json");
                async move { Ok(req) }
            })
            .await?;
        let mut v = self.json_ok(&attempted, "GET", "/status")?;
        if let Value::Object(m) = &mut v {
            m.insert(
                "endpoint".into(),
                Value::String(self.inner.endpoint.to_string()),
            );
        }
        *self
            .inner
            .remote_status
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(v.clone());
        Ok(v)
    }

    /// `(local counters, remote status)`, like the official client's `status(remote=True)`.
    pub async fn status(&self) -> Result<(LocalStatus, Value)> {
        let remote = self.remote_status(true).await?;
        Ok((self.local_status(), remote))
    }

    fn status_url(&self) -> Url {
        let mut u = self.inner.endpoint.clone();
        let path = u.path().trim_end_matches('/');
        let root = path.strip_suffix("/v2/usermanagement").unwrap_or("");
        u.set_path(&format!("{root}/status"));
        u.set_query(None);
        u
    }

    /// Sends one UMAPI request that is safe to repeat: rate limit, token, headers, retries, one
    /// re-authentication on 401. Returns the final response whatever its status, except
    /// exhausted retries (an error).
    pub(crate) async fn request(
        &self,
        class: RouteClass,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Attempted> {
        self.request_with(class, method, path, query, body, true)
            .await
    }

    /// As [`request`](Self::request); `idempotent: false` keeps the retry policy from repeating
    /// the request after an answer was lost (a gateway error, a reset, a timeout), when the
    /// server may have applied it: only refusals that say it was not (429, 503) are retried.
    pub(crate) async fn request_with(
        &self,
        class: RouteClass,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Vec<u8>>,
        idempotent: bool,
    ) -> Result<Attempted> {
        let inner = &self.inner;
        let mut url = inner.endpoint.clone();
        url.set_path(&format!(
            "{}{}",
            inner.endpoint.path().trim_end_matches('/'),
            path
        ));
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        // Take the sync signal now: it goes on every attempt of this one call, then never again.
        let pragma = if inner.sync_start.swap(false, Ordering::SeqCst) {
            Some("umapi-sync-start")
        } else if inner.sync_end.swap(false, Ordering::SeqCst) {
            Some("umapi-sync-end")
        } else {
            None
        };
        let method_name = method_str(&method);
        // Shared, not copied, by every attempt.
        let body = body.map(bytes::Bytes::from);
        let mut reauthenticated = false;
        loop {
            let generation = std::sync::Mutex::new(0u64);
            let attempted = self
                .send(method_name, path, Some(class), idempotent, |_| {
                    let (url, method, body) = (url.clone(), method.clone(), body.clone());
                    let generation = &generation;
                    async move {
                        let (token, gen_) = inner.auth.get(&inner.http, &inner.config).await?;
                        *generation.lock().unwrap_or_else(|p| p.into_inner()) = gen_;
                        let mut req = inner
                            .http
                            .request(method, url)
                            .bearer_auth(token.expose_secret())
                            .header("X-Api-Key", inner.auth.credentials().client_id())
                            .header("X-Request-Id", self.request_id())
                            .header("Accept", "application/json")
                            .header("Content-Type", "application/json");
                        if let Some(p) = pragma {
                            req = req.header("Pragma", p);
                        }
                        if let Some(b) = body {
                            req = req.body(b);
                        }
                        Ok(req)
                    }
                })
                .await;
            let attempted = match attempted {
                Ok(a) => a,
                Err(e) => {
                    if never_reached_the_server(&e) {
                        // The signal was not delivered: it goes on the next request instead
                        // (a run must not send its end without its start).
                        match pragma {
                            Some("umapi-sync-start") => {
                                inner.sync_start.store(true, Ordering::SeqCst)
                            }
                            Some(_) => inner.sync_end.store(true, Ordering::SeqCst),
                            None => {}
                        }
                    }
                    return Err(e);
                }
            };
            if attempted.status.as_u16() == 401 && !reauthenticated {
                let g = *generation.lock().unwrap_or_else(|p| p.into_inner());
                if inner.auth.invalidate(g).await {
                    tracing::warn!(target: "umapi::auth", "{method_name} {path}: HTTP 401, fetching a new token and trying once more");
                    reauthenticated = true;
                    continue;
                }
            }
            return Ok(attempted);
        }
    }

    /// A handle on the same client (token, rate limiter, counters) whose requests override the
    /// client's timeout or retry policy. The query builders' `customize` uses it; use it for
    /// actions too.
    ///
    /// ```no_run
    /// # async fn f(client: umapi::Client) -> umapi::Result<()> {
    /// use std::time::Duration;
    /// use umapi::RetryPolicy;
    ///
    /// // A quick liveness probe: one attempt, five seconds.
    /// let probe = client.customized(|o| o.timeout(Duration::from_secs(5)).retry(RetryPolicy::none()));
    /// let groups = probe.groups().all().await?;
    /// # drop(groups); Ok(()) }
    /// ```
    pub fn customized(&self, f: impl FnOnce(RequestOptions) -> RequestOptions) -> Client {
        Client {
            inner: Arc::clone(&self.inner),
            options: f(self.options.clone()),
        }
    }

    /// Whether a sync start signal is still waiting for a request to carry it.
    pub fn sync_start_pending(&self) -> bool {
        self.inner.sync_start.load(Ordering::SeqCst)
    }

    /// Runs `send_with_retry` with counters, the rate limiter and error mapping.
    async fn send<F, Fut>(
        &self,
        method: &'static str,
        path: &str,
        class: Option<RouteClass>,
        idempotent: bool,
        mut prepare: F,
    ) -> Result<Attempted>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<idm_http::reqwest::RequestBuilder>>,
    {
        let inner = &self.inner;
        let what = format!("{method} {path}");
        let policy = self.options.retry_policy(inner.config.retry_policy());
        let options = &self.options;
        let result = send_with_retry(policy, idempotent, &what, |attempt| {
            let fut = prepare(attempt);
            async move {
                if let Some(class) = class {
                    inner.limiter.acquire(class).await;
                }
                inner.counters.requests.fetch_add(1, Ordering::Relaxed);
                if attempt > 1 {
                    inner.counters.retries.fetch_add(1, Ordering::Relaxed);
                }
                fut.await.map(|r| options.apply(r))
            }
        })
        .await;
        let attempted = match result {
            Ok(a) => a,
            Err(e) => {
                return Err(match e.into_transport(method, path) {
                    Ok(t) => Error::Transport(Box::new(t)),
                    Err(prepare) => prepare,
                });
            }
        };
        if attempted.gave_up.is_some() {
            return Err(Error::Unavailable(Box::new(ErrorResponse::new(
                method, path, &attempted,
            ))));
        }
        Ok(attempted)
    }

    fn request_id(&self) -> String {
        let ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        format!("{}_{ms}", self.inner.session)
    }

    /// Turns a non-2xx response into [`Error::Api`]; parses a 2xx body as JSON.
    pub(crate) fn json_ok(&self, a: &Attempted, method: &'static str, path: &str) -> Result<Value> {
        if !a.status.is_success() {
            return Err(api_error(a, method, path));
        }
        serde_json::from_slice(&a.body).map_err(|e| Error::Decode {
            what: format!("{method} {path}"),
            detail: format!("body is not JSON ({e}): {}", excerpt(&a.body)),
        })
    }
}

fn method_str(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        _ => "REQUEST",
    }
}

pub(crate) use idm_http::excerpt;

/// Builds [`Error::Api`] from an error response.
pub(crate) fn api_error(a: &Attempted, method: &'static str, path: &str) -> Error {
    let parsed: Option<Value> = serde_json::from_slice(&a.body).ok();
    let field = |k: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let mut message = field("message");
    if message.is_none() && a.status.as_u16() == 401 {
        message =
            Some("the access token was refused; check the client id, secret and org id".into());
    }
    if message.is_none() && a.status.as_u16() == 403 {
        message = Some(
            "forbidden: the API key (client id) is missing, wrong, or not authorised for this org"
                .into(),
        );
    }
    Error::Api(Box::new(ApiError {
        code: field("result").or_else(|| field("error_code")),
        message,
        response: ErrorResponse::new(method, path, a),
    }))
}

/// Errors raised before any attempt reached the server (no token, no connection).
fn never_reached_the_server(e: &Error) -> bool {
    match e {
        Error::Auth { .. } | Error::Config(_) | Error::Argument(_) => true,
        Error::Transport(t) => t.is_connect(),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
