//! Request counters, shared by every simulated API.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use crate::route_kind::RouteKind;

/// A copy of the sandbox's counters at one moment (see [`Sandbox::stats`](crate::Sandbox::stats)).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StatsSnapshot {
    /// Requests received, per route kind (including those answered by a fault or a 429).
    pub requests: BTreeMap<RouteKind, u64>,
    /// Access tokens issued (client credentials and JWT exchange).
    pub tokens_issued: u64,
    /// All 429 answers sent, by the rate limiter or by an injected fault.
    pub throttled: u64,
    /// 429 answers sent by the rate limiter only.
    pub rate_limited: u64,
    /// The rate limiter's 429 answers, per route kind: which limit a client ran into.
    pub rate_limited_by_route: BTreeMap<RouteKind, u64>,
    /// Injected faults that fired.
    pub faults_fired: u64,
    /// UMAPI requests carrying `Pragma: umapi-sync-start`.
    pub sync_start: u64,
    /// UMAPI requests carrying `Pragma: umapi-sync-end`.
    pub sync_end: u64,
    /// Command entries (users or user groups) processed by `POST /action`, test mode included.
    pub actions_processed: u64,
}

impl StatsSnapshot {
    /// Requests received for one route kind.
    pub fn requests_for(&self, kind: RouteKind) -> u64 {
        self.requests.get(&kind).copied().unwrap_or(0)
    }
}

/// The live counters.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    requests: Mutex<BTreeMap<RouteKind, u64>>,
    tokens_issued: AtomicU64,
    throttled: AtomicU64,
    /// The rate limiter's 429s per route kind; their sum is `rate_limited`.
    rate_limited_by_route: Mutex<BTreeMap<RouteKind, u64>>,
    faults_fired: AtomicU64,
    sync_start: AtomicU64,
    sync_end: AtomicU64,
    actions_processed: AtomicU64,
}

impl Stats {
    pub(crate) fn request(&self, kind: RouteKind) {
        if let Ok(mut map) = self.requests.lock() {
            *map.entry(kind).or_insert(0) += 1;
        }
    }

    pub(crate) fn token_issued(&self) {
        self.tokens_issued.fetch_add(1, Ordering::Relaxed);
    }

    /// A 429 sent on a route of `kind`: by the rate limiter, or by an injected fault.
    pub(crate) fn throttled(&self, kind: RouteKind, by_rate_limiter: bool) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
        if by_rate_limiter && let Ok(mut map) = self.rate_limited_by_route.lock() {
            *map.entry(kind).or_insert(0) += 1;
        }
    }

    pub(crate) fn fault_fired(&self) {
        self.faults_fired.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn pragma(&self, value: &str) {
        for token in value.split(',').map(str::trim) {
            if token.eq_ignore_ascii_case("umapi-sync-start") {
                self.sync_start.fetch_add(1, Ordering::Relaxed);
            } else if token.eq_ignore_ascii_case("umapi-sync-end") {
                self.sync_end.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    pub(crate) fn actions_processed(&self, entries: usize) {
        self.actions_processed
            .fetch_add(entries as u64, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> StatsSnapshot {
        let requests = self.requests.lock().map(|m| m.clone()).unwrap_or_default();
        let by_route = self
            .rate_limited_by_route
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default();
        StatsSnapshot {
            requests,
            tokens_issued: self.tokens_issued.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            rate_limited: by_route.values().sum(),
            rate_limited_by_route: by_route,
            faults_fired: self.faults_fired.load(Ordering::Relaxed),
            sync_start: self.sync_start.load(Ordering::Relaxed),
            sync_end: self.sync_end.load(Ordering::Relaxed),
            actions_processed: self.actions_processed.load(Ordering::Relaxed),
        }
    }
}
