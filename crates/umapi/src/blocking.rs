//! A blocking facade for scripts that do not run an async runtime.
//!
//! ```no_run
//! # fn main() -> Result<(), umapi::Error> {
//! let client = umapi::blocking::Client::new(umapi::Client::builder().from_env().build()?)?;
//! for user in client.iter(client.inner().users().domain("example.com").stream()) {
//!     println!("{}", user?.email);
//! }
//! # Ok(()) }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::{Stream, StreamExt};

use crate::action::{Action, BatchReport};
use crate::model::{Group, User};
use crate::{Error, Result};

/// Runs the async [`crate::Client`] on a private single-threaded runtime.
#[derive(Debug, Clone)]
pub struct Client {
    client: crate::Client,
    rt: Arc<tokio::runtime::Runtime>,
}

impl Client {
    /// Wraps an async client. Do not call from inside an async runtime.
    pub fn new(client: crate::Client) -> Result<Self> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Config(format!("cannot start the blocking runtime: {e}")))?;
        Ok(Client {
            client,
            rt: Arc::new(rt),
        })
    }

    /// The async client, to build queries and actions.
    pub fn inner(&self) -> &crate::Client {
        &self.client
    }

    /// Runs any future of the async API to completion.
    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Turns a stream of the async API into an iterator.
    pub fn iter<S>(&self, stream: S) -> BlockingIter<S::Item>
    where
        S: Stream + Send + 'static,
    {
        BlockingIter {
            stream: Box::pin(stream),
            rt: self.rt.clone(),
        }
    }

    /// Every user of the org.
    pub fn all_users(&self) -> Result<Vec<User>> {
        self.block_on(self.client.users().all())
    }

    /// Every group of the org.
    pub fn all_groups(&self) -> Result<Vec<Group>> {
        self.block_on(self.client.groups().all())
    }

    /// One user, `None` when unknown.
    pub fn user(&self, user: &str) -> Result<Option<User>> {
        self.block_on(self.client.user(user).get())
    }

    /// Sends actions and waits for their reports (see [`crate::Client::execute`]).
    pub fn execute<I, A>(&self, actions: I) -> Result<BatchReport>
    where
        I: IntoIterator<Item = A>,
        A: Into<Action>,
    {
        self.block_on(self.client.execute(actions))
    }
}

/// An iterator over a stream, driven by the blocking client's runtime.
pub struct BlockingIter<T> {
    stream: Pin<Box<dyn Stream<Item = T> + Send>>,
    rt: Arc<tokio::runtime::Runtime>,
}

impl<T> Iterator for BlockingIter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.rt.block_on(self.stream.next())
    }
}
