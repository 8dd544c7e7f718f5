//! A blocking facade for scripts: the async client plus a private runtime to wait on it.
//!
//! ```no_run
//! let jc = jumpcloud::blocking::Client::new(jumpcloud::Client::builder().from_env())?;
//! let users = jc.wait(jc.v1().systemusers().list().all())?;
//! println!("{} users", users.len());
//! # Ok::<(), jumpcloud::Error>(())
//! ```

use std::future::Future;
use std::ops::Deref;

use crate::error::{Error, Result};

/// The async [`crate::Client`] (every builder is there through `Deref`) and a runtime that
/// [`wait`](Self::wait)s for what they return. Do not use it inside an async runtime.
#[derive(Debug)]
pub struct Client {
    client: crate::Client,
    runtime: tokio::runtime::Runtime,
}

impl Client {
    /// Builds the client and a current-thread runtime for it.
    pub fn new(builder: crate::ClientBuilder) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Config(format!("cannot start a runtime: {e}")))?;
        // Building the HTTP client needs no runtime, but keep one entered for its timers.
        let client = {
            let _guard = runtime.enter();
            builder.build()?
        };
        Ok(Client { client, runtime })
    }

    /// Runs a request (or any future) to completion: `jc.wait(jc.v2().user_groups().list().send())`.
    pub fn wait<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

impl Deref for Client {
    type Target = crate::Client;
    fn deref(&self) -> &crate::Client {
        &self.client
    }
}
