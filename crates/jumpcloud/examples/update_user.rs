//! Seed 000, "API v1 example" part 2: update a system user's last name.
//!
//! Run: `JUMPCLOUD_API_KEY=... cargo run -p jumpcloud --example update_user -- USER_ID EMAIL USERNAME`

use jumpcloud::Client;
use jumpcloud::v1::models::Systemuserput;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [id, email, username] = args.as_slice() else {
        return Err("usage: update_user USER_ID EMAIL USERNAME".into());
    };
    let client = Client::builder().from_env().build()?;
    let put_request = Systemuserput {
        email: Some(email.clone()),
        username: Some(username.clone()),
        lastname: Some("Updated Last Name".into()),
        ..Default::default()
    };
    let user = client
        .v1()
        .systemusers()
        .put(id)
        .body(&put_request)
        .send()
        .await?;
    println!("{user:#?}");
    Ok(())
}
