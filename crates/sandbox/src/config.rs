//! Sandbox settings.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use crate::error::SandboxError;
use crate::faults::{FaultRule, parse_faults};

/// The seed used when none is given: the same demo organisation every time.
pub const DEFAULT_SEED: u64 = 0x1d3_5a4d_b0c5;

/// How to run a [`Sandbox`](crate::Sandbox).
///
/// Every field is public and has a builder method of the same name:
///
/// ```
/// use idm_sandbox::SandboxConfig;
///
/// let config = SandboxConfig::default()
///     .users(50)
///     .throttle(true)
///     .time_scale(60.0)
///     .faults_spec("umapi.action:503:count=2")?;
/// assert_eq!(config.users, 50);
/// # Ok::<(), idm_sandbox::SandboxError>(())
/// ```
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where to listen (default `127.0.0.1:0`: loopback, any free port).
    pub listen: SocketAddr,
    /// Number of listed users in the demo organisation (default 200); three technical accounts
    /// come on top and are only counted in `X-Total-Count`.
    pub users: usize,
    /// Number of user groups (default 20); product profiles are `max(3, groups / 2)`, and
    /// JumpCloud system groups `max(1, groups / 4)`.
    pub groups: usize,
    /// Number of JumpCloud systems (default 10); each is in one system group.
    pub systems: usize,
    /// Whether UMAPI's documented rate limits apply (default off).
    pub throttle: bool,
    /// Events of history in the demo organisation's Directory Insights log, over the week
    /// before the sandbox starts (default 0: the log holds what is done through the sandbox).
    /// Computed from their index, not stored: a million cost no memory.
    pub jumpcloud_events: usize,
    /// How long every other new Directory Insights event stays out of searches (default 0):
    /// JumpCloud indexes events late and not in order, and a client that follows the log must
    /// still find an event that appears after a newer one.
    pub jumpcloud_index_lag: std::time::Duration,
    /// Speed-up of rate-limit time: a "minute" lasts `60 s / time_scale` (default 1.0).
    pub time_scale: f64,
    /// Send `Retry-After` with millisecond decimals (e.g. `0.250`) instead of whole seconds.
    ///
    /// Off by default: HTTP allows only whole seconds, real UMAPI sends them, and some clients
    /// (the official Python client among them) fail on a decimal. Turn it on with a time scale
    /// to keep throttled tests fast for clients that accept decimals (idm's do).
    pub fractional_retry_after: bool,
    /// Fault rules active from the start.
    pub faults: Vec<FaultRule>,
    /// Serve https with a self-signed certificate (default off).
    pub tls: bool,
    /// Users per page of the user lists (default 2000, as UMAPI).
    pub user_page_size: usize,
    /// Groups per page of the group list (default 400, as UMAPI).
    pub group_page_size: usize,
    /// Lifetime of issued access tokens (default 86399 s).
    pub token_ttl: Duration,
    /// How long a client may take to send a request's headers (and, with TLS, to finish the
    /// handshake) before the connection is closed (default 30 s). It also closes keep-alive
    /// connections that stay idle this long, as most servers do.
    pub header_read_timeout: Duration,
    /// Seed of the demo data and of probabilistic faults.
    pub seed: u64,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            users: 200,
            groups: 20,
            systems: 10,
            throttle: false,
            jumpcloud_events: 0,
            jumpcloud_index_lag: std::time::Duration::ZERO,
            time_scale: 1.0,
            fractional_retry_after: false,
            faults: Vec::new(),
            tls: false,
            user_page_size: 2000,
            group_page_size: 400,
            token_ttl: Duration::from_secs(86399),
            header_read_timeout: Duration::from_secs(30),
            seed: DEFAULT_SEED,
        }
    }
}

impl SandboxConfig {
    /// Sets [`listen`](Self::listen).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Sets [`users`](Self::users).
    pub fn users(mut self, n: usize) -> Self {
        self.users = n;
        self
    }

    /// Sets [`systems`](Self::systems).
    pub fn systems(mut self, n: usize) -> Self {
        self.systems = n;
        self
    }

    /// Sets [`groups`](Self::groups).
    pub fn groups(mut self, n: usize) -> Self {
        self.groups = n;
        self
    }

    /// Sets [`jumpcloud_events`](Self::jumpcloud_events).
    pub fn jumpcloud_events(mut self, n: usize) -> Self {
        self.jumpcloud_events = n;
        self
    }

    /// Sets [`jumpcloud_index_lag`](Self::jumpcloud_index_lag).
    pub fn jumpcloud_index_lag(mut self, lag: std::time::Duration) -> Self {
        self.jumpcloud_index_lag = lag;
        self
    }

    /// Sets [`throttle`](Self::throttle).
    pub fn throttle(mut self, on: bool) -> Self {
        self.throttle = on;
        self
    }

    /// Sets [`fractional_retry_after`](Self::fractional_retry_after).
    pub fn fractional_retry_after(mut self, on: bool) -> Self {
        self.fractional_retry_after = on;
        self
    }

    /// Sets [`time_scale`](Self::time_scale).
    pub fn time_scale(mut self, scale: f64) -> Self {
        self.time_scale = scale;
        self
    }

    /// Adds one fault rule.
    pub fn fault(mut self, rule: FaultRule) -> Self {
        self.faults.push(rule);
        self
    }

    /// Adds fault rules.
    pub fn faults(mut self, rules: impl IntoIterator<Item = FaultRule>) -> Self {
        self.faults.extend(rules);
        self
    }

    /// Adds the fault rules of a specification in the fault grammar (see [`parse_faults`]).
    pub fn faults_spec(mut self, spec: &str) -> Result<Self, SandboxError> {
        self.faults.extend(parse_faults(spec)?);
        Ok(self)
    }

    /// Sets [`tls`](Self::tls).
    pub fn tls(mut self, on: bool) -> Self {
        self.tls = on;
        self
    }

    /// Sets [`user_page_size`](Self::user_page_size).
    pub fn user_page_size(mut self, n: usize) -> Self {
        self.user_page_size = n;
        self
    }

    /// Sets [`group_page_size`](Self::group_page_size).
    pub fn group_page_size(mut self, n: usize) -> Self {
        self.group_page_size = n;
        self
    }

    /// Sets [`token_ttl`](Self::token_ttl).
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// Sets [`header_read_timeout`](Self::header_read_timeout).
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// Sets [`seed`](Self::seed).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The length of a rate-limit "minute".
    pub fn rate_window(&self) -> Duration {
        Duration::try_from_secs_f64(60.0 / self.time_scale).unwrap_or(Duration::from_secs(60))
    }

    /// Checks the values; [`Sandbox::start`](crate::Sandbox::start) calls it.
    pub fn validate(&self) -> Result<(), SandboxError> {
        let bad = |setting: &'static str, reason: &str| {
            Err(SandboxError::Config {
                setting,
                reason: reason.to_owned(),
            })
        };
        if !(self.time_scale.is_finite() && (1e-6..=1e6).contains(&self.time_scale)) {
            return bad(
                "time_scale",
                "must be a number between 0.000001 and 1000000 (1 = real time, 60 = a minute lasts one second)",
            );
        }
        if self.user_page_size == 0 || self.group_page_size == 0 {
            return bad(
                "user_page_size/group_page_size",
                "page sizes must be at least 1",
            );
        }
        if self.token_ttl < Duration::from_secs(1) {
            return bad("token_ttl", "tokens must live at least one second");
        }
        if self.header_read_timeout < Duration::from_millis(1) {
            return bad(
                "header_read_timeout",
                "must be at least one millisecond (30 s is a good value)",
            );
        }
        if self.systems > 1_000_000 {
            return bad("systems", "at most 1,000,000 systems");
        }
        if self.users > 10_000_000 {
            return bad("users", "at most 10,000,000 users");
        }
        if self.groups > 100_000 {
            return bad("groups", "at most 100,000 user groups");
        }
        Ok(())
    }
}
