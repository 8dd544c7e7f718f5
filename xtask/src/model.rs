//! From an OpenAPI document to Rust model definitions: structs for objects (allOf merged),
//! string enums, type aliases; inline schemas get names from where they appear.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::names::{camel, doc_line, snake, unique};

/// A Rust type, as the generator sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum RType {
    Named(String),
    Vec(Box<RType>),
    Map(Box<RType>),
    Str,
    I64,
    F64,
    Bool,
    Value,
}

impl RType {
    /// The type's Rust spelling; model names are qualified with `prefix` (e.g. `models::`).
    pub fn render(&self, prefix: &str) -> String {
        match self {
            RType::Named(n) => format!("{prefix}{n}"),
            RType::Vec(t) => format!("Vec<{}>", t.render(prefix)),
            RType::Map(t) => format!("std::collections::BTreeMap<String, {}>", t.render(prefix)),
            RType::Str => "String".into(),
            RType::I64 => "i64".into(),
            RType::F64 => "f64".into(),
            RType::Bool => "bool".into(),
            RType::Value => "serde_json::Value".into(),
        }
    }
}

/// One field of a struct.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub wire: String,
    pub ty: RType,
    pub boxed: bool,
}

/// A model definition.
#[derive(Debug, Clone)]
pub enum Def {
    Struct { doc: String, fields: Vec<Field> },
    Enum { doc: String, values: Vec<String> },
    Alias { doc: String, ty: RType },
}

/// All models of one API version.
pub struct Models<'a> {
    root: &'a Value,
    pub defs: BTreeMap<String, Def>,
    /// Spec schema name -> Rust name.
    names: BTreeMap<String, String>,
    taken: BTreeSet<String>,
}

/// Follows `$ref`s (to any component) until a schema without one.
pub fn resolve<'v>(root: &'v Value, mut v: &'v Value) -> &'v Value {
    for _ in 0..32 {
        let Some(r) = v.get("$ref").and_then(Value::as_str) else {
            return v;
        };
        match lookup(root, r) {
            Some(t) => v = t,
            None => return v,
        }
    }
    v
}

/// The value at a local JSON pointer such as `#/components/schemas/x`.
pub fn lookup<'v>(root: &'v Value, r: &str) -> Option<&'v Value> {
    root.pointer(r.strip_prefix('#')?)
}

fn schema_ref(v: &Value) -> Option<&str> {
    v.get("$ref")?
        .as_str()?
        .strip_prefix("#/components/schemas/")
}

impl<'a> Models<'a> {
    /// Names and defines every component schema.
    pub fn new(root: &'a Value) -> Models<'a> {
        let mut m = Models {
            root,
            defs: BTreeMap::new(),
            names: BTreeMap::new(),
            taken: BTreeSet::new(),
        };
        let schemas = root
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for name in schemas.keys() {
            let rust = unique(camel(name), &mut m.taken);
            m.names.insert(name.clone(), rust);
        }
        for (name, schema) in &schemas {
            let rust = m.names[name].clone();
            m.define(&rust, schema, &format!("The `{name}` schema."));
        }
        m
    }

    /// Defines `name` from `schema` (already reserved).
    fn define(&mut self, name: &str, schema: &Value, fallback_doc: &str) {
        let schema = resolve(self.root, schema);
        let doc = schema
            .get("title")
            .or_else(|| schema.get("description"))
            .and_then(Value::as_str)
            .map(doc_line)
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| fallback_doc.to_string());
        if let Some(values) = string_enum(schema) {
            self.defs.insert(name.into(), Def::Enum { doc, values });
            return;
        }
        if is_struct(self.root, schema) {
            // Reserve first: a struct may refer to itself through its fields.
            self.defs.insert(
                name.into(),
                Def::Struct {
                    doc: doc.clone(),
                    fields: Vec::new(),
                },
            );
            let mut props = Vec::new();
            collect_props(self.root, schema, &mut props, 0);
            let mut field_names = BTreeSet::new();
            let mut seen_wire = BTreeSet::new();
            let mut fields = Vec::new();
            for (wire, prop) in props {
                if !seen_wire.insert(wire.clone()) {
                    continue; // allOf parts may repeat a property: the first wins
                }
                let ty = match SAME_CONCEPT
                    .iter()
                    .find(|(m, f, _)| *m == name && *f == wire)
                {
                    Some((_, _, shared)) => RType::Named((*shared).to_owned()),
                    None => self.ty(&prop, &format!("{name}{}", camel(&wire))),
                };
                let fname = unique(snake(&wire), &mut field_names);
                fields.push(Field {
                    name: fname,
                    wire,
                    ty,
                    boxed: false,
                });
            }
            self.defs.insert(name.into(), Def::Struct { doc, fields });
            return;
        }
        let ty = self.ty(schema, &format!("{name}Item"));
        self.defs.insert(name.into(), Def::Alias { doc, ty });
    }

    /// The Rust type of a schema; inline objects and enums are defined under `ctx`.
    pub fn ty(&mut self, schema: &Value, ctx: &str) -> RType {
        if let Some(r) = schema_ref(schema) {
            return match self.names.get(r) {
                Some(n) => RType::Named(n.clone()),
                None => RType::Value,
            };
        }
        if schema.get("$ref").is_some() {
            let target = resolve(self.root, schema).clone();
            return self.ty(&target, ctx);
        }
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array)
            && parts.len() == 1
            && schema.get("properties").is_none()
        {
            return self.ty(&parts[0].clone(), ctx);
        }
        if schema.get("oneOf").is_some() || schema.get("anyOf").is_some() {
            return RType::Value;
        }
        if string_enum(schema).is_some() || is_struct(self.root, schema) {
            let name = unique(camel(ctx), &mut self.taken);
            self.define(&name, schema, &format!("Part of `{ctx}`."));
            return RType::Named(name);
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("array") => {
                let items = schema.get("items").cloned().unwrap_or(Value::Null);
                RType::Vec(Box::new(self.ty(&items, &format!("{ctx}Item"))))
            }
            Some("object") => match schema.get("additionalProperties") {
                Some(ap @ Value::Object(o)) if !o.is_empty() => {
                    RType::Map(Box::new(self.ty(&ap.clone(), &format!("{ctx}Value"))))
                }
                _ => RType::Value,
            },
            Some("string") => RType::Str,
            Some("integer") => RType::I64,
            Some("number") => RType::F64,
            Some("boolean") => RType::Bool,
            _ => RType::Value,
        }
    }

    /// Boxes struct fields that close a cycle of direct (non-collection) struct references.
    pub fn box_cycles(&mut self) {
        let edges: BTreeMap<String, Vec<String>> = self
            .defs
            .iter()
            .filter_map(|(n, d)| match d {
                Def::Struct { fields, .. } => Some((
                    n.clone(),
                    fields
                        .iter()
                        .filter_map(|f| match &f.ty {
                            RType::Named(t) => Some(t.clone()),
                            _ => None,
                        })
                        .collect(),
                )),
                _ => None,
            })
            .collect();
        let reaches = |from: &str, to: &str| -> bool {
            let mut stack = vec![from.to_string()];
            let mut seen = BTreeSet::new();
            while let Some(n) = stack.pop() {
                if n == to {
                    return true;
                }
                if seen.insert(n.clone())
                    && let Some(next) = edges.get(&n)
                {
                    stack.extend(next.iter().cloned());
                }
            }
            false
        };
        let mut to_box = Vec::new();
        for (owner, targets) in &edges {
            for t in targets {
                if reaches(t, owner) {
                    to_box.push((owner.clone(), t.clone()));
                }
            }
        }
        for (owner, target) in to_box {
            if let Some(Def::Struct { fields, .. }) = self.defs.get_mut(&owner) {
                for f in fields.iter_mut() {
                    if f.ty == RType::Named(target.clone()) {
                        f.boxed = true;
                    }
                }
            }
        }
    }
}

/// The values of a string enum, if the schema is one.
fn string_enum(schema: &Value) -> Option<Vec<String>> {
    let values = schema.get("enum")?.as_array()?;
    let ty = schema.get("type").and_then(Value::as_str);
    if !matches!(ty, None | Some("string")) {
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    for v in values {
        match v {
            Value::String(s) => {
                if !out.contains(s) {
                    out.push(s.clone());
                }
            }
            Value::Null => {}
            _ => return None,
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Properties the spec types loosely (a plain string) where another model types the same
/// concept: (model, property, the shared type). A graph object's `type` is `GraphType`
/// everywhere, not a `String` in `GraphObject` and a `GraphType` in `GraphObjectWithPaths`.
const SAME_CONCEPT: &[(&str, &str, &str)] = &[("GraphObject", "type", "GraphType")];

/// Whether the schema becomes a struct: it has properties, directly or through `allOf`.
fn is_struct(root: &Value, schema: &Value) -> bool {
    let mut props = Vec::new();
    collect_props(root, schema, &mut props, 0);
    !props.is_empty()
}

/// The properties of a schema, `allOf` parts merged in order.
fn collect_props(root: &Value, schema: &Value, out: &mut Vec<(String, Value)>, depth: usize) {
    if depth > 16 {
        return;
    }
    let schema = resolve(root, schema);
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        for p in parts {
            collect_props(root, p, out, depth + 1);
        }
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (k, v) in props {
            out.push((k.clone(), v.clone()));
        }
    }
}
