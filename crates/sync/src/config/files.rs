//! The three files as user-sync reads them: `user-sync-config.yml`, `connector-umapi.yml`,
//! `connector-csv.yml`, and idm's `connector-jumpcloud.yml`. Every key user-sync knows is here;
//! any other key is an error naming it (with the line, from the YAML reader).

use serde::{Deserialize, Deserializer};

/// `user-sync-config.yml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MainFile {
    pub adobe_users: Option<AdobeUsers>,
    pub directory_users: Option<DirectoryUsers>,
    pub limits: Option<Limits>,
    #[serde(default)]
    pub logging: Option<Logging>,
    #[serde(default)]
    pub invocation_defaults: Option<InvocationDefaults>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AdobeUsers {
    #[serde(default)]
    pub connectors: Option<AdobeConnectors>,
    #[serde(default, deserialize_with = "text_list")]
    pub exclude_identity_types: Vec<String>,
    #[serde(default, deserialize_with = "text_list")]
    pub exclude_adobe_groups: Vec<String>,
    #[serde(default, deserialize_with = "text_list")]
    pub exclude_users: Vec<String>,
    /// `None`: the default (firstname, lastname, email); `Some([])`: nothing is updated.
    #[serde(default, deserialize_with = "opt_text_list")]
    pub update_attributes: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AdobeConnectors {
    /// One file, or a list (secondary organisations as `{name: file}`).
    #[serde(default)]
    pub umapi: Option<serde_norway::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DirectoryUsers {
    #[serde(default, deserialize_with = "opt_text")]
    pub user_identity_type: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub default_country_code: Option<String>,
    #[serde(default)]
    pub connectors: Option<serde_norway::Mapping>,
    #[serde(default)]
    pub groups: Option<Vec<GroupMapping>>,
    #[serde(default)]
    pub additional_groups: Option<Vec<AdditionalGroupRule>>,
    #[serde(default)]
    pub group_sync_options: Option<GroupSyncOptions>,
    #[serde(default, deserialize_with = "opt_text")]
    pub extension: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GroupMapping {
    #[serde(deserialize_with = "text")]
    pub directory_group: String,
    #[serde(default, deserialize_with = "text_list")]
    pub adobe_groups: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AdditionalGroupRule {
    #[serde(deserialize_with = "text")]
    pub source: String,
    #[serde(deserialize_with = "text")]
    pub target: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GroupSyncOptions {
    #[serde(default, deserialize_with = "opt_yes_no")]
    pub auto_create: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Limits {
    #[serde(default, deserialize_with = "opt_text")]
    pub max_adobe_only_users: Option<String>,
    #[serde(default, deserialize_with = "opt_yes_no")]
    pub group_removals_only: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Logging {
    #[serde(default, deserialize_with = "opt_yes_no")]
    pub log_to_file: Option<bool>,
    #[serde(default, deserialize_with = "opt_text")]
    pub file_log_directory: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub file_log_name_format: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub file_log_level: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub console_log_level: Option<String>,
    #[serde(default, deserialize_with = "opt_yes_no")]
    pub log_progress: Option<bool>,
}

/// `invocation_defaults`: the command line's defaults, with the same names.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InvocationDefaults {
    #[serde(default, deserialize_with = "opt_text_list")]
    pub adobe_only_user_action: Option<Vec<String>>,
    #[serde(default, deserialize_with = "opt_text")]
    pub adobe_only_user_list: Option<String>,
    #[serde(default, deserialize_with = "opt_text_list")]
    pub adobe_users: Option<Vec<String>>,
    /// Accepted and without effect, as in user-sync (the file is already being read).
    #[allow(dead_code)]
    #[serde(default, deserialize_with = "opt_text")]
    pub config_filename: Option<String>,
    #[serde(default, deserialize_with = "opt_text_list")]
    pub connector: Option<Vec<String>>,
    #[serde(default, deserialize_with = "opt_text")]
    pub encoding_name: Option<String>,
    #[serde(default, deserialize_with = "opt_yes_no")]
    pub exclude_unmapped_users: Option<bool>,
    #[serde(default, deserialize_with = "opt_yes_no")]
    pub process_groups: Option<bool>,
    #[serde(default, deserialize_with = "opt_yes_no")]
    pub ssl_cert_verify: Option<bool>,
    #[serde(default, deserialize_with = "opt_text")]
    pub strategy: Option<String>,
    #[serde(default, deserialize_with = "opt_yes_no")]
    pub test_mode: Option<bool>,
    #[serde(default, deserialize_with = "opt_yes_no")]
    pub update_user_info: Option<bool>,
    #[serde(default, deserialize_with = "opt_text")]
    pub user_filter: Option<String>,
    #[serde(default, deserialize_with = "opt_text_list")]
    pub users: Option<Vec<String>>,
}

/// `connector-umapi.yml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UmapiFile {
    #[serde(default, deserialize_with = "opt_text")]
    pub authentication_method: Option<String>,
    #[serde(default)]
    pub server: Option<Server>,
    #[serde(default)]
    pub enterprise: Option<Enterprise>,
    #[serde(default, deserialize_with = "opt_yes_no")]
    pub ssl_verify: Option<bool>,
    /// Accepted and without effect on what is sent (user-sync counts with it).
    #[allow(dead_code)]
    #[serde(default, deserialize_with = "opt_yes_no")]
    pub trusted: Option<bool>,
    #[serde(default, deserialize_with = "opt_yes_no")]
    pub uses_business_id: Option<bool>,
    /// Accepted and without effect, as in user-sync (the command line's test mode wins).
    #[allow(dead_code)]
    #[serde(default, deserialize_with = "opt_yes_no")]
    pub test_mode: Option<bool>,
    #[serde(default, deserialize_with = "opt_yes_no")]
    pub ssl_cert_verify: Option<bool>,
    /// Accepted and without effect (a name in user-sync's logs).
    #[allow(dead_code)]
    #[serde(default, deserialize_with = "opt_text")]
    pub logger_name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Server {
    #[serde(default, deserialize_with = "opt_text")]
    pub host: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub endpoint: Option<String>,
    #[serde(default, deserialize_with = "opt_text", alias = "ims_host")]
    pub auth_host: Option<String>,
    #[serde(default, deserialize_with = "opt_text", alias = "ims_endpoint_jwt")]
    pub auth_endpoint: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub timeout: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub retries: Option<String>,
    #[serde(default, deserialize_with = "opt_yes_no")]
    pub ssl_verify: Option<bool>,
}

/// Credentials: each plain key or its `secure_*_key` keyring form.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Enterprise {
    #[serde(default, deserialize_with = "opt_text")]
    pub org_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text", alias = "tech_acct")]
    pub tech_acct_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub client_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub api_key: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub client_secret: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub priv_key_path: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub priv_key_data: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub priv_key_pass: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub secure_client_id_key: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub secure_api_key_key: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub secure_client_secret_key: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub secure_priv_key_data_key: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub secure_priv_key_pass_key: Option<String>,
}

/// Secrets are never shown.
impl std::fmt::Debug for Enterprise {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enterprise")
            .field("org_id", &self.org_id)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// `connector-jumpcloud.yml` (idm's own): a v1 filter and, optionally, the credentials.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct JumpcloudFile {
    #[serde(default, deserialize_with = "opt_text")]
    pub filter: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub api_key: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub org_id: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub base_url: Option<String>,
    /// Adobe field → JumpCloud attribute.
    #[serde(default)]
    pub attributes: Option<std::collections::BTreeMap<String, String>>,
}

/// `connector-csv.yml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CsvFile {
    /// Accepted and without effect, as in user-sync: the command line names the file.
    #[allow(dead_code)]
    #[serde(default, deserialize_with = "opt_text")]
    pub file_path: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub delimiter: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub string_encoding: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub email_column_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub first_name_column_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub last_name_column_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub country_column_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub groups_column_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub identity_type_column_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub username_column_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub domain_column_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub user_identity_type: Option<String>,
    /// Accepted and without effect (a name in user-sync's logs).
    #[allow(dead_code)]
    #[serde(default, deserialize_with = "opt_text")]
    pub logger_name: Option<String>,
}

// ---- YAML 1.1 as PyYAML reads it, where it differs from the YAML 1.2 reader's values.

/// A scalar as text: strings as they are, numbers and booleans as written (a group named `2024`
/// or a country `NO` stays what the user wrote).
fn scalar_text(v: serde_norway::Value) -> Result<String, String> {
    use serde_norway::Value;
    match v {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Err("a value is missing".into()),
        Value::Sequence(_) => Err("expected a single value, found a list".into()),
        Value::Mapping(_) => Err("expected a single value, found a mapping".into()),
        Value::Tagged(t) => scalar_text(t.value),
    }
}

fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    scalar_text(serde_norway::Value::deserialize(d)?).map_err(serde::de::Error::custom)
}

fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match serde_norway::Value::deserialize(d)? {
        serde_norway::Value::Null => Ok(None),
        v => scalar_text(v).map(Some).map_err(serde::de::Error::custom),
    }
}

/// A list, or one value standing for a list of one (user-sync's `get_list`); null is none.
fn opt_text_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    match serde_norway::Value::deserialize(d)? {
        serde_norway::Value::Null => Ok(None),
        serde_norway::Value::Sequence(items) => items
            .into_iter()
            .map(scalar_text)
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
            .map_err(serde::de::Error::custom),
        v => scalar_text(v)
            .map(|s| Some(vec![s]))
            .map_err(serde::de::Error::custom),
    }
}

fn text_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(opt_text_list(d)?.unwrap_or_default())
}

/// YAML 1.1 booleans: `true/false`, `yes/no`, `on/off` in any case (PyYAML's set).
pub(crate) fn yaml11_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" => Some(true),
        "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn opt_yes_no<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    use serde_norway::Value;
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b)),
        Value::String(s) => yaml11_bool(&s).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{s:?} is not a boolean: write true or false (yes/no and on/off also work)"
            ))
        }),
        other => Err(serde::de::Error::custom(format!(
            "expected a boolean (true or false), found {}",
            scalar_text(other).unwrap_or_else(|e| e)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_booleans_numbers_and_lists() {
        let f: MainFile = serde_norway::from_str(
            "invocation_defaults:\n  process_groups: Yes\n  test_mode: off\n  users: [file, users.csv]\n  adobe_only_user_action: preserve\ndirectory_users:\n  default_country_code: NO\n  groups:\n    - directory_group: 2024\n      adobe_groups: Default Profile\n",
        )
        .unwrap();
        let inv = f.invocation_defaults.unwrap();
        assert_eq!(
            (inv.process_groups, inv.test_mode),
            (Some(true), Some(false))
        );
        assert_eq!(inv.users.unwrap(), ["file", "users.csv"]);
        assert_eq!(inv.adobe_only_user_action.unwrap(), ["preserve"]);
        let d = f.directory_users.unwrap();
        assert_eq!(d.default_country_code.as_deref(), Some("NO"));
        let g = &d.groups.unwrap()[0];
        assert_eq!(
            (g.directory_group.as_str(), &g.adobe_groups[..]),
            ("2024", &["Default Profile".to_owned()][..])
        );
    }

    #[test]
    fn an_unknown_key_is_named_with_its_line() {
        let e = serde_norway::from_str::<MainFile>("adobe_users:\n  exclude_groups: [x]\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown field `exclude_groups`") && e.contains("line 2"),
            "{e}"
        );
        let e = serde_norway::from_str::<MainFile>("invocation_defaults:\n  test_mode: maybe\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"maybe\" is not a boolean"), "{e}");
    }
}
