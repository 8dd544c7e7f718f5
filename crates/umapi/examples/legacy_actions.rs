//! Seed 004, "Performing Actions on Users": record steps with `do`, then send one action or several.
//!
//! Run: `cargo run -p umapi --example legacy_actions`

#[path = "support/mod.rs"]
mod support;

use serde_json::json;
use umapi::legacy::{Action, paginate};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t = support::target().await;
    let api = support::legacy_api(&t).await?;

    // A product profile to work with.
    let groups = paginate(|p| api.groups(&t.org_id, p), None, None).await?;
    let profile = groups
        .iter()
        .find(|g| g["type"] == "PRODUCT_PROFILE")
        .and_then(|g| g["groupName"].as_str())
        .ok_or("the org has no product profile")?
        .to_owned();

    // Create the user and add it to a group in one action.
    let action = Action::new("user@example.com")
        .r#do("addAdobeID", json!({"email": "user@example.com"}))
        .r#do("add", json!([profile.clone()]));
    let status = api.action(&t.org_id, action).await?;
    println!("one action: {status}");

    // Several actions in one call.
    let actions = vec![
        Action::new("user@example.com").r#do("remove", json!([profile.clone()])),
        Action::new("user@example.com").r#do("add", json!([profile])),
    ];
    let status = api.action(&t.org_id, actions).await?;
    println!("two actions: {status}");
    Ok(())
}
