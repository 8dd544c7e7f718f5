//! Queries against the sandbox: paging, filters, single users, truncation.

mod common;

use common::start;
use futures_util::TryStreamExt;
use idm_sandbox::SandboxConfig;
use umapi::{Error, GroupType};

#[tokio::test]
async fn lists_every_user_across_pages() {
    let (sb, client) = start(SandboxConfig {
        users: 57,
        user_page_size: 10,
        ..Default::default()
    })
    .await;
    let q = client.users();
    let pages: Vec<_> = q.pages().try_collect().await.unwrap();
    assert!(pages.len() >= 5, "{} pages", pages.len());
    assert!(pages.last().unwrap().last_page);
    assert!(
        pages[..pages.len() - 1]
            .iter()
            .all(|p| !p.last_page && p.items.len() == 10)
    );
    let users: Vec<_> = pages.into_iter().flat_map(|p| p.items).collect();
    let stats = q.stats();
    assert_eq!(stats.items, users.len() as u64);
    assert!(stats.total_count.unwrap() >= users.len() as u64);
    // Same listing through the item stream and all().
    let again = client.users().all().await.unwrap();
    assert_eq!(again, users);
    // Every listed user is active and has an email.
    assert!(
        users
            .iter()
            .all(|u| !u.email.is_empty() && u.status.as_deref() == Some("active"))
    );
    assert!(sb.stats().tokens_issued >= 1);
}

#[tokio::test]
async fn filters_by_group_and_domain() {
    let (_sb, client) = start(SandboxConfig {
        users: 80,
        ..Default::default()
    })
    .await;
    let groups = client.groups().all().await.unwrap();
    let group = groups
        .iter()
        .find(|g| g.group_type == Some(GroupType::UserGroup) && g.member_count.unwrap_or(0) > 0)
        .expect("a user group with members");
    let members = client
        .users()
        .in_group(&group.group_name)
        .all()
        .await
        .unwrap();
    assert_eq!(members.len() as u64, group.member_count.unwrap());
    assert!(members.iter().all(|u| u.groups.contains(&group.group_name)));

    let all = client.users().all().await.unwrap();
    let domain = all[0].domain.clone().expect("users have domains");
    let in_domain = client.users().domain(&domain).all().await.unwrap();
    assert!(!in_domain.is_empty());
    assert!(
        in_domain
            .iter()
            .all(|u| u.domain.as_deref() == Some(domain.as_str()))
    );
    assert!(in_domain.len() <= all.len());

    let err = client
        .users()
        .in_group("No Such Group")
        .all()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
}

#[tokio::test]
async fn single_user_found_or_none() {
    let (sb, client) = start(SandboxConfig {
        users: 10,
        ..Default::default()
    })
    .await;
    let first = client.users().all().await.unwrap().remove(0);
    let found = client
        .user(first.email.to_uppercase())
        .get()
        .await
        .unwrap()
        .expect("case-insensitive match");
    assert_eq!(found.email, first.email);
    assert_eq!(client.user("nobody@example.com").get().await.unwrap(), None);
    // A 404 that is not UMAPI's "no such user" (here: a wrong endpoint) is an error, not None.
    let wrong = common::builder(&sb)
        .endpoint(format!("{}/not-umapi", sb.base_url()))
        .build()
        .unwrap();
    let err = wrong.user(first.email).get().await.unwrap_err();
    assert!(err.to_string().contains("404"), "{err}");
}

#[tokio::test]
async fn groups_have_types_and_quotas() {
    let (_sb, client) = start(SandboxConfig::default()).await;
    let groups = client.groups().all().await.unwrap();
    assert!(
        groups
            .iter()
            .any(|g| g.group_type == Some(GroupType::ProductProfile) && g.license_quota.is_some())
    );
    assert!(
        groups
            .iter()
            .any(|g| g.group_type == Some(GroupType::UserGroup))
    );
}

#[tokio::test]
async fn a_truncated_listing_is_read_again_then_an_error_not_a_short_list() {
    let config = |spec: &str| {
        SandboxConfig {
            users: 30,
            user_page_size: 10,
            ..Default::default()
        }
        .faults_spec(spec)
        .unwrap()
    };
    // An empty page that is not the last, once: read again, and the listing is whole.
    let (_sb, client) = start(config("umapi.users:truncate:page=1")).await;
    assert_eq!(client.users().all().await.unwrap().len(), 30);
    // Twice: an error naming the page.
    let (_sb, client) = start(config("umapi.users:truncate:page=1:count=2")).await;
    let err = client.users().all().await.unwrap_err();
    assert!(matches!(err, Error::Paging(_)), "{err}");
    assert!(
        err.to_string()
            .contains("page 1 is empty but does not say it is the last"),
        "{err}"
    );
    // A 404 in mid-listing ends it at once.
    let (_sb, client) = start(config("umapi.users:truncate:page=1:as=404")).await;
    let err = client.users().all().await.unwrap_err();
    assert!(matches!(err, Error::Truncated { .. }), "{err}");
    assert!(err.to_string().contains("ended early"), "{err}");
}

#[tokio::test]
async fn a_listing_that_says_last_page_too_early_is_an_error() {
    // umapi-client.py #111: lastPage on page 1 of 4, without X-Page-Count.
    let config = |spec: &str| {
        SandboxConfig {
            users: 40,
            user_page_size: 10,
            ..Default::default()
        }
        .faults_spec(spec)
        .unwrap()
    };
    // Once: the second read is right.
    let (_sb, client) = start(config("umapi.users:lastpage:page=1")).await;
    assert_eq!(client.users().all().await.unwrap().len(), 40);
    // Twice: page 0's X-Page-Count (4) contradicts it, whatever shortfall the caller accepts.
    for max_unlisted in [None, Some(1000)] {
        let (_sb, client) = start(config("umapi.users:lastpage:page=1:count=2")).await;
        let mut q = client.users();
        if let Some(n) = max_unlisted {
            q = q.max_unlisted(n);
        }
        let err = q.all().await.unwrap_err();
        assert!(
            err.to_string()
                .contains("page 1 says it is the last page, but X-Page-Count says 4"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn a_small_org_with_more_integrations_than_users_lists_fine() {
    // The sandbox counts 3 technical accounts in X-Total-Count; here they outnumber the users.
    let (_sb, client) = start(SandboxConfig {
        users: 2,
        ..Default::default()
    })
    .await;
    let q = client.users();
    let users = q.all().await.unwrap();
    let stats = q.stats();
    assert_eq!(stats.total_count, Some(users.len() as u64 + 3), "{stats:?}");
    assert!(users.len() < 3, "{} users", users.len());
}

#[tokio::test]
async fn a_result_other_than_success_is_an_error() {
    let config = SandboxConfig::default()
        .faults_spec("umapi.groups:result=error.test")
        .unwrap();
    let (_sb, client) = start(config).await;
    let err = client.groups().all().await.unwrap_err();
    assert_eq!(err.code(), Some("error.test"), "{err}");
}

#[tokio::test]
async fn indirect_members_status_and_excluded_groups() {
    let (_sb, client) = start(SandboxConfig::default()).await;
    let profile = client
        .groups()
        .all()
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.group_type == Some(GroupType::ProductProfile))
        .expect("a product profile")
        .group_name;
    // A new user who gets the profile only through a user group.
    client
        .execute([
            umapi::UserAction::new("indirect@example.com")
                .unwrap()
                .create(umapi::NewUser::enterprise(
                    "indirect@example.com",
                    "In",
                    "Direct",
                ))
                .unwrap()
                .build()
                .unwrap(),
            umapi::GroupAction::new("Indirect Group")
                .unwrap()
                .create(None, umapi::IfAlreadyExists::Error)
                .unwrap()
                .add_to_products([profile.clone()])
                .unwrap()
                .build()
                .unwrap(),
        ])
        .await
        .unwrap();
    client
        .execute([umapi::GroupAction::new("Indirect Group")
            .unwrap()
            .add_users(["indirect@example.com"])
            .unwrap()])
        .await
        .unwrap();
    let emails = |users: Vec<umapi::User>| users.into_iter().map(|u| u.email).collect::<Vec<_>>();
    let direct = emails(client.users().in_group(&profile).all().await.unwrap());
    let all = client
        .users()
        .in_group(&profile)
        .direct_only(false)
        .all()
        .await
        .unwrap();
    assert!(!direct.contains(&"indirect@example.com".to_owned()));
    assert!(emails(all.clone()).contains(&"indirect@example.com".to_owned()));
    assert!(all.iter().any(|u| !u.groups.is_empty()));
    let bare = client
        .users()
        .in_group(&profile)
        .direct_only(false)
        .exclude_groups(true)
        .all()
        .await
        .unwrap();
    assert_eq!(bare.len(), all.len());
    assert!(bare.iter().all(|u| u.groups.is_empty()));
    // A licence status filter is passed on; the server judges its value.
    let active = client
        .users()
        .in_group(&profile)
        .status("active")
        .all()
        .await
        .unwrap();
    assert!(active.len() <= direct.len());
    let err = client
        .users()
        .in_group(&profile)
        .status("sleepy")
        .all()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
}

#[tokio::test]
async fn a_sync_start_signal_whose_request_never_reached_the_server_goes_on_the_next() {
    // IMS refuses every token request at first: the first UMAPI request is never sent.
    let config = SandboxConfig::default()
        .faults_spec("ims:500:count=50")
        .unwrap();
    let (sb, client) = start(config).await;
    client.start_sync();
    assert!(client.users().all().await.is_err());
    assert!(client.sync_start_pending(), "the start signal is kept");
    sb.clear_faults();
    client.users().all().await.unwrap();
    client.end_sync();
    client.groups().all().await.unwrap();
    let stats = sb.stats();
    assert_eq!((stats.sync_start, stats.sync_end), (1, 1));
}
