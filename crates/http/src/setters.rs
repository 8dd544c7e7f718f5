//! The transport settings every client builder offers, written once.

/// Adds the transport setters — `http_config`, `ca_file`, `proxy`, `timeout`, `max_attempts`,
/// `retry_policy`, `user_agent` — to a builder with an [`HttpConfig`](crate::HttpConfig) field
/// of the given name. Used inside the builder's `impl` block:
///
/// ```
/// pub struct MyBuilder { http: idm_http::HttpConfig }
/// impl MyBuilder {
///     idm_http::transport_setters!(http);
/// }
/// let b = MyBuilder { http: Default::default() }.timeout(std::time::Duration::from_secs(5));
/// assert_eq!(b.http.get_timeout(), Some(std::time::Duration::from_secs(5)));
/// ```
#[macro_export]
macro_rules! transport_setters {
    ($field:ident) => {
        /// Every transport setting at once (timeouts, proxy, extra CAs, retries, user agent).
        ///
        /// This replaces every transport setting made before it (`timeout`, `ca_file`, ...):
        /// call it first, then the single settings.
        pub fn http_config(mut self, config: $crate::HttpConfig) -> Self {
            self.$field = config;
            self
        }

        /// Trusts the root certificates of a PEM file too (e.g. a corporate proxy's CA), on top
        /// of the system's.
        pub fn ca_file(mut self, path: impl Into<::std::path::PathBuf>) -> Self {
            self.$field = self.$field.ca_file(path);
            self
        }

        /// Sends requests through a proxy (by default the usual environment variables apply).
        pub fn proxy(mut self, proxy: $crate::ProxyConfig) -> Self {
            self.$field = self.$field.proxy(proxy);
            self
        }

        /// The request timeout (default 120 s; zero means none).
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$field = self.$field.timeout(timeout);
            self
        }

        /// Total attempts per request, the first included (default 4).
        pub fn max_attempts(mut self, attempts: u32) -> Self {
            let policy = self.$field.retry_policy().clone().max_attempts(attempts);
            self.$field = self.$field.retry(policy);
            self
        }

        /// The retry policy (default: 429 and 503 always; 502, 504, resets and timeouts when
        /// the request is safe to repeat; connection failures always).
        pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
            self.$field = self.$field.retry(policy);
            self
        }

        /// An application name put before `idm/<version>` in the `User-Agent` header, e.g.
        /// `"my-sync/1.0"`.
        pub fn user_agent(mut self, prefix: impl Into<String>) -> Self {
            self.$field = self.$field.user_agent_prefix(prefix);
            self
        }
    };
}
