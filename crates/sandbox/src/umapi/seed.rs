//! Deterministic demo data: the same seed always gives the same organisation.
//!
//! - Claimed domains: `example.com` (Enterprise directory), `example.net` and `example.org`
//!   (Federated directory). Adobe IDs live at `personal.example` and `mail.example`.
//! - The first users are fixed: `admin@example.com` (Enterprise, org admin), `jdoe` in domain
//!   `example.net` (Federated, non-email username, email `jdoe@example.net`), and
//!   `someone@personal.example` (Adobe ID). The rest are random mixes of the three types.
//! - User groups from a list of names; `Partner Agency (Read-Only)` and `Contractors (Read-Only)` are
//!   read-only. Product profiles (`max(3, groups / 2)`) of five products, with licence quotas.
//! - Admin groups: `_org_admin`, `_deployment_admin`, `_support_admin`, `_admin_<group>` for some
//!   user groups and profiles, `_product_admin_<product>` and `_developer_<profile>`, and one
//!   contract admin group.
//! - Three technical accounts, counted in `X-Total-Count` only.

use std::collections::BTreeMap;

use super::store::{Group, GroupType, IdType, Store, User};

/// The client id of the sandbox's one integration.
pub(crate) const CLIENT_ID: &str = "idm-sandbox-client";
/// Its client secret.
pub(crate) const CLIENT_SECRET: &str = "p8e-idm-sandbox-secret";

const USER_GROUPS: [&str; 20] = [
    "Design Team",
    "Marketing Users",
    "Partner Agency (Read-Only)",
    "Engineering",
    "Sales",
    "Support Desk",
    "Finance",
    "Contractors (Read-Only)",
    "Legal",
    "Human Resources",
    "Operations",
    "Research",
    "Video Production",
    "Photography",
    "Web Team",
    "Print Studio",
    "Executives",
    "Interns",
    "Localization",
    "Social Media",
];

/// (short name used in profile names, product name as UMAPI shows it)
const PRODUCTS: [(&str, &str); 5] = [
    ("All Apps", "Creative Cloud All Apps (ETLA - 8C2F1A)"),
    ("Acrobat Pro", "Acrobat Pro (ETLA - 8C2F1A)"),
    ("Photoshop", "Photoshop (ETLA - 8C2F1A)"),
    ("Adobe Express", "Adobe Express (ETLA - 8C2F1A)"),
    ("Illustrator", "Illustrator (ETLA - 8C2F1A)"),
];

const QUOTAS: [&str; 6] = ["10", "25", "50", "100", "500", "UNLIMITED"];

const FIRST: [&str; 24] = [
    "Ana", "Bo", "Carla", "Dev", "Emil", "Fatima", "Gus", "Hana", "Ivan", "Jun", "Kira", "Luis",
    "Mara", "Nils", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tara", "Uma", "Viktor", "Wen",
    "Yara",
];

const LAST: [&str; 24] = [
    "Ruiz", "Chen", "Okafor", "Smith", "Larsen", "Haddad", "Novak", "Tanaka", "Petrov", "Kim",
    "Silva", "Moreau", "Rossi", "Berg", "Ivanova", "Kowalski", "Murphy", "Garcia", "Nakamura",
    "Patel", "Schmidt", "Dubois", "Wang", "Costa",
];

const COUNTRIES: [&str; 12] = [
    "US", "GB", "DE", "FR", "ES", "IT", "JP", "CA", "AU", "BR", "IN", "NL",
];

const ADOBE_DOMAINS: [&str; 2] = ["personal.example", "mail.example"];

fn pick<'a>(rng: &mut fastrand::Rng, list: &[&'a str]) -> &'a str {
    list.get(rng.usize(..list.len()))
        .copied()
        .unwrap_or_default()
}

fn user(
    store: &mut Store,
    email: String,
    username: String,
    domain: String,
    id_type: IdType,
) -> User {
    User {
        id: store.new_user_id(),
        email,
        username,
        domain,
        firstname: None,
        lastname: None,
        country: None,
        id_type,
        groups: Default::default(),
    }
}

/// Builds the demo organisation.
pub(crate) fn build(seed: u64, users: usize, user_groups: usize) -> Store {
    let mut rng = fastrand::Rng::with_seed(seed);
    let org_id = format!("{:016X}{:08X}@AdobeOrg", rng.u64(..), rng.u32(..));
    let claimed = BTreeMap::from([
        ("example.com".to_owned(), IdType::Enterprise),
        ("example.net".to_owned(), IdType::Federated),
        ("example.org".to_owned(), IdType::Federated),
    ]);
    let mut store = Store::new(org_id, claimed, rng.fork());
    store.tech_accounts = 3;

    // Org-wide admin groups.
    let org_admin = store.insert_group(Group::new("_org_admin", GroupType::Sysadmin));
    let deployment =
        store.insert_group(Group::new("_deployment_admin", GroupType::DeploymentAdmin));
    let support = store.insert_group(Group::new("_support_admin", GroupType::SupportAdmin));

    // User groups.
    let mut ugs = Vec::with_capacity(user_groups);
    for i in 0..user_groups {
        let name = USER_GROUPS
            .get(i)
            .map(|n| (*n).to_owned())
            .unwrap_or_else(|| format!("User Group {}", i + 1));
        let mut g = Group::new(name.clone(), GroupType::UserGroup);
        g.read_only = name.ends_with("(Read-Only)");
        g.description = Some(format!("{name} (demo user group)"));
        ugs.push(store.insert_group(g));
    }

    // Product profiles.
    let profile_count = (user_groups / 2).max(3);
    let mut profiles = Vec::with_capacity(profile_count);
    for j in 0..profile_count {
        let (short, product) = PRODUCTS[j % PRODUCTS.len()];
        let name = if j < PRODUCTS.len() {
            format!("{short} - Default")
        } else {
            format!("{short} - Team {}", j / PRODUCTS.len() + 1)
        };
        let mut g = Group::new(name, GroupType::ProductProfile);
        g.product_name = Some(product.to_owned());
        g.license_quota = Some(pick(&mut rng, &QUOTAS).to_owned());
        profiles.push(store.insert_group(g));
    }

    // User groups grant one or two profiles each.
    for &ug in &ugs {
        let n = rng.usize(1..=2);
        for _ in 0..n {
            let p = profiles[rng.usize(..profiles.len())];
            if let Some(g) = store.group_mut(ug) {
                g.profiles.insert(p);
            }
        }
    }

    // Users.
    let mut members: Vec<u64> = Vec::with_capacity(users);
    for i in 0..users {
        let first = pick(&mut rng, &FIRST);
        let last = pick(&mut rng, &LAST);
        let local = format!(
            "{}.{}{}",
            first.to_ascii_lowercase(),
            last.to_ascii_lowercase(),
            i
        );
        let mut u = match i {
            0 => {
                let mut u = user(
                    &mut store,
                    "admin@example.com".into(),
                    "admin@example.com".into(),
                    "example.com".into(),
                    IdType::Enterprise,
                );
                u.firstname = Some("Ada".into());
                u.lastname = Some("Admin".into());
                u.country = Some("US".into());
                u
            }
            1 => {
                let mut u = user(
                    &mut store,
                    "jdoe@example.net".into(),
                    "jdoe".into(),
                    "example.net".into(),
                    IdType::Federated,
                );
                u.firstname = Some("Jo".into());
                u.lastname = Some("Doe".into());
                u.country = Some("US".into());
                u
            }
            2 => user(
                &mut store,
                "someone@personal.example".into(),
                "someone@personal.example".into(),
                "personal.example".into(),
                IdType::Adobe,
            ),
            _ => match rng.u32(0..10) {
                0 | 1 => {
                    let domain = pick(&mut rng, &ADOBE_DOMAINS);
                    let email = format!("{local}@{domain}");
                    let mut u = user(
                        &mut store,
                        email.clone(),
                        email,
                        domain.into(),
                        IdType::Adobe,
                    );
                    if rng.u32(0..10) < 7 {
                        u.firstname = Some(first.into());
                        u.lastname = Some(last.into());
                    }
                    if rng.u32(0..10) < 7 {
                        u.country = Some(pick(&mut rng, &COUNTRIES).into());
                    }
                    u
                }
                2..=4 => {
                    let email = format!("{local}@example.com");
                    let mut u = user(
                        &mut store,
                        email.clone(),
                        email,
                        "example.com".into(),
                        IdType::Enterprise,
                    );
                    u.firstname = Some(first.into());
                    u.lastname = Some(last.into());
                    if rng.u32(0..10) < 8 {
                        u.country = Some(pick(&mut rng, &COUNTRIES).into());
                    }
                    u
                }
                _ => {
                    let domain = if rng.u32(0..4) == 0 {
                        "example.org"
                    } else {
                        "example.net"
                    };
                    let email = format!("{local}@{domain}");
                    let username = if i % 7 == 3 {
                        local.clone()
                    } else {
                        email.clone()
                    };
                    let mut u = user(
                        &mut store,
                        email,
                        username,
                        domain.into(),
                        IdType::Federated,
                    );
                    u.firstname = Some(first.into());
                    u.lastname = Some(last.into());
                    u.country = Some(pick(&mut rng, &COUNTRIES).into());
                    u
                }
            },
        };
        u.groups.clear();
        let seq = store.insert_user(u);
        members.push(seq);
        // Memberships: up to three user groups and up to two direct profiles.
        if !ugs.is_empty() {
            for _ in 0..rng.usize(0..=3) {
                store.add_member(ugs[rng.usize(..ugs.len())], seq);
            }
        }
        for _ in 0..rng.usize(0..=2) {
            store.add_member(profiles[rng.usize(..profiles.len())], seq);
        }
    }

    // Admin roles.
    if let Some(&first) = members.first() {
        store.add_member(org_admin, first);
        store.add_member(deployment, first);
    }
    if let Some(&second) = members.get(1) {
        store.add_member(support, second);
    }
    let mut admin_of = |store: &mut Store, name: String| {
        if let Some(resolved) = store.resolve(&name) {
            let gid = store.materialize(resolved);
            if !members.is_empty() {
                let n = rng.usize(1..=2);
                for _ in 0..n {
                    store.add_member(gid, members[rng.usize(..members.len())]);
                }
            }
        }
    };
    for (i, &ug) in ugs.iter().enumerate() {
        if i % 3 == 0
            && let Some(name) = store.group(ug).map(|g| g.name.clone())
        {
            admin_of(&mut store, format!("_admin_{name}"));
        }
    }
    for (j, &p) in profiles.iter().enumerate() {
        if j % 2 == 0
            && let Some(name) = store.group(p).map(|g| g.name.clone())
        {
            admin_of(&mut store, format!("_admin_{name}"));
        }
    }
    admin_of(&mut store, format!("_product_admin_{}", PRODUCTS[0].1));
    if let Some(name) = profiles
        .first()
        .and_then(|p| store.group(*p))
        .map(|g| g.name.clone())
    {
        admin_of(&mut store, format!("_developer_{name}"));
    }
    let mut contract = Group::new("8C2F1A_CONTRACT_GROUP", GroupType::ContractAdmin);
    contract.contract_name = Some("ETLA - 8C2F1A".into());
    let contract = store.insert_group(contract);
    if let Some(&first) = members.first() {
        store.add_member(contract, first);
    }
    store
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_fast() {
        let a = build(7, 1000, 20);
        let b = build(7, 1000, 20);
        assert_eq!(a.org_id, b.org_id);
        assert_eq!(a.user_count(), 1000);
        let names = |s: &Store| {
            (1..=1000)
                .filter_map(|seq| s.user(seq))
                .map(|u| (u.email.clone(), u.groups.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&a), names(&b));
        assert!(a.org_id.ends_with("@AdobeOrg"));
        assert_eq!(a.org_id.len(), 24 + "@AdobeOrg".len());
        let c = build(8, 10, 20);
        assert_ne!(a.org_id, c.org_id);
        // Fixed users.
        assert!(a.org_user_by_email("ADMIN@example.com").is_some());
        assert!(a.org_user_by_username("jdoe", "example.net").is_some());
        assert!(a.adobe_user_by_email("someone@personal.example").is_some());
    }

    #[test]
    fn tiny_orgs() {
        let s = build(1, 0, 0);
        assert_eq!(s.user_count(), 0);
        let s = build(1, 2, 1);
        assert_eq!(s.user_count(), 2);
    }
}
