//! The API-agnostic front of every route: statistics, injected faults and rate limits.
//!
//! Each simulated API wraps its routes of one [`RouteKind`] in [`Gate::layer`]; the gate counts
//! the request, fires a matching fault rule if any, applies the rate limit of the kind's class
//! (when throttling is on), runs the handler, and rewrites the answer for the faults that alter
//! a real answer (`truncate`, `short`, `duplicate`, `lastpage`, `result=`, `malformed`, `cut`).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{RawPathParams, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tower_service::Service;

use crate::faults::{Asked, FaultEngine, FaultKind, PageAsked};
use crate::form;
use crate::lock;
use crate::ratelimit::{self, RateClass, RateLimiter};
use crate::route_kind::RouteKind;
use crate::stats::Stats;

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

/// Marks a response whose body is cut short: the server announces `length` bytes, sends the
/// body the response has (fewer), then closes the connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CutConnection {
    /// The `Content-Length` to announce: the length of the whole body.
    pub length: u64,
}

/// How the routes behind a gate ask for pages.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Paging {
    /// The routes are not listings.
    None,
    /// Every route is a listing whose `{page}` path segment, at `index` as `path.split('/')`
    /// counts, is the 0-based page (UMAPI).
    PathSegment { index: usize },
    /// The routes for which `is_listing(method, path)` holds are listings with `limit` (default
    /// `default_limit`) and `skip` query parameters (JumpCloud).
    LimitSkip {
        is_listing: fn(&Method, &str) -> bool,
        default_limit: u64,
    },
}

/// How to ask for the page before the one requested.
#[derive(Debug, Clone, Copy)]
enum Previous {
    /// The path segment at `index` (counted as `path.split('/')` counts) becomes `page`.
    Segment { index: usize, page: u64 },
    /// The query's `skip` becomes this.
    Skip(u64),
}

/// The page a request asks for, and how to ask for the one before.
#[derive(Debug, Clone, Copy)]
struct Located {
    asked: PageAsked,
    previous: Option<Previous>,
}

/// The request bodies a `duplicate` fault reads to send them again (JumpCloud's own limit).
const MAX_REPLAY_BODY: usize = 16 << 20;

/// What `malformed` puts after the first half of a body: `#` is not JSON outside a string, and
/// with no `"` it cannot end one, so the result is never valid JSON.
const GARBAGE: &[u8] = b"#garbled";

/// The page of the `html` fault: what an nginx proxy in front of the API sends when the API is
/// down, here with status 200.
const PROXY_PAGE: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// The gate of one route kind.
#[derive(Debug, Clone)]
pub(crate) struct Gate {
    shared: Arc<Shared>,
    kind: RouteKind,
    class: Option<RateClass>,
    paging: Paging,
    /// The same routes without the gate: `duplicate` asks them for the previous page.
    replay: Router,
}

impl Gate {
    /// Wraps every route of `router` (all of kind `kind`, limited by `class`, paged as `paging`
    /// says) in the gate.
    pub(crate) fn layer(
        router: Router,
        shared: &Arc<Shared>,
        kind: RouteKind,
        class: Option<RateClass>,
        paging: Paging,
    ) -> Router {
        let gate = Gate {
            shared: Arc::clone(shared),
            kind,
            class,
            paging,
            replay: router.clone(),
        };
        router.route_layer(middleware::from_fn_with_state(gate, run))
    }

    /// The page a request asks for, when its route is a listing.
    fn locate(&self, req: &Request, page_param: Option<&str>) -> Option<Located> {
        match self.paging {
            Paging::None => None,
            Paging::PathSegment { index } => {
                let page = page_param.and_then(|p| p.trim().parse::<u64>().ok());
                let previous = page.filter(|p| *p > 0).map(|page| Previous::Segment {
                    index,
                    page: page - 1,
                });
                Some(Located {
                    asked: PageAsked {
                        page,
                        has_previous: previous.is_some(),
                    },
                    previous,
                })
            }
            Paging::LimitSkip {
                is_listing,
                default_limit,
            } => {
                if !is_listing(req.method(), req.uri().path()) {
                    return None;
                }
                let query = form::parse(req.uri().query().unwrap_or(""));
                let number = |name: &str, default: u64| match form::get(&query, name).map(str::trim)
                {
                    None | Some("") => Some(default),
                    Some(v) => v.parse::<u64>().ok(),
                };
                // A limit or skip that is not a number is no page (the handler answers 400).
                let (page, previous) = match (number("limit", default_limit), number("skip", 0)) {
                    (Some(limit), Some(skip)) => {
                        let page = if limit == 0 {
                            (skip == 0).then_some(0)
                        } else {
                            (skip % limit == 0).then_some(skip / limit)
                        };
                        let previous = skip
                            .checked_sub(limit)
                            .filter(|_| limit > 0)
                            .map(Previous::Skip);
                        (page, previous)
                    }
                    _ => (None, None),
                };
                Some(Located {
                    asked: PageAsked {
                        page,
                        has_previous: previous.is_some(),
                    },
                    previous,
                })
            }
        }
    }
}

/// The 429 answer: UMAPI's, or JumpCloud's `{"message"}` shape.
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

    // Most runs have no fault rule: then the request is not looked at any further.
    let active = !lock(&shared.faults).is_empty();
    let (fault, previous) = if active {
        let page_param = params.ok().and_then(|params| {
            params
                .iter()
                .find(|(name, _)| *name == "page")
                .map(|(_, v)| v.to_owned())
        });
        let located = gate.locate(&req, page_param.as_deref());
        let path = req.uri().path();
        let asked = Asked {
            kind: gate.kind,
            jumpcloud_v2: gate.kind == RouteKind::JumpCloud
                && (path == "/api/v2" || path.starts_with("/api/v2/")),
            listing: located.map(|l| l.asked),
        };
        let fault = lock(&shared.faults).decide(&asked);
        (fault, located.and_then(|l| l.previous))
    } else {
        (None, None)
    };
    let mut rewrite = None;
    if let Some(fault) = fault {
        shared.stats.fault_fired();
        tracing::debug!(route = gate.kind.name(), ?fault, "injecting fault");
        match fault {
            FaultKind::TooManyRequests { retry_after } => {
                shared.stats.throttled(gate.kind, false);
                return too_many_requests(gate.kind, &retry_after.header_value());
            }
            FaultKind::Status(code) => return status_fault(gate.kind, code),
            FaultKind::Delay(d) => tokio::time::sleep(d).await,
            FaultKind::Reset => return reset_response(),
            FaultKind::Html => return proxy_page(),
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
            shared.stats.throttled(gate.kind, true);
            let value = ratelimit::format_retry_after(wait, shared.fractional_retry_after);
            tracing::debug!(class = class.name, %client, retry_after = %value, "rate limited");
            return too_many_requests(gate.kind, &value);
        }
    }

    let Some(fault) = rewrite else {
        return next.run(req).await;
    };
    match fault {
        FaultKind::Duplicate => {
            let Some(previous) = previous else {
                return next.run(req).await;
            };
            let (req, again) = match replay_request(req, previous).await {
                Ok(pair) => pair,
                Err(resp) => return resp,
            };
            let resp = next.run(req).await;
            let Some(again) = again else {
                return resp;
            };
            let mut replay = gate.replay.clone();
            let earlier = match replay.call(again).await {
                Ok(r) => r,
                Err(never) => match never {},
            };
            duplicate(resp, earlier).await
        }
        FaultKind::Malformed => malformed(next.run(req).await).await,
        FaultKind::Cut => cut(next.run(req).await).await,
        other => rewrite_response(next.run(req).await, gate.kind, other).await,
    }
}

/// Splits a request in two: itself again, and the same request for the previous page (`None`
/// when its URI cannot be written).
async fn replay_request(
    req: Request,
    previous: Previous,
) -> Result<(Request, Option<Request>), Response> {
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_REPLAY_BODY).await else {
        return Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            axum::Json(json!({
                "message": format!("Request Entity Too Large: the limit is {MAX_REPLAY_BODY} bytes")
            })),
        )
            .into_response());
    };
    let again = previous_uri(&parts.uri, previous).and_then(|uri| {
        let mut again = Request::builder()
            .method(parts.method.clone())
            .uri(uri)
            .version(parts.version)
            .body(Body::from(bytes.clone()))
            .ok()?;
        *again.headers_mut() = parts.headers.clone();
        Some(again)
    });
    Ok((Request::from_parts(parts, Body::from(bytes)), again))
}

/// The URI of the previous page.
fn previous_uri(uri: &Uri, previous: Previous) -> Option<Uri> {
    let text = match previous {
        Previous::Segment { index, page } => {
            let mut segments: Vec<String> = uri.path().split('/').map(str::to_owned).collect();
            *segments.get_mut(index)? = page.to_string();
            let path = segments.join("/");
            match uri.query() {
                Some(q) => format!("{path}?{q}"),
                None => path,
            }
        }
        Previous::Skip(skip) => {
            let skip = format!("skip={skip}");
            let query: Vec<&str> = uri
                .query()
                .unwrap_or("")
                .split('&')
                .filter(|pair| {
                    !pair.is_empty() && form::parse(pair).first().is_none_or(|(k, _)| k != "skip")
                })
                .chain([skip.as_str()])
                .collect();
            format!("{}?{}", uri.path(), query.join("&"))
        }
    };
    text.parse().ok()
}

/// The items of a page: UMAPI's `users` or `groups`, JumpCloud v1's `results`, or a JumpCloud
/// v2 page (a JSON array) itself.
fn items_mut(value: &mut Value) -> Option<&mut Vec<Value>> {
    match value {
        Value::Array(items) => Some(items),
        Value::Object(obj) => {
            let key = ["users", "groups", "results"]
                .into_iter()
                .find(|k| obj.get(*k).is_some_and(Value::is_array))?;
            obj.get_mut(key)?.as_array_mut()
        }
        _ => None,
    }
}

/// Runs `edit` on a successful JSON answer, and sends the edited JSON. Other answers pass as
/// they are.
async fn edit_json(resp: Response, edit: impl FnOnce(&mut Value, &mut HeaderMap)) -> Response {
    if resp.status() != StatusCode::OK {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    edit(&mut value, &mut parts.headers);
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = serde_json::to_vec(&value).unwrap_or_default();
    Response::from_parts(parts, Body::from(body))
}

/// The JSON of a successful answer.
async fn json_of(resp: Response) -> Option<Value> {
    if resp.status() != StatusCode::OK {
        return None;
    }
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// `duplicate`: the answer for this page with the items of the previous one.
async fn duplicate(resp: Response, earlier: Response) -> Response {
    let Some(mut earlier) = json_of(earlier).await else {
        return resp;
    };
    let Some(items) = items_mut(&mut earlier).map(std::mem::take) else {
        return resp;
    };
    edit_json(resp, |value, _| {
        if let Some(mine) = items_mut(value) {
            *mine = items;
        }
    })
    .await
}

/// Applies `truncate`, `short`, `lastpage` or `result=` to a successful JSON answer.
async fn rewrite_response(resp: Response, kind: RouteKind, fault: FaultKind) -> Response {
    if resp.status() != StatusCode::OK {
        return resp;
    }
    if let FaultKind::Truncate { as_404: true } = fault {
        return not_found_page(kind);
    }
    edit_json(resp, |value, headers| match fault {
        FaultKind::Truncate { .. } => {
            if let Some(items) = items_mut(value) {
                items.clear();
            }
            // UMAPI's page says it is not the last and has no entries; a JumpCloud page keeps
            // its totalCount.
            if kind.is_paged() {
                if let Some(obj) = value.as_object_mut() {
                    obj.insert("lastPage".into(), Value::Bool(false));
                }
                headers.insert("x-page-size", HeaderValue::from_static("0"));
            }
        }
        FaultKind::Short => {
            if let Some(items) = items_mut(value) {
                items.truncate(items.len() / 2);
            }
        }
        FaultKind::EarlyLastPage => {
            if let Some(obj) = value.as_object_mut() {
                obj.insert("lastPage".into(), Value::Bool(true));
            }
            headers.remove("x-page-count");
        }
        FaultKind::Result(v) => {
            if let Some(obj) = value.as_object_mut() {
                obj.insert("result".into(), Value::String(v));
            }
        }
        _ => {}
    })
    .await
}

/// `truncate` with `as=404`: the page is not found.
fn not_found_page(kind: RouteKind) -> Response {
    let body = if kind == RouteKind::JumpCloud {
        json!({"message": "Not Found (injected truncation)"})
    } else {
        json!({
            "lastPage": false,
            "result": "error.page.not_found",
            "message": "Page not found (injected truncation)"
        })
    };
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}

/// The first half of a body, ending on a character boundary when the body is text.
fn first_half(bytes: &[u8]) -> &[u8] {
    let mut end = bytes.len() / 2;
    if let Ok(text) = std::str::from_utf8(bytes) {
        while !text.is_char_boundary(end) {
            end -= 1;
        }
    }
    &bytes[..end]
}

/// `malformed`: 200, JSON by its content type, but the body is not JSON.
async fn malformed(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut out = first_half(&bytes).to_vec();
    out.extend_from_slice(GARBAGE);
    parts.status = StatusCode::OK;
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(out))
}

/// `html`: a proxy's error page, with status 200.
fn proxy_page() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/html"))],
        PROXY_PAGE,
    )
        .into_response()
}

/// `cut`: the answer announces its whole body but carries only the first half; the server
/// closes the connection after it.
async fn cut(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes): Result<Bytes, _> = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if bytes.is_empty() {
        // Nothing to cut.
        return Response::from_parts(parts, Body::empty());
    }
    parts.extensions.insert(CutConnection {
        length: bytes.len() as u64,
    });
    let half = bytes.slice(..bytes.len() / 2);
    Response::from_parts(parts, Body::from(half))
}

/// `GET /_sandbox/stats`: the counters as JSON, for tools that run the sandbox out of process.
pub(crate) fn stats_router(shared: std::sync::Arc<Shared>) -> axum::Router {
    axum::Router::new().route(
        "/_sandbox/stats",
        axum::routing::get(move || {
            let snapshot = shared.stats.snapshot();
            async move { axum::Json(snapshot) }
        }),
    )
}
