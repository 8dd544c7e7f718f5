//! Which JumpCloud attribute supplies each Adobe field: `connector-jumpcloud.yml`'s
//! `attributes:` mapping.
//!
//! A source is a system user attribute by its JSON name (`email`, `alternateEmail`,
//! `displayname`, `employeeIdentifier`, …), a field of the first address that has it
//! (`addresses.country`, `addresses.locality`, …), or a custom attribute (`attributes.NAME`).

use serde_json::Value;

/// The system user attributes a field may come from (string-valued, by their JSON names).
const USER_FIELDS: &[&str] = &[
    "email",
    "username",
    "firstname",
    "lastname",
    "middlename",
    "displayname",
    "alternateEmail",
    "employeeIdentifier",
    "employeeType",
    "department",
    "company",
    "costCenter",
    "jobTitle",
    "location",
    "organization",
    "description",
    "managedAppleId",
    "externalDn",
];

/// The address fields (`addresses.NAME`).
const ADDRESS_FIELDS: &[&str] = &[
    "country",
    "locality",
    "region",
    "postalCode",
    "streetAddress",
    "extendedAddress",
    "poBox",
    "type",
];

/// The source of each Adobe field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeMap {
    /// The Adobe email (default `email`).
    pub email: String,
    /// The first name (default `firstname`).
    pub firstname: String,
    /// The last name (default `lastname`).
    pub lastname: String,
    /// The Adobe username (default `email`: an Enterprise or Federated ID's username is
    /// usually its email, while JumpCloud's `username` is a short login name). With a source
    /// that is not an email, the user's domain is the email's.
    pub username: String,
    /// The country, as an ISO code or an English name (default `addresses.country`).
    pub country: String,
}

impl AttributeMap {
    /// The top-level JumpCloud fields a sync reads: the mapped sources (`addresses` for
    /// `addresses.country`), and what says whether a user is present.
    pub fn fields_read(&self) -> Vec<String> {
        let mut out: Vec<String> = ["username", "email", "state", "activated", "suspended"]
            .iter()
            .map(|f| (*f).to_owned())
            .collect();
        for source in [
            &self.email,
            &self.firstname,
            &self.lastname,
            &self.username,
            &self.country,
        ] {
            let top = source.split('.').next().unwrap_or(source).to_owned();
            if !out.contains(&top) {
                out.push(top);
            }
        }
        out
    }
}

impl Default for AttributeMap {
    fn default() -> Self {
        AttributeMap {
            email: "email".into(),
            firstname: "firstname".into(),
            lastname: "lastname".into(),
            username: "email".into(),
            country: "addresses.country".into(),
        }
    }
}

impl AttributeMap {
    /// Sets `field` (email, firstname, lastname, username, country) to come from `source`;
    /// an unknown field or source is an error saying what is known.
    pub fn set(&mut self, field: &str, source: &str) -> Result<(), String> {
        let slot = match field {
            "email" => &mut self.email,
            "firstname" => &mut self.firstname,
            "lastname" => &mut self.lastname,
            "username" => &mut self.username,
            "country" => &mut self.country,
            other => {
                return Err(format!(
                    "attributes.{other}: not an Adobe field idm maps (email, firstname, lastname, username, country)"
                ));
            }
        };
        check_source(source).map_err(|e| format!("attributes.{field}: {e}"))?;
        *slot = source.to_owned();
        Ok(())
    }
}

fn check_source(source: &str) -> Result<(), String> {
    let ok = match source.split_once('.') {
        Some(("addresses", f)) => ADDRESS_FIELDS.contains(&f),
        Some(("attributes", name)) => !name.is_empty(),
        Some(_) => false,
        None => USER_FIELDS.contains(&source),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{source:?} is not a JumpCloud system user attribute idm reads: use one of {}, addresses.FIELD ({}) or attributes.NAME (a custom attribute)",
            USER_FIELDS.join(", "),
            ADDRESS_FIELDS.join(", ")
        ))
    }
}

/// The text of `source` for one system user (as JSON); `None` when absent or empty.
pub(super) fn value(user: &Value, source: &str) -> Option<String> {
    let text = |v: &Value| match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match source.split_once('.') {
        Some(("addresses", field)) => user
            .get("addresses")?
            .as_array()?
            .iter()
            .find_map(|a| a.get(field).and_then(text)),
        Some(("attributes", name)) => user
            .get("attributes")?
            .as_array()?
            .iter()
            .find(|a| a.get("name").and_then(Value::as_str) == Some(name))
            .and_then(|a| a.get("value").and_then(text)),
        _ => user.get(source).and_then(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_mapped_fields_are_asked_for() {
        let mut map = AttributeMap::default();
        map.set("username", "attributes.badge").unwrap();
        let fields = map.fields_read();
        for f in [
            "email",
            "state",
            "suspended",
            "addresses",
            "attributes",
            "firstname",
        ] {
            assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
        }
        assert!(!fields.iter().any(|x| x == "jobTitle"));
        let mut once = fields.clone();
        once.dedup();
        assert_eq!(once.len(), fields.len());
    }

    #[test]
    fn sources_are_checked_and_read() {
        let u = json!({
            "email": "jo@example.com", "alternateEmail": " jo.work@example.com ",
            "addresses": [{"locality": "Oslo"}, {"country": "Norway"}],
            "attributes": [{"name": "adobeCountry", "value": "NO"}, {"name": "n", "value": 7}],
            "firstname": ""
        });
        assert_eq!(
            value(&u, "alternateEmail").as_deref(),
            Some("jo.work@example.com")
        );
        assert_eq!(value(&u, "addresses.country").as_deref(), Some("Norway"));
        assert_eq!(value(&u, "attributes.adobeCountry").as_deref(), Some("NO"));
        assert_eq!(value(&u, "attributes.n").as_deref(), Some("7"));
        assert_eq!(value(&u, "firstname"), None, "empty is absent");
        let mut m = AttributeMap::default();
        m.set("country", "attributes.adobeCountry").unwrap();
        assert_eq!(m.country, "attributes.adobeCountry");
        let e = m.set("email", "emial").unwrap_err();
        assert!(
            e.contains("attributes.email: \"emial\" is not a JumpCloud system user attribute"),
            "{e}"
        );
        assert!(
            m.set("phone", "email")
                .unwrap_err()
                .contains("attributes.phone")
        );
    }
}
