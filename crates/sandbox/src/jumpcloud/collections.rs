//! The collections outside the stateful core, derived from the specs' paths: `POST /x` creates,
//! a `GET /x` answering a list lists, and `GET`, `PUT`, `PATCH`, `DELETE /x/{id}` read, replace,
//! patch and delete. Operations of both versions on one path shape (`/applications/{id}` in v1
//! and v2) act on one collection, so both views share one record.
//!
//! Three facts the paths cannot tell are written down here: which collections are created
//! under another path (Autotask and ConnectWise integrations, created under a provider), which
//! are keyed by a field of their own (custom emails, by `type`), and the graph type of a
//! collection (from [`Kind::from_plural`]).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::kind::Kind;
use super::schema::Schemas;
use super::spec::{Api, Op, Reply, spec};

/// What an operation does to its collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CollectionRole {
    /// `GET /x`: a page of the records (or all of them, where the operation does not page).
    List,
    /// `POST /x`: a new record.
    Create,
    /// `GET /x/{id}`.
    Read,
    /// `PUT /x/{id}`: the body replaces the record (the server keeps ids and creation data).
    Replace,
    /// `PATCH /x/{id}`: the body is merged into the record.
    Patch,
    /// `DELETE /x/{id}`: the record, the records nested under it and their edges go.
    Delete,
}

pub(crate) use CollectionRole as Role;

/// The collections the core keeps itself (users, systems, groups, organisations).
const CORE: [&str; 7] = [
    "systemusers",
    "systems",
    "users",
    "usergroups",
    "systemgroups",
    "policygroups",
    "organizations",
];

/// Paths that look like collections but are views of something else: a provider's
/// organisations are the organisations its administrators reach, not records of their own.
const NOT_RECORDS: [&str; 1] = ["providers/{}/organizations"];

/// Creations under another path: (the creating path's shape, the collection's).
const CREATED_ELSEWHERE: [(&str, &str); 2] = [
    (
        "providers/{}/integrations/autotask",
        "integrations/autotask",
    ),
    (
        "providers/{}/integrations/connectwise",
        "integrations/connectwise",
    ),
];

/// Collections whose records are named by a field of the body, not a server-assigned id.
const KEYED_BY: [(&str, &str); 1] = [("customemails", "type")];

/// Where a nested collection's parent lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parent {
    /// Another collection of this table.
    Collection(usize),
    /// An object of the core (a user, a system...).
    Core,
}

/// One collection.
#[derive(Debug)]
pub(crate) struct Collection {
    /// The path shape, parameters as `{}`: `duo/accounts/{}/applications`.
    pub(crate) shape: String,
    /// The graph type of its objects, when the graph connects them.
    pub(crate) kind: Option<Kind>,
    /// The collection or core object the path nests it in; `None` when the parent is not kept
    /// (`administrators/{id}/organizationlinks`) or there is none.
    pub(crate) parent: Option<Parent>,
    /// The collection has a create operation (else the sandbox seeds it).
    pub(crate) creatable: bool,
    /// The field unique (case-insensitively) among one parent's records: `name`, when creating
    /// requires one.
    pub(crate) unique: Option<String>,
    /// The body field that names a record (custom emails: `type`).
    pub(crate) keyed_by: Option<&'static str>,
    /// Ids are UUIDs (the item parameter is `{UUID}`), not JumpCloud's 24-hex object ids.
    pub(crate) uuid_ids: bool,
    /// The id properties records carry: `_id`, `id` or both.
    pub(crate) id_fields: Vec<&'static str>,
    /// The properties of its records' schemas (every version's), with the JSON type answers
    /// give each (see [`answer_type`]).
    pub(crate) properties: Vec<(String, Value)>,
}

/// The collections and which operation plays which role.
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) collections: Vec<Collection>,
    roles: HashMap<(Api, String), (usize, Role)>,
}

impl Table {
    /// The collection and role of an operation, when it has one.
    pub(crate) fn role(&self, op: &Op) -> Option<(usize, Role)> {
        self.roles.get(&(op.api, op.id.clone())).copied()
    }

    /// The operations of a collection in each role (for tests and examples).
    pub(crate) fn ops_of(&self, collection: usize) -> Vec<(&'static Op, Role)> {
        spec()
            .ops()
            .iter()
            .filter_map(|op| match self.role(op) {
                Some((c, role)) if c == collection => Some((op, role)),
                _ => None,
            })
            .collect()
    }

    /// The collection with this shape.
    pub(crate) fn find(&self, shape: &str) -> Option<usize> {
        self.collections.iter().position(|c| c.shape == shape)
    }
}

/// The table, derived on first use.
pub(crate) fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(derive)
}

/// The shape an operation acts on and its role there, by method and path alone.
fn shape_role(op: &Op) -> Option<(String, Role)> {
    let shape = op.shape();
    if op.id.starts_with("graph_") {
        return None;
    }
    match shape.strip_suffix("/{}") {
        Some(collection) => {
            let role = match op.method.as_str() {
                "GET" => Role::Read,
                "PUT" => Role::Replace,
                "PATCH" => Role::Patch,
                "DELETE" => Role::Delete,
                _ => return None,
            };
            Some((collection.to_owned(), role))
        }
        None => {
            let role = match (op.method.as_str(), &op.reply) {
                ("POST", Reply::Json(_)) => Role::Create,
                ("GET", Reply::Json(s)) if answers_list(op.api, s) => Role::List,
                _ => return None,
            };
            let shape = CREATED_ELSEWHERE
                .iter()
                .find(|(from, _)| *from == shape && role == Role::Create)
                .map_or(shape.clone(), |(_, to)| (*to).to_owned());
            Some((shape, role))
        }
    }
}

/// Whether a reply schema is a list: an array, or a v1 page with `results`.
fn answers_list(api: Api, schema: &Value) -> bool {
    let schemas = Schemas::new(spec(), api);
    let s = schemas.resolve(schema);
    s.get("t").and_then(Value::as_str) == Some("a") || s.pointer("/p/results").is_some()
}

fn derive() -> Table {
    // Shape -> its operations' roles.
    let mut by_shape: Vec<(String, Vec<(&'static Op, Role)>)> = Vec::new();
    for op in spec().ops() {
        let Some((shape, role)) = shape_role(op) else {
            continue;
        };
        if CORE.contains(&shape.as_str()) || NOT_RECORDS.contains(&shape.as_str()) {
            continue;
        }
        match by_shape.iter_mut().find(|(s, _)| *s == shape) {
            Some((_, ops)) => ops.push((op, role)),
            None => by_shape.push((shape, vec![(op, role)])),
        }
    }
    // A collection lists or creates, or has two or more verbs on its items (G Suite: get,
    // patch); a path with one item verb only (`/files/command/{id}`) is an action, not one.
    by_shape.retain(|(_, ops)| {
        let item = |r: Role| matches!(r, Role::Read | Role::Replace | Role::Patch | Role::Delete);
        let has_items = ops.iter().any(|(_, r)| item(*r));
        let lists_or_creates = ops
            .iter()
            .any(|(_, r)| matches!(r, Role::List | Role::Create));
        let mut item_methods: Vec<&str> = ops
            .iter()
            .filter(|(_, r)| item(*r))
            .map(|(o, _)| o.method.as_str())
            .collect();
        item_methods.sort_unstable();
        item_methods.dedup();
        (has_items && lists_or_creates) || item_methods.len() >= 2
    });
    let shapes: Vec<String> = by_shape.iter().map(|(s, _)| s.clone()).collect();
    let mut table = Table {
        collections: Vec::new(),
        roles: HashMap::new(),
    };
    for (index, (shape, ops)) in by_shape.iter().enumerate() {
        table.collections.push(collection(shape, ops, &shapes));
        for (op, role) in ops {
            table.roles.insert((op.api, op.id.clone()), (index, *role));
        }
    }
    table
}

fn collection(shape: &str, ops: &[(&'static Op, Role)], shapes: &[String]) -> Collection {
    let parent_shape = shape
        .rsplit_once('/')
        .and_then(|(head, _)| head.strip_suffix("/{}"));
    let parent = parent_shape.and_then(|p| match shapes.iter().position(|s| s == p) {
        Some(i) => Some(Parent::Collection(i)),
        None if CORE.contains(&p) => Some(Parent::Core),
        None => None,
    });
    let create = ops
        .iter()
        .find(|(_, r)| *r == Role::Create)
        .map(|(o, _)| *o);
    let unique = create.and_then(|op| {
        let body = op.body.as_ref()?;
        Schemas::new(spec(), op.api)
            .requires(&body.schema, "name")
            .then(|| "name".to_owned())
    });
    // The record properties, from every answer that carries a record.
    let mut properties: Vec<(String, Value)> = Vec::new();
    for (op, role) in ops {
        let Reply::Json(schema) = &op.reply else {
            continue;
        };
        if *role == Role::Delete {
            continue;
        }
        let schemas = Schemas::new(spec(), op.api);
        for (name, s) in schemas.properties(schemas.record_schema(schema)) {
            if !properties.iter().any(|(n, _)| n == name) {
                properties.push((name.to_owned(), answer_type(&schemas, s, 0)));
            }
        }
    }
    let mut id_fields: Vec<&'static str> = ["_id", "id"]
        .into_iter()
        .filter(|f| properties.iter().any(|(n, _)| n == f))
        .collect();
    if id_fields.is_empty() {
        id_fields.push(if ops.iter().any(|(o, _)| o.api == Api::V2) {
            "id"
        } else {
            "_id"
        });
    }
    let item_param = ops.iter().find_map(|(o, _)| o.item_param());
    Collection {
        shape: shape.to_owned(),
        kind: Kind::from_plural(shape).filter(|k| !k.is_group()),
        parent,
        creatable: create.is_some(),
        unique,
        keyed_by: KEYED_BY.iter().find(|(s, _)| *s == shape).map(|(_, f)| *f),
        uuid_ids: item_param == Some("UUID"),
        id_fields,
        properties,
    }
}

/// The JSON type an answer gives a property, references resolved: `{"t": "a", "i": {"t": "o"}}`
/// for a list of objects (`t` is absent where the schema allows anything).
fn answer_type(schemas: &Schemas, schema: &Value, depth: usize) -> Value {
    let s = schemas.resolve(schema);
    let t = s.get("t").and_then(Value::as_str).or_else(|| {
        if s.get("p").is_some() {
            Some("o")
        } else {
            s.get("i").map(|_| "a")
        }
    });
    let mut out = Map::new();
    if let Some(t) = t {
        out.insert("t".into(), Value::from(t));
    }
    if let Some(items) = s.get("i").filter(|_| depth < 2) {
        out.insert("i".into(), answer_type(schemas, items, depth + 1));
    }
    Value::Object(out)
}

/// Whether a value has the JSON type [`answer_type`] describes (list items included).
pub(crate) fn fits(v: &Value, expected: &Value) -> bool {
    let ok = match expected.get("t").and_then(Value::as_str) {
        Some("s") => v.is_string(),
        Some("i") => v.is_i64() || v.is_u64(),
        Some("n") => v.is_number(),
        Some("b") => v.is_boolean(),
        Some("a") => v.is_array(),
        Some("o") => v.is_object(),
        _ => true,
    };
    match (v, expected.get("i")) {
        (Value::Array(items), Some(item)) => ok && items.iter().all(|x| fits(x, item)),
        _ => ok,
    }
}

/// Every property of the records an operation answers, at its default (see
/// [`Schemas::default_of`]); computed once per operation.
pub(crate) fn defaults_of(op: &Op) -> &'static Map<String, Value> {
    static DEFAULTS: OnceLock<HashMap<(Api, String), Map<String, Value>>> = OnceLock::new();
    static EMPTY: OnceLock<Map<String, Value>> = OnceLock::new();
    let all = DEFAULTS.get_or_init(|| {
        spec()
            .ops()
            .iter()
            .filter_map(|op| {
                let Reply::Json(schema) = &op.reply else {
                    return None;
                };
                let schemas = Schemas::new(spec(), op.api);
                match schemas.default_of(schemas.record_schema(schema)) {
                    Some(Value::Object(m)) => Some(((op.api, op.id.clone()), m)),
                    _ => None,
                }
            })
            .collect()
    });
    all.get(&(op.api, op.id.clone()))
        .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collections_come_from_the_paths() {
        let t = table();
        let shapes: Vec<&str> = t.collections.iter().map(|c| c.shape.as_str()).collect();
        for want in [
            "applications",
            "commands",
            "radiusservers",
            "policies",
            "iplists",
            "softwareapps",
            "duo/accounts",
            "duo/accounts/{}/applications",
            "ldapservers/{}/sambadomains",
            "gsuites",
            "office365s",
            "customemails",
            "integrations/autotask",
            "users/{}/pushendpoints",
            "authn/policies",
        ] {
            assert!(shapes.contains(&want), "{want} missing from {shapes:?}");
        }
        for not in ["systemusers", "usergroups", "files/command", "providers"] {
            assert!(!shapes.contains(&not), "{not}");
        }
        // v1 and v2 share the applications collection.
        let apps = t.find("applications").unwrap();
        let ops = t.ops_of(apps);
        assert!(ops.iter().any(|(o, _)| o.api == Api::V1));
        assert!(ops.iter().any(|(o, _)| o.api == Api::V2));
        assert_eq!(t.collections[apps].kind, Some(Kind::Application));
        let duo_apps = &t.collections[t.find("duo/accounts/{}/applications").unwrap()];
        assert_eq!(
            duo_apps.parent,
            Some(Parent::Collection(t.find("duo/accounts").unwrap()))
        );
        let autotask = &t.collections[t.find("integrations/autotask").unwrap()];
        assert!(autotask.creatable && autotask.uuid_ids);
        assert_eq!(
            t.collections[t.find("commands").unwrap()].unique.as_deref(),
            Some("name")
        );
        assert!(!t.collections[t.find("gsuites").unwrap()].creatable);
    }
}
