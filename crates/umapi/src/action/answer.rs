//! The answer to an action request: UMAPI's `errors[]` and `warnings[]` routed back to the
//! entries and steps the caller built, or one request-level failure for every entry.

use serde_json::Value;

use super::batch::{Entry, EntryOutcome};
use super::{Step, StepError, StepWarning, codes};
use crate::Error;

/// Reads an index that UMAPI documents as a string but sends as an integer.
fn as_index(v: Option<&Value>) -> Option<usize> {
    match v? {
        Value::Number(n) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

pub(super) fn fail_all(batch: &[Entry], e: &Error) -> Vec<EntryOutcome> {
    let code = match e {
        Error::Api(api) if api.code.is_some() => api.code.clone().unwrap_or_default(),
        Error::Api(_) | Error::Unavailable(_) => format!("http.{}", e.status().unwrap_or(0)),
        Error::Transport(t) if t.is_connect() => codes::CONNECT.into(),
        Error::Transport(_) => codes::TRANSPORT.into(),
        Error::Auth { .. } => codes::AUTH.into(),
        Error::Decode { .. } => codes::DECODE.into(),
        _ => "request.failed".into(),
    };
    tracing::warn!(target: "umapi::batch", entries = batch.len(), "an action request failed: {e}");
    fail_entries(batch, &code, &e.to_string())
}

/// Every entry of `batch` failed with one request-level error.
pub(super) fn fail_entries(batch: &[Entry], code: &str, message: &str) -> Vec<EntryOutcome> {
    batch
        .iter()
        .map(|entry| EntryOutcome {
            action: entry.action,
            completed: false,
            errors: vec![StepError {
                step: None,
                command: None,
                code: code.to_owned(),
                message: message.to_owned(),
            }],
            warnings: Vec::new(),
        })
        .collect()
}

/// Routes `errors[]` and `warnings[]` of an action response to their entries.
pub(super) fn route(
    batch: &[Entry],
    body: &Value,
) -> std::result::Result<Vec<EntryOutcome>, String> {
    let result = body.get("result").and_then(Value::as_str).unwrap_or("");
    let mut out: Vec<EntryOutcome> = batch
        .iter()
        .map(|e| EntryOutcome {
            action: e.action,
            completed: true,
            ..Default::default()
        })
        .collect();
    let list = |key: &str| -> std::result::Result<Vec<Value>, String> {
        match body.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(a)) => Ok(a.clone()),
            Some(_) => Err(format!("`{key}` is not an array")),
        }
    };
    let errors = list("errors")?;
    let warnings = list("warnings")?;
    for err in &errors {
        let i = as_index(err.get("index"))
            .filter(|i| *i < batch.len())
            .ok_or_else(|| {
                format!(
                    "an error names entry {:?}, but the request had {} entries",
                    err.get("index"),
                    batch.len()
                )
            })?;
        let local = as_index(err.get("step"));
        let entry = &batch[i];
        out[i].completed = false;
        out[i].errors.push(StepError {
            step: local.and_then(|s| entry.step_map.get(s).copied()),
            command: local.and_then(|s| entry.steps.get(s).map(Step::to_wire)),
            code: text(err, "errorCode"),
            message: text(err, "message"),
        });
    }
    for w in &warnings {
        let Some(i) = as_index(w.get("index")).filter(|i| *i < batch.len()) else {
            tracing::warn!(target: "umapi::batch", "unroutable warning: {w}");
            continue;
        };
        let local = as_index(w.get("step"));
        out[i].warnings.push(StepWarning {
            step: local.and_then(|s| batch[i].step_map.get(s).copied()),
            code: text(w, "warningCode"),
            message: text(w, "message"),
        });
    }
    if errors.is_empty() && result != "success" {
        // A failure the server did not attribute: never count it as done.
        for o in &mut out {
            o.completed = false;
            o.errors.push(StepError {
                step: None,
                command: None,
                code: format!(
                    "result.{}",
                    if result.is_empty() { "missing" } else { result }
                ),
                message: format!(
                    "UMAPI answered result {result:?} without saying which command failed"
                ),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(action: usize, map: Vec<usize>, steps: usize) -> Entry {
        Entry {
            action,
            step_map: map,
            frame: super::super::Frame::new(super::super::Root::User, format!("u{action}@x.com")),
            key: format!("u{action}@x.com"),
            steps: (0..steps).map(|i| Step::new("s", json!(i))).collect(),
        }
    }

    #[test]
    fn errors_go_to_their_entry_and_original_step() {
        let batch = vec![entry(0, vec![0, 1], 2), entry(1, vec![3, 3, 4], 3)];
        let body = json!({"result": "partial", "completed": 1, "notCompleted": 1,
            "errors": [{"index": 1, "step": "2", "errorCode": "error.group.not_found", "message": "nope"}],
            "warnings": [{"index": 0, "step": 1, "warningCode": "warning.command.deprecated", "message": "old"}]});
        let out = route(&batch, &body).unwrap();
        assert!(out[0].completed);
        assert_eq!(out[0].warnings[0].step, Some(1));
        assert!(!out[1].completed);
        assert_eq!(out[1].errors[0].step, Some(4));
        assert_eq!(out[1].errors[0].command, Some(json!({"s": 2})));
        assert_eq!(out[1].errors[0].code, "error.group.not_found");
    }

    #[test]
    fn unattributed_failure_is_not_success() {
        let out = route(&[entry(0, vec![0], 1)], &json!({"result": "error"})).unwrap();
        assert!(!out[0].completed);
        assert_eq!(out[0].errors[0].code, "result.error");
    }

    #[test]
    fn malformed_errors_are_reported() {
        assert!(
            route(
                &[entry(0, vec![0], 1)],
                &json!({"result": "partial", "errors": [{"index": 7}]})
            )
            .is_err()
        );
        assert!(
            route(
                &[entry(0, vec![0], 1)],
                &json!({"result": "success", "errors": {}})
            )
            .is_err()
        );
    }
}
