//! Every operation of the catalog called through its typed builder against the sandbox, and
//! every response decoded into its type. The calls are generated (`generated/`, by
//! `cargo xtask codegen`); this file is the fixture that gives them real ids where the sandbox
//! keeps state, and valid parameters and bodies (the sandbox's own examples) elsewhere.

#[path = "generated/every_operation_calls.rs"]
mod calls;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use idm_sandbox::{CollectionRole, Sandbox, SandboxConfig};
use jumpcloud::{Client, FilePart};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

#[path = "support/paths.rs"]
mod paths;
use paths::{id_of, prefix_shape};

/// The objects the calls work on: fresh core objects (so that adding them to groups and
/// associations succeeds) and one record of every collection the sandbox keeps, created
/// through the API or, where the API cannot create, found among the seeded ones.
pub struct Fixture {
    client: Client,
    /// Path shape (`duo/accounts/{}/applications`) -> the id of the fixture's record there.
    ids: HashMap<String, String>,
    /// Graph type (`policy`) -> the fixture's object of that type.
    by_type: HashMap<String, String>,
    /// The seeded user whose push endpoints the calls read.
    push_user: String,
    /// Associations already added: a second add of the same pair is sent as a removal.
    edges: RefCell<HashSet<(String, String)>>,
    _sandbox: Sandbox,
}

/// The graph type of the objects of a top-level collection (`usergroups` -> `user_group`).
fn graph_type(plural: &str) -> String {
    let core = [
        ("users", "user"),
        ("systems", "system"),
        ("usergroups", "user_group"),
        ("systemgroups", "system_group"),
        ("policygroups", "policy_group"),
    ];
    if let Some((_, t)) = core.iter().find(|(p, _)| *p == plural) {
        return (*t).to_owned();
    }
    idm_sandbox::jumpcloud_collections()
        .into_iter()
        .find(|c| c.path == plural)
        .and_then(|c| c.graph_type)
        .unwrap_or_else(|| panic!("no graph type for {plural}"))
}

impl Fixture {
    async fn new() -> Fixture {
        let sandbox = Sandbox::start(SandboxConfig::default().users(20).systems(4).groups(4))
            .await
            .unwrap();
        let info = sandbox.jumpcloud_info();
        let client = Client::builder()
            .base_url(sandbox.base_url())
            .api_key(info.api_key.clone())
            .build()
            .unwrap();
        let mut fx = Fixture {
            client: client.clone(),
            ids: HashMap::new(),
            by_type: HashMap::new(),
            push_user: String::new(),
            edges: RefCell::new(HashSet::new()),
            _sandbox: sandbox,
        };
        let core = [
            (
                "systemusers_post",
                json!({"username": "fixture", "email": "fixture@example.org"}),
                &["systemusers", "users"][..],
                "user",
            ),
            (
                "groups_user_post",
                json!({"name": "Fixture users"}),
                &["usergroups"][..],
                "user_group",
            ),
            (
                "groups_system_post",
                json!({"name": "Fixture systems"}),
                &["systemgroups"][..],
                "system_group",
            ),
            (
                "groups_policy_post",
                json!({"name": "Fixture policies"}),
                &["policygroups"][..],
                "policy_group",
            ),
        ];
        for (op, body, shapes, graph_type) in core {
            let made = fx.raw(op, body).await;
            let id = id_of(&made).unwrap();
            for shape in shapes {
                fx.ids.insert((*shape).to_owned(), id.clone());
            }
            fx.by_type.insert(graph_type.to_owned(), id);
        }
        let systems = client.v1().systems().list().send().await.unwrap();
        let system = systems.results.unwrap().pop().unwrap().id.unwrap();
        fx.ids.insert("systems".into(), system.clone());
        fx.by_type.insert("system".into(), system);
        fx.ids.insert("organizations".into(), info.org_id.clone());
        // Administrators and providers are not kept: any id names one, but the same one
        // throughout.
        fx.ids
            .insert("administrators".into(), "5f0000000000000000000a01".into());
        fx.ids
            .insert("providers".into(), "5f0000000000000000000b01".into());
        let users = client
            .v1()
            .systemusers()
            .list()
            .limit(1)
            .send()
            .await
            .unwrap();
        fx.push_user = users.results.unwrap()[0].id.clone().unwrap();
        // Parents before the collections nested in them.
        let mut collections = idm_sandbox::jumpcloud_collections();
        collections.sort_by_key(|c| c.path.matches("{}").count());
        for c in collections {
            let role = |r: CollectionRole| {
                c.operations
                    .iter()
                    .find(|(_, x)| *x == r)
                    .map(|(op, _)| op.clone())
            };
            let made = match (role(CollectionRole::Create), role(CollectionRole::List)) {
                (Some(create), _) => {
                    let body = idm_sandbox::jumpcloud_example(&create)
                        .and_then(|ex| ex.body)
                        .unwrap_or(json!({}));
                    fx.send(&create, Some(body)).await
                }
                (None, Some(list)) => fx.send(&list, None).await,
                // Directories without a listing of their own are found among all directories.
                (None, None) => {
                    let all = fx.send("directories_list", None).await;
                    let wanted = c.graph_type.clone().unwrap_or_default();
                    all.as_array()
                        .and_then(|a| a.iter().find(|d| d["type"] == wanted.as_str()).cloned())
                        .unwrap_or(Value::Null)
                }
            };
            let made = made.get("results").cloned().unwrap_or(made);
            let id = id_of(&made).unwrap_or_else(|| panic!("{}: no record in {made}", c.path));
            if let Some(t) = &c.graph_type {
                fx.by_type.insert(t.clone(), id.clone());
            }
            fx.ids.insert(c.path.clone(), id);
        }
        // A bulk job whose results the calls read.
        let job = fx
            .raw(
                "bulk_usersCreate",
                json!([{"username": "bulk.fixture", "email": "bulk.fixture@example.org"}]),
            )
            .await;
        fx.ids.insert(
            "bulk/users".into(),
            job["jobId"].as_str().unwrap().to_owned(),
        );
        // An access request's progress is read by the request's id.
        let request = fx.ids["approvalflowrequest"].clone();
        fx.ids.insert("approversprogress".into(), request);
        fx
    }

    /// Calls an operation with its path parameters filled as [`Fixture::path`] fills them.
    async fn send(&self, op: &str, body: Option<Value>) -> Value {
        let operation = jumpcloud::catalog::find(op).unwrap();
        let mut r = self.client.request(operation);
        for p in operation.params {
            if p.location == jumpcloud::catalog::Location::Path {
                r.param(p.name, self.path(op, p.name)).unwrap();
            } else if p.required {
                for v in self.example(op, p.name) {
                    r.param(p.name, v).unwrap();
                }
            }
        }
        if let Some(b) = body {
            r.json_body(&b);
        }
        r.send_value()
            .await
            .unwrap_or_else(|e| panic!("fixture call {op}: {e}"))
    }

    async fn raw(&self, op: &str, body: Value) -> Value {
        self.send(op, Some(body)).await
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    fn example(&self, op: &str, name: &str) -> Vec<String> {
        if name == "x-org-id" {
            return vec![self.ids["organizations"].clone()];
        }
        idm_sandbox::jumpcloud_example(op)
            .and_then(|ex| ex.params.into_iter().find(|(n, _)| n == name))
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("no example for {op}.{name}"))
    }

    /// A path parameter: the fixture's object of the collection the path names up to it
    /// (`/systemusers/{id}`, `/duo/accounts/{account_id}/applications/{application_id}`), else
    /// the example value.
    pub fn path(&self, op: &str, name: &str) -> String {
        let template = jumpcloud::catalog::find(op).unwrap().path;
        let shape = prefix_shape(template, name);
        // What is nested under a user stays with a seeded one: the fixture's user is deleted
        // before the calls that delete its SSH key.
        let under_user = matches!(shape.as_deref(), Some("users" | "systemusers"));
        if under_user && (template.contains("/pushendpoints") || template.contains("/sshkeys")) {
            return self.push_user.clone();
        }
        match shape.and_then(|s| self.ids.get(&s)) {
            Some(id) => id.clone(),
            None => self.example(op, name).remove(0),
        }
    }

    pub fn text(&self, op: &str, name: &str) -> String {
        self.example(op, name).remove(0)
    }

    pub fn int(&self, op: &str, name: &str) -> i64 {
        self.text(op, name).parse().unwrap()
    }

    pub fn num(&self, op: &str, name: &str) -> f64 {
        self.text(op, name).parse().unwrap()
    }

    pub fn boolean(&self, op: &str, name: &str) -> bool {
        self.text(op, name) == "true"
    }

    pub fn list(&self, op: &str, name: &str) -> Vec<String> {
        self.example(op, name)
    }

    /// The body: the sandbox's example, with the fixture's objects in the graph edits and names
    /// kept unique where the sandbox enforces uniqueness.
    pub fn body<T: DeserializeOwned>(&self, op: &str) -> T {
        let mut body = idm_sandbox::jumpcloud_example(op)
            .and_then(|ex| ex.body)
            .unwrap_or(Value::Null);
        let id = op.split_once('/').map_or(op, |(_, id)| id);
        if id.starts_with("graph_")
            && (id.ends_with("MembersPost") || id.ends_with("AssociationsPost"))
        {
            let kind = body["type"].as_str().unwrap_or_default().to_owned();
            let plural = jumpcloud::catalog::find(op)
                .unwrap()
                .path
                .split('/')
                .nth(1)
                .unwrap_or("");
            let subject = graph_type(plural);
            body["id"] = json!(
                self.by_type
                    .get(&kind)
                    .unwrap_or_else(|| panic!("{op}: no {kind}"))
            );
            // Each edge is added once; a second call on the same pair removes it.
            let mut pair = [subject, kind];
            pair.sort();
            let [a, b] = pair;
            if !self.edges.borrow_mut().insert((a, b)) {
                body["op"] = json!("remove");
            }
        }
        // The fixture made one record of each collection already: the call's own is another.
        let creates = idm_sandbox::jumpcloud_collections().into_iter().any(|c| {
            c.operations
                .iter()
                .any(|(o, r)| o == op && *r == CollectionRole::Create)
        });
        if creates && let Some(name) = body.get("name").and_then(Value::as_str) {
            body["name"] = json!(format!("{name} 2"));
        }
        match id {
            "customEmails_create" => body["type"] = json!("password_expiration"),
            "access_request_approval_post" => body["id"] = json!(self.ids["approvalflowrequest"]),
            "commands_run" => {
                body["_id"] = json!(self.ids["commands"]);
                body["systemIds"] = json!([self.ids["systems"]]);
            }
            "systemusers_put" => {
                body.as_object_mut().unwrap().remove("username");
                body.as_object_mut().unwrap().remove("email");
            }
            "groups_user_put" => body["name"] = json!("Fixture users, renamed"),
            "groups_system_put" => body["name"] = json!("Fixture systems, renamed"),
            "groups_policy_put" => body["name"] = json!("Fixture policies, renamed"),
            _ => {}
        }
        serde_json::from_value(body).unwrap_or_else(|e| panic!("{op}: example body: {e}"))
    }

    pub fn file(&self) -> FilePart {
        FilePart {
            field: "image".into(),
            file_name: "logo.png".into(),
            content_type: "image/png".into(),
            data: vec![0x89, b'P', b'N', b'G'],
        }
    }
}

#[tokio::test]
async fn every_operation_succeeds_and_decodes_through_the_typed_client() {
    let fx = Fixture::new().await;
    let outcomes = calls::call_every_operation(&fx).await;
    assert_eq!(outcomes.len(), jumpcloud::catalog::operations().count());
    // Every operation of the catalog, and the sandbox routes each of them.
    let total = jumpcloud::catalog::operations().count();
    assert_eq!(outcomes.len(), total);
    for op in jumpcloud::catalog::operations() {
        let id = format!("{}/{}", op.api, op.id);
        assert!(
            idm_sandbox::jumpcloud_example(&id).is_some(),
            "the sandbox lacks {id}"
        );
    }
    let failures: Vec<String> = outcomes
        .iter()
        .filter_map(|(op, r)| r.as_ref().err().map(|e| format!("{op}: {e}")))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {total} operations failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The DELETEs at the end removed the fixture's objects, from every side.
    let c = fx.client();
    let gone = c
        .v1()
        .systemusers()
        .get(&fx.ids["systemusers"])
        .send()
        .await
        .unwrap_err();
    assert_eq!(gone.status(), Some(404));
    let members = c
        .v2()
        .graph()
        .system_group_members_list(&fx.ids["systemgroups"])
        .send()
        .await
        .unwrap_err();
    assert_eq!(members.status(), Some(404));
}
