//! The answer of an operation outside the stateful core and every collection (an action on a
//! device, another service's data): the operation's success status and a deterministic body
//! valid against its response schema. Where the request names the object
//! (`/applications/{id}`) or sends fields (a `POST` body), the answer echoes them, so a client
//! sees its own data come back; a list asked for a page past the first (`skip` > 0) is empty,
//! so paging clients stop.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::Call;
use super::schema::Schemas;
use super::spec::{Reply, spec};

pub(crate) fn answer(call: &Call) -> Response {
    let status = StatusCode::from_u16(call.op.status).unwrap_or(StatusCode::OK);
    match &call.op.reply {
        Reply::Empty => status.into_response(),
        // The one text operation, System Insights' `tpm_info`, declares `text/html` for what is
        // a table like every other System Insights one: it answers a JSON array, as they do.
        Reply::Text => {
            let schemas = Schemas::new(spec(), call.op.api);
            let table = serde_json::json!({"t": "a", "i": {"ref": "system-insights-tpm-info"}});
            let mut body = schemas.sample(&table);
            shape(call, &mut body);
            (status, axum::Json(body)).into_response()
        }
        Reply::Binary => {
            let (media_type, body) = super::media::binary(&call.op.id);
            (
                status,
                [(header::CONTENT_TYPE, HeaderValue::from_static(media_type))],
                body,
            )
                .into_response()
        }
        Reply::Json(schema) => {
            let schemas = Schemas::new(spec(), call.op.api);
            let mut sample = schemas.sample(schema);
            unplaceholder(&mut sample, &call.org().id);
            let mut body = sample.clone();
            shape(call, &mut body);
            // An echoed field whose request type differs from the response's must not make the
            // answer invalid.
            if schemas.validate(schema, &body, "response").is_err() {
                body = sample;
            }
            (status, axum::Json(body)).into_response()
        }
    }
}

/// Replaces the sample's placeholder texts (a property named `name` holding `"name"`) with what
/// an answer would hold: the organisation's id for `organization`, else an empty text.
fn unplaceholder(value: &mut Value, org: &str) {
    match value {
        Value::Object(fields) => {
            for (k, v) in fields.iter_mut() {
                if v.as_str() == Some(k.as_str()) {
                    let org_like = matches!(
                        k.as_str(),
                        "organization" | "organizationId" | "orgId" | "organization_id"
                    );
                    *v = Value::String(if org_like {
                        org.to_owned()
                    } else {
                        String::new()
                    });
                } else {
                    unplaceholder(v, org);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| unplaceholder(v, org)),
        _ => {}
    }
}

fn skip(call: &Call) -> u64 {
    call.query("skip")
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// Echoes the request into the sample and honours paging.
fn shape(call: &Call, body: &mut Value) {
    match body {
        Value::Array(items) if skip(call) > 0 => items.clear(),
        Value::Object(fields) => {
            // v1 lists: `{totalCount, results}`.
            if let Some(Value::Array(results)) = fields.get_mut("results") {
                if skip(call) > 0 {
                    results.clear();
                }
                let n = results.len();
                if let Some(total) = fields.get_mut("totalCount")
                    && total.is_number()
                {
                    *total = Value::from(if skip(call) > 0 { 1 } else { n });
                }
                return;
            }
            echo(call, fields);
        }
        _ => {}
    }
}

fn echo(call: &Call, fields: &mut Map<String, Value>) {
    if let Some((_, id)) = call.path.last() {
        for key in ["id", "_id"] {
            if fields.get(key).is_some_and(Value::is_string) {
                fields.insert(key.to_owned(), Value::String(id.clone()));
            }
        }
    }
    if let Value::Object(sent) = &call.body {
        for (k, v) in sent {
            let same_kind = fields
                .get(k)
                .is_some_and(|have| std::mem::discriminant(have) == std::mem::discriminant(v));
            if same_kind && !matches!(k.as_str(), "id" | "_id") {
                fields.insert(k.clone(), v.clone());
            }
        }
    }
}
