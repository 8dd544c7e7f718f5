//! The Directory Insights client against the sandbox: what a test just did shows as events;
//! streaming pages across equal timestamps; counts, distinct values, intervals, reports.

use std::time::Duration;

use futures_util::TryStreamExt;
use idm_sandbox::{Sandbox, SandboxConfig};
use jumpcloud::Client;
use jumpcloud::insights::{IntervalUnit, since};
use jumpcloud::v1::models::Systemuserputpost;

async fn start(events: usize) -> (Sandbox, Client) {
    let sb = Sandbox::start(
        SandboxConfig::default()
            .users(5)
            .groups(4)
            .jumpcloud_events(events),
    )
    .await
    .unwrap();
    let client = Client::builder()
        .base_url(sb.base_url())
        .api_key(sb.jumpcloud_info().api_key)
        .build()
        .unwrap();
    (sb, client)
}

#[tokio::test]
async fn what_a_test_did_is_in_the_audit_log() {
    let (_sb, c) = start(0).await;
    let made = c
        .v1()
        .systemusers()
        .post()
        .body(&Systemuserputpost {
            username: Some("logged".into()),
            email: Some("logged@example.com".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let id = made.id.clone().unwrap();
    c.v1().systemusers().delete(&id).send().await.unwrap();
    let events: Vec<_> = c
        .insights()
        .events(since(Duration::from_secs(3600)))
        .service("directory")
        .stream()
        .try_collect()
        .await
        .unwrap();
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types, ["user_create", "user_delete"]);
    let resource = events[0].resource.as_ref().unwrap();
    assert_eq!(resource.id.as_deref(), Some(id.as_str()));
    assert_eq!(resource.username.as_deref(), Some("logged"));
    assert_eq!(
        events[0].initiated_by.as_ref().unwrap().kind.as_deref(),
        Some("admin")
    );
    assert_eq!(events[0].success, Some(true));
    // The rest of an event is kept as JSON.
    assert_eq!(events[0].other["auth_method"], "api_key");
    let deletes = c
        .insights()
        .events(since(Duration::from_secs(3600)))
        .filter("event_type", "user_delete")
        .count()
        .await
        .unwrap();
    assert_eq!(deletes, 1);
}

#[tokio::test]
async fn streams_every_page_in_order_across_equal_timestamps() {
    let (_sb, c) = start(2_500).await;
    let week = since(Duration::from_secs(8 * 86_400));
    let events: Vec<_> = c
        .insights()
        .events(week.clone())
        .page_size(100)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(events.len(), 2_500);
    for pair in events.windows(2) {
        let key = |e: &jumpcloud::insights::Event| (e.timestamp.clone(), e.id.clone());
        assert!(key(&pair[0]) < key(&pair[1]), "out of order or repeated");
    }
    let newest_first: Vec<_> = c
        .insights()
        .events(week.clone())
        .page_size(999)
        .descending()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(newest_first.len(), 2_500);
    assert_eq!(newest_first[0].id, events[2_499].id);
    assert_eq!(
        c.insights().events(week.clone()).count().await.unwrap(),
        2_500
    );
    let services = c
        .insights()
        .events(week.clone())
        .distinct("service")
        .await
        .unwrap();
    assert_eq!(services.others, 0);
    let services = services.buckets;
    assert_eq!(services.iter().map(|b| b.count).sum::<u64>(), 2_500);
    assert!(services.iter().any(|b| b.key == "radius"));
    let days = c
        .insights()
        .events(week.clone())
        .interval(IntervalUnit::Day, 1)
        .await
        .unwrap();
    assert_eq!(days.iter().map(|b| b.count).sum::<u64>(), 2_500);
    assert!(days.len() >= 7, "a week of history: {} days", days.len());
    // One page at a time, as `--follow` reads: the cursor continues where the page ended.
    let first = c
        .insights()
        .events(week.clone())
        .page_size(1_000)
        .page()
        .await
        .unwrap();
    assert!(!first.last);
    let second = c
        .insights()
        .events(week)
        .page_size(1_000)
        .after(first.next.unwrap())
        .page()
        .await
        .unwrap();
    assert_eq!(second.events[0].id, events[1_000].id);
}

#[tokio::test]
async fn bad_queries_say_what_is_wrong() {
    let (_sb, c) = start(0).await;
    let e = c.insights().events("24h").count().await.unwrap_err();
    assert!(e.to_string().contains("RFC 3339"), "{e}");
    let e = c
        .insights()
        .events(since(Duration::from_secs(60)))
        .service("email")
        .count()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400));
    assert!(e.to_string().contains("service"), "{e}");
}

#[tokio::test]
async fn reports_of_the_directory() {
    let (_sb, c) = start(0).await;
    let report = c
        .insights()
        .create_report("users-to-user-groups")
        .await
        .unwrap();
    let listed = c.insights().reports().await.unwrap();
    assert_eq!(listed[0]["id"], report["id"]);
    let content = c
        .insights()
        .report_content(
            report["id"].as_str().unwrap(),
            report["artifacts"][0]["id"].as_str().unwrap(),
        )
        .await
        .unwrap();
    assert!(!content["rows"].as_array().unwrap().is_empty());
}
