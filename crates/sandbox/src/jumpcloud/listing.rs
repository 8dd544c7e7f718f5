//! The listing machinery of the JumpCloud half: `limit`/`skip` paging, v1 `filter` and
//! `search` (query and body forms), v2 `filter` arrays read into the same conditions, `sort` and
//! `fields` projection — one evaluator for every listing.

use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::defaults::Template;
use super::spec::Api;
use super::{Call, error};

/// A 200 answer with this JSON body.
pub(super) fn json(v: Value) -> Response {
    axum::Json(v).into_response()
}

/// `limit` (default [`DEFAULT_LIMIT`](super::DEFAULT_LIMIT), at most 100) and `skip` (default
/// 0), as JumpCloud checks them.
pub(super) fn paging(call: &Call) -> Result<(usize, usize), Response> {
    let num = |name: &str, default: usize| -> Result<usize, Response> {
        match call.query(name).map(str::trim) {
            None | Some("") => Ok(default),
            Some(v) => v.parse().map_err(|_| {
                error(
                    400,
                    format!("Bad Request: {name} must be a non-negative integer, got {v:?}"),
                )
            }),
        }
    };
    let limit = num("limit", super::DEFAULT_LIMIT)?;
    if limit > 100 {
        return Err(error(
            400,
            format!("Bad Request: limit must be less than or equal to 100, got {limit}"),
        ));
    }
    Ok((limit, num("skip", 0)?))
}

/// A v1 condition on one field.
pub(super) struct Cond {
    field: String,
    op: String,
    value: Value,
}

/// v1 `filter` query parameters, in JumpCloud's documented forms: `filter=field:$op:value`
/// (repeated or comma-joined) and `filter[N]=…` are ANDed; `filter[or][N]=…` are ORed (a record
/// needs one of them). Returns (all of, any of).
pub(super) fn query_filters(call: &Call) -> Result<(Vec<Cond>, Vec<Cond>), Response> {
    let (mut all, mut any) = (Vec::new(), Vec::new());
    for (key, value) in &call.query {
        let Some(rest) = key.strip_prefix("filter") else {
            continue;
        };
        let index = |s: &str| {
            s.strip_prefix('[')
                .and_then(|s| s.strip_suffix(']'))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        };
        if rest.is_empty() {
            for f in value.split(',').filter(|f| !f.is_empty()) {
                all.push(cond(f)?);
            }
        } else if index(rest) || rest.strip_prefix("[and]").is_some_and(index) {
            all.push(cond(value)?);
        } else if rest.strip_prefix("[or]").is_some_and(index) {
            any.push(cond(value)?);
        } else {
            return Err(error(
                400,
                format!(
                    "Bad Request: unknown filter parameter {key:?}: use filter, filter[N] (all must hold) or filter[or][N] (one must hold)"
                ),
            ));
        }
    }
    Ok((all, any))
}

/// One `field:$op:value` condition.
fn cond(f: &str) -> Result<Cond, Response> {
    let mut parts = f.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (
            Some(field),
            Some(op @ ("$eq" | "$ne" | "$gt" | "$gte" | "$lt" | "$lte")),
            Some(value),
        ) => Ok(Cond {
            field: field.to_owned(),
            op: op.to_owned(),
            value: Value::String(value.to_owned()),
        }),
        _ => Err(error(
            400,
            format!(
                "Bad Request: invalid filter {f:?}: expected field:$op:value with $eq, $ne, $gt, $gte, $lt or $lte"
            ),
        )),
    }
}

/// A field's value as text, for comparisons (`true`, `42`, or the string itself).
pub(super) fn text(record: &Map<String, Value>, field: &str) -> String {
    texts(record, None, field)
        .into_iter()
        .next()
        .unwrap_or_default()
}

/// The defaults a record is answered with, for the properties it lacks (see [`Template`]).
type Defaults<'a> = Option<&'a Map<String, Value>>;

/// Every value a field names, as text: a dotted field (`addresses.country`) goes into objects
/// and across lists, so it may name several values (one per address), or none (`[""]`).
fn texts(record: &Map<String, Value>, defaults: Defaults, field: &str) -> Vec<String> {
    fn walk<'v>(v: &'v Value, path: &[&str], out: &mut Vec<&'v Value>) {
        match (v, path.split_first()) {
            (Value::Array(items), _) if !path.is_empty() => {
                items.iter().for_each(|i| walk(i, path, out));
            }
            (_, None) => out.push(v),
            (Value::Object(m), Some((head, rest))) => {
                if let Some(next) = m.get(*head) {
                    walk(next, rest, out);
                }
            }
            _ => {}
        }
    }
    // A property the record lacks is seen at its default, as the answer shows it.
    let get = |k: &str| record.get(k).or_else(|| defaults.and_then(|d| d.get(k)));
    let mut found = Vec::new();
    match get(field) {
        // A key that holds a dot itself wins over a path.
        Some(v) => found.push(v),
        None => {
            let path: Vec<&str> = field.split('.').collect();
            if let Some(first) = get(path[0]) {
                walk(first, &path[1..], &mut found);
            }
        }
    }
    let mut out: Vec<String> = found
        .into_iter()
        .filter(|v| !v.is_null())
        .map(value_text)
        .collect();
    if out.is_empty() {
        out.push(String::new());
    }
    out
}

pub(super) fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Whether a condition holds: for a field naming several values (a dotted field across a
/// list), `$ne` must hold for all of them and any other operator for one.
pub(super) fn holds(record: &Map<String, Value>, defaults: Defaults, c: &Cond) -> bool {
    let want = value_text(&c.value);
    let one = |actual: &String| match c.op.as_str() {
        "$eq" => *actual == want,
        "$ne" => *actual != want,
        "$gt" => *actual > want,
        "$gte" => *actual >= want,
        "$lt" => *actual < want,
        "$lte" => *actual <= want,
        "$in" => c
            .value
            .as_array()
            .is_some_and(|vs| vs.iter().any(|v| value_text(v) == *actual)),
        // `$regex` is matched as a case-insensitive substring: enough for search boxes.
        "$regex" => actual.to_lowercase().contains(&want.to_lowercase()),
        _ => false,
    };
    let actual = texts(record, defaults, &c.field);
    if c.op == "$ne" {
        actual.iter().all(one)
    } else {
        actual.iter().any(one)
    }
}

/// The `filter` object of `POST /search/...`: `{"and": [...]}`, `{"or": [...]}`, and
/// `{"field": value}` or `{"field": {"$op": value}}` terms.
pub(super) fn body_filter(
    filter: &Value,
    record: &Map<String, Value>,
    defaults: Defaults,
) -> Result<bool, String> {
    let Value::Object(terms) = filter else {
        return Err("filter must be an object".into());
    };
    for (key, v) in terms {
        let ok = match (key.as_str(), v) {
            ("and", Value::Array(all)) => all
                .iter()
                .map(|f| body_filter(f, record, defaults))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .all(|b| b),
            ("or", Value::Array(any)) => any
                .iter()
                .map(|f| body_filter(f, record, defaults))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .any(|b| b),
            ("and" | "or", _) => return Err(format!("filter.{key} must be an array")),
            (field, Value::Object(ops)) => ops.iter().all(|(op, value)| {
                holds(
                    record,
                    defaults,
                    &Cond {
                        field: field.to_owned(),
                        op: op.clone(),
                        value: value.clone(),
                    },
                )
            }),
            (field, value) => texts(record, defaults, field).contains(&value_text(value)),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A text search: `searchTerm` (a string or strings) in any of `fields`, case-insensitively.
pub(super) struct Search {
    terms: Vec<String>,
    fields: Vec<String>,
}

impl Search {
    pub(super) fn from(value: &Value, default_fields: &[&str]) -> Option<Search> {
        let terms: Vec<String> = match value.get("searchTerm") {
            Some(Value::String(s)) => vec![s.to_lowercase()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_lowercase)
                .collect(),
            _ => return None,
        };
        let fields = value
            .get("fields")
            .and_then(Value::as_array)
            .map(|f| {
                f.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .filter(|f: &Vec<String>| !f.is_empty())
            .unwrap_or_else(|| default_fields.iter().map(|s| (*s).to_owned()).collect());
        Some(Search { terms, fields })
    }

    pub(super) fn matches(&self, record: &Map<String, Value>) -> bool {
        self.terms.iter().any(|t| {
            self.fields
                .iter()
                .any(|f| text(record, f).to_lowercase().contains(t))
        })
    }
}

/// `sort`: field names separated by spaces or commas, `-` before one for descending order.
pub(super) fn sort_keys(call: &Call) -> Vec<(String, bool)> {
    call.query("sort")
        .unwrap_or("")
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .map(|s| match s.strip_prefix('-') {
            Some(f) => (f.to_owned(), true),
            None => (s.to_owned(), false),
        })
        .collect()
}

/// How a v1 listing selects, orders and shapes records.
pub(super) struct Listing {
    conds: Vec<Cond>,
    /// `filter[or][N]`: at least one must hold (when there are any).
    any: Vec<Cond>,
    filter: Option<Value>,
    search: Option<Search>,
    sort: Vec<(String, bool)>,
    fields: Vec<String>,
    /// Answers carry every property of the record's schema: these are the defaults of the
    /// ones a record lacks (see [`Template`]).
    defaults: Option<&'static Map<String, Value>>,
}

impl Listing {
    pub(super) fn from(call: &Call, search_fields: &[&str]) -> Result<Listing, Response> {
        let (conds, any) = match call.op.api {
            Api::V1 => query_filters(call)?,
            Api::V2 => (v2_filters(call)?, Vec::new()),
        };
        let body = &call.body;
        let filter = body.get("filter").filter(|f| !f.is_null()).cloned();
        let search = match body.get("searchFilter").filter(|f| !f.is_null()) {
            Some(sf) => Search::from(sf, search_fields),
            // GET `search`: a plain term, or the same object as JSON.
            None => call
                .query("search")
                .filter(|s| !s.is_empty())
                .and_then(|s| {
                    serde_json::from_str::<Value>(s)
                        .ok()
                        .filter(Value::is_object)
                        .and_then(|v| Search::from(&v, search_fields))
                        .or_else(|| Search::from(&json!({"searchTerm": s}), search_fields))
                }),
        };
        let sort = sort_keys(call);
        let fields_text = call
            .query("fields")
            .map(str::to_owned)
            .or_else(|| {
                body.get("fields")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        let fields = fields_text
            .split([' ', ','])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        Ok(Listing {
            conds,
            any,
            filter,
            search,
            sort,
            fields,
            defaults: None,
        })
    }

    /// Answers each record whole (see [`Template`]).
    pub(super) fn complete(self, t: Template) -> Self {
        self.with_defaults(t.defaults())
    }

    /// Answers each record with these defaults for the properties it lacks.
    pub(super) fn with_defaults(mut self, defaults: &'static Map<String, Value>) -> Self {
        self.defaults = Some(defaults);
        self
    }

    /// Whether a record is selected. Conditions see a property the record lacks at its
    /// default, as the answer shows it.
    pub(super) fn selects(&self, record: &Map<String, Value>) -> Result<bool, String> {
        let d = self.defaults;
        if !self.conds.iter().all(|c| holds(record, d, c)) {
            return Ok(false);
        }
        if !self.any.is_empty() && !self.any.iter().any(|c| holds(record, d, c)) {
            return Ok(false);
        }
        if let Some(s) = &self.search
            && !s.matches(record)
        {
            return Ok(false);
        }
        match &self.filter {
            Some(f) => body_filter(f, record, d),
            None => Ok(true),
        }
    }

    pub(super) fn project(&self, record: &Map<String, Value>) -> Value {
        let whole;
        let record = match self.defaults {
            Some(d) => {
                whole = complete_with(record, d);
                &whole
            }
            None => record,
        };
        if self.fields.is_empty() {
            return Value::Object(record.clone());
        }
        Value::Object(
            record
                .iter()
                .filter(|(k, _)| *k == "_id" || self.fields.iter().any(|f| f == *k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )
    }

    /// Whether the listing takes every record in order (no filter, search or sort): a page is
    /// then a slice, and the caller may start the records at `skip` itself.
    pub(super) fn is_plain(&self) -> bool {
        self.conds.is_empty()
            && self.any.is_empty()
            && self.filter.is_none()
            && self.search.is_none()
            && self.sort.is_empty()
    }

    /// `{totalCount, results}` for one page of `records` (v1).
    pub(super) fn page<'r>(
        &self,
        records: impl Iterator<Item = &'r Map<String, Value>>,
        total_without_filter: usize,
        paging: (usize, usize),
    ) -> Response {
        #[derive(Serialize)]
        struct Page<'a> {
            results: Vec<Whole<'a>>,
            #[serde(rename = "totalCount")]
            total: usize,
        }
        match self.select(records, total_without_filter, paging) {
            Ok((records, total)) => json_bytes(&Page {
                results: records.into_iter().map(|r| self.whole(r)).collect(),
                total,
            }),
            Err(r) => r,
        }
    }

    /// One page of `records` as a JSON array (v2).
    pub(super) fn array<'r>(
        &self,
        records: impl Iterator<Item = &'r Map<String, Value>>,
        paging: (usize, usize),
    ) -> Response {
        match self.select(records, 0, paging) {
            Ok((records, _)) => {
                let page: Vec<Whole> = records.into_iter().map(|r| self.whole(r)).collect();
                json_bytes(&page)
            }
            Err(r) => r,
        }
    }

    /// A record as answered: completed and projected while it is written out.
    fn whole<'a>(&'a self, record: &'a Map<String, Value>) -> Whole<'a> {
        Whole {
            record,
            defaults: self.defaults,
            fields: &self.fields,
        }
    }

    /// The page's records and how many records were selected in all.
    fn select<'r>(
        &self,
        records: impl Iterator<Item = &'r Map<String, Value>>,
        total_without_filter: usize,
        (limit, skip): (usize, usize),
    ) -> Result<(Records<'r>, usize), Response> {
        if self.is_plain() {
            // The common case: a slice, without looking at the other records.
            return Ok((
                records.skip(skip).take(limit).collect(),
                total_without_filter,
            ));
        }
        let mut selected = Vec::new();
        for r in records {
            match self.selects(r) {
                Ok(true) => selected.push(r),
                Ok(false) => {}
                Err(e) => return Err(error(400, format!("Bad Request: {e}"))),
            }
        }
        if !self.sort.is_empty() {
            let defaults = self.defaults;
            let value = |r: &Map<String, Value>, f: &str| {
                r.get(f)
                    .or_else(|| defaults.and_then(|d| d.get(f)))
                    .map(value_text)
                    .unwrap_or_default()
            };
            selected.sort_by(|a, b| {
                self.sort
                    .iter()
                    .map(|(f, desc)| {
                        let o = value(a, f).cmp(&value(b, f));
                        if *desc { o.reverse() } else { o }
                    })
                    .find(|o| o.is_ne())
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
        }
        let total = selected.len();
        Ok((selected.into_iter().skip(skip).take(limit).collect(), total))
    }
}

/// The records of one page.
type Records<'r> = Vec<&'r Map<String, Value>>;

/// A 200 answer of JSON written straight from `body`.
fn json_bytes<T: Serialize>(body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            [(
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response(),
        Err(e) => error(500, format!("Internal Server Error: {e}")),
    }
}

/// A record written with its defaults merged in and its `fields` projection applied, without
/// copying it: both maps are sorted, so one merged pass writes the keys in order.
struct Whole<'a> {
    record: &'a Map<String, Value>,
    defaults: Option<&'a Map<String, Value>>,
    fields: &'a [String],
}

impl Serialize for Whole<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        use std::cmp::Ordering;
        let keep =
            |k: &str| k == "_id" || self.fields.is_empty() || self.fields.iter().any(|f| f == k);
        let mut map = s.serialize_map(None)?;
        let mut own = self.record.iter().peekable();
        let mut defaults = self.defaults.into_iter().flatten().peekable();
        loop {
            let next = match (own.peek(), defaults.peek()) {
                (Some((a, _)), Some((b, _))) => match a.cmp(b) {
                    Ordering::Less => own.next(),
                    Ordering::Greater => defaults.next(),
                    Ordering::Equal => {
                        defaults.next();
                        own.next()
                    }
                },
                (Some(_), None) => own.next(),
                (None, Some(_)) => defaults.next(),
                (None, None) => break,
            };
            if let Some((k, v)) = next
                && keep(k)
            {
                map.serialize_entry(k, v)?;
            }
        }
        map.end()
    }
}

/// The record with `defaults` for the properties it lacks.
pub(super) fn complete_with(
    record: &Map<String, Value>,
    defaults: &Map<String, Value>,
) -> Map<String, Value> {
    let mut out = record.clone();
    for (k, v) in defaults {
        if !out.contains_key(k) {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

pub(super) fn v2_filters(call: &Call) -> Result<Vec<Cond>, Response> {
    call.query_all_raw("filter")
        .into_iter()
        .map(|f| {
            let mut parts = f.splitn(3, ':');
            let (field, op, value) = (parts.next(), parts.next(), parts.next());
            let op = match op {
                Some("eq") => "$eq",
                Some("ne") => "$ne",
                Some("gt") => "$gt",
                Some("ge") => "$gte",
                Some("lt") => "$lt",
                Some("le") => "$lte",
                Some("search") => "$regex",
                Some("in") => "$in",
                _ => "",
            };
            match (field, value) {
                (Some(field), Some(value)) if !op.is_empty() => Ok(Cond {
                    field: field.to_owned(),
                    op: op.to_owned(),
                    value: if op == "$in" {
                        value.split('|').map(|v| Value::String(v.to_owned())).collect()
                    } else {
                        Value::String(value.to_owned())
                    },
                }),
                _ => Err(error(400, format!("Bad Request: invalid filter {f:?}: expected field:op:value with eq, ne, gt, ge, lt, le, search or in"))),
            }
        })
        .collect()
}
