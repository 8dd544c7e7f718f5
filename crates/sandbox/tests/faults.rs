//! Injected faults and rate limits.

mod common;

use std::time::{Duration, Instant};

use common::{Ctx, header, http};
use idm_sandbox::{FaultKind, FaultRule, FaultTarget, SandboxConfig, parse_faults};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn ctx(spec: &str) -> Ctx {
    Ctx::new(
        SandboxConfig::default()
            .users(30)
            .user_page_size(10)
            .faults_spec(spec)
            .unwrap(),
    )
    .await
}

async fn groups_status(ctx: &Ctx) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let resp = ctx.get("/groups/{org}/0").send().await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    (status, headers, resp.text().await.unwrap())
}

#[tokio::test]
async fn too_many_requests_with_retry_after_seconds_and_date() {
    let ctx = ctx("umapi.groups:429:retry-after=2:count=2").await;
    for _ in 0..2 {
        let (status, h, body) = groups_status(&ctx).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(header(&h, "retry-after"), "2");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            body,
            json!({"error_code": "429050", "message": "Too many requests"})
        );
    }
    assert_eq!(groups_status(&ctx).await.0, StatusCode::OK);
    let s = ctx.sb.stats();
    assert_eq!((s.throttled, s.faults_fired, s.rate_limited), (2, 2, 0));

    ctx.sb
        .inject("umapi.groups:429:retry-after-date=30".parse().unwrap());
    let (status, h, _) = groups_status(&ctx).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let at = httpdate::parse_http_date(header(&h, "retry-after")).expect("an HTTP-date");
    let wait = at.duration_since(std::time::SystemTime::now()).unwrap();
    assert!(
        wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
        "{wait:?}"
    );
    // The default Retry-After is one second; fractions are allowed.
    ctx.sb.inject("umapi.groups:429".parse().unwrap());
    assert_eq!(header(&groups_status(&ctx).await.1, "retry-after"), "1");
    ctx.sb
        .inject("umapi.groups:429:retry-after=0.25".parse().unwrap());
    assert_eq!(header(&groups_status(&ctx).await.1, "retry-after"), "0.25");
}

#[tokio::test]
async fn status_faults() {
    let ctx = ctx("").await;
    for code in [500u16, 502, 503, 504, 401] {
        ctx.sb.inject(FaultRule::new(
            FaultTarget::UmapiGroups,
            FaultKind::Status(code),
        ));
        let (status, h, body) = groups_status(&ctx).await;
        assert_eq!(status.as_u16(), code);
        match code {
            500 => assert!(serde_json::from_str::<Value>(&body).unwrap()["result"].is_string()),
            401 => {
                assert!(header(&h, "www-authenticate").starts_with("Bearer"));
                assert_eq!(body, "");
            }
            _ => assert_eq!(body, ""),
        }
    }
    assert_eq!(groups_status(&ctx).await.0, StatusCode::OK);
    assert_eq!(ctx.sb.stats().faults_fired, 5);
}

#[tokio::test]
async fn delay_and_client_timeouts() {
    let ctx = ctx("umapi.user:delay=400").await;
    let impatient = http().get(ctx.url("/organizations/{org}/users/admin@example.com"));
    let started = Instant::now();
    let resp = ctx
        .get("/organizations/{org}/users/admin@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(400));
    // A client with a shorter timeout gives up.
    ctx.sb.inject("umapi.user:delay=2000".parse().unwrap());
    let err = impatient
        .bearer_auth(&ctx.token)
        .header("x-api-key", &ctx.info.client_id)
        .timeout(Duration::from_millis(150))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
}

#[tokio::test]
async fn reset_drops_the_connection() {
    let ctx = ctx("umapi.action:reset").await;
    let err = ctx
        .http
        .post(ctx.url("/action/{org}"))
        .bearer_auth(&ctx.token)
        .header("x-api-key", &ctx.info.client_id)
        .json(&json!([{"user": "admin@example.com", "do": []}]))
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_timeout() && !err.is_status(), "{err:?}");
    // The next request is served normally, on a new connection.
    let body = ctx
        .action(json!([{"user": "admin@example.com", "do": []}]))
        .await;
    assert_eq!(body["result"], "success");
}

#[tokio::test]
async fn truncated_paging() {
    let ctx = ctx("umapi.users:truncate:page=1").await;
    let (status, _, body) = ctx.get_json("/users/{org}/0").await;
    assert_eq!(
        (status, body["users"].as_array().unwrap().len()),
        (StatusCode::OK, 10)
    );
    let (status, h, body) = ctx.get_json("/users/{org}/1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["users"], json!([]));
    assert_eq!(body["lastPage"], false);
    assert_eq!(body["result"], "success");
    assert_eq!(header(&h, "x-page-size"), "0");
    assert_eq!(header(&h, "x-total-count"), "33");
    // Fired once: page 1 is whole again.
    let (_, _, body) = ctx.get_json("/users/{org}/1").await;
    assert_eq!(body["users"].as_array().unwrap().len(), 10);

    ctx.sb
        .inject("umapi.users:truncate:as=404:page=2".parse().unwrap());
    let (status, _, body) = ctx.get_json("/users/{org}/2").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["lastPage"], false);
    // truncate never fires on routes that are not paged, even with a broad target.
    ctx.sb.inject("umapi:truncate".parse().unwrap());
    assert_eq!(
        ctx.get_json("/organizations/{org}/users/admin@example.com")
            .await
            .0,
        StatusCode::OK
    );
    let (_, _, body) = ctx.get_json("/groups/{org}/0").await;
    assert_eq!(body["groups"], json!([]));
}

#[tokio::test]
async fn result_replacement() {
    let ctx = ctx("umapi.action:result=error").await;
    let body = ctx
        .action(json!([{"user": "admin@example.com", "do": []}]))
        .await;
    assert_eq!(body["result"], "error");
    assert_eq!(body["completed"], 1, "the rest of the body is normal");
    let body = ctx
        .action(json!([{"user": "admin@example.com", "do": []}]))
        .await;
    assert_eq!(body["result"], "success");
}

#[tokio::test]
async fn triggers_nth_every_prob_and_clear() {
    let ctx = ctx("umapi.groups:503:nth=2").await;
    let codes = |n: usize| {
        let ctx = &ctx;
        async move {
            let mut out = Vec::new();
            for _ in 0..n {
                out.push(groups_status(ctx).await.0.as_u16());
            }
            out
        }
    };
    assert_eq!(codes(3).await, [200, 503, 200]);
    ctx.sb
        .inject(FaultRule::new(FaultTarget::Umapi, FaultKind::Status(502)).every(2));
    assert_eq!(codes(4).await, [200, 502, 200, 502]);
    ctx.sb.clear_faults();
    assert_eq!(codes(2).await, [200, 200]);
    ctx.sb.inject("any:504:count=2".parse().unwrap());
    assert_eq!(codes(3).await, [504, 504, 200]);

    // prob: deterministic for a seed.
    let pattern = |seed: u64| async move {
        let config = SandboxConfig::default()
            .users(3)
            .seed(seed)
            .faults_spec("umapi.groups:503:prob=0.5")
            .unwrap();
        let ctx = Ctx::new(config).await;
        let mut out = Vec::new();
        for _ in 0..12 {
            out.push(groups_status(&ctx).await.0 == StatusCode::SERVICE_UNAVAILABLE);
        }
        out
    };
    let a = pattern(5).await;
    assert_eq!(a, pattern(5).await);
    assert!(a.contains(&true) && a.contains(&false), "{a:?}");
}

#[tokio::test]
async fn ims_faults() {
    let ctx = ctx("").await;
    ctx.sb.inject("ims:503".parse().unwrap());
    let resp = ctx
        .http
        .post(format!("{}/ims/token/v3", ctx.info.ims))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    // UMAPI routes are not affected by an ims rule; token requests are.
    ctx.sb.inject("ims:500:count=5".parse().unwrap());
    assert_eq!(groups_status(&ctx).await.0, StatusCode::OK);
    let resp = ctx
        .http
        .post(format!("{}/ims/exchange/jwt", ctx.info.ims))
        .form(&[("client_id", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn rate_limits_per_client_at_a_time_scale() {
    // At time scale 60 a minute lasts one second: 5 group lists per client per second.
    // By default Retry-After stays in whole seconds, as HTTP requires.
    let ctx = Ctx::new(
        SandboxConfig::default()
            .users(5)
            .throttle(true)
            .time_scale(60.0),
    )
    .await;
    for _ in 0..5 {
        groups_status(&ctx).await;
    }
    let (status, h, _) = groups_status(&ctx).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&h, "retry-after"), "1");
    // With fractional Retry-After, the exact wait in milliseconds.
    let ctx = Ctx::new(
        SandboxConfig::default()
            .users(5)
            .throttle(true)
            .time_scale(60.0)
            .fractional_retry_after(true),
    )
    .await;
    for i in 0..5 {
        assert_eq!(groups_status(&ctx).await.0, StatusCode::OK, "request {i}");
    }
    let (status, h, body) = groups_status(&ctx).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["error_code"], "429050");
    let ra = header(&h, "retry-after").to_owned();
    let (int, frac) = ra.split_once('.').expect("a decimal at time scale 60");
    assert_eq!(frac.len(), 3, "{ra}");
    assert_eq!(int, "0");
    let secs: f64 = ra.parse().unwrap();
    assert!(secs > 0.0 && secs <= 1.0, "{ra}");
    // Other route classes have their own budget.
    assert_eq!(ctx.get_json("/users/{org}/0").await.0, StatusCode::OK);
    // After Retry-After, a slot is free again.
    tokio::time::sleep(Duration::from_secs_f64(secs + 0.02)).await;
    assert_eq!(groups_status(&ctx).await.0, StatusCode::OK);
    let s = ctx.sb.stats();
    assert_eq!((s.rate_limited, s.throttled), (1, 1));
}

#[tokio::test]
async fn rate_limits_global_and_whole_seconds() {
    // Time scale 1: Retry-After in whole seconds.
    let ctx = Ctx::new(SandboxConfig::default().users(5).throttle(true)).await;
    for _ in 0..5 {
        assert_eq!(groups_status(&ctx).await.0, StatusCode::OK);
    }
    let (status, h, _) = groups_status(&ctx).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let secs: u64 = header(&h, "retry-after").parse().expect("whole seconds");
    assert!((59..=60).contains(&secs), "{secs}");

    // The global limit (100 per minute per class) counts every client: 10 action requests each
    // from 9 more keys, plus the real client's 10, fill it.
    let ctx = Ctx::new(
        SandboxConfig::default()
            .users(5)
            .throttle(true)
            .time_scale(6.0),
    )
    .await;
    let post = |key: String| {
        ctx.http
            .post(ctx.url("/action/{org}"))
            .bearer_auth(&ctx.token)
            .header("x-api-key", key)
            .json(&json!([{"user": "admin@example.com", "do": []}]))
            .send()
    };
    for i in 0..10 {
        for j in 0..10 {
            let key = if i == 0 {
                ctx.info.client_id.clone()
            } else {
                format!("other-{i}")
            };
            let status = post(key).await.unwrap().status();
            let expected = if i == 0 {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(status, expected, "client {i} request {j}");
        }
    }
    let resp = post("fresh-client".into()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let ra: f64 = header(resp.headers(), "retry-after").parse().unwrap();
    assert!(ra > 0.0 && ra <= 10.0, "{ra}");
}

#[test]
fn fault_specs_parse_and_errors_show_the_grammar() {
    let rules = parse_faults("umapi.action:429:retry-after=2:count=3;umapi.users:truncate:page=1;")
        .unwrap();
    assert_eq!(rules.len(), 2);
    let err = parse_faults("umapi.action:429;umapi.users:explode")
        .unwrap_err()
        .to_string();
    assert!(err.contains("\"explode\""), "{err}");
    assert!(err.contains("RULE = TARGET \":\" FAULT"), "{err}");
    // The error shows the grammar on one line: every target and fault, old and new.
    assert_eq!(err.lines().count(), 2, "{err}");
    for word in [
        "| jumpcloud |",
        "| jumpcloud.v1 |",
        "| jumpcloud.v2 |",
        "| lastpage;",
        "| short |",
        "| duplicate |",
        "| malformed |",
        "| html |",
        "| cut |",
    ] {
        assert!(err.contains(word), "{word}: {err}");
    }
    assert!(SandboxConfig::default().faults_spec("nope:500").is_err());
}
