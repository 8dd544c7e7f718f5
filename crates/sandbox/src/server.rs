//! Binding, the composed router, and the plain or TLS accept loop.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tower_service::Service;

use crate::error::SandboxError;
use crate::gate::ResetConnection;

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

/// Starts the accept loop. Sending `true` on (or dropping) the returned sender stops it and
/// closes every connection.
pub(crate) fn spawn(
    listener: TcpListener,
    router: Router,
    tls: Option<TlsAcceptor>,
) -> (watch::Sender<bool>, JoinHandle<()>) {
    let (tx, rx) = watch::channel(false);
    let task = tokio::spawn(accept_loop(listener, router, tls, rx));
    (tx, task)
}

async fn accept_loop(
    listener: TcpListener,
    router: Router,
    tls: Option<TlsAcceptor>,
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
                    let stream = tokio::select! {
                        r = acceptor.accept(stream) => match r {
                            Ok(s) => s,
                            Err(e) => {
                                tracing::debug!(%peer, error = %e, "TLS handshake failed");
                                return;
                            }
                        },
                        _ = rx.changed() => return,
                    };
                    serve_connection(stream, router, rx).await;
                }
                None => serve_connection(stream, router, rx).await,
            }
        });
    }
}

async fn serve_connection<I>(io: I, router: Router, mut shutdown: watch::Receiver<bool>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let mut router = router.clone();
        async move {
            let resp = match router.call(req).await {
                Ok(resp) => resp,
                Err(never) => match never {},
            };
            if resp.extensions().get::<ResetConnection>().is_some() {
                Err(ResetError)
            } else {
                Ok(resp)
            }
        }
    });
    let builder = auto::Builder::new(TokioExecutor::new());
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
