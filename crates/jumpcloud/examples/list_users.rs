//! Seed 000, "API v1 example" part 1: list every system user.
//!
//! Run: `JUMPCLOUD_API_KEY=... cargo run -p jumpcloud --example list_users`
//! (`JUMPCLOUD_BASE_URL` points it elsewhere, e.g. the EU console or a sandbox.)

use futures_util::TryStreamExt;
use jumpcloud::Client;

#[tokio::main]
async fn main() -> Result<(), jumpcloud::Error> {
    // Content-Type and Accept are set by the client; the key comes from JUMPCLOUD_API_KEY.
    let client = Client::builder().from_env().build()?;
    let mut users = std::pin::pin!(client.v1().systemusers().list().stream());
    while let Some(user) = users.try_next().await? {
        println!(
            "{:<26} {:<24} {}",
            user.id.as_deref().unwrap_or("-"),
            user.username.as_deref().unwrap_or("-"),
            user.email.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}
