//! The client against the sandbox's JumpCloud half: the stateful core seen from every side.

use futures_util::TryStreamExt;
use idm_sandbox::{Sandbox, SandboxConfig};
use jumpcloud::filter::v1 as f1;
use jumpcloud::v1::models::Systemuserputpost;
use jumpcloud::v2::models::{
    GraphOperationUserGroup, GraphOperationUserGroupMember, UserGroupPost,
};
use jumpcloud::{Client, Error};

async fn start(users: usize, groups: usize) -> (Sandbox, Client) {
    let sb = Sandbox::start(SandboxConfig::default().users(users).groups(groups))
        .await
        .unwrap();
    let info = sb.jumpcloud_info();
    let client = Client::builder()
        .base_url(sb.base_url())
        .api_key(&info.api_key)
        .build()
        .unwrap();
    (sb, client)
}

#[tokio::test]
async fn create_user_add_to_group_see_it_everywhere_then_delete() {
    let (_sb, c) = start(20, 4).await;
    let user = c
        .v1()
        .systemusers()
        .post()
        .body(&Systemuserputpost {
            username: Some("new.user".into()),
            email: Some("new.user@example.com".into()),
            firstname: Some("New".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let uid = user.id.clone().unwrap();
    assert_eq!(uid.len(), 24);
    assert!(uid.chars().all(|c| c.is_ascii_hexdigit()));
    // Read after write, and unique usernames.
    let again = c.v1().systemusers().get(&uid).send().await.unwrap();
    assert_eq!(again.username.as_deref(), Some("new.user"));
    let dup = c
        .v1()
        .systemusers()
        .post()
        .body(&Systemuserputpost {
            username: Some("NEW.USER".into()),
            email: Some("other@example.com".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap_err();
    assert_eq!(dup.status(), Some(409), "{dup}");

    let group = c
        .v2()
        .user_groups()
        .post()
        .body(&UserGroupPost {
            name: Some("Scenario".into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let gid = group.id.clone().unwrap();
    c.v2()
        .user_groups()
        .graph_user_group_members_post(&gid)
        .body(&GraphOperationUserGroupMember {
            id: Some(uid.clone()),
            op: Some("add".parse().unwrap()),
            r#type: Some("user".parse().unwrap()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let members = c
        .v2()
        .user_groups()
        .graph_user_group_members_list(&gid)
        .all()
        .await
        .unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(
        members[0].to.as_ref().unwrap().id.as_deref(),
        Some(uid.as_str())
    );
    let groups = c
        .v2()
        .users()
        .graph_user_member_of(&uid)
        .all()
        .await
        .unwrap();
    assert!(groups.iter().any(|g| g.id.as_deref() == Some(gid.as_str())));

    // Bind the group to a system: the user now reaches the system, and the system the user,
    // through the group.
    let systems = c.v1().systems().list().all().await.unwrap();
    let sid = systems.last().unwrap().id.clone().unwrap();
    c.v2()
        .user_groups()
        .graph_user_group_associations_post(&gid)
        .body(&GraphOperationUserGroup {
            id: Some(sid.clone()),
            op: Some("add".parse().unwrap()),
            r#type: Some("system".parse().unwrap()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let reached = c
        .v2()
        .users()
        .graph_user_traverse_system(&uid)
        .all()
        .await
        .unwrap();
    let via = reached
        .iter()
        .find(|s| s.id.as_deref() == Some(sid.as_str()))
        .expect("the user reaches the system");
    assert_eq!(
        via.paths.as_ref().unwrap()[0].len(),
        2,
        "user -> group -> system"
    );
    let users_of_system = || async {
        c.v2()
            .systems()
            .graph_system_traverse_user(&sid)
            .all()
            .await
            .unwrap()
            .into_iter()
            .filter_map(|u| u.id)
            .collect::<Vec<_>>()
    };
    assert!(users_of_system().await.contains(&uid));

    c.v1().systemusers().delete(&uid).send().await.unwrap();
    assert!(
        !users_of_system().await.contains(&uid),
        "the system no longer sees the deleted user"
    );
    let err = c.v1().systemusers().get(&uid).send().await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    let members = c
        .v2()
        .user_groups()
        .graph_user_group_members_list(&gid)
        .all()
        .await
        .unwrap();
    assert!(members.is_empty(), "deleting the user removed its edges");
}

#[tokio::test]
async fn listing_pages_filters_and_limits() {
    let (_sb, c) = start(1050, 2).await;
    let users: Vec<_> = c
        .v1()
        .systemusers()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 1050);
    let prefetched = c
        .v1()
        .systemusers()
        .list()
        .concurrency(4)
        .all()
        .await
        .unwrap();
    assert_eq!(prefetched, users);
    let name = users[17].username.clone().unwrap();
    let found = c
        .v1()
        .systemusers()
        .list()
        .filter(f1::eq("username", &name))
        .all()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    // JumpCloud refuses pages over 100 with a 400 and a message.
    let err = c
        .v1()
        .systemusers()
        .list()
        .limit(101)
        .send()
        .await
        .unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.response.status, 400);
    assert!(
        api.message.as_deref().unwrap_or("").contains("limit"),
        "{err}"
    );
}

#[tokio::test]
async fn keys_and_organisations_are_checked() {
    let (sb, c) = start(3, 1).await;
    let bad = Client::builder()
        .base_url(sb.base_url())
        .api_key("wrong")
        .build()
        .unwrap();
    let err = bad.v1().systemusers().list().send().await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    let Error::Api(api) = &err else { panic!() };
    assert_eq!(api.message.as_deref(), Some("Unauthorized"));
    let err = c
        .v1()
        .systemusers()
        .list()
        .x_org_id("000000000000000000000000")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
    let own = sb.jumpcloud_info().org_id;
    assert!(
        c.v1()
            .systemusers()
            .list()
            .x_org_id(own)
            .send()
            .await
            .is_ok()
    );
    // Collections outside the core keep what is created through the typed client.
    assert!(c.v2().policies().list().send().await.unwrap().is_empty());
    let request: jumpcloud::v2::models::PolicyRequest =
        serde_json::from_value(serde_json::json!({"name": "Screen lock"})).unwrap();
    let made = c
        .v2()
        .policies()
        .post()
        .body(&request)
        .send()
        .await
        .unwrap();
    let policies = c.v2().policies().list().send().await.unwrap();
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0].id, made.id);
    assert_eq!(policies[0].name.as_deref(), Some("Screen lock"));

    // A multi-tenant key must name one of its organisations.
    let orgs = sb.jumpcloud_org_ids();
    let mtp = Client::builder()
        .base_url(sb.base_url())
        .api_key(idm_sandbox::JUMPCLOUD_MULTI_TENANT_API_KEY)
        .build()
        .unwrap();
    let err = mtp.v1().systemusers().list().send().await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(err.to_string().contains("x-org-id"), "{err}");
    let listed = mtp.v1().organizations().list().send().await.unwrap();
    assert_eq!(listed.total_count, Some(2));
    let second = mtp
        .v1()
        .systemusers()
        .list()
        .x_org_id(orgs[1].clone())
        .send()
        .await
        .unwrap();
    assert!(second.total_count.unwrap() <= 5, "the second org is small");
    // The single-org key does not reach the second organisation.
    let err = c
        .v1()
        .systemusers()
        .list()
        .x_org_id(orgs[1].clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
}

#[tokio::test]
async fn faults_and_rate_limits_apply_to_the_jumpcloud_half() {
    let sb = Sandbox::start(
        SandboxConfig::default()
            .users(5)
            .faults_spec("jumpcloud:429:retry-after=0:count=2")
            .unwrap(),
    )
    .await
    .unwrap();
    let c = Client::builder()
        .base_url(sb.base_url())
        .api_key(sb.jumpcloud_info().api_key)
        .build()
        .unwrap();
    // Two 429s, retried by the client, then the answer.
    let users = c.v1().systemusers().list().send().await.unwrap();
    assert_eq!(users.total_count, Some(5));
    let stats = sb.stats();
    assert_eq!(stats.faults_fired, 2);
    assert_eq!(stats.requests_for(idm_sandbox::RouteKind::JumpCloud), 3);
    // A 500 is not retried, and comes in JumpCloud's error shape.
    for rule in idm_sandbox::parse_faults("jumpcloud:500:count=1").unwrap() {
        sb.inject(rule);
    }
    let err = c.v1().systemusers().list().send().await.unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.response.status, 500);
    assert!(
        api.message.as_deref().unwrap().contains("injected"),
        "{err}"
    );

    // Throttling on: 600 requests a minute per key pass, the 601st is a 429 in JumpCloud's
    // shape with a whole-second Retry-After.
    let throttled = Sandbox::start(SandboxConfig::default().users(2).throttle(true))
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let url = format!("{}/api/systemusers?limit=1", throttled.base_url());
    let key = throttled.jumpcloud_info().api_key;
    for _ in 0..600 {
        let ok = http
            .get(&url)
            .header("x-api-key", &key)
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 200);
    }
    let raw = http
        .get(&url)
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 429);
    let wait: u64 = raw.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: serde_json::Value = raw.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"message": "Too Many Requests"}));
}

#[tokio::test]
async fn task_helpers_find_change_membership_and_suspend() {
    let (_sb, c) = start(30, 3).await;
    let users = c.v1().systemusers();
    let all = users.list().all().await.unwrap();
    let target = &all[7];
    let email = target.email.clone().unwrap();
    let id = target.id.clone().unwrap();

    // Without case, and never a user whose email merely contains the one asked for.
    let found = users.find_by_email(&email.to_uppercase()).await.unwrap();
    assert_eq!(found.and_then(|u| u.id), Some(id.clone()));
    let by_name = users
        .find_by_username(target.username.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(by_name.and_then(|u| u.id), Some(id.clone()));
    let part = &email[1..];
    assert!(users.find_by_email(part).await.unwrap().is_none(), "{part}");
    assert!(
        users
            .find_by_email("nobody@example.invalid")
            .await
            .unwrap()
            .is_none()
    );
    assert!(users.find_by_email(" ").await.is_err());

    // Membership, both ways.
    let v2 = c.v2();
    let group = v2.user_groups().list().all().await.unwrap()[0]
        .id
        .clone()
        .unwrap();
    let member_ids = |g: &str| {
        let v2 = c.v2();
        let g = g.to_owned();
        async move {
            v2.user_groups()
                .graph_user_group_members_list(g)
                .all()
                .await
                .unwrap()
                .into_iter()
                .filter_map(|m| m.to.and_then(|t| t.id))
                .collect::<Vec<_>>()
        }
    };
    v2.user_groups().add_member(&group, &id).await.unwrap();
    assert!(member_ids(&group).await.contains(&id));
    assert_eq!(
        v2.user_groups().member_ids(&group).await.unwrap(),
        member_ids(&group).await
    );
    let parents = v2.graph().user_member_of(&id).all().await.unwrap();
    assert!(
        parents
            .iter()
            .any(|g| g.id.as_deref() == Some(group.as_str()) && g.is_direct())
    );
    let named = v2.user_groups().list().all().await.unwrap()[0]
        .name
        .clone()
        .unwrap();
    let found = v2
        .user_groups()
        .find_by_name(&named)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id.as_deref(), Some(group.as_str()));
    assert!(
        v2.user_groups()
            .find_by_name("no such group")
            .await
            .unwrap()
            .is_none()
    );
    let details = v2.user_groups().members_with_details(&group).await.unwrap();
    assert!(
        details
            .iter()
            .any(|u| u.id.as_deref() == Some(id.as_str()) && u.email.is_some())
    );
    let of_user = v2.user_groups().of_user(&id).await.unwrap();
    let m = of_user
        .iter()
        .find(|m| m.id == group)
        .expect("the group is listed");
    assert!(m.direct && m.name == named, "{m:?}");
    v2.user_groups().remove_member(&group, &id).await.unwrap();
    assert!(!member_ids(&group).await.contains(&id));

    // Suspend and activate.
    assert_eq!(users.suspend(&id).await.unwrap().suspended, Some(true));
    assert_eq!(users.get(&id).send().await.unwrap().suspended, Some(true));
    assert_eq!(users.activate(&id).await.unwrap().suspended, Some(false));
}

#[tokio::test]
async fn bulk_jobs_create_and_update_users_and_report_each() {
    let (_sb, c) = start(5, 2).await;
    let send = |op: &str, body: serde_json::Value| {
        let mut r = c.request(jumpcloud::catalog::find(op).unwrap());
        r.json_body(&body);
        r.send_value()
    };
    let job = send(
        "bulk_usersCreate",
        serde_json::json!([
            {"username": "bulk.one", "email": "bulk.one@example.com", "firstname": "One"},
            {"username": "bulk.one", "email": "bulk.two@example.com"}
        ]),
    )
    .await
    .unwrap();
    let job_id = job["jobId"].as_str().unwrap().to_owned();
    let mut r = c.request(jumpcloud::catalog::find("bulk_usersCreateResults").unwrap());
    r.param("job_id", job_id).unwrap();
    let results = r.send_value().await.unwrap();
    assert_eq!(results[0]["status"], "finished");
    assert_eq!(results[1]["status"], "failed", "the username is taken");
    assert!(
        results[1]["statusMsg"]
            .as_str()
            .unwrap()
            .contains("bulk.one")
    );
    let id = results[0]["id"].as_str().unwrap().to_owned();
    let made = c.v1().systemusers().get(&id).send().await.unwrap();
    assert_eq!(made.firstname.as_deref(), Some("One"));
    send(
        "bulk_usersUpdate",
        serde_json::json!([{"id": id, "lastname": "Bulk"}]),
    )
    .await
    .unwrap();
    let updated = c.v1().systemusers().get(&id).send().await.unwrap();
    assert_eq!(updated.lastname.as_deref(), Some("Bulk"));
}

#[tokio::test]
async fn sudo_on_bound_systems_is_kept_and_compiled_over_every_path() {
    use jumpcloud::tasks::Sudo;
    use jumpcloud::v2::models::{GraphConnection, GraphOperationUserGroup, UserGroupPost};
    use serde_json::json;
    let (_sb, c) = start(4, 2).await;
    let body: Systemuserputpost =
        serde_json::from_value(json!({"username": "sudoer", "email": "sudoer@example.com"}))
            .unwrap();
    let user = c
        .v1()
        .systemusers()
        .post()
        .body(&body)
        .send()
        .await
        .unwrap();
    let user = user.id.unwrap();
    let systems = c.v1().systems().list().all().await.unwrap();
    let (a, b) = (
        systems[0].id.clone().unwrap(),
        systems[1].id.clone().unwrap(),
    );
    let users = c.v2().users();
    assert!(users.systems(&user).await.unwrap().is_empty());
    let bound = |id: &str| {
        let users = c.v2().users();
        let (user, id) = (user.clone(), id.to_owned());
        async move {
            let all = users.systems(&user).await.unwrap();
            all.into_iter().find(|s| s.id == id)
        }
    };
    let state = |id: &str| {
        let bound = bound(id);
        async move {
            let s = bound.await.unwrap();
            (s.sudo, s.direct, s.paths)
        }
    };

    // A direct binding with its sudo, seen from both ends.
    let new = users.bind_system(&user, &a, Some(Sudo::WithoutPassword));
    assert!(new.await.unwrap());
    assert_eq!(state(&a).await, (Sudo::WithoutPassword, true, 1));
    let from_system: Vec<GraphConnection> = c
        .v2()
        .systems()
        .graph_system_associations_list(&a)
        .targets(["user"])
        .all()
        .await
        .unwrap();
    let edge = from_system
        .iter()
        .find(|e| e.to.as_ref().and_then(|t| t.id.as_deref()) == Some(user.as_str()))
        .unwrap();
    let on_edge = Sudo::from_attributes(edge.attributes.as_ref());
    assert_eq!(on_edge, Sudo::WithoutPassword);
    // Binding again sets the level, or keeps it when none is given; set_sudo changes it; none
    // makes a second edge.
    let again = users.bind_system(&user, &a, Some(Sudo::WithPassword));
    assert!(!again.await.unwrap());
    assert_eq!(state(&a).await, (Sudo::WithPassword, true, 1));
    assert!(!users.bind_system(&user, &a, None).await.unwrap());
    assert_eq!(state(&a).await, (Sudo::WithPassword, true, 1));
    users.set_sudo(&user, &a, Sudo::Off).await.unwrap();
    assert_eq!(state(&a).await, (Sudo::Off, true, 1));
    // No binding, nothing to set.
    let err = users.set_sudo(&user, &b, Sudo::Off).await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");

    // Through user groups whose own sudo setting grants sudo on every bound system.
    let admins = |name: &str, without_password: bool| {
        let v2 = c.v2();
        let (user, name) = (user.clone(), name.to_owned());
        async move {
            let group: UserGroupPost = serde_json::from_value(json!({
                "name": name,
                "attributes": {"sudo": {"enabled": true, "withoutPassword": without_password}}
            }))
            .unwrap();
            let group = v2.user_groups().post().body(&group).send().await.unwrap();
            let group = group.id.unwrap();
            v2.user_groups().add_member(&group, &user).await.unwrap();
            group
        }
    };
    let associate = |group: &str, system: &str, attributes: serde_json::Value| {
        let v2 = c.v2();
        let op: GraphOperationUserGroup = serde_json::from_value(
            json!({"op": "add", "type": "system", "id": system, "attributes": attributes}),
        )
        .unwrap();
        let group = group.to_owned();
        async move {
            let groups = v2.user_groups();
            let post = groups.graph_user_group_associations_post(group);
            post.body(&op).send().await.unwrap();
        }
    };
    let sudoers = admins("Sudoers", false).await;
    // Sudo sent on a group–system edge grants nothing: it belongs on the group.
    let nopassword = json!({"sudo": {"enabled": true, "withoutPassword": true}});
    associate(&sudoers, &b, nopassword).await;
    assert_eq!(state(&b).await, (Sudo::WithPassword, false, 1));
    // Two paths to `a`: the most permissive sudo wins.
    let root = admins("Root", true).await;
    associate(&root, &a, json!({})).await;
    assert_eq!(state(&a).await, (Sudo::WithoutPassword, true, 2));
    // The same from the system's side.
    let on_a = c.v2().systems().users(&a).await.unwrap();
    let u = on_a.iter().find(|u| u.id == user).unwrap();
    assert_eq!(
        (u.sudo, u.direct, u.paths),
        (Sudo::WithoutPassword, true, 2)
    );
    // Unbinding removes the direct path only.
    users.unbind_system(&user, &a).await.unwrap();
    assert_eq!(state(&a).await, (Sudo::WithoutPassword, false, 1));
    // A deleted system takes its edges with it.
    c.v1().systems().delete(&b).send().await.unwrap();
    assert!(bound(&b).await.is_none());
}
