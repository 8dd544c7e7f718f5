//! The handlers of the collections outside the core (see [`super::collections`]): list, create,
//! read, replace, patch and delete, on records kept in [`super::objects`], answered whole (every
//! property of the operation's response schema) and listed by the one listing engine.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::collections::{Collection, Role, defaults_of, table};
use super::listing::{Listing, complete_with, json};
use super::schema::Schemas;
use super::spec::{Reply, spec};
use super::store::{JcStore, Refusal};
use super::{Call, error};

/// The answer of an operation on a collection, or `None` when the operation is not one.
pub(crate) fn answer(call: &Call) -> Option<Response> {
    let (c, role) = table().role(call.op)?;
    let coll = &table().collections[c];
    let (scope, id) = scope_and_id(call, coll, role);
    let mut store = call.org().lock();
    if let Err(r) = check_parent(&store, coll, &scope) {
        return Some(r);
    }
    Some(match role {
        Role::List => list(call, &store, c, &scope),
        Role::Create => {
            let created = store.create_object(c, &scope, call.body.clone());
            record(call, created)
        }
        Role::Read => match store.objects.find(c, &scope, id) {
            None => not_found(coll, id),
            Some(o) if matches!(call.op.reply, Reply::Json(_)) => {
                let whole = complete(call, &o.fields);
                match Listing::from(call, &[]) {
                    Ok(l) => json(l.project(&whole)),
                    Err(r) => r,
                }
            }
            // A binary read (an enrollment profile) of a record that exists.
            Some(_) => super::generic::answer(call),
        },
        Role::Replace | Role::Patch => {
            // A PUT replaces the record; on a collection the API cannot create (access
            // requests, the Apple MDM), its body describes a change, and is merged in.
            let replace = role == Role::Replace && coll.creatable;
            let changed = store.change_object(c, &scope, id, call.body.clone(), replace);
            record(call, changed)
        }
        Role::Delete => {
            let deleted = store.delete_object(c, &scope, id);
            record(call, deleted)
        }
    })
}

/// The scope (parent ids, joined by `/`) and the record id of a call.
fn scope_and_id<'c>(call: &'c Call, coll: &Collection, role: Role) -> (String, &'c str) {
    let params: Vec<&str> = call.path.iter().map(|(_, v)| v.as_str()).collect();
    let (parents, id) = match role {
        Role::List | Role::Create => (&params[..], ""),
        _ => match params.split_last() {
            Some((id, rest)) => (rest, *id),
            None => (&params[..], ""),
        },
    };
    // A collection created under another path (an integration under its provider) is not
    // nested in it.
    let depth = coll.shape.matches("{}").count();
    let parents = &parents[parents.len().saturating_sub(depth)..];
    (parents.join("/"), id)
}

/// A nested collection's parent must exist: 404 otherwise, as for any unknown object.
fn check_parent(store: &JcStore, coll: &Collection, scope: &str) -> Result<(), Response> {
    let (Some(parent), Some(id)) = (coll.parent, scope.rsplit('/').next()) else {
        return Ok(());
    };
    if store.parent_exists(parent, id) {
        Ok(())
    } else {
        Err(error(
            404,
            format!("Not Found: no parent object with id {id}"),
        ))
    }
}

fn not_found(coll: &Collection, id: &str) -> Response {
    error(
        404,
        format!("Not Found: no object of {} with id {id}", coll.shape),
    )
}

/// The record with every property the operation's answer defines.
fn complete(call: &Call, fields: &Map<String, Value>) -> Map<String, Value> {
    let mut out = complete_with(fields, defaults_of(call.op));
    // An answer that names the new object by another property (`integrationId`).
    if out.get("integrationId").is_some_and(|v| v == "")
        && let Some(id) = fields.get("id").or(fields.get("_id"))
    {
        out.insert("integrationId".into(), id.clone());
    }
    out
}

/// The answer of a write: the record whole with the operation's status, or the refusal.
fn record(call: &Call, result: Result<Map<String, Value>, Refusal>) -> Response {
    let status = StatusCode::from_u16(call.op.status).unwrap_or(StatusCode::OK);
    match result {
        Err((code, message)) => error(code, message),
        Ok(fields) => match &call.op.reply {
            Reply::Json(schema) => {
                let whole = Value::Object(complete(call, &fields));
                let body = match reply_type(call, schema) {
                    // Some creations answer a list of what they made (scheduled user states).
                    Some("a") => Value::Array(vec![whole]),
                    // Some deletions answer the id alone (Samba domains).
                    Some("s") => ["id", "_id"]
                        .iter()
                        .find_map(|k| fields.get(*k).cloned())
                        .unwrap_or_default(),
                    _ => whole,
                };
                (status, axum::Json(body)).into_response()
            }
            _ => status.into_response(),
        },
    }
}

/// A page of the collection: v1's `{totalCount, results}` or v2's array, as the operation
/// answers; the whole list when the operation takes no `limit`.
fn list(call: &Call, store: &JcStore, c: usize, scope: &str) -> Response {
    let listing = match Listing::from(call, &["name", "displayName", "displayLabel"]) {
        Ok(l) => l.with_defaults(defaults_of(call.op)),
        Err(r) => return r,
    };
    let paging = if call.op.listing {
        match super::listing::paging(call) {
            Ok(p) => p,
            Err(r) => return r,
        }
    } else {
        (usize::MAX, 0)
    };
    let records: Vec<&Map<String, Value>> =
        store.objects.list(c, scope).map(|o| &o.fields).collect();
    let v1_page = matches!(&call.op.reply, Reply::Json(s) if is_page(call, s));
    if v1_page {
        listing.page(records.iter().copied(), records.len(), paging)
    } else {
        listing.array(records.iter().copied(), paging)
    }
}

/// Whether a reply schema is a v1 page (`{totalCount, results}`).
fn is_page(call: &Call, schema: &Value) -> bool {
    Schemas::new(spec(), call.op.api)
        .resolve(schema)
        .pointer("/p/results")
        .is_some()
}

/// The JSON type of a reply schema (`a`, `s`, `o`...), references resolved.
fn reply_type(call: &Call, schema: &Value) -> Option<&'static str> {
    let t = Schemas::new(spec(), call.op.api)
        .resolve(schema)
        .get("t")
        .and_then(Value::as_str)?;
    ["a", "s", "o", "i", "n", "b"].into_iter().find(|x| *x == t)
}
