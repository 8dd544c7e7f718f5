//! The stateful core: system users, systems and organisations (v1); user groups, system groups
//! and the graph between them (v2). Requests reach these handlers already authenticated and
//! checked against the operation's schemas.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::attributes;
use super::defaults::Template;
use super::kind::DIRECTORIES;
use super::listing::{Listing, json, paging};
use super::store::{Hop, JcStore, Kind, Refusal};
use super::{Call, error};

/// A stateful handler.
pub(crate) type Handler = fn(&Call) -> Response;

/// The handler of an operation of the stateful core.
pub(crate) fn stateful(op: &str) -> Option<Handler> {
    if let Some(graph) = op.strip_prefix("graph_") {
        return graph_handler(graph);
    }
    Some(match op {
        "systemusers_list" => list_users,
        "search_systemusers_post" => list_users,
        "systemusers_get" => get_user,
        "systemusers_post" => create_user,
        "systemusers_put" => update_user,
        "systemusers_delete" => delete_user,
        "systemusers_expire"
        | "systemusers_unlock"
        | "systemusers_state_activate"
        | "systemusers_resetmfa" => user_action,
        "systems_list" | "search_systems_post" => list_systems,
        "systems_get" => get_system,
        "systems_put" => update_system,
        "systems_delete" => delete_system,
        "organization_list" => list_orgs,
        "organizations_get" => get_org,
        "groups_list" => list_all_groups,
        "directories_list" => list_directories,
        "approval_flow_settings_get" => super::approvals::settings_get,
        "approval_flow_settings_put" => super::approvals::settings_put,
        "access_request_approval_post" => super::approvals::decide,
        "access_request_progress_get" => super::approvals::progress,
        "commands_run" => super::approvals::run_command,
        "bulk_usersCreate" | "bulk_usersUpdate" => super::jobs::run,
        "bulk_usersCreateResults" => super::jobs::results,
        "command_trigger_webhook_post" => super::approvals::trigger,
        "user_totp_get" => super::approvals::totp_info,
        "groups_user_list" | "groups_system_list" | "groups_policy_list" => list_groups,
        "groups_user_get" | "groups_system_get" | "groups_policy_get" => get_group,
        "groups_user_post" | "groups_system_post" | "groups_policy_post" => create_group,
        "groups_user_put" | "groups_system_put" | "groups_policy_put" => update_group,
        "groups_user_delete" | "groups_system_delete" | "groups_policy_delete" => delete_group,
        _ => return None,
    })
}

/// The graph operations of every type, by what their id says they do
/// (`graph_policyGroupMembersList`, `graph_applicationTraverseUserGroup`, ...).
fn graph_handler(op: &str) -> Option<Handler> {
    Some(if op.ends_with("MembersList") {
        list_members
    } else if op.ends_with("MembersPost") {
        change_members
    } else if op.ends_with("Membership") {
        membership
    } else if op.ends_with("MemberOf") {
        member_of
    } else if op.ends_with("AssociationsList") {
        list_associations
    } else if op.ends_with("AssociationsPost") {
        change_associations
    } else if op.contains("Traverse") {
        traverse
    } else {
        return None;
    })
}

fn refused((status, message): Refusal) -> Response {
    error(status, message)
}

fn not_found() -> Response {
    error(404, "Not Found")
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
    let listing = listing.complete(Template::User);
    if listing.is_plain() {
        // Start at `skip` without walking the records before it.
        let (limit, skip) = paging;
        return listing.page(store.users_from(skip), store.user_count(), (limit, 0));
    }
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
        Some(u) => fields_of(call, &Template::User.complete(u)),
        None => not_found(),
    }
}

/// A changed or deleted record's answer: whole, or the store's refusal.
fn answer(result: Result<Value, Refusal>, t: Template) -> Response {
    match result {
        Ok(v) => json(t.complete_value(v)),
        Err(e) => refused(e),
    }
}

fn create_user(call: &Call) -> Response {
    answer(
        call.org().lock().create_user(call.body.clone()),
        Template::User,
    )
}

fn update_user(call: &Call) -> Response {
    answer(
        call.org().lock().update_user(call.id(), call.body.clone()),
        Template::User,
    )
}

fn delete_user(call: &Call) -> Response {
    answer(call.org().lock().delete_user(call.id()), Template::User)
}

/// `POST /systemusers/{id}/expire`, `…/unlock`, `…/state/activate`, `…/resetmfa`: the change
/// each makes to the user, kept; the answer is the operation's own (a text).
fn user_action(call: &Call) -> Response {
    let changes = match call.op.id.as_str() {
        "systemusers_expire" => json!({"password_expired": true}),
        "systemusers_unlock" => json!({"account_locked": false}),
        "systemusers_state_activate" => json!({"state": "ACTIVATED", "activated": true}),
        _ => {
            let exclusion = call.body.get("exclusion").cloned().unwrap_or(json!(false));
            json!({"mfa": {"configured": false, "exclusion": exclusion}, "totp_enabled": false})
        }
    };
    let mut store = call.org().lock();
    match store.change_user(call.id(), changes) {
        Ok(()) => {
            drop(store);
            super::generic::answer(call)
        }
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
    listing
        .complete(Template::System)
        .page(store.systems(), total, paging)
}

fn get_system(call: &Call) -> Response {
    let store = call.org().lock();
    match store.system(call.id()) {
        Some(s) => fields_of(call, &Template::System.complete(s)),
        None => not_found(),
    }
}

fn update_system(call: &Call) -> Response {
    answer(
        call.org()
            .lock()
            .update_system(call.id(), call.body.clone()),
        Template::System,
    )
}

fn delete_system(call: &Call) -> Response {
    answer(call.org().lock().delete_system(call.id()), Template::System)
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

/// The group kind of an operation on `/usergroups`, `/systemgroups` or `/policygroups`.
fn group_kind(call: &Call) -> Kind {
    call.op
        .collection()
        .and_then(Kind::from_plural)
        .filter(|k| k.is_group())
        .unwrap_or(Kind::UserGroup)
}

/// A page of groups, selected, sorted and projected by the one listing engine.
fn group_page<'r>(call: &Call, groups: impl Iterator<Item = &'r Map<String, Value>>) -> Response {
    let paging = match paging(call) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let listing = match Listing::from(call, &["name", "description"]) {
        Ok(l) => l,
        Err(r) => return r,
    };
    // `GET /groups` mixes two kinds: each group is answered by its own template.
    let groups: Vec<Map<String, Value>> = groups.map(|g| group_template(g).complete(g)).collect();
    listing.array(groups.iter(), paging)
}

/// A group record's template, by its `type` (every group record has one).
fn group_template(g: &Map<String, Value>) -> Template {
    match g.get("type").and_then(Value::as_str) {
        Some("system_group") => Template::SystemGroup,
        Some("policy_group") => Template::PolicyGroup,
        _ => Template::UserGroup,
    }
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
        Some(g) => json(Value::Object(group_template(g).complete(g))),
        None => not_found(),
    }
}

fn create_group(call: &Call) -> Response {
    match call
        .org()
        .lock()
        .create_group(group_kind(call), call.body.clone())
    {
        Ok(g) => (StatusCode::CREATED, axum::Json(complete_group(g))).into_response(),
        Err(e) => refused(e),
    }
}

fn update_group(call: &Call) -> Response {
    let result = call
        .org()
        .lock()
        .update_group(group_kind(call), call.id(), call.body.clone());
    match result {
        Ok(g) => json(complete_group(g)),
        Err(e) => refused(e),
    }
}

fn delete_group(call: &Call) -> Response {
    match call.org().lock().delete_group(group_kind(call), call.id()) {
        Ok(g) => json(complete_group(g)),
        Err(e) => refused(e),
    }
}

/// A group answered whole.
fn complete_group(g: Value) -> Value {
    match g {
        Value::Object(m) => Value::Object(group_template(&m).complete(&m)),
        other => other,
    }
}

// ---- v2 graph ------------------------------------------------------------------------------

fn object(id: &str, kind: Kind) -> Value {
    json!({"id": id, "type": kind.wire(), "attributes": {}})
}

/// A graph connection to `to`, with the attributes of its edge (none for a membership).
fn connection(
    from: Option<(&str, Kind)>,
    to: (&str, Kind),
    attributes: Option<&Map<String, Value>>,
) -> Value {
    let attributes = attributes.cloned().unwrap_or_default();
    let mut c = json!({"to": object(to.0, to.1), "attributes": attributes});
    if let Some((id, kind)) = from {
        c["from"] = object(id, kind);
    }
    c
}

/// An object reached through the graph, with every path to it and the attributes compiled
/// over them.
fn with_paths(store: &JcStore, id: &str, kind: Kind, paths: &[Vec<Hop>]) -> Value {
    let compiled = attributes::compiled(store, paths);
    let paths: Vec<Value> = paths
        .iter()
        .map(|p| {
            Value::Array(
                p.iter()
                    .map(|(a, ak, b, bk)| {
                        connection(Some((a, *ak)), (b, *bk), store.edge_attributes(a, b))
                    })
                    .collect(),
            )
        })
        .collect();
    json!({"id": id, "type": kind.wire(), "compiledAttributes": compiled, "paths": paths})
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
            members
                .iter()
                .map(|m| connection(None, (m, member_kind), None)),
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
                    store,
                    m,
                    member_kind,
                    &[vec![(id.clone(), kind, m.clone(), member_kind)]],
                )
            }),
        )
    })
}

/// A graph operation's body must be there: the specs leave it optional, JumpCloud needs it.
/// (Its shape, when there is one, is checked against the operation's schema before this.)
fn graph_body(call: &Call, shape: &str) -> Result<(), Response> {
    if call.body.is_object() {
        Ok(())
    } else {
        Err(error(
            400,
            format!("Bad Request: the body must be a JSON object {shape}"),
        ))
    }
}

/// `POST /{usergroups|systemgroups}/{id}/members`: `{"op": "add"|"remove", "type", "id"}`.
fn change_members(call: &Call) -> Response {
    if let Err(r) = graph_body(
        call,
        r#"{"op": "add" or "remove", "type": the member type, "id": the member's id}"#,
    ) {
        return r;
    }
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
            groups.iter().map(|(g, gk)| {
                with_paths(store, g, *gk, &[vec![(id.clone(), kind, g.clone(), *gk)]])
            }),
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
                edges.push(connection(
                    None,
                    (&other, t),
                    store.edge_attributes(&id, &other),
                ));
            }
        }
        graph_page(call, edges.into_iter())
    })
}

/// `POST /{collection}/{id}/associations`: `{"op": "add"|"remove"|"update", "type", "id"}`,
/// and `attributes` (sudo on a user–system edge) kept with an `add` and replaced by an
/// `update` that sends them.
fn change_associations(call: &Call) -> Response {
    if let Err(r) = graph_body(
        call,
        r#"{"op": "add", "remove" or "update", "type": the other object's type, "id": its id}"#,
    ) {
        return r;
    }
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
            Some("add") => {
                store.associate(&id, other);
                store.set_edge_attributes(&id, other, sent_attributes(call).unwrap_or_default());
            }
            Some("remove") => store.dissociate(&id, other),
            Some("update") if !exists => return not_found(),
            Some("update") => {
                if let Some(attributes) = sent_attributes(call) {
                    store.set_edge_attributes(&id, other, attributes);
                }
            }
            _ => {}
        }
        StatusCode::NO_CONTENT.into_response()
    })
}

/// The `attributes` of a graph operation's body, when it sends them.
fn sent_attributes(call: &Call) -> Option<Map<String, Value>> {
    call.body
        .get("attributes")
        .and_then(Value::as_object)
        .cloned()
}

/// `GET /{collection}/{id}/{targets}`: the objects bound through the graph, with their paths.
/// `…/directories` answers every directory type (Active Directory, G Suite, LDAP, Office 365).
fn traverse(call: &Call) -> Response {
    on_subject(call, |store, id, _| {
        let targets: Vec<Kind> = match call.op.last_literal() {
            Some("directories") => DIRECTORIES.to_vec(),
            Some(plural) => Kind::from_plural(plural).into_iter().collect(),
            None => Vec::new(),
        };
        if targets.is_empty() {
            return not_found();
        }
        let found = store.traverse(&id, &targets);
        graph_page(
            call,
            found
                .iter()
                .map(|(other, (kind, paths))| with_paths(store, other, *kind, paths)),
        )
    })
}

/// `GET /directories`: the organisation's directories of every type.
fn list_directories(call: &Call) -> Response {
    let store = call.org().lock();
    let mut dirs: Vec<Map<String, Value>> = Vec::new();
    for kind in DIRECTORIES {
        for (id, fields) in store.objects_of_kind(kind) {
            let name = fields.get("name").cloned().unwrap_or(json!(kind.wire()));
            let mut d = Map::new();
            d.insert("id".into(), json!(id));
            d.insert("name".into(), name);
            d.insert("type".into(), json!(kind.wire()));
            dirs.push(d);
        }
    }
    match (paging(call), Listing::from(call, &["name"])) {
        (Ok(p), Ok(l)) => l.array(dirs.iter(), p),
        (Err(r), _) | (_, Err(r)) => r,
    }
}
