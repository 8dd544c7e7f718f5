//! The client and its builder.

use std::sync::Arc;

use idm_http::reqwest::Url;
use idm_http::{ExposeSecret, HttpConfig, RetryPolicy, SecretString};

use crate::error::{Error, Result};
use crate::system_context::SystemContext;

/// JumpCloud's regions (the console root; the client appends `/api` and `/api/v2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    /// `https://console.jumpcloud.com`.
    Us,
    /// `https://console.eu.jumpcloud.com`.
    Eu,
    /// `https://console.in.jumpcloud.com`.
    In,
}

impl Region {
    /// The console root URL.
    pub fn base_url(self) -> &'static str {
        match self {
            Region::Us => "https://console.jumpcloud.com",
            Region::Eu => "https://console.eu.jumpcloud.com",
            Region::In => "https://console.in.jumpcloud.com",
        }
    }
}

/// Builds a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    api_key: Option<SecretString>,
    base_url: String,
    org_id: Option<String>,
    http: HttpConfig,
    system_context: Option<SystemContext>,
    headers_by_hand: bool,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            api_key: None,
            base_url: Region::Us.base_url().into(),
            org_id: None,
            http: HttpConfig::default(),
            system_context: None,
            headers_by_hand: false,
        }
    }
}

impl ClientBuilder {
    /// The API key (sent as `x-api-key`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(SecretString::from(key.into()));
        self
    }

    /// A region's console root.
    pub fn region(mut self, region: Region) -> Self {
        self.base_url = region.base_url().into();
        self
    }

    /// Any console root, e.g. a sandbox's `http://127.0.0.1:PORT` (a trailing `/api` is accepted).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The default `x-org-id`, for multi-tenant administrators; each call can override it.
    pub fn org_id(mut self, org_id: impl Into<String>) -> Self {
        self.org_id = Some(org_id.into());
        self
    }

    idm_http::transport_setters!(http);

    /// Signs every request as a system (System Context Authorization) unless the call sets
    /// `Authorization` itself.
    pub fn system_context(mut self, context: SystemContext) -> Self {
        self.system_context = Some(context);
        self
    }

    /// Fills what is not set yet from `JUMPCLOUD_API_KEY`, `JUMPCLOUD_ORG_ID`,
    /// `JUMPCLOUD_BASE_URL` and `IDM_CA_FILE`.
    pub fn from_env(mut self) -> Self {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.trim().is_empty());
        if self.api_key.is_none()
            && let Some(k) = var("JUMPCLOUD_API_KEY")
        {
            self.api_key = Some(SecretString::from(k));
        }
        if self.org_id.is_none() {
            self.org_id = var("JUMPCLOUD_ORG_ID");
        }
        if let Some(u) = var("JUMPCLOUD_BASE_URL") {
            self.base_url = u;
        }
        self.http = self.http.ca_file_from_env();
        self
    }

    /// Builds a client without an API key or a system context: every request must then carry
    /// its own `Authorization` (System Context headers set by hand, as jcapi-python's examples
    /// do) or the server answers 401.
    pub fn credentials_by_hand(mut self) -> Self {
        self.headers_by_hand = true;
        self
    }

    /// Checks the settings and builds the client. Without an API key or a system context it
    /// is a configuration error (unless [`credentials_by_hand`](Self::credentials_by_hand)),
    /// rather than a 401 on the first call.
    pub fn build(self) -> Result<Client> {
        let trimmed = self.base_url.trim().trim_end_matches('/');
        let trimmed = trimmed
            .strip_suffix("/api/v2")
            .or_else(|| trimmed.strip_suffix("/api"))
            .unwrap_or(trimmed);
        let base = self
            .http
            .check_url(trimmed)
            .map_err(|e| Error::Config(format!("base URL {trimmed:?}: {e}")))?;
        if let Some(k) = &self.api_key
            && k.expose_secret().trim().is_empty()
        {
            return Err(Error::Config(
                "the API key is empty: set JUMPCLOUD_API_KEY or pass api_key()".into(),
            ));
        }
        if self.api_key.is_none() && self.system_context.is_none() && !self.headers_by_hand {
            return Err(Error::Config(
                "no credentials: set JUMPCLOUD_API_KEY (with from_env()), pass api_key(), or sign as a system with system_context()".into(),
            ));
        }
        let http = self
            .http
            .build_client()
            .map_err(|e| Error::Config(e.to_string()))?;
        let insights_base = insights_host(&base);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                insights_base,
                base,
                api_key: self.api_key,
                org_id: self.org_id,
                retry: self.http.retry_policy().clone(),
                system_context: self.system_context,
            }),
        })
    }
}

/// Directory Insights' root for a console root: JumpCloud serves it from the API host
/// (`console.eu.jumpcloud.com` -> `api.eu.jumpcloud.com`); any other root (a sandbox, a proxy)
/// serves both.
fn insights_host(console: &Url) -> Url {
    let mut url = console.clone();
    if let Some(rest) = console.host_str().and_then(|h| h.strip_prefix("console."))
        && (rest == "jumpcloud.com" || rest.ends_with(".jumpcloud.com"))
    {
        let _ = url.set_host(Some(&format!("api.{rest}")));
    }
    url
}

pub(crate) struct Inner {
    pub(crate) http: idm_http::reqwest::Client,
    pub(crate) base: Url,
    /// The root of Directory Insights (see [`insights_host`]).
    pub(crate) insights_base: Url,
    pub(crate) api_key: Option<SecretString>,
    pub(crate) org_id: Option<String>,
    pub(crate) retry: RetryPolicy,
    pub(crate) system_context: Option<SystemContext>,
}

/// A JumpCloud client: cheap to clone, safe to share between tasks.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field(
                "api_key",
                &self.inner.api_key.as_ref().map(|_| "<redacted>"),
            )
            .field("org_id", &self.inner.org_id)
            .field("system_context", &self.inner.system_context)
            .finish()
    }
}

impl Client {
    /// A builder with the US region and no credentials.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Adds the client's credentials to a request: `x-api-key`, `x-org-id` (unless the caller
    /// sets it) and, with a system context, a fresh signature of `method target` and its `Date`
    /// (unless the caller sets `Authorization`). Secret values are marked sensitive.
    pub(crate) fn authorize(
        &self,
        mut req: idm_http::reqwest::RequestBuilder,
        method: &str,
        target: &str,
        caller_sets_org: bool,
        caller_sets_auth: bool,
    ) -> std::result::Result<idm_http::reqwest::RequestBuilder, String> {
        use idm_http::reqwest::header::HeaderValue;
        let inner = &self.inner;
        if let Some(key) = &inner.api_key {
            use idm_http::ExposeSecret as _;
            let mut v = HeaderValue::from_str(key.expose_secret())
                .map_err(|_| "the API key holds characters not allowed in a header".to_owned())?;
            v.set_sensitive(true);
            req = req.header("x-api-key", v);
        }
        if let Some(org) = &inner.org_id
            && !caller_sets_org
        {
            req = req.header("x-org-id", org);
        }
        if let Some(ctx) = &inner.system_context
            && !caller_sets_auth
        {
            // Signed per attempt: the Date must be fresh.
            let signed = ctx
                .sign(method, target, std::time::SystemTime::now())
                .map_err(|e| e.to_string())?;
            let mut auth =
                HeaderValue::from_str(&signed.authorization).map_err(|e| e.to_string())?;
            auth.set_sensitive(true);
            req = req
                .header("date", signed.date)
                .header("authorization", auth);
        }
        Ok(req)
    }

    /// The console root the client talks to.
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_insights_lives_on_the_api_host() {
        let host = |u: &str| insights_host(&Url::parse(u).unwrap()).to_string();
        assert_eq!(host(Region::Us.base_url()), "https://api.jumpcloud.com/");
        assert_eq!(host(Region::Eu.base_url()), "https://api.eu.jumpcloud.com/");
        assert_eq!(host(Region::In.base_url()), "https://api.in.jumpcloud.com/");
        assert_eq!(host("http://127.0.0.1:8080"), "http://127.0.0.1:8080/");
        // Only JumpCloud's own hosts are rewritten: the key never goes to a look-alike.
        assert_eq!(
            host("https://console.notjumpcloud.com"),
            "https://console.notjumpcloud.com/"
        );
    }
}
