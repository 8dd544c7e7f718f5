//! The API-agnostic front of every route: statistics, injected faults and rate limits.
//!
//! Each simulated API wraps its routes of one [`RouteKind`] in [`Gate::layer`]; the gate counts
//! the request, fires a matching fault rule if any, applies the rate limit of the kind's class
//! (when throttling is on), runs the handler, and rewrites the answer for `truncate` and `result=`.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{RawPathParams, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::faults::{FaultEngine, FaultKind};
use crate::lock;
use crate::ratelimit::{self, RateClass, RateLimiter};
use crate::stats::{RouteKind, Stats};

/// State shared by all simulated APIs.
#[derive(Debug)]
pub(crate) struct Shared {
    pub stats: Stats,
    pub faults: Mutex<FaultEngine>,
    pub limiter: Mutex<RateLimiter>,
    pub throttle: bool,
    pub fractional_retry_after: bool,
}

/// Marks a response that must not be sent: the server closes the connection instead.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ResetConnection;

/// The gate of one route kind.
#[derive(Debug, Clone)]
pub(crate) struct Gate {
    shared: Arc<Shared>,
    kind: RouteKind,
    class: Option<RateClass>,
}

impl Gate {
    /// Wraps every route of `router` (all of kind `kind`, limited by `class`) in the gate.
    pub(crate) fn layer<S: Clone + Send + Sync + 'static>(
        router: Router<S>,
        shared: &Arc<Shared>,
        kind: RouteKind,
        class: Option<RateClass>,
    ) -> Router<S> {
        let gate = Gate {
            shared: Arc::clone(shared),
            kind,
            class,
        };
        router.route_layer(middleware::from_fn_with_state(gate, run))
    }
}

/// The 429 answer: UMAPI's (API.md §3), or JumpCloud's `{"message"}` shape.
pub(crate) fn too_many_requests(kind: RouteKind, retry_after: &str) -> Response {
    let body = if kind == RouteKind::JumpCloud {
        json!({"message": "Too Many Requests"})
    } else {
        json!({"error_code": "429050", "message": "Too many requests"})
    };
    let mut resp = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(retry_after) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// The 401 answer of UMAPI: empty, with `WWW-Authenticate`.
pub(crate) fn unauthorized() -> Response {
    let mut resp = StatusCode::UNAUTHORIZED.into_response();
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(
            "Bearer realm=\"JIL\", error=\"invalid_token\", error_description=\"The access token is invalid\"",
        ),
    );
    resp
}

fn reset_response() -> Response {
    let mut resp = Response::new(Body::empty());
    resp.extensions_mut().insert(ResetConnection);
    resp
}

fn status_fault(kind: RouteKind, code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if kind == RouteKind::JumpCloud {
        // JumpCloud answers every error as `{"message": ...}`.
        let reason = status.canonical_reason().unwrap_or("Error");
        return (
            status,
            axum::Json(json!({"message": format!("{reason} (injected fault)")})),
        )
            .into_response();
    }
    match code {
        401 => unauthorized(),
        500 => (
            status,
            axum::Json(json!({
                "result": "error.internal.exceptionflys",
                "message": "Internal server error (injected fault)"
            })),
        )
            .into_response(),
        _ => status.into_response(),
    }
}

async fn run(
    State(gate): State<Gate>,
    params: Result<RawPathParams, axum::extract::rejection::RawPathParamsRejection>,
    req: Request,
    next: Next,
) -> Response {
    let shared = &gate.shared;
    shared.stats.request(gate.kind);
    if gate.kind.is_umapi()
        && let Some(p) = req
            .headers()
            .get(header::PRAGMA)
            .and_then(|v| v.to_str().ok())
    {
        shared.stats.pragma(p);
    }
    let page = params.ok().and_then(|params| {
        params
            .iter()
            .find(|(name, _)| *name == "page")
            .and_then(|(_, v)| v.trim().parse::<u64>().ok())
    });

    let fault = lock(&shared.faults).decide(gate.kind, page);
    let mut rewrite = None;
    if let Some(fault) = fault {
        shared.stats.fault_fired();
        tracing::debug!(route = gate.kind.name(), ?fault, "injecting fault");
        match fault {
            FaultKind::TooManyRequests { retry_after } => {
                shared.stats.throttled(false);
                return too_many_requests(gate.kind, &retry_after.header_value());
            }
            FaultKind::Status(code) => return status_fault(gate.kind, code),
            FaultKind::Delay(d) => tokio::time::sleep(d).await,
            FaultKind::Reset => return reset_response(),
            other => rewrite = Some(other),
        }
    }

    if shared.throttle
        && let Some(class) = gate.class
    {
        let client = req
            .headers()
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let verdict = lock(&shared.limiter).check(class, &client, Instant::now());
        if let Err(wait) = verdict {
            shared.stats.throttled(true);
            let value = ratelimit::format_retry_after(wait, shared.fractional_retry_after);
            tracing::debug!(class = class.name, %client, retry_after = %value, "rate limited");
            return too_many_requests(gate.kind, &value);
        }
    }

    let resp = next.run(req).await;
    match rewrite {
        Some(kind) => rewrite_response(resp, kind).await,
        None => resp,
    }
}

/// Applies `truncate`, `lastpage` or `result=` to a successful JSON answer.
async fn rewrite_response(resp: Response, kind: FaultKind) -> Response {
    if resp.status() != StatusCode::OK {
        return resp;
    }
    if let FaultKind::Truncate { as_404: true } = kind {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(json!({
                "lastPage": false,
                "result": "error.page.not_found",
                "message": "Page not found (injected truncation)"
            })),
        )
            .into_response();
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    if let Some(obj) = value.as_object_mut() {
        match kind {
            FaultKind::Truncate { .. } => {
                for key in ["users", "groups"] {
                    if let Some(list) = obj.get_mut(key) {
                        *list = Value::Array(Vec::new());
                    }
                }
                obj.insert("lastPage".into(), Value::Bool(false));
                parts
                    .headers
                    .insert("x-page-size", HeaderValue::from_static("0"));
            }
            FaultKind::EarlyLastPage => {
                obj.insert("lastPage".into(), Value::Bool(true));
                parts.headers.remove("x-page-count");
            }
            FaultKind::Result(v) => {
                obj.insert("result".into(), Value::String(v));
            }
            _ => {}
        }
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = serde_json::to_vec(&value).unwrap_or_default();
    Response::from_parts(parts, Body::from(body))
}
