//! Graph attributes: those kept on an association (`sudo` on a user–system edge, sent with
//! `op: add` or `op: update`) and those a traversal compiles over every path it found.
//!
//! Compiling follows what JumpCloud's admin documentation describes for sudo: the most
//! permissive path wins. Sudo is enabled when any path enables it, and without a password when
//! a path enabling it also drops the password. Sudo is an attribute of a user–system edge only
//! (the specs type it on a user's and a system's associations); a user group's own
//! `attributes.sudo` (its "grant sudo on every bound device" setting) counts on every path that
//! crosses the group and reaches a system. Any other attribute is taken from the first path that
//! carries it.

use serde_json::{Map, Value, json};

use super::store::{Hop, JcStore, Kind};

/// The attributes compiled over `paths`, as a traversal's `compiledAttributes`.
pub(crate) fn compiled(store: &JcStore, paths: &[Vec<Hop>]) -> Value {
    let mut out = Map::new();
    for path in paths {
        let crosses_association = path.iter().any(|(a, _, b, _)| store.is_associated(a, b));
        let reaches_system = path
            .iter()
            .any(|(_, ak, _, bk)| *ak == Kind::System || *bk == Kind::System);
        for (a, ak, b, bk) in path {
            if let Some(attributes) = store.edge_attributes(a, b) {
                let user_system = matches!(
                    (ak, bk),
                    (Kind::User, Kind::System) | (Kind::System, Kind::User)
                );
                merge(&mut out, attributes, user_system);
            }
            if !(crosses_association && reaches_system) {
                continue;
            }
            for (id, kind) in [(a, *ak), (b, *bk)] {
                let group_sudo = (kind == Kind::UserGroup)
                    .then(|| store.group(kind, id))
                    .flatten()
                    .and_then(|g| g.get("attributes"))
                    .and_then(|attributes| attributes.get("sudo"));
                if let Some(sudo) = group_sudo {
                    merge_sudo(&mut out, sudo);
                }
            }
        }
    }
    Value::Object(out)
}

/// Merges one hop's attributes into what the paths so far grant (`sudo` only from a
/// user–system edge).
fn merge(out: &mut Map<String, Value>, attributes: &Map<String, Value>, user_system: bool) {
    for (name, value) in attributes {
        if name == "sudo" {
            if user_system {
                merge_sudo(out, value);
            }
        } else if !out.contains_key(name) {
            out.insert(name.clone(), value.clone());
        }
    }
}

/// The more permissive of the sudo granted so far and `sudo`.
fn merge_sudo(out: &mut Map<String, Value>, sudo: &Value) {
    let enabled = |v: &Value| v["enabled"].as_bool().unwrap_or(false);
    let without_password =
        |v: &Value| enabled(v) && v["withoutPassword"].as_bool().unwrap_or(false);
    let so_far = out.get("sudo").cloned().unwrap_or(Value::Null);
    out.insert(
        "sudo".into(),
        json!({
            "enabled": enabled(&so_far) || enabled(sudo),
            "withoutPassword": without_password(&so_far) || without_password(sudo),
        }),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sudo(enabled: bool, without_password: bool) -> Map<String, Value> {
        let v = json!({"sudo": {"enabled": enabled, "withoutPassword": without_password}});
        v.as_object().unwrap().clone()
    }

    #[test]
    fn the_most_permissive_sudo_wins() {
        let mut out = Map::new();
        merge(&mut out, &sudo(false, false), true);
        assert_eq!(
            out["sudo"],
            json!({"enabled": false, "withoutPassword": false})
        );
        merge(&mut out, &sudo(true, false), true);
        assert_eq!(
            out["sudo"],
            json!({"enabled": true, "withoutPassword": false})
        );
        // Without a password only counts where sudo is enabled.
        merge(&mut out, &sudo(false, true), true);
        assert_eq!(
            out["sudo"],
            json!({"enabled": true, "withoutPassword": false})
        );
        merge(&mut out, &sudo(true, true), true);
        assert_eq!(
            out["sudo"],
            json!({"enabled": true, "withoutPassword": true})
        );
        merge(&mut out, &sudo(false, false), true);
        assert_eq!(
            out["sudo"],
            json!({"enabled": true, "withoutPassword": true})
        );
    }

    #[test]
    fn other_attributes_come_from_the_first_path() {
        let mut out = Map::new();
        merge(&mut out, json!({"ldap": 1}).as_object().unwrap(), false);
        merge(
            &mut out,
            json!({"ldap": 2, "radius": 3}).as_object().unwrap(),
            false,
        );
        assert_eq!(Value::Object(out), json!({"ldap": 1, "radius": 3}));
        // Sudo on an edge that is not a user–system one grants nothing.
        let mut out = Map::new();
        merge(&mut out, &sudo(true, true), false);
        assert!(out.is_empty());
    }
}
