//! A blocking facade for scripts that do not run an async runtime (the same shape as
//! `jumpcloud::blocking`).
//!
//! ```no_run
//! # fn main() -> Result<(), umapi::Error> {
//! let client = umapi::blocking::Client::from_env()?;
//! for user in client.iter(client.users().domain("example.com").stream()) {
//!     println!("{}", user?.email);
//! }
//! let profiles = client.wait(client.groups().all())?;
//! # drop(profiles);
//! # Ok(()) }
//! ```

use std::ops::Deref;

use idm_http::blocking::Blocking;

use crate::action::{Action, BatchReport};
use crate::model::{Group, User};
use crate::{Error, Result};

/// The async [`crate::Client`] (every query and action is there through `Deref`) and a
/// runtime: [`wait`](Blocking::wait) for a future, [`iter`](Blocking::iter) over a listing.
/// Do not use it inside an async runtime.
#[derive(Debug, Clone)]
pub struct Client(Blocking<crate::Client>);

impl Client {
    /// Builds the client and a current-thread runtime for it.
    pub fn new(builder: crate::ClientBuilder) -> Result<Self> {
        Blocking::start(
            || builder.build(),
            |e| Error::Config(format!("cannot start the blocking runtime: {e}")),
        )
        .map(Client)
    }

    /// A client configured from the environment (`UMAPI_ORG_ID`, `UMAPI_CLIENT_ID`,
    /// `UMAPI_CLIENT_SECRET`, …), as [`ClientBuilder::from_env`](crate::ClientBuilder::from_env).
    pub fn from_env() -> Result<Self> {
        Client::new(crate::Client::builder().from_env())
    }

    /// Every user of the org.
    pub fn all_users(&self) -> Result<Vec<User>> {
        self.wait(self.users().all())
    }

    /// Every group of the org.
    pub fn all_groups(&self) -> Result<Vec<Group>> {
        self.wait(self.groups().all())
    }

    /// One user, `None` when unknown.
    pub fn user(&self, user: &str) -> Result<Option<User>> {
        self.wait(crate::Client::user(self, user).get())
    }

    /// Sends actions and waits for their reports (see [`crate::Client::execute`]).
    pub fn execute<I, A>(&self, actions: I) -> Result<BatchReport>
    where
        I: IntoIterator<Item = A>,
        A: Into<Action>,
    {
        self.wait(crate::Client::execute(self, actions))
    }
}

impl Deref for Client {
    type Target = Blocking<crate::Client>;
    fn deref(&self) -> &Blocking<crate::Client> {
        &self.0
    }
}
