//! From an OpenAPI document to operations: parameters, body and response types, tag groups,
//! short method names, pagination shape.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::model::{Def, Models, RType, resolve};
use crate::names::{camel, doc_line, snake, unique};

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    Path,
    Query,
    Header,
}

/// One parameter.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub rust: String,
    pub location: In,
    pub required: bool,
    /// `string`, `integer`, `number`, `boolean` or `array` (of strings).
    pub kind: &'static str,
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Body {
    None,
    Json { ty: RType, required: bool },
    Multipart { required: bool },
}

/// What a successful response carries.
#[derive(Debug, Clone)]
pub enum Response {
    Empty,
    Json(RType),
    Text,
    Binary,
}

/// How a list operation pages.
#[derive(Debug, Clone)]
pub enum Paging {
    /// v1: `{totalCount, results: [...]}` with `limit`/`skip`.
    Results(RType),
    /// v2: a bare array with `limit`/`skip`.
    Array(RType),
}

/// One operation.
#[derive(Debug, Clone)]
pub struct Op {
    pub id: String,
    pub method: String,
    pub path: String,
    pub tags: Vec<String>,
    pub summary: String,
    pub params: Vec<Param>,
    pub body: Body,
    pub response: Response,
    pub paging: Option<Paging>,
    /// The builder's type name.
    pub builder: String,
    /// Added after the 2022 specs (from the 2026 subset).
    pub since_2022: bool,
}

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// Every operation of the document, in path order then method order.
pub fn operations(root: &Value, models: &mut Models) -> Vec<Op> {
    let mut ops = Vec::new();
    let mut builders = BTreeSet::new();
    let Some(paths) = root.get("paths").and_then(Value::as_object) else {
        return ops;
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{method}_{path}"));
            let builder = unique(camel(&id), &mut builders);
            let summary = op
                .get("summary")
                .or_else(|| op.get("description"))
                .and_then(Value::as_str)
                .map(doc_line)
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| id.clone());
            let tags = op
                .get("tags")
                .and_then(Value::as_array)
                .map(|t| {
                    t.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .filter(|t: &Vec<String>| !t.is_empty())
                .unwrap_or_else(|| vec!["Default".to_string()]);
            let params = params(root, item, op);
            let body = body(root, op, models, &builder);
            let response = response(root, op, models, &builder);
            let paging = paging(&params, &response, models);
            ops.push(Op {
                id,
                method: method.to_ascii_uppercase(),
                path: path.clone(),
                tags,
                summary,
                params,
                body,
                response,
                paging,
                builder,
                since_2022: op.get(crate::subset::SOURCE_KEY).is_some(),
            });
        }
    }
    ops
}

/// The parameters an operation declares, path-level then operation-level, references resolved:
/// (name, location, the parameter object). Parameters in cookies are left out.
pub fn declared_params<'v>(
    root: &'v Value,
    item: &'v Value,
    op: &'v Value,
) -> impl Iterator<Item = (&'v str, In, &'v Value)> {
    [item.get("parameters"), op.get("parameters")]
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(move |p| {
            let p = resolve(root, p);
            let name = p.get("name").and_then(Value::as_str)?;
            let location = match p.get("in").and_then(Value::as_str)? {
                "path" => In::Path,
                "query" => In::Query,
                "header" => In::Header,
                _ => return None,
            };
            Some((name, location, p))
        })
}

fn params(root: &Value, item: &Value, op: &Value) -> Vec<Param> {
    let mut out: Vec<Param> = Vec::new();
    let mut rust_names = BTreeSet::new();
    // Reserved for the builder's own methods.
    for r in [
        "send",
        "stream",
        "all",
        "body",
        "new",
        "header",
        "query",
        "concurrency",
        "file",
    ] {
        rust_names.insert(r.to_string());
    }
    for (name, location, p) in declared_params(root, item, op) {
        // The client sets these itself.
        if location == In::Header
            && (name.eq_ignore_ascii_case("content-type") || name.eq_ignore_ascii_case("accept"))
        {
            continue;
        }
        // An operation-level parameter overrides a path-level one of the same name and place.
        out.retain(|q| !(q.name == name && q.location == location));
        let schema = resolve(root, p.get("schema").unwrap_or(&Value::Null));
        let kind = match schema.get("type").and_then(Value::as_str) {
            Some("integer") => "integer",
            Some("number") => "number",
            Some("boolean") => "boolean",
            Some("array") => "array",
            _ => "string",
        };
        out.push(Param {
            name: name.to_string(),
            rust: unique(snake(name), &mut rust_names),
            location,
            required: location == In::Path
                || p.get("required").and_then(Value::as_bool).unwrap_or(false),
            kind,
        });
    }
    out
}

fn body(root: &Value, op: &Value, models: &mut Models, builder: &str) -> Body {
    let Some(rb) = op.get("requestBody") else {
        return Body::None;
    };
    let rb = resolve(root, rb);
    let required = rb.get("required").and_then(Value::as_bool).unwrap_or(false);
    let content = rb.get("content").and_then(Value::as_object);
    let Some(content) = content else {
        return Body::None;
    };
    if let Some(json) = content.get("application/json") {
        let schema = json.get("schema").cloned().unwrap_or(Value::Null);
        let ty = models.ty(&schema, &format!("{builder}Body"));
        return Body::Json { ty, required };
    }
    if content.contains_key("multipart/form-data") {
        return Body::Multipart { required };
    }
    Body::None
}

fn response(root: &Value, op: &Value, models: &mut Models, builder: &str) -> Response {
    let Some(responses) = op.get("responses").and_then(Value::as_object) else {
        return Response::Empty;
    };
    let Some((code, r)) = responses.iter().find(|(code, _)| code.starts_with('2')) else {
        return Response::Empty;
    };
    // 204 No Content has no body, whatever the spec lists under it (two operations do).
    if code == "204" {
        return Response::Empty;
    }
    let r = resolve(root, r);
    let Some(content) = r.get("content").and_then(Value::as_object) else {
        return Response::Empty;
    };
    if let Some(json) = content.get("application/json") {
        let schema = json.get("schema").cloned().unwrap_or(Value::Null);
        return Response::Json(models.ty(&schema, &format!("{builder}Response")));
    }
    if content.contains_key("text/plain") || content.contains_key("text/html") {
        return Response::Text;
    }
    if content.is_empty() {
        Response::Empty
    } else {
        Response::Binary
    }
}

/// List operations: `limit` and `skip` query parameters and a response of items.
fn paging(params: &[Param], response: &Response, models: &Models) -> Option<Paging> {
    let has = |n: &str| {
        params
            .iter()
            .any(|p| p.name == n && p.location == In::Query)
    };
    if !(has("limit") && has("skip")) {
        return None;
    }
    match response {
        Response::Json(RType::Vec(item)) => Some(Paging::Array((**item).clone())),
        Response::Json(RType::Named(n)) => {
            let def = models.defs.get(n)?;
            let Def::Struct { fields, .. } = def else {
                return None;
            };
            fields.iter().find_map(|f| match (&f.wire[..], &f.ty) {
                ("results", RType::Vec(item)) => Some(Paging::Results((**item).clone())),
                _ => None,
            })
        }
        _ => None,
    }
}

/// The method name of an operation inside its tag group: the operation id in snake case
/// without the group's own prefix (`systemusers_list` -> `list` in `systemusers`), unless that
/// leaves nothing, a clash, or a name that is not an identifier.
pub fn short_names(ops: &[Op]) -> BTreeMap<String, Vec<(usize, String)>> {
    let mut groups: BTreeMap<String, Vec<(usize, String)>> = BTreeMap::new();
    for (i, op) in ops.iter().enumerate() {
        for tag in &op.tags {
            groups
                .entry(tag.clone())
                .or_default()
                .push((i, String::new()));
        }
    }
    for (tag, members) in groups.iter_mut() {
        let tag_words: Vec<String> = snake(tag)
            .trim_start_matches("r#")
            .split('_')
            .map(str::to_owned)
            .collect();
        let squashed: String = tag_words.concat();
        let mut proposals: Vec<String> = members
            .iter()
            .map(|(i, _)| strip_prefix(&snake(&ops[*i].id), &tag_words, &squashed))
            .collect();
        // A clash falls back to the full names of everyone in it.
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for p in &proposals {
            *counts.entry(p.as_str()).or_default() += 1;
        }
        let clashing: BTreeSet<String> = counts
            .into_iter()
            .filter(|(_, c)| *c > 1)
            .map(|(p, _)| p.to_string())
            .collect();
        for (k, p) in proposals.iter_mut().enumerate() {
            if clashing.contains(p) {
                *p = snake(&ops[members[k].0].id);
            }
        }
        let mut taken = BTreeSet::new();
        for (k, (_, name)) in members.iter_mut().enumerate() {
            *name = unique(proposals[k].clone(), &mut taken);
        }
    }
    groups
}

fn strip_prefix(id: &str, tag_words: &[String], squashed: &str) -> String {
    let raw = id.trim_start_matches("r#");
    let mut candidates: Vec<String> = Vec::new();
    // The tag's words in order or reversed (`user_groups_`, `groups_user_`), plural or not.
    let fwd = tag_words.join("_");
    let rev: Vec<String> = tag_words.iter().rev().cloned().collect();
    let rev = rev.join("_");
    for c in [&fwd, &rev] {
        candidates.push(format!("{c}_"));
        if let Some(s) = c.strip_suffix('s') {
            candidates.push(format!("{s}_"));
        }
    }
    // The first word when it is the tag squashed together (`iplists_` for `IP Lists`,
    // `activedirectories_` for `Active Directory`).
    if let Some((first, _)) = raw.split_once('_') {
        let stem = &squashed[..squashed.len().saturating_sub(1)];
        if stem.len() >= 3
            && (first.starts_with(stem) || squashed.starts_with(first))
            && first.len() >= 3
        {
            candidates.push(format!("{first}_"));
        }
    }
    candidates.sort_by_key(|c| std::cmp::Reverse(c.len()));
    for c in candidates {
        if let Some(rest) = raw.strip_prefix(&c)
            && !rest.is_empty()
        {
            return snake(rest);
        }
    }
    snake(raw)
}
