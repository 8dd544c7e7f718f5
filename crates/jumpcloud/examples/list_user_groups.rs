//! From jcapi-python's README, "API v2 example": list every user group.
//!
//! Run: `cargo run -p jumpcloud --example list_user_groups` (an embedded sandbox unless
//! `JUMPCLOUD_API_KEY` is set).

#[path = "support/mod.rs"]
mod support;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _sandbox) = support::target().await?;
    for group in client.v2().user_groups().list().all().await? {
        println!(
            "{:<26} {}",
            group.id.as_deref().unwrap_or("-"),
            group.name.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}
