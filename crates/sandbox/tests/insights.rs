//! Directory Insights over plain HTTP: the sandbox's own activity as events, `search_after`
//! paging across equal timestamps, counts, distinct values, intervals, reports, bad queries.

mod common;

use common::http;
use idm_sandbox::{Sandbox, SandboxConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

struct Di {
    sb: Sandbox,
}

impl Di {
    async fn post(
        &self,
        path: &str,
        body: Value,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let resp = http()
            .post(format!("{}{path}", self.sb.base_url()))
            .header("x-api-key", idm_sandbox::JUMPCLOUD_API_KEY)
            .json(&body)
            .send()
            .await
            .unwrap();
        let (status, headers) = (resp.status(), resp.headers().clone());
        (status, headers, resp.json().await.unwrap_or(Value::Null))
    }

    async fn events(&self, body: Value) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        self.post("/insights/directory/v1/events", body).await
    }

    /// Every event of a query, page by page as a client pages: until a page is shorter than
    /// `X-Limit`, sending the last `X-Search_after` back.
    async fn all(&self, mut body: Value) -> (Vec<Value>, usize) {
        let mut all = Vec::new();
        let mut pages = 0;
        loop {
            let (s, h, page) = self.events(body.clone()).await;
            assert_eq!(s, StatusCode::OK, "{page}");
            pages += 1;
            let header = |n: &str| h.get(n).unwrap().to_str().unwrap().to_owned();
            let count: usize = header("x-result-count").parse().unwrap();
            let limit: usize = header("x-limit").parse().unwrap();
            assert_eq!(count, page.as_array().unwrap().len());
            all.extend(page.as_array().unwrap().iter().cloned());
            if count < limit {
                return (all, pages);
            }
            body["search_after"] = serde_json::from_str(&header("x-search_after")).unwrap();
        }
    }
}

const SINCE: &str = "2020-01-01T00:00:00Z";

#[tokio::test]
async fn changes_made_through_the_sandbox_are_events() {
    let sb = Sandbox::start(SandboxConfig::default().users(5).groups(4))
        .await
        .unwrap();
    let jc = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let mut r = http()
            .request(method, format!("{}{path}", sb.base_url()))
            .header("x-api-key", idm_sandbox::JUMPCLOUD_API_KEY)
            .header("user-agent", "audit-script/2.1.0 (Linux; x86_64)");
        if let Some(b) = body {
            r = r.json(&b);
        }
        async move {
            r.send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap_or(Value::Null)
        }
    };
    let user = jc(
        reqwest::Method::POST,
        "/api/systemusers",
        Some(json!({"username": "audit.me", "email": "audit.me@example.com"})),
    )
    .await;
    let id = user["_id"].as_str().unwrap().to_owned();
    jc(
        reqwest::Method::PUT,
        &format!("/api/systemusers/{id}"),
        Some(json!({"firstname": "Audit", "password": "s3cret!"})),
    )
    .await;
    let groups = jc(reqwest::Method::GET, "/api/v2/usergroups", None).await;
    let group = groups[0]["id"].as_str().unwrap().to_owned();
    jc(
        reqwest::Method::POST,
        &format!("/api/v2/usergroups/{group}/members"),
        Some(json!({"op": "add", "type": "user", "id": id})),
    )
    .await;
    jc(
        reqwest::Method::DELETE,
        &format!("/api/systemusers/{id}"),
        None,
    )
    .await;
    // A search only reads: not logged.
    jc(
        reqwest::Method::POST,
        "/api/search/systemusers",
        Some(json!({"filter": {"username": "audit.me"}})),
    )
    .await;
    // An action the sandbox only answers (a restart of a device) is not logged.
    let systems = jc(reqwest::Method::GET, "/api/systems", None).await;
    let system = systems["results"][0]["_id"].as_str().unwrap().to_owned();
    jc(
        reqwest::Method::POST,
        &format!("/api/systems/{system}/command/builtin/restart"),
        None,
    )
    .await;
    // A refused key is a failed login.
    let refused = http()
        .get(format!("{}/api/systemusers", sb.base_url()))
        .header("x-api-key", "wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    // A bulk job logs itself and each user it made or changed; an entry that failed, nothing.
    let job = jc(
        reqwest::Method::POST,
        "/api/v2/bulk/users",
        Some(
            json!([{"username": "bulk.one", "email": "bulk.one@example.com"},
                    {"username": "bulk.one", "email": "bulk.two@example.com"}]),
        ),
    )
    .await;
    assert!(job["jobId"].is_string(), "{job}");
    let made = jc(
        reqwest::Method::GET,
        "/api/systemusers?filter=username:$eq:bulk.one",
        None,
    )
    .await;
    let bulk_id = made["results"][0]["_id"].as_str().unwrap().to_owned();
    jc(
        reqwest::Method::PATCH,
        "/api/v2/bulk/users",
        Some(json!([{"id": bulk_id, "lastname": "Bulk", "password": "hunter2!"}])),
    )
    .await;

    let di = Di { sb };
    let (events, _) = di
        .all(json!({"service": ["all"], "start_time": SINCE}))
        .await;
    let types: Vec<&str> = events
        .iter()
        .map(|e| e["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "user_create",
            "user_update",
            "association_change",
            "user_delete",
            "admin_login_attempt",
            "bulk_user_job",
            "user_create",
            "bulk_user_job",
            "user_update",
        ]
    );
    assert_eq!(events[6]["resource"]["username"], "bulk.one");
    assert_eq!(events[8]["resource"]["id"], json!(bulk_id));
    // Named as the user now is, though the entry sent no name.
    assert_eq!(events[8]["resource"]["username"], "bulk.one");
    assert_eq!(
        events[8]["changes"],
        json!([{"field": "lastname", "to": "Bulk"}, {"field": "password"}])
    );
    assert!(!Value::Array(events.clone()).to_string().contains("hunter2"));
    assert_eq!(events[0]["resource"]["id"], json!(id));
    assert_eq!(events[0]["resource"]["username"], "audit.me");
    assert_eq!(events[0]["initiated_by"]["type"], "admin");
    assert_eq!(events[0]["service"], "directory");
    assert_eq!(events[0]["success"], true);
    // The client's User-Agent, summarised; the refused request sent none.
    let agent = &events[0]["useragent"];
    assert_eq!(
        (&agent["name"], &agent["major"]),
        (&json!("audit-script"), &json!("2"))
    );
    assert_eq!(agent["os"], "Linux");
    assert!(events[4].get("useragent").is_none(), "{}", events[4]);
    assert_eq!(
        events[0]["organization"],
        json!(di.sb.jumpcloud_info().org_id)
    );
    // An update lists what changed; a secret by its name only.
    let changes = events[1]["changes"].as_array().unwrap();
    assert_eq!(
        changes,
        &[
            json!({"field": "firstname", "to": "Audit"}),
            json!({"field": "password"})
        ]
    );
    assert!(!Value::Array(events.clone()).to_string().contains("s3cret"));
    assert_eq!(
        events[2]["association"]["connection"]["from"]["id"],
        json!(group)
    );
    assert_eq!(
        events[2]["association"]["connection"]["to"]["id"],
        json!(id)
    );
    assert_eq!(events[2]["association"]["op"], "add");
    assert_eq!(events[2]["association"]["attributes"], json!({}));
    assert_eq!(events[4]["success"], false);
    // Timestamps and ids are in order.
    for pair in events.windows(2) {
        assert!(pair[0]["timestamp"].as_str() <= pair[1]["timestamp"].as_str());
        assert!(pair[0]["id"].as_str() < pair[1]["id"].as_str());
    }
    // Filters: a search term on a nested field.
    let (_, _, only) = di
        .events(json!({"service": ["directory"], "start_time": SINCE,
                       "search_term": {"and": [{"event_type": ["user_create", "user_delete"]}]}}))
        .await;
    // The two users made (one alone, one by the bulk job) and the one deleted.
    assert_eq!(only.as_array().unwrap().len(), 3);
    let (_, _, not) = di
        .events(json!({"service": ["all"], "start_time": SINCE,
                       "search_term": {"not": {"initiated_by.type": "admin"}}}))
        .await;
    assert_eq!(not, json!([]), "every event here was an administrator's");
}

#[tokio::test]
async fn paging_crosses_equal_timestamps_without_a_gap_or_a_repeat() {
    let sb = Sandbox::start(SandboxConfig::default().users(3).jumpcloud_events(100))
        .await
        .unwrap();
    let di = Di { sb };
    for sort in ["ASC", "DESC"] {
        let (events, pages) = di
            .all(json!({"service": ["all"], "start_time": SINCE, "limit": 7, "sort": sort}))
            .await;
        assert_eq!(events.len(), 100, "{sort}");
        assert_eq!(pages, 15, "{sort}: 14 full pages and a short one");
        let mut ids: Vec<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
        if sort == "DESC" {
            ids.reverse();
        }
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(ids, sorted, "{sort}: in order, none twice");
        // Three events share each timestamp, so pages end inside runs of equal ones: here the
        // first page's last event and the second's first.
        if sort == "ASC" {
            assert_eq!(events[6]["timestamp"], events[7]["timestamp"]);
        }
    }
    let (_, _, count) = di
        .post(
            "/insights/directory/v1/events/count",
            json!({"service": ["all"], "start_time": SINCE}),
        )
        .await;
    assert_eq!(count, json!({"count": 100}));
    let (_, _, count) = di
        .post(
            "/insights/directory/v1/events/count",
            json!({"service": ["radius"], "start_time": SINCE}),
        )
        .await;
    let radius = count["count"].as_u64().unwrap();
    assert!(radius > 0 && radius < 100);
    let (_, _, distinct) = di
        .post(
            "/insights/directory/v1/events/distinct",
            json!({"service": ["all"], "start_time": SINCE, "field": "service"}),
        )
        .await;
    let buckets = distinct["buckets"].as_array().unwrap();
    let total: u64 = buckets
        .iter()
        .map(|b| b["doc_count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 100);
    assert!(
        buckets
            .iter()
            .any(|b| b["key"] == "radius" && b["doc_count"] == radius)
    );
    let (_, _, interval) = di
        .post(
            "/insights/directory/v1/events/interval",
            json!({"service": ["all"], "start_time": SINCE, "interval_unit": "d", "interval_value": "1"}),
        )
        .await;
    let per_day: u64 = interval["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["doc_count"].as_u64().unwrap())
        .sum();
    assert_eq!(per_day, 100);
}

#[tokio::test]
async fn bad_queries_are_400s_that_say_what_is_wrong() {
    let sb = Sandbox::start(SandboxConfig::default().users(3))
        .await
        .unwrap();
    let di = Di { sb };
    let (s, _, v) = di
        .post(
            "/insights/directory/v1/events/interval",
            json!({"service": ["all"], "start_time": SINCE, "interval_unit": "w",
                   "interval_value": "18014398509481984"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["message"].as_str().unwrap().contains("too large"), "{v}");
    for (body, says) in [
        (json!({"service": ["all"]}), "start_time is required"),
        (
            json!({"service": ["all"], "start_time": "yesterday"}),
            "RFC 3339",
        ),
        (
            json!({"service": ["all"], "start_time": "2026-01-02"}),
            "RFC 3339",
        ),
        (json!({"start_time": SINCE}), "service is required"),
        (
            json!({"service": ["email"], "start_time": SINCE}),
            "is not one of",
        ),
        (
            json!({"service": ["all"], "start_time": SINCE, "sort": "UP"}),
            "ASC or DESC",
        ),
        (
            json!({"service": ["all"], "start_time": SINCE, "limit": 10001}),
            "limit",
        ),
        (
            json!({"service": ["all"], "start_time": SINCE, "end_time": "2019-01-01T00:00:00Z"}),
            "before start_time",
        ),
        (
            json!({"service": ["all"], "start_time": SINCE, "search_after": ["x"]}),
            "search_after",
        ),
        (
            json!({"service": ["all"], "start_time": SINCE, "search_term": {"xor": {}}}),
            "conjunction",
        ),
    ] {
        let (s, _, v) = di.events(body.clone()).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
        assert!(v["message"].as_str().unwrap().contains(says), "{body}: {v}");
    }
}

#[tokio::test]
async fn reports_are_made_from_the_directory() {
    let sb = Sandbox::start(SandboxConfig::default().users(6).groups(4))
        .await
        .unwrap();
    let di = Di { sb };
    let (s, _, report) = di
        .post(
            "/insights/directory/v1/reports/users-to-user-groups",
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    assert_eq!(report["status"], "COMPLETED");
    let (s, _, _) = di
        .post("/insights/directory/v1/reports/everything", json!({}))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let listed = http()
        .get(format!(
            "{}/insights/directory/v1/reports",
            di.sb.base_url()
        ))
        .header("x-api-key", idm_sandbox::JUMPCLOUD_API_KEY)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(listed[0]["id"], report["id"]);
    let content = http()
        .get(format!(
            "{}/insights/directory/v1/reports/{}/artifacts/{}/content",
            di.sb.base_url(),
            report["id"].as_str().unwrap(),
            report["artifacts"][0]["id"].as_str().unwrap()
        ))
        .header("x-api-key", idm_sandbox::JUMPCLOUD_API_KEY)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let rows = content["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(rows[0]["username"].is_string() && rows[0]["group_name"].is_string());
}
