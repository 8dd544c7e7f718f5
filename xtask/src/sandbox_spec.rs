//! The sandbox's view of the specs: every operation with its parameters, body and success
//! response, and the schemas they use, in a compact JSON form of our own (no prose, `allOf`
//! merged, references by name). The sandbox routes, validates and builds responses from it.
//!
//! A schema is an object with short keys: `t` type (`s` string, `i` integer, `n` number,
//! `b` boolean, `a` array, `o` object, `*` anything), `f` format, `e` enum values, `p`
//! properties, `r` required property names, `ro` read-only property names, `i` items, `m` map
//! values (`additionalProperties`), `min`/`max` numeric bounds, `minl`/`maxl` string lengths,
//! `ref` the name of a schema in the table.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::model::resolve;
use crate::ops::{In, declared_params};

/// `{"schemas": {...}, "ops": [...]}` for one API version, one entry per line.
pub fn emit(api: &str, root: &Value) -> String {
    let mut schemas = BTreeMap::new();
    if let Some(all) = root
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, s) in all {
            schemas.insert(name.clone(), compact(root, s, 0));
        }
    }
    let mut ops = Vec::new();
    if let Some(paths) = root.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in ["get", "put", "post", "delete", "patch"] {
                if let Some(op) = item.get(method) {
                    ops.push(operation(root, api, path, method, item, op));
                }
            }
        }
    }
    let mut out = String::from("{\"schemas\": {\n");
    let n = schemas.len();
    for (i, (name, s)) in schemas.iter().enumerate() {
        let comma = if i + 1 < n { "," } else { "" };
        out.push_str(&format!("{}: {s}{comma}\n", json!(name)));
    }
    out.push_str("},\n\"ops\": [\n");
    let n = ops.len();
    for (i, op) in ops.iter().enumerate() {
        let comma = if i + 1 < n { "," } else { "" };
        out.push_str(&format!("{op}{comma}\n"));
    }
    out.push_str("]}\n");
    out
}

fn operation(root: &Value, api: &str, path: &str, method: &str, item: &Value, op: &Value) -> Value {
    let mut params: Vec<Value> = Vec::new();
    for (name, location, p) in declared_params(root, item, op) {
        let loc = match location {
            In::Path => "p",
            In::Query => "q",
            In::Header => "h",
        };
        params.retain(|q| !(q["n"] == name && q["in"] == loc));
        let required = loc == "p" || p.get("required").and_then(Value::as_bool) == Some(true);
        params.push(json!({
            "n": name,
            "in": loc,
            "req": required,
            "s": compact(root, p.get("schema").unwrap_or(&Value::Null), 0),
        }));
    }
    let mut out = json!({
        "id": op.get("operationId").and_then(Value::as_str).map(str::to_owned)
            .unwrap_or_else(|| format!("{method}_{path}")),
        "api": api,
        "m": method.to_ascii_uppercase(),
        "path": path,
        "params": params,
    });
    if let Some(rb) = op.get("requestBody") {
        let rb = resolve(root, rb);
        let required = rb.get("required").and_then(Value::as_bool) == Some(true);
        let content = rb.get("content").and_then(Value::as_object);
        if let Some(c) = content.and_then(|c| c.get("application/json")) {
            out["body"] = json!({"ct": "json", "req": required,
                "s": compact(root, c.get("schema").unwrap_or(&Value::Null), 0)});
        } else if content.is_some_and(|c| c.contains_key("multipart/form-data")) {
            out["body"] = json!({"ct": "multipart", "req": required});
        }
    }
    let responses = op.get("responses").and_then(Value::as_object);
    if let Some((code, r)) = responses.and_then(|r| r.iter().find(|(c, _)| c.starts_with('2'))) {
        out["status"] = json!(code.parse::<u16>().unwrap_or(200));
        let r = resolve(root, r);
        // 204 No Content has no body, whatever the spec lists under it.
        if let Some(content) = r.get("content").and_then(Value::as_object)
            && !content.is_empty()
            && code != "204"
        {
            out["resp"] = if let Some(j) = content.get("application/json") {
                json!({"ct": "json", "s": compact(root, j.get("schema").unwrap_or(&Value::Null), 0)})
            } else if content.contains_key("text/plain") || content.contains_key("text/html") {
                json!({"ct": "text"})
            } else {
                json!({"ct": "binary"})
            };
        }
    } else {
        out["status"] = json!(200);
    }
    out
}

/// The compact form of a schema; references to components stay references.
fn compact(root: &Value, s: &Value, depth: usize) -> Value {
    if let Some(name) = s
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        return json!({"ref": name});
    }
    let s = resolve(root, s);
    if depth > 32 {
        return json!({"t": "*"});
    }
    let mut out = Map::new();
    let mut props = Map::new();
    let mut required: Vec<Value> = Vec::new();
    let mut read_only: Vec<Value> = Vec::new();
    merge_object(root, s, depth, &mut props, &mut required, &mut read_only);
    let ty = match s.get("type").and_then(Value::as_str) {
        Some("string") => "s",
        Some("integer") => "i",
        Some("number") => "n",
        Some("boolean") => "b",
        Some("array") => "a",
        Some("object") => "o",
        _ if !props.is_empty() => "o",
        _ => "*",
    };
    out.insert("t".into(), json!(ty));
    if let Some(f) = s.get("format").and_then(Value::as_str) {
        out.insert("f".into(), json!(f));
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        let values: Vec<&Value> = e.iter().filter(|v| !v.is_null()).collect();
        if !values.is_empty() {
            out.insert("e".into(), json!(values));
        }
    }
    for (key, short) in [
        ("minimum", "min"),
        ("maximum", "max"),
        ("minLength", "minl"),
        ("maxLength", "maxl"),
    ] {
        if let Some(v) = s.get(key).filter(|v| v.is_number()) {
            out.insert(short.into(), v.clone());
        }
    }
    if ty == "a" {
        let items = s.get("items").unwrap_or(&Value::Null);
        out.insert("i".into(), compact(root, items, depth + 1));
    }
    if !props.is_empty() {
        out.insert("p".into(), Value::Object(props));
    }
    if !required.is_empty() {
        out.insert("r".into(), Value::Array(required));
    }
    if !read_only.is_empty() {
        out.insert("ro".into(), Value::Array(read_only));
    }
    if let Some(ap) = s.get("additionalProperties")
        && ap.is_object()
    {
        out.insert("m".into(), compact(root, ap, depth + 1));
    }
    Value::Object(out)
}

/// The properties, required names and read-only names of a schema, `allOf` parts merged in
/// order (the first definition of a property wins).
fn merge_object(
    root: &Value,
    s: &Value,
    depth: usize,
    props: &mut Map<String, Value>,
    required: &mut Vec<Value>,
    read_only: &mut Vec<Value>,
) {
    if depth > 32 {
        return;
    }
    let s = resolve(root, s);
    if let Some(parts) = s.get("allOf").and_then(Value::as_array) {
        for part in parts {
            merge_object(root, part, depth + 1, props, required, read_only);
        }
    }
    if let Some(p) = s.get("properties").and_then(Value::as_object) {
        for (name, schema) in p {
            if props.contains_key(name) {
                continue;
            }
            if resolve(root, schema)
                .get("readOnly")
                .and_then(Value::as_bool)
                == Some(true)
            {
                read_only.push(json!(name));
            }
            props.insert(name.clone(), compact(root, schema, depth + 1));
        }
    }
    if let Some(r) = s.get("required").and_then(Value::as_array) {
        for name in r {
            if !required.contains(name) {
                required.push(name.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compacts_all_of_refs_and_operations() {
        let doc = json!({
            "paths": {"/things/{id}": {
                "parameters": [{"name": "id", "in": "path", "schema": {"type": "string"}}],
                "put": {
                    "operationId": "things_put",
                    "parameters": [{"$ref": "#/components/parameters/limit"}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/thing"}}}},
                    "responses": {"201": {"description": "ok", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/thing"}}}}}}
                }
            }},
            "components": {
                "parameters": {"limit": {"name": "limit", "in": "query", "required": true, "schema": {"type": "integer", "maximum": 100}}},
                "schemas": {
                    "base": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "description": "prose"}, "_id": {"type": "string", "readOnly": true}}},
                    "thing": {"allOf": [{"$ref": "#/components/schemas/base"}, {"properties": {"kind": {"type": "string", "enum": ["a", "b"]}}}]}
                }
            }
        });
        let text = emit("v9", &doc);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v["schemas"]["thing"],
            json!({"t": "o", "p": {"name": {"t": "s"}, "_id": {"t": "s"}, "kind": {"t": "s", "e": ["a", "b"]}}, "r": ["name"], "ro": ["_id"]})
        );
        let op = &v["ops"][0];
        assert_eq!(op["id"], "things_put");
        assert_eq!(op["m"], "PUT");
        assert_eq!(
            op["params"],
            json!([{"n": "id", "in": "p", "req": true, "s": {"t": "s"}},
                   {"n": "limit", "in": "q", "req": true, "s": {"t": "i", "max": 100}}])
        );
        assert_eq!(
            op["body"],
            json!({"ct": "json", "req": true, "s": {"ref": "thing"}})
        );
        assert_eq!(op["status"], 201);
        assert_eq!(op["resp"]["s"], json!({"t": "a", "i": {"ref": "thing"}}));
        assert!(!text.contains("prose"), "no prose is kept");
    }
}
