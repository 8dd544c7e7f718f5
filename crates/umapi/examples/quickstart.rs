//! The modern API: stream users, create a user in groups with one batched call, read the report.
//!
//! Run: `cargo run -p umapi --example quickstart`

#[path = "support/mod.rs"]
mod support;

use futures_util::TryStreamExt;
use umapi::{Client, GroupType, NewUser, UserAction};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t = support::target().await;
    let client = Client::builder()
        .org_id(&t.org_id)
        .oauth(&t.client_id, &t.client_secret)
        .endpoint(&t.endpoint)
        .ims_url(&t.ims)
        .test_mode(t.sandbox.is_none()) // against a real org, only validate
        .build()?;

    let mut users = std::pin::pin!(client.users().stream());
    let mut n = 0;
    while let Some(user) = users.try_next().await? {
        if n < 3 {
            println!(
                "{:<32} {:?} {:?}",
                user.email, user.identity_type, user.groups
            );
        }
        n += 1;
    }
    println!("{n} users");

    let groups: Vec<String> = client
        .groups()
        .all()
        .await?
        .into_iter()
        .filter(|g| g.group_type == Some(GroupType::UserGroup))
        .map(|g| g.group_name)
        .take(2)
        .collect();
    let action = UserAction::new("jdoe@example.com")?
        .create(NewUser::enterprise("jdoe@example.com", "Jo", "Doe"))?
        .add_to_groups(groups)?;
    let report = client.execute([action]).await?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
