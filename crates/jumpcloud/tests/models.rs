//! Decoding realistic payloads: every field optional, nulls and unknown fields tolerated, unknown
//! enum values kept, and what decodes encodes back without inventing fields.

use jumpcloud::v1::models::{Systemuserreturn, Systemuserslist};
use jumpcloud::v2::models::{GraphObjectWithPaths, GraphType, UserGroup};
use serde_json::json;

#[test]
fn a_full_system_user_with_nulls_and_new_fields() {
    let payload = json!({
        "_id": "5f1b2c3d4e5f6a7b8c9d0e1f",
        "username": "jdoe",
        "email": "jdoe@example.com",
        "firstname": "Jo",
        "lastname": null,
        "activated": true,
        "account_locked": false,
        "badLoginAttempts": 0,
        "created": "2026-01-02T03:04:05.000Z",
        "unix_uid": 5001,
        "addresses": [{"type": "work", "streetAddress": "1 Main St", "locality": "Boulder", "country": "US", "extra": 1}],
        "phoneNumbers": [{"type": "mobile", "number": "+1 555 0100"}],
        "attributes": [{"name": "costCenter", "value": "42"}],
        "mfa": {"configured": true, "exclusion": false, "exclusionUntil": null},
        "state": "ACTIVATED",
        "tags": [],
        "aFieldFrom2030": {"nested": [1, 2, 3]},
    });
    let user: Systemuserreturn = serde_json::from_value(payload).unwrap();
    assert_eq!(user.id.as_deref(), Some("5f1b2c3d4e5f6a7b8c9d0e1f"));
    assert_eq!(user.lastname, None);
    assert_eq!(user.unix_uid, Some(5001));
    assert_eq!(user.bad_login_attempts, Some(0));
    let addr = &user.addresses.as_ref().unwrap()[0];
    assert_eq!(addr.street_address.as_deref(), Some("1 Main St"));
    assert_eq!(user.mfa.as_ref().unwrap().configured, Some(true));
    assert_eq!(user.state.as_ref().map(|s| s.as_str()), Some("ACTIVATED"));
    // Re-encoding keeps wire names and leaves unset fields out.
    let back = serde_json::to_value(&user).unwrap();
    assert_eq!(back["_id"], "5f1b2c3d4e5f6a7b8c9d0e1f");
    assert_eq!(back["phoneNumbers"][0]["number"], "+1 555 0100");
    assert!(back.get("lastname").is_none() && back.get("aFieldFrom2030").is_none());

    // An empty object and a page of them decode too.
    let empty: Systemuserreturn = serde_json::from_value(json!({})).unwrap();
    assert_eq!(empty, Systemuserreturn::default());
    let page: Systemuserslist =
        serde_json::from_value(json!({"totalCount": 2, "results": [{"username": "a"}, {}]}))
            .unwrap();
    assert_eq!(page.total_count, Some(2));
    assert_eq!(page.results.unwrap().len(), 2);
}

#[test]
fn v2_groups_and_graph_objects() {
    let group: UserGroup = serde_json::from_value(json!({
        "id": "6a0000000000000000000001",
        "name": "Engineering",
        "type": "user_group",
        "attributes": {"sudo": {"enabled": true}, "somethingNew": true},
        "membershipAutomated": null,
    }))
    .unwrap();
    assert_eq!(group.name.as_deref(), Some("Engineering"));
    assert_eq!(group.membership_automated, None);

    let traversed: Vec<GraphObjectWithPaths> = serde_json::from_value(json!([
        {"id": "s1", "type": "system", "compiledAttributes": {}, "paths": [[
            {"from": {"id": "u1", "type": "user"}, "to": {"id": "g1", "type": "user_group"}, "attributes": null}
        ]]},
        {"id": "x1", "type": "a_type_added_later"}
    ]))
    .unwrap();
    assert_eq!(traversed[0].r#type, Some(GraphType::System));
    assert_eq!(
        traversed[0].paths.as_ref().unwrap()[0][0]
            .to
            .as_ref()
            .unwrap()
            .id
            .as_deref(),
        Some("g1")
    );
    assert_eq!(
        traversed[1].r#type,
        Some(GraphType::Unknown("a_type_added_later".into()))
    );
    assert_eq!("system".parse::<GraphType>().unwrap(), GraphType::System);
}

#[test]
fn a_wrong_type_is_a_clear_decode_error() {
    let err = serde_json::from_value::<Systemuserreturn>(json!({"unix_uid": "not a number"}))
        .unwrap_err();
    assert!(err.to_string().contains("invalid type"), "{err}");
}
