//! Handlers of the simulated JumpCloud endpoints.
// Handlers return a ready `Response` as their error: the size of that Err hardly matters here.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::JumpCloud;
use super::store::Refusal;

type Params = Query<HashMap<String, String>>;

/// JumpCloud's error shape: `{"message": "..."}` with the status.
fn error(status: u16, message: impl Into<String>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(json!({"message": message.into()}))).into_response()
}

fn refused((status, message): Refusal) -> Response {
    error(status, message)
}

fn json_body(body: &Bytes) -> Result<Value, Response> {
    serde_json::from_slice(body)
        .map_err(|e| error(400, format!("The request body is not valid JSON: {e}")))
}

/// `limit` (default 10, at most 100) and `skip` (default 0), as JumpCloud checks them.
fn paging(q: &HashMap<String, String>) -> Result<(usize, usize), Response> {
    let num = |name: &str, default: usize| -> Result<usize, Response> {
        match q.get(name).map(|v| v.trim()) {
            None | Some("") => Ok(default),
            Some(v) => v.parse().map_err(|_| {
                error(
                    400,
                    format!("{name} must be a non-negative integer, got {v:?}"),
                )
            }),
        }
    };
    let limit = num("limit", 10)?;
    if limit > 100 {
        return Err(error(
            400,
            format!("limit must be less than or equal to 100, got {limit}"),
        ));
    }
    Ok((limit, num("skip", 0)?))
}

/// v1 filters: `field:$op:value`, several joined with AND.
fn v1_filter(q: &HashMap<String, String>) -> Result<Vec<(String, String, String)>, Response> {
    let Some(raw) = q.get("filter").filter(|f| !f.is_empty()) else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(|f| {
            let mut parts = f.splitn(3, ':');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(field), Some(op @ ("$eq" | "$ne" | "$gt" | "$gte" | "$lt" | "$lte")), Some(value)) => {
                    Ok((field.to_owned(), op.to_owned(), value.to_owned()))
                }
                _ => Err(error(400, format!("invalid filter {f:?}: expected field:$op:value with $eq, $ne, $gt, $gte, $lt or $lte"))),
            }
        })
        .collect()
}

fn matches(record: &Map<String, Value>, (field, op, value): &(String, String, String)) -> bool {
    let actual = match record.get(field) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    match op.as_str() {
        "$eq" => actual == *value,
        "$ne" => actual != *value,
        "$gt" => actual.as_str() > value.as_str(),
        "$gte" => actual.as_str() >= value.as_str(),
        "$lt" => actual.as_str() < value.as_str(),
        _ => actual.as_str() <= value.as_str(),
    }
}

/// `fields`: a space-separated list of the fields to return (`_id` always).
fn project(record: &Map<String, Value>, fields: Option<&String>) -> Value {
    match fields.map(|f| {
        f.split([' ', ','])
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
    }) {
        Some(keep) if !keep.is_empty() => Value::Object(
            record
                .iter()
                .filter(|(k, _)| *k == "_id" || keep.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        _ => Value::Object(record.clone()),
    }
}

pub(crate) async fn list_users(State(app): State<Arc<JumpCloud>>, Query(q): Params) -> Response {
    let (limit, skip) = match paging(&q) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let filters = match v1_filter(&q) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let store = app.lock();
    let fields = q.get("fields");
    let (total, results): (usize, Vec<Value>) = if filters.is_empty() {
        // No filter: the page is a slice; don't look at the other users.
        let page = store
            .users()
            .skip(skip)
            .take(limit)
            .map(|u| project(u, fields));
        (store.user_count(), page.collect())
    } else {
        let mut total = 0usize;
        let mut results = Vec::with_capacity(limit);
        for u in store
            .users()
            .filter(|u| filters.iter().all(|f| matches(u, f)))
        {
            if total >= skip && results.len() < limit {
                results.push(project(u, fields));
            }
            total += 1;
        }
        (total, results)
    };
    axum::Json(json!({"totalCount": total, "results": results})).into_response()
}

pub(crate) async fn get_user(
    State(app): State<Arc<JumpCloud>>,
    Path(id): Path<String>,
    Query(q): Params,
) -> Response {
    match app.lock().user(&id) {
        Some(u) => axum::Json(project(u, q.get("fields"))).into_response(),
        None => error(404, "Not Found"),
    }
}

pub(crate) async fn create_user(State(app): State<Arc<JumpCloud>>, body: Bytes) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    match app.lock().create_user(body) {
        Ok(u) => axum::Json(u).into_response(),
        Err(e) => refused(e),
    }
}

pub(crate) async fn update_user(
    State(app): State<Arc<JumpCloud>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    match app.lock().update_user(&id, body) {
        Ok(u) => axum::Json(u).into_response(),
        Err(e) => refused(e),
    }
}

pub(crate) async fn delete_user(
    State(app): State<Arc<JumpCloud>>,
    Path(id): Path<String>,
) -> Response {
    match app.lock().delete_user(&id) {
        Ok(u) => axum::Json(u).into_response(),
        Err(e) => refused(e),
    }
}

pub(crate) async fn list_groups(State(app): State<Arc<JumpCloud>>, Query(q): Params) -> Response {
    let (limit, skip) = match paging(&q) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let store = app.lock();
    let page: Vec<Value> = store
        .groups()
        .skip(skip)
        .take(limit)
        .map(|g| Value::Object(g.clone()))
        .collect();
    axum::Json(page).into_response()
}

pub(crate) async fn get_group(
    State(app): State<Arc<JumpCloud>>,
    Path(id): Path<String>,
) -> Response {
    match app.lock().group(&id) {
        Some(g) => axum::Json(Value::Object(g.clone())).into_response(),
        None => error(404, "Not Found"),
    }
}

pub(crate) async fn create_group(State(app): State<Arc<JumpCloud>>, body: Bytes) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    match app.lock().create_group(body) {
        Ok(g) => (StatusCode::CREATED, axum::Json(g)).into_response(),
        Err(e) => refused(e),
    }
}

pub(crate) async fn update_group(
    State(app): State<Arc<JumpCloud>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    match app.lock().update_group(&id, body) {
        Ok(g) => axum::Json(g).into_response(),
        Err(e) => refused(e),
    }
}

pub(crate) async fn delete_group(
    State(app): State<Arc<JumpCloud>>,
    Path(id): Path<String>,
) -> Response {
    match app.lock().delete_group(&id) {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => refused(e),
    }
}

fn edge(from: (&str, &str), to: (&str, &str)) -> Value {
    json!({
        "from": {"id": from.0, "type": from.1, "attributes": null},
        "to": {"id": to.0, "type": to.1, "attributes": null},
        "attributes": null,
    })
}

/// A page of graph results about one object: 404 when it does not exist, else `limit`/`skip`
/// over its related ids, each shown by `show`.
fn graph_page(
    app: &JumpCloud,
    q: &HashMap<String, String>,
    related: impl Fn(&super::store::JcStore) -> Option<Vec<String>>,
    show: impl Fn(&str) -> Value,
) -> Response {
    let (limit, skip) = match paging(q) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Some(ids) = related(&app.lock()) else {
        return error(404, "Not Found");
    };
    let page: Vec<Value> = ids
        .iter()
        .skip(skip)
        .take(limit)
        .map(|id| show(id))
        .collect();
    axum::Json(page).into_response()
}

/// `GET /usergroups/{id}/members`: graph connections to each member.
pub(crate) async fn group_members(
    State(app): State<Arc<JumpCloud>>,
    Path(id): Path<String>,
    Query(q): Params,
) -> Response {
    graph_page(
        &app,
        &q,
        |s| s.group(&id).map(|_| s.members_of_group(&id)),
        |u| json!({"to": {"id": u, "type": "user", "attributes": null}, "attributes": null}),
    )
}

/// `GET /usergroups/{id}/membership`: the member users with their paths.
pub(crate) async fn group_membership(
    State(app): State<Arc<JumpCloud>>,
    Path(id): Path<String>,
    Query(q): Params,
) -> Response {
    graph_page(
        &app,
        &q,
        |s| s.group(&id).map(|_| s.members_of_group(&id)),
        |u| json!({"id": u, "type": "user", "compiledAttributes": {}, "paths": [[edge((&id, "user_group"), (u, "user"))]]}),
    )
}

/// `POST /usergroups/{id}/members`: `{"op": "add"|"remove", "type": "user", "id": ...}`.
pub(crate) async fn change_members(
    State(app): State<Arc<JumpCloud>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let body = match json_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let op = body.get("op").and_then(Value::as_str);
    let kind = body.get("type").and_then(Value::as_str);
    let Some(member) = body.get("id").and_then(Value::as_str) else {
        return error(400, "'id' is required");
    };
    if kind != Some("user") {
        return error(
            400,
            format!(
                "a user group's members are users; type {:?} is not allowed",
                kind.unwrap_or("")
            ),
        );
    }
    let mut store = app.lock();
    if store.group(&id).is_none() || store.user(member).is_none() {
        return error(404, "Not Found");
    }
    match op {
        Some("add") => store.add_member(&id, member),
        Some("remove") => store.remove_member(&id, member),
        _ => return error(400, "'op' must be \"add\" or \"remove\""),
    }
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /users/{id}/memberof`: the user's groups with their paths.
pub(crate) async fn user_member_of(
    State(app): State<Arc<JumpCloud>>,
    Path(id): Path<String>,
    Query(q): Params,
) -> Response {
    graph_page(
        &app,
        &q,
        |s| s.user(&id).map(|_| s.groups_of_user(&id)),
        |g| json!({"id": g, "type": "user_group", "compiledAttributes": {}, "paths": [[edge((&id, "user"), (g, "user_group"))]]}),
    )
}
