//! A client-side rate limiter that keeps one process under UMAPI's per-client limits,
//! so that throttling (429) is the exception rather than the pacing mechanism.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The kinds of request UMAPI limits separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteClass {
    /// User reads: the two user listings and the single-user query.
    Users,
    /// The groups listing.
    Groups,
    /// Action requests.
    Action,
}

/// The least margin added to a window (see [`Limiter::acquire`]).
const MIN_MARGIN: Duration = Duration::from_millis(25);

/// Requests allowed per window, per route class.
///
/// The default is UMAPI's documented per-client limits: 10 action requests, 25 user reads and 5
/// group listings per minute. Use [`RateLimits::unlimited`] against a server without limits
/// (such as the sandbox with throttling off), and [`time_scale`](Self::time_scale) against a
/// sandbox whose minutes are shortened.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimits {
    /// Action requests per window.
    pub action: u32,
    /// User reads per window.
    pub users: u32,
    /// Group listings per window.
    pub groups: u32,
    /// The window (one minute by default); `None` disables limiting.
    pub window: Option<Duration>,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            action: 10,
            users: 25,
            groups: 5,
            window: Some(Duration::from_secs(60)),
        }
    }
}

impl RouteClass {
    /// What the class counts, in words.
    fn describe(self) -> &'static str {
        match self {
            RouteClass::Users => "user reads",
            RouteClass::Groups => "group listings",
            RouteClass::Action => "action requests",
        }
    }
}

impl RateLimits {
    /// No client-side limiting (the server's 429s and the retry policy still apply).
    pub fn unlimited() -> Self {
        RateLimits {
            window: None,
            ..Default::default()
        }
    }

    /// Shrinks the window by `factor` (a sandbox started with `--time-scale 60` has 1-second
    /// minutes). The factor is held within 1e-6 to 1e9; anything not a positive number is ignored.
    pub fn time_scale(mut self, factor: f64) -> Self {
        if factor.is_finite() && factor > 0.0 {
            let factor = factor.clamp(1e-6, 1e9);
            self.window = self.window.map(|w| w.div_f64(factor));
        }
        self
    }

    fn limit(&self, class: RouteClass) -> u32 {
        match class {
            RouteClass::Users => self.users,
            RouteClass::Groups => self.groups,
            RouteClass::Action => self.action,
        }
    }
}

/// Sliding-window limiter: at most `limit` request starts in any window.
pub(crate) struct Limiter {
    limits: RateLimits,
    starts: [Mutex<VecDeque<Instant>>; 3],
}

impl Limiter {
    pub(crate) fn new(limits: RateLimits) -> Self {
        Limiter {
            limits,
            starts: Default::default(),
        }
    }

    /// Waits until a request of `class` may start, and records its start.
    pub(crate) async fn acquire(&self, class: RouteClass) {
        let Some(window) = self.limits.window else {
            return;
        };
        // The server counts arrivals, we count starts: a margin of 1% (at least 25 ms, which
        // matters for a time-scaled sandbox's short windows) absorbs the difference in latency
        // between requests, so that a full window rarely earns a 429.
        let window = window + (window / 100).max(MIN_MARGIN);
        let limit = self.limits.limit(class).max(1) as usize;
        let slot = &self.starts[class as usize];
        loop {
            let wait = {
                let mut starts = slot.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                while starts
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= window)
                {
                    starts.pop_front();
                }
                if starts.len() < limit {
                    starts.push_back(now);
                    return;
                }
                // The oldest start leaves the window first.
                starts.front().map_or(Duration::ZERO, |t| {
                    window.saturating_sub(now.duration_since(*t))
                })
            };
            if wait > Duration::from_secs(1) {
                // A pause this long looks like a hang: say why, and how to lift it.
                tracing::info!(
                    target: "umapi::limiter",
                    "waiting {} s: UMAPI allows {limit} {} a minute per client (RateLimits; lift it only against a server without limits)",
                    idm_http::secs(wait),
                    class.describe()
                );
            } else {
                tracing::debug!(target: "umapi::limiter", ?class, wait_ms = wait.as_millis() as u64, "client-side rate limit");
            }
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_time_scales_do_not_panic() {
        for f in [1e-300, 1e300, 0.0, -1.0, f64::NAN, f64::INFINITY] {
            let w = RateLimits::default().time_scale(f).window.unwrap();
            assert!(w > Duration::ZERO, "{f}: {w:?}");
        }
        let one_second = RateLimits::default().time_scale(60.0).window.unwrap();
        assert_eq!(one_second, Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn never_more_than_the_limit_in_a_window() {
        let limits = RateLimits {
            action: 3,
            users: 1,
            groups: 1,
            window: Some(Duration::from_secs(60)),
        };
        let limiter = Limiter::new(limits);
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..7 {
            limiter.acquire(RouteClass::Action).await;
            times.push(start.elapsed());
        }
        // 3 at once, 3 a window (plus the 1% margin) later, 1 two windows later.
        let ms: Vec<u128> = times.iter().map(|d| d.as_millis()).collect();
        assert_eq!(ms, vec![0, 0, 0, 60_600, 60_600, 60_600, 121_200]);
        // Other classes are independent.
        let before = start.elapsed();
        limiter.acquire(RouteClass::Users).await;
        assert_eq!(start.elapsed(), before);
    }

    /// Log lines, captured.
    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_long_wait_is_said_at_info() {
        let logs = Captured::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .without_time()
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let limits = RateLimits {
            users: 2,
            ..RateLimits::default()
        };
        let limiter = Limiter::new(limits);
        for _ in 0..3 {
            limiter.acquire(RouteClass::Users).await;
        }
        let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
        assert!(
            text.contains("INFO")
                && text.contains("waiting 60.6 s: UMAPI allows 2 user reads a minute"),
            "{text}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn unlimited_never_waits() {
        let limiter = Limiter::new(RateLimits::unlimited());
        let start = Instant::now();
        for _ in 0..1000 {
            limiter.acquire(RouteClass::Groups).await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[test]
    fn time_scale_shrinks_the_window() {
        let l = RateLimits::default().time_scale(60.0);
        assert_eq!(l.window, Some(Duration::from_secs(1)));
    }
}
