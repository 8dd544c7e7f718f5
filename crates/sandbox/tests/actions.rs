//! `POST /action`: every step, the validation rules, per-entry results and test mode.

mod common;

use common::Ctx;
use idm_sandbox::{RouteKind, SandboxConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn ctx() -> Ctx {
    Ctx::new(SandboxConfig::default().users(40)).await
}

fn groups_of(ctx: &Ctx, email: &str) -> Vec<String> {
    ctx.sb.umapi_user(email).unwrap()["groups"]
        .as_array()
        .map(|a| a.iter().map(|g| g.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

/// The single error of a one-entry request: (step, errorCode).
fn only_error(body: &Value) -> (u64, String) {
    assert_eq!(body["result"], "error", "{body}");
    assert_eq!(body["notCompleted"], 1, "{body}");
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{body}");
    (
        errors[0]["step"].as_u64().unwrap(),
        errors[0]["errorCode"].as_str().unwrap().to_owned(),
    )
}

async fn expect_error(ctx: &Ctx, entry: Value, step: u64, code: &str) -> Value {
    let body = ctx.action(json!([entry])).await;
    assert_eq!(only_error(&body), (step, code.to_owned()), "{entry}");
    body
}

#[tokio::test]
async fn create_update_groups_and_remove() {
    let ctx = ctx().await;
    let body = ctx
        .action(json!([{
            "user": "new.person@example.com",
            "requestID": "r1",
            "do": [
                {"createEnterpriseID": {"email": "new.person@example.com", "firstname": "New", "lastname": "Person", "country": "DE"}},
                {"add": {"group": ["Design Team", "All Apps - Default", "_admin_Marketing Users"]}}
            ]
        }]))
        .await;
    assert_eq!(
        body,
        json!({"completed": 1, "notCompleted": 0, "completedInTestMode": 0, "result": "success"})
    );
    let user = ctx.sb.umapi_user("new.person@example.com").unwrap();
    assert_eq!(user["type"], "enterpriseID");
    assert_eq!(user["username"], "new.person@example.com");
    assert_eq!(user["domain"], "example.com");
    assert_eq!(user["country"], "DE");
    assert_eq!(groups_of(&ctx, "new.person@example.com").len(), 3);
    // The admin group was created on first use.
    assert_eq!(
        ctx.sb
            .umapi_group_members("_admin_Marketing Users")
            .unwrap(),
        ["new.person@example.com"]
    );

    // Update names and email: the email-form username follows.
    let body = ctx
        .action(json!([{"user": "new.person@example.com", "do": [
            {"update": {"firstname": "Newer", "email": "renamed@example.com"}},
            {"remove": {"group": ["Design Team"]}}
        ]}]))
        .await;
    assert_eq!(body["result"], "success", "{body}");
    assert!(ctx.sb.umapi_user("new.person@example.com").is_none());
    let user = ctx.sb.umapi_user("renamed@example.com").unwrap();
    assert_eq!(user["firstname"], "Newer");
    assert_eq!(user["lastname"], "Person");
    assert_eq!(user["username"], "renamed@example.com");
    assert!(!groups_of(&ctx, "renamed@example.com").contains(&"Design Team".to_owned()));

    // remove "all" keeps _org_admin.
    ctx.action(json!([{"user": "admin@example.com", "do": [{"remove": "all"}]}]))
        .await;
    assert_eq!(groups_of(&ctx, "admin@example.com"), ["_org_admin"]);

    // removeFromOrg: gone, and a user that does not exist still succeeds.
    let body = ctx
        .action(json!([
            {"user": "renamed@example.com", "do": [{"removeFromOrg": {"deleteAccount": true}}]},
            {"user": "ghost@example.com", "do": [{"removeFromOrg": {}}]}
        ]))
        .await;
    assert_eq!(body["completed"], 2, "{body}");
    assert!(ctx.sb.umapi_user("renamed@example.com").is_none());
    assert!(
        !ctx.sb
            .umapi_group_members("All Apps - Default")
            .unwrap()
            .contains(&"renamed@example.com".to_owned())
    );
    assert_eq!(ctx.sb.stats().actions_processed, 5);
    assert_eq!(ctx.sb.stats().requests_for(RouteKind::UmapiAction), 4);
}

#[tokio::test]
async fn federated_and_adobe_ids() {
    let ctx = ctx().await;
    let body = ctx
        .action(json!([
            {"user": "jsmith", "domain": "example.net", "do": [
                {"createFederatedID": {"email": "john.smith@example.net", "firstname": "John", "lastname": "Smith", "country": "US"}}
            ]},
            {"user": "fan@personal.example", "useAdobeID": true, "do": [
                {"addAdobeID": {"email": "fan@personal.example", "country": "FR"}},
                {"add": {"group": ["Photoshop - Default"]}}
            ]}
        ]))
        .await;
    assert_eq!(body["result"], "success", "{body}");
    let fed = ctx.sb.umapi_user("john.smith@example.net").unwrap();
    assert_eq!(
        (fed["username"].as_str(), fed["domain"].as_str()),
        (Some("jsmith"), Some("example.net"))
    );
    assert_eq!(fed["type"], "federatedID");
    let adobe = ctx.sb.umapi_user("fan@personal.example").unwrap();
    assert_eq!(adobe["type"], "adobeID");
    assert_eq!(
        groups_of(&ctx, "fan@personal.example"),
        ["Photoshop - Default"]
    );

    // Country is required for Federated IDs; names for Enterprise and Federated.
    expect_error(
        &ctx,
        json!({"user": "x@example.net", "do": [{"createFederatedID": {"email": "x@example.net", "firstname": "X", "lastname": "Y"}}]}),
        0,
        "error.country.invalid",
    )
    .await;
    expect_error(
        &ctx,
        json!({"user": "x@example.com", "do": [{"createEnterpriseID": {"email": "x@example.com", "lastname": "Y"}}]}),
        0,
        "error.user.firstname_missing",
    )
    .await;
    expect_error(
        &ctx,
        json!({"user": "x@example.com", "do": [{"createEnterpriseID": {"email": "x@example.com", "firstname": "X"}}]}),
        0,
        "error.user.lastname_missing",
    )
    .await;
    expect_error(
        &ctx,
        json!({"user": "x@example.com", "do": [{"createEnterpriseID": {"email": "x@example.com", "firstname": "X", "lastname": "Y", "country": "us"}}]}),
        0,
        "error.country.invalid",
    )
    .await;
    expect_error(
        &ctx,
        json!({"user": "x@example.com", "do": [{"createEnterpriseID": {"email": "not-an-email", "firstname": "X", "lastname": "Y"}}]}),
        0,
        "error.user.email.invalid",
    )
    .await;
    let long = format!("{}@example.com", "a".repeat(55));
    expect_error(
        &ctx,
        json!({"user": long, "do": [{"createEnterpriseID": {"email": long, "firstname": "X", "lastname": "Y"}}]}),
        0,
        "error.user.email.invalid",
    )
    .await;
    // Unclaimed domains, and the wrong directory type.
    expect_error(
        &ctx,
        json!({"user": "x@elsewhere.example", "do": [{"createEnterpriseID": {"email": "x@elsewhere.example", "firstname": "X", "lastname": "Y"}}]}),
        0,
        "error.domain.trust.nonexistent",
    )
    .await;
    expect_error(
        &ctx,
        json!({"user": "x@example.net", "do": [{"createEnterpriseID": {"email": "x@example.net", "firstname": "X", "lastname": "Y"}}]}),
        0,
        "error.user.type_mismatch",
    )
    .await;
}

#[tokio::test]
async fn create_options() {
    let ctx = ctx().await;
    ctx.action(json!([{"usergroup": "Fresh", "do": [{"createUserGroup": {}}]}]))
        .await;
    let create = |option: Option<&str>| {
        let mut step =
            json!({"email": "admin@example.com", "firstname": "Changed", "lastname": "Name"});
        if let Some(o) = option {
            step["option"] = json!(o);
        }
        json!({"user": "admin@example.com", "do": [
            {"createEnterpriseID": step},
            {"add": {"group": ["Fresh"]}}
        ]})
    };
    // No option: an existing user is an error and the rest of the entry is skipped.
    let body = expect_error(&ctx, create(None), 0, "error.user.already_in_org").await;
    assert_eq!(body["errors"][0]["user"], "admin@example.com");
    assert!(!groups_of(&ctx, "admin@example.com").contains(&"Fresh".to_owned()));
    // ignoreIfAlreadyExists: the create is skipped, the other steps run.
    let body = ctx
        .action(json!([create(Some("ignoreIfAlreadyExists"))]))
        .await;
    assert_eq!(body["result"], "success", "{body}");
    assert!(groups_of(&ctx, "admin@example.com").contains(&"Fresh".to_owned()));
    assert_eq!(
        ctx.sb.umapi_user("admin@example.com").unwrap()["firstname"],
        "Ada"
    );
    // updateIfAlreadyExists: names are updated.
    let body = ctx
        .action(json!([create(Some("updateIfAlreadyExists"))]))
        .await;
    assert_eq!(body["result"], "success", "{body}");
    assert_eq!(
        ctx.sb.umapi_user("admin@example.com").unwrap()["firstname"],
        "Changed"
    );
    // Anything else is illegal.
    expect_error(
        &ctx,
        create(Some("errorIfAlreadyExists")),
        0,
        "error.option.illegal",
    )
    .await;
}

#[tokio::test]
async fn update_rules() {
    let ctx = ctx().await;
    expect_error(
        &ctx,
        json!({"user": "someone@personal.example", "do": [{"update": {"firstname": "X"}}]}),
        0,
        "error.update.adobeid.no",
    )
    .await;
    expect_error(
        &ctx,
        json!({"user": "admin@example.com", "do": [{"update": {"country": "FR"}}]}),
        0,
        "error.update.country.no_update",
    )
    .await;
    expect_error(
        &ctx,
        json!({"user": "admin@example.com", "do": [{"update": {"firstname": "X", "option": "ignoreIfAlreadyExists"}}]}),
        0,
        "error.command.update.option.no",
    )
    .await;
    expect_error(
        &ctx,
        json!({"user": "admin@example.com", "do": [{"update": {"email": "Admin@example.com"}}]}),
        0,
        "error.update.no",
    )
    .await;
    expect_error(
        &ctx,
        json!({"user": "admin@example.com", "do": [{"update": {"email": "admin@elsewhere.example"}}]}),
        0,
        "error.domain.trust.nonexistent",
    )
    .await;
    expect_error(
        &ctx,
        json!({"user": "nobody@example.com", "do": [{"update": {"firstname": "X"}}]}),
        0,
        "error.user.nonexistent",
    )
    .await;
    // A non-email username with its domain.
    let body = ctx
        .action(json!([{"user": "jdoe", "domain": "example.net", "do": [{"update": {"lastname": "Doe-Smith"}}]}]))
        .await;
    assert_eq!(body["result"], "success", "{body}");
    assert_eq!(
        ctx.sb.umapi_user("jdoe@example.net").unwrap()["lastname"],
        "Doe-Smith"
    );
}

#[tokio::test]
async fn group_membership_rules() {
    let ctx = ctx().await;
    let user = "admin@example.com";
    ctx.action(json!([
        {"usergroup": "First", "do": [{"createUserGroup": {}}]},
        {"usergroup": "Third", "do": [{"createUserGroup": {}}]}
    ]))
    .await;
    // Unknown group: error at the step, earlier steps stay applied.
    let body = expect_error(
        &ctx,
        json!({"user": user, "requestID": "r7", "do": [
            {"add": {"group": ["First"]}},
            {"add": {"group": ["No Such Group"]}},
            {"add": {"group": ["Third"]}}
        ]}),
        1,
        "error.group.not_found",
    )
    .await;
    assert_eq!(body["errors"][0]["requestID"], "r7");
    assert_eq!(body["errors"][0]["index"], 0);
    assert!(body["errors"][0]["message"].is_string());
    let groups = groups_of(&ctx, user);
    assert!(groups.contains(&"First".to_owned()));
    assert!(!groups.contains(&"Third".to_owned()));

    expect_error(
        &ctx,
        json!({"user": user, "do": [{"add": {"group": ["Partner Agency (Read-Only)"]}}]}),
        0,
        "error.usergroup.readonly.add_user_not_allowed",
    )
    .await;
    expect_error(
        &ctx,
        json!({"user": user, "do": [{"remove": {"group": ["_org_admin"]}}]}),
        0,
        "error.group.invalid_name",
    )
    .await;
    expect_error(
        &ctx,
        json!({"user": user, "do": [{"add": {"group": ["Sales", "sales"]}}]}),
        0,
        "error.command.add_remove.duplicate.group_list",
    )
    .await;
    let eleven: Vec<String> = (0..11).map(|i| format!("G{i}")).collect();
    expect_error(
        &ctx,
        json!({"user": user, "do": [{"add": {"group": eleven}}]}),
        0,
        "error.command.add_remove.list_too_long",
    )
    .await;
    expect_error(
        &ctx,
        json!({"user": user, "do": [{"add": "all"}]}),
        0,
        "error.command.add_remove.list",
    )
    .await;
    expect_error(
        &ctx,
        json!({"user": user, "do": [{"add": {"groups": ["Sales"]}}]}),
        0,
        "error.command.add_remove.key.unknown",
    )
    .await;
    expect_error(
        &ctx,
        json!({"user": user, "do": [{"add": {"group": "Sales"}}]}),
        0,
        "error.command.add_remove.list_not_array",
    )
    .await;
    expect_error(
        &ctx,
        json!({"user": user, "do": [{"add": {"group": [""]}}]}),
        0,
        "error.group.invalid_list",
    )
    .await;

    // The deprecated product key works with a warning.
    let body = ctx
        .action(json!([{"user": user, "requestID": "w", "do": [{"add": {"product": ["Photoshop - Default"]}}]}]))
        .await;
    assert_eq!(body["result"], "success", "{body}");
    let w = &body["warnings"][0];
    assert_eq!(w["warningCode"], "warning.command.deprecated");
    assert_eq!(
        (
            w["index"].as_u64(),
            w["step"].as_u64(),
            w["requestID"].as_str()
        ),
        (Some(0), Some(0), Some("w"))
    );
    assert!(groups_of(&ctx, user).contains(&"Photoshop - Default".to_owned()));
}

#[tokio::test]
async fn entry_level_rules() {
    let ctx = ctx().await;
    let create = json!({"createEnterpriseID": {"email": "later@example.com", "firstname": "L", "lastname": "T"}});
    // Create not first: nothing of the entry runs.
    let body = expect_error(
        &ctx,
        json!({"user": "later@example.com", "do": [{"add": {"group": ["Sales"]}}, create]}),
        1,
        "error.command.create.not_first",
    )
    .await;
    assert!(
        body["errors"][0].get("requestID").is_none(),
        "requestID only when sent"
    );
    assert!(ctx.sb.umapi_user("later@example.com").is_none());
    expect_error(
        &ctx,
        json!({"user": "later@example.com", "do": [create.clone(), create.clone()]}),
        1,
        "error.command.create.more_than_one",
    )
    .await;
    expect_error(
        &ctx,
        json!({"user": "admin@example.com", "do": [{"removeFromOrg": {}}, {"add": {"group": ["Sales"]}}]}),
        0,
        "error.command.removefromorg.not_last",
    )
    .await;
    assert!(ctx.sb.umapi_user("admin@example.com").is_some());
    expect_error(
        &ctx,
        json!({"user": "admin@example.com", "do": [{"removeFromOrg": {"deleteAccount": "yes"}}]}),
        0,
        "error.command.boolean_expected",
    )
    .await;
    let cases = [
        (json!({"do": []}), "error.command.user_usergroup.missing"),
        (
            json!({"user": "a@example.com", "usergroup": "Sales", "do": []}),
            "error.command.illegal_entry",
        ),
        (
            json!({"user": 5, "do": []}),
            "error.command.string_expected",
        ),
        (
            json!({"user": format!("{}@example.com", "a".repeat(250)), "do": []}),
            "error.command.string.too_long",
        ),
        (
            json!({"user": "a@example.com", "domain": "example.com", "do": []}),
            "error.command.domain.must_be_used_with_nonemail_username",
        ),
        (
            json!({"user": "jdoe", "do": []}),
            "error.command.domain.missing",
        ),
        (
            json!({"user": "a@example.com", "useAdobeID": "yes", "do": []}),
            "error.command.boolean_expected",
        ),
        (
            json!({"user": "a@example.com", "do": {"add": {}}}),
            "error.command.steps.malformed",
        ),
        (
            json!({"user": "a@example.com", "do": [{"add": {"group": []}, "remove": "all"}]}),
            "error.command.steps.malformed",
        ),
        (
            json!({"user": "a@example.com", "do": [{"resetPassword": {}}]}),
            "error.command.step.unknown",
        ),
        (
            json!({"user": "a@example.com", "do": [{"createUserGroup": {}}]}),
            "error.command.step.unknown",
        ),
        (
            json!({"usergroup": "Sales", "do": [{"update": {}}]}),
            "error.command.step.unknown",
        ),
        (json!("just a string"), "error.command.illegal_entry"),
    ];
    for (entry, code) in cases {
        expect_error(&ctx, entry, 0, code).await;
    }
    let many: Vec<Value> = (0..11).map(|_| json!({"add": {"group": []}})).collect();
    expect_error(
        &ctx,
        json!({"user": "admin@example.com", "do": many}),
        10,
        "error.command.add_remove.list_too_long",
    )
    .await;
}

#[tokio::test]
async fn results_and_malformed_requests() {
    let ctx = ctx().await;
    let ok = json!({"user": "admin@example.com", "do": [{"add": {"group": ["Sales"]}}]});
    let bad = json!({"user": "nobody@example.com", "requestID": "r2", "do": [{"add": {"group": ["Sales"]}}]});
    let body = ctx.action(json!([ok, bad])).await;
    assert_eq!(body["result"], "partial");
    assert_eq!(
        (body["completed"].as_u64(), body["notCompleted"].as_u64()),
        (Some(1), Some(1))
    );
    let e = &body["errors"][0];
    assert_eq!(
        *e,
        json!({"index": 1, "step": 0, "requestID": "r2", "user": "nobody@example.com",
               "errorCode": "error.user.nonexistent", "message": "User Id does not exist: nobody@example.com"})
    );
    let body = ctx.action(json!([bad, bad])).await;
    assert_eq!(
        (body["result"].as_str(), body["completed"].as_u64()),
        (Some("error"), Some(0))
    );

    for (raw, why) in [
        ("not json", "unparsable"),
        ("{}", "not an array"),
        ("[]", "empty"),
        (
            &*format!("[{}]", vec![ok.to_string(); 11].join(",")),
            "11 entries",
        ),
    ] {
        let (status, body) = ctx.action_raw(raw, false).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}");
        assert_eq!(body["result"], "error.command.malformed", "{why}");
        assert!(body["message"].is_string());
    }
    let ten = json!(vec![ok; 10]);
    assert_eq!(ctx.action(ten).await["completed"], 10);
}

#[tokio::test]
async fn entries_of_one_request_run_in_no_promised_order() {
    let ctx = ctx().await;
    // A create and an update of the same user in one request: UMAPI promises no order between
    // entries; the sandbox runs them last to first, so the update finds no user.
    let body = ctx
        .action(json!([
            {"user": "order@example.com", "do": [{"createEnterpriseID": {"email": "order@example.com", "firstname": "O", "lastname": "R"}}]},
            {"user": "order@example.com", "do": [{"update": {"firstname": "Later"}}]},
            {"user": "nobody@example.com", "do": [{"add": {"group": ["Sales"]}}]},
        ]))
        .await;
    assert_eq!(body["result"], "partial", "{body}");
    let indexes: Vec<u64> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["index"].as_u64().unwrap())
        .collect();
    // Errors are still reported in entry order.
    assert_eq!(indexes, [1, 2], "{body}");
    assert_eq!(body["errors"][0]["errorCode"], "error.user.nonexistent");
    assert_eq!(
        ctx.sb.umapi_user("order@example.com").unwrap()["firstname"],
        "O"
    );
}

#[tokio::test]
async fn user_group_steps() {
    let ctx = ctx().await;
    let body = ctx
        .action(json!([{"usergroup": "Idm Test Group", "requestID": "g1", "do": [
            {"createUserGroup": {"description": "made by a test"}},
            {"add": {"user": ["admin@example.com", "jdoe@example.net"], "productConfiguration": ["Illustrator - Default"]}}
        ]}]))
        .await;
    assert_eq!(body["result"], "success", "{body}");
    let mut members = ctx.sb.umapi_group_members("Idm Test Group").unwrap();
    members.sort();
    assert_eq!(members, ["admin@example.com", "jdoe@example.net"]);
    // The profile is reached through the group.
    let (_, _, got) = ctx
        .get_json("/organizations/{org}/users/admin@example.com?directOnly=false")
        .await;
    let names: Vec<&str> = got["user"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g.as_str().unwrap())
        .collect();
    assert!(names.contains(&"Illustrator - Default"), "{names:?}");
    assert!(names.contains(&"Idm Test Group"));

    // Creating it again: error without option, fine with ignore, description with update.
    let body = expect_error(
        &ctx,
        json!({"usergroup": "Idm Test Group", "do": [{"createUserGroup": {}}]}),
        0,
        "error.usergroup.already_exists",
    )
    .await;
    assert_eq!(body["errors"][0]["user"], "Idm Test Group");
    let body = ctx
        .action(json!([{"usergroup": "Idm Test Group", "do": [{"createUserGroup": {"option": "ignoreIfAlreadyExists"}}]}]))
        .await;
    assert_eq!(body["result"], "success");
    let body = ctx
        .action(json!([{"usergroup": "Idm Test Group", "do": [
            {"createUserGroup": {"description": "new", "option": "updateIfAlreadyExists"}},
            {"remove": {"user": ["jdoe@example.net"]}}
        ]}]))
        .await;
    assert_eq!(body["result"], "success");
    assert_eq!(
        ctx.sb.umapi_group_members("Idm Test Group").unwrap(),
        ["admin@example.com"]
    );

    // Rename (the admin group follows), then delete.
    ctx.action(json!([{"user": "jdoe", "domain": "example.net", "do": [{"add": {"group": ["_admin_Idm Test Group"]}}]}]))
        .await;
    let body = ctx
        .action(json!([{"usergroup": "Idm Test Group", "do": [{"updateUserGroup": {"name": "Idm Renamed"}}]}]))
        .await;
    assert_eq!(body["result"], "success", "{body}");
    assert!(ctx.sb.umapi_group_members("Idm Test Group").is_none());
    assert_eq!(
        ctx.sb.umapi_group_members("_admin_Idm Renamed").unwrap(),
        ["jdoe@example.net"]
    );
    let body = ctx
        .action(json!([{"usergroup": "Idm Renamed", "do": [{"deleteUserGroup": {}}]}]))
        .await;
    assert_eq!(body["result"], "success");
    assert!(ctx.sb.umapi_group_members("Idm Renamed").is_none());
    assert!(ctx.sb.umapi_group_members("_admin_Idm Renamed").is_none());
    assert!(!groups_of(&ctx, "admin@example.com").contains(&"Idm Renamed".to_owned()));

    expect_error(
        &ctx,
        json!({"usergroup": "Idm Renamed", "do": [{"deleteUserGroup": {}}]}),
        0,
        "error.usergroup.not_found",
    )
    .await;
    expect_error(
        &ctx,
        json!({"usergroup": "_bad", "do": [{"createUserGroup": {}}]}),
        0,
        "error.group.invalid_name",
    )
    .await;
    expect_error(
        &ctx,
        json!({"usergroup": "New G", "do": [{"add": {"user": []}}, {"createUserGroup": {}}]}),
        1,
        "error.command.create.not_first",
    )
    .await;
    expect_error(
        &ctx,
        json!({"usergroup": "Sales", "do": [{"add": {"productConfiguration": ["No Such Profile"]}}]}),
        0,
        "error.group.not_found",
    )
    .await;
    expect_error(
        &ctx,
        json!({"usergroup": "Sales", "do": [{"add": {"user": ["a@example.com", "A@example.com"]}}]}),
        0,
        "error.command.add_remove.duplicate.user_list",
    )
    .await;
    expect_error(
        &ctx,
        json!({"usergroup": "Sales", "do": [{"add": {"user": ["nobody@example.com"]}}]}),
        0,
        "error.user.nonexistent",
    )
    .await;
    expect_error(
        &ctx,
        json!({"usergroup": "All Apps - Default", "do": [{"createUserGroup": {"option": "ignoreIfAlreadyExists"}}]}),
        0,
        "error.usergroup.already_exists",
    )
    .await;
}

#[tokio::test]
async fn read_only_groups() {
    let ctx = ctx().await;
    let group = "Contractors (Read-Only)";
    for (step, code) in [
        (
            json!({"add": {"user": ["admin@example.com"]}}),
            "error.usergroup.readonly.add_user_not_allowed",
        ),
        (
            json!({"remove": {"user": ["admin@example.com"]}}),
            "error.usergroup.readonly.remove_user_not_allowed",
        ),
        (
            json!({"updateUserGroup": {"description": "x"}}),
            "error.usergroup.readonly.update_not_allowed",
        ),
        (
            json!({"deleteUserGroup": {}}),
            "error.usergroup.readonly.remove_not_allowed",
        ),
    ] {
        expect_error(&ctx, json!({"usergroup": group, "do": [step]}), 0, code).await;
    }
    // Profiles can still be changed.
    let body = ctx
        .action(json!([{"usergroup": group, "do": [{"add": {"productConfiguration": ["Acrobat Pro - Default"]}}]}]))
        .await;
    assert_eq!(body["result"], "success", "{body}");
    assert!(ctx.sb.umapi_group_members(group).is_some());
}

#[tokio::test]
async fn test_mode_checks_without_changing() {
    let ctx = ctx().await;
    let before = ctx.sb.umapi_user("admin@example.com").unwrap();
    let create = json!({"user": "dry@example.com", "do": [
        {"createEnterpriseID": {"email": "dry@example.com", "firstname": "D", "lastname": "R"}},
        {"add": {"group": ["Sales"]}}
    ]});
    let body = ctx
        .action_test(json!([
            create,
            create,
            {"user": "admin@example.com", "do": [{"update": {"firstname": "Nope"}}, {"remove": "all"}]},
            {"user": "ghost@example.com", "do": [{"add": {"group": ["Sales"]}}]},
            {"usergroup": "Dry Group", "do": [{"createUserGroup": {}}, {"add": {"user": ["dry@example.com"]}}]},
            {"user": "admin@example.com", "do": [{"add": {"group": ["No Such Group"]}}]}
        ]))
        .await;
    assert_eq!(body["completed"], 0, "{body}");
    assert_eq!(body["completedInTestMode"], 5, "{body}");
    assert_eq!(body["notCompleted"], 1);
    assert_eq!(body["result"], "partial");
    assert_eq!(body["errors"][0]["index"], 5);
    assert_eq!(body["errors"][0]["errorCode"], "error.group.not_found");
    assert!(ctx.sb.umapi_user("dry@example.com").is_none());
    assert!(ctx.sb.umapi_group_members("Dry Group").is_none());
    assert_eq!(ctx.sb.umapi_user("admin@example.com").unwrap(), before);
    // Conflicts with existing users are still reported.
    let body = ctx
        .action_test(json!([{"user": "admin@example.com", "do": [
            {"createEnterpriseID": {"email": "admin@example.com", "firstname": "A", "lastname": "B"}}
        ]}]))
        .await;
    assert_eq!(body["errors"][0]["errorCode"], "error.user.already_in_org");
    assert_eq!(body["completedInTestMode"], 0);
}
