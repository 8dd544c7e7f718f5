//! A local, stateful simulator of the Adobe User Management API (UMAPI) and Adobe IMS, for tests,
//! demos and `idm ... --sandbox`.
//!
//! One [`Sandbox`] serves, on one port:
//!
//! - IMS: `POST /ims/token/v3` and `/ims/token/v2` (OAuth client credentials; `expires_in` in
//!   seconds) and `POST /ims/exchange/jwt` (service-account JWT, RS256, verified against a key
//!   registered with [`Sandbox::register_jwt_public_key`]; `expires_in` in milliseconds);
//! - UMAPI at `/v2/usermanagement`: the user lists (`/users/{orgId}/{page}[/{groupName}]`), the
//!   single-user lookup, the group list and `POST /action/{orgId}[?testOnly=true]`, with the
//!   paging headers, filters, error bodies, per-step action results and read-only groups of the
//!   real service;
//! - `GET /status`;
//! - JumpCloud at `/api` (v1) and `/api/v2` (v2): every operation of the specs
//!   is routed, its parameters and body checked against the operation's schemas (400 with a
//!   message). The stateful core answers from state: system users (list with `limit` ≤ 100,
//!   `skip`, `sort`, `fields`, `filter`, `search`; `POST /search/systemusers`; get, create,
//!   update, delete; unique username and email), systems (list, search, get, update, delete),
//!   organisations, user groups and system groups (CRUD) and the graph between them (members,
//!   membership, memberof, associations, traversals), consistent from every side. Every other
//!   collection of both specs keeps its records too (applications, commands, policies, RADIUS
//!   servers, ...; see [`jumpcloud_collections`]), with the graph for every type; the operations
//!   outside any collection answer a deterministic body built from their response schema. Auth is
//!   `x-api-key` ([`JUMPCLOUD_API_KEY`], or the multi-tenant
//!   [`JUMPCLOUD_MULTI_TENANT_API_KEY`] with `x-org-id`) or System Context Authorization
//!   (see [`Sandbox::jumpcloud_key_file`]); errors are `{"message": ...}` as JumpCloud sends them;
//! - `GET /_sandbox/stats`: the sandbox's own counters ([`StatsSnapshot`]) as JSON, for benchmarks
//!   and scripts that run the sandbox as a separate process. Not part of either API.
//!
//! The demo organisation is generated from a seed: the same seed always gives the same users and
//! groups (claimed domains `example.com` for Enterprise IDs, `example.net` and `example.org` for
//! Federated IDs). Rate limits can be switched on and sped up with a time scale, and
//! faults can be injected from the start or at run time.
//!
//! ```
//! use idm_sandbox::{Sandbox, SandboxConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), idm_sandbox::SandboxError> {
//! let sandbox = Sandbox::start(SandboxConfig::default().users(50)).await?;
//! let info = sandbox.umapi_info();
//! assert!(info.endpoint.ends_with("/v2/usermanagement"));
//! println!("{}", sandbox.readiness_line());
//! sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Fault grammar
//!
//! Faults are given as a specification string (`idm sandbox serve --faults SPEC`,
//! [`SandboxConfig::faults_spec`], [`parse_faults`]) or as [`FaultRule`] values
//! ([`Sandbox::inject`]):
//!
//! ```text
#![doc = include_str!("fault_grammar.txt")]
//! ```
//!
//! Example: `umapi.action:429:retry-after=2:count=3;umapi.users:truncate:page=1`. Each request
//! is counted by every rule it matches, and the first rule (in the order added) that fires wins.
//! Faults are applied before the rate limiter and before authentication; [`StatsSnapshot`]
//! counts those that fired. `short` and `duplicate` let a client's tests check that a listing
//! is never silently short or long: the counts a page carries disagree with its items.
//!
//! # Limits
//!
//! The sandbox keeps at most 10,000 live access tokens: expired ones are forgotten as new ones
//! are issued, and above that number issuing one forgets the oldest (whose holder then gets a
//! 401, as for an expired token). A client that takes longer than
//! [`SandboxConfig::header_read_timeout`] (30 s by default) to send a request's headers is
//! disconnected.
//!
//! # Rate limits
//!
//! With [`SandboxConfig::throttle`] on, each route class has a per-client limit (keyed by
//! `X-Api-Key`) and a global one per "minute": actions 10 and 100, user reads 25 and 100, group
//! list 5 and 100. A minute lasts `60 s / time_scale`. The window slides: a request is refused
//! while `limit` requests were admitted in the last minute, and `Retry-After` is the time until
//! the oldest of them leaves the window (whole seconds rounded up, or with
//! [`SandboxConfig::fractional_retry_after`] three decimals such as `0.250`; never zero).
#![warn(missing_docs)]

pub mod child;
pub mod company;
mod config;
mod error;
mod fast_hash;
mod faults;
mod form;
mod gate;
mod ims;
mod jumpcloud;
mod jwt;
mod ratelimit;
mod route_kind;
mod runtime;
mod server;
mod stats;
mod tls;
mod umapi;

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{DEFAULT_SEED, SandboxConfig};
pub use error::SandboxError;
pub use faults::{FaultKind, FaultRule, FaultTarget, RetryAfterValue, parse_faults};
pub use jumpcloud::{
    API_KEY as JUMPCLOUD_API_KEY, MULTI_TENANT_API_KEY as JUMPCLOUD_MULTI_TENANT_API_KEY,
};
pub use route_kind::RouteKind;
pub use runtime::serving_runtime;
pub use stats::StatsSnapshot;

use faults::FaultEngine;
use gate::Shared;
use ims::Ims;
use ratelimit::RateLimiter;
use umapi::Umapi;
use umapi::seed::{CLIENT_ID, CLIENT_SECRET};

/// Locks a mutex, carrying on if another thread panicked while holding it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// How to reach the simulated UMAPI (the `"umapi"` object of the readiness line).
///
/// The credentials are the sandbox's fixed demo credentials, not secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UmapiInfo {
    /// The UMAPI base URL, e.g. `http://127.0.0.1:PORT/v2/usermanagement`.
    pub endpoint: String,
    /// The IMS base URL (the sandbox's base URL); token paths are appended to it.
    pub ims: String,
    /// The organisation id, `<24 hex digits>@AdobeOrg`.
    pub org_id: String,
    /// The client id (also the `X-Api-Key`).
    pub client_id: String,
    /// The client secret.
    pub client_secret: String,
}

/// Valid example input for one JumpCloud operation, built from its schemas: what the sandbox
/// accepts. Handy for tests and for trying an operation by hand.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct JumpCloudExample {
    /// Every required parameter (path, query, header) by name, as text; an array parameter has
    /// several values.
    pub params: Vec<(String, Vec<String>)>,
    /// A JSON body valid against the operation's body schema, when it takes one.
    pub body: Option<serde_json::Value>,
}

/// Example input for the JumpCloud operation `operation_id` (e.g. `systemusers_post`; prefix
/// `v1/` or `v2/` to choose the version of `applications_get`, the one id both have), or `None`
/// for an unknown id.
///
/// ```
/// let ex = idm_sandbox::jumpcloud_example("graph_userAssociationsList").unwrap();
/// assert!(ex.params.iter().any(|(name, _)| name == "targets"));
/// assert!(ex.body.is_none());
/// ```
pub fn jumpcloud_example(operation_id: &str) -> Option<JumpCloudExample> {
    jumpcloud::example(operation_id)
}

pub use jumpcloud::CollectionRole;

/// One collection of records the JumpCloud half keeps beyond its core (users, systems, groups,
/// organisations): applications, commands, policies, RADIUS servers, IP lists, ... Derived from
/// the specs' paths; see the crate's README.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JumpCloudCollection {
    /// The path under the API prefix, parameters written `{}`: `duo/accounts/{}/applications`.
    pub path: String,
    /// The graph type of its records (`application`), when the graph connects them.
    pub graph_type: Option<String>,
    /// Whether the API creates its records (else the sandbox seeds them, as a real
    /// organisation has them: its LDAP server, its policy templates...).
    pub creatable: bool,
    /// Its operations (`v2/policies_post`) and what each does.
    pub operations: Vec<(String, CollectionRole)>,
}

/// Every collection the JumpCloud half keeps beyond its core.
///
/// ```
/// let all = idm_sandbox::jumpcloud_collections();
/// let policies = all.iter().find(|c| c.path == "policies").unwrap();
/// assert_eq!(policies.graph_type.as_deref(), Some("policy"));
/// assert!(policies.operations.iter().any(|(op, role)| {
///     op == "v2/policies_post" && *role == idm_sandbox::CollectionRole::Create
/// }));
/// ```
pub fn jumpcloud_collections() -> Vec<JumpCloudCollection> {
    jumpcloud::collections_info()
}

/// Where and how to reach the simulated JumpCloud API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct JumpCloudInfo {
    /// The API v1 base URL, e.g. `http://127.0.0.1:PORT/api`.
    pub v1: String,
    /// The API v2 base URL, e.g. `http://127.0.0.1:PORT/api/v2`.
    pub v2: String,
    /// The API key (`x-api-key`).
    pub api_key: String,
    /// The organisation id (`x-org-id`).
    pub org_id: String,
    /// A seeded system and the PEM file of its private key, for System Context Authorization
    /// (`null` until the sandbox simulates systems).
    pub system_context: Option<SystemContextInfo>,
}

/// One seeded system that can sign requests (System Context Authorization).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SystemContextInfo {
    /// The system id.
    pub system_id: String,
    /// The PEM file of its private key.
    pub key_file: String,
}

#[derive(Serialize)]
struct Readiness {
    jumpcloud: JumpCloudInfo,
    umapi: UmapiInfo,
    tls_ca: Option<String>,
}

/// A running sandbox server. Dropping it, or calling [`shutdown`](Self::shutdown), stops it.
pub struct Sandbox {
    base_url: String,
    ca_file: Option<PathBuf>,
    shared: Arc<Shared>,
    ims: Arc<Ims>,
    umapi: Arc<Umapi>,
    jumpcloud: Arc<jumpcloud::JumpCloud>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url)
            .field("ca_file", &self.ca_file)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Generates the demo organisation, binds the listening socket and starts serving on the
    /// current tokio runtime.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        config.validate()?;
        let (listener, addr) = server::bind(config.listen).await?;
        let shared = Arc::new(Shared {
            stats: Default::default(),
            faults: Mutex::new(FaultEngine::new(config.faults.clone(), config.seed)),
            limiter: Mutex::new(RateLimiter::new(config.rate_window())),
            throttle: config.throttle,
            fractional_retry_after: config.fractional_retry_after,
        });
        let store = umapi::seed::build(config.seed, config.users, config.groups);
        let people = store.people();
        let org_id = store.org_id.clone();
        let ims = Arc::new(Ims::new(
            org_id.clone(),
            HashMap::from([(CLIENT_ID.to_owned(), CLIENT_SECRET.to_owned())]),
            config.token_ttl,
            Arc::clone(&shared),
        ));
        let umapi = Arc::new(Umapi {
            store: Mutex::new(store),
            ims: Arc::clone(&ims),
            shared: Arc::clone(&shared),
            org_id,
            user_page_size: config.user_page_size,
            group_page_size: config.group_page_size,
        });
        let jumpcloud = Arc::new(jumpcloud::JumpCloud::new(
            config.seed,
            jumpcloud::store::Sizes {
                users: config.users,
                systems: config.systems,
                groups: config.groups,
            },
            &people,
            config.jumpcloud_events,
            config.jumpcloud_index_lag,
        ));
        let router = server::app([
            jumpcloud::router(Arc::clone(&jumpcloud), &shared),
            ims::router(Arc::clone(&ims), &shared),
            umapi::router(Arc::clone(&umapi), &shared),
            gate::stats_router(Arc::clone(&shared)),
        ]);
        let (acceptor, ca_file) = if config.tls {
            let setup = tls::setup(addr.port())?;
            (Some(setup.acceptor), Some(setup.ca_file))
        } else {
            (None, None)
        };
        let base_url = if config.tls {
            format!("https://localhost:{}", addr.port())
        } else {
            let host = match addr.ip() {
                IpAddr::V4(ip) if ip.is_unspecified() => "127.0.0.1".to_owned(),
                IpAddr::V6(ip) if ip.is_unspecified() => "[::1]".to_owned(),
                IpAddr::V4(ip) => ip.to_string(),
                IpAddr::V6(ip) => format!("[{ip}]"),
            };
            format!("http://{host}:{}", addr.port())
        };
        let (shutdown, task) =
            server::spawn(listener, router, acceptor, config.header_read_timeout);
        tracing::debug!(%base_url, users = config.users, "sandbox started");
        Ok(Sandbox {
            base_url,
            ca_file,
            shared,
            ims,
            umapi,
            jumpcloud,
            shutdown,
            task: Some(task),
        })
    }

    /// The base URL: `http://127.0.0.1:PORT`, or `https://localhost:PORT` with TLS.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// Endpoint and credentials of the simulated UMAPI.
    pub fn umapi_info(&self) -> UmapiInfo {
        UmapiInfo {
            endpoint: format!("{}{}", self.base_url, umapi::BASE),
            ims: self.base_url.clone(),
            org_id: self.umapi.org_id.clone(),
            client_id: CLIENT_ID.to_owned(),
            client_secret: CLIENT_SECRET.to_owned(),
        }
    }

    /// Base URLs and credentials of the simulated JumpCloud API.
    ///
    /// `system_context` names the first seeded system and the PEM file of its private key
    /// (made on first use: the first call in a process takes a moment for the RSA key
    /// generation); it is `None` when the sandbox has no systems or the key file cannot be
    /// written.
    pub fn jumpcloud_info(&self) -> JumpCloudInfo {
        let org = self.jumpcloud.main_org();
        let first_system = org.lock().first_system().map(str::to_owned);
        let system_context = first_system.and_then(|id| match self.jumpcloud_key_file(&id) {
            Ok(path) => Some(SystemContextInfo {
                system_id: id,
                key_file: path.to_string_lossy().into_owned(),
            }),
            Err(e) => {
                tracing::warn!("{e}");
                None
            }
        });
        JumpCloudInfo {
            v1: format!("{}/api", self.base_url),
            v2: format!("{}/api/v2", self.base_url),
            api_key: jumpcloud::API_KEY.to_owned(),
            org_id: org.id.clone(),
            system_context,
        }
    }

    /// The PEM file (PKCS#1) of a JumpCloud system's private key, made on first use, so that a
    /// client can sign requests as that system (System Context Authorization). The file is
    /// removed when the sandbox stops.
    pub fn jumpcloud_key_file(&self, system_id: &str) -> Result<PathBuf, SandboxError> {
        let exists = self
            .jumpcloud
            .orgs
            .iter()
            .any(|o| o.lock().system(system_id).is_some());
        if !exists {
            return Err(SandboxError::SystemKey {
                system: system_id.to_owned(),
                reason: "no such system in the sandbox".into(),
            });
        }
        self.jumpcloud.keys.key_file(system_id)
    }

    /// The ids of the organisations of the JumpCloud half: the demo organisation first (the one
    /// [`JUMPCLOUD_API_KEY`] reaches), then a small second one that only
    /// [`JUMPCLOUD_MULTI_TENANT_API_KEY`] reaches, with the first.
    pub fn jumpcloud_org_ids(&self) -> Vec<String> {
        self.jumpcloud.orgs.iter().map(|o| o.id.clone()).collect()
    }

    /// The PEM file of the self-signed CA, when serving TLS (removed when the sandbox stops).
    pub fn ca_file(&self) -> Option<PathBuf> {
        self.ca_file.clone()
    }

    /// The JSON line that `idm sandbox serve` prints when ready:
    /// `{"jumpcloud":{"v1":URL,"v2":URL,"api_key":...,"org_id":...,"system_context":{...}},"umapi":{...},"tls_ca":PATH_OR_NULL}`.
    pub fn readiness_line(&self) -> String {
        let line = Readiness {
            jumpcloud: self.jumpcloud_info(),
            umapi: self.umapi_info(),
            tls_ca: self
                .ca_file
                .as_ref()
                .map(|p| p.to_string_lossy().into_owned()),
        };
        serde_json::to_string(&line).unwrap_or_default()
    }

    /// Adds a fault rule; it counts matching requests from now on.
    pub fn inject(&self, rule: FaultRule) {
        lock(&self.shared.faults).add(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// The counters so far.
    pub fn stats(&self) -> StatsSnapshot {
        self.shared.stats.snapshot()
    }

    /// The current state of one user (by email or email-form username; org-owned accounts first),
    /// in UMAPI's wire shape, with its direct groups.
    pub fn umapi_user(&self, email: &str) -> Option<serde_json::Value> {
        self.umapi.user_json(email)
    }

    /// The emails of the direct members of a user group, product profile or admin group.
    pub fn umapi_group_members(&self, group: &str) -> Option<Vec<String>> {
        self.umapi.group_members(group)
    }

    /// Registers the public key that verifies `client_id`'s JWTs at `/ims/exchange/jwt`: a PEM
    /// `BEGIN PUBLIC KEY` (SPKI), `BEGIN RSA PUBLIC KEY` or `BEGIN CERTIFICATE` block.
    pub fn register_jwt_public_key(&self, client_id: &str, pem: &str) -> Result<(), SandboxError> {
        self.ims.register_key(client_id, pem)
    }

    /// Stops accepting connections, closes the open ones and waits for the server task.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(path) = self.ca_file.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sandbox_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<super::Sandbox>();
        check::<super::SandboxConfig>();
        check::<super::SandboxError>();
    }
}

/// The README's examples, compiled and run as doctests so they keep matching the code.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
