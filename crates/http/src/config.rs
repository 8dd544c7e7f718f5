//! Transport configuration shared by both clients.

use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::redirect;

use crate::redact::{redact_url, redact_urls};
use crate::retry::RetryPolicy;

/// A configuration problem, found before any request is sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The CA file could not be read.
    #[error(
        "cannot read the CA certificate file {path}: {source} (check IDM_CA_FILE or --ca-file)"
    )]
    CaFileRead {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The CA file held no usable certificate.
    #[error(
        "the CA certificate file {path} holds no PEM certificate ({detail}); \
         expected '-----BEGIN CERTIFICATE-----' blocks"
    )]
    CaFileInvalid {
        /// The file.
        path: PathBuf,
        /// Parser detail.
        detail: String,
    },
    /// The proxy URL is invalid.
    #[error("invalid proxy URL {url:?}: {detail}")]
    Proxy {
        /// The URL as given.
        url: String,
        /// Parser detail.
        detail: String,
    },
    /// A URL is not usable.
    #[error("invalid URL {url:?}: {detail}")]
    Url {
        /// The URL as given.
        url: String,
        /// What is wrong and how to fix it.
        detail: String,
    },
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Build(#[source] reqwest::Error),
}

/// Where requests go through. Its `Debug` output hides the password of a proxy URL.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum ProxyConfig {
    /// Use `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` from the environment (the default).
    #[default]
    FromEnv,
    /// Connect directly, ignoring the environment.
    Disabled,
    /// Send every request through this proxy (`http://host:port`, credentials allowed in the URL).
    Url(String),
}

impl std::fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProxyConfig::FromEnv => f.write_str("FromEnv"),
            ProxyConfig::Disabled => f.write_str("Disabled"),
            ProxyConfig::Url(u) => f.debug_tuple("Url").field(&redact_url(u)).finish(),
        }
    }
}

/// Transport settings: timeouts, proxy, root certificates, user agent, retries.
///
/// Defaults: 120 s request timeout, 10 s connect timeout, proxy from the environment, the
/// system's root certificates, user agent `idm/<version>`, plain `http://` only to loopback
/// addresses, and [`RetryPolicy::default`].
#[derive(Debug, Clone)]
pub struct HttpConfig {
    timeout: Option<Duration>,
    connect_timeout: Duration,
    proxy: ProxyConfig,
    ca_files: Vec<PathBuf>,
    ca_pem: Vec<Vec<u8>>,
    user_agent_prefix: Option<String>,
    allow_http: bool,
    retry: RetryPolicy,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            timeout: Some(Duration::from_secs(120)),
            connect_timeout: Duration::from_secs(10),
            proxy: ProxyConfig::FromEnv,
            ca_files: Vec::new(),
            ca_pem: Vec::new(),
            user_agent_prefix: None,
            allow_http: false,
            retry: RetryPolicy::default(),
        }
    }
}

/// Installs ring as the process-wide rustls crypto provider, unless one is installed already.
///
/// [`HttpConfig::build_client`] calls it; call it yourself only if you build reqwest clients of
/// your own in the same process before any idm client.
pub fn install_crypto_provider() {
    // An error means a provider is installed already, which is all we need.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The `User-Agent` value: `"<prefix> idm/<version>"`, or `"idm/<version>"` without a prefix.
pub fn user_agent(prefix: Option<&str>) -> String {
    match prefix.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => format!("{p} idm/{}", crate::VERSION),
        None => format!("idm/{}", crate::VERSION),
    }
}

impl HttpConfig {
    /// Whole-request timeout; `Duration::ZERO` means none.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = (!timeout.is_zero()).then_some(timeout);
        self
    }

    /// The configured request timeout (`None`: no timeout).
    pub fn get_timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// Timeout for establishing a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Proxy settings.
    pub fn proxy(mut self, proxy: ProxyConfig) -> Self {
        self.proxy = proxy;
        self
    }

    /// Trusts the certificates of this PEM file in addition to the system's roots
    /// (for TLS-intercepting proxies, or the sandbox's `--tls` mode).
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_files.push(path.into());
        self
    }

    /// Trusts these PEM certificates in addition to the system's roots.
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pem.push(pem.into());
        self
    }

    /// Reads `IDM_CA_FILE` from the environment, if set and not empty.
    pub fn ca_file_from_env(self) -> Self {
        match std::env::var_os("IDM_CA_FILE") {
            Some(p) if !p.is_empty() => self.ca_file(p),
            _ => self,
        }
    }

    /// Application name and version placed before `idm/<version>` in the `User-Agent`.
    pub fn user_agent_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.user_agent_prefix = Some(prefix.into());
        self
    }

    /// Allows plain `http://` URLs to hosts other than loopback. Off by default: credentials
    /// would travel in clear text.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// The retry policy.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The configured retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The `User-Agent` this configuration sends.
    pub fn user_agent(&self) -> String {
        user_agent(self.user_agent_prefix.as_deref())
    }

    /// Checks that a base URL is usable under this configuration: it parses, it is http or https,
    /// and plain http goes only to loopback unless [`allow_http`](Self::allow_http) is set.
    pub fn check_url(&self, url: &str) -> Result<reqwest::Url, ConfigError> {
        // The URL is shown in errors: never with its password.
        let shown = || redact_url(url).into_owned();
        let parsed = reqwest::Url::parse(url).map_err(|e| ConfigError::Url {
            url: shown(),
            detail: format!("{e}; expected an absolute URL such as https://host/path"),
        })?;
        match parsed.scheme() {
            "https" => Ok(parsed),
            "http" if self.allow_http || is_loopback(&parsed) => Ok(parsed),
            "http" => Err(ConfigError::Url {
                url: shown(),
                detail: "plain http to a non-loopback host would send credentials in clear text; \
                         use https, or allow http explicitly (allow_http / --allow-http)"
                    .into(),
            }),
            other => Err(ConfigError::Url {
                url: shown(),
                detail: format!("unsupported scheme {other:?}; use https"),
            }),
        }
    }

    /// Builds the reqwest client (installing the ring crypto provider if needed).
    pub fn build_client(&self) -> Result<reqwest::Client, ConfigError> {
        install_crypto_provider();
        let mut b = reqwest::Client::builder()
            .user_agent(self.user_agent())
            .connect_timeout(self.connect_timeout)
            .redirect(no_downgrade_redirects());
        if let Some(t) = self.timeout {
            b = b.timeout(t);
        }
        b = match &self.proxy {
            ProxyConfig::FromEnv => b,
            ProxyConfig::Disabled => b.no_proxy(),
            ProxyConfig::Url(url) => {
                let proxy = reqwest::Proxy::all(url.as_str()).map_err(|e| ConfigError::Proxy {
                    url: redact_url(url).into_owned(),
                    detail: redact_urls(&e.to_string()).into_owned(),
                })?;
                b.proxy(proxy)
            }
        };
        let mut certs = Vec::new();
        for path in &self.ca_files {
            let pem = std::fs::read(path).map_err(|source| ConfigError::CaFileRead {
                path: path.clone(),
                source,
            })?;
            certs.extend(parse_certs(&pem, path)?);
        }
        for pem in &self.ca_pem {
            certs.extend(parse_certs(pem, Path::new("<in-memory PEM>"))?);
        }
        if !certs.is_empty() {
            b = b.tls_certs_merge(certs);
        }
        b.build().map_err(ConfigError::Build)
    }
}

fn parse_certs(pem: &[u8], path: &Path) -> Result<Vec<reqwest::Certificate>, ConfigError> {
    let invalid = |detail: String| ConfigError::CaFileInvalid {
        path: path.to_owned(),
        detail,
    };
    let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| invalid(e.to_string()))?;
    if certs.is_empty() {
        return Err(invalid("no certificate in it".into()));
    }
    Ok(certs)
}

fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Follows up to 5 redirects, never from https to http.
fn no_downgrade_redirects() -> redirect::Policy {
    redirect::Policy::custom(|attempt| {
        let downgrade = attempt.url().scheme() == "http"
            && attempt.previous().iter().any(|u| u.scheme() == "https");
        if downgrade {
            attempt.error("refusing a redirect from https to http")
        } else if attempt.previous().len() >= 5 {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_proxy_credentials() {
        let proxy = ProxyConfig::Url("http://alice:s3cret@proxy.example:3128".into());
        let config = HttpConfig::default().proxy(proxy.clone());
        for shown in [format!("{proxy:?}"), format!("{config:?}")] {
            assert!(!shown.contains("s3cret"), "{shown}");
            assert!(shown.contains("alice:****@proxy.example:3128"), "{shown}");
        }
    }

    #[test]
    fn user_agent_has_the_version_and_prefix() {
        assert_eq!(user_agent(None), format!("idm/{}", crate::VERSION));
        assert_eq!(
            user_agent(Some("sync/2")),
            format!("sync/2 idm/{}", crate::VERSION)
        );
        assert_eq!(user_agent(Some("  ")), format!("idm/{}", crate::VERSION));
    }

    #[test]
    fn http_only_to_loopback_unless_allowed() {
        let c = HttpConfig::default();
        assert!(c.check_url("https://console.jumpcloud.com").is_ok());
        assert!(c.check_url("http://127.0.0.1:8080/api").is_ok());
        assert!(c.check_url("http://localhost/api").is_ok());
        assert!(c.check_url("http://[::1]:9/api").is_ok());
        let err = c.check_url("http://example.com/api").unwrap_err();
        assert!(err.to_string().contains("allow_http"), "{err}");
        assert!(
            c.clone()
                .allow_http(true)
                .check_url("http://example.com")
                .is_ok()
        );
        assert!(c.check_url("ftp://example.com").is_err());
        assert!(c.check_url("not a url").is_err());
    }

    #[test]
    fn zero_timeout_means_none() {
        assert_eq!(
            HttpConfig::default().get_timeout(),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            HttpConfig::default().timeout(Duration::ZERO).get_timeout(),
            None
        );
    }

    #[test]
    fn bad_ca_file_is_a_clear_error() {
        let err = HttpConfig::default()
            .ca_file("/nonexistent/ca.pem")
            .build_client()
            .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
        let err = HttpConfig::default()
            .ca_pem(b"garbage".to_vec())
            .build_client()
            .unwrap_err();
        assert!(err.to_string().contains("BEGIN CERTIFICATE"), "{err}");
    }

    #[test]
    fn url_passwords_are_not_echoed() {
        let err = HttpConfig::default()
            .check_url("http://bob:hunter2@example.com/api")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
        assert!(err.contains("http://bob:****@example.com/api"), "{err}");
        let err = HttpConfig::default()
            .check_url("ftp://bob:hunter2@[bad")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
        let err = HttpConfig::default()
            .proxy(ProxyConfig::Url("http://bob:hunter2@[::1".into()))
            .build_client()
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }
}
