//! Actions against the sandbox: creation, groups, splitting, batching, error routing, test mode.

mod common;

use common::start;
use idm_sandbox::SandboxConfig;
use serde_json::json;
use umapi::{
    Action, ActionStatus, Error, GroupAction, IfAlreadyExists, NewUser, UserAction, UserUpdate,
};

async fn two_user_groups(client: &umapi::Client) -> Vec<String> {
    client
        .groups()
        .all()
        .await
        .unwrap()
        .into_iter()
        .filter(|g| {
            g.group_type == Some(umapi::GroupType::UserGroup) && !g.group_name.contains("Read")
        })
        .map(|g| g.group_name)
        .take(2)
        .collect()
}

#[tokio::test]
async fn creates_a_user_and_adds_it_to_groups() {
    let (sb, client) = start(SandboxConfig::default()).await;
    let groups = two_user_groups(&client).await;
    let action = UserAction::new("new.person@example.com")
        .unwrap()
        .create(NewUser::enterprise("new.person@example.com", "New", "Person").country("DE"))
        .unwrap()
        .add_to_groups(groups.clone())
        .unwrap();
    let report = client.execute([action]).await.unwrap();
    assert_eq!(report.actions.len(), 1);
    assert_eq!(report.actions[0].status, ActionStatus::Done);
    let user = client
        .user("new.person@example.com")
        .get()
        .await
        .unwrap()
        .expect("created");
    assert_eq!(user.firstname.as_deref(), Some("New"));
    for g in &groups {
        assert!(user.groups.contains(g), "{g} in {:?}", user.groups);
        assert!(
            sb.umapi_group_members(g)
                .unwrap()
                .contains(&"new.person@example.com".to_owned())
        );
    }
    // Update and remove.
    let report = client
        .execute([UserAction::new("new.person@example.com")
            .unwrap()
            .update(UserUpdate::new().lastname("Renamed"))
            .unwrap()
            .remove_from_groups([groups[0].clone()])
            .unwrap()])
        .await
        .unwrap();
    assert!(report.is_success());
    let state = sb.umapi_user("new.person@example.com").unwrap();
    assert_eq!(state["lastname"], "Renamed");
    assert!(
        !state["groups"]
            .as_array()
            .unwrap()
            .contains(&json!(groups[0]))
    );
    client
        .execute([UserAction::new("new.person@example.com")
            .unwrap()
            .remove_from_org(true)
            .unwrap()])
        .await
        .unwrap();
    assert_eq!(
        client.user("new.person@example.com").get().await.unwrap(),
        None
    );
}

#[tokio::test]
async fn errors_are_routed_to_the_action_and_step_that_caused_them() {
    let (_sb, client) = start(SandboxConfig::default()).await;
    let groups = two_user_groups(&client).await;
    let good = UserAction::new("ok@example.com")
        .unwrap()
        .create(NewUser::enterprise("ok@example.com", "O", "K"))
        .unwrap()
        .add_to_groups([groups[0].clone()])
        .unwrap();
    let bad = UserAction::new("bad@example.com")
        .unwrap()
        .request_id("r-bad")
        .create(NewUser::enterprise("bad@example.com", "B", "D"))
        .unwrap()
        .add_to_groups(["Group That Does Not Exist"])
        .unwrap();
    let err = client.execute([good, bad]).await.unwrap_err();
    let Error::Batch(batch) = &err else {
        panic!("expected a batch error, got {err}")
    };
    assert_eq!(batch.completed(), 1);
    assert_eq!(batch.failed(), 1);
    let failed = &batch.report.actions[1];
    assert_eq!(failed.target, "bad@example.com");
    assert_eq!(failed.request_id.as_deref(), Some("r-bad"));
    assert_eq!(failed.errors.len(), 1);
    assert_eq!(failed.errors[0].step, Some(1));
    assert_eq!(failed.errors[0].code, "error.group.not_found");
    assert!(
        failed.errors[0]
            .command
            .as_ref()
            .unwrap()
            .get("add")
            .is_some()
    );
    assert!(err.to_string().contains("1 of 2 actions failed"), "{err}");
}

#[tokio::test]
async fn long_actions_and_many_actions_are_split_and_batched() {
    let (sb, client) = start(SandboxConfig::default()).await;
    let groups = two_user_groups(&client).await;
    // 25 new users, then one group action adding all 25 (split into 3 lists).
    let creates: Vec<Action> = (0..25)
        .map(|i| {
            let email = format!("batch{i}@example.com");
            UserAction::new(&email)
                .unwrap()
                .create(NewUser::enterprise(&email, "B", format!("{i}")))
                .unwrap()
                .into()
        })
        .collect();
    let report = client.execute(creates).await.unwrap();
    assert_eq!(report.requests, 3, "25 entries go out in 3 requests");
    let emails: Vec<String> = (0..25).map(|i| format!("batch{i}@example.com")).collect();
    let add = GroupAction::new(groups[1].clone())
        .unwrap()
        .add_users(emails.clone())
        .unwrap();
    let report = client.execute([add]).await.unwrap();
    assert_eq!(report.entries_sent, 1, "3 split steps fit in one entry");
    let members = sb.umapi_group_members(&groups[1]).unwrap();
    for e in &emails {
        assert!(members.contains(e), "{e}");
    }
    // An action with 12 steps becomes two entries.
    let mut a = UserAction::new("batch0@example.com").unwrap();
    for i in 0..12 {
        a = a
            .update(UserUpdate::new().firstname(format!("Step{i}")))
            .unwrap();
    }
    let report = client.execute([a]).await.unwrap();
    assert_eq!(report.entries_sent, 2);
    assert_eq!(report.actions[0].entries, 2);
    assert_eq!(
        sb.umapi_user("batch0@example.com").unwrap()["firstname"],
        "Step11"
    );
}

#[tokio::test]
async fn test_mode_changes_nothing() {
    let (sb, _) = start(SandboxConfig::default()).await;
    let client = common::builder(&sb).test_mode(true).build().unwrap();
    let report = client
        .execute([UserAction::new("dry@example.com")
            .unwrap()
            .create(NewUser::enterprise("dry@example.com", "D", "R"))
            .unwrap()])
        .await
        .unwrap();
    assert!(report.test_mode && report.is_success());
    assert!(sb.umapi_user("dry@example.com").is_none());
}

#[tokio::test]
async fn group_lifecycle() {
    let (sb, client) = start(SandboxConfig::default()).await;
    let create = GroupAction::new("Idm Test Group")
        .unwrap()
        .create(Some("made by a test"), IfAlreadyExists::Error)
        .unwrap();
    client.execute([create.clone()]).await.unwrap();
    // Creating it again without an option fails, and says so.
    let err = client.execute([create]).await.unwrap_err();
    assert!(
        err.to_string().contains("error.usergroup.already_exists"),
        "{err}"
    );
    let first_user = client.users().all().await.unwrap().remove(0).email;
    client
        .execute([GroupAction::new("Idm Test Group")
            .unwrap()
            .add_users([first_user.clone()])
            .unwrap()])
        .await
        .unwrap();
    assert_eq!(
        sb.umapi_group_members("Idm Test Group").unwrap(),
        vec![first_user]
    );
    client
        .execute([GroupAction::new("Idm Test Group")
            .unwrap()
            .delete()
            .unwrap()])
        .await
        .unwrap();
    assert!(sb.umapi_group_members("Idm Test Group").is_none());
}

#[tokio::test]
async fn wire_format_entries_run_as_given() {
    let (sb, client) = start(SandboxConfig::default()).await;
    let entries = json!([
        {"user": "wire@example.com", "requestID": "w1",
         "do": [{"createEnterpriseID": {"email": "wire@example.com", "firstname": "W", "lastname": "F"}}]},
        {"user": "wire@example.com", "do": [{"update": {"firstname": "Wired"}}]}
    ]);
    let actions = Action::list_from_wire(&entries).unwrap();
    let report = client.execute(actions).await.unwrap();
    assert_eq!(report.actions.len(), 2);
    assert_eq!(
        sb.umapi_user("wire@example.com").unwrap()["firstname"],
        "Wired"
    );
}

#[tokio::test]
async fn actions_on_one_user_run_in_the_order_pushed() {
    // The sandbox runs a request's entries last to first (UMAPI promises no order), so this only
    // passes if the queue never puts two entries for one user in one request, or in two at once.
    let (sb, client) = start(SandboxConfig::default()).await;
    let groups = two_user_groups(&client).await;
    let mut queue = client.queue();
    queue
        .push(
            UserAction::new("order@example.com")
                .unwrap()
                .create(NewUser::enterprise("order@example.com", "First", "Last"))
                .unwrap(),
        )
        .await;
    // Nine other users fill the rest of the first request.
    for i in 0..9 {
        let email = format!("other{i}@example.com");
        queue
            .push(
                UserAction::new(email.clone())
                    .unwrap()
                    .create(NewUser::enterprise(email, "O", "T"))
                    .unwrap(),
            )
            .await;
    }
    queue
        .push(
            UserAction::new("order@example.com")
                .unwrap()
                .update(UserUpdate::new().firstname("Second"))
                .unwrap()
                .add_to_groups([groups[0].clone()])
                .unwrap(),
        )
        .await;
    // An action of 12 steps: two entries, the second only after the first was answered.
    let mut long = UserAction::new("order@example.com").unwrap();
    for i in 0..11 {
        long = long
            .update(UserUpdate::new().lastname(format!("L{i}")))
            .unwrap();
    }
    long = long.remove_from_groups([groups[0].clone()]).unwrap();
    queue.push(long).await;
    let report = queue.flush().await;
    assert!(report.is_success(), "{report:?}");
    assert_eq!(report.actions[11].entries, 2);
    // 10 entries, then the update, then the two parts of the long action.
    assert_eq!((report.requests, report.entries_sent), (4, 13));
    let user = sb.umapi_user("order@example.com").unwrap();
    assert_eq!(
        (&user["firstname"], &user["lastname"]),
        (&json!("Second"), &json!("L10"))
    );
    let member_of = user["groups"].as_array().cloned().unwrap_or_default();
    assert!(!member_of.contains(&json!(groups[0])), "{user}");
}

#[tokio::test]
async fn the_queue_counts_answered_actions_for_progress() {
    let (_sb, client) = start(SandboxConfig::default()).await;
    let mut queue = client.queue();
    for i in 0..60 {
        let email = format!("progress{i}@example.com");
        let action = UserAction::new(email.clone())
            .unwrap()
            .create(NewUser::enterprise(email, "P", "Q"))
            .unwrap();
        queue.push(action).await;
        assert!(queue.answered() <= queue.len());
    }
    // Full requests went out while pushing; with the default concurrency (4) at least two of
    // the six had to be answered before the last push returned.
    assert!(queue.answered() >= 20, "{}", queue.answered());
    let report = queue.flush().await;
    assert_eq!(report.actions.len(), 60);
    assert_eq!(queue.answered(), 0, "the count restarts after a flush");
}

#[tokio::test]
async fn a_split_childs_error_and_a_warning_reach_the_action_as_built() {
    let (_sb, client) = start(SandboxConfig::default()).await;
    let groups = two_user_groups(&client).await;
    // 12 steps: the second entry holds steps 10 and 11; step 11 names a missing group.
    let mut long = UserAction::new("admin@example.com").unwrap();
    for i in 0..11 {
        long = long
            .update(UserUpdate::new().firstname(format!("F{i}")))
            .unwrap();
    }
    long = long.add_to_groups(["No Such Group"]).unwrap();
    // A deprecated `product` list draws a warning, routed to its step.
    let warned = Action::from_wire(&json!({"user": "admin@example.com",
        "do": [{"update": {"lastname": "W"}}, {"add": {"product": [groups[0]]}}]}))
    .unwrap();
    let mut queue = client.queue();
    queue.push(long).await;
    queue.push(warned).await;
    let report = queue.flush().await;
    let long = &report.actions[0];
    assert_eq!((long.entries, long.status), (2, ActionStatus::Failed));
    assert_eq!(long.errors.len(), 1, "{long:?}");
    assert_eq!(long.errors[0].step, Some(11));
    assert_eq!(long.errors[0].code, "error.group.not_found");
    let warned = &report.actions[1];
    assert_eq!(warned.status, ActionStatus::Done);
    assert_eq!(warned.warnings.len(), 1, "{warned:?}");
    assert_eq!(warned.warnings[0].step, Some(1));
    assert_eq!(warned.warnings[0].code, "warning.command.deprecated");
}

#[tokio::test]
async fn every_builder_step_does_what_it_says() {
    let (sb, client) = start(SandboxConfig::default()).await;
    let groups = two_user_groups(&client).await;
    let profiles: Vec<String> = client
        .groups()
        .all()
        .await
        .unwrap()
        .into_iter()
        .filter(|g| g.group_type == Some(umapi::GroupType::ProductProfile))
        .map(|g| g.group_name)
        .take(2)
        .collect();
    let member = |email: &str, group: &str| {
        sb.umapi_group_members(group)
            .unwrap_or_default()
            .contains(&email.to_owned())
    };
    // A Federated ID by username and domain, in both groups, then out of every group.
    let fed = || UserAction::with_domain("fed.user", "example.net").unwrap();
    client
        .execute([fed()
            .create(NewUser::federated(
                "fed.user@example.net",
                "Fed",
                "User",
                "FR",
            ))
            .unwrap()
            .add_to_groups(groups.clone())
            .unwrap()])
        .await
        .unwrap();
    assert!(member("fed.user@example.net", &groups[1]));
    let u = client
        .user("fed.user")
        .domain("example.net")
        .get()
        .await
        .unwrap()
        .expect("created");
    assert_eq!(
        (u.country.as_deref(), u.username.as_deref()),
        (Some("FR"), Some("fed.user"))
    );
    client
        .execute([fed().remove_from_all_groups().unwrap()])
        .await
        .unwrap();
    assert!(!groups.iter().any(|g| member("fed.user@example.net", g)));
    // Create with updateIfAlreadyExists changes the names of an existing user.
    client
        .execute([UserAction::new("admin@example.com")
            .unwrap()
            .create(
                NewUser::enterprise("admin@example.com", "Changed", "ByCreate")
                    .on_conflict(IfAlreadyExists::Update),
            )
            .unwrap()])
        .await
        .unwrap();
    assert_eq!(
        sb.umapi_user("admin@example.com").unwrap()["firstname"],
        "Changed"
    );
    // An Adobe ID (useAdobeID is set by the create), then removed from the org.
    let adobe = UserAction::new("someone.new@personal.example").unwrap();
    client
        .execute([adobe
            .clone()
            .create(NewUser::adobe_id("someone.new@personal.example"))
            .unwrap()])
        .await
        .unwrap();
    assert_eq!(
        sb.umapi_user("someone.new@personal.example").unwrap()["type"],
        "adobeID"
    );
    client
        .execute([adobe.use_adobe_id().remove_from_org(false).unwrap()])
        .await
        .unwrap();
    assert!(sb.umapi_user("someone.new@personal.example").is_none());
    // A group: created, given profiles and a member, renamed, member and a profile taken away.
    let group = || GroupAction::new("Builder Group").unwrap();
    client
        .execute([group()
            .create(Some("made by a test"), IfAlreadyExists::Error)
            .unwrap()
            .add_to_products(profiles.clone())
            .unwrap()
            .add_users(["admin@example.com"])
            .unwrap()])
        .await
        .unwrap();
    assert!(member("admin@example.com", "Builder Group"));
    client
        .execute([group()
            .update(Some("Renamed Builder Group"), Some("renamed"))
            .unwrap()])
        .await
        .unwrap();
    assert!(sb.umapi_group_members("Builder Group").is_none());
    let renamed = || GroupAction::new("Renamed Builder Group").unwrap();
    client
        .execute([renamed()
            .remove_users(["admin@example.com"])
            .unwrap()
            .remove_from_products([profiles[0].clone()])
            .unwrap()])
        .await
        .unwrap();
    assert_eq!(
        sb.umapi_group_members("Renamed Builder Group"),
        Some(vec![])
    );
    let g = client
        .groups()
        .all()
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.group_name == "Renamed Builder Group")
        .expect("renamed group listed");
    assert_eq!(g.member_count, Some(0));
}

#[tokio::test]
async fn submit_reports_every_action_and_execute_fails_with_the_same_report() {
    let (_sb, client) = common::start(idm_sandbox::SandboxConfig::default().users(5)).await;
    let good = umapi::UserAction::new("jdoe@example.net")
        .unwrap()
        .add_to_groups(["Design Team"])
        .unwrap();
    let bad = umapi::UserAction::new("nobody@example.com")
        .unwrap()
        .add_to_groups(["Design Team"])
        .unwrap();
    let report = client.submit([good.clone(), bad.clone()]).await;
    assert_eq!(report.actions.len(), 2);
    assert_eq!(report.actions[0].steps, ["add"]);
    assert!(report.actions[0].errors.is_empty());
    assert!(!report.actions[1].errors.is_empty());
    assert!(!report.is_success());
    let err = client.execute([good, bad]).await.unwrap_err();
    let umapi::Error::Batch(b) = err else {
        panic!("{err}")
    };
    assert_eq!(b.report.actions.len(), 2);
}

#[tokio::test]
async fn a_read_only_group_fails_alone_and_the_others_of_its_step_are_applied() {
    let (sb, client) = start(SandboxConfig::default()).await;
    let listed = client.user_groups().all().await.unwrap();
    let read_only: Vec<String> = listed
        .iter()
        .filter(|g| g.is_read_only)
        .map(|g| g.name.clone())
        .collect();
    assert_eq!(read_only.len(), 2, "{listed:?}");
    let writable = two_user_groups(&client).await;
    assert!(
        listed
            .iter()
            .any(|g| g.name == writable[0] && !g.is_read_only)
    );
    let user = client.users().all().await.unwrap()[0].email.clone();
    // One step: writable, read-only, writable, read-only; then a rename that must still run.
    let groups = vec![
        writable[0].clone(),
        read_only[0].clone(),
        writable[1].clone(),
        read_only[1].clone(),
    ];
    let action = UserAction::new(&user)
        .unwrap()
        .add_to_groups(groups)
        .unwrap()
        .update(UserUpdate::new().firstname("StillRuns"))
        .unwrap();
    let report = client.submit([action]).await;
    let r = &report.actions[0];
    assert_eq!(r.status, ActionStatus::Failed);
    // One error per read-only group, each naming its own one-group command.
    let failed: Vec<(Option<usize>, String, serde_json::Value)> = r
        .errors
        .iter()
        .map(|e| (e.step, e.code.clone(), e.command.clone().unwrap()))
        .collect();
    assert_eq!(
        failed,
        read_only
            .iter()
            .map(|g| (
                Some(0),
                "error.usergroup.readonly.add_user_not_allowed".to_owned(),
                json!({"add": {"group": [g]}})
            ))
            .collect::<Vec<_>>()
    );
    let state = sb.umapi_user(&user).unwrap();
    let now: Vec<&str> = state["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g.as_str())
        .collect();
    for g in &writable {
        assert!(now.contains(&g.as_str()), "{g} in {now:?}");
    }
    for g in &read_only {
        assert!(!now.contains(&g.as_str()), "{g} in {now:?}");
    }
    assert_eq!(state["firstname"], "StillRuns");
}
