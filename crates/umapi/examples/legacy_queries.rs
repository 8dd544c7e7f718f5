//! From the umapi-client legacy (v1) guide, "Querying for Users and Groups": one page, then every page with `paginate`.
//!
//! Run: `cargo run -p umapi --example legacy_queries`

#[path = "support/mod.rs"]
mod support;

use umapi::legacy::paginate;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t = support::target().await;
    let api = support::legacy_api(&t).await?;

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
