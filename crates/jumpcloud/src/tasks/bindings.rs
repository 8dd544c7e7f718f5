//! Which systems a user may log in to, and with what sudo: binding a user to a system, changing
//! its sudo, and reading the bindings back, direct or through groups.
//!
//! JumpCloud keeps sudo in three places: as an attribute of a user–system association
//! (`{"sudo": {"enabled": true, "withoutPassword": false}}`), on a user group (sudo on every
//! system bound to the group), and on the user (`sudo`, `passwordless_sudo`: sudo on every
//! system the user is bound to). A traversal (`/users/{id}/systems`) compiles the first two over
//! every path that binds a user and a system; [`Sudo::of_user`] reads the third, and `max`
//! combines them (levels are ordered from `Off` to `WithoutPassword`).

use crate::error::Result;
use crate::v2::models::{
    GraphAttributeSudoSudo, GraphObjectWithPaths, GraphOperationUser, GraphOperationUserAttributes,
    GraphOperationUserOp, GraphOperationUserType,
};

/// The sudo a user has on a system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub enum Sudo {
    /// No sudo.
    #[default]
    Off,
    /// Sudo, asking for the user's password.
    WithPassword,
    /// Sudo without a password.
    WithoutPassword,
}

impl Sudo {
    /// The sudo that graph attributes grant (an association's `attributes`, or a traversal's
    /// `compiledAttributes`); `Off` when they name none.
    pub fn from_attributes(attributes: Option<&serde_json::Value>) -> Sudo {
        let sudo = attributes.and_then(|a| a.get("sudo"));
        let flag = |name: &str| {
            sudo.and_then(|s| s.get(name))
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false)
        };
        match (flag("enabled"), flag("withoutPassword")) {
            (false, _) => Sudo::Off,
            (true, false) => Sudo::WithPassword,
            (true, true) => Sudo::WithoutPassword,
        }
    }

    /// The sudo a user's own settings grant on every system they are bound to (`sudo`, and
    /// `passwordless_sudo` with it).
    pub fn of_user(user: &crate::v1::models::Systemuserreturn) -> Sudo {
        match (user.sudo, user.passwordless_sudo) {
            (Some(true), Some(true)) => Sudo::WithoutPassword,
            (Some(true), _) => Sudo::WithPassword,
            _ => Sudo::Off,
        }
    }

    /// The `sudo` graph attribute for this level.
    pub fn attribute(self) -> GraphAttributeSudoSudo {
        GraphAttributeSudoSudo {
            enabled: Some(self != Sudo::Off),
            without_password: Some(self == Sudo::WithoutPassword),
        }
    }

    /// The level's name as the CLI writes it: `off`, `password` or `nopassword`.
    pub fn as_str(self) -> &'static str {
        match self {
            Sudo::Off => "off",
            Sudo::WithPassword => "password",
            Sudo::WithoutPassword => "nopassword",
        }
    }
}

impl std::fmt::Display for Sudo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Sudo {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Sudo, String> {
        match s.to_ascii_lowercase().as_str() {
            "off" | "none" | "no" => Ok(Sudo::Off),
            "password" | "on" | "yes" => Ok(Sudo::WithPassword),
            "nopassword" | "no-password" | "without-password" => Ok(Sudo::WithoutPassword),
            _ => Err(format!(
                "unknown sudo level {s:?}: write off, password or nopassword"
            )),
        }
    }
}

/// A system bound to a user ([`UsersApi::systems`](crate::v2::UsersApi::systems)), or a user
/// bound to a system ([`SystemsApi::users`](crate::v2::SystemsApi::users)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The id of the system (or the user) bound.
    pub id: String,
    /// The sudo the user has on the system, compiled over every path that binds the two: the
    /// most permissive one.
    pub sudo: Sudo,
    /// Bound directly (not only through a user group or a system group).
    pub direct: bool,
    /// How many paths bind the two (each would have to go to unbind them).
    pub paths: usize,
}

impl Binding {
    fn from_graph(object: GraphObjectWithPaths) -> Option<Binding> {
        Some(Binding {
            sudo: Sudo::from_attributes(object.compiled_attributes.as_ref()),
            direct: object.is_direct(),
            paths: object.paths.as_ref().map_or(0, Vec::len),
            id: object.id?,
        })
    }
}

fn operation(op: GraphOperationUserOp, system_id: &str, sudo: Option<Sudo>) -> GraphOperationUser {
    GraphOperationUser {
        id: Some(system_id.to_owned()),
        op: Some(op),
        r#type: Some(GraphOperationUserType::System),
        attributes: sudo.map(|s| GraphOperationUserAttributes {
            sudo: Some(s.attribute()),
        }),
    }
}

impl crate::v2::UsersApi {
    /// Binds the user `user_id` directly to the system `system_id`, idempotently. With a sudo
    /// level, the binding has that level, whether it is new or was there (its level is then
    /// set); without one, a new binding has no sudo and one that was there keeps its level.
    /// Returns whether the binding is new.
    ///
    /// A binding that was there is recognised by JumpCloud's `409` to a second `add`.
    pub async fn bind_system(
        &self,
        user_id: &str,
        system_id: &str,
        sudo: Option<Sudo>,
    ) -> Result<bool> {
        let add = operation(GraphOperationUserOp::Add, system_id, sudo);
        match self
            .graph_user_associations_post(user_id)
            .body(&add)
            .send()
            .await
        {
            Ok(()) => Ok(true),
            Err(e) if e.status() == Some(409) => {
                if let Some(sudo) = sudo {
                    self.set_sudo(user_id, system_id, sudo).await?;
                }
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// Sets the sudo of the direct binding of the user `user_id` to the system `system_id`
    /// (an error when there is none: bind first).
    pub async fn set_sudo(&self, user_id: &str, system_id: &str, sudo: Sudo) -> Result<()> {
        let update = operation(GraphOperationUserOp::Update, system_id, Some(sudo));
        self.graph_user_associations_post(user_id)
            .body(&update)
            .send()
            .await
    }

    /// Removes the direct binding of the user `user_id` to the system `system_id`; bindings
    /// through groups stay.
    pub async fn unbind_system(&self, user_id: &str, system_id: &str) -> Result<()> {
        let remove = operation(GraphOperationUserOp::Remove, system_id, None);
        self.graph_user_associations_post(user_id)
            .body(&remove)
            .send()
            .await
    }

    /// Every system the user `user_id` is bound to, directly or through groups, with the sudo
    /// compiled over the paths (the user's own sudo setting apart: see [`Sudo::of_user`]).
    pub async fn systems(&self, user_id: &str) -> Result<Vec<Binding>> {
        let found = self.graph_user_traverse_system(user_id).all().await?;
        Ok(found.into_iter().filter_map(Binding::from_graph).collect())
    }
}

impl crate::v2::SystemsApi {
    /// Every user who may log in to the system `system_id`, directly or through groups, with
    /// the sudo compiled over the paths (each user's own sudo setting apart: see
    /// [`Sudo::of_user`]).
    pub async fn users(&self, system_id: &str) -> Result<Vec<Binding>> {
        let found = self.graph_system_traverse_user(system_id).all().await?;
        Ok(found.into_iter().filter_map(Binding::from_graph).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sudo_reads_and_writes_the_graph_attribute() {
        for level in [Sudo::Off, Sudo::WithPassword, Sudo::WithoutPassword] {
            let attributes = json!({ "sudo": level.attribute() });
            assert_eq!(Sudo::from_attributes(Some(&attributes)), level);
            assert_eq!(level.as_str().parse::<Sudo>(), Ok(level));
        }
        // Without a password means nothing unless sudo is enabled.
        let odd = json!({"sudo": {"enabled": false, "withoutPassword": true}});
        assert_eq!(Sudo::from_attributes(Some(&odd)), Sudo::Off);
        assert_eq!(Sudo::from_attributes(Some(&json!({}))), Sudo::Off);
        assert_eq!(Sudo::from_attributes(None), Sudo::Off);
        let user = |sudo, passwordless| crate::v1::models::Systemuserreturn {
            sudo,
            passwordless_sudo: passwordless,
            ..Default::default()
        };
        assert_eq!(
            Sudo::of_user(&user(Some(true), Some(true))),
            Sudo::WithoutPassword
        );
        assert_eq!(Sudo::of_user(&user(Some(true), None)), Sudo::WithPassword);
        assert_eq!(Sudo::of_user(&user(None, Some(true))), Sudo::Off);
        assert_eq!(Sudo::WithPassword.max(Sudo::Off), Sudo::WithPassword);
        let err = "root".parse::<Sudo>().unwrap_err();
        assert!(err.contains("off, password or nopassword"), "{err}");
    }
}
