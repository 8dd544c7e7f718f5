//! The round trip over every collection the sandbox keeps beyond its core, through the client's
//! generated operations: create (or find a seeded record), read, list, update, associate and
//! delete one record of each, checking that what was sent comes back, that ids are unique, that
//! associations are seen from both ends, and that deletes stick.

use std::collections::{HashMap, HashSet};

use idm_sandbox::{CollectionRole, JumpCloudCollection, Sandbox, SandboxConfig};
use jumpcloud::Client;
use jumpcloud::catalog::{self, Location};
use serde_json::{Value, json};

#[path = "support/paths.rs"]
mod paths;
use paths::{id_of, prefix_shape};

/// The collections the specs' paths define (a new spec version may add some; none may go).
const EXPECTED: [&str; 35] = [
    "approvalflows",
    "approvalflowrequest",
    "application-templates",
    "applications",
    "commandresults",
    "commands",
    "radiusservers",
    "systemusers/{}/sshkeys",
    "activedirectories",
    "activedirectories/{}/agents",
    "administrators/{}/organizationlinks",
    "applemdms",
    "applemdms/{}/devices",
    "applemdms/{}/enrollmentprofiles",
    "authn/policies",
    "bulk/userstates",
    "customemails",
    "duo/accounts",
    "duo/accounts/{}/applications",
    "gsuites",
    "gsuites/{}/translationrules",
    "integrations/autotask",
    "integrations/connectwise",
    "iplists",
    "ldapservers",
    "ldapservers/{}/sambadomains",
    "office365s",
    "office365s/{}/translationrules",
    "policies",
    "policyresults",
    "policytemplates",
    "providers/{}/administrators",
    "softwareapps",
    "users/{}/pushendpoints",
    "workdays",
];

/// Properties whose request and response types the specs give differently: the 2026 approval
/// flows take `visibleTo` as a list of ids and answer it as a list of `{id, name}` objects.
const SPEC_DISAGREES: [(&str, &str); 1] = [("approvalflows", "visibleTo")];

struct Rt {
    client: Client,
    /// Path shape -> the id used for that path's parameter.
    ids: HashMap<String, String>,
}

/// The records of a list answer (a v2 array or a v1 page).
fn records(v: &Value) -> Vec<Value> {
    v.get("results")
        .unwrap_or(v)
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The example body of an operation with its placeholder texts (a property's own name)
/// replaced by values of this run, so that what comes back is recognisably what was sent.
fn body_for(op: &str, tag: &str) -> Value {
    let mut body = idm_sandbox::jumpcloud_example(op)
        .and_then(|ex| ex.body)
        .unwrap_or(json!({}));
    if let Value::Object(fields) = &mut body {
        for (k, v) in fields.iter_mut() {
            if v.as_str() == Some(k.as_str()) && !matches!(k.as_str(), "id" | "_id") {
                *v = json!(format!("{k} {tag}"));
            }
        }
    }
    body
}

impl Rt {
    /// Calls an operation: path parameters from `ids` (the item's from `item`), required query
    /// parameters from `query` or the sandbox's example.
    async fn call(
        &self,
        op: &str,
        item: Option<&str>,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> jumpcloud::Result<Value> {
        let operation = catalog::find(op).unwrap();
        let mut r = self.client.request(operation);
        let path_params: Vec<_> = operation
            .params
            .iter()
            .filter(|p| p.location == Location::Path)
            .collect();
        for (i, p) in path_params.iter().enumerate() {
            let value = match (item, i + 1 == path_params.len()) {
                (Some(id), true) => id.to_owned(),
                _ => prefix_shape(operation.path, p.name)
                    .and_then(|s| self.ids.get(&s).cloned())
                    .unwrap_or_else(|| panic!("{op}: no id for {}", p.name)),
            };
            r.param(p.name, value).unwrap();
        }
        for (name, value) in query {
            r.param(name, *value).unwrap();
        }
        for p in operation
            .params
            .iter()
            .filter(|p| p.location == Location::Query)
        {
            if p.required && !query.iter().any(|(n, _)| *n == p.name) {
                let ex = idm_sandbox::jumpcloud_example(op).unwrap();
                for (_, values) in ex.params.iter().filter(|(n, _)| n == p.name) {
                    for v in values {
                        r.param(p.name, v.clone()).unwrap();
                    }
                }
            }
        }
        if let Some(b) = body {
            r.json_body(b);
        }
        match operation.response {
            catalog::ResponseKind::Json => r.send_value().await,
            catalog::ResponseKind::Empty => r.send_empty().await.map(|()| Value::Null),
            _ => r.send_bytes().await.map(|_| Value::Null),
        }
    }

    /// Every record of a listing, paging by 100 where it pages.
    async fn list(&self, op: &str) -> Vec<Value> {
        let pages = catalog::find(op).unwrap().paging.is_some();
        let mut all = Vec::new();
        for page in 0.. {
            let skip = (page * 100).to_string();
            let query: Vec<(&str, &str)> = if pages {
                vec![("limit", "100"), ("skip", &skip)]
            } else {
                Vec::new()
            };
            let got = records(&self.call(op, None, &query, None).await.unwrap());
            let n = got.len();
            all.extend(got);
            if !pages || n < 100 {
                break;
            }
        }
        all
    }

    /// The id of the first record a core listing answers.
    async fn first(&self, op: &str) -> String {
        let got = self.call(op, None, &[], None).await.unwrap();
        id_of(&records(&got)[0]).unwrap()
    }
}

fn op_of(c: &JumpCloudCollection, role: CollectionRole) -> Option<String> {
    c.operations
        .iter()
        .find(|(_, r)| *r == role)
        .map(|(op, _)| op.clone())
}

/// The v2 collection of a graph type (`user_group` -> `usergroups`).
fn plural(graph_type: &str) -> String {
    match graph_type {
        "user" => "users".into(),
        "system" => "systems".into(),
        "user_group" => "usergroups".into(),
        "system_group" => "systemgroups".into(),
        other => idm_sandbox::jumpcloud_collections()
            .into_iter()
            .find(|c| c.graph_type.as_deref() == Some(other))
            .map(|c| c.path)
            .unwrap_or_else(|| panic!("no collection of {other}")),
    }
}

/// The `…/associations` listing and posting operations of a top-level collection.
fn association_ops(collection: &str) -> (String, String) {
    let find = |method: &str| {
        catalog::operations()
            .find(|o| {
                o.method == method
                    && o.id.starts_with("graph_")
                    && o.path.starts_with(&format!("/{collection}/{{"))
                    && o.path.ends_with("/associations")
            })
            .map(|o| format!("v2/{}", o.id))
            .unwrap_or_else(|| panic!("no {method} associations for {collection}"))
    };
    (find("GET"), find("POST"))
}

#[tokio::test]
async fn every_collection_round_trips_through_the_client() {
    let sb = Sandbox::start(SandboxConfig::default().users(10).systems(3).groups(4))
        .await
        .unwrap();
    let info = sb.jumpcloud_info();
    let client = Client::builder()
        .base_url(sb.base_url())
        .api_key(&info.api_key)
        .build()
        .unwrap();
    let mut rt = Rt {
        client,
        ids: HashMap::new(),
    };
    // Core objects for nesting and associations: seeded ones (the first user has push
    // endpoints); administrators and providers are not kept, any id names one.
    let user = rt.first("v1/systemusers_list").await;
    for (shape, id) in [
        ("users", user.clone()),
        ("systemusers", user.clone()),
        ("systems", rt.first("v1/systems_list").await),
        ("usergroups", rt.first("v2/groups_user_list").await),
        ("systemgroups", rt.first("v2/groups_system_list").await),
        ("administrators", "5f0000000000000000000a01".into()),
        ("providers", "5f0000000000000000000b01".into()),
    ] {
        rt.ids.insert(shape.to_owned(), id);
    }

    let mut collections = idm_sandbox::jumpcloud_collections();
    let paths: HashSet<&str> = collections.iter().map(|c| c.path.as_str()).collect();
    for want in EXPECTED {
        assert!(paths.contains(want), "collection {want} is not kept");
    }
    // Parents are made before what nests in them, and checked (and deleted) after it.
    collections.sort_by_key(|c| c.path.matches("{}").count());
    let mut seen_ids = HashSet::new();
    let mut made = Vec::new();
    for (n, c) in collections.iter().enumerate() {
        let tag = format!("rt{n}");
        // Create, or find a seeded record.
        let (id, sent) = match op_of(c, CollectionRole::Create) {
            Some(create) => {
                let body = body_for(&create, &tag);
                let answer = rt
                    .call(&create, None, &[], Some(&body))
                    .await
                    .unwrap_or_else(|e| panic!("{}: create: {e}", c.path));
                let id = id_of(&answer).unwrap_or_else(|| panic!("{}: no id in {answer}", c.path));
                (id, body)
            }
            None => {
                let found = match op_of(c, CollectionRole::List) {
                    Some(list) => rt.list(&list).await,
                    None => records(
                        &rt.call("v2/directories_list", None, &[], None)
                            .await
                            .unwrap(),
                    )
                    .into_iter()
                    .filter(|d| d["type"].as_str() == c.graph_type.as_deref())
                    .collect(),
                };
                let first = found
                    .first()
                    .unwrap_or_else(|| panic!("{}: nothing seeded", c.path));
                (id_of(first).unwrap(), json!({}))
            }
        };
        assert!(seen_ids.insert(id.clone()), "{}: id {id} reused", c.path);
        rt.ids.insert(c.path.clone(), id.clone());
        made.push((c, id, sent, tag));
    }
    let mut checked = Vec::new();
    let mut one_sided = Vec::new();
    let (mut updates_seen, mut fields_read_back, mut edges_checked) = (0, 0, 0);
    let mut disagreements = 0;
    for (c, id, sent, tag) in made.into_iter().rev() {
        let list = op_of(c, CollectionRole::List);
        let read = op_of(c, CollectionRole::Read);
        // What was sent comes back on reading (a binary read only has to succeed).
        if let Some(read) = &read {
            let got = rt.call(read, Some(&id), &[], None).await.unwrap();
            if got.is_object() {
                // Ids and the organisation are the server's; the rest must come back as sent.
                let server_owned = |k: &str| {
                    matches!(
                        k,
                        "id" | "_id"
                            | "organization"
                            | "organizationId"
                            | "orgId"
                            | "created"
                            | "createdAt"
                            | "updated"
                            | "updatedAt"
                            | "lastUpdated"
                    )
                };
                for (k, v) in sent.as_object().into_iter().flatten() {
                    if SPEC_DISAGREES.contains(&(c.path.as_str(), k.as_str())) {
                        // The answer follows the response's schema: a list of objects.
                        let items = got[k].as_array().unwrap();
                        assert!(items.iter().all(Value::is_object), "{}: {k}", c.path);
                        disagreements += 1;
                    } else if !server_owned(k) {
                        assert_eq!(&got[k], v, "{}: {k} read back", c.path);
                        fields_read_back += 1;
                    }
                }
            }
        }
        if let Some(list) = &list {
            let all = rt.list(list).await;
            assert!(
                all.iter().any(|r| id_of(r).as_deref() == Some(id.as_str())),
                "{}: {id} not listed",
                c.path
            );
        }
        // An update is seen by the next read.
        let update = op_of(c, CollectionRole::Patch).or(op_of(c, CollectionRole::Replace));
        if let Some(update) = update {
            let body = body_for(&update, &format!("{tag} changed"));
            let changed = rt
                .call(&update, Some(&id), &[], Some(&body))
                .await
                .unwrap_or_else(|e| panic!("{}: update: {e}", c.path));
            let text_field = body.as_object().and_then(|f| {
                f.iter()
                    .find(|(_, v)| v.as_str().is_some_and(|s| s.contains("changed")))
            });
            if let (Some((k, v)), Some(read)) = (text_field, &read) {
                assert_eq!(&changed[k], v, "{}: {k} in the update's answer", c.path);
                let got = rt.call(read, Some(&id), &[], None).await.unwrap();
                assert_eq!(&got[k], v, "{}: {k} after the update", c.path);
                updates_seen += 1;
            }
        }
        // Associations, from both ends.
        let mut other_end = None;
        let mut continue_other_end = true;
        if let Some(t) = &c.graph_type {
            let (list_assoc, post_assoc) = association_ops(&c.path);
            let targets = idm_sandbox::jumpcloud_example(&list_assoc).unwrap().params;
            let target = targets.iter().find(|(n, _)| n == "targets").unwrap().1[0].clone();
            let target_id = rt.ids[&plural(&target)].clone();
            let edge = json!({"op": "add", "type": target, "id": target_id});
            rt.call(&post_assoc, Some(&id), &[], Some(&edge))
                .await
                .unwrap_or_else(|e| panic!("{}: associate: {e}", c.path));
            let mine = rt
                .call(&list_assoc, Some(&id), &[("targets", &target)], None)
                .await
                .unwrap();
            assert_eq!(mine[0]["to"]["id"], json!(target_id), "{}", c.path);
            edges_checked += 1;
            let (theirs_op, _) = association_ops(&plural(&target));
            // The specs let most other ends name this type (a system cannot name a software
            // app: it sees those through its app statuses).
            match rt
                .call(&theirs_op, Some(&target_id), &[("targets", t)], None)
                .await
            {
                Ok(theirs) => assert!(
                    records(&theirs).iter().any(|e| e["to"]["id"] == json!(id)),
                    "{}: not seen from the {target}",
                    c.path
                ),
                Err(e) if e.status() == Some(400) => {
                    one_sided.push(c.path.clone());
                    continue_other_end = false;
                }
                Err(e) => panic!("{}: {e}", c.path),
            }
            if continue_other_end {
                other_end = Some((theirs_op, target_id, t.clone()));
            }
        }
        // Deletes stick and take the edges with them.
        if let Some(delete) = op_of(c, CollectionRole::Delete) {
            rt.call(&delete, Some(&id), &[], None)
                .await
                .unwrap_or_else(|e| panic!("{}: delete: {e}", c.path));
            if let Some(read) = &read {
                let err = rt.call(read, Some(&id), &[], None).await.unwrap_err();
                assert_eq!(err.status(), Some(404), "{}: read after delete", c.path);
            }
            if let Some(list) = &list {
                let all = rt.list(list).await;
                assert!(!all.iter().any(|r| id_of(r).as_deref() == Some(id.as_str())));
            }
            if let Some((theirs_op, target_id, t)) = other_end {
                let theirs = rt
                    .call(&theirs_op, Some(&target_id), &[("targets", &t)], None)
                    .await
                    .unwrap();
                assert!(
                    !records(&theirs).iter().any(|e| e["to"]["id"] == json!(id)),
                    "{}: edge left after delete",
                    c.path
                );
            }
        }
        checked.push(c.path.clone());
    }
    assert_eq!(checked.len(), collections.len());
    assert_eq!(
        one_sided,
        ["softwareapps"],
        "only software apps are seen from one end"
    );
    assert!(checked.len() >= EXPECTED.len());
    assert_eq!(disagreements, SPEC_DISAGREES.len());
    // Most updates carry a text to change (a few carry only flags and lists).
    assert!(updates_seen >= 15, "{updates_seen} updates checked");
    assert!(
        fields_read_back >= 80,
        "{fields_read_back} fields read back"
    );
    let graph_types = collections
        .iter()
        .filter(|c| c.graph_type.is_some())
        .count();
    assert_eq!(edges_checked, graph_types);
}
