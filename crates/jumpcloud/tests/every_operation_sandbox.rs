//! Every one of the 393 operations called through its typed builder against the sandbox, and
//! every response decoded into its type. The calls are generated (`generated/`, by
//! `cargo xtask codegen`); this file is the fixture that gives them real ids where the sandbox
//! keeps state, and valid parameters and bodies (the sandbox's own examples) elsewhere.

#[path = "generated/every_operation_calls.rs"]
mod calls;

use idm_sandbox::{Sandbox, SandboxConfig};
use jumpcloud::{Client, FilePart};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// The objects the calls work on, made fresh so that adding them to groups and associations
/// succeeds (the sandbox answers 409 to an edge that already exists).
pub struct Fixture {
    client: Client,
    user: String,
    system: String,
    user_group: String,
    system_group: String,
    org: String,
    _sandbox: Sandbox,
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
        let raw = |op: &str, body: Value| {
            let c = client.clone();
            let op = op.to_owned();
            async move {
                let mut r = c.request(jumpcloud::catalog::find(&op).unwrap());
                r.json_body(&body);
                r.send_value().await.unwrap()
            }
        };
        let id = |v: &Value| v["_id"].as_str().or(v["id"].as_str()).unwrap().to_owned();
        let user = id(&raw(
            "systemusers_post",
            json!({"username": "fixture", "email": "fixture@example.org"}),
        )
        .await);
        let user_group = id(&raw("groups_user_post", json!({"name": "Fixture users"})).await);
        let system_group = id(&raw("groups_system_post", json!({"name": "Fixture systems"})).await);
        let systems = client.v1().systems().list().send().await.unwrap();
        let system = systems.results.unwrap().pop().unwrap().id.unwrap();
        Fixture {
            client,
            user,
            system,
            user_group,
            system_group,
            org: info.org_id,
            _sandbox: sandbox,
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    fn example(&self, op: &str, name: &str) -> Vec<String> {
        if name == "x-org-id" {
            return vec![self.org.clone()];
        }
        idm_sandbox::jumpcloud_example(op)
            .and_then(|ex| ex.params.into_iter().find(|(n, _)| n == name))
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("no example for {op}.{name}"))
    }

    /// A path parameter: the fixture's object where the operation is about one the sandbox
    /// keeps (`/systemusers/{id}`, `/v2/usergroups/{group_id}/...`), else the example value.
    pub fn path(&self, op: &str, name: &str) -> String {
        let operation = jumpcloud::catalog::find(op).unwrap();
        let first_param = operation
            .params
            .iter()
            .find(|p| p.location == jumpcloud::catalog::Location::Path)
            .is_some_and(|p| p.name == name);
        let collection = operation.path.trim_start_matches('/').split('/').next();
        if first_param {
            match collection {
                Some("systemusers" | "users") => return self.user.clone(),
                Some("systems") => return self.system.clone(),
                Some("usergroups") => return self.user_group.clone(),
                Some("systemgroups") => return self.system_group.clone(),
                Some("organizations") => return self.org.clone(),
                _ => {}
            }
        }
        self.example(op, name).remove(0)
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
        let edge = |kind: &str, id: &str| json!({"op": "add", "type": kind, "id": id});
        let mut body = idm_sandbox::jumpcloud_example(op)
            .and_then(|ex| ex.body)
            .unwrap_or(Value::Null);
        match op.split_once('/').map_or(op, |(_, id)| id) {
            "graph_userGroupMembersPost" => body = edge("user", &self.user),
            "graph_systemGroupMembersPost" => body = edge("system", &self.system),
            "graph_userAssociationsPost" => body = edge("system", &self.system),
            "graph_systemAssociationsPost" => body = edge("user_group", &self.user_group),
            "graph_userGroupAssociationsPost" => body = edge("system_group", &self.system_group),
            "graph_systemGroupAssociationsPost" => body = edge("user", &self.user),
            "systemusers_put" => {
                body.as_object_mut().unwrap().remove("username");
                body.as_object_mut().unwrap().remove("email");
            }
            "groups_user_put" => body["name"] = json!("Fixture users, renamed"),
            "groups_system_put" => body["name"] = json!("Fixture systems, renamed"),
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
    assert_eq!(outcomes.len(), 393);
    let failures: Vec<String> = outcomes
        .iter()
        .filter_map(|(op, r)| r.as_ref().err().map(|e| format!("{op}: {e}")))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of 393 operations failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The DELETEs at the end removed the fixture's objects, from every side.
    let c = fx.client();
    let gone = c.v1().systemusers().get(&fx.user).send().await.unwrap_err();
    assert_eq!(gone.status(), Some(404));
    let members = c
        .v2()
        .graph()
        .system_group_members_list(&fx.system_group)
        .send()
        .await
        .unwrap_err();
    assert_eq!(members.status(), Some(404));
}
