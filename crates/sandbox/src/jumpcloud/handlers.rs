//! The stateful core: system users, systems and organisations (v1); user groups, system groups
//! and the graph between them (v2). Requests reach these handlers already authenticated and
//! checked against the operation's schemas.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::store::{Hop, JcStore, Kind, Refusal};
use super::{Call, error};

/// A stateful handler.
pub(crate) type Handler = fn(&Call) -> Response;

/// The handler of an operation of the stateful core.
pub(crate) fn stateful(op: &str) -> Option<Handler> {
    Some(match op {
        "systemusers_list" => list_users,
        "search_systemusers_post" => list_users,
        "systemusers_get" => get_user,
        "systemusers_post" => create_user,
        "systemusers_put" => update_user,
        "systemusers_delete" => delete_user,
        "systems_list" | "search_systems_post" => list_systems,
        "systems_get" => get_system,
        "systems_put" => update_system,
        "systems_delete" => delete_system,
        "organization_list" => list_orgs,
        "organizations_get" => get_org,
        "groups_list" => list_all_groups,
        "groups_user_list" | "groups_system_list" => list_groups,
        "groups_user_get" | "groups_system_get" => get_group,
        "groups_user_post" | "groups_system_post" => create_group,
        "groups_user_put" | "groups_system_put" => update_group,
        "groups_user_delete" | "groups_system_delete" => delete_group,
        "graph_userGroupMembersList" | "graph_systemGroupMembersList" => list_members,
        "graph_userGroupMembersPost" | "graph_systemGroupMembersPost" => change_members,
        "graph_userGroupMembership" | "graph_systemGroupMembership" => membership,
        "graph_userMemberOf" | "graph_systemMemberOf" => member_of,
        "graph_userAssociationsList"
        | "graph_systemAssociationsList"
        | "graph_userGroupAssociationsList"
        | "graph_systemGroupAssociationsList" => list_associations,
        "graph_userAssociationsPost"
        | "graph_systemAssociationsPost"
        | "graph_userGroupAssociationsPost"
        | "graph_systemGroupAssociationsPost" => change_associations,
        "graph_userTraverseSystem"
        | "graph_userTraverseSystemGroup"
        | "graph_systemTraverseUser"
        | "graph_systemTraverseUserGroup"
        | "graph_userGroupTraverseSystem"
        | "graph_userGroupTraverseSystemGroup"
        | "graph_systemGroupTraverseUser"
        | "graph_systemGroupTraverseUserGroup" => traverse,
        _ => return None,
    })
}

fn refused((status, message): Refusal) -> Response {
    error(status, message)
}

fn json(v: Value) -> Response {
    axum::Json(v).into_response()
}

fn not_found() -> Response {
    error(404, "Not Found")
}

/// `limit` (default [`DEFAULT_LIMIT`](super::DEFAULT_LIMIT), at most 100) and `skip` (default
/// 0), as JumpCloud checks them.
fn paging(call: &Call) -> Result<(usize, usize), Response> {
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

// ---- v1 listing: filter, search, sort, fields ------------------------------------------------

/// A v1 condition on one field.
struct Cond {
    field: String,
    op: String,
    value: Value,
}

/// v1 `filter` query parameters: `field:$op:value`, several (repeated or comma-joined) ANDed.
fn query_filters(call: &Call) -> Result<Vec<Cond>, Response> {
    call.query_all("filter")
        .into_iter()
        .map(|f| {
            let mut parts = f.splitn(3, ':');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(field), Some(op @ ("$eq" | "$ne" | "$gt" | "$gte" | "$lt" | "$lte")), Some(value)) => Ok(Cond {
                    field: field.to_owned(),
                    op: op.to_owned(),
                    value: Value::String(value.to_owned()),
                }),
                _ => Err(error(400, format!("Bad Request: invalid filter {f:?}: expected field:$op:value with $eq, $ne, $gt, $gte, $lt or $lte"))),
            }
        })
        .collect()
}

/// A field's value as text, for comparisons (`true`, `42`, or the string itself).
fn text(record: &Map<String, Value>, field: &str) -> String {
    match record.get(field) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn holds(record: &Map<String, Value>, c: &Cond) -> bool {
    let actual = text(record, &c.field);
    let want = value_text(&c.value);
    match c.op.as_str() {
        "$eq" => actual == want,
        "$ne" => actual != want,
        "$gt" => actual > want,
        "$gte" => actual >= want,
        "$lt" => actual < want,
        "$lte" => actual <= want,
        "$in" => c
            .value
            .as_array()
            .is_some_and(|vs| vs.iter().any(|v| value_text(v) == actual)),
        // `$regex` is matched as a case-insensitive substring: enough for search boxes.
        "$regex" => actual.to_lowercase().contains(&want.to_lowercase()),
        _ => false,
    }
}

/// The `filter` object of `POST /search/...`: `{"and": [...]}`, `{"or": [...]}`, and
/// `{"field": value}` or `{"field": {"$op": value}}` terms.
fn body_filter(filter: &Value, record: &Map<String, Value>) -> Result<bool, String> {
    let Value::Object(terms) = filter else {
        return Err("filter must be an object".into());
    };
    for (key, v) in terms {
        let ok = match (key.as_str(), v) {
            ("and", Value::Array(all)) => all
                .iter()
                .map(|f| body_filter(f, record))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .all(|b| b),
            ("or", Value::Array(any)) => any
                .iter()
                .map(|f| body_filter(f, record))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .any(|b| b),
            ("and" | "or", _) => return Err(format!("filter.{key} must be an array")),
            (field, Value::Object(ops)) => ops.iter().all(|(op, value)| {
                holds(
                    record,
                    &Cond {
                        field: field.to_owned(),
                        op: op.clone(),
                        value: value.clone(),
                    },
                )
            }),
            (field, value) => text(record, field) == value_text(value),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A text search: `searchTerm` (a string or strings) in any of `fields`, case-insensitively.
struct Search {
    terms: Vec<String>,
    fields: Vec<String>,
}

impl Search {
    fn from(value: &Value, default_fields: &[&str]) -> Option<Search> {
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

    fn matches(&self, record: &Map<String, Value>) -> bool {
        self.terms.iter().any(|t| {
            self.fields
                .iter()
                .any(|f| text(record, f).to_lowercase().contains(t))
        })
    }
}

/// `sort`: field names separated by spaces or commas, `-` before one for descending order.
fn sort_keys(call: &Call) -> Vec<(String, bool)> {
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

/// Orders two records by sort keys (compared as text).
fn compare(
    keys: &[(String, bool)],
    a: &Map<String, Value>,
    b: &Map<String, Value>,
) -> std::cmp::Ordering {
    keys.iter()
        .map(|(f, desc)| {
            let o = text(a, f).cmp(&text(b, f));
            if *desc { o.reverse() } else { o }
        })
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

/// How a v1 listing selects, orders and shapes records.
struct Listing {
    conds: Vec<Cond>,
    filter: Option<Value>,
    search: Option<Search>,
    sort: Vec<(String, bool)>,
    fields: Vec<String>,
}

impl Listing {
    fn from(call: &Call, search_fields: &[&str]) -> Result<Listing, Response> {
        let conds = query_filters(call)?;
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
            filter,
            search,
            sort,
            fields,
        })
    }

    fn selects(&self, record: &Map<String, Value>) -> Result<bool, String> {
        if !self.conds.iter().all(|c| holds(record, c)) {
            return Ok(false);
        }
        if let Some(s) = &self.search
            && !s.matches(record)
        {
            return Ok(false);
        }
        match &self.filter {
            Some(f) => body_filter(f, record),
            None => Ok(true),
        }
    }

    fn project(&self, record: &Map<String, Value>) -> Value {
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

    /// `{totalCount, results}` for one page of `records`.
    fn page<'r>(
        &self,
        records: impl Iterator<Item = &'r Map<String, Value>>,
        total_without_filter: usize,
        (limit, skip): (usize, usize),
    ) -> Response {
        let plain = self.conds.is_empty() && self.filter.is_none() && self.search.is_none();
        if plain && self.sort.is_empty() {
            // The common case: a slice, without looking at the other records.
            let results: Vec<Value> = records
                .skip(skip)
                .take(limit)
                .map(|r| self.project(r))
                .collect();
            return json(json!({"totalCount": total_without_filter, "results": results}));
        }
        let mut selected = Vec::new();
        for r in records {
            match self.selects(r) {
                Ok(true) => selected.push(r),
                Ok(false) => {}
                Err(e) => return error(400, format!("Bad Request: {e}")),
            }
        }
        if !self.sort.is_empty() {
            selected.sort_by(|a, b| compare(&self.sort, a, b));
        }
        let results: Vec<Value> = selected
            .iter()
            .skip(skip)
            .take(limit)
            .map(|r| self.project(r))
            .collect();
        json(json!({"totalCount": selected.len(), "results": results}))
    }
}

// ---- v1 system users, systems, organisations --------------------------------------------------

fn list_users(call: &Call) -> Response {
    let paging = match paging(call) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let listing = match Listing::from(call, &["username", "email", "firstname", "lastname"]) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let store = call.org().lock();
    listing.page(store.users(), store.user_count(), paging)
}

fn fields_of(call: &Call, record: &Map<String, Value>) -> Response {
    match Listing::from(call, &[]) {
        Ok(l) => json(l.project(record)),
        Err(r) => r,
    }
}

fn get_user(call: &Call) -> Response {
    let store = call.org().lock();
    match store.user(call.id()) {
        Some(u) => fields_of(call, u),
        None => not_found(),
    }
}

fn create_user(call: &Call) -> Response {
    match call.org().lock().create_user(call.body.clone()) {
        Ok(u) => json(u),
        Err(e) => refused(e),
    }
}

fn update_user(call: &Call) -> Response {
    match call.org().lock().update_user(call.id(), call.body.clone()) {
        Ok(u) => json(u),
        Err(e) => refused(e),
    }
}

fn delete_user(call: &Call) -> Response {
    match call.org().lock().delete_user(call.id()) {
        Ok(u) => json(u),
        Err(e) => refused(e),
    }
}

fn list_systems(call: &Call) -> Response {
    let paging = match paging(call) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let listing = match Listing::from(call, &["displayName", "hostname", "os"]) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let store = call.org().lock();
    let total = store.systems().count();
    listing.page(store.systems(), total, paging)
}

fn get_system(call: &Call) -> Response {
    let store = call.org().lock();
    match store.system(call.id()) {
        Some(s) => fields_of(call, s),
        None => not_found(),
    }
}

fn update_system(call: &Call) -> Response {
    match call
        .org()
        .lock()
        .update_system(call.id(), call.body.clone())
    {
        Ok(s) => json(s),
        Err(e) => refused(e),
    }
}

fn delete_system(call: &Call) -> Response {
    match call.org().lock().delete_system(call.id()) {
        Ok(s) => json(s),
        Err(e) => refused(e),
    }
}

fn org_json(org: &super::Org) -> Value {
    json!({
        "_id": org.id,
        "id": org.id,
        "displayName": org.name,
        "logoUrl": "",
        "created": "2026-01-01T00:00:00.000Z",
        "settings": {"name": org.name, "passwordPolicy": {"minLength": 8}},
    })
}

/// `GET /organizations`: the organisations the key reaches.
fn list_orgs(call: &Call) -> Response {
    let (limit, skip) = match paging(call) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let orgs: Vec<&super::Org> = match call.org {
        Some(o) => vec![o],
        None => call.app.orgs.iter().collect(),
    };
    let results: Vec<Value> = orgs
        .iter()
        .skip(skip)
        .take(limit)
        .map(|o| org_json(o))
        .collect();
    json(json!({"totalCount": orgs.len(), "results": results}))
}

fn get_org(call: &Call) -> Response {
    let org = call.org();
    if call.id() != org.id {
        return not_found();
    }
    json(org_json(org))
}

// ---- v2 groups ---------------------------------------------------------------------------------

/// The group kind of an operation on `/usergroups` or `/systemgroups`.
fn group_kind(call: &Call) -> Kind {
    if call.op.id.starts_with("groups_system") || call.op.id.starts_with("graph_systemGroup") {
        Kind::SystemGroup
    } else {
        Kind::UserGroup
    }
}

/// v2 `filter`: `field:op:value` (eq, ne, gt, ge, lt, le, search, in with `|`-separated values),
/// several ANDed; read into the v1 conditions, which [`holds`] evaluates.
fn v2_filters(call: &Call) -> Result<Vec<Cond>, Response> {
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

fn group_page<'r>(call: &Call, groups: impl Iterator<Item = &'r Map<String, Value>>) -> Response {
    let (limit, skip) = match paging(call) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let filters = match v2_filters(call) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut selected: Vec<&Map<String, Value>> = groups
        .filter(|g| filters.iter().all(|c| holds(g, c)))
        .collect();
    let keys = sort_keys(call);
    if !keys.is_empty() {
        selected.sort_by(|a, b| compare(&keys, a, b));
    }
    let page: Vec<Value> = selected
        .into_iter()
        .skip(skip)
        .take(limit)
        .map(|g| Value::Object(g.clone()))
        .collect();
    json(Value::Array(page))
}

fn list_groups(call: &Call) -> Response {
    let store = call.org().lock();
    group_page(call, store.groups(group_kind(call)))
}

/// `GET /groups`: user groups and system groups together.
fn list_all_groups(call: &Call) -> Response {
    let store = call.org().lock();
    group_page(
        call,
        store
            .groups(Kind::UserGroup)
            .chain(store.groups(Kind::SystemGroup)),
    )
}

fn get_group(call: &Call) -> Response {
    match call.org().lock().group(group_kind(call), call.id()) {
        Some(g) => json(Value::Object(g.clone())),
        None => not_found(),
    }
}

fn create_group(call: &Call) -> Response {
    match call
        .org()
        .lock()
        .create_group(group_kind(call), call.body.clone())
    {
        Ok(g) => (StatusCode::CREATED, axum::Json(g)).into_response(),
        Err(e) => refused(e),
    }
}

fn update_group(call: &Call) -> Response {
    match call
        .org()
        .lock()
        .update_group(group_kind(call), call.id(), call.body.clone())
    {
        Ok(g) => json(g),
        Err(e) => refused(e),
    }
}

fn delete_group(call: &Call) -> Response {
    match call.org().lock().delete_group(group_kind(call), call.id()) {
        Ok(g) => json(g),
        Err(e) => refused(e),
    }
}

// ---- v2 graph ------------------------------------------------------------------------------

fn object(id: &str, kind: Kind) -> Value {
    json!({"id": id, "type": kind.wire(), "attributes": {}})
}

fn connection(from: Option<(&str, Kind)>, to: (&str, Kind)) -> Value {
    let mut c = json!({"to": object(to.0, to.1), "attributes": {}});
    if let Some((id, kind)) = from {
        c["from"] = object(id, kind);
    }
    c
}

fn with_paths(id: &str, kind: Kind, paths: &[Vec<Hop>]) -> Value {
    let paths: Vec<Value> = paths
        .iter()
        .map(|p| {
            Value::Array(
                p.iter()
                    .map(|(a, ak, b, bk)| connection(Some((a, *ak)), (b, *bk)))
                    .collect(),
            )
        })
        .collect();
    json!({"id": id, "type": kind.wire(), "compiledAttributes": {}, "paths": paths})
}

/// The subject of a graph operation: the kind named by the path's collection and the id in it,
/// which must exist.
fn subject(call: &Call, store: &JcStore) -> Result<(String, Kind), Response> {
    let collection = call
        .op
        .collection()
        .and_then(Kind::from_plural)
        .ok_or_else(not_found)?;
    let id = call.id().to_owned();
    if store.kind(&id) != Some(collection) {
        return Err(not_found());
    }
    Ok((id, collection))
}

/// Runs `f` with the locked store and the subject of a graph operation, or answers 404.
fn on_subject(call: &Call, f: impl FnOnce(&mut JcStore, String, Kind) -> Response) -> Response {
    let mut store = call.org().lock();
    match subject(call, &store) {
        Ok((id, kind)) => f(&mut store, id, kind),
        Err(r) => r,
    }
}

/// A page of graph results.
fn graph_page(call: &Call, items: impl Iterator<Item = Value>) -> Response {
    match paging(call) {
        Ok((limit, skip)) => json(Value::Array(items.skip(skip).take(limit).collect())),
        Err(r) => r,
    }
}

/// `GET /{usergroups|systemgroups}/{id}/members`.
fn list_members(call: &Call) -> Response {
    on_subject(call, |store, id, kind| {
        let member_kind = kind.member_kind().unwrap_or(Kind::User);
        let members = store.members_of(&id);
        graph_page(
            call,
            members.iter().map(|m| connection(None, (m, member_kind))),
        )
    })
}

/// `GET /{usergroups|systemgroups}/{id}/membership`: the members with their paths.
fn membership(call: &Call) -> Response {
    on_subject(call, |store, id, kind| {
        let member_kind = kind.member_kind().unwrap_or(Kind::User);
        let members = store.members_of(&id);
        graph_page(
            call,
            members.iter().map(|m| {
                with_paths(
                    m,
                    member_kind,
                    &[vec![(id.clone(), kind, m.clone(), member_kind)]],
                )
            }),
        )
    })
}

/// `POST /{usergroups|systemgroups}/{id}/members`: `{"op": "add"|"remove", "type", "id"}`.
fn change_members(call: &Call) -> Response {
    on_subject(call, |store, group, kind| {
        let member = call.body["id"].as_str().unwrap_or("");
        let member_kind = kind.member_kind().unwrap_or(Kind::User);
        if store.kind(member) != Some(member_kind) {
            return error(
                404,
                format!("Not Found: no {} with id {member}", member_kind.wire()),
            );
        }
        match call.body["op"].as_str() {
            Some("add") => {
                if store.groups_of(member).contains(&group) {
                    return error(
                        409,
                        "Already Exists: the object is already a member of the group",
                    );
                }
                store.add_member(&group, member);
            }
            Some("remove") => store.remove_member(&group, member),
            _ => {}
        }
        StatusCode::NO_CONTENT.into_response()
    })
}

/// `GET /{users|systems}/{id}/memberof`: the groups with their paths.
fn member_of(call: &Call) -> Response {
    on_subject(call, |store, id, kind| {
        let groups: Vec<(String, Kind)> = store
            .groups_of(&id)
            .into_iter()
            .filter_map(|g| store.kind(&g).map(|k| (g, k)))
            .collect();
        graph_page(
            call,
            groups
                .iter()
                .map(|(g, gk)| with_paths(g, *gk, &[vec![(id.clone(), kind, g.clone(), *gk)]])),
        )
    })
}

/// `GET /{collection}/{id}/associations?targets=...`: direct associations.
fn list_associations(call: &Call) -> Response {
    on_subject(call, |store, id, _| {
        // Target types the sandbox does not hold (applications, directories...) have no edges.
        let targets: Vec<Kind> = call
            .query_all("targets")
            .into_iter()
            .filter_map(Kind::from_wire)
            .collect();
        let mut edges = Vec::new();
        for t in targets {
            for other in store.associations(&id, t) {
                edges.push(connection(None, (&other, t)));
            }
        }
        graph_page(call, edges.into_iter())
    })
}

/// `POST /{collection}/{id}/associations`: `{"op": "add"|"remove"|"update", "type", "id"}`.
fn change_associations(call: &Call) -> Response {
    on_subject(call, |store, id, kind| {
        let other = call.body["id"].as_str().unwrap_or("");
        let wanted = call.body["type"].as_str().unwrap_or("");
        let Some(other_kind) = store.kind(other).filter(|k| k.wire() == wanted) else {
            return error(404, format!("Not Found: no {wanted} with id {other}"));
        };
        if !kind.associates_with(other_kind) {
            return error(
                400,
                format!(
                    "Bad Request: a {} cannot be associated with a {}",
                    kind.wire(),
                    other_kind.wire()
                ),
            );
        }
        let exists = store
            .associations(&id, other_kind)
            .iter()
            .any(|o| o == other);
        match call.body["op"].as_str() {
            Some("add") if exists => {
                return error(409, "Already Exists: the association already exists");
            }
            Some("add") => store.associate(&id, other),
            Some("remove") => store.dissociate(&id, other),
            Some("update") if !exists => return not_found(),
            _ => {}
        }
        StatusCode::NO_CONTENT.into_response()
    })
}

/// `GET /{collection}/{id}/{targets}`: the objects bound through the graph, with their paths.
fn traverse(call: &Call) -> Response {
    on_subject(call, |store, id, _| {
        let Some(target) = call.op.last_literal().and_then(Kind::from_plural) else {
            return not_found();
        };
        let found = store.traverse(&id, target);
        graph_page(
            call,
            found
                .iter()
                .map(|(other, paths)| with_paths(other, target, paths)),
        )
    })
}
