//! The types of object JumpCloud's graph connects, and which of them may be associated: read
//! from the specs (each `…/associations` listing names its allowed `targets`), so the sandbox
//! allows exactly the edges the API documents.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

use super::spec::{In, spec};

/// A graph type (`GraphType` in the v2 spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Kind {
    User,
    System,
    UserGroup,
    SystemGroup,
    PolicyGroup,
    Application,
    Command,
    Policy,
    RadiusServer,
    LdapServer,
    GSuite,
    Office365,
    ActiveDirectory,
    SoftwareApp,
}

/// Every kind with its graph type name and its collection in v2 paths.
const NAMES: [(Kind, &str, &str); 14] = [
    (Kind::User, "user", "users"),
    (Kind::System, "system", "systems"),
    (Kind::UserGroup, "user_group", "usergroups"),
    (Kind::SystemGroup, "system_group", "systemgroups"),
    (Kind::PolicyGroup, "policy_group", "policygroups"),
    (Kind::Application, "application", "applications"),
    (Kind::Command, "command", "commands"),
    (Kind::Policy, "policy", "policies"),
    (Kind::RadiusServer, "radius_server", "radiusservers"),
    (Kind::LdapServer, "ldap_server", "ldapservers"),
    (Kind::GSuite, "g_suite", "gsuites"),
    (Kind::Office365, "office_365", "office365s"),
    (
        Kind::ActiveDirectory,
        "active_directory",
        "activedirectories",
    ),
    (Kind::SoftwareApp, "software_app", "softwareapps"),
];

/// The kinds a `…/directories` traversal answers.
pub(crate) const DIRECTORIES: [Kind; 4] = [
    Kind::ActiveDirectory,
    Kind::GSuite,
    Kind::LdapServer,
    Kind::Office365,
];

impl Kind {
    /// The graph type name (`user_group`).
    pub(crate) fn wire(self) -> &'static str {
        NAMES.iter().find(|n| n.0 == self).map_or("", |n| n.1)
    }

    /// From a graph type name.
    pub(crate) fn from_wire(s: &str) -> Option<Kind> {
        NAMES.iter().find(|n| n.1 == s).map(|n| n.0)
    }

    /// From the collection name in a path (`usergroups`).
    pub(crate) fn from_plural(s: &str) -> Option<Kind> {
        NAMES.iter().find(|n| n.2 == s).map(|n| n.0)
    }

    /// Whether objects of this kind are groups, kept by the core with their members.
    pub(crate) fn is_group(self) -> bool {
        self.member_kind().is_some()
    }

    /// The kind of a group's members.
    pub(crate) fn member_kind(self) -> Option<Kind> {
        match self {
            Kind::UserGroup => Some(Kind::User),
            Kind::SystemGroup => Some(Kind::System),
            Kind::PolicyGroup => Some(Kind::Policy),
            _ => None,
        }
    }

    /// Whether the two kinds can be associated directly, as the specs' association listings
    /// say (an edge allowed from either end is allowed).
    pub(crate) fn associates_with(self, other: Kind) -> bool {
        let rules = rules();
        let allows = |a: Kind, b: Kind| rules.get(&a).is_some_and(|t| t.contains(&b));
        allows(self, other) || allows(other, self)
    }
}

/// kind -> the kinds its `…/associations` listing may name as `targets`.
fn rules() -> &'static HashMap<Kind, Vec<Kind>> {
    static RULES: OnceLock<HashMap<Kind, Vec<Kind>>> = OnceLock::new();
    RULES.get_or_init(|| {
        let mut rules: HashMap<Kind, Vec<Kind>> = HashMap::new();
        for op in spec().ops() {
            if !(op.id.starts_with("graph_") && op.id.ends_with("AssociationsList")) {
                continue;
            }
            let Some(kind) = op.collection().and_then(Kind::from_plural) else {
                continue;
            };
            let targets = op
                .params
                .iter()
                .find(|p| p.location == In::Query && p.name == "targets");
            let names = targets
                .and_then(|p| p.schema.pointer("/i/e"))
                .and_then(Value::as_array);
            let entry = rules.entry(kind).or_default();
            for t in names.into_iter().flatten().filter_map(Value::as_str) {
                if let Some(k) = Kind::from_wire(t) {
                    entry.push(k);
                }
            }
        }
        rules
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn associations_follow_the_specs() {
        assert!(Kind::User.associates_with(Kind::System));
        assert!(Kind::System.associates_with(Kind::UserGroup));
        assert!(Kind::Application.associates_with(Kind::UserGroup));
        assert!(Kind::UserGroup.associates_with(Kind::Application));
        assert!(Kind::Policy.associates_with(Kind::SystemGroup));
        assert!(Kind::Command.associates_with(Kind::System));
        assert!(!Kind::User.associates_with(Kind::UserGroup));
        assert!(!Kind::Application.associates_with(Kind::System));
        assert!(!Kind::Command.associates_with(Kind::User));
        for (k, wire, plural) in NAMES {
            assert_eq!(Kind::from_wire(wire), Some(k));
            assert_eq!(Kind::from_plural(plural), Some(k));
        }
    }
}
