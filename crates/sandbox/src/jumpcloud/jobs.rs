//! Bulk user jobs (`POST`/`PATCH /bulk/users`, `GET /bulk/users/{job_id}/results`): each entry is
//! created or updated as `POST`/`PUT /systemusers` would, at once, and the job's results say
//! what became of each (`finished`, or `failed` with the reason).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::listing::{json, paging};
use super::{Call, error};

/// `POST /bulk/users` (create) and `PATCH /bulk/users` (update, each entry naming its `id`).
pub(crate) fn run(call: &Call) -> Response {
    let Value::Array(entries) = &call.body else {
        return error(400, "Bad Request: the body must be a JSON list of users");
    };
    let create = call.op.id == "bulk_usersCreate";
    let now = super::events::rfc3339_millis(super::events::now_ms());
    let mut store = call.org().lock();
    let results: Vec<Value> = entries
        .iter()
        .map(|entry| {
            let outcome = if create {
                store.create_user(entry.clone())
            } else {
                let id = entry
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                let mut fields = entry.clone();
                if let Value::Object(m) = &mut fields {
                    m.remove("id");
                }
                store.update_user(&id, fields)
            };
            let (id, status, message) = match &outcome {
                Ok(user) => (user["_id"].clone(), "finished", String::new()),
                Err((_, why)) => (json!(""), "failed", why.clone()),
            };
            let persisted: serde_json::Map<String, Value> =
                ["username", "email", "firstname", "lastname"]
                    .iter()
                    .filter_map(|k| entry.get(*k).map(|v| ((*k).to_owned(), v.clone())))
                    .collect();
            json!({"id": id, "status": status, "statusMsg": message, "createdAt": now,
                   "updatedAt": now, "persistedFields": persisted, "meta": {}})
        })
        .collect();
    let job = store.add_bulk_job(results);
    (StatusCode::CREATED, axum::Json(json!({"jobId": job}))).into_response()
}

/// `GET /bulk/users/{job_id}/results`: one result per entry, in the order sent.
pub(crate) fn results(call: &Call) -> Response {
    let (limit, skip) = match paging(call) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let store = call.org().lock();
    match store.bulk_job(call.id()) {
        Some(results) => json(Value::Array(
            results.iter().skip(skip).take(limit).cloned().collect(),
        )),
        None => error(404, format!("Not Found: no bulk job with id {}", call.id())),
    }
}
