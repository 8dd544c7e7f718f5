//! Planning alone, no API calls: 100,000 directory users against 100,000 Adobe users, half of
//! whom need a change (a new name, a group added or a group removed).
//!
//!   cargo bench -p idm-sync --bench plan [-- USERS [RUNS]]
//!
//! Prints the plan's size, each run's time and the process's peak RSS (`VmHWM`), which covers
//! the inputs as well as the plan. On the same allocator as the `idm` binary.

use std::time::Instant;

use idm_sync::{Attribute, DirectoryUser, Limit, Rules};
use umapi::{IdentityType, User};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const MAPPED: [(&str, [&str; 2]); 3] = [
    ("Designers", ["Design Team", "All Apps - Default"]),
    ("Marketing", ["Marketing Users", "Adobe Express - Default"]),
    ("Writers", ["Acrobat Pro - Default", "Writers Team"]),
];

fn rules() -> Rules {
    let mut r = Rules {
        process_groups: true,
        update_user_info: true,
        update_attributes: vec![Attribute::FirstName, Attribute::LastName],
        max_adobe_only_users: Limit::Percent(100.0),
        ..Rules::default()
    };
    for (dir, adobe) in MAPPED {
        r.mapping
            .insert(dir.into(), adobe.iter().map(|g| g.to_string()).collect());
    }
    r
}

/// User `i` on both sides; odd users differ: by name, by an added group, or by a removed one.
fn world(n: usize) -> (Vec<DirectoryUser>, Vec<User>) {
    let mut dir = Vec::with_capacity(n);
    let mut adobe = Vec::with_capacity(n);
    for i in 0..n {
        let email = format!("user{i}@example.net");
        let (group, adobe_groups) = MAPPED[i % MAPPED.len()];
        let mut groups: Vec<String> = adobe_groups.iter().map(|g| g.to_string()).collect();
        let mut lastname = format!("Last{i}");
        if i % 2 == 1 {
            match (i / 2) % 3 {
                0 => lastname = format!("Old{i}"),
                1 => {
                    groups.pop();
                }
                _ => groups.push(MAPPED[(i + 1) % MAPPED.len()].1[0].to_string()),
            }
        }
        dir.push(DirectoryUser {
            identity_type: IdentityType::FederatedId,
            username: email.clone(),
            domain: None,
            email: email.clone(),
            firstname: Some(format!("First{i}")),
            lastname: Some(format!("Last{i}")),
            country: Some("US".into()),
            groups: vec![group.to_owned()],
            origin: format!("users.csv:{}", i + 2),
        });
        adobe.push(User {
            email: email.clone(),
            username: Some(email),
            domain: Some("example.net".into()),
            identity_type: Some(IdentityType::FederatedId),
            firstname: Some(format!("First{i}")),
            lastname: Some(lastname),
            country: Some("US".into()),
            groups,
            ..User::default()
        });
    }
    (dir, adobe)
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let runs: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(3);
    let (dir, adobe) = world(n);
    let rules = rules();
    println!("{n} directory users, {n} Adobe users, half of them needing a change");
    for run in 1..=runs {
        let t = Instant::now();
        let plan = idm_sync::plan(&dir, &adobe, &rules).expect("the rules are valid");
        let elapsed = t.elapsed();
        let s = &plan.summary;
        println!(
            "run {run}: {:.3} s; {} actions ({} updated, {} unchanged, {} created)",
            elapsed.as_secs_f64(),
            plan.actions.len(),
            s.updated,
            s.adobe_users_unchanged,
            s.created
        );
        assert_eq!(plan.actions.len(), n / 2, "half of the users need a change");
    }
    println!("peak RSS {:.1} MiB", peak_rss_mib());
}
