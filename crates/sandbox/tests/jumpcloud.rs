//! The JumpCloud half over plain HTTP: routing, validation, listings and tenancy.

mod common;

use common::http;
use idm_sandbox::{JUMPCLOUD_MULTI_TENANT_API_KEY, Sandbox, SandboxConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

struct Jc {
    sb: Sandbox,
    key: String,
}

async fn start(users: usize) -> Jc {
    let sb = Sandbox::start(SandboxConfig::default().users(users).systems(4).groups(8))
        .await
        .unwrap();
    let key = idm_sandbox::JUMPCLOUD_API_KEY.to_owned();
    Jc { sb, key }
}

impl Jc {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = http()
            .request(method, format!("{}{path}", self.sb.base_url()))
            .header("x-api-key", &self.key);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }
}

fn message(v: &Value) -> &str {
    v["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn unknown_paths_methods_and_keys_get_json_errors() {
    let jc = start(3).await;
    let (s, v) = jc.get("/api/v2/nothing/here").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(message(&v).contains("/api/v2/nothing/here"), "{v}");
    let (s, v) = jc.call(Method::PATCH, "/api/systemusers/x", None).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    assert!(message(&v).contains("PATCH"), "{v}");
    let resp = http()
        .get(format!("{}/api/systemusers", jc.sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"message": "Unauthorized"})
    );
}

#[tokio::test]
async fn parameters_and_bodies_are_checked_against_the_schemas() {
    let jc = start(3).await;
    // An integer parameter that is not one, on an operation outside the stateful core.
    let (s, v) = jc.get("/api/v2/policies?limit=ten").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        message(&v),
        "Bad Request: query parameter limit: expected an integer, got \"ten\""
    );
    // A required query parameter missing, then an enum value the operation does not allow.
    let users = jc.get("/api/systemusers?limit=1").await.1;
    let uid = users["results"][0]["_id"].as_str().unwrap().to_owned();
    let (s, v) = jc.get(&format!("/api/v2/users/{uid}/associations")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(message(&v).contains("targets is required"), "{v}");
    let (s, v) = jc
        .get(&format!("/api/v2/users/{uid}/associations?targets=printer"))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(message(&v).contains("not one of the allowed values"), "{v}");
    // Bodies: not JSON, a wrong type, a required field missing.
    let resp = http()
        .post(format!("{}/api/v2/usergroups", jc.sb.base_url()))
        .header("x-api-key", &jc.key)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let (s, v) = jc
        .call(
            Method::POST,
            "/api/v2/usergroups",
            Some(json!({"name": 42})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        message(&v),
        "Bad Request: body.name: expected a string, got 42"
    );
    let (s, v) = jc
        .call(
            Method::POST,
            "/api/v2/systemgroups",
            Some(json!({"description": "x"})),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(message(&v), "Bad Request: body.name is required");
    // JumpCloud's own page limit.
    let (s, v) = jc.get("/api/systemusers?limit=101").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(message(&v).contains("limit"), "{v}");
}

#[tokio::test]
async fn collections_outside_the_core_keep_their_records() {
    let jc = start(3).await;
    // A new organisation has no policies; a made-up id is a 404.
    let (s, list) = jc.get("/api/v2/policies").await;
    assert_eq!((s, list), (StatusCode::OK, json!([])));
    let (s, _) = jc.get("/api/v2/policies/5f1234567890abcdef012345").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let body = json!({"name": "Lock screen", "template": {"id": "t1"}, "id": "ignored"});
    let (s, made) = jc.call(Method::POST, "/api/v2/policies", Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    let id = made["id"].as_str().unwrap().to_owned();
    assert_eq!(
        id.len(),
        24,
        "a server-assigned object id, not the one sent"
    );
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(made["name"], "Lock screen");
    let (_, read) = jc.get(&format!("/api/v2/policies/{id}")).await;
    assert_eq!(read["name"], "Lock screen");
    assert_eq!(
        read["values"],
        json!([]),
        "unset properties at their defaults"
    );
    // Names are unique, case-insensitively.
    let (s, v) = jc
        .call(
            Method::POST,
            "/api/v2/policies",
            Some(json!({"name": "LOCK SCREEN"})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (_, other) = jc
        .call(
            Method::POST,
            "/api/v2/policies",
            Some(json!({"name": "USB"})),
        )
        .await;
    assert_ne!(other["id"], made["id"]);
    // v2 filters and sort on the listing.
    let (_, found) = jc.get("/api/v2/policies?filter=name:eq:USB").await;
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    let (_, found) = jc.get("/api/v2/policies?filter=name:search:lock").await;
    assert_eq!(found[0]["id"], made["id"]);
    let (_, sorted) = jc.get("/api/v2/policies?sort=-name").await;
    assert_eq!(sorted[0]["name"], "USB");
    // PUT replaces.
    let (s, put) = jc
        .call(
            Method::PUT,
            &format!("/api/v2/policies/{id}"),
            Some(json!({"name": "Lock screen after 5 min"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{put}");
    assert_eq!(put["id"], made["id"]);
    assert_eq!(read["template"]["id"], "t1");
    assert_eq!(
        put["template"]["id"], "",
        "a PUT replaces what it does not send"
    );
    // An association seen from both ends, and through the traversals.
    let (_, groups) = jc.get("/api/v2/systemgroups").await;
    let group = groups[0]["id"].as_str().unwrap().to_owned();
    let edge = json!({"op": "add", "type": "system_group", "id": group});
    let (s, v) = jc
        .call(
            Method::POST,
            &format!("/api/v2/policies/{id}/associations"),
            Some(edge),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (_, from_group) = jc
        .get(&format!(
            "/api/v2/systemgroups/{group}/associations?targets=policy"
        ))
        .await;
    assert_eq!(from_group[0]["to"]["id"], made["id"]);
    let (_, systems) = jc.get(&format!("/api/v2/policies/{id}/systems")).await;
    assert!(!systems.as_array().unwrap().is_empty(), "{systems}");
    let system = systems[0]["id"].as_str().unwrap().to_owned();
    let (_, policies) = jc.get(&format!("/api/v2/systems/{system}/policies")).await;
    assert_eq!(policies[0]["id"], made["id"]);
    // A user cannot be bound to a policy: the specs allow systems and system groups.
    let (_, users) = jc.get("/api/systemusers").await;
    let user = users["results"][0]["_id"].as_str().unwrap();
    let (s, _) = jc
        .call(
            Method::POST,
            &format!("/api/v2/policies/{id}/associations"),
            Some(json!({"op": "add", "type": "user", "id": user})),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "a user is not a valid target type here"
    );
    // DELETE sticks and takes the edges with it.
    let (s, _) = jc
        .call(Method::DELETE, &format!("/api/v2/policies/{id}"), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = jc.get(&format!("/api/v2/policies/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, from_group) = jc
        .get(&format!(
            "/api/v2/systemgroups/{group}/associations?targets=policy"
        ))
        .await;
    assert_eq!(from_group, json!([]));
    // v1 and v2 share one record: a v1 command is a v2 graph object.
    let (s, cmd) = jc
        .call(
            Method::POST,
            "/api/commands",
            Some(json!({"name": "uptime", "command": "uptime", "commandType": "linux"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{cmd}");
    let cmd_id = cmd["_id"].as_str().unwrap();
    assert_eq!(cmd["organization"], json!(jc.sb.jumpcloud_info().org_id));
    let (s, _) = jc
        .get(&format!(
            "/api/v2/commands/{cmd_id}/associations?targets=system"
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, page) = jc.get("/api/commands").await;
    assert_eq!(page["totalCount"], 1);
    assert_eq!(page["results"][0]["name"], "uptime");
    // A nested collection needs its parent.
    let (s, _) = jc
        .call(
            Method::POST,
            "/api/v2/duo/accounts/5f1234567890abcdef012345/applications",
            Some(json!({"name": "VPN", "apiHost": "api-1.duosecurity.com", "integrationKey": "k", "secretKey": "s"})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn listings_search_sort_and_filter() {
    let jc = start(40).await;
    let (_, asc) = jc.get("/api/systemusers?limit=100&sort=username").await;
    let (_, desc) = jc.get("/api/systemusers?limit=100&sort=-username").await;
    let names = |v: &Value| -> Vec<String> {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut sorted = names(&asc);
    sorted.sort();
    assert_eq!(names(&asc), sorted);
    sorted.reverse();
    assert_eq!(names(&desc), sorted);

    let target = &names(&asc)[3];
    let (_, found) = jc.get(&format!("/api/systemusers?search={target}")).await;
    assert_eq!(found["totalCount"], 1, "{found}");
    let (_, found) = jc
        .call(
            Method::POST,
            "/api/search/systemusers",
            Some(json!({"searchFilter": {"searchTerm": target, "fields": ["username"]}, "fields": "username"})),
        )
        .await;
    assert_eq!(found["totalCount"], 1, "{found}");
    assert_eq!(
        found["results"][0].as_object().unwrap().len(),
        2,
        "_id and username: {found}"
    );
    let (_, sales) = jc
        .call(
            Method::POST,
            "/api/search/systemusers",
            Some(json!({"filter": {"or": [{"department": "Sales"}, {"department": "Finance"}]}})),
        )
        .await;
    assert_eq!(sales["totalCount"], 20, "{sales}");
    let (_, macs) = jc
        .call(
            Method::POST,
            "/api/search/systems",
            Some(json!({"filter": {"os": "Mac OS X"}})),
        )
        .await;
    assert!(
        macs["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["os"] == "Mac OS X")
    );

    let (_, groups) = jc.get("/api/v2/usergroups?filter=name:eq:Sales%201").await;
    assert_eq!(groups.as_array().unwrap().len(), 1, "{groups}");
    let (_, sorted) = jc.get("/api/v2/usergroups?sort=-name&limit=100").await;
    let names: Vec<&str> = sorted
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    let mut want = names.clone();
    want.sort_by(|a, b| b.cmp(a));
    assert_eq!(names, want);
    let (_, all) = jc.get("/api/v2/groups?limit=100").await;
    assert_eq!(
        all.as_array().unwrap().len(),
        8 + 2,
        "user groups and system groups"
    );
}

#[tokio::test]
async fn a_multi_tenant_key_names_its_organisation() {
    let jc = start(3).await;
    let orgs = jc.sb.jumpcloud_org_ids();
    let call = |org: Option<&str>, path: &str| {
        let mut req = http()
            .get(format!("{}{path}", jc.sb.base_url()))
            .header("x-api-key", JUMPCLOUD_MULTI_TENANT_API_KEY);
        if let Some(o) = org {
            req = req.header("x-org-id", o);
        }
        async move {
            let r = req.send().await.unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    let (s, listed) = call(None, "/api/organizations").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(listed["totalCount"], 2);
    let (s, v) = call(None, "/api/systemusers").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(message(&v).contains("x-org-id"), "{v}");
    let (s, _) = call(Some("000000000000000000000000"), "/api/systemusers").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, first) = call(Some(&orgs[0]), "/api/systemusers").await;
    let (_, second) = call(Some(&orgs[1]), "/api/systemusers").await;
    assert_eq!(first["totalCount"], 3);
    assert_ne!(first["results"][0]["_id"], second["results"][0]["_id"]);
}

/// The two halves are one company (see `idm_sandbox::company`): most directory users are Adobe
/// users, some with stale Adobe names; some Adobe users have left; some directory users are
/// staged or suspended; the groups mapped to Adobe exist and have members.
#[tokio::test]
async fn both_halves_describe_one_company() {
    let sb = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let jc = Jc {
        key: idm_sandbox::JUMPCLOUD_API_KEY.to_owned(),
        sb,
    };
    let mut users = Vec::new();
    for skip in (0..200).step_by(100) {
        let (status, page) = jc
            .get(&format!("/api/systemusers?limit=100&skip={skip}"))
            .await;
        assert_eq!(status, StatusCode::OK);
        users.extend(page["results"].as_array().unwrap().clone());
    }
    assert_eq!(users.len(), 200);
    let (mut same, mut stale, mut new_hires) = (0, 0, 0);
    for u in &users {
        let email = u["email"].as_str().unwrap();
        match jc.sb.umapi_user(email) {
            Some(adobe) => {
                same += 1;
                if adobe["lastname"] != u["lastname"] {
                    stale += 1;
                }
            }
            None => new_hires += 1,
        }
    }
    assert!(same >= 120, "{same} of 200 are Adobe users too");
    assert!(stale >= 5, "{stale} stale Adobe names");
    assert!(new_hires >= 10, "{new_hires} new hires");
    let state = |s: &str| users.iter().filter(|u| u["state"] == s).count();
    assert_eq!(state("STAGED"), 20);
    assert_eq!(state("SUSPENDED"), 10);
    assert!(
        users
            .iter()
            .filter(|u| u["state"] == "STAGED")
            .all(|u| u["activated"] == false)
    );
    let countries: Vec<&str> = users
        .iter()
        .filter_map(|u| u["addresses"][0]["country"].as_str())
        .collect();
    assert!(countries.iter().any(|c| c.len() == 2));
    assert!(countries.iter().any(|c| c.len() > 2), "{countries:?}");
    // The admin and jdoe are the same people on both sides.
    assert!(
        users
            .iter()
            .any(|u| u["email"] == "admin@example.com" && u["username"] == "admin")
    );
    assert!(
        users
            .iter()
            .any(|u| u["email"] == "jdoe@example.net" && u["username"] == "jdoe")
    );
    let (_, groups) = jc.get("/api/v2/usergroups?limit=100").await;
    for (name, _) in idm_sandbox::company::ADOBE_GROUPS {
        let g = groups
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {groups}"));
        let (_, members) = jc
            .get(&format!(
                "/api/v2/usergroups/{}/members?limit=100",
                g["id"].as_str().unwrap()
            ))
            .await;
        assert!(members.as_array().unwrap().len() >= 10, "{name}: {members}");
    }
}

/// The documented v1 filter forms: `filter[N]` all hold, `filter[or][N]` one holds.
#[tokio::test]
async fn v1_indexed_and_or_filters() {
    let jc = start(80).await;
    let jc = &jc;
    let list = |q: &str| {
        let path = format!("/api/systemusers?limit=100&{q}");
        async move { jc.get(&path).await }
    };
    let count = |v: &Value| v["results"].as_array().unwrap().len();
    let dept = |v: &Value, d: &str| {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["department"] == d)
            .count()
    };
    let (_, all) = list("").await;
    let (status, and) = list("filter[0]=department:$eq:Sales&filter[1]=state:$eq:ACTIVATED").await;
    assert_eq!(status, StatusCode::OK, "{and}");
    let want = all["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["department"] == "Sales" && u["state"] == "ACTIVATED")
        .count();
    assert!(want > 0);
    assert_eq!(count(&and), want, "{and}");
    assert_eq!(and["totalCount"], want);
    let (_, or) =
        list("filter[or][0]=department:$eq:Sales&filter[or][1]=department:$eq:Finance").await;
    assert_eq!(count(&or), dept(&all, "Sales") + dept(&all, "Finance"));
    assert_eq!(count(&or), dept(&or, "Sales") + dept(&or, "Finance"));
    // Both forms together: (Sales or Finance) and staged.
    let (_, both) = list("filter[or][0]=department:$eq:Sales&filter[or][1]=department:$eq:Finance&filter[0]=state:$eq:STAGED").await;
    assert!(
        both["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["state"] == "STAGED"
                && (u["department"] == "Sales" || u["department"] == "Finance"))
    );
    let (status, bad) = list("filter[nor][0]=department:$eq:Sales").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    assert!(
        bad["message"].as_str().unwrap().contains("filter[nor][0]"),
        "{bad}"
    );
}

/// A graph operation needs its body: without one it is a 400 that says what to send.
#[tokio::test]
async fn a_graph_post_without_a_body_is_a_400() {
    let jc = start(10).await;
    let (_, groups) = jc.get("/api/v2/usergroups").await;
    let group = groups[0]["id"].as_str().unwrap().to_owned();
    for path in [
        format!("/api/v2/usergroups/{group}/members"),
        format!("/api/v2/usergroups/{group}/associations"),
    ] {
        let (status, body) = jc.call(Method::POST, &path, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("the body must be a JSON object {\"op\""),
            "{body}"
        );
    }
    let (_, users) = jc.get("/api/systemusers?limit=1").await;
    let user = users["results"][0]["_id"].as_str().unwrap();
    let (status, _) = jc
        .call(
            Method::POST,
            &format!("/api/v2/usergroups/{group}/members"),
            Some(json!({"op": "remove", "type": "user", "id": user})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

/// Each operation answers the media type its spec declares, with a body of that kind; System
/// Insights' `tpm_info` is a JSON table like the others.
#[tokio::test]
async fn media_types_are_the_declared_ones() {
    let jc = start(5).await;
    let get = |path: String| {
        let req = http()
            .get(format!("{}{path}", jc.sb.base_url()))
            .header("x-api-key", &jc.key);
        async move {
            let resp = req.send().await.unwrap();
            let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
            (resp.status(), ct, resp.bytes().await.unwrap())
        }
    };
    let (status, ct, body) = get("/api/v2/systeminsights/tpm_info".into()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("application/json"), "{ct}");
    let table: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        table
            .as_array()
            .is_some_and(|rows| rows.iter().all(Value::is_object)),
        "{table}"
    );
    let (_, ct, body) = get("/api/v2/logos/5f00b90e0000000000000001".into()).await;
    assert_eq!((ct.as_str(), &body[1..4]), ("image/png", &b"PNG"[..]));
    let (_, ct, body) = get("/api/v2/applemdms/5f00b90e0000000000000001/depkey".into()).await;
    assert_eq!(ct, "application/x-pem-file");
    assert!(body.starts_with(b"-----BEGIN CERTIFICATE-----"));
}

/// Nulls: a null body, a null required property or a null list item is a 400; a null optional
/// property is taken as not given, never stored or echoed. Formats are checked.
#[tokio::test]
async fn nulls_and_formats_follow_the_spec() {
    let jc = start(3).await;
    let post = |body: Value| {
        let jc = &jc;
        async move { jc.call(Method::POST, "/api/systemusers", Some(body)).await }
    };
    let (status, e) = post(Value::Null).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("the request body is null")
    );
    let (status, e) = post(json!({"username": null, "email": "n@example.com"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("body.username is required"),
        "{e}"
    );
    let (status, e) =
        post(json!({"username": "n", "email": "n@example.com", "tags": [null]})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("body.tags[0]: null is not allowed"),
        "{e}"
    );
    // The spec declares a date-time: a bare date is refused, not echoed.
    let (status, e) = post(json!({
        "username": "n", "email": "n@example.com",
        "mfa": {"exclusionUntil": "2026-01-01"}
    }))
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("body.mfa.exclusionUntil: expected a date-time (RFC 3339"),
        "{e}"
    );
    let (status, user) = post(
        json!({"username": "n", "email": "n@example.com", "firstname": null, "lastname": "Null"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{user}");
    // Not given: the new user's default, an empty first name, as for any unset property.
    assert_eq!(user["firstname"], "", "{user}");
    let id = user["_id"].as_str().unwrap();
    let (_, read) = jc.get(&format!("/api/systemusers/{id}")).await;
    assert!(
        read["firstname"] == "" && read["lastname"] == "Null",
        "{read}"
    );
    assert!(
        read.as_object().unwrap().values().all(|v| !v.is_null()),
        "{read}"
    );
    // Whole: every property of the response schema is there.
    for key in [
        "organization",
        "unix_uid",
        "addresses",
        "phoneNumbers",
        "attributes",
        "ssh_keys",
        "password_never_expires",
    ] {
        assert!(read.get(key).is_some(), "{key} in {read}");
    }
    assert!(read["unix_uid"].as_u64().unwrap() > 5000);
    assert_eq!(read["organization"].as_str().unwrap().len(), 24);
}

#[tokio::test]
async fn user_actions_are_kept_and_answers_hold_no_placeholders() {
    let jc = start(3).await;
    let (_, users) = jc.get("/api/systemusers").await;
    let id = users["results"][0]["_id"].as_str().unwrap().to_owned();
    for action in ["expire", "unlock", "state/activate"] {
        let (s, _) = jc
            .call(
                Method::POST,
                &format!("/api/systemusers/{id}/{action}"),
                Some(json!({})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{action}");
    }
    let (_, user) = jc.get(&format!("/api/systemusers/{id}")).await;
    assert_eq!(user["password_expired"], true);
    assert_eq!(user["account_locked"], false);
    assert_eq!(user["state"], "ACTIVATED");
    let (s, _) = jc
        .call(
            Method::POST,
            "/api/systemusers/5f1234567890abcdef012345/expire",
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Seeded systems look like machines.
    let (_, systems) = jc.get("/api/systems").await;
    let system = &systems["results"][0];
    assert!(!system["serialNumber"].as_str().unwrap().is_empty());
    assert!(["linux", "darwin", "windows"].contains(&system["osFamily"].as_str().unwrap()));
    // An answer built from a schema never holds a property's own name as its value.
    let org = jc.sb.jumpcloud_info().org_id;
    for path in ["/api/v2/subscriptions", "/api/v2/systeminsights/os_version"] {
        let (s, v) = jc.get(path).await;
        assert_eq!(s, StatusCode::OK);
        fn check(v: &Value, org: &str, path: &str) {
            match v {
                Value::Object(fields) => {
                    for (k, x) in fields {
                        assert_ne!(x.as_str(), Some(k.as_str()), "{path}: {k}");
                        if k == "organization" {
                            assert_eq!(x, org, "{path}");
                        }
                        check(x, org, path);
                    }
                }
                Value::Array(items) => items.iter().for_each(|x| check(x, org, path)),
                _ => {}
            }
        }
        check(&v, &org, path);
    }
}

#[tokio::test]
async fn filters_reach_into_nested_fields_and_lists() {
    let jc = start(3).await;
    for (name, countries) in [("nest.a", ["FR", "DE"]), ("nest.b", ["US", "US"])] {
        let addresses: Vec<Value> = countries
            .iter()
            .map(|c| json!({"type": "work", "country": c}))
            .collect();
        let (s, v) = jc
            .call(
                Method::POST,
                "/api/systemusers",
                Some(json!({"username": name, "email": format!("{name}@example.com"), "addresses": addresses})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let names = |v: &Value| -> Vec<String> {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .filter(|n| n.starts_with("nest."))
            .collect()
    };
    // Any address in Germany: one user, whichever address it is.
    let (_, de) = jc
        .get("/api/systemusers?filter=addresses.country:$eq:DE")
        .await;
    assert_eq!(names(&de), ["nest.a"]);
    // No address in Germany: the other one.
    let (_, not_de) = jc
        .get("/api/systemusers?limit=100&filter=addresses.country:$ne:DE")
        .await;
    assert_eq!(names(&not_de), ["nest.b"]);
    // The search body's filter form too.
    let (_, found) = jc
        .call(
            Method::POST,
            "/api/search/systemusers",
            Some(json!({"filter": {"addresses.country": "US"}})),
        )
        .await;
    assert_eq!(names(&found), ["nest.b"]);
}

#[tokio::test]
async fn a_custom_email_keeps_its_type_through_a_put() {
    let jc = start(3).await;
    let body = json!({"type": "password_expiration", "subject": "Expiring"});
    let (s, v) = jc
        .call(Method::POST, "/api/v2/customemails", Some(body))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = jc
        .call(
            Method::PUT,
            "/api/v2/customemails/password_expiration",
            Some(json!({"type": "password_expiration", "subject": "Soon"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, got) = jc.get("/api/v2/customemails/password_expiration").await;
    assert_eq!(got["type"], "password_expiration");
    assert_eq!(got["subject"], "Soon");
}
