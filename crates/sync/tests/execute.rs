//! The library's whole loop against the sandbox: read, plan, execute with a journal, plan again.

use idm_sandbox::{Sandbox, SandboxConfig};
use idm_sync::{DirectoryUser, Rules, execute, plan};
use umapi::journal::{Journal, JournalHeader};
use umapi::{IdentityType, RateLimits};

fn directory() -> Vec<DirectoryUser> {
    let user = |email: &str, groups: &[&str]| DirectoryUser {
        identity_type: IdentityType::FederatedId,
        username: email.into(),
        domain: None,
        email: email.into(),
        firstname: Some("Sam".into()),
        lastname: Some("Sync".into()),
        country: Some("DE".into()),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        origin: format!("test:{email}"),
    };
    vec![
        user("sam.sync@example.net", &["Designers"]),
        user("jdoe@example.net", &["Designers"]),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_executed_with_its_journal_then_nothing_left_to_do() {
    let sb = Sandbox::start(SandboxConfig::default().users(8).groups(6))
        .await
        .unwrap();
    let info = sb.umapi_info();
    let client = umapi::Client::builder()
        .org_id(&info.org_id)
        .oauth(&info.client_id, &info.client_secret)
        .endpoint(&info.endpoint)
        .ims_url(&info.ims)
        .rate_limits(RateLimits::unlimited())
        .build()
        .unwrap();
    let mut rules = Rules {
        process_groups: true,
        ..Rules::default()
    };
    rules
        .mapping
        .insert("Designers".into(), vec!["Design Team".into()]);
    let adobe = client.users().all().await.unwrap();
    let first = plan(&directory(), &adobe, &rules).unwrap();
    assert!(first.actions.len() >= 2, "{:?}", first.actions);

    let path = std::env::temp_dir().join(format!("idm-sync-exec-{}.ndjson", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let journal =
        Journal::create(&path, &JournalHeader::new("test", client.org_id(), false)).unwrap();
    let done = execute(&client, &first, Some(journal)).await.unwrap();
    assert_eq!(done.reports.len(), first.actions.len());
    assert!(
        done.reports.iter().all(|r| r.errors.is_empty()),
        "{:?}",
        done.reports
    );
    assert_eq!(sb.stats().sync_start, 1);
    assert_eq!(sb.stats().sync_end, 1);

    // Every action is in the journal, done, with the planner's reason.
    let contents = Journal::read(&path).unwrap();
    assert_eq!(contents.done().len(), first.actions.len());
    let text = std::fs::read_to_string(&path).unwrap();
    for p in &first.actions {
        assert!(
            text.contains(&serde_json::to_string(&p.reason).unwrap()),
            "{}",
            p.reason
        );
    }
    let _ = std::fs::remove_file(&path);

    let sam = sb.umapi_user("sam.sync@example.net").expect("created");
    assert!(
        sam["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g == "Design Team")
    );
    let adobe = client.users().all().await.unwrap();
    let second = plan(&directory(), &adobe, &rules).unwrap();
    assert!(second.actions.is_empty(), "{:?}", second.actions);
}
