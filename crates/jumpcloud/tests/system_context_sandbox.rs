//! System Context Authorization against the sandbox: a system signs its own requests with its
//! private key; the sandbox checks the signature, the date, the endpoint and the system id.

use std::time::{Duration, SystemTime};

use idm_sandbox::{Sandbox, SandboxConfig};
use jumpcloud::v2::models::GraphOperationSystemGroupMember;
use jumpcloud::{Client, SystemContext};

struct Setup {
    sandbox: Sandbox,
    system_id: String,
    key_file: String,
}

async fn setup() -> Setup {
    let sandbox = Sandbox::start(SandboxConfig::default().users(10).systems(3).groups(8))
        .await
        .unwrap();
    let sc = sandbox.jumpcloud_info().system_context.unwrap();
    Setup {
        system_id: sc.system_id,
        key_file: sc.key_file,
        sandbox,
    }
}

fn signed_client(s: &Setup, context: SystemContext) -> Client {
    Client::builder()
        .base_url(s.sandbox.base_url())
        .system_context(context)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_system_reads_and_changes_what_is_its_own() {
    let s = setup().await;
    let c = signed_client(
        &s,
        SystemContext::from_key_file(&s.system_id, &s.key_file).unwrap(),
    );
    let groups = c
        .v2()
        .systems()
        .graph_system_member_of(&s.system_id)
        .send()
        .await
        .unwrap();
    assert_eq!(groups.len(), 1, "each seeded system is in one system group");
    let me = c.v1().systems().get(&s.system_id).send().await.unwrap();
    assert_eq!(me.id.as_deref(), Some(s.system_id.as_str()));
    let users = c
        .v2()
        .systems()
        .graph_system_traverse_user(&s.system_id)
        .all()
        .await
        .unwrap();
    assert!(!users.is_empty(), "seeded users reach every system");
    // It may move itself into another system group.
    let api = Client::builder()
        .base_url(s.sandbox.base_url())
        .api_key(s.sandbox.jumpcloud_info().api_key)
        .build()
        .unwrap();
    let all_groups = api.v2().system_groups().list().all().await.unwrap();
    let other = all_groups
        .iter()
        .filter_map(|g| g.id.clone())
        .find(|g| g != groups[0].id.as_ref().unwrap())
        .unwrap();
    c.v2()
        .system_groups()
        .graph_system_group_members_post(&other)
        .body(&GraphOperationSystemGroupMember {
            id: Some(s.system_id.clone()),
            op: Some("add".parse().unwrap()),
            r#type: Some("system".parse().unwrap()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let now = c
        .v2()
        .systems()
        .graph_system_member_of(&s.system_id)
        .all()
        .await
        .unwrap();
    assert_eq!(now.len(), 2);
    // The audit log names the system as the one who did it.
    let events: Vec<_> = futures_util::TryStreamExt::try_collect(
        api.insights()
            .events(jumpcloud::insights::since(Duration::from_secs(600)))
            .filter("event_type", "association_change")
            .stream(),
    )
    .await
    .unwrap();
    assert_eq!(events.len(), 1);
    let by = events[0].initiated_by.as_ref().unwrap();
    assert_eq!(by.kind.as_deref(), Some("system"));
    assert_eq!(by.id.as_deref(), Some(s.system_id.as_str()));
    assert_eq!(events[0].other["auth_method"], "system_context");
}

#[tokio::test]
async fn the_two_headers_can_be_passed_by_hand_as_in_the_seed() {
    let s = setup().await;
    let context = SystemContext::from_key_file(&s.system_id, &s.key_file).unwrap();
    let path = format!("/api/v2/systems/{}/memberof", s.system_id);
    let signed = context.sign("GET", &path, SystemTime::now()).unwrap();
    // No API key, no client-side signing: just the headers.
    let c = Client::builder()
        .base_url(s.sandbox.base_url())
        .credentials_by_hand()
        .build()
        .unwrap();
    let groups = c
        .v2()
        .systems()
        .graph_system_member_of(&s.system_id)
        .date(signed.date)
        .authorization(signed.authorization)
        .send()
        .await
        .unwrap();
    assert_eq!(groups.len(), 1);
}

async fn refused(s: &Setup, context: SystemContext, system: &str) -> u16 {
    signed_client(s, context)
        .v2()
        .systems()
        .graph_system_member_of(system)
        .send()
        .await
        .unwrap_err()
        .status()
        .unwrap()
}

#[tokio::test]
async fn wrong_key_stale_date_other_system_and_closed_endpoints_are_401() {
    let s = setup().await;
    // Another system's key file: valid PEM, wrong key for this system.
    let api = s.sandbox.jumpcloud_info();
    let systems = Client::builder()
        .base_url(s.sandbox.base_url())
        .api_key(api.api_key)
        .build()
        .unwrap()
        .v1()
        .systems()
        .list()
        .all()
        .await
        .unwrap();
    let other = systems
        .iter()
        .filter_map(|x| x.id.clone())
        .find(|id| *id != s.system_id)
        .unwrap();
    let other_key = s.sandbox.jumpcloud_key_file(&other).unwrap();
    let wrong = SystemContext::from_key_file(&s.system_id, &other_key).unwrap();
    assert_eq!(refused(&s, wrong, &s.system_id).await, 401, "wrong key");

    // The right key, acting on another system.
    let mine = || SystemContext::from_key_file(&s.system_id, &s.key_file).unwrap();
    assert_eq!(
        refused(&s, mine(), &other).await,
        401,
        "another system's id"
    );

    // A signature over a date 5 minutes old.
    let path = format!("/api/v2/systems/{}/memberof", s.system_id);
    let stale = mine()
        .sign("GET", &path, SystemTime::now() - Duration::from_secs(300))
        .unwrap();
    let err = Client::builder()
        .base_url(s.sandbox.base_url())
        .credentials_by_hand()
        .build()
        .unwrap()
        .v2()
        .systems()
        .graph_system_member_of(&s.system_id)
        .date(stale.date)
        .authorization(stale.authorization)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401), "stale date");

    // An endpoint that System Context does not open, with a good signature.
    let err = signed_client(&s, mine())
        .v1()
        .systemusers()
        .list()
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.status(),
        Some(401),
        "systemusers is not open to a system"
    );
}
