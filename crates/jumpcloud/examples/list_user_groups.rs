//! Seed 000, "API v2 example": list every user group.
//!
//! Run: `JUMPCLOUD_API_KEY=... cargo run -p jumpcloud --example list_user_groups`

use jumpcloud::Client;

#[tokio::main]
async fn main() -> Result<(), jumpcloud::Error> {
    let client = Client::builder().from_env().build()?;
    for group in client.v2().user_groups().list().all().await? {
        println!(
            "{:<26} {}",
            group.id.as_deref().unwrap_or("-"),
            group.name.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}
