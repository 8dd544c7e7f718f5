//! Access review: who may log in to each JumpCloud system, directly or through groups, and with
//! what sudo (the most permissive of their bindings and their own setting), as CSV. Reads only.
//!
//! Run: `cargo run -p idm-cookbook --example access_review > access.csv`
//! (`-- --sudo-only` keeps the rows with sudo).
#[path = "support/mod.rs"]
mod support;

use jumpcloud::tasks::Sudo;
use std::collections::HashMap;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t = support::target().await?;
    let sudo_only = std::env::args().any(|a| a == "--sudo-only");
    let (v1, v2) = (t.jumpcloud.v1(), t.jumpcloud.v2());
    // Every user once, for names and their own sudo setting.
    let users: HashMap<String, _> = v1
        .systemusers()
        .list()
        .fields("username sudo passwordless_sudo")
        .all()
        .await?
        .into_iter()
        .filter_map(|u| Some((u.id.clone()?, u)))
        .collect();
    let mut out = csv::Writer::from_writer(std::io::stdout());
    out.write_record(["system", "hostname", "user", "sudo", "binding"])?;
    for system in v1.systems().list().fields("hostname").all().await? {
        let id = system.id.clone().unwrap_or_default();
        for bound in v2.systems().users(&id).await? {
            let Some(user) = users.get(&bound.id) else {
                continue; // deleted since the listing
            };
            let sudo = bound.sudo.max(Sudo::of_user(user));
            if sudo_only && sudo == Sudo::Off {
                continue;
            }
            let host = system.hostname.as_deref().unwrap_or("");
            let name = user.username.as_deref().unwrap_or("");
            let direct = if bound.direct { "direct" } else { "via groups" };
            out.write_record([&id, host, name, sudo.as_str(), direct])?;
        }
    }
    Ok(out.flush()?)
}
