//! The async runtime a sandbox process serves on.

/// A Tokio runtime for serving the sandbox with `threads` worker threads.
///
/// One thread (what `idm sandbox serve` uses unless told otherwise) gives a current-thread
/// runtime: for one local client on a small machine it is the fastest choice, because no request
/// has to wake another thread, and the sandbox leaves the other cores to the client under test.
/// More threads give a multi-threaded runtime, for many clients at once. `0` is taken as 1.
pub fn serving_runtime(threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(threads);
        b
    };
    builder.enable_all().build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_thread_is_current_thread_and_more_are_multi_thread() {
        use tokio::runtime::RuntimeFlavor;
        let flavor = |n| serving_runtime(n).unwrap().handle().runtime_flavor();
        assert_eq!(flavor(0), RuntimeFlavor::CurrentThread);
        assert_eq!(flavor(1), RuntimeFlavor::CurrentThread);
        assert_eq!(flavor(3), RuntimeFlavor::MultiThread);
        let rt = serving_runtime(3).unwrap();
        assert_eq!(rt.metrics().num_workers(), 3);
    }
}
