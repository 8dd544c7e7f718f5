//! Graph attributes: those kept on an association (`sudo` on a user–system edge, sent with
//! `op: add` or `op: update`) and those a traversal compiles over every path it found.
//!
//! Compiling follows what JumpCloud's admin documentation describes for sudo: the most
//! permissive path wins. Sudo is enabled when any path enables it, and without a password when
//! a path enabling it also drops the password. A user group's own `attributes.sudo` (its "grant
//! sudo on every bound device" setting) counts on every path that crosses the group and an
//! association. Any other attribute is taken from the first path that carries it.

use serde_json::{Map, Value, json};

use super::store::{Hop, JcStore, Kind};

/// The attributes compiled over `paths`, as a traversal's `compiledAttributes`.
pub(crate) fn compiled(store: &JcStore, paths: &[Vec<Hop>]) -> Value {
    let mut out = Map::new();
    for path in paths {
        let crosses_association = path.iter().any(|(a, _, b, _)| store.is_associated(a, b));
        for (a, ak, b, bk) in path {
            if let Some(attributes) = store.edge_attributes(a, b) {
                merge(&mut out, attributes);
            }
            if !crosses_association {
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

/// Merges one hop's attributes into what the paths so far grant.
fn merge(out: &mut Map<String, Value>, attributes: &Map<String, Value>) {
    for (name, value) in attributes {
        if name == "sudo" {
            merge_sudo(out, value);
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
        merge(&mut out, &sudo(false, false));
        assert_eq!(
            out["sudo"],
            json!({"enabled": false, "withoutPassword": false})
        );
        merge(&mut out, &sudo(true, false));
        assert_eq!(
            out["sudo"],
            json!({"enabled": true, "withoutPassword": false})
        );
        // Without a password only counts where sudo is enabled.
        merge(&mut out, &sudo(false, true));
        assert_eq!(
            out["sudo"],
            json!({"enabled": true, "withoutPassword": false})
        );
        merge(&mut out, &sudo(true, true));
        assert_eq!(
            out["sudo"],
            json!({"enabled": true, "withoutPassword": true})
        );
        merge(&mut out, &sudo(false, false));
        assert_eq!(
            out["sudo"],
            json!({"enabled": true, "withoutPassword": true})
        );
    }

    #[test]
    fn other_attributes_come_from_the_first_path() {
        let mut out = Map::new();
        merge(&mut out, json!({"ldap": 1}).as_object().unwrap());
        merge(
            &mut out,
            json!({"ldap": 2, "radius": 3}).as_object().unwrap(),
        );
        assert_eq!(Value::Object(out), json!({"ldap": 1, "radius": 3}));
    }
}
