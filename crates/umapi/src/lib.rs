//! An async Rust client for the Adobe User Management API (UMAPI).
//!
//! - **Auth**: OAuth Server-to-Server ([`OAuthS2S`], the default) or service-account JWT
//!   ([`JwtAuth`]), with a token cache that refreshes before expiry, once for all concurrent
//!   callers, and re-authenticates once on a 401.
//! - **Queries**: [`Client::users`], [`Client::user`], [`Client::groups`] as lazy streams of pages
//!   or items, or collected with `all()`. A listing that ends early is an error, never a short list.
//! - **Actions**: [`UserAction`] and [`GroupAction`] builders check arguments before sending;
//!   [`Client::execute`] and [`Client::queue`] split, batch (10 entries a request), send
//!   concurrently under the per-client rate limits, retry throttling, and report every action.
//! - **Legacy**: [`legacy`] offers the v1-style API of the Python `umapi_client.legacy` module.
//! - **Blocking**: [`blocking::Client`] for scripts without an async runtime.
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use umapi::{Client, NewUser, UserAction};
//!
//! # async fn run() -> Result<(), umapi::Error> {
//! let client = Client::builder().from_env().build()?; // UMAPI_ORG_ID, UMAPI_CLIENT_ID, ...
//! let mut users = std::pin::pin!(client.users().in_group("Design Team").stream());
//! while let Some(user) = users.try_next().await? {
//!     println!("{} {:?}", user.email, user.groups);
//! }
//! // `execute`: Ok when every action was done, else Err(Error::Batch) holding the whole report.
//! client
//!     .execute([UserAction::new("jdoe@example.com")?
//!         .create(NewUser::federated("jdoe@example.com", "Jo", "Doe", "US"))?
//!         .add_to_groups(["All Apps - Default"])?])
//!     .await?;
//! // `submit`: always the report, to go through action by action.
//! let report = client
//!     .submit([UserAction::new("ann@example.com")?.add_to_groups(["Design Team"])?])
//!     .await;
//! for a in &report.actions {
//!     println!("{}: {:?} {:?}", a.target, a.applied(), a.errors);
//! }
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod action;
pub mod auth;
pub mod blocking;
mod client;
mod error;
pub mod journal;
pub mod legacy;
mod limiter;
pub mod model;
mod query;

pub use action::{
    Action, ActionQueue, ActionReport, ActionStatus, Applied, BatchError, BatchReport, GroupAction,
    NewUser, Step, StepError, StepWarning, UserAction, UserUpdate, codes,
};
pub use auth::{Credentials, JwtAuth, OAuthS2S, TokenEndpoint};
pub use client::{BatchOptions, Client, ClientBuilder, DEFAULT_ENDPOINT, LocalStatus};
pub use error::{ApiError, Error, Result};
pub use idm_http::{ErrorResponse, RequestOptions, TransportError};
pub use idm_http::{HttpConfig, ProxyConfig, RetryPolicy};
pub use limiter::{RateLimits, RouteClass};
pub use model::{Group, GroupType, IdentityType, IfAlreadyExists, User, UserGroup};
pub use query::{GroupsQuery, Page, QueryStats, UserGroupsQuery, UserQuery, UsersQuery};

/// The README's examples, compiled and run as doctests so they keep matching the code.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
