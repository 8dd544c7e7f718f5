//! A blocking facade for scripts: the async client plus a private runtime to wait on it (the
//! same shape as `umapi::blocking`).
//!
//! ```no_run
//! let jc = jumpcloud::blocking::Client::from_env()?;
//! let users = jc.wait(jc.v1().systemusers().list().all())?;
//! println!("{} users", users.len());
//! for group in jc.iter(jc.v2().user_groups().list().stream()) {
//!     println!("{}", group?.name.unwrap_or_default());
//! }
//! # Ok::<(), jumpcloud::Error>(())
//! ```

use std::ops::Deref;

use idm_http::blocking::Blocking;

use crate::error::{Error, Result};

/// The async [`crate::Client`] (every builder is there through `Deref`) and a runtime:
/// [`wait`](Blocking::wait) for a request, [`iter`](Blocking::iter) over a listing. Do not use
/// it inside an async runtime.
#[derive(Debug, Clone)]
pub struct Client(Blocking<crate::Client>);

impl Client {
    /// Builds the client and a current-thread runtime for it.
    pub fn new(builder: crate::ClientBuilder) -> Result<Self> {
        Blocking::start(
            || builder.build(),
            |e| Error::Config(format!("cannot start a runtime: {e}")),
        )
        .map(Client)
    }

    /// A client configured from the environment (`JUMPCLOUD_API_KEY`, `JUMPCLOUD_ORG_ID`,
    /// `JUMPCLOUD_BASE_URL`, `IDM_CA_FILE`), as [`ClientBuilder::from_env`](crate::ClientBuilder::from_env).
    pub fn from_env() -> Result<Self> {
        Client::new(crate::Client::builder().from_env())
    }
}

impl Deref for Client {
    type Target = Blocking<crate::Client>;
    fn deref(&self) -> &Blocking<crate::Client> {
        &self.0
    }
}
