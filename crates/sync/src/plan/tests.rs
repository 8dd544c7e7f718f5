//! The planner's examples and properties: a plan applied and planned again is empty; excluded
//! users and unmanaged groups are never touched; the limit always holds.

use proptest::prelude::*;
use serde_json::Value;
use umapi::{IdentityType, User};

use super::*;
use crate::rules::{Limit, full_match};

fn dir_user(email: &str, groups: &[&str]) -> DirectoryUser {
    DirectoryUser {
        identity_type: IdentityType::FederatedId,
        username: email.into(),
        domain: None,
        email: email.into(),
        firstname: Some("F".into()),
        lastname: Some("L".into()),
        country: Some("US".into()),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        origin: format!("users.csv:{email}"),
    }
}

fn adobe_user(email: &str, groups: &[&str]) -> User {
    User {
        email: email.into(),
        username: Some(email.into()),
        identity_type: Some(IdentityType::FederatedId),
        firstname: Some("F".into()),
        lastname: Some("L".into()),
        country: Some("US".into()),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        ..User::default()
    }
}

fn rules() -> Rules {
    let mut r = Rules {
        process_groups: true,
        ..Rules::default()
    };
    r.mapping.insert(
        "Designers".into(),
        vec!["Creative Cloud".into(), "Design Team".into()],
    );
    r.mapping.insert("Writers".into(), vec!["Acrobat".into()]);
    r
}

fn wires(p: &Plan) -> Vec<Value> {
    p.actions.iter().map(|a| a.action.to_wire()).collect()
}

#[test]
fn creates_updates_and_leaves_alone() {
    let dir = [
        dir_user("new@x.com", &["Designers"]),
        dir_user("moved@x.com", &["Writers"]),
        dir_user("same@x.com", &["Writers"]),
    ];
    let adobe = [
        adobe_user(
            "MOVED@x.com",
            &["Creative Cloud", "Unmanaged", "_org_admin"],
        ),
        adobe_user("same@x.com", &["acrobat"]),
    ];
    let p = plan(&dir, &adobe, &rules()).unwrap();
    assert_eq!(
        wires(&p),
        [
            serde_json::json!({"user": "MOVED@x.com", "do": [
                {"remove": {"group": ["Creative Cloud"]}},
                {"add": {"group": ["Acrobat"]}}
            ]}),
            serde_json::json!({"user": "new@x.com", "do": [
                {"createFederatedID": {"email": "new@x.com", "firstname": "F", "lastname": "L", "country": "US", "option": "ignoreIfAlreadyExists"}},
                {"add": {"group": ["Creative Cloud", "Design Team"]}}
            ]}),
        ]
    );
    assert_eq!(
        p.actions[0].reason,
        "remove from Creative Cloud; add to Acrobat"
    );
    assert_eq!(p.actions[1].change, Change::Create);
    let s = &p.summary;
    assert_eq!(
        (
            s.directory_users_read,
            s.adobe_users_read,
            s.created,
            s.updated,
            s.adobe_users_unchanged
        ),
        (3, 2, 1, 1, 1)
    );
}

#[test]
fn adobe_only_users_get_the_action_asked_for_within_the_limit() {
    let adobe = [
        adobe_user("gone1@x.com", &["Acrobat", "Other"]),
        adobe_user("gone2@x.com", &[]),
        adobe_user("admin@x.com", &["_org_admin"]),
    ];
    let mut r = rules();
    // preserve + process_groups: only the managed groups go.
    let p = plan(&[], &adobe, &r).unwrap();
    assert_eq!(
        wires(&p),
        [serde_json::json!({"user": "gone1@x.com", "do": [{"remove": {"group": ["Acrobat"]}}]})]
    );
    r.adobe_only = AdobeOnlyAction::Delete;
    let p = plan(&[], &adobe, &r).unwrap();
    assert_eq!(p.actions.len(), 3);
    assert_eq!(
        p.actions[0].action.to_wire()["do"][0],
        serde_json::json!({"removeFromOrg": {"deleteAccount": true}})
    );
    // remove-adobe-groups: nothing for users with nothing to lose.
    r.adobe_only = AdobeOnlyAction::RemoveAdobeGroups;
    let p = plan(&[], &adobe, &r).unwrap();
    assert_eq!(p.actions.len(), 1);
    assert_eq!(
        p.actions[0].action.to_wire()["do"][0],
        serde_json::json!({"remove": "all"})
    );
    // Above the limit: no Adobe-only action, the rest goes on.
    r.adobe_only = AdobeOnlyAction::Remove;
    r.max_adobe_only_users = Limit::Count(2);
    let p = plan(&[dir_user("new@x.com", &[])], &adobe, &r).unwrap();
    assert_eq!(p.actions.len(), 1, "the create only");
    assert_eq!(
        p.limit_held,
        Some(LimitHeld {
            count: 3,
            max: 2.0,
            setting: "2".into()
        })
    );
    // A percentage of the Adobe users read less the excluded ones: 3 of 3 is 100%.
    r.max_adobe_only_users = Limit::Percent(100.0);
    assert!(plan(&[], &adobe, &r).unwrap().limit_held.is_none());
    r.exclude_adobe_groups = vec!["_ORG_ADMIN".into()];
    r.max_adobe_only_users = Limit::Percent(50.0);
    let p = plan(&[], &adobe, &r).unwrap();
    assert_eq!(p.summary.adobe_users_excluded, 1);
    assert_eq!(p.limit_held.map(|l| (l.count, l.max)), Some((2, 1.0)));
}

#[test]
fn exclusions_and_additional_groups() {
    let mut r = rules();
    r.exclude_identity_types = vec![IdentityType::AdobeId];
    r.exclude_users = vec![full_match("svc-.*").unwrap()];
    r.additional_groups = vec![crate::AdditionalGroup {
        source: crate::prefix_match("ACL_(.*)").unwrap(),
        target: crate::python_replacement(r"Adobe-\1"),
    }];
    let mut personal = adobe_user("me@x.com", &["Acrobat"]);
    personal.identity_type = Some(IdentityType::AdobeId);
    let adobe = [personal, adobe_user("svc-build@x.com", &["Acrobat"])];
    let dir = [
        dir_user("me@x.com", &[]),
        dir_user("svc-build@x.com", &[]),
        dir_user("a@x.com", &["ACL_Design", "x_ACL_no"]),
    ];
    let p = plan(&dir, &adobe, &r).unwrap();
    // The excluded users are neither updated nor created again; the new one gets Adobe-Design.
    assert_eq!(
        wires(&p),
        [serde_json::json!({"user": "a@x.com", "do": [
            {"createFederatedID": {"email": "a@x.com", "firstname": "F", "lastname": "L", "country": "US", "option": "ignoreIfAlreadyExists"}},
            {"add": {"group": ["Adobe-Design"]}}
        ]})]
    );
    assert_eq!(p.summary.adobe_users_excluded, 2);
    assert_eq!(
        p.additional.get("ACL_Design").map(String::as_str),
        Some("Adobe-Design")
    );

    // Two directory groups producing one Adobe group is a configuration error.
    let dir = [
        dir_user("b@x.com", &["ACL_X"]),
        dir_user("c@x.com", &["ACL_X "]),
    ];
    r.additional_groups[0].target = "Adobe-X".into();
    let e = plan(&dir, &[], &r).unwrap_err().to_string();
    assert!(e.contains("both map to the Adobe group \"Adobe-X\""), "{e}");
}

#[test]
fn update_user_info_sends_only_the_listed_attributes() {
    let mut r = rules();
    r.process_groups = false;
    r.update_user_info = true;
    let mut d = dir_user("jo@x.com", &[]);
    d.firstname = Some("Joanna".into());
    d.lastname = Some("Smith".into());
    let mut a = adobe_user("jo@x.com", &[]);
    a.lastname = Some("Jones".into());
    r.update_attributes = vec![Attribute::FirstName];
    let p = plan(&[d], &[a], &r).unwrap();
    assert_eq!(
        wires(&p),
        [serde_json::json!({"user": "jo@x.com", "do": [{"update": {"firstname": "Joanna"}}]})]
    );
    assert!(
        p.warnings
            .iter()
            .any(|w| w.contains("lastname of jo@x.com differs")),
        "{:?}",
        p.warnings
    );
}

// ---- The properties, over small worlds where names collide often.

const EMAILS: [&str; 6] = [
    "a@x.com", "b@x.com", "C@x.com", "c@x.com", "d@y.org", "e@y.org",
];
const DIR_GROUPS: [&str; 4] = ["D0", "D1", "D2", "ACL_Z"];
const ADOBE_GROUPS: [&str; 6] = ["A0", "A1", "a2", "Other", "_org_admin", "Adobe-Z"];

fn world() -> impl Strategy<Value = (Vec<DirectoryUser>, Vec<User>, Rules)> {
    let dir_users = proptest::collection::vec(
        (
            0..EMAILS.len(),
            proptest::sample::subsequence(DIR_GROUPS.to_vec(), 0..=3),
            prop_oneof![Just("F"), Just("G")],
            any::<bool>(),
        ),
        0..6,
    );
    let adobe_users = proptest::collection::vec(
        (
            0..EMAILS.len(),
            proptest::sample::subsequence(ADOBE_GROUPS.to_vec(), 0..=4),
            prop_oneof![Just("F"), Just("H")],
            0..3u8,
        ),
        0..6,
    );
    let mapping = proptest::collection::vec(
        proptest::sample::subsequence(vec!["A0", "A1", "A2"], 0..=2),
        3,
    );
    let knobs = (
        any::<bool>(),
        any::<bool>(),
        0..6u8,
        0..5u64,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    );
    (dir_users, adobe_users, mapping, knobs).prop_map(|(d, a, mapping, knobs)| {
        let dir = d
            .into_iter()
            .map(|(e, groups, first, federated)| {
                let mut u = dir_user(EMAILS[e], &groups);
                u.firstname = Some(first.into());
                if !federated {
                    u.identity_type = IdentityType::EnterpriseId;
                }
                u
            })
            .collect();
        // UMAPI can list two users with one email (of two identity types); the planner syncs
        // the first and says so (see `duplicates_are_reported`). Here each email is listed once.
        let mut seen = std::collections::HashSet::new();
        let adobe = a
            .into_iter()
            .filter(|(e, ..)| seen.insert(normalize(EMAILS[*e])))
            .map(|(e, groups, first, t)| {
                let mut u = adobe_user(EMAILS[e], &groups);
                u.firstname = Some(first.into());
                u.identity_type = Some(match t {
                    0 => IdentityType::FederatedId,
                    1 => IdentityType::EnterpriseId,
                    _ => IdentityType::AdobeId,
                });
                u
            })
            .collect();
        let (
            process_groups,
            update_user_info,
            only,
            limit,
            excl_admin,
            excl_adobe_id,
            removals_only,
        ) = knobs;
        let mut r = Rules {
            process_groups,
            update_user_info,
            adobe_only: match only {
                0 => AdobeOnlyAction::Preserve,
                1 => AdobeOnlyAction::Exclude,
                2 => AdobeOnlyAction::Delete,
                3 => AdobeOnlyAction::Remove,
                4 => AdobeOnlyAction::RemoveAdobeGroups,
                _ => AdobeOnlyAction::WriteFile("out.csv".into()),
            },
            max_adobe_only_users: Limit::Count(limit),
            group_removals_only: removals_only,
            ..Rules::default()
        };
        for (g, targets) in DIR_GROUPS.iter().zip(mapping) {
            r.mapping.insert(
                g.to_string(),
                targets.into_iter().map(String::from).collect(),
            );
        }
        r.additional_groups = vec![crate::AdditionalGroup {
            source: crate::prefix_match("ACL_(.*)").unwrap(),
            target: crate::python_replacement(r"Adobe-\1"),
        }];
        if excl_admin {
            r.exclude_adobe_groups = vec!["_org_admin".into()];
        }
        if excl_adobe_id {
            r.exclude_identity_types = vec![IdentityType::AdobeId];
        }
        (dir, adobe, r)
    })
}

/// UMAPI's effect of an action on the users, as the sandbox applies it.
fn apply(users: &mut Vec<User>, action: &Value) {
    let target = normalize(action["user"].as_str().unwrap());
    let find = |users: &Vec<User>| {
        users.iter().position(|u| {
            normalize(&u.email) == target
                || u.username
                    .as_deref()
                    .is_some_and(|n| normalize(n) == target)
        })
    };
    for step in action["do"].as_array().unwrap() {
        let (name, arg) = step.as_object().unwrap().iter().next().unwrap();
        let at = find(users);
        match (name.as_str(), at) {
            ("createFederatedID" | "createEnterpriseID" | "addAdobeID", None) => {
                let text = |k: &str| arg[k].as_str().map(str::to_owned);
                users.push(User {
                    email: text("email").unwrap(),
                    username: Some(action["user"].as_str().unwrap().to_owned()),
                    firstname: text("firstname"),
                    lastname: text("lastname"),
                    country: text("country"),
                    identity_type: Some(match name.as_str() {
                        "createFederatedID" => IdentityType::FederatedId,
                        "createEnterpriseID" => IdentityType::EnterpriseId,
                        _ => IdentityType::AdobeId,
                    }),
                    ..User::default()
                });
            }
            (n, Some(_)) if n.starts_with("create") || n == "addAdobeID" => {}
            ("update", Some(i)) => {
                let u = &mut users[i];
                for (k, v) in arg.as_object().unwrap() {
                    let v = v.as_str().map(str::to_owned);
                    match k.as_str() {
                        "firstname" => u.firstname = v,
                        "lastname" => u.lastname = v,
                        "email" => u.email = v.unwrap(),
                        "username" => u.username = v,
                        _ => unreachable!(),
                    }
                }
            }
            ("add", Some(i)) => {
                for g in arg["group"].as_array().unwrap() {
                    let g = g.as_str().unwrap();
                    if !users[i].groups.iter().any(|x| normalize(x) == normalize(g)) {
                        users[i].groups.push(g.to_owned());
                    }
                }
            }
            ("remove", Some(i)) if arg == "all" => {
                users[i]
                    .groups
                    .retain(|g| g.eq_ignore_ascii_case("_org_admin"));
            }
            ("remove", Some(i)) => {
                let gone: Vec<String> = arg["group"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|g| normalize(g.as_str().unwrap()))
                    .collect();
                users[i].groups.retain(|g| !gone.contains(&normalize(g)));
            }
            ("removeFromOrg", Some(i)) => {
                users.remove(i);
            }
            (n, None) => panic!("{n} on a user that does not exist: {action}"),
            (n, _) => panic!("unexpected step {n}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn a_plan_applied_then_planned_again_is_empty((dir, adobe, rules) in world()) {
        let first = plan(&dir, &adobe, &rules);
        let Ok(first) = first else {
            // Only a conflict of additional_groups fails, and it fails the same again.
            prop_assert!(plan(&dir, &adobe, &rules).is_err());
            return Ok(());
        };
        let mut after = adobe.clone();
        for p in &first.actions {
            apply(&mut after, &p.action.to_wire());
        }
        let second = plan(&dir, &after, &rules).unwrap();
        let left: Vec<Value> = second.actions.iter().map(|a| a.action.to_wire()).collect();
        prop_assert!(left.is_empty(), "after {:?}\nleft {:?}", wires(&first), left);
    }

    #[test]
    fn excluded_users_and_unmanaged_groups_are_never_touched((dir, adobe, rules) in world()) {
        let Ok(p) = plan(&dir, &adobe, &rules) else { return Ok(()); };
        let excluded: Vec<String> = adobe
            .iter()
            .filter(|u| {
                u.identity_type.as_ref().is_some_and(|t| rules.exclude_identity_types.contains(t))
                    || u.groups.iter().any(|g| rules.exclude_adobe_groups.iter().any(|x| normalize(x) == normalize(g)))
            })
            .map(|u| normalize(&u.email))
            .collect();
        let managed: Vec<String> = rules
            .mapping
            .values()
            .flatten()
            .map(|g| normalize(g))
            .chain(p.additional.values().map(|g| normalize(g)))
            .collect();
        for a in &p.actions {
            let wire = a.action.to_wire();
            let user = normalize(wire["user"].as_str().unwrap());
            prop_assert!(!excluded.contains(&user), "{wire}");
            for step in wire["do"].as_array().unwrap() {
                for (name, arg) in step.as_object().unwrap() {
                    if name == "add" || (name == "remove" && arg != "all") {
                        for g in arg["group"].as_array().unwrap() {
                            prop_assert!(managed.contains(&normalize(g.as_str().unwrap())), "{wire}");
                        }
                    }
                    if name == "remove" && arg == "all" {
                        prop_assert_eq!(&rules.adobe_only, &AdobeOnlyAction::RemoveAdobeGroups);
                    }
                }
            }
        }
    }

    #[test]
    fn the_limit_always_holds((dir, adobe, rules) in world()) {
        let Ok(p) = plan(&dir, &adobe, &rules) else { return Ok(()); };
        let adobe_only = p.actions.iter().filter(|a| a.change == Change::AdobeOnly).count() as f64;
        let base = p.summary.adobe_users_read - p.summary.adobe_users_excluded;
        prop_assert!(adobe_only <= rules.max_adobe_only_users.max(base));
        if p.limit_held.is_some() {
            prop_assert_eq!(adobe_only, 0.0);
        }
    }
}

#[test]
fn mapping_lookups_are_exact() {
    // user-sync compares directory group names exactly: "designers" is not "Designers".
    let p = plan(&[dir_user("a@x.com", &["designers"])], &[], &rules()).unwrap();
    assert_eq!(
        p.actions[0].action.to_wire()["do"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "a create without groups"
    );
}

#[test]
fn duplicates_are_reported() {
    let mut personal = adobe_user("A@x.com", &[]);
    personal.identity_type = Some(IdentityType::AdobeId);
    let adobe = [adobe_user("a@x.com", &["Acrobat"]), personal];
    let dir = [dir_user("a@x.com", &["Writers"]), dir_user("A@X.COM", &[])];
    let p = plan(&dir, &adobe, &rules()).unwrap();
    assert!(p.actions.is_empty(), "{:?}", wires(&p));
    assert_eq!(p.summary.adobe_users_read, 1);
    assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
    assert!(p.warnings[0].contains("has the email or username of a@x.com (users.csv:a@x.com)"));
    assert!(p.warnings[1].contains("Adobe user A@x.com is listed twice"));
}
