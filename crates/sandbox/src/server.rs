//! Binding, the composed router, and the plain or TLS accept loop.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tower_service::Service;

use crate::error::SandboxError;
use crate::gate::{CutConnection, ResetConnection};

/// Opens the listening socket.
pub(crate) async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), SandboxError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| SandboxError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| SandboxError::Bind { addr, source })?;
    Ok((listener, local))
}

/// Merges the routers of the simulated APIs, adds the 404 fallback and the common layer
/// (DEBUG log of every request, `X-Request-Id` echo).
pub(crate) fn app(routers: impl IntoIterator<Item = Router>) -> Router {
    routers
        .into_iter()
        .fold(Router::new(), Router::merge)
        .fallback(not_found)
        .layer(middleware::from_fn(common))
}

async fn not_found(req: Request) -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({
            "result": "error.not_found",
            "message": format!("No sandbox route for {} {}", req.method(), req.uri().path()),
        })),
    )
        .into_response()
}

async fn common(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let request_id = req.headers().get("x-request-id").cloned();
    let mut resp = next.run(req).await;
    tracing::debug!(
        %method,
        %path,
        status = resp.status().as_u16(),
        request_id = request_id.as_ref().and_then(|v| v.to_str().ok()),
        "sandbox request"
    );
    if let Some(id) = request_id {
        resp.headers_mut().insert("x-request-id", id);
    }
    resp
}

/// Returned by the connection service to make hyper drop the connection unanswered.
#[derive(Debug)]
struct ResetError;

impl std::fmt::Display for ResetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset by an injected fault")
    }
}

impl std::error::Error for ResetError {}

/// A switch shared by a connection's I/O and the bodies it sends: once on, the connection fails
/// at its next flush, that is, as soon as everything written so far has left.
type CutSwitch = Arc<AtomicBool>;

/// A body that announces `length` bytes, sends those of `inner` (fewer), then never ends: it
/// turns the connection's [`CutSwitch`] on, so that the connection closes once they are sent.
///
/// An erroring body would not do: hyper drops the connection at the error, with the last bytes
/// still in its buffer. Waiting for the flush makes the client get exactly the bytes given.
struct CutBody {
    inner: Body,
    length: u64,
    switch: CutSwitch,
    done: bool,
}

impl hyper::body::Body for CutBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        if self.done {
            return Poll::Pending;
        }
        match ready!(Pin::new(&mut self.inner).poll_frame(cx)) {
            None => {
                self.done = true;
                self.switch.store(true, Ordering::Release);
                // No wake-up needed: hyper flushes next, and the flush fails.
                Poll::Pending
            }
            frame => Poll::Ready(frame),
        }
    }

    fn is_end_stream(&self) -> bool {
        false
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.length)
    }
}

/// The I/O of one connection, failing its flushes once the [`CutSwitch`] is on.
struct CutIo<I> {
    inner: I,
    switch: CutSwitch,
}

impl<I: AsyncRead + Unpin> AsyncRead for CutIo<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for CutIo<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // hyper flushes the I/O only once its own buffer is written, so everything sent so far
        // has left when this fails.
        ready!(Pin::new(&mut self.inner).poll_flush(cx))?;
        if self.switch.load(Ordering::Acquire) {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "body cut by an injected fault",
            )));
        }
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Starts the accept loop. Sending `true` on (or dropping) the returned sender stops it and
/// closes every connection. A client that takes longer than `header_timeout` to send a
/// request's headers (or, with TLS, to finish the handshake) is disconnected.
pub(crate) fn spawn(
    listener: TcpListener,
    router: Router,
    tls: Option<TlsAcceptor>,
    header_timeout: Duration,
) -> (watch::Sender<bool>, JoinHandle<()>) {
    let (tx, rx) = watch::channel(false);
    let task = tokio::spawn(accept_loop(listener, router, tls, header_timeout, rx));
    (tx, task)
}

async fn accept_loop(
    listener: TcpListener,
    router: Router,
    tls: Option<TlsAcceptor>,
    header_timeout: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = shutdown.changed() => break,
        };
        let (stream, peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                tracing::debug!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let tls = tls.clone();
        let mut rx = shutdown.clone();
        tokio::spawn(async move {
            match tls {
                Some(acceptor) => {
                    let handshake = tokio::time::timeout(header_timeout, acceptor.accept(stream));
                    let stream = tokio::select! {
                        r = handshake => match r {
                            Ok(Ok(s)) => s,
                            Ok(Err(e)) => {
                                tracing::debug!(%peer, error = %e, "TLS handshake failed");
                                return;
                            }
                            Err(_) => {
                                tracing::debug!(%peer, "TLS handshake timed out");
                                return;
                            }
                        },
                        _ = rx.changed() => return,
                    };
                    serve_connection(stream, router, header_timeout, rx).await;
                }
                None => serve_connection(stream, router, header_timeout, rx).await,
            }
        });
    }
}

async fn serve_connection<I>(
    io: I,
    router: Router,
    header_timeout: Duration,
    mut shutdown: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let switch = CutSwitch::default();
    let io = CutIo {
        inner: io,
        switch: Arc::clone(&switch),
    };
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let mut router = router.clone();
        let switch = Arc::clone(&switch);
        async move {
            let resp = match router.call(req).await {
                Ok(resp) => resp,
                Err(never) => match never {},
            };
            if resp.extensions().get::<ResetConnection>().is_some() {
                return Err(ResetError);
            }
            let Some(cut) = resp.extensions().get::<CutConnection>().copied() else {
                return Ok(resp);
            };
            let (mut parts, inner) = resp.into_parts();
            // axum set the length of the body it has; hyper announces the body's size hint.
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            let body = CutBody {
                inner,
                length: cut.length,
                switch,
                done: false,
            };
            Ok(Response::from_parts(parts, Body::new(body)))
        }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let conn = builder.serve_connection(TokioIo::new(io), service);
    tokio::select! {
        r = conn => {
            if let Err(e) = r {
                tracing::debug!(error = %e, "connection closed");
            }
        }
        _ = shutdown.changed() => {}
    }
}
