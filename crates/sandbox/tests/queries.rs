//! User and group queries: paging, filters, shapes, 404s, determinism, size.

mod common;

use std::collections::{BTreeSet, HashMap};

use common::{Ctx, header};
use idm_sandbox::SandboxConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn emails(body: &Value) -> Vec<String> {
    body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_owned())
        .collect()
}

fn names(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| a.iter().map(|g| g.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn users_are_paged_with_headers_and_last_page() {
    let ctx = Ctx::new(SandboxConfig::default().users(25).user_page_size(10)).await;
    let mut all = Vec::new();
    for page in 0..3 {
        let (status, h, body) = ctx.get_json(&format!("/users/{{org}}/{page}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["result"], "success");
        assert_eq!(
            header(&h, "x-total-count"),
            "28",
            "25 users + 3 technical accounts"
        );
        assert_eq!(header(&h, "x-page-count"), "3");
        assert_eq!(header(&h, "x-current-page"), page.to_string());
        let expected = if page < 2 { "10" } else { "5" };
        assert_eq!(header(&h, "x-page-size"), expected);
        assert_eq!(body["lastPage"], json!(page == 2));
        assert!(header(&h, "content-type").starts_with("application/json"));
        all.extend(emails(&body));
    }
    let unique: BTreeSet<_> = all.iter().collect();
    assert_eq!(unique.len(), 25);
    // A page past the end returns the last page.
    let (status, h, body) = ctx.get_json("/users/{org}/7").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&h, "x-current-page"), "2");
    assert_eq!(body["lastPage"], true);
    assert_eq!(emails(&body), all[20..]);
    // A page that is not a number is a 400.
    assert_eq!(
        ctx.get_json("/users/{org}/x").await.0,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn user_objects_have_the_documented_shape() {
    let ctx = Ctx::new(SandboxConfig::default().users(60)).await;
    let (_, _, body) = ctx.get_json("/users/{org}/0").await;
    let users = body["users"].as_array().unwrap();
    assert_eq!(users.len(), 60);
    let allowed: BTreeSet<&str> = [
        "id",
        "email",
        "status",
        "username",
        "domain",
        "firstname",
        "lastname",
        "country",
        "type",
        "groups",
    ]
    .into();
    let mut types = BTreeSet::new();
    for u in users {
        for (k, v) in u.as_object().unwrap() {
            assert!(allowed.contains(k.as_str()), "{k}");
            assert!(!v.is_null(), "{k} is null in {u}");
            if k == "groups" {
                assert!(
                    !v.as_array().unwrap().is_empty(),
                    "an empty groups list is left out"
                );
            }
        }
        assert_eq!(u["status"], "active");
        types.insert(u["type"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        types,
        ["adobeID", "enterpriseID", "federatedID"]
            .map(String::from)
            .into()
    );
    let admin = &users[0];
    assert_eq!(admin["email"], "admin@example.com");
    assert!(names(&admin["groups"]).contains("_org_admin"));
    let jdoe = &users[1];
    assert_eq!(
        (jdoe["username"].as_str(), jdoe["domain"].as_str()),
        (Some("jdoe"), Some("example.net"))
    );
    let someone = &users[2];
    assert_eq!(someone["type"], "adobeID");
    assert!(someone.get("firstname").is_none(), "no value, no property");
    assert!(
        users.iter().any(|u| u.get("groups").is_none()),
        "some user is in no group"
    );
    // The sandbox's view agrees.
    let state = ctx.sb.umapi_user("ADMIN@example.com").unwrap();
    assert_eq!(state["email"], "admin@example.com");
}

#[tokio::test]
async fn domain_and_direct_only_filters() {
    let ctx = Ctx::new(SandboxConfig::default().users(120)).await;
    let (status, h, body) = ctx.get_json("/users/{org}/0?domain=example.com").await;
    assert_eq!(status, StatusCode::OK);
    let users = body["users"].as_array().unwrap();
    assert!(!users.is_empty());
    assert!(users.iter().all(|u| u["domain"] == "example.com"));
    assert_eq!(header(&h, "x-total-count"), users.len().to_string());
    let (status, _, _) = ctx.get_json("/users/{org}/0?domain=nowhere.example").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Group types, to tell product profiles apart.
    let (_, _, groups) = ctx.get_json("/groups/{org}/0").await;
    let kinds: HashMap<String, String> = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["groupName"].as_str().unwrap().to_owned(),
                g["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let (_, _, direct) = ctx.get_json("/users/{org}/0?directOnly=TRUE").await;
    let (_, _, indirect) = ctx.get_json("/users/{org}/0?directOnly=False").await;
    let (_, _, default) = ctx.get_json("/users/{org}/0").await;
    assert_eq!(direct, default, "directOnly defaults to true");
    let mut grew = 0;
    for (d, i) in direct["users"]
        .as_array()
        .unwrap()
        .iter()
        .zip(indirect["users"].as_array().unwrap())
    {
        let (d, i) = (names(&d["groups"]), names(&i["groups"]));
        assert!(d.is_subset(&i));
        for extra in i.difference(&d) {
            assert_eq!(kinds[extra], "PRODUCT_PROFILE", "{extra}");
            grew += 1;
        }
    }
    assert!(
        grew > 0,
        "some users reach profiles only through user groups"
    );
    assert_eq!(
        ctx.get_json("/users/{org}/0?directOnly=maybe").await.0,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn users_in_a_group() {
    let ctx = Ctx::new(SandboxConfig::default().users(150).user_page_size(20)).await;
    let (status, h, body) = ctx.get_json("/users/{org}/0/Design%20Team").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["groupName"], "Design Team");
    let total: usize = header(&h, "x-total-count").parse().unwrap();
    let mut listed = Vec::new();
    let pages: usize = header(&h, "x-page-count").parse().unwrap();
    for page in 0..pages {
        let (_, _, body) = ctx
            .get_json(&format!("/users/{{org}}/{page}/Design%20Team"))
            .await;
        for u in body["users"].as_array().unwrap() {
            assert!(names(&u["groups"]).contains("Design Team"));
        }
        listed.extend(emails(&body));
    }
    assert_eq!(listed.len(), total);
    let mut members = ctx.sb.umapi_group_members("Design Team").unwrap();
    members.sort();
    listed.sort();
    assert_eq!(listed, members);

    let (_, _, body) = ctx
        .get_json("/users/{org}/0/Design%20Team?excludeGroups=true")
        .await;
    assert!(
        body["users"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u.get("groups").is_none())
    );

    // Unknown group: 404 with the documented body.
    let (status, _, body) = ctx.get_json("/users/{org}/0/No%20Such%20Group").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"lastPage": false, "result": "error.group.not_found", "message": "Not found: Group No Such Group"})
    );
    // An admin group that does not exist yet, of a group that does: empty.
    let (status, h, body) = ctx
        .get_json("/users/{org}/0/_admin_Marketing%20Users")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["users"], json!([]));
    assert_eq!(body["lastPage"], true);
    assert_eq!(header(&h, "x-total-count"), "0");
    // Admin groups list their admins.
    let (status, _, body) = ctx.get_json("/users/{org}/0/_org_admin").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(emails(&body), ["admin@example.com"]);
    let (_, _, body) = ctx.get_json("/users/{org}/0/_admin_Design%20Team").await;
    assert!(!body["users"].as_array().unwrap().is_empty());

    // Product profile: status splits the members; directOnly=false adds members via user groups.
    let profile = "All%20Apps%20-%20Default";
    let count = |path: String| {
        let ctx = &ctx;
        async move {
            let (s, h, _) = ctx.get_json(&path).await;
            assert_eq!(s, StatusCode::OK, "{path}");
            header(&h, "x-total-count").parse::<usize>().unwrap()
        }
    };
    let all = count(format!("/users/{{org}}/0/{profile}")).await;
    let active = count(format!("/users/{{org}}/0/{profile}?status=active")).await;
    let inactive = count(format!("/users/{{org}}/0/{profile}?status=inactive")).await;
    assert_eq!(active + inactive, all);
    let with_indirect = count(format!("/users/{{org}}/0/{profile}?directOnly=false")).await;
    assert!(with_indirect >= all);
}

#[tokio::test]
async fn single_user_lookup() {
    let ctx = Ctx::new(SandboxConfig::default().users(20)).await;
    let (status, _, body) = ctx
        .get_json("/organizations/{org}/users/ADMIN@Example.com")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["result"], "success");
    assert_eq!(body["user"]["email"], "admin@example.com");
    assert_eq!(body["user"]["type"], "enterpriseID");
    let (status, _, body) = ctx
        .get_json("/organizations/{org}/users/someone@personal.example?domain=AdobeID")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["user"]["type"], "adobeID");
    let (status, _, body) = ctx
        .get_json("/organizations/{org}/users/jdoe@example.net?domain=example.net")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["user"]["username"], "jdoe");
    let (status, _, body) = ctx
        .get_json("/organizations/{org}/users/nobody@example.com")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"result": "error.user.not_found", "message": "User not found nobody@example.com"})
    );
}

#[tokio::test]
async fn groups_list_has_every_type_and_pages() {
    let ctx = Ctx::new(SandboxConfig::default().users(80).group_page_size(7)).await;
    let (_, h, first) = ctx.get_json("/groups/{org}/0").await;
    let total: usize = header(&h, "x-total-count").parse().unwrap();
    let pages: usize = header(&h, "x-page-count").parse().unwrap();
    assert_eq!(pages, total.div_ceil(7));
    assert_eq!(first["lastPage"], false);
    let mut groups = Vec::new();
    for page in 0..pages {
        let (_, h, body) = ctx.get_json(&format!("/groups/{{org}}/{page}")).await;
        assert_eq!(header(&h, "x-current-page"), page.to_string());
        assert_eq!(body["lastPage"], json!(page + 1 == pages));
        groups.extend(body["groups"].as_array().unwrap().clone());
    }
    assert_eq!(groups.len(), total);
    let types: BTreeSet<&str> = groups.iter().map(|g| g["type"].as_str().unwrap()).collect();
    for t in [
        "USER_GROUP",
        "PRODUCT_PROFILE",
        "SYSADMIN_GROUP",
        "DEPLOYMENT_ADMIN_GROUP",
        "SUPPORT_ADMIN_GROUP",
        "PRODUCT_ADMIN_GROUP",
        "PROFILE_ADMIN_GROUP",
        "USER_ADMIN_GROUP",
        "DEVELOPER_GROUP",
        "CONTRACT_ADMIN_GROUP",
    ] {
        assert!(types.contains(t), "{t}");
    }
    for g in &groups {
        assert!(g["groupId"].is_u64() && g["groupName"].is_string() && g["memberCount"].is_u64());
        match g["type"].as_str().unwrap() {
            "PRODUCT_PROFILE" => {
                assert!(g["licenseQuota"].is_string(), "{g}");
                assert!(g["productName"].is_string(), "{g}");
            }
            "USER_ADMIN_GROUP" => assert!(g["userGroupName"].is_string(), "{g}"),
            "PROFILE_ADMIN_GROUP" | "DEVELOPER_GROUP" => {
                assert!(g["productProfileName"].is_string(), "{g}")
            }
            "CONTRACT_ADMIN_GROUP" => assert!(g["contractName"].is_string(), "{g}"),
            _ => {}
        }
    }
    let design = groups
        .iter()
        .find(|g| g["groupName"] == "Design Team")
        .unwrap();
    assert_eq!(design["adminGroupName"], "_admin_Design Team");
    let marketing = groups
        .iter()
        .find(|g| g["groupName"] == "Marketing Users")
        .unwrap();
    assert!(marketing.get("adminGroupName").is_none());
    let members = ctx.sb.umapi_group_members("Design Team").unwrap();
    assert_eq!(design["memberCount"], json!(members.len()));
    // Past the end: the last page.
    let (_, h, body) = ctx.get_json("/groups/{org}/1000").await;
    assert_eq!(header(&h, "x-current-page"), (pages - 1).to_string());
    assert_eq!(body["lastPage"], true);
}

#[tokio::test]
async fn the_deprecated_user_group_listing_is_one_based_and_tells_read_only_groups() {
    let ctx = Ctx::new(SandboxConfig::default().users(40).group_page_size(3)).await;
    let (status, h, first) = ctx.get_json("/{org}/user-groups").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&h, "x-current-page"), "1", "no page is page 1");
    let total: usize = header(&h, "x-total-count").parse().unwrap();
    let pages: usize = header(&h, "x-page-count").parse().unwrap();
    assert_eq!(pages, total.div_ceil(3));
    let mut groups = first.as_array().unwrap().clone();
    for page in 2..=pages {
        let (_, h, body) = ctx
            .get_json(&format!("/{{org}}/user-groups?page={page}"))
            .await;
        assert_eq!(header(&h, "x-current-page"), page.to_string());
        groups.extend(body.as_array().unwrap().clone());
    }
    assert_eq!(groups.len(), total);
    assert!(groups.iter().all(|g| g["type"] == "USER_GROUP"
        && g["groupId"].is_u64()
        && g["userCount"].is_u64()
        && g["adminCount"].is_string()
        && g["isReadOnly"].is_boolean()));
    let read_only: BTreeSet<&str> = groups
        .iter()
        .filter(|g| g["isReadOnly"] == true)
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        read_only,
        BTreeSet::from(["Contractors (Read-Only)", "Partner Agency (Read-Only)"])
    );
    let design = groups.iter().find(|g| g["name"] == "Design Team").unwrap();
    assert_eq!(design["adminGroupName"], "_admin_Design Team");
    assert_eq!(
        design["userCount"],
        json!(ctx.sb.umapi_group_members("Design Team").unwrap().len())
    );
    // Page 0 does not exist in a 1-based listing.
    assert_eq!(
        ctx.get_json("/{org}/user-groups?page=0").await.0,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn same_seed_same_org() {
    let a = Ctx::new(SandboxConfig::default().users(300).seed(42)).await;
    let b = Ctx::new(SandboxConfig::default().users(300).seed(42)).await;
    let c = Ctx::new(SandboxConfig::default().users(300).seed(43)).await;
    assert_eq!(a.info.org_id, b.info.org_id);
    assert_ne!(a.info.org_id, c.info.org_id);
    let list = |ctx: &Ctx| {
        let url = ctx.url("/users/{org}/0");
        let req = ctx
            .http
            .get(url)
            .bearer_auth(&ctx.token)
            .header("x-api-key", &ctx.info.client_id);
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    assert_eq!(list(&a).await, list(&b).await);
    assert_ne!(list(&a).await, list(&c).await);
    let groups = |ctx: &Ctx| ctx.get("/groups/{org}/0").send();
    assert_eq!(
        groups(&a).await.unwrap().text().await.unwrap(),
        groups(&b).await.unwrap().text().await.unwrap()
    );
}

/// 100,000 users: the last page and a lookup answer correctly. How fast is measured in
/// BENCHMARKS.md, not asserted here.
#[tokio::test]
async fn a_hundred_thousand_users_list_to_the_last_page() {
    let ctx = Ctx::new(SandboxConfig::default().users(100_000)).await;
    let (status, h, body) = ctx.get_json("/users/{org}/49").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&h, "x-page-count"), "50");
    assert_eq!(header(&h, "x-page-size"), "2000");
    assert_eq!(body["lastPage"], true);
    let (status, _, _) = ctx
        .get_json("/organizations/{org}/users/admin@example.com")
        .await;
    assert_eq!(status, StatusCode::OK);
}
