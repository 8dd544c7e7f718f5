//! From jcapi-python's README, "API v1 example" part 2: update a system user's last name.
//!
//! Run: `cargo run -p jumpcloud --example update_user -- [USER_ID]` (an embedded sandbox and its
//! first user unless `JUMPCLOUD_API_KEY` is set; then USER_ID is required).

#[path = "support/mod.rs"]
mod support;

use jumpcloud::v1::models::Systemuserput;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, sandbox) = support::target().await?;
    let id = match std::env::args().nth(1) {
        Some(id) => id,
        // In a real tenant, only the user named on the command line is changed.
        None if sandbox.is_none() => {
            return Err("pass the USER_ID of the user of your tenant to update".into());
        }
        None => client
            .v1()
            .systemusers()
            .list()
            .limit(1)
            .send()
            .await?
            .results
            .and_then(|r| r.into_iter().next())
            .and_then(|u| u.id)
            .ok_or("no user to update: pass USER_ID")?,
    };
    let current = client.v1().systemusers().get(&id).send().await?;
    let put_request = Systemuserput {
        email: current.email,
        username: current.username,
        lastname: Some("Updated Last Name".into()),
        ..Default::default()
    };
    let user = client
        .v1()
        .systemusers()
        .put(&id)
        .body(&put_request)
        .send()
        .await?;
    println!(
        "{} {} {}",
        id,
        user.username.as_deref().unwrap_or("-"),
        user.lastname.as_deref().unwrap_or("-")
    );
    Ok(())
}
