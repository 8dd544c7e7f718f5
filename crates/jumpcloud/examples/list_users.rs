//! From jcapi-python's README, "API v1 example" part 1: list every system user.
//!
//! Run: `cargo run -p jumpcloud --example list_users` (an embedded sandbox unless
//! `JUMPCLOUD_API_KEY` is set; `JUMPCLOUD_BASE_URL` picks another region).

#[path = "support/mod.rs"]
mod support;

use futures_util::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _sandbox) = support::target().await?;
    // Content-Type and Accept are set by the client; pages of 100 are fetched as needed.
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
