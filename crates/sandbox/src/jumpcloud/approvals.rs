//! The approval-flow operations JumpCloud added in 2025-26 that are not collections: the
//! organisation's approval settings (one object), approving or denying an access request, and
//! an access request's approval progress.

use axum::response::Response;
use serde_json::{Map, Value, json};

use super::collections::{defaults_of, table};
use super::listing::json;
use super::{Call, error};

/// The access requests' collection.
fn requests() -> Option<usize> {
    table().find("approvalflowrequest")
}

/// `GET /approvalflowsettings`.
pub(crate) fn settings_get(call: &Call) -> Response {
    let store = call.org().lock();
    let mut out = store.approval_settings.clone();
    for (k, v) in defaults_of(call.op) {
        out.entry(k.clone()).or_insert_with(|| v.clone());
    }
    json(Value::Object(out))
}

/// `PUT /approvalflowsettings`: the fields sent replace the stored ones.
pub(crate) fn settings_put(call: &Call) -> Response {
    let mut store = call.org().lock();
    if let Value::Object(sent) = &call.body {
        for (k, v) in sent {
            if k != "organizationObjectId" {
                store.approval_settings.insert(k.clone(), v.clone());
            }
        }
    }
    let mut out = store.approval_settings.clone();
    for (k, v) in defaults_of(call.op) {
        out.entry(k.clone()).or_insert_with(|| v.clone());
    }
    json(Value::Object(out))
}

/// `POST /userapprovalrequest`: an approver's decision on access request `id`.
pub(crate) fn decide(call: &Call) -> Response {
    let id = call.body.get("id").and_then(Value::as_str).unwrap_or("");
    if id.is_empty() {
        return error(
            400,
            "Bad Request: body.id is required: the access request decided on",
        );
    }
    let Some(c) = requests() else {
        return error(404, "Not Found");
    };
    let mut changes = Map::new();
    for k in ["status", "remarks", "approvedDuration"] {
        if let Some(v) = call.body.get(k) {
            changes.insert(k.to_owned(), v.clone());
        }
    }
    match call
        .org()
        .lock()
        .change_object(c, "", id, Value::Object(changes), false)
    {
        Ok(_) => json(json!({})),
        Err((status, message)) => error(status, message),
    }
}

/// `GET /approversprogress/{id}`: who has decided on an access request.
pub(crate) fn progress(call: &Call) -> Response {
    let Some(c) = requests() else {
        return error(404, "Not Found");
    };
    let store = call.org().lock();
    let Some(request) = store.objects.find(c, "", call.id()) else {
        return error(
            404,
            format!("Not Found: no access request with id {}", call.id()),
        );
    };
    let status = request
        .fields
        .get("status")
        .cloned()
        .unwrap_or(json!("pending"));
    let approvers: Vec<Value> = request
        .fields
        .get("approvers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|a| {
            json!({"approverId": a.get("approverId").cloned().unwrap_or_default(),
                   "approverName": a.get("approverName").cloned().unwrap_or_default(),
                   "status": status})
        })
        .collect();
    let requirement = request
        .fields
        .get("approversRequirement")
        .cloned()
        .unwrap_or(json!("any"));
    json(json!({"approvers": approvers, "approversRequirement": requirement}))
}
