//! The JumpCloud directory connector: system users (API v1) and their user groups (API v2) as
//! directory users, read completely or not at all.
//!
//! A user is in the directory only when `ACTIVATED` and not suspended (`STAGED` and
//! `SUSPENDED` users count as absent, so a sync treats them as leavers). Their groups are the
//! JumpCloud user groups they are direct members of — of the groups named, or of every group.

use std::collections::{HashMap, HashSet};

use futures_util::{StreamExt, TryStreamExt, stream};
use jumpcloud::v1::models::{Systemuserreturn, SystemuserreturnState};
use umapi::IdentityType;

use crate::model::DirectoryUser;

mod attributes;

pub use attributes::AttributeMap;

/// What to read.
#[derive(Debug, Clone)]
pub struct JumpcloudOptions {
    /// A v1 `filter` (`department:$eq:Design`) applied to the system users.
    pub filter: Option<String>,
    /// The identity type of every user (`directory_users.user_identity_type`).
    pub identity_type: IdentityType,
    /// Which JumpCloud attribute supplies each Adobe field.
    pub attributes: AttributeMap,
    /// The user groups whose members are read (`None`: every group, as `additional_groups`
    /// needs).
    pub groups: Option<HashSet<String>>,
}

/// The users read, and what was odd about some of them.
#[derive(Debug, Clone, Default)]
pub struct JumpcloudDirectory {
    /// The directory users, in JumpCloud's order.
    pub users: Vec<DirectoryUser>,
    /// Users left out (no email) or with a country idm could not read.
    pub warnings: Vec<String>,
}

/// Why the directory could not be read; nothing is synced then.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// A JumpCloud request failed, or a listing did not add up.
    #[error(transparent)]
    Jumpcloud(#[from] jumpcloud::Error),
    /// Mapped groups that JumpCloud does not have: reading them as empty would remove their
    /// members' Adobe groups.
    #[error(
        "JumpCloud has no user group named {}: check the directory_group names in the groups mapping (they are JumpCloud user group names, matched exactly)",
        .0.iter().map(|g| format!("{g:?}")).collect::<Vec<_>>().join(", ")
    )]
    MissingGroups(Vec<String>),
}

/// Member lists read at once: enough to hide the latency of a few hundred groups, few enough
/// to stay well inside JumpCloud's rate limits.
const MEMBER_READS_AT_ONCE: usize = 8;

/// Reads the directory: every system user (complete, or an error), then the members of the
/// user groups asked for, several groups at a time. A mapped group that JumpCloud lacks is an
/// error, never an empty group.
pub async fn read(
    client: &jumpcloud::Client,
    options: &JumpcloudOptions,
) -> Result<JumpcloudDirectory, ReadError> {
    // Only the fields the sync reads: a full system user is some 55 fields, and 20,000 of them
    // are most of what a run would otherwise transfer and decode.
    let mut list = client
        .v1()
        .systemusers()
        .list()
        .fields(options.attributes.fields_read().join(" "));
    if let Some(f) = &options.filter {
        list = list.filter(f.clone());
    }
    let all = list.all().await?;
    let mut out = JumpcloudDirectory::default();
    let groups = client.v2().user_groups();
    // One listing of the groups (a page holds 100), whatever the number of mapped groups.
    let mut wanted: Vec<(String, String)> = groups
        .list()
        .all()
        .await?
        .into_iter()
        .filter_map(|g| Some((g.name?, g.id?)))
        .filter(|(name, _)| options.groups.as_ref().is_none_or(|n| n.contains(name)))
        .collect();
    wanted.sort();
    if let Some(names) = &options.groups {
        let mut missing: Vec<String> = names
            .iter()
            .filter(|n| !wanted.iter().any(|(name, _)| name == *n))
            .cloned()
            .collect();
        if !missing.is_empty() {
            missing.sort();
            return Err(ReadError::MissingGroups(missing));
        }
    }
    let member_lists: Vec<(String, Vec<String>)> = stream::iter(wanted)
        .map(|(name, id)| {
            let groups = &groups;
            async move { Ok::<_, jumpcloud::Error>((name, groups.member_ids(&id).await?)) }
        })
        .buffer_unordered(MEMBER_READS_AT_ONCE)
        .try_collect()
        .await?;
    let mut groups_of: HashMap<String, Vec<String>> = HashMap::new();
    for (name, members) in member_lists {
        for member in members {
            groups_of.entry(member).or_default().push(name.clone());
        }
    }
    for list in groups_of.values_mut() {
        // Groups arrive in completion order; keep a user's groups in a stable order.
        list.sort();
    }
    let map = &options.attributes;
    for u in all {
        if !present(&u) {
            continue;
        }
        let id = u.id.clone().unwrap_or_default();
        // Attributes are read by their JSON names, as the mapping gives them.
        let json = serde_json::to_value(&u).unwrap_or_default();
        let get = |source: &str| attributes::value(&json, source);
        let Some(email) = get(&map.email).filter(|e| e.contains('@')) else {
            out.warnings.push(format!(
                "JumpCloud user {} ({id}) has no email in {}; left out",
                u.username.as_deref().unwrap_or("?"),
                map.email
            ));
            continue;
        };
        let country = match get(&map.country) {
            Some(c) => match iso_country(&c) {
                Some(code) => Some(code.to_owned()),
                None => {
                    out.warnings.push(format!(
                        "JumpCloud user {email}: country {c:?} is not an ISO 3166-1 code or a known name; default_country_code applies"
                    ));
                    None
                }
            },
            None => None,
        };
        let username = get(&map.username).unwrap_or_else(|| email.clone());
        // A username that is not an email is qualified by the email's domain, as UMAPI needs.
        let domain = (!username.contains('@'))
            .then(|| email.rsplit_once('@').map(|(_, d)| d.to_owned()))
            .flatten();
        out.users.push(DirectoryUser {
            identity_type: options.identity_type.clone(),
            username,
            domain,
            email,
            firstname: get(&map.firstname),
            lastname: get(&map.lastname),
            country,
            groups: groups_of.remove(&id).unwrap_or_default(),
            origin: format!("JumpCloud user {id}"),
        });
    }
    Ok(out)
}

/// Activated and not suspended.
fn present(u: &Systemuserreturn) -> bool {
    let state_ok = match &u.state {
        Some(SystemuserreturnState::Activated) => true,
        Some(_) => false,
        // Older answers carry no state: `activated` says it.
        None => u.activated.unwrap_or(true),
    };
    state_ok && u.suspended != Some(true)
}

/// An ISO 3166-1 alpha-2 code from a code or a common English name.
pub fn iso_country(value: &str) -> Option<&'static str> {
    let v = value.trim();
    let upper = v.to_ascii_uppercase();
    if let Some((code, _)) = COUNTRIES.iter().find(|(code, _)| *code == upper) {
        return Some(code);
    }
    let lower = v.to_lowercase();
    COUNTRIES
        .iter()
        .find(|(_, names)| names.split('|').any(|n| n == lower))
        .map(|(code, _)| *code)
}

/// Codes and the English names (and common alternatives) people type.
const COUNTRIES: &[(&str, &str)] = &[
    ("AE", "united arab emirates|uae"),
    ("AR", "argentina"),
    ("AT", "austria"),
    ("AU", "australia"),
    ("BE", "belgium"),
    ("BG", "bulgaria"),
    ("BR", "brazil"),
    ("CA", "canada"),
    ("CH", "switzerland"),
    ("CL", "chile"),
    ("CN", "china"),
    ("CO", "colombia"),
    ("CY", "cyprus"),
    ("CZ", "czechia|czech republic"),
    ("DE", "germany|deutschland"),
    ("DK", "denmark"),
    ("EE", "estonia"),
    ("EG", "egypt"),
    ("ES", "spain|españa"),
    ("FI", "finland"),
    ("FR", "france"),
    (
        "GB",
        "united kingdom|uk|great britain|england|scotland|wales|northern ireland",
    ),
    ("GR", "greece"),
    ("HK", "hong kong"),
    ("HR", "croatia"),
    ("HU", "hungary"),
    ("ID", "indonesia"),
    ("IE", "ireland"),
    ("IL", "israel"),
    ("IN", "india"),
    ("IS", "iceland"),
    ("IT", "italy|italia"),
    ("JP", "japan"),
    ("KE", "kenya"),
    ("KR", "south korea|korea|republic of korea"),
    ("LT", "lithuania"),
    ("LU", "luxembourg"),
    ("LV", "latvia"),
    ("MA", "morocco"),
    ("MT", "malta"),
    ("MX", "mexico|méxico"),
    ("MY", "malaysia"),
    ("NG", "nigeria"),
    ("NL", "netherlands|the netherlands|holland"),
    ("NO", "norway"),
    ("NZ", "new zealand"),
    ("PE", "peru"),
    ("PH", "philippines"),
    ("PK", "pakistan"),
    ("PL", "poland"),
    ("PT", "portugal"),
    ("RO", "romania"),
    ("RS", "serbia"),
    ("SA", "saudi arabia"),
    ("SE", "sweden"),
    ("SG", "singapore"),
    ("SI", "slovenia"),
    ("SK", "slovakia"),
    ("TH", "thailand"),
    ("TR", "turkey|türkiye"),
    ("TW", "taiwan"),
    ("UA", "ukraine"),
    (
        "US",
        "united states|united states of america|usa|us|america",
    ),
    ("VN", "vietnam|viet nam"),
    ("ZA", "south africa"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_from_codes_and_names() {
        assert_eq!(iso_country("us"), Some("US"));
        assert_eq!(iso_country("UK"), Some("GB"));
        assert_eq!(iso_country(" United Kingdom "), Some("GB"));
        assert_eq!(iso_country("Deutschland"), Some("DE"));
        assert_eq!(iso_country("XX"), None);
        assert_eq!(iso_country("Atlantis"), None);
    }

    #[test]
    fn only_activated_unsuspended_users_are_present() {
        let user = |state, suspended| Systemuserreturn {
            state,
            suspended,
            ..Default::default()
        };
        assert!(present(&user(
            Some(SystemuserreturnState::Activated),
            Some(false)
        )));
        assert!(!present(&user(
            Some(SystemuserreturnState::Activated),
            Some(true)
        )));
        assert!(!present(&user(Some(SystemuserreturnState::Staged), None)));
        assert!(!present(&user(
            Some(SystemuserreturnState::Suspended),
            None
        )));
    }
}
