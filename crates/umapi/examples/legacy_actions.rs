//! From the umapi-client legacy (v1) guide, "Performing Actions on Users": record steps with `do`, then send one action or several.
//!
//! Run: `cargo run -p umapi --example legacy_actions`

#[path = "support/mod.rs"]
mod support;

use serde_json::json;
use umapi::legacy::{Action, paginate};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t = support::target().await;
    if !support::may_change(&t) {
        return Ok(());
    }
    let api = support::legacy_api(&t).await?;

    // Two product profiles to work with.
    let groups = paginate(|p| api.groups(&t.org_id, p), None, None).await?;
    let profiles: Vec<String> = groups
        .iter()
        .filter(|g| g["type"] == "PRODUCT_PROFILE")
        .filter_map(|g| g["groupName"].as_str().map(str::to_owned))
        .take(2)
        .collect();
    let [profile, other] = <[String; 2]>::try_from(profiles)
        .map_err(|_| "the org has fewer than two product profiles")?;

    // Create the user and add it to a group in one action.
    let action = Action::new("user@example.com")
        .r#do("addAdobeID", json!({"email": "user@example.com"}))
        .r#do("add", json!([profile.clone()]));
    let status = api.action(&t.org_id, action).await?;
    println!("one action: {status}");

    // Several actions in one call (as in the seed). UMAPI runs the entries of one call in any
    // order, so they must not depend on each other: here they touch different profiles. The
    // modern client's queue keeps actions on one user apart by itself.
    let actions = vec![
        Action::new("user@example.com").r#do("remove", json!([profile])),
        Action::new("user@example.com").r#do("add", json!([other])),
    ];
    let status = api.action(&t.org_id, actions).await?;
    println!("two actions: {status}");

    // UMAPI.action: update a user's names (an Enterprise ID: Adobe IDs cannot be updated).
    let update = Action::new("jane.doe@example.com")
        .r#do(
            "createEnterpriseID",
            json!({"email": "jane.doe@example.com", "firstname": "Jane", "lastname": "Doe",
                   "option": "ignoreIfAlreadyExists"}),
        )
        .r#do(
            "update",
            json!({"firstname": "Example", "lastname": "User"}),
        );
    println!("update: {}", api.action(&t.org_id, update).await?);

    // Top-level attributes besides the user (the seed's `Action(user="user", requestID="abc123",
    // domain=...)`): a Federated ID known by a username in its directory's domain, with a
    // requestID echoed in any error. (The sandbox's Federated directory is example.net.)
    let federated = Action::new("user")
        .with("requestID", "abc123")
        .with("domain", "example.net")
        .r#do(
            "createFederatedID",
            json!({"email": "user@example.net", "firstname": "Example", "lastname": "User",
                   "country": "US"}),
        );
    println!(
        "with domain and requestID: {}",
        api.action(&t.org_id, federated).await?
    );
    Ok(())
}
