//! The axum handlers of the UMAPI routes.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use super::Umapi;
use super::actions::{self, Malformed};
use super::store::{PageSlice, Resolved, WireGroup, WireUser, page_bounds};
use crate::form;
use crate::gate::unauthorized;
use crate::lock;

/// An early answer (an error response), boxed to keep `Result`s small.
type Early = Box<Response>;

fn json_error(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn bad_request(result: &str, message: &str) -> Response {
    json_error(
        StatusCode::BAD_REQUEST,
        json!({"result": result, "message": message}),
    )
}

/// Bearer token, `X-Api-Key` and organisation checks.
fn check_auth(app: &Umapi, headers: &HeaderMap, org: &str) -> Result<(), Early> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
    let Some(client) = token.and_then(|t| app.ims.token_client(t)) else {
        return Err(Box::new(unauthorized()));
    };
    let api_key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
    if api_key != Some(client.as_str()) {
        return Err(Box::new(StatusCode::FORBIDDEN.into_response()));
    }
    if !org.eq_ignore_ascii_case(&app.org_id) {
        return Err(Box::new(bad_request(
            "error.organization.invalid_id",
            "Bad organization Id",
        )));
    }
    Ok(())
}

fn parse_page(text: &str) -> Result<u64, Early> {
    let t = text.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Box::new(bad_request(
            "error.request.malformed",
            "The page must be a non-negative integer (0-based)",
        )));
    }
    Ok(t.parse::<u64>().unwrap_or(u64::MAX))
}

fn query_bool(q: &[(String, String)], name: &str, default: bool) -> Result<bool, Early> {
    match form::get_ci(q, name).map(str::trim) {
        None | Some("") => Ok(default),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(v) => Err(Box::new(bad_request(
            "error.request.malformed",
            &format!("{name} must be true or false, got {v:?}"),
        ))),
    }
}

fn query(uri: &Uri) -> Vec<(String, String)> {
    form::parse(uri.query().unwrap_or(""))
}

/// A 200 JSON answer with UMAPI's paging headers.
fn paged_response(
    body: Vec<u8>,
    total: usize,
    page_count: usize,
    current: usize,
    size: usize,
) -> Response {
    let mut resp = Response::new(Body::from(body));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for (name, value) in [
        ("x-total-count", total),
        ("x-page-count", page_count),
        ("x-current-page", current),
        ("x-page-size", size),
    ] {
        h.insert(name, HeaderValue::from(value as u64));
    }
    resp
}

fn json_bytes(value: &impl Serialize) -> Result<Vec<u8>, Early> {
    serde_json::to_vec(value)
        .map_err(|_| Box::new(StatusCode::INTERNAL_SERVER_ERROR.into_response()))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UsersPage<'a> {
    last_page: bool,
    result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_name: Option<&'a str>,
    users: Vec<WireUser<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupsPage<'a> {
    last_page: bool,
    result: &'static str,
    groups: Vec<WireGroup<'a>>,
}

pub(crate) async fn list_users(
    State(app): State<Arc<Umapi>>,
    Path((org, page)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    users_page(&app, &org, &page, None, &uri, &headers).unwrap_or_else(|r| *r)
}

pub(crate) async fn list_group_users(
    State(app): State<Arc<Umapi>>,
    Path((org, page, group)): Path<(String, String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    users_page(&app, &org, &page, Some(&group), &uri, &headers).unwrap_or_else(|r| *r)
}

fn users_page(
    app: &Umapi,
    org: &str,
    page: &str,
    group: Option<&str>,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<Response, Early> {
    check_auth(app, headers, org)?;
    let page = parse_page(page)?;
    let q = query(uri);
    let direct_only = query_bool(&q, "directOnly", true)?;
    let exclude_groups = query_bool(&q, "excludeGroups", false)?;
    let domain = form::get_ci(&q, "domain")
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let licence_active = match form::get_ci(&q, "status").map(str::trim) {
        None | Some("") => None,
        Some(s) if s.eq_ignore_ascii_case("active") => Some(true),
        Some(s) if s.eq_ignore_ascii_case("inactive") => Some(false),
        Some(s) => {
            return Err(Box::new(bad_request(
                "error.request.malformed",
                &format!("status must be active or inactive, got {s:?}"),
            )));
        }
    };
    let filter = super::store::UserFilter {
        domain: domain.map(str::to_owned),
        licence_active,
        direct_only,
    };
    let store = lock(&app.store);
    if let Some(d) = domain
        && !store.known_domain(d)
    {
        return Err(Box::new(json_error(
            StatusCode::NOT_FOUND,
            json!({"lastPage": false, "result": "error.domain.not_found", "message": format!("Domain not found: {d}")}),
        )));
    }
    let size = app.user_page_size;
    let (slice, group_name): (PageSlice<_>, Option<&str>) = match group {
        None => (store.list_users(&filter, page, size), None),
        Some(name) => match store.resolve(name) {
            Some(Resolved::Existing(gid)) => (
                store.list_members(Some(gid), &filter, page, size),
                store.group(gid).map(|g| g.name.as_str()),
            ),
            Some(Resolved::Creatable { .. }) => {
                (store.list_members(None, &filter, page, size), Some(name))
            }
            None => {
                return Err(Box::new(json_error(
                    StatusCode::NOT_FOUND,
                    json!({"lastPage": false, "result": "error.group.not_found", "message": format!("Not found: Group {name}")}),
                )));
            }
        },
    };
    let users: Vec<WireUser<'_>> = slice
        .items
        .iter()
        .map(|u| store.wire_user(u, direct_only, !exclude_groups))
        .collect();
    let count = users.len();
    let body = json_bytes(&UsersPage {
        last_page: slice.last,
        result: "success",
        group_name,
        users,
    })?;
    Ok(paged_response(
        body,
        slice.total,
        slice.page_count,
        slice.current,
        count,
    ))
}

pub(crate) async fn get_user(
    State(app): State<Arc<Umapi>>,
    Path((org, user)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = check_auth(&app, &headers, &org) {
        return *r;
    }
    let q = query(&uri);
    let direct_only = match query_bool(&q, "directOnly", true) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let domain = form::get_ci(&q, "domain")
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let store = lock(&app.store);
    let Some(u) = store.lookup(&user, domain).and_then(|seq| store.user(seq)) else {
        return json_error(
            StatusCode::NOT_FOUND,
            json!({"result": "error.user.not_found", "message": format!("User not found {user}")}),
        );
    };
    let body = json!({"result": "success", "user": store.wire_user(u, direct_only, true)});
    axum::Json(body).into_response()
}

pub(crate) async fn list_groups(
    State(app): State<Arc<Umapi>>,
    Path((org, page)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = check_auth(&app, &headers, &org) {
        return *r;
    }
    let page = match parse_page(&page) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let store = lock(&app.store);
    let size = app.group_page_size;
    let total = store.group_count();
    let (page_count, current, skip) = page_bounds(total, page, size);
    let groups: Vec<WireGroup<'_>> = store
        .groups()
        .skip(skip)
        .take(size)
        .map(|g| store.wire_group(g))
        .collect();
    let count = groups.len();
    match json_bytes(&GroupsPage {
        last_page: current + 1 == page_count,
        result: "success",
        groups,
    }) {
        Ok(body) => paged_response(body, total, page_count, current, count),
        Err(r) => *r,
    }
}

/// `GET /{orgId}/user-groups?page=N`: the deprecated user-group listing, the only one that
/// shows which groups are read-only. A bare array; `page` is 1-based and the paging headers
/// (with a 1-based `X-Current-Page`) tell where it ends.
pub(crate) async fn list_user_groups(
    State(app): State<Arc<Umapi>>,
    Path(org): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = check_auth(&app, &headers, &org) {
        return *r;
    }
    let q = query(&uri);
    let page = match form::get_ci(&q, "page").map(str::trim) {
        None | Some("") => 1,
        Some(t) => match t.parse::<u64>() {
            Ok(n) if n >= 1 => n,
            _ => {
                return bad_request(
                    "error.request.malformed",
                    &format!("page must be a positive integer (1-based), got {t:?}"),
                );
            }
        },
    };
    let store = lock(&app.store);
    let all = store.wire_user_groups();
    let size = app.group_page_size;
    let (page_count, current, skip) = page_bounds(all.len(), page - 1, size);
    let groups: Vec<_> = all.iter().skip(skip).take(size).collect();
    let count = groups.len();
    match json_bytes(&groups) {
        Ok(body) => paged_response(body, all.len(), page_count, current + 1, count),
        Err(r) => *r,
    }
}

pub(crate) async fn action(
    State(app): State<Arc<Umapi>>,
    Path(org): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = check_auth(&app, &headers, &org) {
        return *r;
    }
    let q = query(&uri);
    let test_only = match query_bool(&q, "testOnly", false) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    let outcome = {
        let mut store = lock(&app.store);
        actions::perform(&mut store, &body, test_only)
    };
    match outcome {
        Ok(outcome) => {
            app.shared.stats.actions_processed(outcome.entries);
            axum::Json(outcome.body).into_response()
        }
        Err(Malformed(message)) => bad_request("error.command.malformed", &message),
    }
}

pub(crate) async fn status() -> Response {
    axum::Json(json!({
        "build": "idm-sandbox",
        "version": env!("CARGO_PKG_VERSION"),
        "state": "LIVE",
    }))
    .into_response()
}
