//! Directory Insights at `/insights/directory/v1`: `POST /events` (paged by `search_after`, with
//! the `X-Limit`, `X-Result-Count` and `X-Search_after` headers), `/events/count`,
//! `/events/distinct`, `/events/interval`, and the reports. The events are the organisation's
//! own log (see [`super::events`]).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::events::{Event, EventLog, parse_rfc3339, rfc3339_millis};
use super::{JumpCloud, Org, auth, error};

/// The largest page (JumpCloud's documented maximum).
pub(crate) const MAX_LIMIT: usize = 10_000;

/// The services a query may name (`all` for every one).
const SERVICES: [&str; 16] = [
    "alerts",
    "all",
    "directory",
    "ldap",
    "mdm",
    "notifications",
    "object_storage",
    "password_manager",
    "radius",
    "reports",
    "saas_app_management",
    "software",
    "sso",
    "systems",
    "access_management",
    "asset_management",
];

/// The report types `POST /reports/{type}` makes.
const REPORT_TYPES: [&str; 11] = [
    "browser-patch-policy",
    "os-patch-policy",
    "os-version",
    "software-inventory",
    "user-account-health",
    "users-to-devices",
    "users-to-directories",
    "users-to-ldap-servers",
    "users-to-radius-servers",
    "users-to-sso-applications",
    "users-to-user-groups",
];

/// A parsed event query.
struct Query {
    start: i64,
    end: i64,
    services: Vec<String>,
    term: Option<Value>,
    text: Option<String>,
    exact: Option<String>,
    fields: Vec<String>,
    descending: bool,
    limit: usize,
    skip: usize,
    after: Option<(i64, String)>,
}

fn bad(message: impl Into<String>) -> Response {
    error(400, format!("Bad Request: {}", message.into()))
}

impl Query {
    fn parse(body: &Value) -> Result<Query, Response> {
        let Value::Object(q) = body else {
            return Err(bad(
                "the body must be a JSON object with service and start_time",
            ));
        };
        let time = |name: &str| -> Result<Option<i64>, Response> {
            match q.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => parse_rfc3339(s).map(Some).ok_or_else(|| {
                    bad(format!(
                        "{name}: expected an RFC 3339 time such as 2026-01-31T09:00:00Z, got {s:?}"
                    ))
                }),
                Some(other) => Err(bad(format!("{name}: expected a string, got {other}"))),
            }
        };
        let start = time("start_time")?.ok_or_else(|| bad("start_time is required"))?;
        let end = time("end_time")?.unwrap_or(i64::MAX);
        if end < start {
            return Err(bad("end_time is before start_time"));
        }
        let services: Vec<String> = match q.get("service") {
            Some(Value::Array(items)) if !items.is_empty() => items
                .iter()
                .map(|s| match s.as_str() {
                    Some(s) if SERVICES.contains(&s) => Ok(s.to_owned()),
                    _ => Err(bad(format!(
                        "service: {s} is not one of {}",
                        SERVICES.join(", ")
                    ))),
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(bad("service is required: a list such as [\"all\"]")),
        };
        let descending = match q.get("sort").and_then(Value::as_str) {
            None | Some("ASC" | "asc") => false,
            Some("DESC" | "desc") => true,
            Some(other) => return Err(bad(format!("sort: expected ASC or DESC, got {other:?}"))),
        };
        let limit = match q.get("limit") {
            None | Some(Value::Null) => MAX_LIMIT,
            Some(v) => match v.as_u64() {
                Some(n @ 1..) if n as usize <= MAX_LIMIT => n as usize,
                _ => return Err(bad(format!("limit: expected 1 to {MAX_LIMIT}, got {v}"))),
            },
        };
        let skip = q.get("skip").and_then(Value::as_u64).unwrap_or(0) as usize;
        let after = match q.get("search_after") {
            None | Some(Value::Null) => None,
            Some(Value::Array(a)) if a.len() == 2 => {
                let ts = a[0]
                    .as_i64()
                    .or_else(|| a[0].as_str().and_then(|s| s.parse().ok()));
                match (ts, a[1].as_str()) {
                    (Some(ts), Some(id)) => Some((ts, id.to_owned())),
                    _ => {
                        return Err(bad(
                            "search_after: expected [timestamp, id] as sent in X-Search_after",
                        ));
                    }
                }
            }
            Some(_) => {
                return Err(bad(
                    "search_after: expected [timestamp, id] as sent in X-Search_after",
                ));
            }
        };
        let term = q.get("search_term").filter(|t| !t.is_null()).cloned();
        if let Some(t) = &term {
            check_term(t)?;
        }
        let text = |k: &str| q.get(k).and_then(Value::as_str).map(str::to_owned);
        let fields = q
            .get("fields")
            .and_then(Value::as_array)
            .map(|f| {
                f.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Query {
            start,
            end,
            services,
            term,
            text: text("q").map(|t| t.to_lowercase()),
            exact: text("exact_match"),
            fields,
            descending,
            limit,
            skip,
            after,
        })
    }

    /// Whether the query looks only at time and order (the seeded history can then be
    /// addressed by index).
    fn is_plain(&self) -> bool {
        self.services.iter().any(|s| s == "all")
            && self.term.is_none()
            && self.text.is_none()
            && self.exact.is_none()
    }

    fn matches(&self, e: &Event) -> bool {
        if e.ts < self.start || e.ts > self.end {
            return false;
        }
        let service = e.body.get("service").and_then(Value::as_str).unwrap_or("");
        if !self.services.iter().any(|s| s == "all" || s == service) {
            return false;
        }
        if let Some(t) = &self.term
            && !term_holds(t, &e.body)
        {
            return false;
        }
        if self.text.is_some() || self.exact.is_some() {
            let text = Value::Object(e.body.clone()).to_string();
            if let Some(q) = &self.text
                && !text.to_lowercase().contains(q)
            {
                return false;
            }
            if let Some(x) = &self.exact
                && !e.body.values().any(|v| v.as_str() == Some(x.as_str()))
            {
                return false;
            }
        }
        true
    }

    /// Whether an event comes after the `search_after` cursor in the query's order.
    fn after_cursor(&self, e: &Event) -> bool {
        match &self.after {
            None => true,
            Some((ts, id)) => {
                let key = (e.ts, e.id.as_str());
                let cursor = (*ts, id.as_str());
                if self.descending {
                    key < cursor
                } else {
                    key > cursor
                }
            }
        }
    }
}

/// A search term: `{"and"|"or"|"not": CONDITIONS}` where CONDITIONS is an object of
/// `field: value` (a dotted field, `initiated_by.email`; a list value means any of them) or a list
/// of such objects and nested terms.
fn check_term(t: &Value) -> Result<(), Response> {
    let Value::Object(m) = t else {
        return Err(bad("search_term must be an object with and, or or not"));
    };
    for (k, v) in m {
        if !matches!(k.as_str(), "and" | "or" | "not") {
            return Err(bad(format!(
                "search_term: unknown conjunction {k:?} (use and, or, not)"
            )));
        }
        if !(v.is_object() || v.is_array()) {
            return Err(bad(format!(
                "search_term.{k} must be an object or a list of objects"
            )));
        }
    }
    Ok(())
}

fn field<'v>(body: &'v Map<String, Value>, path: &str) -> Option<&'v Value> {
    let mut parts = path.split('.');
    let mut v = body.get(parts.next()?)?;
    for p in parts {
        v = v.get(p)?;
    }
    Some(v)
}

fn condition_holds(cond: &Value, body: &Map<String, Value>) -> Vec<bool> {
    match cond {
        Value::Array(items) => items
            .iter()
            .flat_map(|c| condition_holds(c, body))
            .collect(),
        Value::Object(m) => m
            .iter()
            .map(|(k, want)| match k.as_str() {
                "and" | "or" | "not" => term_holds(&json!({k: want}), body),
                _ => {
                    let have = field(body, k);
                    match want {
                        Value::Array(any) => any.iter().any(|w| have == Some(w)),
                        w => have == Some(w),
                    }
                }
            })
            .collect(),
        _ => vec![false],
    }
}

fn term_holds(t: &Value, body: &Map<String, Value>) -> bool {
    let Value::Object(m) = t else { return false };
    m.iter().all(|(k, conds)| {
        let results = condition_holds(conds, body);
        match k.as_str() {
            "and" => results.iter().all(|b| *b),
            "or" => results.iter().any(|b| *b),
            "not" => !results.iter().any(|b| *b),
            _ => false,
        }
    })
}

/// The matching events in the query's order, after its cursor; `f` sees each until it says stop.
fn each(log: &EventLog, org: &str, q: &Query, mut f: impl FnMut(Event) -> bool) {
    let s = log.seeded;
    let mut lo = s.first_at(q.start);
    let mut hi = if q.end == i64::MAX {
        s.count
    } else {
        s.first_at(q.end.saturating_add(1))
    };
    let mut live_from = log.live.partition_point(|e| e.ts < q.start);
    let mut live_to = log.live.partition_point(|e| e.ts <= q.end);
    // Where the cursor is does not depend on the filters: both sources are cut to the events
    // on its side (a few around it, with equal timestamps, are sorted out by id below).
    if let Some((ts, _)) = &q.after {
        if q.descending {
            hi = hi.min(
                s.first_at(ts.saturating_add(1))
                    .saturating_add(3)
                    .min(s.count),
            );
            live_to = live_to.min(log.live.partition_point(|e| e.ts <= *ts));
        } else {
            lo = lo.max(s.first_at(*ts).saturating_sub(3));
            live_from = live_from.max(log.live.partition_point(|e| e.ts < *ts));
        }
    }
    let seeded = (lo..hi.max(lo)).map(|i| s.event(i, org));
    let live = log.live[live_from..live_to.max(live_from)].iter().cloned();
    let now = super::events::now_ms();
    let keep = |e: &Event| e.visible_at <= now && q.after_cursor(e) && q.matches(e);
    if q.descending {
        for e in live.rev().chain(seeded.rev()) {
            if keep(&e) && !f(e) {
                return;
            }
        }
    } else {
        for e in seeded.chain(live) {
            if keep(&e) && !f(e) {
                return;
            }
        }
    }
}

/// The organisation a Directory Insights call acts on, by its key and `x-org-id`.
fn org_of<'a>(app: &'a JumpCloud, parts: &axum::http::request::Parts) -> Result<&'a Org, Response> {
    let access = auth::authenticate(app, parts, None)?;
    if access.system.is_some() {
        return Err(error(401, "Unauthorized"));
    }
    Ok(&app.orgs[access.org.unwrap_or(0)])
}

/// `/insights/directory/v1/...`.
pub(crate) async fn dispatch(State(app): State<Arc<JumpCloud>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, 1 << 20).await {
        Ok(b) => b,
        Err(_) => return error(413, "Request Entity Too Large"),
    };
    let org = match org_of(&app, &parts) {
        Ok(o) => o,
        Err(r) => {
            super::record_refusal(&app, &parts, &r);
            return r;
        }
    };
    let path = parts
        .uri
        .path()
        .trim_start_matches("/insights/directory/v1");
    let method = parts.method.as_str();
    let json_body = || -> Result<Value, Response> {
        serde_json::from_slice(&body).map_err(|e| bad(format!("the body is not valid JSON: {e}")))
    };
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let result = match (method, segments.as_slice()) {
        ("POST", ["events"]) => json_body().and_then(|b| events(org, &b)),
        ("POST", ["events", "count"]) => json_body().and_then(|b| count(org, &b)),
        ("POST", ["events", "distinct"]) => json_body().and_then(|b| distinct(org, &b)),
        ("POST", ["events", "interval"]) => json_body().and_then(|b| interval(org, &b)),
        ("GET", ["reports"]) => Ok(reports(org)),
        ("POST", ["reports", kind]) => create_report(org, kind),
        ("GET", ["reports", id, "artifacts", artifact, "content"]) => {
            report_content(org, id, artifact)
        }
        (_, ["events" | "reports", ..]) => {
            Err(error(405, format!("Method Not Allowed: {method} {path}")))
        }
        _ => Err(error(
            404,
            format!("Not Found: no Directory Insights operation at {path}"),
        )),
    };
    result.unwrap_or_else(|r| r)
}

fn log_of(org: &Org) -> std::sync::MutexGuard<'_, EventLog> {
    crate::lock(&org.events)
}

/// `POST /events`: one page, with the headers that address the next.
fn events(org: &Org, body: &Value) -> Result<Response, Response> {
    let q = Query::parse(body)?;
    let log = log_of(org);
    let mut skipped = 0;
    let mut page: Vec<Event> = Vec::new();
    each(&log, &org.id, &q, |e| {
        if skipped < q.skip {
            skipped += 1;
            return true;
        }
        page.push(e);
        page.len() < q.limit
    });
    drop(log);
    let cursor = page.last().map(|e| json!([e.ts, e.id]).to_string());
    let items: Vec<Value> = page
        .into_iter()
        .map(|e| {
            if q.fields.is_empty() {
                Value::Object(e.body)
            } else {
                Value::Object(
                    e.body
                        .into_iter()
                        .filter(|(k, _)| q.fields.iter().any(|f| f == k))
                        .collect(),
                )
            }
        })
        .collect();
    let count = items.len();
    let mut resp = axum::Json(Value::Array(items)).into_response();
    let headers = resp.headers_mut();
    let num =
        |n: usize| HeaderValue::from_str(&n.to_string()).unwrap_or(HeaderValue::from_static("0"));
    headers.insert("x-limit", num(q.limit));
    headers.insert("x-result-count", num(count));
    if let Some(c) = cursor.and_then(|c| HeaderValue::from_str(&c).ok()) {
        headers.insert("x-search_after", c);
    }
    Ok(resp)
}

/// `POST /events/count`.
fn count(org: &Org, body: &Value) -> Result<Response, Response> {
    let mut q = Query::parse(body)?;
    q.after = None;
    let log = log_of(org);
    let mut n: u64 = 0;
    if q.is_plain() {
        // Counted by index for the seeded history.
        let s = log.seeded;
        let lo = s.first_at(q.start);
        let hi = if q.end == i64::MAX {
            s.count
        } else {
            s.first_at(q.end.saturating_add(1))
        };
        n += hi.saturating_sub(lo) as u64;
        let now = super::events::now_ms();
        n += log
            .live
            .iter()
            .filter(|e| e.ts >= q.start && e.ts <= q.end && e.visible_at <= now)
            .count() as u64;
    } else {
        each(&log, &org.id, &q, |_| {
            n += 1;
            true
        });
    }
    Ok(axum::Json(json!({"count": n})).into_response())
}

/// `POST /events/distinct`: the values of `field` with their counts, most frequent first.
fn distinct(org: &Org, body: &Value) -> Result<Response, Response> {
    let field_name = body
        .get("field")
        .and_then(Value::as_str)
        .filter(|f| !f.is_empty())
        .ok_or_else(|| bad("field is required: the event field to count values of"))?
        .to_owned();
    let q = Query::parse(body)?;
    let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
    each(&log_of(org), &org.id, &q, |e| {
        if let Some(v) = field(&e.body, &field_name) {
            let key = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            *counts.entry(key).or_default() += 1;
        }
        true
    });
    let mut buckets: Vec<(String, u64)> = counts.into_iter().collect();
    buckets.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let buckets: Vec<Value> = buckets
        .into_iter()
        .map(|(key, n)| json!({"key": key, "doc_count": n}))
        .collect();
    Ok(axum::Json(
        json!({"buckets": buckets, "doc_count_error_upper_bound": 0, "sum_other_doc_count": 0}),
    )
    .into_response())
}

/// `POST /events/interval`: event counts in buckets of `interval_value` `interval_unit`s.
fn interval(org: &Org, body: &Value) -> Result<Response, Response> {
    let unit_ms: i64 = match body.get("interval_unit").and_then(Value::as_str) {
        Some("s") => 1000,
        Some("m") => 60_000,
        Some("h") => 3_600_000,
        Some("d") => 86_400_000,
        Some("w") => 7 * 86_400_000,
        _ => return Err(bad("interval_unit is required: one of s, m, h, d, w")),
    };
    let value: i64 = match body.get("interval_value") {
        None | Some(Value::Null) => 1,
        Some(v) => v
            .as_str()
            .and_then(|s| s.parse().ok())
            .or_else(|| v.as_i64())
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                bad(format!(
                    "interval_value: expected a positive whole number, got {v}"
                ))
            })?,
    };
    let width = unit_ms
        .checked_mul(value)
        .filter(|w| *w <= 100 * 365 * 86_400_000)
        .ok_or_else(|| {
            bad(format!(
                "interval_value: {value} is too large for an interval"
            ))
        })?;
    let q = Query::parse(body)?;
    let mut counts: std::collections::BTreeMap<i64, u64> = Default::default();
    each(&log_of(org), &org.id, &q, |e| {
        *counts.entry(e.ts.div_euclid(width) * width).or_default() += 1;
        true
    });
    let buckets: Vec<Value> = counts
        .into_iter()
        .map(|(key, n)| json!({"key": key, "key_as_string": rfc3339_millis(key), "doc_count": n}))
        .collect();
    Ok(axum::Json(json!({"buckets": buckets})).into_response())
}

fn reports(org: &Org) -> Response {
    let log = log_of(org);
    let all: Vec<Value> = log.reports.iter().map(|(_, r, _)| r.clone()).collect();
    axum::Json(Value::Array(all)).into_response()
}

/// `POST /reports/{type}`: made at once (status `COMPLETED`) from the directory as it is.
fn create_report(org: &Org, kind: &str) -> Result<Response, Response> {
    if !REPORT_TYPES.contains(&kind) {
        return Err(bad(format!(
            "report type {kind:?} is not one of {}",
            REPORT_TYPES.join(", ")
        )));
    }
    let rows = org.lock().report_rows(kind);
    let mut log = log_of(org);
    let n = log.reports.len() + 1;
    let id = format!("r{n:023x}");
    let now = rfc3339_millis(super::events::now_ms());
    let report = json!({
        "id": id,
        "type": kind,
        "status": "COMPLETED",
        "created_at": now,
        "updated_at": now,
        "expiration": rfc3339_millis(super::events::now_ms() + 7 * 86_400_000),
        "requester_email": "admin@example.com",
        "requester_id": "",
        "parameters": [],
        "artifacts": [{"id": format!("a{n:023x}"), "format": "JSON"}],
    });
    let at = log.reports.len();
    log.report_index.insert(id.clone(), at);
    log.reports.push((id, report.clone(), rows));
    Ok((StatusCode::ACCEPTED, axum::Json(report)).into_response())
}

fn report_content(org: &Org, id: &str, artifact: &str) -> Result<Response, Response> {
    let log = log_of(org);
    let found = log
        .report_index
        .get(id)
        .and_then(|i| log.reports.get(*i))
        .filter(|(_, r, _)| r["artifacts"][0]["id"] == artifact);
    match found {
        Some((_, _, rows)) => Ok(axum::Json(json!({"rows": rows})).into_response()),
        None => Err(error(
            404,
            format!("Not Found: no report {id} with artifact {artifact}"),
        )),
    }
}
