//! Sliding-window rate limiting, per client and global, per route class.
//!
//! Each admitted request is logged with its time; a request is refused when the client's log (or
//! the global log) of its class already holds `limit` entries younger than one window. The window
//! is one "minute": 60 s divided by the time scale. `Retry-After` is the time until the oldest
//! entry leaves the window, i.e. until a slot frees.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// A class of routes sharing one set of limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct RateClass {
    /// A name, for logs and map keys.
    pub name: &'static str,
    /// Requests per window per client.
    pub per_client: usize,
    /// Requests per window across all clients.
    pub global: usize,
}

/// UMAPI `POST /action`: 10 per client, 100 global.
pub(crate) const UMAPI_ACTION: RateClass = RateClass {
    name: "umapi.action",
    per_client: 10,
    global: 100,
};
/// UMAPI user reads: 25 per client, 100 global.
pub(crate) const UMAPI_USERS: RateClass = RateClass {
    name: "umapi.users",
    per_client: 25,
    global: 100,
};
/// UMAPI group list: 5 per client, 100 global.
pub(crate) const UMAPI_GROUPS: RateClass = RateClass {
    name: "umapi.groups",
    per_client: 5,
    global: 100,
};
/// UMAPI's deprecated user-group listing: 5 per client, 50 global.
pub(crate) const UMAPI_USER_GROUPS: RateClass = RateClass {
    name: "umapi.user_groups",
    per_client: 5,
    global: 50,
};

/// JumpCloud, every operation: its specs publish no limits; the sandbox assumes 600 per API key
/// and 3000 in all per minute, enough to page 20,000 users in a minute and still be reached by
/// a client that does not pace itself.
pub(crate) const JUMPCLOUD: RateClass = RateClass {
    name: "jumpcloud",
    per_client: 600,
    global: 3000,
};

/// Above this many tracked (class, client) pairs, idle ones are dropped.
const MAX_TRACKED_CLIENTS: usize = 10_000;

/// The request logs.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    window: Duration,
    clients: HashMap<(&'static str, String), VecDeque<Instant>>,
    global: HashMap<&'static str, VecDeque<Instant>>,
}

impl RateLimiter {
    pub(crate) fn new(window: Duration) -> RateLimiter {
        RateLimiter {
            window,
            clients: HashMap::new(),
            global: HashMap::new(),
        }
    }

    /// Admits a request (and logs it) or returns how long until a slot frees.
    pub(crate) fn check(
        &mut self,
        class: RateClass,
        client: &str,
        now: Instant,
    ) -> Result<(), Duration> {
        let window = self.window;
        // Many distinct keys (each request may claim any X-Api-Key): forget the idle ones.
        if self.clients.len() > MAX_TRACKED_CLIENTS {
            self.clients.retain(|_, log| {
                log.back()
                    .is_some_and(|t| now.saturating_duration_since(*t) < window)
            });
        }
        let client: String = client.chars().take(256).collect();
        let prune = |log: &mut VecDeque<Instant>| {
            while log
                .front()
                .is_some_and(|t| now.saturating_duration_since(*t) >= window)
            {
                log.pop_front();
            }
        };
        let wait = |log: &VecDeque<Instant>, limit: usize| -> Option<Duration> {
            if log.len() < limit {
                return None;
            }
            // The entry whose expiry makes room: with `limit` allowed, the (len - limit)-th oldest.
            let idx = log.len() - limit;
            log.get(idx)
                .map(|t| (*t + window).saturating_duration_since(now))
        };
        let client_log = self
            .clients
            .entry((class.name, client.to_owned()))
            .or_default();
        prune(client_log);
        let client_wait = wait(client_log, class.per_client);
        let global_log = self.global.entry(class.name).or_default();
        prune(global_log);
        let global_wait = wait(global_log, class.global);
        match (client_wait, global_wait) {
            (None, None) => {
                global_log.push_back(now);
                client_log.push_back(now);
                Ok(())
            }
            (a, b) => Err(a.max(b).unwrap_or(window)),
        }
    }
}

/// Formats a wait as a `Retry-After` value: whole seconds (rounded up), or seconds with three
/// decimals (rounded up to the millisecond) when `fractional`. Never zero.
pub(crate) fn format_retry_after(wait: Duration, fractional: bool) -> String {
    if !fractional {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        secs.max(1).to_string()
    } else {
        let nanos = wait.as_nanos();
        let ms = (nanos.div_ceil(1_000_000)).max(1);
        format!("{}.{:03}", ms / 1000, ms % 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_client_and_frees_slots() {
        let mut rl = RateLimiter::new(Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..5 {
            assert!(
                rl.check(UMAPI_GROUPS, "a", t0 + Duration::from_secs(i))
                    .is_ok()
            );
        }
        let wait = rl
            .check(UMAPI_GROUPS, "a", t0 + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        // Another client is not affected.
        assert!(
            rl.check(UMAPI_GROUPS, "b", t0 + Duration::from_secs(10))
                .is_ok()
        );
        // After the first entry leaves the window, one slot frees.
        assert!(
            rl.check(UMAPI_GROUPS, "a", t0 + Duration::from_secs(60))
                .is_ok()
        );
        assert!(
            rl.check(UMAPI_GROUPS, "a", t0 + Duration::from_secs(60))
                .is_err()
        );
    }

    #[test]
    fn global_limit() {
        let mut rl = RateLimiter::new(Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..100 {
            assert!(rl.check(UMAPI_ACTION, &format!("c{}", i / 10), t0).is_ok());
        }
        assert!(rl.check(UMAPI_ACTION, "fresh", t0).is_err());
        assert!(rl.check(UMAPI_USERS, "fresh", t0).is_ok());
    }

    #[test]
    fn formats() {
        assert_eq!(format_retry_after(Duration::from_millis(1), false), "1");
        assert_eq!(
            format_retry_after(Duration::from_millis(38_200), false),
            "39"
        );
        assert_eq!(format_retry_after(Duration::ZERO, false), "1");
        assert_eq!(
            format_retry_after(Duration::from_millis(250), true),
            "0.250"
        );
        assert_eq!(format_retry_after(Duration::from_nanos(1), true), "0.001");
        assert_eq!(format_retry_after(Duration::ZERO, true), "0.001");
        assert_eq!(
            format_retry_after(Duration::from_micros(1_500_100), true),
            "1.501"
        );
    }
}
