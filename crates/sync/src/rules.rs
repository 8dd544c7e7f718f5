//! What a sync is asked to do: the rules the planner follows, built from user-sync's
//! configuration files and command line (see `config`) or in code.

use std::collections::BTreeMap;

use regex::Regex;
use umapi::IdentityType;

use crate::model::normalize;

/// What happens to Adobe users the directory does not have (user-sync's
/// `--adobe-only-user-action`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AdobeOnlyAction {
    /// Leave them (their managed groups are still removed with `process_groups`).
    #[default]
    Preserve,
    /// Leave them and count them as excluded, even with `process_groups`.
    Exclude,
    /// Write them to a CSV file (columns `type,username,email,domain`), then as `Preserve`.
    WriteFile(String),
    /// Remove them from the organisation and delete their accounts (`deleteAccount: true`).
    Delete,
    /// Remove them from the organisation, keeping their accounts.
    Remove,
    /// Remove every group, profile and admin role but `_org_admin` (`remove: "all"`).
    RemoveAdobeGroups,
}

impl AdobeOnlyAction {
    /// Whether the action changes Adobe users (so the limit applies).
    pub fn changes_users(&self) -> bool {
        matches!(
            self,
            AdobeOnlyAction::Delete | AdobeOnlyAction::Remove | AdobeOnlyAction::RemoveAdobeGroups
        )
    }

    /// The summary's wording for what was done to them.
    pub fn summary_verb(&self) -> &'static str {
        match self {
            AdobeOnlyAction::Delete => "deleted",
            AdobeOnlyAction::Remove => "removed",
            AdobeOnlyAction::RemoveAdobeGroups => "removed from all groups",
            _ => "with groups processed",
        }
    }
}

/// `limits.max_adobe_only_users`: above it, no Adobe-only user is changed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    /// At most this many.
    Count(u64),
    /// At most this percentage of the Adobe users read, less the excluded ones.
    Percent(f64),
}

impl Limit {
    /// The largest number allowed among `base` users.
    pub fn max(&self, base: u64) -> f64 {
        match *self {
            Limit::Count(n) => n as f64,
            Limit::Percent(p) => base as f64 * p / 100.0,
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::Count(n) => write!(f, "{n}"),
            Limit::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// Which directory users take part (user-sync's `--users`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum UserSelection {
    /// Every user the connector read.
    #[default]
    All,
    /// Users in at least one directory group of the mapping.
    Mapped,
    /// Users in at least one of these directory groups (exact names).
    Groups(Vec<String>),
}

/// An `additional_groups` rule: a directory group matching `source` (Python's `re.match`:
/// anchored at the start) is also an Adobe group named by substituting `target`.
#[derive(Debug, Clone)]
pub struct AdditionalGroup {
    /// The pattern, compiled anchored at the start.
    pub source: Regex,
    /// The replacement (`\1` and `\g<name>` as in Python, translated to `${1}`).
    pub target: String,
}

/// The rules of a sync.
#[derive(Debug, Clone)]
pub struct Rules {
    /// `--process-groups`: add users to the mapped groups they should be in, remove them from
    /// the mapped groups they should not be in.
    pub process_groups: bool,
    /// `--update-user-info`: update names, email and username of matched users.
    pub update_user_info: bool,
    /// `adobe_users.update_attributes`: which attributes are sent (the others are compared
    /// and reported).
    pub update_attributes: Vec<Attribute>,
    /// `directory_users.groups`: directory group → Adobe groups.
    pub mapping: BTreeMap<String, Vec<String>>,
    /// `directory_users.additional_groups`.
    pub additional_groups: Vec<AdditionalGroup>,
    /// `adobe_users.exclude_identity_types`.
    pub exclude_identity_types: Vec<IdentityType>,
    /// `adobe_users.exclude_adobe_groups` (members are never touched).
    pub exclude_adobe_groups: Vec<String>,
    /// `adobe_users.exclude_users`: full-match patterns on the username (the email where there
    /// is none), case-insensitive.
    pub exclude_users: Vec<Regex>,
    /// `--adobe-only-user-action`.
    pub adobe_only: AdobeOnlyAction,
    /// `limits.max_adobe_only_users`.
    pub max_adobe_only_users: Limit,
    /// `limits.group_removals_only`: only Adobe-only users who hold mapped groups (to be
    /// removed) are acted on.
    pub group_removals_only: bool,
    /// `--exclude-unmapped-users`: no new user without a mapped group.
    pub exclude_unmapped_users: bool,
    /// `--users`.
    pub users: UserSelection,
    /// `--user-filter`: a full-match pattern on the directory username, case-insensitive.
    pub user_filter: Option<Regex>,
    /// `directory_users.default_country_code`.
    pub default_country_code: Option<String>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            process_groups: false,
            update_user_info: false,
            update_attributes: vec![Attribute::FirstName, Attribute::LastName, Attribute::Email],
            mapping: BTreeMap::new(),
            additional_groups: Vec::new(),
            exclude_identity_types: Vec::new(),
            exclude_adobe_groups: Vec::new(),
            exclude_users: Vec::new(),
            adobe_only: AdobeOnlyAction::Preserve,
            max_adobe_only_users: Limit::Count(200),
            group_removals_only: false,
            exclude_unmapped_users: false,
            users: UserSelection::All,
            user_filter: None,
            default_country_code: None,
        }
    }
}

/// An attribute `--update-user-info` may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Attribute {
    /// `firstname`.
    FirstName,
    /// `lastname`.
    LastName,
    /// `email`.
    Email,
    /// `username`.
    Username,
}

impl Attribute {
    /// The name in the configuration and on the wire.
    pub fn name(self) -> &'static str {
        match self {
            Attribute::FirstName => "firstname",
            Attribute::LastName => "lastname",
            Attribute::Email => "email",
            Attribute::Username => "username",
        }
    }

    /// Parses a name of `update_attributes` (without case).
    pub fn parse(s: &str) -> Option<Attribute> {
        match normalize(s).as_str() {
            "firstname" => Some(Attribute::FirstName),
            "lastname" => Some(Attribute::LastName),
            "email" => Some(Attribute::Email),
            "username" => Some(Attribute::Username),
            _ => None,
        }
    }
}

/// Compiles a pattern of user-sync's configuration for a whole-string, case-insensitive match
/// (user-sync wraps it as `\A…\Z`). The pattern is grouped, so `a|b` means "a or b" where
/// user-sync's ungrouped wrapping reads it as "starts with a, or ends with b".
pub fn full_match(pattern: &str) -> Result<Regex, regex::Error> {
    regex::RegexBuilder::new(&format!(r"\A(?:{pattern})\z"))
        .case_insensitive(true)
        .build()
}

/// Compiles a pattern for Python's `re.match`: anchored at the start only, case-sensitive.
pub fn prefix_match(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!(r"\A(?:{pattern})"))
}

/// Translates a Python replacement (`\1`, `\g<1>`, `\g<name>`) to the regex crate's (`${1}`,
/// `${name}`), escaping a literal `$`.
pub fn python_replacement(target: &str) -> String {
    let mut out = String::with_capacity(target.len());
    let mut chars = target.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' => match chars.peek().copied() {
                Some(d) if d.is_ascii_digit() => {
                    let mut n = String::new();
                    while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                        n.push(d);
                        chars.next();
                    }
                    out.push_str(&format!("${{{n}}}"));
                }
                Some('g') => {
                    chars.next();
                    if chars.peek() == Some(&'<') {
                        chars.next();
                        let name: String = chars.by_ref().take_while(|c| *c != '>').collect();
                        out.push_str(&format!("${{{name}}}"));
                    } else {
                        out.push_str("\\g");
                    }
                }
                Some('\\') => {
                    chars.next();
                    out.push('\\');
                }
                _ => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_as_user_sync_means_them() {
        let r = full_match("admin.*|test@example.com").unwrap();
        assert!(r.is_match("Admin-1@x.com"));
        assert!(r.is_match("TEST@example.com"));
        assert!(!r.is_match("a-test@example.com"));
        let p = prefix_match("ACL_(.*)").unwrap();
        assert!(p.is_match("ACL_Design_x"));
        assert!(!p.is_match("x_ACL_Design"));
        assert!(
            !prefix_match("acl_").unwrap().is_match("ACL_x"),
            "case matters"
        );
        let lookaround = full_match("(?=x)y").unwrap_err().to_string();
        assert!(lookaround.contains("look-around"), "{lookaround}");
    }

    #[test]
    fn python_replacements_translate() {
        assert_eq!(python_replacement(r"Adobe-\1"), "Adobe-${1}");
        assert_eq!(python_replacement(r"\g<team>-\g<2>"), "${team}-${2}");
        assert_eq!(python_replacement("cost$"), "cost$$");
        let re = prefix_match("ACL_(.*)").unwrap();
        assert_eq!(
            re.replace_all("ACL_Design", python_replacement(r"Adobe-\1").as_str()),
            "Adobe-Design"
        );
    }

    #[test]
    fn limits() {
        assert_eq!(Limit::Count(5).max(1000), 5.0);
        assert_eq!(Limit::Percent(10.0).max(55), 5.5);
        assert_eq!(Limit::Percent(12.5).to_string(), "12.5%");
    }
}
