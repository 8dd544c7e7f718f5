//! What UMAPI returns: users, groups, and the string enums in them.
//!
//! Decoding is tolerant: unknown fields are kept in `extra`, missing or null fields take their
//! defaults, and enum values this version does not know decode to `Unknown(..)`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// Defines a string enum with an `Unknown(String)` fallback and serde support.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this version of the crate does not know.
            Unknown(String),
        }

        impl $name {
            /// The wire form.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Unknown(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($wire => $name::$variant,)+
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok($name::from(s.as_str()))
            }
        }
    };
}

string_enum! {
    /// The three kinds of Adobe identity.
    IdentityType {
        /// A personal Adobe ID, owned by the user.
        AdobeId = "adobeID",
        /// An org-owned account in a claimed domain, with Adobe-hosted credentials.
        EnterpriseId = "enterpriseID",
        /// An org-owned account whose sign-in goes through the org's identity provider.
        FederatedId = "federatedID",
    }
}

string_enum! {
    /// The type of a group in the groups listing.
    GroupType {
        /// A user group.
        UserGroup = "USER_GROUP",
        /// A product profile.
        ProductProfile = "PRODUCT_PROFILE",
        /// The system administrators group.
        SysadminGroup = "SYSADMIN_GROUP",
        /// Deployment administrators.
        DeploymentAdminGroup = "DEPLOYMENT_ADMIN_GROUP",
        /// Support administrators.
        SupportAdminGroup = "SUPPORT_ADMIN_GROUP",
        /// Administrators of one product.
        ProductAdminGroup = "PRODUCT_ADMIN_GROUP",
        /// Administrators of one product profile.
        ProfileAdminGroup = "PROFILE_ADMIN_GROUP",
        /// Administrators of one user group.
        UserAdminGroup = "USER_ADMIN_GROUP",
        /// Developers of one product profile.
        DeveloperGroup = "DEVELOPER_GROUP",
        /// Administrators of one contract.
        ContractAdminGroup = "CONTRACT_ADMIN_GROUP",
    }
}

string_enum! {
    /// What a create step does when the user or group exists already.
    IfAlreadyExists {
        /// Skip the create and run the other steps (the default: a retried create must not fail).
        Ignore = "ignoreIfAlreadyExists",
        /// Apply the given names as an update, then run the other steps.
        Update = "updateIfAlreadyExists",
        /// Fail the command (sent as "no option").
        Error = "errorIfAlreadyExists",
    }
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A user as UMAPI lists it. Absent properties are `None` or empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    /// Adobe's opaque user id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Email address.
    #[serde(deserialize_with = "null_as_default")]
    pub email: String,
    /// Account status (`active`, `disabled`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Username (an email, or a plain name for some Federated IDs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Directory domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// First name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firstname: Option<String>,
    /// Last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lastname: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Identity type.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub identity_type: Option<IdentityType>,
    /// Groups, product profiles and admin groups the user belongs to.
    #[serde(
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub groups: Vec<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl User {
    /// First and last name, as one would write them (`"Jo Doe"`; either alone when the other
    /// is missing; `None` when both are).
    pub fn full_name(&self) -> Option<String> {
        let parts: Vec<&str> = [&self.firstname, &self.lastname]
            .into_iter()
            .filter_map(|p| p.as_deref().map(str::trim).filter(|p| !p.is_empty()))
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// A group, product profile or admin group as UMAPI lists it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Group {
    /// Numeric id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<i64>,
    /// Name.
    #[serde(deserialize_with = "null_as_default")]
    pub group_name: String,
    /// Type.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub group_type: Option<GroupType>,
    /// Number of members.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_count: Option<u64>,
    /// The admin group of this group, when one exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_group_name: Option<String>,
    /// Product of a product profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_name: Option<String>,
    /// Licence quota of a product profile (a string on the wire, e.g. `"100"` or `"UNLIMITED"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_quota: Option<String>,
    /// The user group administered by a `USER_ADMIN_GROUP`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_group_name: Option<String>,
    /// The product profile administered by an admin or developer group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_profile_name: Option<String>,
    /// The contract of a `CONTRACT_ADMIN_GROUP`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract_name: Option<String>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// A user group as UMAPI's deprecated user-group listing shows it ([`Client::user_groups`]).
///
/// [`Client::user_groups`]: crate::Client::user_groups
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UserGroup {
    /// Numeric id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<i64>,
    /// Name.
    #[serde(deserialize_with = "null_as_default")]
    pub name: String,
    /// Number of members.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_count: Option<u64>,
    /// The id of its admin group, when one exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_group_id: Option<i64>,
    /// Its admin group, when one exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_group_name: Option<String>,
    /// Number of admins (a string on the wire).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_count: Option<String>,
    /// Whether the group is read-only (shared from another organisation): its members cannot be
    /// changed, only the product profiles it grants.
    pub is_read_only: bool,
    /// Fields this version does not know (`type`, which is always `USER_GROUP`, among them).
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_decoding_is_tolerant() {
        let u: User = serde_json::from_str(
            r#"{"email":"a@example.com","type":"federatedID","groups":null,"firstname":null,
                "newField":{"x":1},"country":"US"}"#,
        )
        .unwrap();
        assert_eq!(u.email, "a@example.com");
        assert_eq!(u.identity_type, Some(IdentityType::FederatedId));
        assert!(u.groups.is_empty());
        assert_eq!(u.firstname, None);
        assert_eq!(u.extra["newField"]["x"], 1);
    }

    #[test]
    fn full_names() {
        let mut u = User {
            firstname: Some("Jo".into()),
            lastname: Some("Doe".into()),
            ..User::default()
        };
        assert_eq!(u.full_name().as_deref(), Some("Jo Doe"));
        u.firstname = Some(" ".into());
        assert_eq!(u.full_name().as_deref(), Some("Doe"));
        u.lastname = None;
        assert_eq!(u.full_name(), None);
    }

    #[test]
    fn unknown_enum_values_survive() {
        let g: Group = serde_json::from_str(
            r#"{"groupName":"X","type":"SHINY_NEW_GROUP","licenseQuota":"7"}"#,
        )
        .unwrap();
        assert_eq!(
            g.group_type,
            Some(GroupType::Unknown("SHINY_NEW_GROUP".into()))
        );
        assert_eq!(serde_json::to_value(&g).unwrap()["type"], "SHINY_NEW_GROUP");
        assert_eq!(g.license_quota.as_deref(), Some("7"));
    }
}
