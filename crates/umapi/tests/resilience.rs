//! Faults, retries, authentication and rate limits against the sandbox.

mod common;

use std::time::Duration;

use common::{builder, start};
use idm_sandbox::SandboxConfig;
use umapi::{ActionStatus, Error, JwtAuth, NewUser, RateLimits, UserAction};

fn create(email: &str) -> UserAction {
    UserAction::new(email)
        .unwrap()
        .create(NewUser::enterprise(email, "F", "T"))
        .unwrap()
}

#[tokio::test]
async fn retryable_faults_are_retried_until_success() {
    for spec in [
        "umapi.groups:429:retry-after=0.05:count=2",
        "umapi.groups:429:retry-after-date=1",
        "umapi.groups:502:count=2",
        "umapi.groups:503",
        "umapi.groups:504",
        "umapi.groups:reset:count=2",
        "ims:503",
    ] {
        let config = SandboxConfig::default().faults_spec(spec).unwrap();
        let (sb, client) = start(config).await;
        let groups = client
            .groups()
            .all()
            .await
            .unwrap_or_else(|e| panic!("{spec}: {e}"));
        assert!(!groups.is_empty(), "{spec}");
        assert!(sb.stats().faults_fired >= 1, "{spec}: the fault fired");
        if !spec.starts_with("ims") {
            assert!(client.local_status().retries >= 1, "{spec}");
        }
    }
}

#[tokio::test]
async fn non_retryable_status_fails_at_once_with_the_status() {
    let config = SandboxConfig::default()
        .faults_spec("umapi.groups:500")
        .unwrap();
    let (_sb, client) = start(config).await;
    let err = client.groups().all().await.unwrap_err();
    assert_eq!(err.status(), Some(500), "{err}");
    assert_eq!(client.local_status().retries, 0);
    // The X-Request-Id the client sent, echoed by the server: `<uuid4>_<epoch-ms>`.
    let Some(id) = err.response().and_then(|r| r.request_id.as_deref()) else {
        panic!("no request id in {err:?}")
    };
    let (uuid, ms) = id.split_once('_').expect("uuid_ms");
    let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
    assert_eq!(&uuid[14..15], "4", "{id}");
    let ms: u128 = ms.parse().expect("epoch milliseconds");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    assert!(now.abs_diff(ms) < 60_000, "{id}");
}

#[tokio::test]
async fn persistent_throttling_gives_up_with_the_retry_after() {
    let config = SandboxConfig::default()
        .faults_spec("umapi.groups:429:retry-after=0.01:count=10")
        .unwrap();
    let (_sb, client) = start(config).await;
    let err = client.groups().all().await.unwrap_err();
    assert!(
        matches!(&err, Error::Unavailable(r) if r.status == 429 && r.attempts == 4),
        "{err}"
    );
    assert!(err.is_transient());
}

#[tokio::test]
async fn a_server_past_the_timeout_is_a_transport_error() {
    let config = SandboxConfig::default()
        .faults_spec("umapi.user:delay=3000:count=10")
        .unwrap();
    let sb = common::sandbox(config).await;
    let client = builder(&sb)
        .timeout(Duration::from_millis(200))
        .max_attempts(2)
        .build()
        .unwrap();
    let err = client.user("x@example.com").get().await.unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.attempts == 2),
        "{err}"
    );
}

#[tokio::test]
async fn a_failed_request_fails_every_action_in_it_with_the_cause() {
    let config = SandboxConfig::default()
        .faults_spec("umapi.action:503:count=100")
        .unwrap();
    let (_sb, client) = start(config).await;
    let actions: Vec<_> = (0..15)
        .map(|i| create(&format!("lost{i}@example.com")))
        .collect();
    let err = client.execute(actions).await.unwrap_err();
    let Error::Batch(b) = err else {
        panic!("expected a batch error")
    };
    assert_eq!(b.report.actions.len(), 15, "every action is reported");
    assert!(
        b.report
            .actions
            .iter()
            .all(|a| a.status == ActionStatus::Failed)
    );
    assert!(
        b.report
            .actions
            .iter()
            .all(|a| a.errors[0].code == "http.503"),
        "{:?}",
        b.report.actions[0]
    );
}

#[tokio::test]
async fn an_unattributed_error_result_is_a_failure() {
    let config = SandboxConfig::default()
        .faults_spec("umapi.action:result=error")
        .unwrap();
    let (_sb, client) = start(config).await;
    let err = client.execute([create("r@example.com")]).await.unwrap_err();
    assert!(err.to_string().contains("result.error"), "{err}");
}

#[tokio::test]
async fn a_401_fetches_a_new_token_once() {
    let config = SandboxConfig::default()
        .faults_spec("umapi.groups:401")
        .unwrap();
    let (_sb, client) = start(config).await;
    client.groups().all().await.unwrap();
    assert_eq!(client.local_status().tokens_fetched, 2);
    // A second 401 in a row is an error, not a loop.
    let config = SandboxConfig::default()
        .faults_spec("umapi.groups:401:count=5")
        .unwrap();
    let (_sb, client) = start(config).await;
    let err = client.groups().all().await.unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    assert_eq!(client.local_status().tokens_fetched, 2);
}

#[tokio::test]
async fn bad_credentials_say_what_to_check() {
    let (sb, _) = start(SandboxConfig::default()).await;
    let info = sb.umapi_info();
    let client = builder(&sb)
        .oauth(info.client_id, "wrong-secret")
        .build()
        .unwrap();
    let err = client.groups().all().await.unwrap_err();
    assert!(matches!(err, Error::Auth { status: 401, .. }), "{err}");
    assert!(err.to_string().contains("UMAPI_CLIENT_SECRET"), "{err}");
    assert!(!err.to_string().contains("wrong-secret"));
}

#[tokio::test]
async fn concurrent_callers_share_one_token_and_refresh_before_expiry() {
    let (sb, _) = start(SandboxConfig {
        token_ttl: Duration::from_secs(2),
        ..Default::default()
    })
    .await;
    let client = builder(&sb)
        .token_refresh_margin(Duration::from_millis(1500))
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.user("nobody@example.com").get().await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(client.local_status().tokens_fetched, 1);
    // With a 2 s token and a 1.5 s margin (capped at half the lifetime), a call after 1.1 s refreshes.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    client.user("nobody@example.com").get().await.unwrap();
    assert_eq!(client.local_status().tokens_fetched, 2);
    drop(sb);
}

#[tokio::test]
async fn oauth_on_the_v2_token_endpoint() {
    let (sb, _) = start(SandboxConfig::default()).await;
    let info = sb.umapi_info();
    let oauth = umapi::OAuthS2S::new(info.client_id.clone(), info.client_secret.clone())
        .token_endpoint(umapi::TokenEndpoint::V2);
    assert_eq!(umapi::TokenEndpoint::V2.path(), "/ims/token/v2");
    let client = builder(&sb).credentials(oauth).build().unwrap();
    assert!(!client.groups().all().await.unwrap().is_empty());
    assert_eq!(sb.stats().tokens_issued, 1);
}

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../http/tests/fixtures");

/// Registers the test key pair's public half for the demo integration.
fn register_test_key(sb: &idm_sandbox::Sandbox) -> idm_sandbox::UmapiInfo {
    let info = sb.umapi_info();
    let public = std::fs::read_to_string(format!("{FIXTURES}/test-rsa-public.pem")).unwrap();
    sb.register_jwt_public_key(&info.client_id, &public)
        .unwrap();
    info
}

#[tokio::test]
async fn jwt_credentials_are_exchanged_and_verified() {
    let (sb, _) = start(SandboxConfig::default()).await;
    let info = register_test_key(&sb);
    let key = std::fs::read(format!("{FIXTURES}/test-rsa-pkcs8.pem")).unwrap();
    let jwt = JwtAuth::new(
        info.client_id.clone(),
        info.client_secret.clone(),
        "tech@techacct.adobe.com",
        &key,
    )
    .unwrap();
    let client = builder(&sb).credentials(jwt).build().unwrap();
    assert!(!client.groups().all().await.unwrap().is_empty());
    assert_eq!(client.local_status().tokens_fetched, 1);
    // The same from the key file; a missing file is a clear error.
    let from_file = JwtAuth::from_key_file(
        info.client_id.clone(),
        info.client_secret.clone(),
        "tech@techacct.adobe.com",
        format!("{FIXTURES}/test-rsa-pkcs8.pem"),
    )
    .unwrap();
    let client = builder(&sb).credentials(from_file).build().unwrap();
    assert!(!client.groups().all().await.unwrap().is_empty());
    let err = JwtAuth::from_key_file("id", "secret", "t", format!("{FIXTURES}/missing.pem"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing.pem"), "{err}");
}

#[tokio::test]
async fn a_jwt_exchange_lifetime_is_read_in_milliseconds() {
    // The exchange answers expires_in in milliseconds: 2,000 for a 2-second token. Read as
    // seconds it would last half an hour and never be refreshed here.
    let (sb, _) = start(SandboxConfig {
        token_ttl: Duration::from_secs(2),
        ..Default::default()
    })
    .await;
    let info = register_test_key(&sb);
    let jwt = JwtAuth::from_key_file(
        info.client_id.clone(),
        info.client_secret.clone(),
        "tech@techacct.adobe.com",
        format!("{FIXTURES}/test-rsa-pkcs8.pem"),
    )
    .unwrap();
    let client = builder(&sb)
        .credentials(jwt)
        .token_refresh_margin(Duration::from_millis(1500))
        .build()
        .unwrap();
    client.groups().all().await.unwrap();
    // The margin is capped at half the lifetime: a refresh after 1 s.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    client.groups().all().await.unwrap();
    assert_eq!(client.local_status().tokens_fetched, 2);
}

#[tokio::test]
async fn sync_signals_go_out_once() {
    let (sb, client) = start(SandboxConfig::default()).await;
    client.start_sync();
    client.groups().all().await.unwrap();
    client.end_sync();
    client.user("a@example.com").get().await.unwrap();
    client.user("a@example.com").get().await.unwrap();
    let s = sb.stats();
    assert_eq!((s.sync_start, s.sync_end), (1, 1));
}

#[tokio::test]
async fn status_reports_local_and_remote() {
    let (_sb, client) = start(SandboxConfig::default()).await;
    client.groups().all().await.unwrap();
    let (local, remote) = client.status().await.unwrap();
    assert!(local.requests >= 1 && local.queries >= 1);
    assert_eq!(remote["state"], "LIVE");
    assert!(
        remote["endpoint"]
            .as_str()
            .unwrap()
            .contains("/v2/usermanagement")
    );
}

#[tokio::test]
async fn the_rate_limiter_keeps_throttling_rare() {
    // 40 action requests at 10 per (1/60 of a minute = 1 s) window: ~3 s.
    let config = SandboxConfig {
        throttle: true,
        time_scale: 60.0,
        ..Default::default()
    };
    let sb = common::sandbox(config).await;
    let client = builder(&sb)
        .rate_limits(RateLimits::default().time_scale(60.0))
        .build()
        .unwrap();
    let actions: Vec<_> = (0..400)
        .map(|i| create(&format!("rate{i}@example.com")))
        .collect();
    let report = client.execute(actions).await.unwrap();
    assert_eq!(report.requests, 40);
    let s = sb.stats();
    assert!(s.throttled <= 4, "{} 429s", s.throttled);
}

#[tokio::test]
async fn tls_sandbox_is_verified_with_its_ca() {
    let (sb, client) = start(SandboxConfig {
        tls: true,
        ..Default::default()
    })
    .await;
    assert!(sb.base_url().starts_with("https://"));
    assert!(!client.groups().all().await.unwrap().is_empty());
    // Without the CA, the certificate is refused (and not retried as if it were transient).
    let info = sb.umapi_info();
    let plain = umapi::Client::builder()
        .org_id(info.org_id)
        .oauth(info.client_id, info.client_secret)
        .endpoint(info.endpoint)
        .ims_url(info.ims)
        .build()
        .unwrap();
    let err = plain.groups().all().await.unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.attempts == 1),
        "{err}"
    );
}

/// A client whose retries never repeat a request the server may have applied.
async fn cautious(spec: &str) -> (idm_sandbox::Sandbox, umapi::Client) {
    let sb = common::sandbox(SandboxConfig::default().faults_spec(spec).unwrap()).await;
    let policy = umapi::RetryPolicy::default()
        .base_delay(Duration::from_millis(10))
        .max_attempts(4);
    let client = builder(&sb)
        .http_config(umapi::HttpConfig::default().retry(policy))
        .build()
        .unwrap();
    (sb, client)
}

#[tokio::test]
async fn a_lost_answer_to_a_create_is_not_repeated_and_the_user_read_back_decides() {
    // A gateway error before the server applied it: not retried (a create that fails on an
    // existing user is not safe to repeat), then the user read back shows it absent: not sent,
    // so a resume sends it again.
    let (sb, client) = cautious("umapi.action:502").await;
    let strict = UserAction::new("lost@example.com")
        .unwrap()
        .create(
            NewUser::enterprise("lost@example.com", "F", "T")
                .on_conflict(umapi::IfAlreadyExists::Error),
        )
        .unwrap();
    let mut q = client.queue();
    q.push(strict).await;
    let report = q.flush().await;
    assert_eq!(
        report.actions[0].applied(),
        umapi::Applied::NotSent,
        "{report:?}"
    );
    assert_eq!(sb.stats().faults_fired, 1);
    assert_eq!(report.requests, 1, "sent once");
    assert!(sb.umapi_user("lost@example.com").is_none());
    assert_eq!(client.local_status().retries, 0, "not repeated");
    // A group add is safe to repeat: retried after the gateway error, and done.
    let (sb, client) = cautious("umapi.action:502").await;
    let add = UserAction::new("jdoe@example.net")
        .unwrap()
        .add_to_groups(["Design Team"])
        .unwrap();
    let report = client.execute([add]).await.unwrap();
    assert_eq!(report.actions[0].applied(), umapi::Applied::Done);
    assert!(client.local_status().retries >= 1);
    assert_eq!(sb.stats().faults_fired, 1);
}

#[tokio::test]
async fn customize_overrides_the_retry_policy_and_timeout_of_one_query() {
    let config = SandboxConfig::default()
        .faults_spec("umapi.groups:502:count=1;umapi.user:delay=2000:count=1")
        .unwrap();
    let (_sb, client) = start(config).await;
    // The client would retry the 502; this query makes one attempt.
    let err = client
        .groups()
        .customize(|o| o.retry(umapi::RetryPolicy::none()))
        .all()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(502), "{err}");
    assert_eq!(client.local_status().retries, 0);
    // The client itself is unchanged: the next listing succeeds.
    assert!(!client.groups().all().await.unwrap().is_empty());
    // A timeout shorter than the server's delay, on one lookup only.
    let err = client
        .user("jdoe@example.net")
        .customize(|o| {
            o.timeout(Duration::from_millis(200))
                .retry(umapi::RetryPolicy::none())
        })
        .get()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Transport(t) if t.attempts == 1),
        "{err}"
    );
}
