//! Faults on listings (`short`, `duplicate`, `truncate`, `page=K` on JumpCloud), faults on any
//! answer (`malformed`, `html`, `cut`), and the server's header read timeout.

mod common;

use std::time::{Duration, Instant};

use common::{Ctx, http};
use idm_sandbox::{JUMPCLOUD_API_KEY, Sandbox, SandboxConfig};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The UMAPI paging headers.
const PAGING: [&str; 4] = [
    "x-total-count",
    "x-page-count",
    "x-current-page",
    "x-page-size",
];

/// 30 users in pages of 10 (33 counted: three technical accounts are never listed), groups in
/// pages of 5; on the JumpCloud side 30 system users, 8 user groups, 4 systems.
async fn ctx() -> Ctx {
    Ctx::new(
        SandboxConfig::default()
            .users(30)
            .groups(8)
            .systems(4)
            .user_page_size(10)
            .group_page_size(5),
    )
    .await
}

/// An answer as received.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Answer {
    async fn of(resp: reqwest::Response) -> Answer {
        Answer {
            status: resp.status(),
            headers: resp.headers().clone(),
            text: resp.text().await.unwrap(),
        }
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    fn header(&self, name: &str) -> &str {
        common::header(&self.headers, name)
    }

    fn items(&self, key: &str) -> Vec<Value> {
        let v = self.json();
        let list = if key.is_empty() { &v } else { &v[key] };
        list.as_array()
            .unwrap_or_else(|| panic!("no {key:?} list: {v}"))
            .clone()
    }
}

async fn umapi(ctx: &Ctx, path: &str) -> Answer {
    Answer::of(ctx.get(path).send().await.unwrap()).await
}

async fn jc_call(ctx: &Ctx, method: Method, path: &str, body: Option<Value>) -> Answer {
    let mut req = http()
        .request(method, format!("{}{path}", ctx.sb.base_url()))
        .header("x-api-key", JUMPCLOUD_API_KEY);
    if let Some(b) = body {
        req = req.json(&b);
    }
    Answer::of(req.send().await.unwrap()).await
}

async fn jc(ctx: &Ctx, path: &str) -> Answer {
    jc_call(ctx, Method::GET, path, None).await
}

fn inject(ctx: &Ctx, spec: &str) {
    for rule in idm_sandbox::parse_faults(spec).unwrap() {
        ctx.sb.inject(rule);
    }
}

/// `POST /action` creating one Enterprise ID.
async fn create_user(ctx: &Ctx, email: &str) -> Answer {
    let resp = ctx
        .http
        .post(ctx.url("/action/{org}"))
        .bearer_auth(&ctx.token)
        .header("x-api-key", &ctx.info.client_id)
        .json(&json!([{"user": email, "do": [{"createEnterpriseID": {
            "email": email, "firstname": "New", "lastname": "Person", "country": "DE"
        }}]}]))
        .send()
        .await
        .unwrap();
    Answer::of(resp).await
}

fn assert_same_paging(got: &Answer, want: &Answer) {
    for h in PAGING {
        assert_eq!(got.header(h), want.header(h), "{h}");
        assert!(!want.header(h).is_empty(), "{h}");
    }
}

#[tokio::test]
async fn short_pages_drop_items_but_keep_every_count() {
    let ctx = ctx().await;

    // UMAPI users: page 1 of 10 users answers 5, with the headers and lastPage of all 10.
    let whole = umapi(&ctx, "/users/{org}/1").await;
    inject(&ctx, "umapi.users:short:page=1");
    assert_eq!(umapi(&ctx, "/users/{org}/0").await.items("users").len(), 10);
    let short = umapi(&ctx, "/users/{org}/1").await;
    assert_eq!(short.status, StatusCode::OK);
    assert_eq!(whole.items("users").len(), 10);
    assert_eq!(short.items("users"), whole.items("users")[..5]);
    assert_same_paging(&short, &whole);
    assert_eq!(short.header("x-page-size"), "10");
    assert_eq!(short.header("x-total-count"), "33");
    assert_eq!(short.json()["lastPage"], false);
    assert_eq!(short.json()["result"], "success");
    // It fired once: page 1 is whole again.
    assert_eq!(umapi(&ctx, "/users/{org}/1").await.text, whole.text);

    // A group's member list is a user list too.
    let members = umapi(&ctx, "/users/{org}/0/Design Team").await;
    let n = members.items("users").len();
    assert!(n >= 2, "{n}");
    inject(&ctx, "umapi.users:short");
    let short = umapi(&ctx, "/users/{org}/0/Design Team").await;
    assert_eq!(short.items("users"), members.items("users")[..n / 2]);
    assert_same_paging(&short, &members);

    // UMAPI groups: a page of 5 answers 2.
    let whole = umapi(&ctx, "/groups/{org}/0").await;
    inject(&ctx, "umapi.groups:short");
    let short = umapi(&ctx, "/groups/{org}/0").await;
    assert_eq!(whole.items("groups").len(), 5);
    assert_eq!(short.items("groups"), whole.items("groups")[..2]);
    assert_same_paging(&short, &whole);
    assert_eq!(short.json()["lastPage"], whole.json()["lastPage"]);

    // JumpCloud v1: half the results, the totalCount of all. A v2 rule leaves v1 alone.
    let whole = jc(&ctx, "/api/systemusers?limit=4&skip=4").await;
    let whole_v2 = jc(&ctx, "/api/v2/usergroups?limit=4").await;
    inject(&ctx, "jumpcloud.v2:short;jumpcloud.v1:short");
    let short = jc(&ctx, "/api/systemusers?limit=4&skip=4").await;
    assert_eq!(short.status, StatusCode::OK);
    assert_eq!(whole.items("results").len(), 4);
    assert_eq!(short.items("results"), whole.items("results")[..2]);
    assert_eq!(short.json()["totalCount"], 30);
    assert_eq!(whole.json()["totalCount"], 30);

    // JumpCloud v2: the array is just shorter, like a last page.
    let short = jc(&ctx, "/api/v2/usergroups?limit=4").await;
    assert_eq!(whole_v2.items("").len(), 4);
    assert_eq!(short.items(""), whole_v2.items("")[..2]);

    // The v1 search (POST) is a listing too.
    let search = json!({"filter": {"or": [{"department": "Sales"}, {"department": "Finance"}]}});
    let path = "/api/search/systemusers?limit=6";
    let whole = jc_call(&ctx, Method::POST, path, Some(search.clone())).await;
    inject(&ctx, "jumpcloud:short");
    let short = jc_call(&ctx, Method::POST, path, Some(search)).await;
    assert_eq!(whole.items("results").len(), 6);
    assert_eq!(short.items("results"), whole.items("results")[..3]);
    assert_eq!(short.json()["totalCount"], whole.json()["totalCount"]);

    assert_eq!(ctx.sb.stats().faults_fired, 6);
}

#[tokio::test]
async fn duplicate_pages_repeat_the_previous_items_under_their_own_counts() {
    let ctx = ctx().await;

    // UMAPI users: page 0 never fires (nor counts); page 1 carries page 0's users.
    let p0 = umapi(&ctx, "/users/{org}/0").await;
    let p1 = umapi(&ctx, "/users/{org}/1").await;
    inject(&ctx, "umapi.users:duplicate");
    let again0 = umapi(&ctx, "/users/{org}/0").await;
    assert_eq!(again0.text, p0.text);
    assert_eq!(ctx.sb.stats().faults_fired, 0);
    let dup = umapi(&ctx, "/users/{org}/1").await;
    assert_eq!(dup.status, StatusCode::OK);
    assert_eq!(dup.items("users"), p0.items("users"));
    assert_ne!(p0.items("users"), p1.items("users"));
    assert_same_paging(&dup, &p1);
    assert_eq!(dup.header("x-current-page"), "1");
    assert_eq!(dup.json()["lastPage"], p1.json()["lastPage"]);
    assert_eq!(ctx.sb.stats().faults_fired, 1);

    // The last page (3, with no users left) carries page 2's users, and still says it is last.
    let p2 = umapi(&ctx, "/users/{org}/2").await;
    let p3 = umapi(&ctx, "/users/{org}/3").await;
    assert_eq!(p3.json()["lastPage"], true, "{}", p3.text);
    inject(&ctx, "umapi.users:duplicate:page=3");
    let dup = umapi(&ctx, "/users/{org}/3").await;
    assert_eq!(dup.items("users"), p2.items("users"));
    assert_eq!(dup.json()["lastPage"], true);
    assert_same_paging(&dup, &p3);

    // UMAPI groups.
    let g1 = umapi(&ctx, "/groups/{org}/1").await;
    let g2 = umapi(&ctx, "/groups/{org}/2").await;
    inject(&ctx, "umapi.groups:duplicate:page=2");
    let dup = umapi(&ctx, "/groups/{org}/2").await;
    assert_eq!(dup.items("groups"), g1.items("groups"));
    assert_ne!(g1.items("groups"), g2.items("groups"));
    assert_same_paging(&dup, &g2);

    // JumpCloud v1: skip < limit is the first page (no fire); skip=8 carries skip=4's results.
    let first = jc(&ctx, "/api/systemusers?limit=4&skip=2").await;
    let s4 = jc(&ctx, "/api/systemusers?limit=4&skip=4").await;
    inject(&ctx, "jumpcloud.v1:duplicate");
    assert_eq!(
        jc(&ctx, "/api/systemusers?limit=4&skip=2").await.text,
        first.text
    );
    let dup = jc(&ctx, "/api/systemusers?skip=8&limit=4").await;
    assert_eq!(dup.items("results"), s4.items("results"));
    assert_eq!(dup.json()["totalCount"], 30);

    // The POST search: its body is sent again for the previous page.
    let search = json!({"filter": {"or": [{"department": "Sales"}, {"department": "Finance"}]}});
    let s0 = jc_call(
        &ctx,
        Method::POST,
        "/api/search/systemusers?limit=3",
        Some(search.clone()),
    )
    .await;
    inject(&ctx, "jumpcloud:duplicate:page=1");
    let dup = jc_call(
        &ctx,
        Method::POST,
        "/api/search/systemusers?limit=3&skip=3",
        Some(search),
    )
    .await;
    assert_eq!(dup.items("results"), s0.items("results"));
    assert_eq!(dup.json()["totalCount"], s0.json()["totalCount"]);

    // JumpCloud v2, with the default limit (10): skip=10 is page 1 and carries page 0.
    let v0 = jc(&ctx, "/api/v2/groups").await;
    assert_eq!(v0.items("").len(), 10);
    inject(&ctx, "jumpcloud.v2:duplicate:page=1");
    let dup = jc(&ctx, "/api/v2/groups?skip=10").await;
    assert_eq!(dup.items(""), v0.items(""));

    // A graph list: the members of a group, one per page.
    let group = v0.items("")[0]["id"].as_str().unwrap().to_owned();
    let members = format!("/api/v2/usergroups/{group}/members");
    let m0 = jc(&ctx, &format!("{members}?limit=1")).await;
    let m1 = jc(&ctx, &format!("{members}?limit=1&skip=1")).await;
    assert_eq!(m1.items("").len(), 1, "{}", m1.text);
    assert_ne!(m0.items(""), m1.items(""));
    inject(&ctx, "jumpcloud:duplicate");
    let dup = jc(&ctx, &format!("{members}?limit=1&skip=1")).await;
    assert_eq!(dup.items(""), m0.items(""));

    assert_eq!(ctx.sb.stats().faults_fired, 7);
}

#[tokio::test]
async fn truncate_on_jumpcloud_listings() {
    let ctx = ctx().await;
    inject(&ctx, "jumpcloud:truncate");
    let page = jc(&ctx, "/api/systems?limit=2").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.json(), json!({"totalCount": 4, "results": []}));
    inject(&ctx, "jumpcloud.v2:truncate:as=404");
    let page = jc(&ctx, "/api/v2/systemgroups").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(
        page.json(),
        json!({"message": "Not Found (injected truncation)"})
    );
    // A single object is no listing: a truncate rule waits for the next listing.
    let id = jc(&ctx, "/api/systemusers?limit=1").await.items("results")[0]["_id"]
        .as_str()
        .unwrap()
        .to_owned();
    inject(&ctx, "jumpcloud:truncate");
    let one = jc(&ctx, &format!("/api/systemusers/{id}")).await;
    assert_eq!(one.json()["_id"], id.as_str());
    assert_eq!(jc(&ctx, "/api/v2/usergroups").await.items("").len(), 0);
    assert_eq!(jc(&ctx, "/api/v2/usergroups").await.items("").len(), 8);
    assert_eq!(ctx.sb.stats().faults_fired, 3);
}

#[tokio::test]
async fn page_k_selects_a_jumpcloud_page_by_skip_and_limit() {
    let ctx = ctx().await;
    let some_id = jc(&ctx, "/api/systemusers?limit=1").await.items("results")[0]["_id"]
        .as_str()
        .unwrap()
        .to_owned();
    inject(&ctx, "jumpcloud:503:page=2");
    let status = |path: String| {
        let ctx = &ctx;
        async move { jc(ctx, &path).await.status.as_u16() }
    };
    // Page 1, a request between pages, and an object that is no listing: not page 2.
    assert_eq!(status("/api/systemusers?limit=3&skip=3".into()).await, 200);
    assert_eq!(status("/api/systemusers?limit=3&skip=5".into()).await, 200);
    assert_eq!(status(format!("/api/systemusers/{some_id}")).await, 200);
    // skip = 2 × limit.
    assert_eq!(status("/api/systemusers?limit=3&skip=6".into()).await, 503);
    assert_eq!(status("/api/systemusers?limit=3&skip=6".into()).await, 200);

    // Without limit, the default limit (10): page 1 is skip=10. The v2 target leaves v1 alone.
    inject(&ctx, "jumpcloud.v2:503:page=1");
    assert_eq!(status("/api/systemusers?skip=10".into()).await, 200);
    assert_eq!(status("/api/v2/usergroups?skip=5".into()).await, 200);
    assert_eq!(status("/api/v2/usergroups?skip=10".into()).await, 503);

    // Page 0 is the request with no skip; listings outside the stateful core count too.
    inject(&ctx, "jumpcloud:502:page=0:count=2");
    assert_eq!(status("/api/v2/policies?limit=5&skip=5".into()).await, 200);
    assert_eq!(status("/api/v2/policies?limit=5".into()).await, 502);
    assert_eq!(status("/api/organizations".into()).await, 502);
    assert_eq!(status("/api/organizations".into()).await, 200);
    assert_eq!(ctx.sb.stats().faults_fired, 4);
}

/// The first half of `whole` then the garbage: what `malformed` sends.
fn assert_malformed(got: &Answer, whole: &str) {
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.header("content-type"), "application/json");
    assert!(
        serde_json::from_str::<Value>(&got.text).is_err(),
        "{}",
        got.text
    );
    let prefix = got
        .text
        .strip_suffix("#garbled")
        .unwrap_or_else(|| panic!("{}", got.text));
    assert!(whole.starts_with(prefix), "{prefix} / {whole}");
    let half = whole.len() / 2;
    assert!(prefix.len() <= half && prefix.len() + 4 > half, "{prefix}");
}

#[tokio::test]
async fn malformed_answers_are_not_json_on_every_route() {
    let ctx = ctx().await;
    let users = umapi(&ctx, "/users/{org}/0").await;
    inject(&ctx, "umapi.users:malformed");
    let got = umapi(&ctx, "/users/{org}/0").await;
    assert_malformed(&got, &users.text);
    // The rest of the answer is the real one.
    assert_eq!(got.header("x-total-count"), "33");

    let groups = umapi(&ctx, "/groups/{org}/1").await;
    inject(&ctx, "umapi.groups:malformed");
    assert_malformed(&umapi(&ctx, "/groups/{org}/1").await, &groups.text);

    let user = umapi(&ctx, "/organizations/{org}/users/admin@example.com").await;
    inject(&ctx, "umapi.user:malformed");
    assert_malformed(
        &umapi(&ctx, "/organizations/{org}/users/admin@example.com").await,
        &user.text,
    );

    let v1 = jc(&ctx, "/api/systemusers?limit=3").await;
    inject(&ctx, "jumpcloud.v1:malformed");
    assert_malformed(&jc(&ctx, "/api/systemusers?limit=3").await, &v1.text);
    let v2 = jc(&ctx, "/api/v2/usergroups").await;
    inject(&ctx, "jumpcloud.v2:malformed");
    assert_malformed(&jc(&ctx, "/api/v2/usergroups").await, &v2.text);

    // An action is served: the user exists although its answer was garbled.
    let normal = create_user(&ctx, "other.person@example.com").await;
    assert_eq!(normal.json()["completed"], 1);
    inject(&ctx, "umapi.action:malformed");
    let got = create_user(&ctx, "new.person@example.com").await;
    assert_malformed(&got, &normal.text);
    assert!(ctx.sb.umapi_user("new.person@example.com").is_some());

    // A JumpCloud answer with no body (204) still gets a body that is not JSON.
    let group = jc(&ctx, "/api/v2/usergroups?limit=1").await.items("")[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let user_id = jc(&ctx, "/api/systemusers?limit=1").await.items("results")[0]["_id"]
        .as_str()
        .unwrap()
        .to_owned();
    inject(&ctx, "jumpcloud:malformed");
    // Removing a user from a group answers 204, member or not.
    let got = jc_call(
        &ctx,
        Method::POST,
        &format!("/api/v2/usergroups/{group}/members"),
        Some(json!({"op": "remove", "type": "user", "id": user_id})),
    )
    .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.text, "#garbled");
    assert_eq!(ctx.sb.stats().faults_fired, 7);
}

#[tokio::test]
async fn html_answers_are_a_proxy_page_and_the_request_is_not_served() {
    let ctx = ctx().await;
    inject(&ctx, "umapi.action:html");
    let got = create_user(&ctx, "new.person@example.com").await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.header("content-type"), "text/html");
    assert!(
        got.text
            .starts_with("<html>\r\n<head><title>502 Bad Gateway</title></head>"),
        "{}",
        got.text
    );
    assert!(serde_json::from_str::<Value>(&got.text).is_err());
    assert!(ctx.sb.umapi_user("new.person@example.com").is_none());

    for (spec, path) in [
        ("umapi.users:html", "/users/{org}/0"),
        ("umapi.groups:html", "/groups/{org}/0"),
    ] {
        inject(&ctx, spec);
        let got = umapi(&ctx, path).await;
        assert_eq!(
            (got.status, got.header("content-type")),
            (StatusCode::OK, "text/html")
        );
        assert!(got.text.contains("<h1>502 Bad Gateway</h1>"));
        assert_eq!(got.header("x-total-count"), "", "no paging headers");
    }
    for (spec, path) in [
        ("jumpcloud.v1:html", "/api/systemusers"),
        ("jumpcloud.v2:html", "/api/v2/usergroups"),
    ] {
        inject(&ctx, spec);
        let got = jc(&ctx, path).await;
        assert_eq!(
            (got.status, got.header("content-type")),
            (StatusCode::OK, "text/html")
        );
    }
    assert_eq!(ctx.sb.stats().faults_fired, 5);
}

/// Sends one raw HTTP/1.1 request and reads until the server closes: the head and the body.
async fn raw_exchange(base_url: &str, request: &str) -> (String, Vec<u8>) {
    let addr = base_url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        let mut buf = [0u8; 8192];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the server did not close the connection");
    let split = received
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no head in {:?}", String::from_utf8_lossy(&received)));
    let head = String::from_utf8_lossy(&received[..split]).into_owned();
    (head, received[split + 4..].to_vec())
}

fn content_length(head: &str) -> usize {
    head.lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or_else(|| panic!("no Content-Length in {head}"))
}

#[tokio::test]
async fn cut_bodies_stop_half_way_and_the_connection_closes() {
    let ctx = ctx().await;
    let whole = umapi(&ctx, "/users/{org}/0").await;
    let path = format!("/v2/usermanagement/users/{}/0", ctx.info.org_id);
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: sandbox\r\nAuthorization: Bearer {}\r\nX-Api-Key: {}\r\n\r\n",
        ctx.token, ctx.info.client_id
    );
    inject(&ctx, "umapi.users:cut");
    let (head, body) = raw_exchange(&ctx.sb.base_url(), &request).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    // The whole body is announced; exactly its first half arrives.
    let announced = content_length(&head);
    assert_eq!(announced, whole.text.len());
    assert_eq!(body.len(), announced / 2);
    assert!(body.len() < announced);
    assert_eq!(body, whole.text.as_bytes()[..announced / 2]);
    assert!(
        head.to_ascii_lowercase().contains("x-total-count: 33"),
        "{head}"
    );

    // A client sees an incomplete body, on lists and single objects of both APIs.
    inject(&ctx, "umapi.groups:cut");
    let resp = ctx.get("/groups/{org}/0").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.bytes().await.is_err());
    for (spec, path) in [
        ("jumpcloud.v1:cut", "/api/systemusers?limit=5"),
        ("jumpcloud.v2:cut", "/api/v2/usergroups"),
        ("jumpcloud:cut", "/api/organizations"),
    ] {
        inject(&ctx, spec);
        let resp = http()
            .get(format!("{}{path}", ctx.sb.base_url()))
            .header("x-api-key", JUMPCLOUD_API_KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        let announced = resp.content_length().unwrap();
        assert!(announced > 0, "{path}");
        assert!(resp.bytes().await.is_err(), "{path}: the body must fail");
    }
    // The next request, on a new connection, is whole.
    assert_eq!(umapi(&ctx, "/users/{org}/0").await.text, whole.text);
    assert_eq!(ctx.sb.stats().faults_fired, 5);
}

#[tokio::test]
async fn a_client_slow_to_send_its_headers_is_disconnected() {
    assert_eq!(
        SandboxConfig::default().header_read_timeout,
        Duration::from_secs(30)
    );
    assert!(
        SandboxConfig::default()
            .header_read_timeout(Duration::ZERO)
            .validate()
            .is_err()
    );
    let sb = Sandbox::start(
        SandboxConfig::default()
            .users(3)
            .header_read_timeout(Duration::from_millis(300)),
    )
    .await
    .unwrap();
    let addr = sb.base_url().trim_start_matches("http://").to_owned();
    let mut slow = TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /status HT").await.unwrap();
    let started = Instant::now();
    let mut received = Vec::new();
    let closed =
        tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut received)).await;
    assert!(closed.is_ok(), "the half-sent request held the connection");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(250), "{waited:?}");
    // hyper may say 408 before closing; it never serves the request.
    let text = String::from_utf8_lossy(&received);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );

    // A client that sends its request at once is served.
    let resp = http()
        .get(format!("{}/status", sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    sb.shutdown().await;
}
