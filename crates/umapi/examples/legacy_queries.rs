//! Seed 004, "Querying for Users and Groups": one page, then every page with `paginate`.
//!
//! Run: `cargo run -p umapi --example legacy_queries`

#[path = "support/mod.rs"]
mod support;

use umapi::HttpConfig;
use umapi::legacy::{Auth, Umapi, paginate};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t = support::target().await;
    let api = connect(&t).await?;

    let users = api.users(&t.org_id, 0).await?;
    println!(
        "page 0: {} users",
        users["users"].as_array().map_or(0, Vec::len)
    );
    let all_users = paginate(|page| api.users(&t.org_id, page), None, None).await?;
    println!("all users: {}", all_users.len());
    let first_two_pages = paginate(|page| api.users(&t.org_id, page), Some(2), None).await?;
    println!("at most two pages: {}", first_two_pages.len());

    let groups = api.groups(&t.org_id, 0).await?;
    println!(
        "page 0: {} groups",
        groups["groups"].as_array().map_or(0, Vec::len)
    );
    let all_groups = paginate(|page| api.groups(&t.org_id, page), None, None).await?;
    for g in all_groups.iter().take(5) {
        println!("  {} ({} members)", g["groupName"], g["memberCount"]);
    }
    Ok(())
}

/// Gets a token with OAuth Server-to-Server (the JWT route is in `legacy_auth`).
async fn connect(t: &support::Target) -> Result<Umapi, Box<dyn std::error::Error>> {
    let http = HttpConfig::default();
    let url = format!("{}/ims/token/v3", t.ims);
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", t.client_id.as_str()),
        ("client_secret", t.client_secret.as_str()),
        ("scope", umapi::auth::DEFAULT_SCOPE),
    ];
    let (token, _) =
        umapi::auth::request_token(&http.build_client()?, &http, &url, &form, false).await?;
    Ok(Umapi::new(&t.endpoint, Auth::new(&t.client_id, token))?)
}
