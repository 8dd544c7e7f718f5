//! Onboarding from a CSV of new hires (`email,firstname,lastname,country,jumpcloud_group,adobe_profile`):
//! each gets a JumpCloud account in their group and an Adobe Federated ID with their profile.
//!
//! Run: `cargo run -p idm-cookbook --example onboarding -- hires.csv [--apply]`
#[path = "support/mod.rs"]
mod support;

use jumpcloud::v1::models::Systemuserputpost;
use umapi::{NewUser, UserAction};

/// Used against the sandbox when no file is given.
const DEMO: &str = "email,firstname,lastname,country,jumpcloud_group,adobe_profile
new.hire@example.net,New,Hire,US,Engineering 1,All Apps - Default
";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let t = support::target().await?;
    let dry_run = support::real_and_not_asked(&t);
    let text = match std::env::args().nth(1).filter(|a| !a.starts_with("--")) {
        Some(path) => std::fs::read_to_string(path)?,
        None if t.sandbox.is_some() => DEMO.to_owned(),
        None => return Err("usage: onboarding HIRES.csv [--apply]".into()),
    };
    let groups = t.jumpcloud.v2().user_groups().list().all().await?;
    let mut adobe_actions = Vec::new();
    for row in csv::Reader::from_reader(text.as_bytes()).records() {
        let row = row?;
        let [email, first, last, country, jc_group, profile] =
            [0, 1, 2, 3, 4, 5].map(|i| row.get(i).unwrap_or("").trim().to_owned());
        let users = t.jumpcloud.v1().systemusers();
        match users.find_by_email(&email).await? {
            Some(_) => println!("JumpCloud: {email} exists already"),
            None if dry_run => println!("JumpCloud: would create {email} in {jc_group}"),
            None => {
                let body = Systemuserputpost {
                    email: Some(email.clone()),
                    username: email.split('@').next().map(str::to_owned),
                    firstname: Some(first.clone()),
                    lastname: Some(last.clone()),
                    ..Default::default()
                };
                let user = users.post().body(&body).send().await?;
                let group = groups
                    .iter()
                    .find(|g| g.name.as_deref() == Some(jc_group.as_str()));
                if let (Some(uid), Some(gid)) = (user.id, group.and_then(|g| g.id.clone())) {
                    t.jumpcloud
                        .v2()
                        .user_groups()
                        .add_member(&gid, &uid)
                        .await?;
                }
                println!("JumpCloud: created {email} in {jc_group}");
            }
        }
        let new = NewUser::federated(&email, &first, &last, &country);
        adobe_actions.push(
            UserAction::new(&email)?
                .create(new)?
                .add_to_groups([profile])?,
        );
    }
    // Adobe: created with their profile (an existing account just gets the profile).
    for a in &t.adobe.submit(adobe_actions).await.actions {
        let result = a
            .errors
            .first()
            .map_or("done".into(), |e| format!("failed: {}", e.message));
        println!("Adobe: {} {result}", a.target);
    }
    Ok(())
}
