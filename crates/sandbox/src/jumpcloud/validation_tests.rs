//! Property tests of request validation, in the manner of schemathesis: for every operation
//! that takes a JSON body, a valid body is accepted, and each way of breaking one top-level
//! property (dropping or nulling a required one, the wrong JSON type, a value outside an enum,
//! a malformed format, a null list item) is refused with a 400 naming the property; what the
//! rules let through (an unknown property, a null optional one, a read-only one) is accepted
//! and never stored. Mutations are drawn from a seeded generator, so a failure replays.

use axum::body::Bytes;
use serde_json::{Value, json};

use super::check_request;
use super::schema::Schemas;
use super::spec::{Op, spec};

/// How a body is broken (or bent within the rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Mutation {
    DropRequired,
    NullRequired,
    WrongType,
    OutsideEnum,
    BadFormat,
    NullItem,
    UnknownProperty,
    NullOptional,
    ReadOnlySent,
}

const MUTATIONS: [Mutation; 9] = [
    Mutation::DropRequired,
    Mutation::NullRequired,
    Mutation::WrongType,
    Mutation::OutsideEnum,
    Mutation::BadFormat,
    Mutation::NullItem,
    Mutation::UnknownProperty,
    Mutation::NullOptional,
    Mutation::ReadOnlySent,
];

/// A value of another JSON type than `t` (`s`, `i`, `n`, `b`, `a`, `o`).
fn wrong_type(t: &str) -> Value {
    match t {
        "s" => json!(12),
        "i" | "n" => json!("twelve"),
        "b" => json!("yes"),
        "a" => json!({"not": "a list"}),
        _ => json!([1, 2]),
    }
}

fn bad_text(format: &str) -> Option<&'static str> {
    match format {
        "date-time" => Some("2026-13-45"),
        "date" => Some("yesterday"),
        "email" => Some("not an email"),
        "uuid" => Some("1234"),
        _ => None,
    }
}

/// Applies a mutation to `body` (an example valid against `schema`), picking the property
/// with `rng`; returns the property changed, or `None` when the schema has none it applies to.
fn mutate(
    schemas: &Schemas<'static>,
    schema: &'static Value,
    body: &mut Value,
    m: Mutation,
    rng: &mut fastrand::Rng,
) -> Option<String> {
    let resolved = schemas.resolve(schema);
    let fields = body.as_object_mut()?;
    let read_only: Vec<&str> = resolved
        .get("ro")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let props = schemas.properties(schema);
    let required = |k: &str| schemas.requires(schema, k) && !read_only.contains(&k);
    let pick = |rng: &mut fastrand::Rng, keep: &dyn Fn(&str, &Value) -> bool| {
        let candidates: Vec<(&str, &Value)> =
            props.iter().copied().filter(|(k, s)| keep(k, s)).collect();
        (!candidates.is_empty()).then(|| candidates[rng.usize(..candidates.len())])
    };
    let ty = |s: &Value| s.get("t").and_then(Value::as_str).unwrap_or("*").to_owned();
    match m {
        Mutation::DropRequired | Mutation::NullRequired => {
            let (k, _) = pick(rng, &|k, _| required(k))?;
            if m == Mutation::DropRequired {
                fields.remove(k);
            } else {
                fields.insert(k.to_owned(), Value::Null);
            }
            Some(k.to_owned())
        }
        Mutation::WrongType => {
            let (k, s) = pick(rng, &|k, s| {
                !read_only.contains(&k) && ty(s) != "*" && s.get("e").is_none()
            })?;
            fields.insert(k.to_owned(), wrong_type(&ty(s)));
            Some(k.to_owned())
        }
        Mutation::OutsideEnum => {
            let (k, _) = pick(rng, &|k, s| {
                !read_only.contains(&k) && ty(s) == "s" && s.get("e").is_some()
            })?;
            fields.insert(k.to_owned(), json!("surely-not-allowed"));
            Some(k.to_owned())
        }
        Mutation::BadFormat => {
            let (k, s) = pick(rng, &|k, s| {
                !read_only.contains(&k)
                    && s.get("f")
                        .and_then(Value::as_str)
                        .and_then(bad_text)
                        .is_some()
            })?;
            let text = s.get("f").and_then(Value::as_str).and_then(bad_text)?;
            fields.insert(k.to_owned(), json!(text));
            Some(k.to_owned())
        }
        Mutation::NullItem => {
            let (k, _) = pick(rng, &|k, s| !read_only.contains(&k) && ty(s) == "a")?;
            fields.insert(k.to_owned(), json!([null]));
            Some(k.to_owned())
        }
        Mutation::UnknownProperty => {
            fields.insert("surelyUnknownProperty".into(), json!("x"));
            Some("surelyUnknownProperty".into())
        }
        Mutation::NullOptional => {
            let (k, _) = pick(rng, &|k, _| !required(k) && !read_only.contains(&k))?;
            fields.insert(k.to_owned(), Value::Null);
            Some(k.to_owned())
        }
        Mutation::ReadOnlySent => {
            if read_only.is_empty() {
                return None;
            }
            let k = read_only[rng.usize(..read_only.len())];
            let (_, s) = props.iter().find(|(p, _)| *p == k)?;
            let value = schemas.sample_named_as(s, k);
            fields.insert(k.to_owned(), value);
            Some(k.to_owned())
        }
    }
}

/// The objects of a valid body with their schemas, as key paths from the top (depth 3 at most).
fn objects(
    schemas: &Schemas<'static>,
    schema: &'static Value,
    body: &Value,
    keys: Vec<String>,
    out: &mut Vec<(Vec<String>, &'static Value)>,
) {
    if !body.is_object() || keys.len() > 3 {
        return;
    }
    for (k, s) in schemas.properties(schema) {
        if let Some(inner) = body.get(k).filter(|v| v.is_object()) {
            let mut deeper = keys.clone();
            deeper.push(k.to_owned());
            objects(schemas, s, inner, deeper, out);
        }
    }
    out.push((keys, schema));
}

/// Runs the validation of `op` on a body.
fn check(op: &Op, body: &Value) -> Result<Value, String> {
    let ex = super::example(&format!(
        "{}/{}",
        match op.api {
            super::spec::Api::V1 => "v1",
            super::spec::Api::V2 => "v2",
        },
        op.id
    ))
    .unwrap();
    let path: Vec<(String, String)> = ex
        .params
        .iter()
        .filter(|(n, _)| {
            op.params
                .iter()
                .any(|p| p.name == *n && p.location == super::spec::In::Path)
        })
        .map(|(n, v)| (n.clone(), v[0].clone()))
        .collect();
    let query: Vec<(String, String)> = ex
        .params
        .iter()
        .filter(|(n, _)| {
            op.params
                .iter()
                .any(|p| p.name == *n && p.location == super::spec::In::Query)
        })
        .flat_map(|(n, vs)| vs.iter().map(move |v| (n.clone(), v.clone())))
        .collect();
    let mut request = axum::http::Request::builder();
    for (n, vs) in &ex.params {
        if op
            .params
            .iter()
            .any(|p| p.name == *n && p.location == super::spec::In::Header)
        {
            request = request.header(n.as_str(), vs[0].as_str());
        }
    }
    let (parts, ()) = request.body(()).unwrap().into_parts();
    let bytes = Bytes::from(serde_json::to_vec(body).unwrap());
    check_request(op, &path, &query, &parts, &bytes)
}

#[test]
fn validation_holds_for_every_body_and_every_way_of_breaking_it() {
    let mut rng = fastrand::Rng::with_seed(0x5c4e_3a7e);
    let mut counts = std::collections::HashMap::new();
    let ops: Vec<&Op> = spec()
        .ops()
        .iter()
        .filter(|op| op.body.as_ref().is_some_and(|b| b.json))
        .collect();
    assert!(ops.len() >= 90, "{} operations take JSON", ops.len());
    for op in &ops {
        let declared = op.body.as_ref().unwrap();
        let schemas = Schemas::new(spec(), op.api);
        let valid = schemas.sample(&declared.schema);
        if let Err(e) = check(op, &valid) {
            panic!("{}: its own example was refused: {e}", op.id);
        }
        // The body's objects, nested ones included: each draw breaks a property of one.
        let mut targets = Vec::new();
        objects(&schemas, &declared.schema, &valid, Vec::new(), &mut targets);
        if targets.is_empty() {
            // A list body (bulk user creation): its items are objects, checked the same way.
            continue;
        }
        for _ in 0..3 {
            for m in MUTATIONS {
                // The first object, in a random order, that the mutation applies to.
                rng.shuffle(&mut targets);
                let mut body = valid.clone();
                let mut applied = None;
                for (keys, schema) in &targets {
                    let pointer: String = keys.iter().map(|k| format!("/{k}")).collect();
                    let Some(target) = body.pointer_mut(&pointer) else {
                        continue;
                    };
                    if let Some(prop) = mutate(&schemas, schema, target, m, &mut rng) {
                        applied = Some((keys.clone(), pointer, prop));
                        break;
                    }
                }
                let Some((keys, pointer, prop)) = applied else {
                    continue;
                };
                *counts.entry(m).or_insert(0) += 1;
                let place: String = keys.iter().map(|k| format!(".{k}")).collect();
                let place = format!("body{place}.{prop}");
                let outcome = check(op, &body);
                match m {
                    Mutation::UnknownProperty | Mutation::NullOptional | Mutation::ReadOnlySent => {
                        let kept = outcome
                            .unwrap_or_else(|e| panic!("{} {m:?} {place}: refused: {e}", op.id));
                        // Accepted, and never stored: a null is "unset", a read-only
                        // property is the server's. (Unknown properties pass through.)
                        let kept_there = kept.pointer(&format!("{pointer}/{prop}")).is_some();
                        if m != Mutation::UnknownProperty {
                            assert!(!kept_there, "{} {m:?}: {place} kept", op.id);
                        }
                    }
                    _ => {
                        let e = outcome
                            .err()
                            .unwrap_or_else(|| panic!("{} {m:?} {place}: accepted {body}", op.id));
                        assert!(
                            e.contains(&place),
                            "{} {m:?}: the error does not name {place}: {e}",
                            op.id
                        );
                    }
                }
            }
        }
    }
    // Every rule was exercised many times over.
    for m in MUTATIONS {
        let n = counts.get(&m).copied().unwrap_or(0);
        // The specs mark read-only properties in two request bodies only.
        let least = if m == Mutation::ReadOnlySent { 6 } else { 20 };
        assert!(n >= least, "{m:?} drawn only {n} times");
    }
}
