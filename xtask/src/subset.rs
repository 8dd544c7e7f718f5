//! The operations JumpCloud added after the 2022 specs, taken from the 2026 subset
//! (`2026-subset/v1.json`, `v2.json`: JumpCloud's PowerShell SDK specs, Swagger 2.0 with
//! PowerShell-style operation ids) and merged into the 2022 document before generation:
//!
//! - only operations whose method and path the 2022 document lacks are taken;
//! - each is converted to OpenAPI 3 (body parameters to `requestBody`, parameter types to
//!   `schema`, response schemas to `content`, `#/definitions/` to `#/components/schemas/`), and
//!   the definitions it uses that the 2022 document lacks are copied;
//! - its id is rewritten in the 2022 style (`ApprovalFlow_List` -> `approval_flow_list`), it gets
//!   the `x-org-id` header the subset strips, a tag, and `x-idm-source: 2026` so that the catalog
//!   says where it came from.

use serde_json::{Map, Value, json};

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// The marker the catalog reads (`x-idm-source`).
pub const SOURCE_KEY: &str = "x-idm-source";

/// `ApprovalFlow_List` -> `approval_flow_list`; `AccessRequestApproval_Set` on a POST ->
/// `access_request_approval_post`.
pub fn op_id(powershell_id: &str, method: &str) -> String {
    let (name, verb) = powershell_id
        .split_once('_')
        .unwrap_or((powershell_id, method));
    let verb = match verb {
        "List" => "list".to_owned(),
        "Get" => "get".to_owned(),
        "Create" => "post".to_owned(),
        "Delete" => "delete".to_owned(),
        "Set" => method.to_owned(),
        other => snake(other),
    };
    format!("{}_{verb}", snake(name))
}

fn snake(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The tag of a new operation: the tag the document already gives its path's first segment
/// (`/systemusers/...`), else the operation's resource in words (`Approval Flow`).
fn tag(doc: &Value, path: &str, powershell_id: &str) -> String {
    let first = path.split('/').find(|s| !s.is_empty()).unwrap_or("");
    let existing = doc
        .get("paths")
        .and_then(Value::as_object)
        .and_then(|paths| {
            paths
                .iter()
                .filter(|(p, _)| p.split('/').find(|s| !s.is_empty()) == Some(first))
                .flat_map(|(_, item)| METHODS.iter().filter_map(move |m| item.get(*m)))
                .find_map(|op| op.pointer("/tags/0").and_then(Value::as_str))
                .map(str::to_owned)
        });
    existing.unwrap_or_else(|| {
        let name = powershell_id.split('_').next().unwrap_or(powershell_id);
        let mut words = String::new();
        for (i, c) in name.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                words.push(' ');
            }
            words.push(c);
        }
        words
    })
}

/// Rewrites Swagger 2.0 references to OpenAPI 3 ones, and collects the names referenced.
fn rewrite_refs(v: &mut Value, names: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get_mut("$ref")
                && let Some(name) = r.strip_prefix("#/definitions/")
            {
                let name = name.to_owned();
                *r = format!("#/components/schemas/{name}");
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            m.values_mut().for_each(|x| rewrite_refs(x, names));
        }
        Value::Array(a) => a.iter_mut().for_each(|x| rewrite_refs(x, names)),
        _ => {}
    }
}

/// A Swagger 2.0 non-body parameter as OpenAPI 3: its type keys move into `schema`.
fn parameter(p: &Value) -> Value {
    let mut out = Map::new();
    let mut schema = Map::new();
    for (k, v) in p.as_object().into_iter().flatten() {
        match k.as_str() {
            "name" | "in" | "required" | "description" => {
                out.insert(k.clone(), v.clone());
            }
            "type" | "format" | "items" | "enum" | "default" | "minimum" | "maximum" => {
                schema.insert(k.clone(), v.clone());
            }
            _ => {}
        }
    }
    out.insert("schema".into(), Value::Object(schema));
    Value::Object(out)
}

/// One Swagger 2.0 operation as OpenAPI 3.
fn operation(op: &Value, path_params: &[Value], consumes: &str, produces: &str) -> Value {
    let mut params = Vec::new();
    let mut body = None;
    for p in path_params.iter().chain(
        op.get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten(),
    ) {
        match p.get("in").and_then(Value::as_str) {
            Some("body") => {
                body = Some(json!({
                    "required": p.get("required").cloned().unwrap_or(json!(false)),
                    "content": {consumes: {"schema": p.get("schema").cloned().unwrap_or(json!({}))}},
                }));
            }
            Some("formData") => {}
            _ => params.push(parameter(p)),
        }
    }
    params.push(json!({"name": "x-org-id", "in": "header", "required": false, "schema": {"type": "string"}}));
    let mut responses = Map::new();
    for (code, r) in op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let mut out = json!({"description": r.get("description").cloned().unwrap_or(json!(""))});
        if let Some(schema) = r.get("schema") {
            out["content"] = json!({produces: {"schema": schema}});
        }
        responses.insert(code.clone(), out);
    }
    let mut out = json!({
        "summary": op.get("summary").cloned().unwrap_or(json!("")),
        "parameters": params,
        "responses": responses,
    });
    if let Some(b) = body {
        out["requestBody"] = b;
    }
    out
}

/// Merges the operations of `subset` that `doc` lacks into `doc`; returns how many.
pub fn merge(doc: &mut Value, subset: &Value) -> Result<usize, String> {
    let first = |key: &str, default: &str| {
        subset
            .get(key)
            .and_then(|v| v.get(0))
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_owned()
    };
    let (consumes, produces) = (
        first("consumes", "application/json"),
        first("produces", "application/json"),
    );
    let Some(paths) = subset.get("paths").and_then(Value::as_object) else {
        return Err("the 2026 subset has no paths".into());
    };
    let mut added = Vec::new();
    let mut referenced = Vec::new();
    for (path, item) in paths {
        let path_params: Vec<Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let exists = doc
                .pointer(&format!(
                    "/paths/{}/{method}",
                    path.replace('~', "~0").replace('/', "~1")
                ))
                .is_some();
            if exists {
                continue;
            }
            let Some(ps_id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let mut converted = operation(op, &path_params, &consumes, &produces);
            rewrite_refs(&mut converted, &mut referenced);
            converted["operationId"] = json!(op_id(ps_id, method));
            converted["tags"] = json!([tag(doc, path, ps_id)]);
            converted[SOURCE_KEY] = json!("2026");
            added.push((path.clone(), method, converted));
        }
    }
    let count = added.len();
    let paths = doc
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .ok_or("the 2022 document has no paths")?;
    for (path, method, op) in added {
        let item = paths.entry(path).or_insert_with(|| json!({}));
        item[method] = op;
    }
    // The definitions used, and the ones those use, that the 2022 document lacks.
    let definitions = subset.get("definitions").and_then(Value::as_object);
    let schemas = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
        .ok_or("the 2022 document has no components.schemas")?;
    let mut i = 0;
    while i < referenced.len() {
        let name = referenced[i].clone();
        i += 1;
        if schemas.contains_key(&name) {
            continue;
        }
        let Some(mut def) = definitions.and_then(|d| d.get(&name)).cloned() else {
            return Err(format!(
                "the 2026 subset references #/definitions/{name}, which it lacks"
            ));
        };
        rewrite_refs(&mut def, &mut referenced);
        schemas.insert(name, def);
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_the_2022_style() {
        assert_eq!(op_id("ApprovalFlow_List", "get"), "approval_flow_list");
        assert_eq!(op_id("ApprovalFlow_Set", "put"), "approval_flow_put");
        assert_eq!(
            op_id("AccessRequestApproval_Set", "post"),
            "access_request_approval_post"
        );
        assert_eq!(op_id("Commands_Run", "post"), "commands_run");
        assert_eq!(op_id("UserTotp_Get", "get"), "user_totp_get");
    }

    #[test]
    fn new_operations_are_converted_and_old_ones_kept() {
        let mut doc = json!({
            "paths": {"/things": {"get": {"operationId": "things_list", "tags": ["Things"]}}},
            "components": {"schemas": {"Thing": {"type": "object"}}},
        });
        let subset = json!({
            "consumes": ["application/json"], "produces": ["application/json"],
            "paths": {
                "/things": {"get": {"operationId": "Thing_List"}},
                "/things/{id}/flow": {
                    "parameters": [{"name": "id", "in": "path", "required": true, "type": "string"}],
                    "put": {
                        "operationId": "ThingFlow_Set",
                        "parameters": [{"name": "body", "in": "body", "required": true,
                                        "schema": {"$ref": "#/definitions/Flow"}}],
                        "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Flow"}}}
                    }
                }
            },
            "definitions": {
                "Flow": {"type": "object", "properties": {"steps": {"type": "array", "items": {"$ref": "#/definitions/Step"}}}},
                "Step": {"type": "object"},
                "Thing": {"type": "string"}
            }
        });
        assert_eq!(merge(&mut doc, &subset).unwrap(), 1);
        assert_eq!(doc["paths"]["/things"]["get"]["operationId"], "things_list");
        let op = &doc["paths"]["/things/{id}/flow"]["put"];
        assert_eq!(op["operationId"], "thing_flow_put");
        assert_eq!(op["tags"], json!(["Things"]));
        assert_eq!(op[SOURCE_KEY], "2026");
        assert_eq!(op["parameters"][0]["schema"], json!({"type": "string"}));
        assert_eq!(op["parameters"][1]["name"], "x-org-id");
        assert_eq!(
            op["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Flow"
        );
        assert_eq!(
            op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Flow"
        );
        let schemas = &doc["components"]["schemas"];
        assert!(schemas.get("Flow").is_some() && schemas.get("Step").is_some());
        assert_eq!(
            schemas["Thing"],
            json!({"type": "object"}),
            "the 2022 one is kept"
        );
    }
}
