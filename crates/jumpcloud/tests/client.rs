//! The client against a small local JumpCloud stand-in (until the sandbox's JumpCloud half
//! exists): headers, paging in both shapes, retries, error decoding, tolerant models, raw calls.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::TryStreamExt;
use jumpcloud::filter::{v1 as f1, v2 as f2};
use jumpcloud::{Client, Error, RetryPolicy, SystemContext, catalog};
use serde_json::{Value, json};

#[derive(Default)]
struct Server {
    users: usize,
    groups: usize,
    /// Answer 500 to the page starting at this skip.
    fail_at_skip: Option<usize>,
    /// 429s to send before answering `GET /api/v2/usergroups/{id}`.
    throttle: usize,
    /// 502s to send before answering `GET /api/v2/usergroups/{id}` (after any 429s); every
    /// `POST /api/v2/usergroups` gets a 502.
    bad_gateway: usize,
    /// (method, path+query, headers) of every request.
    seen: Vec<(String, String, HashMap<String, String>)>,
}

type Shared = Arc<Mutex<Server>>;

fn record(s: &Shared, method: &str, uri: &str, h: &HeaderMap) {
    let headers = h
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    s.lock()
        .unwrap()
        .seen
        .push((method.into(), uri.into(), headers));
}

fn page(q: &HashMap<String, String>) -> (usize, usize) {
    let n = |k: &str, d: usize| q.get(k).and_then(|v| v.parse().ok()).unwrap_or(d);
    (n("limit", 10), n("skip", 0))
}

async fn systemusers(
    State(s): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
    h: HeaderMap,
) -> Response {
    record(&s, "GET", &format!("/api/systemusers?{q:?}"), &h);
    let (limit, skip) = page(&q);
    let (total, fail) = {
        let g = s.lock().unwrap();
        (g.users, g.fail_at_skip)
    };
    if fail == Some(skip) {
        return (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response();
    }
    let results: Vec<Value> = (skip..total.min(skip + limit))
        .map(|i| {
            json!({
                "_id": format!("{i:024x}"),
                "username": format!("user{i}"),
                "email": format!("user{i}@example.com"),
                // Unknown fields and nulls must not break decoding.
                "someFieldAddedIn2030": {"x": 1},
                "firstname": null,
                "state": if i % 2 == 0 { "ACTIVATED" } else { "SOMETHING_NEW" },
            })
        })
        .collect();
    axum::Json(json!({"totalCount": total, "results": results})).into_response()
}

async fn usergroups(
    State(s): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
    h: HeaderMap,
) -> Response {
    record(&s, "GET", "/api/v2/usergroups", &h);
    let (limit, skip) = page(&q);
    let total = s.lock().unwrap().groups;
    let items: Vec<Value> = (skip..total.min(skip + limit))
        .map(|i| json!({"id": format!("{i:024x}"), "name": format!("group{i}"), "type": "user_group"}))
        .collect();
    axum::Json(items).into_response()
}

async fn usergroup(State(s): State<Shared>, Path(id): Path<String>, h: HeaderMap) -> Response {
    record(&s, "GET", &format!("/api/v2/usergroups/{id}"), &h);
    {
        let mut g = s.lock().unwrap();
        if g.throttle > 0 {
            g.throttle -= 1;
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "0")],
                axum::Json(json!({"message": "Too Many Requests"})),
            )
                .into_response();
        }
        if g.bad_gateway > 0 {
            g.bad_gateway -= 1;
            return (StatusCode::BAD_GATEWAY, "upstream hiccup").into_response();
        }
    }
    if id == "missing" {
        return (
            StatusCode::NOT_FOUND,
            [("x-request-id", "req-42")],
            axum::Json(json!({"message": "Resource not found", "error": "not found"})),
        )
            .into_response();
    }
    axum::Json(json!({"id": id, "name": "Engineering", "type": "user_group"})).into_response()
}

async fn post_usergroup(State(s): State<Shared>, h: HeaderMap) -> Response {
    record(&s, "POST", "/api/v2/usergroups", &h);
    (StatusCode::BAD_GATEWAY, "upstream hiccup").into_response()
}

async fn put_user(
    State(s): State<Shared>,
    Path(id): Path<String>,
    h: HeaderMap,
    body: String,
) -> Response {
    record(&s, "PUT", &format!("/api/systemusers/{id}"), &h);
    let mut v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    v["_id"] = json!(id);
    axum::Json(v).into_response()
}

async fn memberof(
    State(s): State<Shared>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    h: HeaderMap,
) -> Response {
    record(
        &s,
        "GET",
        &format!("/api/v2/systems/{id}/memberof?{q:?}"),
        &h,
    );
    if !h.contains_key("authorization") && !h.contains_key("x-api-key") {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"message": "Unauthorized"})),
        )
            .into_response();
    }
    axum::Json(json!([{"id": "g1", "type": "system_group", "compiledAttributes": {}}]))
        .into_response()
}

async fn start(server: Server) -> (Shared, String) {
    let shared: Shared = Arc::new(Mutex::new(server));
    let app = Router::new()
        .route("/api/systemusers", get(systemusers))
        .route("/api/systemusers/{id}", axum::routing::put(put_user))
        .route("/api/v2/usergroups", get(usergroups).post(post_usergroup))
        .route("/api/v2/usergroups/{id}", get(usergroup))
        .route("/api/v2/systems/{id}/memberof", get(memberof))
        .with_state(Arc::clone(&shared));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (shared, format!("http://{addr}"))
}

fn client(base: &str) -> Client {
    Client::builder()
        .api_key("test-key-123")
        .base_url(base)
        .org_id("org-default")
        .retry_policy(RetryPolicy::default().base_delay(Duration::from_millis(5)))
        .build()
        .unwrap()
}

fn seen(s: &Shared) -> Vec<(String, String, HashMap<String, String>)> {
    s.lock().unwrap().seen.clone()
}

#[tokio::test]
async fn v1_paging_headers_and_tolerant_models() {
    let (s, base) = start(Server {
        users: 250,
        ..Default::default()
    })
    .await;
    let c = client(&base);
    let users = c.v1().systemusers().list().all().await.unwrap();
    assert_eq!(users.len(), 250);
    assert_eq!(users[249].username.as_deref(), Some("user249"));
    assert_eq!(users[0].id.as_deref(), Some("000000000000000000000000"));
    assert_eq!(users[0].firstname, None);
    // An enum value the spec does not know decodes as Unknown and round-trips.
    let state = users[1].state.clone().unwrap();
    assert_eq!(state.as_str(), "SOMETHING_NEW");
    assert_eq!(
        serde_json::to_value(&state).unwrap(),
        json!("SOMETHING_NEW")
    );
    // 3 pages of 100 (the maximum), with the key and the default org on every request.
    let reqs = seen(&s);
    assert_eq!(reqs.len(), 3);
    for (_, uri, h) in &reqs {
        assert!(uri.contains("\"limit\": \"100\""), "{uri}");
        assert_eq!(h["x-api-key"], "test-key-123");
        assert_eq!(h["x-org-id"], "org-default");
        assert_eq!(h["accept"], "application/json");
        assert!(h["user-agent"].contains("idm/"), "{:?}", h["user-agent"]);
    }
}

#[tokio::test]
async fn v1_paging_edges() {
    // Empty, an exact multiple of the page size (totalCount ends it: no empty extra page), short.
    for (total, pages) in [(0usize, 1usize), (200, 2), (37, 1)] {
        let (s, base) = start(Server {
            users: total,
            ..Default::default()
        })
        .await;
        let users = client(&base).v1().systemusers().list().all().await.unwrap();
        assert_eq!(users.len(), total);
        assert_eq!(seen(&s).len(), pages, "{total} users");
    }
    // A smaller page size and a starting offset.
    let (s, base) = start(Server {
        users: 25,
        ..Default::default()
    })
    .await;
    let users = client(&base)
        .v1()
        .systemusers()
        .list()
        .limit(10)
        .skip(5)
        .filter(f1::eq("username", "x"))
        .all()
        .await
        .unwrap();
    assert_eq!(users.len(), 20);
    assert_eq!(seen(&s).len(), 2);
    assert!(seen(&s)[0].1.contains("username:$eq:x"));
}

#[tokio::test]
async fn an_error_mid_stream_ends_the_stream_with_it() {
    let (_s, base) = start(Server {
        users: 300,
        fail_at_skip: Some(100),
        ..Default::default()
    })
    .await;
    let c = client(&base).clone();
    let mut stream = std::pin::pin!(c.v1().systemusers().list().stream());
    let mut n = 0;
    let err = loop {
        match stream.try_next().await {
            Ok(Some(_)) => n += 1,
            Ok(None) => panic!("the stream ended without the error"),
            Err(e) => break e,
        }
    };
    assert_eq!(n, 100, "the first page's items come before the error");
    assert_eq!(err.status(), Some(500), "{err}");
    assert!(err.to_string().contains("systemusers_list"), "{err}");
}

#[tokio::test]
async fn v2_arrays_stop_on_a_short_page() {
    let (s, base) = start(Server {
        groups: 230,
        ..Default::default()
    })
    .await;
    let c = client(&base);
    let groups = c
        .v2()
        .user_groups()
        .list()
        .filter([f2::search("name", "group")])
        .concurrency(1)
        .all()
        .await
        .unwrap();
    assert_eq!(groups.len(), 230);
    // Three pages, then the page after the short one, which must be empty to end the listing.
    assert_eq!(seen(&s).len(), 4);
    // Exactly 200: a third, empty page ends it, and the one after confirms.
    let (s, base) = start(Server {
        groups: 200,
        ..Default::default()
    })
    .await;
    let groups = client(&base)
        .v2()
        .user_groups()
        .list()
        .concurrency(1)
        .all()
        .await
        .unwrap();
    assert_eq!(groups.len(), 200);
    assert_eq!(seen(&s).len(), 4);
    // Fetched ahead speculatively by default: the same items, a few requests past the end.
    let (s, base) = start(Server {
        groups: 1050,
        ..Default::default()
    })
    .await;
    let groups = client(&base).v2().user_groups().list().all().await.unwrap();
    let ids: Vec<_> = groups.iter().filter_map(|g| g.name.clone()).collect();
    let want: Vec<String> = (0..1050).map(|i| format!("group{i}")).collect();
    assert_eq!(ids, want, "every group once, in order");
    let requests = seen(&s).len();
    assert!((12..=12 + 16).contains(&requests), "{requests} requests");
}

#[tokio::test]
async fn retries_429_and_decodes_errors() {
    let (s, base) = start(Server {
        throttle: 2,
        ..Default::default()
    })
    .await;
    let c = client(&base);
    let g = c.v2().user_groups().get("abc").send().await.unwrap();
    assert_eq!(g.name.as_deref(), Some("Engineering"));
    assert_eq!(seen(&s).len(), 3, "two 429s, then the answer");

    let err = c
        .v2()
        .user_groups()
        .get("missing")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.message.as_deref(), Some("Resource not found"));
    assert_eq!(api.operation, "groups_user_get");
    assert_eq!(
        (api.response.method, api.response.path.as_str()),
        ("GET", "/api/v2/usergroups/missing")
    );
    assert_eq!(api.body.as_ref().unwrap()["error"], "not found");
    assert_eq!(api.response.request_id.as_deref(), Some("req-42"));
    let text = err.to_string();
    assert!(
        text.contains("HTTP 404") && text.contains("Resource not found"),
        "{text}"
    );
    assert!(!text.contains("test-key-123") && !format!("{c:?}").contains("test-key-123"));
}

#[tokio::test]
async fn bodies_are_json_and_org_can_be_overridden() {
    let (s, base) = start(Server::default()).await;
    let c = client(&base);
    let body = jumpcloud::v1::models::Systemuserput {
        email: Some("jdoe@example.com".into()),
        username: Some("jdoe".into()),
        lastname: Some("Updated Last Name".into()),
        ..Default::default()
    };
    let user = c
        .v1()
        .systemusers()
        .put("5f00000000000000000000aa")
        .body(&body)
        .x_org_id("org-other")
        .send()
        .await
        .unwrap();
    assert_eq!(user.lastname.as_deref(), Some("Updated Last Name"));
    assert_eq!(user.id.as_deref(), Some("5f00000000000000000000aa"));
    let (_, _, h) = &seen(&s)[0];
    assert_eq!(h["content-type"], "application/json");
    assert_eq!(h["x-org-id"], "org-other");
}

#[tokio::test]
async fn system_context_signed_or_by_hand() {
    let (s, base) = start(Server::default()).await;
    let key = include_bytes!("fixtures/system-key.pem");
    let ctx = SystemContext::new("5f1b2c3d4e5f6a7b8c9d0e1f", key).unwrap();
    let c = Client::builder()
        .base_url(&base)
        .system_context(ctx)
        .build()
        .unwrap();
    let groups = c
        .v2()
        .systems()
        .graph_system_member_of("5f1b2c3d4e5f6a7b8c9d0e1f")
        .limit(10)
        .send()
        .await
        .unwrap();
    assert_eq!(groups.len(), 1);
    let (_, _, h) = &seen(&s)[0];
    assert!(h["authorization"].starts_with("Signature keyId=\"system/5f1b2c3d4e5f6a7b8c9d0e1f\",headers=\"request-line date\",algorithm=\"rsa-sha256\",signature=\""));
    assert!(
        httpdate::parse_http_date(&h["date"]).is_ok(),
        "{}",
        h["date"]
    );
    assert!(!h.contains_key("x-api-key"));

    // The seed's way: both headers passed by hand, no key configured.
    let plain = Client::builder()
        .base_url(&base)
        .credentials_by_hand()
        .build()
        .unwrap();
    plain
        .v2()
        .graph()
        .system_member_of("abc")
        .date("Thu, 09 Aug 1990 14:25:15 GMT")
        .authorization("Signature keyId=\"system/abc\",headers=\"request-line date\",algorithm=\"rsa-sha256\",signature=\"x\"")
        .send()
        .await
        .unwrap();
    let (_, _, h) = &seen(&s)[1];
    assert_eq!(h["date"], "Thu, 09 Aug 1990 14:25:15 GMT");
    // A hand-set Authorization never shows in Debug output.
    let builder = plain
        .v2()
        .graph()
        .system_member_of("abc")
        .authorization("Signature keyId=\"system/abc\",signature=\"s3cr3t\"");
    let debug = format!("{builder:?}");
    assert!(
        debug.contains("Authorization") && !debug.contains("s3cr3t"),
        "{debug}"
    );
    // Without any credential the server's 401 comes back with a hint.
    let err = plain
        .v2()
        .graph()
        .system_member_of("abc")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert!(err.to_string().contains("API key"), "{err}");
}

#[tokio::test]
async fn raw_calls_by_operation_id() {
    let (_s, base) = start(Server {
        groups: 3,
        ..Default::default()
    })
    .await;
    let c = client(&base);
    let op = catalog::find("groups_user_get").unwrap();
    let mut r = c.request(op);
    r.param("id", "abc").unwrap();
    let v = r.send_value().await.unwrap();
    assert_eq!(v["name"], "Engineering");
    let err = c.request(op).param("nope", "1").unwrap_err();
    assert!(
        err.to_string().contains("has no parameter \"nope\""),
        "{err}"
    );
    let err = c.request(op).send_value().await.unwrap_err();
    assert!(
        err.to_string().contains("needs the path parameter \"id\""),
        "{err}"
    );
}

#[test]
fn bad_configuration_is_reported() {
    let err = Client::builder().api_key("  ").build().unwrap_err();
    assert!(err.to_string().contains("API key is empty"), "{err}");
    let err = Client::builder().base_url("not a url").build().unwrap_err();
    assert!(err.to_string().contains("base URL"), "{err}");
    // No credentials at all: refused when built, not a 401 at the first call.
    let err = Client::builder().build().unwrap_err();
    assert!(
        err.to_string()
            .contains("no credentials: set JUMPCLOUD_API_KEY"),
        "{err}"
    );
    // A trailing /api or /api/v2 is accepted.
    let c = Client::builder()
        .api_key("k")
        .base_url("https://console.eu.jumpcloud.com/api/v2/")
        .build()
        .unwrap();
    assert_eq!(c.base_url(), "https://console.eu.jumpcloud.com/");
}

#[test]
fn blocking_facade() {
    // The stand-in server runs on its own runtime; the blocking client has its own.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_s, base) = rt.block_on(start(Server {
        groups: 5,
        ..Default::default()
    }));
    let jc =
        jumpcloud::blocking::Client::new(Client::builder().api_key("k").base_url(&base)).unwrap();
    let groups = jc.wait(jc.v2().user_groups().list().all()).unwrap();
    assert_eq!(groups.len(), 5);
    let err = jc
        .wait(jc.v2().user_groups().get("missing").send())
        .unwrap_err();
    assert!(err.is_not_found());
    // A listing as an iterator, page after page.
    let names: Vec<String> = jc
        .iter(jc.v2().user_groups().list().limit(2).stream())
        .map(|g| g.unwrap().name.unwrap_or_default())
        .collect();
    assert_eq!(names.len(), 5);
}

#[tokio::test]
async fn concurrency_keeps_order_and_fetches_each_page_once() {
    let (s, base) = start(Server {
        users: 1234,
        ..Default::default()
    })
    .await;
    let users = client(&base)
        .v1()
        .systemusers()
        .list()
        .concurrency(4)
        .all()
        .await
        .unwrap();
    let names: Vec<String> = users.into_iter().filter_map(|u| u.username).collect();
    let expected: Vec<String> = (0..1234).map(|i| format!("user{i}")).collect();
    assert_eq!(names, expected);
    let mut skips: Vec<String> = seen(&s)
        .into_iter()
        .map(|(_, uri, _)| {
            uri.split("\"skip\": \"")
                .nth(1)
                .unwrap_or("")
                .split('"')
                .next()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    skips.sort_by_key(|k| k.parse::<u64>().unwrap_or(u64::MAX));
    let want: Vec<String> = (0..13).map(|p| (p * 100).to_string()).collect();
    assert_eq!(skips, want, "each page exactly once");
}

#[tokio::test]
async fn gateway_errors_retry_only_idempotent_methods() {
    let (s, base) = start(Server {
        bad_gateway: 2,
        ..Default::default()
    })
    .await;
    let c = client(&base);
    // GET is idempotent: two 502s, then the answer.
    let g = c.v2().user_groups().get("abc").send().await.unwrap();
    assert_eq!(g.name.as_deref(), Some("Engineering"));
    assert_eq!(seen(&s).len(), 3);
    // POST is not: one attempt, and the 502 comes back as the error.
    let err = c
        .v2()
        .user_groups()
        .post()
        .body(&jumpcloud::v2::models::UserGroupPost {
            name: Some("x".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(502), "{err}");
    assert_eq!(seen(&s).len(), 4, "a POST is sent once");
}

#[tokio::test]
async fn connection_failures_are_retried_then_reported() {
    // A port nobody listens on: connect errors are retried, then reported as transport errors.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let c = Client::builder()
        .api_key("k")
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(3)
                .base_delay(Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    let err = c.v1().systemusers().list().send().await.unwrap_err();
    let Error::Transport { operation, source } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*operation, "systemusers_list");
    assert_eq!(source.attempts, 3);
    assert!(err.to_string().contains("3 attempt"), "{err}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn an_empty_answer_decodes_as_an_empty_object_or_list() {
    // JumpCloud answers some operations with no body where the spec promises one.
    let app = Router::new()
        .route(
            "/api/v2/usergroups/{id}",
            axum::routing::delete(|| async { StatusCode::NO_CONTENT }),
        )
        .route("/api/v2/usergroups", get(|| async { StatusCode::OK }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let c = Client::builder()
        .base_url(base)
        .api_key("k")
        .build()
        .unwrap();
    let deleted = c.v2().user_groups().delete("g1").send().await.unwrap();
    assert_eq!(deleted, Default::default());
    let groups = c.v2().user_groups().list().send().await.unwrap();
    assert!(groups.is_empty());
}

#[tokio::test]
async fn customize_overrides_retries_and_timeout_for_one_request() {
    let (s, base) = start(Server {
        bad_gateway: 2,
        ..Default::default()
    })
    .await;
    let c = client(&base);
    // The client retries a 502 on a GET; this request does not.
    let err = c
        .v2()
        .user_groups()
        .get("abc")
        .customize(|o| o.retry(RetryPolicy::none()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(502), "{err}");
    assert_eq!(seen(&s).len(), 1, "one attempt");
    // The next request has the client's settings again: the second 502 is retried.
    let g = c.v2().user_groups().get("abc").send().await.unwrap();
    assert_eq!(g.name.as_deref(), Some("Engineering"));
    assert_eq!(seen(&s).len(), 3);

    // A timeout shorter than the server's answer: a transport error, after one attempt.
    let slow = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = slow.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = slow.accept().await {
            held.push(socket); // accepted, never answered
        }
    });
    let c = client(&format!("http://{addr}"));
    let err = c
        .v1()
        .systemusers()
        .list()
        .customize(|o| {
            o.timeout(Duration::from_millis(100))
                .retry(RetryPolicy::none())
        })
        .send()
        .await
        .unwrap_err();
    let Error::Transport { source, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(source.attempts, 1);
    assert!(err.to_string().contains("request timeout"), "{err}");
}
