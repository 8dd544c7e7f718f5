//! Keeps Adobe accounts, user groups and product profiles in step with a directory — the engine
//! of `idm sync`, a drop-in for Adobe's user-sync.py.
//!
//! Three parts, with one-way arrows:
//! - [`plan`](mod@plan): the I/O-free planner. Directory users ([`DirectoryUser`]), Adobe users
//!   ([`umapi::User`]) and [`Rules`] in, a [`Plan`] of UMAPI actions out, each with its reason.
//!   The same inputs always give the same plan, and a plan applied then planned again is empty.
//! - connectors that load the directory: [`csv_directory`] (user-sync's CSV connector) and
//!   [`jumpcloud_directory`] (JumpCloud's system users and user groups, read completely or not
//!   at all).
//! - [`config`]: user-sync's configuration files and command line, read as user-sync reads them,
//!   and `connector-jumpcloud.yml`.
//! - [`exec`]: runs a plan (or any stream of actions) through the umapi action queue as one
//!   sync run, journaled.
//!
//! ```
//! use idm_sync::{DirectoryUser, Rules, plan};
//! use umapi::IdentityType;
//!
//! let alice = DirectoryUser {
//!     identity_type: IdentityType::FederatedId,
//!     username: "alice@example.com".into(),
//!     domain: None,
//!     email: "alice@example.com".into(),
//!     firstname: Some("Alice".into()),
//!     lastname: Some("Liddell".into()),
//!     country: Some("GB".into()),
//!     groups: vec!["Designers".into()],
//!     origin: "users.csv:2".into(),
//! };
//! let mut rules = Rules::default();
//! rules.process_groups = true;
//! rules.mapping.insert("Designers".into(), vec!["Creative Cloud".into()]);
//! // Adobe has nobody yet: one create, with the mapped profile.
//! let plan = plan(&[alice], &[], &rules).unwrap();
//! assert_eq!(plan.actions.len(), 1);
//! assert_eq!(plan.actions[0].reason, "new federatedID in the directory (users.csv:2); add to Creative Cloud");
//! ```
#![warn(missing_docs)]

pub mod config;
pub mod csv_directory;
pub mod exec;
pub mod jumpcloud_directory;
mod model;
pub mod plan;
mod rules;

pub use exec::{Executed, execute};
pub use model::{DirectoryUser, normalize, parse_identity_type};
pub use plan::{
    AdobeOnlyUser, Change, Plan, PlanError, Planned, Summary, plan, plan_listed, plan_push,
};
pub use rules::{
    AdditionalGroup, AdobeOnlyAction, Attribute, Limit, Rules, UserSelection, full_match,
    prefix_match, python_replacement,
};

/// The README's examples, compiled and run as doctests so they keep matching the code.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
