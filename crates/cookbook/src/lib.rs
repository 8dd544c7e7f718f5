//! Runnable recipes for the idm libraries; the code is in `examples/`, the guide in README.md.
//!
//! Each recipe runs against your tenants when their credentials are set (`JUMPCLOUD_API_KEY`,
//! `UMAPI_ORG_ID`, `UMAPI_CLIENT_ID`, `UMAPI_CLIENT_SECRET`) and against an embedded sandbox
//! otherwise: `cargo run -p idm-cookbook --example offboarding -- jdoe@example.com`.

/// The README's examples, compiled and run as doctests so they keep matching the code.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The repository README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct RepositoryReadmeDoctests;
