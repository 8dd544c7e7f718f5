//! Group reconciliation: each JumpCloud user group's members become the members of an Adobe
//! user group (added where missing, removed where not in JumpCloud); users without an Adobe
//! account are reported, not created.
//!
//! Run: `cargo run -p idm-cookbook --example reconcile_groups -- "Engineering=Design Team" [--apply]`
#[path = "support/mod.rs"]
mod support;

use std::collections::{BTreeSet, HashMap};

use umapi::UserAction;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t = support::target().await?;
    let (jc, adobe) = (&t.jumpcloud, &t.adobe);
    let mut pairs: Vec<(String, String)> = std::env::args()
        .skip(1)
        .filter_map(|a| a.split_once('=').map(|(j, a)| (j.to_owned(), a.to_owned())))
        .collect();
    if pairs.is_empty() && t.sandbox.is_some() {
        pairs.push(("Engineering 1".into(), "Design Team".into()));
    }
    // Every JumpCloud email by user id, and every Adobe account, read once.
    let emails: HashMap<String, String> = (jc.v1().systemusers().list().all().await?.into_iter())
        .filter_map(|u| Some((u.id?, u.email?.to_lowercase())))
        .collect();
    let in_adobe: BTreeSet<String> = (adobe.users().all().await?.into_iter())
        .map(|u| u.email.to_lowercase())
        .collect();

    let mut actions = Vec::new();
    for (jc_name, adobe_group) in &pairs {
        let Some(group) = jc.v2().user_groups().find_by_name(jc_name).await? else {
            eprintln!("no JumpCloud user group {jc_name:?}");
            continue;
        };
        let members = jc
            .v2()
            .user_groups()
            .member_ids(group.id.as_deref().unwrap_or(""))
            .await?;
        let want: BTreeSet<String> = members
            .iter()
            .filter_map(|id| emails.get(id).cloned())
            .collect();
        let have: BTreeSet<String> = (adobe.users().in_group(adobe_group).all().await?.iter())
            .map(|u| u.email.to_lowercase())
            .collect();
        for email in want.difference(&have) {
            if in_adobe.contains(email) {
                actions.push(UserAction::new(email)?.add_to_groups([adobe_group])?);
            } else {
                println!("{email}: in {jc_name} but has no Adobe account");
            }
        }
        for email in have.difference(&want) {
            actions.push(UserAction::new(email)?.remove_from_groups([adobe_group])?);
        }
        println!(
            "{jc_name} -> {adobe_group}: {} in JumpCloud, {} in Adobe",
            want.len(),
            have.len()
        );
    }
    // Against a real org without --apply, Adobe only validates (test mode).
    for a in &adobe.submit(actions).await.actions {
        let why = a.errors.first().map_or("", |e| e.message.as_str());
        println!("{}: {} {why}", a.target, a.applied().as_str());
    }
    Ok(())
}
