//! One company behind both halves of the sandbox: the JumpCloud directory is seeded from the
//! Adobe organisation's people, as one organisation's two systems would look, so that a first
//! `idm sync --connector jumpcloud` has real work and a second has none.
//!
//! From the Adobe users in seed order (see the UMAPI seed), JumpCloud user `i` is:
//!
//! - **the same person** (same email; the username is the email's local part) when Adobe user
//!   `i` has an Enterprise or Federated ID and is not a leaver. One in ten of them has a new last
//!   name in JumpCloud that Adobe still shows the old way (a stale name a sync updates);
//! - **a new hire** (`first.last.new<i>@example.com`, in JumpCloud only) when Adobe user `i` has
//!   an Adobe ID, or is a **leaver**: about one in twelve of the other Adobe users (never the
//!   first two) is in Adobe but no longer in the directory.
//!
//! Every tenth JumpCloud user (`i % 10 == 9`) is `STAGED` (not activated) and every twentieth
//! from the fifth (`i % 20 == 4`) `SUSPENDED`; a sync treats both as absent. The country, where
//! Adobe has one, is given as the first address's country: an ISO code for some users, the
//! country's English name for others, and no address for the rest.
//!
//! Besides the department groups, an organisation of at least eight groups has three user groups
//! named for what their members should hold in Adobe (their last three groups):
//! [`ADOBE_GROUPS`], each with about one user in seven.

/// JumpCloud user groups meant to be mapped to Adobe groups, with the Adobe user group and
/// product profile a `user-sync-config.yml` would map each to (`idm demo` does).
pub const ADOBE_GROUPS: [(&str, &[&str]); 3] = [
    ("Adobe_Designers", &["Design Team", "All Apps - Default"]),
    (
        "Adobe_Marketing",
        &["Marketing Users", "Adobe Express - Default"],
    ),
    ("Adobe_Acrobat", &["Acrobat Pro - Default"]),
];

/// The fewest groups for which [`ADOBE_GROUPS`] are seeded (the profiles they map to exist).
pub(crate) const MIN_GROUPS_FOR_ADOBE: usize = 8;

/// One Adobe user, as the JumpCloud seed sees it.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub email: String,
    pub username: String,
    pub firstname: Option<String>,
    pub lastname: Option<String>,
    pub country: Option<String>,
    /// An Adobe ID: a personal account, never in a company directory.
    pub adobe_id: bool,
}

/// What JumpCloud user `i` is, from Adobe user `i`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Seat {
    /// The same person, with their JumpCloud last name when it differs from Adobe's.
    Same { renamed: Option<&'static str> },
    /// Someone in JumpCloud only.
    NewHire,
}

/// Last names taken by people whose Adobe record is stale.
const NEW_LAST_NAMES: [&str; 6] = [
    "Okonkwo",
    "Lindqvist",
    "Marchetti",
    "Abara",
    "Sato",
    "Keller",
];

/// Decides seat `i` from the person and a roll in `0..100`.
pub(crate) fn seat(i: usize, person: &Person, roll: u32) -> Seat {
    if person.adobe_id || (i >= 2 && roll < 8) {
        Seat::NewHire
    } else if i >= 2 && roll < 18 {
        Seat::Same {
            renamed: Some(NEW_LAST_NAMES[i % NEW_LAST_NAMES.len()]),
        }
    } else {
        Seat::Same { renamed: None }
    }
}

/// JumpCloud's state for user `i`: (`state`, `activated`, `suspended`).
pub(crate) fn state(i: usize) -> (&'static str, bool, bool) {
    if i % 10 == 9 {
        ("STAGED", false, false)
    } else if i % 20 == 4 {
        ("SUSPENDED", true, true)
    } else {
        ("ACTIVATED", true, false)
    }
}

/// The English name of the sandbox's country codes, as a directory may spell them.
pub(crate) fn country_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "US" => "United States",
        "GB" => "United Kingdom",
        "DE" => "Germany",
        "FR" => "France",
        "ES" => "Spain",
        "IT" => "Italy",
        "JP" => "Japan",
        "CA" => "Canada",
        "AU" => "Australia",
        "BR" => "Brazil",
        "IN" => "India",
        "NL" => "Netherlands",
        _ => return None,
    })
}
