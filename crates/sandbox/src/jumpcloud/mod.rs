//! The simulated JumpCloud API at `/api` (v1) and `/api/v2` (v2).
//!
//! Every one of the specs' 393 operations is routed from the compact specs in `generated/`
//! (written by `cargo xtask codegen`). A request is authenticated (API key, or System Context
//! signature), matched to its operation, its path, query and body checked against the
//! operation's schemas (400 with a message), and then answered by the stateful core (users,
//! systems, groups, the graph between them, organisations; `handlers`), by the collections
//! derived from the paths (`collections`, `resources`), or, for the operations outside any
//! collection (actions on devices, other services' data), with a deterministic response built
//! from the operation's response schema (`generic`).

// Handlers return a ready `Response` as their error: the size of that Err hardly matters here.
#![allow(clippy::result_large_err)]

mod approvals;
mod attributes;
mod auth;
mod collections;
mod defaults;
mod events;
mod generic;
mod handlers;
mod insights;
mod jobs;
pub(crate) mod keys;
mod kind;
mod listing;
mod media;
mod objects;
mod resources;
mod schema;
mod seeds;
pub(crate) mod spec;
pub(crate) mod store;
#[cfg(test)]
mod validation_tests;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::gate::{Gate, Paging, Shared};
use crate::route_kind::RouteKind;
use schema::Schemas;
use spec::{In, Op, spec};
use store::{JcStore, Sizes};

use crate::company::Person;

pub use auth::{API_KEY, MULTI_TENANT_API_KEY};
pub use collections::CollectionRole;

/// The administrator every API key of the sandbox belongs to (the `initiated_by` of its events).
const ADMIN_ID: &str = "5a0000000000000000000001";

/// The page size of a listing asked for without `limit`.
pub(crate) const DEFAULT_LIMIT: usize = 10;

/// The largest request body accepted (JumpCloud's own limit is smaller for most operations).
const MAX_BODY: usize = 16 << 20;

/// One organisation.
pub(crate) struct Org {
    pub(crate) id: String,
    pub(crate) name: String,
    store: Mutex<JcStore>,
    /// Its audit log (Directory Insights). Locked after `store` when both are held.
    events: Mutex<events::EventLog>,
}

impl Org {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, JcStore> {
        crate::lock(&self.store)
    }
}

/// The JumpCloud half's state: the demo organisation (index 0, reached with [`API_KEY`]) and a
/// second, small one that only the multi-tenant key reaches.
pub(crate) struct JumpCloud {
    pub(crate) orgs: Vec<Org>,
    pub(crate) keys: keys::SystemKeys,
}

impl JumpCloud {
    /// The demo organisation of the company's `people`, and a small second one.
    pub(crate) fn new(
        seed: u64,
        sizes: Sizes,
        people: &[Person],
        events: usize,
        index_lag: std::time::Duration,
    ) -> JumpCloud {
        let org = |seed: u64, name: &str, sizes: Sizes, events: usize| {
            let mut r = fastrand::Rng::with_seed(seed ^ 0x006f_7267);
            let id = format!("{:08x}{:016x}", r.u32(..), r.u64(..));
            Org {
                store: Mutex::new(JcStore::seeded(seed, &id, sizes, people)),
                events: Mutex::new(events::EventLog::new(events, index_lag)),
                id,
                name: name.to_owned(),
            }
        };
        let second = Sizes {
            users: sizes.users.min(5),
            systems: sizes.systems.min(2),
            groups: sizes.groups.min(2),
        };
        JumpCloud {
            orgs: vec![
                org(seed, "Sandbox Demo Org", sizes, events),
                org(
                    seed.rotate_left(17) ^ 0x5eed,
                    "Sandbox Second Org",
                    second,
                    0,
                ),
            ],
            keys: keys::SystemKeys::default(),
        }
    }

    /// The demo organisation.
    pub(crate) fn main_org(&self) -> &Org {
        &self.orgs[0]
    }
}

/// What a handler gets: the matched operation, its parameters and body, the organisation and,
/// under System Context Authorization, the signing system.
pub(crate) struct Call<'a> {
    pub(crate) op: &'static Op,
    pub(crate) path: Vec<(String, String)>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Value,
    pub(crate) app: &'a JumpCloud,
    pub(crate) org: Option<&'a Org>,
    pub(crate) system: Option<String>,
}

impl Call<'_> {
    /// The value of a path parameter ("" when the operation has none of that name).
    pub(crate) fn path_param(&self, name: &str) -> &str {
        self.path
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The first path parameter (most operations have exactly one).
    pub(crate) fn id(&self) -> &str {
        self.path.first().map_or("", |(_, v)| v.as_str())
    }

    /// The first value of a query parameter.
    pub(crate) fn query(&self, name: &str) -> Option<&str> {
        crate::form::get(&self.query, name)
    }

    /// Every value of a query parameter (repeated, or comma-separated in one).
    pub(crate) fn query_all(&self, name: &str) -> Vec<&str> {
        self.query_all_raw(name)
            .into_iter()
            .flat_map(|v| v.split(','))
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// Every value of a repeated query parameter, as sent (commas kept).
    pub(crate) fn query_all_raw(&self, name: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The organisation the call acts on. Every operation but `organization_list` has one.
    pub(crate) fn org(&self) -> &Org {
        self.org.unwrap_or_else(|| self.app.main_org())
    }
}

/// JumpCloud's error shape: `{"message": "..."}` with the status.
pub(crate) fn error(status: u16, message: impl Into<String>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(json!({"message": message.into()}))).into_response()
}

/// Valid example values for an operation: every required parameter (by name, as text; arrays as
/// several values) and, when the operation takes a JSON body, a body valid against its schema.
pub(crate) fn example(operation_id: &str) -> Option<crate::JumpCloudExample> {
    let op = spec().op(operation_id)?;
    let schemas = Schemas::new(spec(), op.api);
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let params = op
        .params
        .iter()
        .filter(|p| p.required)
        .map(|p| {
            let values = match schemas.sample_named_as(&p.schema, &p.name) {
                Value::Array(items) => items.iter().map(text).collect(),
                v => vec![text(&v)],
            };
            (p.name.clone(), values)
        })
        .collect();
    let body = op
        .body
        .as_ref()
        .filter(|b| b.json)
        .map(|b| schemas.sample(&b.schema));
    Some(crate::JumpCloudExample { params, body })
}

/// The collections kept beyond the core, for [`crate::jumpcloud_collections`].
pub(crate) fn collections_info() -> Vec<crate::JumpCloudCollection> {
    let table = collections::table();
    table
        .collections
        .iter()
        .enumerate()
        .map(|(i, c)| crate::JumpCloudCollection {
            path: c.shape.clone(),
            graph_type: c.kind.map(|k| k.wire().to_owned()),
            creatable: c.creatable,
            operations: table
                .ops_of(i)
                .into_iter()
                .map(|(op, role)| {
                    let version = match op.api {
                        spec::Api::V1 => "v1",
                        spec::Api::V2 => "v2",
                    };
                    (format!("{version}/{}", op.id), role)
                })
                .collect(),
        })
        .collect()
}

/// The JumpCloud routes, behind the gate (stats, rate limits, faults).
pub(crate) fn router(app: Arc<JumpCloud>, shared: &Arc<Shared>) -> Router {
    let routes = Router::new()
        .route("/api", axum::routing::any(dispatch))
        .route("/api/{*rest}", axum::routing::any(dispatch))
        .route(
            "/insights/directory/v1/{*rest}",
            axum::routing::any(insights::dispatch),
        )
        .with_state(app);
    Gate::layer(
        routes,
        shared,
        RouteKind::JumpCloud,
        Some(crate::ratelimit::JUMPCLOUD),
        Paging::LimitSkip {
            is_listing,
            default_limit: DEFAULT_LIMIT as u64,
        },
    )
}

/// Whether a request is for a listing: an operation with `limit`/`skip` that answers a v1 page
/// (`{"totalCount", "results"}`) or a v2 one (a JSON array).
fn is_listing(method: &axum::http::Method, path: &str) -> bool {
    spec()
        .find(method.as_str(), path)
        .is_ok_and(|(op, _)| op.listing)
}

async fn dispatch(State(app): State<Arc<JumpCloud>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return error(
                413,
                format!("Request Entity Too Large: the limit is {MAX_BODY} bytes"),
            );
        }
    };
    let mut change = None;
    let response = answer(&app, &parts, &body, &mut change);
    match change {
        Some(change) if response.status().is_success() => {
            record_change(&app, change, response).await
        }
        _ => response,
    }
}

/// A change that reached a handler, to be logged once its answer is known.
struct Change {
    org: usize,
    op: &'static Op,
    path: spec::PathParams,
    sent: Value,
    initiated_by: Value,
    client_ip: String,
    /// The `useragent` of its event, from the request's `User-Agent`.
    useragent: Option<Value>,
}

/// Logs a successful change as an event (its answer names what was made) and passes the answer on.
async fn record_change(app: &JumpCloud, change: Change, response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return error(
            500,
            "Internal Server Error: the answer could not be read back",
        );
    };
    let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let org = &app.orgs[change.org];
    let mut made: Vec<_> = events::of_change(change.op, &change.path, &change.sent, &answer)
        .into_iter()
        .collect();
    // A bulk job also logs each user it made or changed.
    let job = answer.get("jobId").and_then(Value::as_str);
    if let Some(job) = job.filter(|_| change.op.id.starts_with("bulk_users")) {
        let store = org.lock();
        let results = store.bulk_job(job).map(Vec::as_slice).unwrap_or_default();
        made.extend(events::of_bulk_entries(
            change.op,
            &change.sent,
            results,
            |id| store.user(id),
        ));
    }
    let by_system = change.initiated_by["type"] == "system";
    let method = if by_system {
        "system_context"
    } else {
        "api_key"
    };
    // One job's events together, none of another request's between them.
    let mut log = crate::lock(&org.events);
    for mut event in made {
        event.insert("service".into(), json!("directory"));
        event.insert("organization".into(), json!(org.id));
        event.insert("initiated_by".into(), change.initiated_by.clone());
        event.insert("client_ip".into(), json!(change.client_ip));
        if let Some(agent) = &change.useragent {
            event.insert("useragent".into(), agent.clone());
        }
        event.insert("success".into(), json!(true));
        event.insert("auth_method".into(), json!(method));
        log.record(event);
    }
    drop(log);
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Logs a refused key (401) or organisation (403) as a failed login of the demo organisation's log.
pub(crate) fn record_refusal(
    app: &JumpCloud,
    parts: &axum::http::request::Parts,
    refusal: &Response,
) {
    let status = refusal.status().as_u16();
    if status != 401 && status != 403 {
        return;
    }
    let Value::Object(mut event) = json!({
        "service": "directory",
        "event_type": "admin_login_attempt",
        "organization": app.main_org().id,
        "initiated_by": {"type": "admin", "email": ""},
        "client_ip": client_ip(parts),
        "success": false,
        "auth_method": "api_key",
        "error_message": if status == 401 { "unknown API key" } else { "no access to the organization" },
        "resource": {"type": "api", "path": parts.uri.path()},
    }) else {
        return;
    };
    if let Some(agent) = useragent(parts) {
        event.insert("useragent".into(), agent);
    }
    crate::lock(&app.main_org().events).record(event);
}

/// The `useragent` of an event from this request, when it names one.
fn useragent(parts: &axum::http::request::Parts) -> Option<Value> {
    let header = parts.headers.get("user-agent")?.to_str().ok()?;
    events::user_agent(header)
}

/// The caller's address as the sandbox knows it (a proxy's `X-Forwarded-For`, else loopback).
fn client_ip(parts: &axum::http::request::Parts) -> String {
    parts
        .headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "127.0.0.1".to_owned())
}

fn answer(
    app: &JumpCloud,
    parts: &axum::http::request::Parts,
    body: &Bytes,
    change: &mut Option<Change>,
) -> Response {
    let path = parts.uri.path();
    let found = spec().find(parts.method.as_str(), path);
    let op = found.as_ref().ok().map(|(op, _)| *op);
    let access = match auth::authenticate(app, parts, op) {
        Ok(a) => a,
        Err(r) => {
            record_refusal(app, parts, &r);
            return r;
        }
    };
    let (op, path_params) = match found {
        Ok(f) => f,
        // A system may call only its few endpoints; anything else is a 401 for it.
        Err(_) if access.system.is_some() => return error(401, "Unauthorized"),
        Err(spec::Miss::OtherMethod) => {
            return error(
                405,
                format!(
                    "Method Not Allowed: {} is not an operation of {path}",
                    parts.method
                ),
            );
        }
        Err(spec::Miss::NoPath) => {
            return error(404, format!("Not Found: no JumpCloud operation at {path}"));
        }
    };
    let query = parts
        .uri
        .query()
        .map(crate::form::parse)
        .unwrap_or_default();
    let body = match check_request(op, &path_params, &query, parts, body) {
        Ok(b) => b,
        Err(message) => return error(400, format!("Bad Request: {message}")),
    };
    let call = Call {
        op,
        path: path_params,
        query,
        body,
        app,
        org: access.org.map(|i| &app.orgs[i]),
        system: access.system,
    };
    if let Err(r) = auth::allow_system(&call) {
        return r;
    }
    // Changes to what the sandbox keeps are logged; actions it only answers (a device wiped,
    // an import started) are not.
    let kept = handlers::stateful(&op.id).is_some() || collections::table().role(op).is_some();
    if op.method != "GET" && kept {
        let initiated_by = match &call.system {
            Some(system) => json!({"type": "system", "id": system}),
            None => json!({"type": "admin", "id": ADMIN_ID, "email": "admin@example.com"}),
        };
        *change = Some(Change {
            org: access.org.unwrap_or(0),
            op,
            path: call.path.clone(),
            sent: call.body.clone(),
            initiated_by,
            client_ip: client_ip(parts),
            useragent: useragent(parts),
        });
    }
    if let Some(handler) = handlers::stateful(&op.id) {
        return handler(&call);
    }
    resources::answer(&call).unwrap_or_else(|| generic::answer(&call))
}

/// Checks parameters and body against the operation; returns the parsed JSON body (`null` when
/// there is none).
fn check_request(
    op: &Op,
    path: &[(String, String)],
    query: &[(String, String)],
    parts: &axum::http::request::Parts,
    body: &Bytes,
) -> Result<Value, String> {
    let schemas = Schemas::new(spec(), op.api);
    for p in &op.params {
        let values: Vec<&str> = match p.location {
            In::Path => path
                .iter()
                .filter(|(k, _)| *k == p.name)
                .map(|(_, v)| v.as_str())
                .collect(),
            In::Query => query
                .iter()
                .filter(|(k, _)| *k == p.name)
                .map(|(_, v)| v.as_str())
                .collect(),
            In::Header => parts
                .headers
                .get_all(p.name.as_str())
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect(),
        };
        let place = match p.location {
            In::Path => format!("path parameter {}", p.name),
            In::Query => format!("query parameter {}", p.name),
            In::Header => format!("header {}", p.name),
        };
        if values.is_empty() || values.iter().all(|v| v.is_empty()) {
            if p.required {
                return Err(format!("{place} is required"));
            }
            continue;
        }
        schemas.parameter(&p.schema, &values, &place)?;
    }
    let Some(declared) = &op.body else {
        return Ok(Value::Null);
    };
    if body.is_empty() {
        if declared.required {
            return Err("a request body is required".into());
        }
        return Ok(Value::Null);
    }
    if !declared.json {
        // Multipart uploads are accepted as they come.
        return Ok(Value::Null);
    }
    let mut value: Value = serde_json::from_slice(body)
        .map_err(|e| format!("the request body is not valid JSON: {e}"))?;
    if value.is_null() {
        return Err("the request body is null; send the JSON the operation takes".into());
    }
    schemas.validate(&declared.schema, &value, "body")?;
    schemas.strip_read_only(&declared.schema, &mut value);
    // A null for an optional property means "unset" (the specs do not say; JumpCloud's answers
    // never hold one): it is dropped, so it is neither stored nor echoed.
    drop_nulls(&mut value);
    Ok(value)
}

/// Removes the null-valued properties of every object in `value`.
fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            fields.retain(|_, v| !v.is_null());
            fields.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}
