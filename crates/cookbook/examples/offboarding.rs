//! Offboarding across both APIs: the leaver's JumpCloud account is taken out of its groups and
//! suspended, and their Adobe account leaves the organisation (licences freed, account kept).
//!
//! Run: `cargo run -p idm-cookbook --example offboarding -- jdoe@example.com [--apply]`
//! (against your tenants nothing changes without `--apply`: Adobe validates in test mode).
#[path = "support/mod.rs"]
mod support;

use futures_util::TryStreamExt;
use umapi::UserAction;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t = support::target().await?;
    let dry_run = support::real_and_not_asked(&t);
    let email = match std::env::args().nth(1).filter(|a| a.contains('@')) {
        Some(e) => e,
        None if t.sandbox.is_some() => support::first_email(&t).await?,
        None => return Err("usage: offboarding EMAIL [--apply]".into()),
    };
    if dry_run {
        eprintln!("dry run: nothing in JumpCloud changes, Adobe only validates (add --apply)");
    }

    // JumpCloud: out of every group the user is directly in, then suspended.
    let users = t.jumpcloud.v1().systemusers();
    match users.find_by_email(&email).await? {
        None => println!("JumpCloud: no user {email}"),
        Some(user) => {
            let id = user.id.clone().unwrap_or_default();
            let v2 = t.jumpcloud.v2();
            let groups: Vec<_> = v2
                .graph()
                .user_member_of(&id)
                .stream()
                .try_collect()
                .await?;
            for g in groups.iter().filter(|g| g.is_direct()) {
                let gid = g.id.clone().unwrap_or_default();
                if !dry_run {
                    v2.user_groups().remove_member(&gid, &id).await?;
                }
                println!("JumpCloud: {email} removed from group {gid}");
            }
            if !dry_run {
                users.suspend(&id).await?;
            }
            println!("JumpCloud: {email} suspended");
        }
    }

    // Adobe: out of the organisation (in test mode on a dry run).
    let adobe = &t.adobe;
    match adobe.user(&email).get().await? {
        None => println!("Adobe: no user {email}"),
        Some(_) => {
            let report = adobe
                .submit([UserAction::new(&email)?.remove_from_org(false)?])
                .await;
            match report.actions[0].errors.first() {
                None => println!("Adobe: {email} removed from the organisation"),
                Some(e) => println!("Adobe: {email} not removed: {} {}", e.code, e.message),
            }
        }
    }
    Ok(())
}
