//! The operations JumpCloud added since the 2022 specs that are not collections: the
//! organisation's approval settings (one object), approving or denying an access request, an
//! access request's approval progress, running a command, and a user's TOTP enrolment.

use axum::response::Response;
use serde_json::{Map, Value, json};

use super::collections::{defaults_of, table};
use super::listing::{complete_with, json};
use super::{Call, error};

/// The access requests' collection.
fn requests() -> Option<usize> {
    table().find("approvalflowrequest")
}

/// `GET /approvalflowsettings`.
pub(crate) fn settings_get(call: &Call) -> Response {
    let store = call.org().lock();
    json(Value::Object(complete_with(
        &store.approval_settings,
        defaults_of(call.op),
    )))
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
    json(Value::Object(complete_with(
        &store.approval_settings,
        defaults_of(call.op),
    )))
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

/// `POST /runCommand` (`{"_id": command, "systemIds": [...]}`): the command "runs" at once on
/// the systems named, or on every system bound to it through the graph; each run is a command
/// result (exit code 0, empty output), listed by `GET /commandresults`.
pub(crate) fn run_command(call: &Call) -> Response {
    let command_id = call.body.get("_id").and_then(Value::as_str).unwrap_or("");
    let named: Vec<String> = call
        .body
        .get("systemIds")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    let mut store = call.org().lock();
    match run(&mut store, command_id, named) {
        Ok((queued, workflow)) => json(json!({"queueIds": queued, "workflowInstanceId": workflow})),
        Err(r) => r,
    }
}

/// `POST /command/trigger/{name}`: runs every command whose `trigger` is that name, on the
/// systems bound to it; answers the commands' ids.
pub(crate) fn trigger(call: &Call) -> Response {
    let Some(commands) = table().find("commands") else {
        return error(404, "Not Found");
    };
    let name = call.path_param("triggername").to_owned();
    let mut store = call.org().lock();
    let ids: Vec<String> = store
        .objects
        .list(commands, "")
        .filter(|o| o.fields.get("trigger").and_then(Value::as_str) == Some(name.as_str()))
        .filter_map(|o| {
            o.fields
                .get("_id")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .collect();
    for id in &ids {
        if let Err(r) = run(&mut store, id, Vec::new()) {
            return r;
        }
    }
    json(json!({"triggered": ids}))
}

/// Runs a command on `systems` (none: those bound to it): one command result each. Returns the
/// results' ids and the run's workflow id.
fn run(
    store: &mut super::store::JcStore,
    command_id: &str,
    systems: Vec<String>,
) -> Result<(Vec<Value>, String), Response> {
    let (Some(commands), Some(results)) =
        (table().find("commands"), table().find("commandresults"))
    else {
        return Err(error(404, "Not Found"));
    };
    let Some(command) = store
        .objects
        .find(commands, "", command_id)
        .map(|o| o.fields.clone())
    else {
        return Err(error(
            404,
            format!(
                "Not Found: no command with id {command_id:?} (body._id names the command to run)"
            ),
        ));
    };
    let systems: Vec<String> = if systems.is_empty() {
        store
            .traverse(command_id, &[super::kind::Kind::System])
            .into_keys()
            .collect()
    } else {
        systems
    };
    if let Some(unknown) = systems.iter().find(|s| store.system(s).is_none()) {
        return Err(error(
            404,
            format!("Not Found: no system with id {unknown}"),
        ));
    }
    let now = super::events::rfc3339_millis(super::events::now_ms());
    let workflow = store.fresh_id();
    let mut queued = Vec::new();
    for system in systems {
        let hostname = store
            .system(&system)
            .and_then(|s| s.get("hostname"))
            .cloned()
            .unwrap_or_default();
        let result = json!({
            "name": command.get("name").cloned().unwrap_or_default(),
            "command": command.get("command").cloned().unwrap_or_default(),
            "sudo": command.get("sudo").cloned().unwrap_or(json!(false)),
            "user": command.get("user").cloned().unwrap_or_default(),
            "system": hostname,
            "systemId": system,
            "workflowInstanceId": workflow,
            "requestTime": now,
            "responseTime": now,
            "response": {"data": {"exitCode": 0, "output": ""}, "error": ""},
        });
        match store.create_object(results, "", result) {
            Ok(made) => queued.push(made.get("_id").cloned().unwrap_or_default()),
            Err((status, message)) => return Err(error(status, message)),
        }
    }
    Ok((queued, workflow))
}

/// `GET /systemusers/{id}/totpinfo`: when the user enrolled a TOTP device (nothing when not).
pub(crate) fn totp_info(call: &Call) -> Response {
    let store = call.org().lock();
    let Some(user) = store.user(call.id()) else {
        return error(404, "Not Found");
    };
    let enrolled = user.get("totp_enabled").and_then(Value::as_bool) == Some(true);
    match user.get("created").filter(|_| enrolled) {
        Some(date) => json(json!({"enrollmentDate": date})),
        None => json(json!({})),
    }
}
