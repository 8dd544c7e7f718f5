//! The blocking facade both clients share: an async client and a private runtime that waits on
//! what its builders return. Each client's `blocking::Client` derefs to a [`Blocking`].

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::{Stream, StreamExt};

/// An async client `C` (every builder is there through `Deref`) and a current-thread runtime
/// that [`wait`](Self::wait)s for futures and [`iter`](Self::iter)ates streams. Cheap to clone.
/// Do not use it inside an async runtime: blocking there panics in tokio.
#[derive(Debug, Clone)]
pub struct Blocking<C> {
    client: C,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl<C> Blocking<C> {
    /// Starts the runtime, then builds the client with it entered (for the client's timers).
    /// `runtime_error` turns a runtime that cannot start into the client's error type.
    pub fn start<E>(
        build: impl FnOnce() -> Result<C, E>,
        runtime_error: impl FnOnce(std::io::Error) -> E,
    ) -> Result<Self, E> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(runtime_error)?;
        let client = {
            let _entered = runtime.enter();
            build()?
        };
        Ok(Blocking {
            client,
            runtime: Arc::new(runtime),
        })
    }

    /// Runs a request (or any future) to completion.
    pub fn wait<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Turns a stream (a listing's `stream()`) into an iterator; each `next` waits for an item.
    pub fn iter<S>(&self, stream: S) -> BlockingIter<S::Item>
    where
        S: Stream + Send + 'static,
    {
        BlockingIter {
            stream: Box::pin(stream),
            runtime: Arc::clone(&self.runtime),
        }
    }
}

impl<C> Deref for Blocking<C> {
    type Target = C;
    fn deref(&self) -> &C {
        &self.client
    }
}

/// An iterator over a stream, driven by a [`Blocking`] client's runtime.
pub struct BlockingIter<T> {
    stream: Pin<Box<dyn Stream<Item = T> + Send>>,
    runtime: Arc<tokio::runtime::Runtime>,
}

impl<T> Iterator for BlockingIter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.runtime.block_on(self.stream.next())
    }
}

impl<T> std::fmt::Debug for BlockingIter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingIter").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_and_iterates_on_its_own_runtime() {
        let b = Blocking::start(|| Ok::<_, String>(7u32), |e| e.to_string()).unwrap();
        assert_eq!(*b, 7);
        let slept = b.wait(async {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            "woke"
        });
        assert_eq!(slept, "woke");
        let items: Vec<u32> = b.iter(futures_util::stream::iter([1, 2, 3])).collect();
        assert_eq!(items, [1, 2, 3]);
        let failed = Blocking::<u32>::start(|| Err("no".to_owned()), |e| e.to_string());
        assert_eq!(failed.unwrap_err(), "no");
    }
}
