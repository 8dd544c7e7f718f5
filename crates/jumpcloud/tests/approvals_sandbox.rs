//! The operations JumpCloud added since the 2022 specs, end to end against the sandbox: approval
//! flows, access requests and their decisions, the approval settings, TOTP info, `runCommand`.

use idm_sandbox::{Sandbox, SandboxConfig};
use jumpcloud::Client;
use jumpcloud::catalog::{self, Source};
use serde_json::{Value, json};

async fn call(
    c: &Client,
    op: &str,
    params: &[(&str, &str)],
    body: Option<Value>,
) -> jumpcloud::Result<Value> {
    let operation = catalog::find(op).unwrap();
    assert_eq!(operation.source, Source::Subset2026, "{op}");
    let mut r = c.request(operation);
    for (k, v) in params {
        r.param(k, *v).unwrap();
    }
    if let Some(b) = body {
        r.json_body(&b);
    }
    r.send_value().await
}

async fn start() -> (Sandbox, Client) {
    let sb = Sandbox::start(SandboxConfig::default().users(4).groups(4).systems(3))
        .await
        .unwrap();
    let c = Client::builder()
        .base_url(sb.base_url())
        .api_key(sb.jumpcloud_info().api_key)
        .build()
        .unwrap();
    (sb, c)
}

#[tokio::test]
async fn access_requests_are_decided_and_settings_kept() {
    let (_sb, c) = start().await;
    // An approval flow made, listed, read and deleted.
    let flow = call(
        &c,
        "approval_flow_post",
        &[],
        Some(json!({"name": "Prod DB", "approvalType": "manual"})),
    )
    .await
    .unwrap();
    let flow_id = flow["id"].as_str().unwrap().to_owned();
    let flows = call(&c, "approval_flow_list", &[], None).await.unwrap();
    assert_eq!(flows["results"][0]["name"], "Prod DB");
    let got = call(
        &c,
        "approval_flow_get",
        &[("approvalFlowId", &flow_id)],
        None,
    )
    .await
    .unwrap();
    assert_eq!(got["approvalType"], "manual");
    // The seeded access requests; one is approved, and its progress says so.
    let requests = call(&c, "access_request_list", &[], None).await.unwrap();
    let pending = requests["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == "pending")
        .unwrap();
    let id = pending["id"].as_str().unwrap().to_owned();
    call(
        &c,
        "access_request_approval_post",
        &[],
        Some(json!({"id": id, "status": "approved", "approvedDuration": "2h"})),
    )
    .await
    .unwrap();
    let decided = call(&c, "access_request_get", &[("id", &id)], None)
        .await
        .unwrap();
    assert_eq!(decided["status"], "approved");
    assert_eq!(decided["approvedDuration"], "2h");
    assert_eq!(
        decided["userName"], pending["userName"],
        "the rest of the request is kept"
    );
    let progress = call(&c, "access_request_progress_get", &[("id", &id)], None)
        .await
        .unwrap();
    assert_eq!(progress["approvers"][0]["status"], "approved");
    let unknown = call(
        &c,
        "access_request_progress_get",
        &[("id", "5f1234567890abcdef012345")],
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(unknown.status(), Some(404));
    // An administrator's update merges into the request.
    call(
        &c,
        "access_request_put",
        &[("id", &id)],
        Some(json!({"internalNote": "ok by phone"})),
    )
    .await
    .unwrap();
    let noted = call(&c, "access_request_get", &[("id", &id)], None)
        .await
        .unwrap();
    assert_eq!(noted["status"], "approved");
    // The settings are one object, kept.
    call(
        &c,
        "approval_flow_settings_put",
        &[],
        Some(json!({"userApprovalEmail": true})),
    )
    .await
    .unwrap();
    let settings = call(&c, "approval_flow_settings_get", &[], None)
        .await
        .unwrap();
    assert_eq!(settings["userApprovalEmail"], true);
    assert_eq!(settings["adminApprovalEmail"], false);
    call(
        &c,
        "approval_flow_delete",
        &[("approvalFlowId", &flow_id)],
        None,
    )
    .await
    .unwrap();
    let gone = call(
        &c,
        "approval_flow_get",
        &[("approvalFlowId", &flow_id)],
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(gone.status(), Some(404));
    // TOTP enrolment: none for a seeded user, a 404 for no user.
    let users = c.v1().systemusers().list().limit(1).send().await.unwrap();
    let user = users.results.unwrap()[0].id.clone().unwrap();
    let totp = call(&c, "user_totp_get", &[("id", &user)], None)
        .await
        .unwrap();
    assert_eq!(totp, json!({}));
    let none = call(
        &c,
        "user_totp_get",
        &[("id", "5f1234567890abcdef012345")],
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(none.status(), Some(404));
}

#[tokio::test]
async fn run_command_makes_a_result_per_bound_system() {
    let (_sb, c) = start().await;
    let mut post = c.request(catalog::find("commands_post").unwrap());
    post.json_body(&json!({"name": "uptime", "command": "uptime", "commandType": "linux"}));
    let command = post.send_value().await.unwrap();
    let command_id = command["_id"].as_str().unwrap().to_owned();
    let systems = c
        .v1()
        .systems()
        .list()
        .send()
        .await
        .unwrap()
        .results
        .unwrap();
    let system = systems[0].id.clone().unwrap();
    let mut bind = c.request(catalog::find("graph_commandAssociationsPost").unwrap());
    bind.param("command_id", command_id.clone()).unwrap();
    bind.json_body(&json!({"op": "add", "type": "system", "id": system}));
    bind.send_empty().await.unwrap();
    // Without systemIds: the systems bound to the command.
    let run = call(&c, "commands_run", &[], Some(json!({"_id": command_id})))
        .await
        .unwrap();
    assert_eq!(run["queueIds"].as_array().unwrap().len(), 1);
    let results = c
        .request(catalog::find("command_results_list").unwrap())
        .send_value()
        .await
        .unwrap();
    let mine: Vec<&Value> = results["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["workflowInstanceId"] == run["workflowInstanceId"])
        .collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["systemId"], json!(system));
    assert_eq!(mine[0]["name"], "uptime");
    let missing = call(
        &c,
        "commands_run",
        &[],
        Some(json!({"_id": "5f1234567890abcdef012345"})),
    )
    .await
    .unwrap_err();
    assert_eq!(missing.status(), Some(404));
    // A command with a trigger runs when the trigger is called (a 2022 operation).
    let mut post = c.request(catalog::find("commands_post").unwrap());
    post.json_body(
        &json!({"name": "nightly backup", "command": "backup", "commandType": "linux",
                           "launchType": "trigger", "trigger": "nightly"}),
    );
    let nightly = post.send_value().await.unwrap();
    let nightly_id = nightly["_id"].as_str().unwrap().to_owned();
    let mut bind = c.request(catalog::find("graph_commandAssociationsPost").unwrap());
    bind.param("command_id", nightly_id.clone()).unwrap();
    bind.json_body(&json!({"op": "add", "type": "system", "id": system}));
    bind.send_empty().await.unwrap();
    let fire = |name: &str| {
        let mut r = c.request(catalog::find("command_trigger_webhook_post").unwrap());
        r.param("triggername", name.to_owned()).unwrap();
        r.json_body(&json!({}));
        r.send_value()
    };
    assert_eq!(
        fire("nightly").await.unwrap()["triggered"],
        json!([nightly_id])
    );
    assert_eq!(fire("never").await.unwrap()["triggered"], json!([]));
    let results = c
        .request(catalog::find("command_results_list").unwrap())
        .send_value()
        .await
        .unwrap();
    let runs = results["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["name"] == "nightly backup")
        .count();
    assert_eq!(runs, 1);
}
