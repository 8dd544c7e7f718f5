//! Schemas at work: deterministic sample values that satisfy a schema (the answers of operations
//! outside the stateful core), and validation of request bodies and parameters (400 on bad input).

use serde_json::{Map, Value, json};

use super::spec::{Api, Spec};

/// How deep references may nest before validation gives up looking (cycles are legal in specs).
const MAX_DEPTH: usize = 48;

/// The schemas of one API version.
#[derive(Clone, Copy)]
pub(crate) struct Schemas<'a> {
    spec: &'a Spec,
    api: Api,
}

impl<'a> Schemas<'a> {
    pub(crate) fn new(spec: &'a Spec, api: Api) -> Schemas<'a> {
        Schemas { spec, api }
    }

    fn deref(&self, s: &'a Value) -> (&'a Value, Option<&'a str>) {
        let mut s = s;
        let mut name = None;
        for _ in 0..8 {
            let Some(r) = s.get("ref").and_then(Value::as_str) else {
                break;
            };
            match self.spec.schema(self.api, r) {
                Some(target) => {
                    s = target;
                    name = Some(r);
                }
                None => break,
            }
        }
        (s, name)
    }

    /// The schema a reference names (followed a few hops), or `schema` itself.
    pub(crate) fn resolve(&self, schema: &'a Value) -> &'a Value {
        self.deref(schema).0
    }

    /// The schema of the records an answer of `schema` carries: the items of an array or of a
    /// v1 page's `results`, else the object itself.
    pub(crate) fn record_schema(&self, schema: &'a Value) -> &'a Value {
        let s = self.resolve(schema);
        if s.get("t").and_then(Value::as_str) == Some("a") {
            return s.get("i").map_or(&Value::Null, |i| self.resolve(i));
        }
        match s.pointer("/p/results") {
            Some(results) => {
                let r = self.resolve(results);
                r.get("i").map_or(&Value::Null, |i| self.resolve(i))
            }
            None => s,
        }
    }

    /// An object schema's properties, references resolved.
    pub(crate) fn properties(&self, schema: &'a Value) -> Vec<(&'a str, &'a Value)> {
        self.resolve(schema)
            .get("p")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), self.resolve(v)))
            .collect()
    }

    /// Whether an object schema requires the property.
    pub(crate) fn requires(&self, schema: &'a Value, name: &str) -> bool {
        self.resolve(schema)
            .get("r")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|x| x == name))
    }

    /// Removes from `value` the properties `schema` marks read-only, at every depth: a client
    /// that sends one back (an `id`, a `created`) is ignored for it, as JumpCloud does.
    pub(crate) fn strip_read_only(&self, schema: &'a Value, value: &mut Value) {
        self.strip_at(schema, value, 0);
    }

    fn strip_at(&self, schema: &'a Value, value: &mut Value, depth: usize) {
        if depth > 8 {
            return;
        }
        let s = self.resolve(schema);
        match value {
            Value::Object(fields) => {
                for ro in s.get("ro").and_then(Value::as_array).into_iter().flatten() {
                    if let Some(name) = ro.as_str() {
                        fields.remove(name);
                    }
                }
                let Some(props) = s.get("p").and_then(Value::as_object) else {
                    return;
                };
                for (k, v) in fields.iter_mut() {
                    if let Some(p) = props.get(k) {
                        self.strip_at(p, v, depth + 1);
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item) = s.get("i") {
                    for v in items {
                        self.strip_at(item, v, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }

    /// A value valid against `schema`: every property present (so clients decode every field),
    /// one item per array, the first enum value, formats honoured; references that would recurse
    /// are left out.
    pub(crate) fn sample(&self, schema: &'a Value) -> Value {
        self.sample_named_as(schema, "value")
    }

    /// [`sample`](Self::sample) for a value called `name` (ids, emails and the like get values
    /// that look the part).
    pub(crate) fn sample_named_as(&self, schema: &'a Value, name: &str) -> Value {
        self.sample_named(schema, name, &mut Vec::new())
            .unwrap_or(Value::Null)
    }

    fn sample_named(
        &self,
        schema: &'a Value,
        name: &str,
        stack: &mut Vec<&'a str>,
    ) -> Option<Value> {
        let (s, reference) = self.deref(schema);
        if let Some(r) = reference {
            if stack.contains(&r) || stack.len() > 12 {
                return None;
            }
            stack.push(r);
        }
        let out = self.sample_resolved(s, name, stack);
        if reference.is_some() {
            stack.pop();
        }
        out
    }

    fn sample_resolved(&self, s: &'a Value, name: &str, stack: &mut Vec<&'a str>) -> Option<Value> {
        if let Some(first) = s.get("e").and_then(Value::as_array).and_then(|e| e.first()) {
            return Some(first.clone());
        }
        match s.get("t").and_then(Value::as_str).unwrap_or("*") {
            "s" => Some(Value::String(sample_string(s, name))),
            "i" => {
                let n = bound(s, "min").map_or(0.0, f64::ceil);
                let n = bound(s, "max").map_or(n, |m| n.min(m.floor()));
                Some(json!(n as i64))
            }
            "n" => {
                let n = bound(s, "min").unwrap_or(0.0);
                let n = bound(s, "max").map_or(n, |m| n.min(m));
                Some(json!(n))
            }
            "b" => Some(Value::Bool(false)),
            "a" => {
                let items = s.get("i").unwrap_or(&Value::Null);
                let item = self.sample_named(items, singular(name), stack);
                Some(Value::Array(item.into_iter().collect()))
            }
            "o" => {
                let mut out = Map::new();
                if let Some(Value::Object(props)) = s.get("p") {
                    for (k, v) in props {
                        if let Some(x) = self.sample_named(v, k, stack) {
                            out.insert(k.clone(), x);
                        }
                    }
                }
                if let Some(values) = s.get("m")
                    && let Some(x) = self.sample_named(values, "key", stack)
                {
                    out.insert("key".into(), x);
                }
                Some(Value::Object(out))
            }
            _ => Some(json!({})),
        }
    }

    /// The value a freshly made object holds for an unset property of `schema`: `false`, `0`,
    /// `""`, `[]`, an enum's first value, an object of such defaults — never a placeholder.
    /// `None` (leave it out) for formatted strings (dates, emails: unset, not empty) and for
    /// what cannot be defaulted.
    pub(crate) fn default_of(&self, schema: &'a Value) -> Option<Value> {
        self.default_at(schema, "", 0)
    }

    fn default_at(&self, schema: &'a Value, name: &str, depth: usize) -> Option<Value> {
        let (s, _) = self.deref(schema);
        if depth > 4 {
            return None;
        }
        if let Some(first) = s.get("e").and_then(Value::as_array).and_then(|e| e.first()) {
            return Some(first.clone());
        }
        match s.get("t").and_then(Value::as_str)? {
            "s" if s.get("f").is_some() => None,
            // A date that is not set is absent, not an empty string.
            "s" if name.to_ascii_lowercase().contains("date") || name.ends_with("At") => None,
            "s" => Some(json!("")),
            "b" => Some(json!(false)),
            "i" | "n" => Some(json!(bound(s, "min").unwrap_or(0.0).max(0.0) as i64)),
            "a" => Some(json!([])),
            "o" => {
                let mut out = Map::new();
                for (k, v) in s.get("p").and_then(Value::as_object).into_iter().flatten() {
                    if let Some(d) = self.default_at(v, k, depth + 1) {
                        out.insert(k.clone(), d);
                    }
                }
                Some(Value::Object(out))
            }
            _ => None,
        }
    }

    /// Checks `value` against `schema`; the error names the offending place (`at`).
    /// `null` is accepted where a value is optional, as JumpCloud does.
    pub(crate) fn validate(&self, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
        self.check(schema, value, at, 0)
    }

    fn check(&self, schema: &'a Value, v: &Value, at: &str, depth: usize) -> Result<(), String> {
        let (s, _) = self.deref(schema);
        if v.is_null() || depth > MAX_DEPTH {
            return Ok(());
        }
        let ty = s.get("t").and_then(Value::as_str).unwrap_or("*");
        let ok = match ty {
            "s" => v.is_string(),
            "i" => v.is_i64() || v.is_u64(),
            "n" => v.is_number(),
            "b" => v.is_boolean(),
            "a" => v.is_array(),
            "o" => v.is_object(),
            _ => true,
        };
        if !ok {
            return Err(format!(
                "{at}: expected {}, got {}",
                type_name(ty),
                describe(v)
            ));
        }
        if let Some(values) = s.get("e").and_then(Value::as_array)
            && !values.contains(v)
        {
            let allowed: Vec<String> = values.iter().map(Value::to_string).collect();
            return Err(format!(
                "{at}: {} is not one of the allowed values {}",
                describe(v),
                allowed.join(", ")
            ));
        }
        if let Some(x) = v.as_f64() {
            if let Some(min) = bound(s, "min").filter(|m| x < *m) {
                return Err(format!("{at}: {x} is less than the minimum {min}"));
            }
            if let Some(max) = bound(s, "max").filter(|m| x > *m) {
                return Err(format!("{at}: {x} is more than the maximum {max}"));
            }
        }
        if let Some(text) = v.as_str() {
            if let Some(format) = s.get("f").and_then(Value::as_str)
                && let Some(want) = format_error(format, text)
            {
                return Err(format!("{at}: expected {want}, got {}", describe(v)));
            }
            let len = text.chars().count() as f64;
            if let Some(min) = bound(s, "minl").filter(|m| len < *m) {
                return Err(format!("{at}: must be at least {min} characters long"));
            }
            if let Some(max) = bound(s, "maxl").filter(|m| len > *m) {
                return Err(format!("{at}: must be at most {max} characters long"));
            }
        }
        match v {
            Value::Array(items) => {
                let item_schema = s.get("i").unwrap_or(&Value::Null);
                for (i, item) in items.iter().enumerate() {
                    if item.is_null() {
                        return Err(format!("{at}[{i}]: null is not allowed in this list"));
                    }
                    self.check(item_schema, item, &format!("{at}[{i}]"), depth + 1)?;
                }
            }
            Value::Object(fields) => {
                let read_only = |k: &str| {
                    s.get("ro")
                        .and_then(Value::as_array)
                        .is_some_and(|r| r.iter().any(|x| x == k))
                };
                for name in s.get("r").and_then(Value::as_array).into_iter().flatten() {
                    let Some(name) = name.as_str() else { continue };
                    if !read_only(name) && fields.get(name).is_none_or(Value::is_null) {
                        return Err(format!("{at}.{name} is required"));
                    }
                }
                let props = s.get("p").and_then(Value::as_object);
                let map_values = s.get("m");
                for (k, x) in fields {
                    let place = format!("{at}.{k}");
                    match (props.and_then(|p| p.get(k)), map_values) {
                        (Some(p), _) => self.check(p, x, &place, depth + 1)?,
                        (None, Some(m)) => self.check(m, x, &place, depth + 1)?,
                        // Unknown fields are ignored, as JumpCloud does.
                        (None, None) => {}
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// A parameter's text as the JSON value its schema calls for, then validated:
    /// `limit=abc` for an integer is a 400, not a silent default.
    pub(crate) fn parameter(&self, schema: &Value, raw: &[&str], at: &str) -> Result<(), String> {
        let (s, _) = self.deref(schema);
        let ty = s.get("t").and_then(Value::as_str).unwrap_or("*");
        let value = if ty == "a" {
            let item = s.get("i").unwrap_or(&Value::Null);
            let (item, _) = self.deref(item);
            // Arrays come as repeated parameters, or comma-separated in one.
            let parts: Vec<Value> = raw
                .iter()
                .flat_map(|r| r.split(','))
                .map(|p| typed(item, p, at))
                .collect::<Result<_, _>>()?;
            Value::Array(parts)
        } else {
            typed(s, raw.first().copied().unwrap_or(""), at)?
        };
        self.validate(schema, &value, at)
    }
}

/// What a string of this `format` should look like, when `text` is not that; `None` when it
/// is, or for formats the sandbox does not check.
fn format_error(format: &str, text: &str) -> Option<&'static str> {
    let ok = match format {
        "date-time" => is_date_time(text),
        "date" => is_date(text),
        "email" => is_email(text),
        "uuid" => is_uuid(text),
        _ => return None,
    };
    (!ok).then_some(match format {
        "date-time" => "a date-time (RFC 3339, such as 2026-01-01T00:00:00Z)",
        "date" => "a date (YYYY-MM-DD)",
        "email" => "an email address",
        _ => "a UUID (8-4-4-4-12 hexadecimal digits)",
    })
}

/// `YYYY-MM-DD`, with a month and day in range.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !digits(0..4)
        || !digits(5..7)
        || !digits(8..10)
    {
        return false;
    }
    let month: u32 = s[5..7].parse().unwrap_or(0);
    let day: u32 = s[8..10].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// RFC 3339: a date, `T`, `HH:MM:SS`, optional fraction, and `Z` or an offset.
fn is_date_time(s: &str) -> bool {
    let Some((date, time)) = s.split_once(['T', 't']) else {
        return false;
    };
    let clock = |t: &str| {
        let b = t.as_bytes();
        b.len() == 8
            && b[2] == b':'
            && b[5] == b':'
            && [0, 1, 3, 4, 6, 7].iter().all(|&i| b[i].is_ascii_digit())
            && t[0..2].parse::<u32>().is_ok_and(|h| h < 24)
            && t[3..5].parse::<u32>().is_ok_and(|m| m < 60)
            && t[6..8].parse::<u32>().is_ok_and(|s| s <= 60)
    };
    let (rest, zone_ok) = if let Some(r) = time.strip_suffix(['Z', 'z']) {
        (r, true)
    } else if time.len() > 6 && matches!(time.as_bytes()[time.len() - 6], b'+' | b'-') {
        let (r, z) = time.split_at(time.len() - 6);
        let z = &z[1..];
        (
            r,
            z.len() == 5 && z.as_bytes()[2] == b':' && clock(&format!("{z}:00")),
        )
    } else {
        (time, false)
    };
    let (hms, frac) = rest.split_once('.').unwrap_or((rest, "0"));
    is_date(date)
        && zone_ok
        && clock(hms)
        && !frac.is_empty()
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// `local@domain.tld`, without spaces.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
        && !domain.contains('@')
}

/// `8-4-4-4-12` hexadecimal digits.
fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// Parameter text as the scalar its schema wants.
fn typed(s: &Value, raw: &str, at: &str) -> Result<Value, String> {
    let ty = s.get("t").and_then(Value::as_str).unwrap_or("*");
    match ty {
        "i" => raw
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("{at}: expected an integer, got {raw:?}")),
        "n" => raw
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Value::from)
            .ok_or_else(|| format!("{at}: expected a number, got {raw:?}")),
        "b" => match raw.trim() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("{at}: expected true or false, got {raw:?}")),
        },
        _ => Ok(Value::String(raw.to_owned())),
    }
}

fn bound(s: &Value, key: &str) -> Option<f64> {
    s.get(key).and_then(Value::as_f64)
}

fn type_name(ty: &str) -> &'static str {
    match ty {
        "s" => "a string",
        "i" => "an integer",
        "n" => "a number",
        "b" => "true or false",
        "a" => "an array",
        "o" => "an object",
        _ => "a value",
    }
}

fn describe(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 40 {
        format!("{}...", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}

/// `users` -> `user`, for the name of an array's item.
fn singular(name: &str) -> &str {
    name.strip_suffix('s')
        .filter(|s| !s.is_empty())
        .unwrap_or(name)
}

/// A string for a property called `name`: by format, else by what the name says.
fn sample_string(s: &Value, name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let text = match s.get("f").and_then(Value::as_str) {
        Some("date-time") => "2026-01-01T00:00:00.000Z".to_owned(),
        Some("date") => "2026-01-01".to_owned(),
        Some("email") => "user@example.com".to_owned(),
        Some("uuid") => "00000000-0000-4000-8000-000000000000".to_owned(),
        Some("uri" | "url") => "https://example.com/".to_owned(),
        Some("binary" | "byte") => String::new(),
        _ if lower == "_id" || lower == "id" || lower.ends_with("_id") || name.ends_with("Id") => {
            object_id(name)
        }
        _ if lower.contains("email") => "user@example.com".to_owned(),
        _ => name.to_owned(),
    };
    let min = bound(s, "minl").map_or(0, |m| m as usize);
    let max = bound(s, "maxl").map_or(usize::MAX, |m| m as usize);
    let mut text: String = text.chars().take(max).collect();
    while text.chars().count() < min {
        text.push('x');
    }
    text
}

/// A stable 24-hex id derived from a name (FNV-1a), in JumpCloud's id form.
fn object_id(name: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("5f00{:04x}{h:016x}", (h >> 48) as u16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jumpcloud::spec::spec;

    #[test]
    fn every_response_and_body_sample_validates_against_its_schema() {
        let spec = spec();
        for op in spec.ops() {
            if let super::super::spec::Reply::Json(schema) = &op.reply {
                let s = Schemas::new(spec, op.api);
                let v = s.sample(schema);
                s.validate(schema, &v, "response")
                    .unwrap_or_else(|e| panic!("{}: {e}", op.id));
            }
            if let Some(body) = op.body.as_ref().filter(|b| b.json) {
                let s = Schemas::new(spec, op.api);
                let v = s.sample(&body.schema);
                s.validate(&body.schema, &v, "body")
                    .unwrap_or_else(|e| panic!("{} body: {e}", op.id));
            }
        }
    }

    #[test]
    fn validation_names_the_bad_place() {
        let spec = spec();
        let s = Schemas::new(spec, Api::V1);
        let schema = json!({"t": "o", "r": ["name"], "p": {"name": {"t": "s", "maxl": 3},
            "tags": {"t": "a", "i": {"t": "i", "min": 1}}, "kind": {"t": "s", "e": ["a", "b"]}}});
        assert_eq!(
            s.validate(&schema, &json!({}), "body").unwrap_err(),
            "body.name is required"
        );
        assert_eq!(
            s.validate(&schema, &json!({"name": "toolong"}), "body")
                .unwrap_err(),
            "body.name: must be at most 3 characters long"
        );
        assert_eq!(
            s.validate(&schema, &json!({"name": "x", "tags": [1, "2"]}), "body")
                .unwrap_err(),
            "body.tags[1]: expected an integer, got \"2\""
        );
        assert_eq!(
            s.validate(&schema, &json!({"name": "x", "tags": [0]}), "body")
                .unwrap_err(),
            "body.tags[0]: 0 is less than the minimum 1"
        );
        assert!(
            s.validate(&schema, &json!({"name": "x", "kind": "c"}), "body")
                .unwrap_err()
                .contains("not one of the allowed values \"a\", \"b\"")
        );
        s.validate(
            &schema,
            &json!({"name": "x", "extra": 1, "kind": null}),
            "body",
        )
        .unwrap();
        assert_eq!(
            s.parameter(&json!({"t": "i"}), &["ten"], "limit")
                .unwrap_err(),
            "limit: expected an integer, got \"ten\""
        );
        s.parameter(&json!({"t": "a", "i": {"t": "s"}}), &["a", "b,c"], "fields")
            .unwrap();
    }

    #[test]
    fn samples_are_deterministic_and_shaped_by_names() {
        let spec = spec();
        let s = Schemas::new(spec, Api::V1);
        let schema = json!({"t": "o", "p": {"_id": {"t": "s"}, "email": {"t": "s"},
            "created": {"t": "s", "f": "date-time"}, "n": {"t": "i", "min": 5}}});
        let a = s.sample(&schema);
        assert_eq!(a, s.sample(&schema));
        assert_eq!(a["_id"].as_str().unwrap().len(), 24);
        assert_eq!(a["email"], "user@example.com");
        assert_eq!(a["n"], 5);
    }
}

#[cfg(test)]
mod format_tests {
    use super::*;

    #[test]
    fn formats_are_checked() {
        for ok in [
            "2026-01-01T00:00:00Z",
            "2026-12-31T23:59:59.123+05:30",
            "2026-01-01t00:00:00z",
        ] {
            assert!(is_date_time(ok), "{ok}");
        }
        for bad in [
            "2026-01-01",
            "2026-01-01T00:00:00",
            "2026-13-01T00:00:00Z",
            "2026-01-01T25:00:00Z",
            "2026-01-01T00:00:00.Z",
            "yesterday",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
        assert!(is_date("2026-02-28") && !is_date("2026-2-28") && !is_date("2026-00-10"));
        assert!(is_email("a.b@example.com") && !is_email("a b@example.com"));
        assert!(!is_email("ab@localhost") && !is_email("@example.com") && !is_email("a@b@c.d"));
        assert!(is_uuid("00000000-0000-4000-8000-00000000000a"));
        assert!(!is_uuid("00000000000040008000000000000000"));
        assert_eq!(
            format_error("date-time", "2026-01-01"),
            Some("a date-time (RFC 3339, such as 2026-01-01T00:00:00Z)")
        );
        assert_eq!(format_error("hostname", "anything"), None);
    }
}
