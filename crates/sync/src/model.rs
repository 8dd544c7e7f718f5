//! The two sides a sync compares: directory users (from a connector) and Adobe users (UMAPI's
//! listing, [`umapi::User`]).

use serde::Serialize;
use umapi::IdentityType;

/// A user as the directory describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DirectoryUser {
    /// The Adobe identity type the user should have.
    #[serde(rename = "type")]
    pub identity_type: IdentityType,
    /// The Adobe username (an email, or a plain name in `domain` for some Federated IDs).
    pub username: String,
    /// The directory domain of a username that is not an email.
    pub domain: Option<String>,
    /// Email address.
    pub email: String,
    /// First name.
    pub firstname: Option<String>,
    /// Last name.
    pub lastname: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<String>,
    /// The directory groups the user is in (names as the directory spells them).
    pub groups: Vec<String>,
    /// Where the user was read (`users.csv:12`), for messages.
    pub origin: String,
}

/// A name as compared: trimmed and lowercased (Adobe compares emails, usernames and group names
/// without case).
pub fn normalize(s: &str) -> String {
    s.trim().to_lowercase()
}

/// Parses an identity type the way user-sync does: case-insensitively, trimmed.
pub fn parse_identity_type(s: &str) -> Option<IdentityType> {
    match normalize(s).as_str() {
        "adobeid" => Some(IdentityType::AdobeId),
        "enterpriseid" => Some(IdentityType::EnterpriseId),
        "federatedid" => Some(IdentityType::FederatedId),
        _ => None,
    }
}

/// The keys a user is matched by: its email and its username, normalized.
pub(crate) fn match_keys(email: &str, username: Option<&str>) -> (String, Option<String>) {
    let email = normalize(email);
    let username = username
        .map(normalize)
        .filter(|u| !u.is_empty() && *u != email);
    (email, username)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_types_parse_without_case() {
        assert_eq!(
            parse_identity_type(" FederatedID "),
            Some(IdentityType::FederatedId)
        );
        assert_eq!(parse_identity_type("adobeid"), Some(IdentityType::AdobeId));
        assert_eq!(parse_identity_type("enterprise"), None);
    }

    #[test]
    fn match_keys_drop_a_username_equal_to_the_email() {
        assert_eq!(
            match_keys("A@X.com", Some("a@x.COM")),
            ("a@x.com".into(), None)
        );
        assert_eq!(
            match_keys("a@x.com", Some("JDoe")),
            ("a@x.com".into(), Some("jdoe".into()))
        );
    }
}
