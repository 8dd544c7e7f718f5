//! Settings: credentials and endpoints from flags, environment variables or a profile of the
//! config file, each value remembering where it came from (for `idm config`).
//!
//! Precedence: flag > environment variable > profile > built-in default.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;
use serde::Deserialize;

use crate::errors::{CliError, CliResult};

/// One setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)] // "JumpcloudApiKey" names the setting, not the enum.
pub enum Key {
    /// JumpCloud API key.
    JumpcloudApiKey,
    /// JumpCloud organisation id (`x-org-id`).
    JumpcloudOrgId,
    /// JumpCloud console root.
    JumpcloudBaseUrl,
    /// UMAPI organisation id.
    UmapiOrgId,
    /// UMAPI OAuth client id.
    UmapiClientId,
    /// UMAPI OAuth client secret.
    UmapiClientSecret,
    /// UMAPI endpoint.
    UmapiEndpoint,
    /// Adobe IMS base URL.
    UmapiImsUrl,
    /// Extra root certificates (PEM).
    CaFile,
    /// Retries of a failed request (transient failures and throttling).
    Retries,
    /// The first wait before a retry, in seconds (doubling each time).
    RetryDelay,
    /// The longest `Retry-After` waited out, in seconds.
    MaxWait,
    /// How much faster than real time the UMAPI rate limits' minute passes (a sandbox run with
    /// `--time-scale`).
    RateTimeScale,
}

impl Key {
    /// Every key, in display order.
    pub const ALL: [Key; 13] = [
        Key::JumpcloudApiKey,
        Key::JumpcloudOrgId,
        Key::JumpcloudBaseUrl,
        Key::UmapiOrgId,
        Key::UmapiClientId,
        Key::UmapiClientSecret,
        Key::UmapiEndpoint,
        Key::UmapiImsUrl,
        Key::CaFile,
        Key::Retries,
        Key::RetryDelay,
        Key::MaxWait,
        Key::RateTimeScale,
    ];

    /// The name in the config file.
    pub fn name(self) -> &'static str {
        match self {
            Key::JumpcloudApiKey => "jumpcloud_api_key",
            Key::JumpcloudOrgId => "jumpcloud_org_id",
            Key::JumpcloudBaseUrl => "jumpcloud_base_url",
            Key::UmapiOrgId => "umapi_org_id",
            Key::UmapiClientId => "umapi_client_id",
            Key::UmapiClientSecret => "umapi_client_secret",
            Key::UmapiEndpoint => "umapi_endpoint",
            Key::UmapiImsUrl => "umapi_ims_url",
            Key::CaFile => "ca_file",
            Key::Retries => "retries",
            Key::RetryDelay => "retry_delay",
            Key::MaxWait => "max_wait",
            Key::RateTimeScale => "rate_time_scale",
        }
    }

    /// The environment variable (DESIGN.md's contract).
    pub fn env(self) -> &'static str {
        match self {
            Key::JumpcloudApiKey => "JUMPCLOUD_API_KEY",
            Key::JumpcloudOrgId => "JUMPCLOUD_ORG_ID",
            Key::JumpcloudBaseUrl => "JUMPCLOUD_BASE_URL",
            Key::UmapiOrgId => "UMAPI_ORG_ID",
            Key::UmapiClientId => "UMAPI_CLIENT_ID",
            Key::UmapiClientSecret => "UMAPI_CLIENT_SECRET",
            Key::UmapiEndpoint => "UMAPI_ENDPOINT",
            Key::UmapiImsUrl => "UMAPI_IMS_URL",
            Key::CaFile => "IDM_CA_FILE",
            Key::Retries => "IDM_RETRIES",
            Key::RetryDelay => "IDM_RETRY_DELAY",
            Key::MaxWait => "IDM_MAX_WAIT",
            Key::RateTimeScale => "IDM_RATE_TIME_SCALE",
        }
    }

    /// The command-line flag.
    pub fn flag(self) -> String {
        format!("--{}", self.name().replace('_', "-"))
    }

    /// Whether the value is masked when shown.
    pub fn is_secret(self) -> bool {
        matches!(self, Key::JumpcloudApiKey | Key::UmapiClientSecret)
    }

    /// Whether the value is a URL, shown with its password hidden (`http://u:****@host`).
    pub fn is_url(self) -> bool {
        matches!(
            self,
            Key::JumpcloudBaseUrl | Key::UmapiEndpoint | Key::UmapiImsUrl
        )
    }

    /// A value as it may be shown: a secret masked, a URL's password hidden.
    pub fn shown(self, value: &str) -> String {
        if self.is_secret() {
            mask(value)
        } else if self.is_url() {
            idm_http::redact_url(value).into_owned()
        } else {
            value.to_owned()
        }
    }

    /// The built-in default, if any.
    pub fn default_value(self) -> Option<&'static str> {
        match self {
            Key::JumpcloudBaseUrl => Some(jumpcloud::Region::Us.base_url()),
            Key::UmapiEndpoint => Some(umapi::DEFAULT_ENDPOINT),
            Key::UmapiImsUrl => Some("https://ims-na1.adobelogin.com"),
            Key::Retries => Some("3"),
            Key::RetryDelay => Some("2"),
            Key::MaxWait => Some("300"),
            Key::RateTimeScale => Some("1"),
            _ => None,
        }
    }
}

/// Credential and endpoint values: the flags every command accepts, and (the same names) a
/// `[profiles.NAME]` table of the config file. `Debug` masks the secrets.
#[derive(Default, Clone, Args, Deserialize)]
#[command(next_help_heading = "Credentials")]
#[serde(deny_unknown_fields)]
pub struct CredFlags {
    /// JumpCloud API key [env: JUMPCLOUD_API_KEY] (prefer the variable or a profile: flags show in `ps`).
    #[arg(long, global = true, value_name = "KEY", hide_short_help = true)]
    pub jumpcloud_api_key: Option<String>,
    /// JumpCloud organisation id, for multi-tenant admins [env: JUMPCLOUD_ORG_ID].
    #[arg(long, global = true, value_name = "ID", hide_short_help = true)]
    pub jumpcloud_org_id: Option<String>,
    /// JumpCloud console root, e.g. https://console.eu.jumpcloud.com [env: JUMPCLOUD_BASE_URL].
    #[arg(long, global = true, value_name = "URL", hide_short_help = true)]
    pub jumpcloud_base_url: Option<String>,
    /// UMAPI organisation id (…@AdobeOrg) [env: UMAPI_ORG_ID].
    #[arg(long, global = true, value_name = "ID", hide_short_help = true)]
    pub umapi_org_id: Option<String>,
    /// UMAPI OAuth client id [env: UMAPI_CLIENT_ID].
    #[arg(long, global = true, value_name = "ID", hide_short_help = true)]
    pub umapi_client_id: Option<String>,
    /// UMAPI OAuth client secret [env: UMAPI_CLIENT_SECRET].
    #[arg(long, global = true, value_name = "SECRET", hide_short_help = true)]
    pub umapi_client_secret: Option<String>,
    /// UMAPI endpoint [env: UMAPI_ENDPOINT].
    #[arg(long, global = true, value_name = "URL", hide_short_help = true)]
    pub umapi_endpoint: Option<String>,
    /// Adobe IMS base URL [env: UMAPI_IMS_URL].
    #[arg(long, global = true, value_name = "URL", hide_short_help = true)]
    pub umapi_ims_url: Option<String>,
    /// Extra root certificates, PEM [env: IDM_CA_FILE].
    #[arg(long, global = true, value_name = "FILE", hide_short_help = true)]
    pub ca_file: Option<String>,
    /// Retries of a failed request: connection failures, 5xx, throttling (default 3; 0: none)
    /// [env: IDM_RETRIES].
    #[arg(long, global = true, value_name = "N", hide_short_help = true)]
    pub retries: Option<String>,
    /// Seconds before the first retry, doubling for each next one up to 60 (default 2; a
    /// server's Retry-After wins) [env: IDM_RETRY_DELAY].
    #[arg(long, global = true, value_name = "SECONDS", hide_short_help = true)]
    pub retry_delay: Option<String>,
    /// The longest wait a server may ask for (`Retry-After`) that is waited out; a longer one
    /// fails the request at once (throttled: exit 6) (default 300) [env: IDM_MAX_WAIT].
    #[arg(long, global = true, value_name = "SECONDS", hide_short_help = true)]
    pub max_wait: Option<String>,
    /// UMAPI's rate limits run this many times faster than real time: for a sandbox served
    /// with `--throttle on --time-scale N`, so that the client paces itself to the sandbox's
    /// shortened minute (default 1) [env: IDM_RATE_TIME_SCALE].
    #[arg(long, global = true, value_name = "N", hide_short_help = true)]
    pub rate_time_scale: Option<String>,
}

impl std::fmt::Debug for CredFlags {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("CredFlags");
        for key in Key::ALL {
            let shown = self.get(key).map(|v| key.shown(v));
            d.field(key.name(), &shown);
        }
        d.finish()
    }
}

impl CredFlags {
    fn get(&self, key: Key) -> Option<&String> {
        match key {
            Key::JumpcloudApiKey => self.jumpcloud_api_key.as_ref(),
            Key::JumpcloudOrgId => self.jumpcloud_org_id.as_ref(),
            Key::JumpcloudBaseUrl => self.jumpcloud_base_url.as_ref(),
            Key::UmapiOrgId => self.umapi_org_id.as_ref(),
            Key::UmapiClientId => self.umapi_client_id.as_ref(),
            Key::UmapiClientSecret => self.umapi_client_secret.as_ref(),
            Key::UmapiEndpoint => self.umapi_endpoint.as_ref(),
            Key::UmapiImsUrl => self.umapi_ims_url.as_ref(),
            Key::CaFile => self.ca_file.as_ref(),
            Key::Retries => self.retries.as_ref(),
            Key::RetryDelay => self.retry_delay.as_ref(),
            Key::MaxWait => self.max_wait.as_ref(),
            Key::RateTimeScale => self.rate_time_scale.as_ref(),
        }
    }
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag.
    Flag,
    /// An environment variable.
    Env,
    /// A profile of the config file.
    Profile(String),
    /// The embedded sandbox (`--sandbox`).
    #[cfg_attr(not(feature = "sandbox"), allow(dead_code))]
    Sandbox,
    /// The built-in default.
    Default,
    /// Not set anywhere.
    Unset,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag => f.write_str("flag"),
            Source::Env => f.write_str("env"),
            Source::Profile(p) => write!(f, "profile {p}"),
            Source::Sandbox => f.write_str("sandbox"),
            Source::Default => f.write_str("default"),
            Source::Unset => f.write_str("unset"),
        }
    }
}

/// The config file: `default_profile` and `[profiles.NAME]` tables.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    default_profile: Option<String>,
    #[serde(default)]
    profiles: BTreeMap<String, CredFlags>,
}

/// The config file's path: `$IDM_CONFIG`, else `$XDG_CONFIG_HOME/idm/config.toml`, else
/// `$HOME/.config/idm/config.toml`.
pub fn config_path() -> Option<PathBuf> {
    let var = |n: &str| std::env::var_os(n).filter(|v| !v.is_empty());
    if let Some(p) = var("IDM_CONFIG") {
        return Some(PathBuf::from(p));
    }
    let base = var("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("idm").join("config.toml"))
}

/// Every setting resolved, with its source.
#[derive(Clone)]
pub struct Settings {
    values: Vec<(Key, Option<String>, Source)>,
    /// The config file consulted (it may not exist).
    pub file: Option<PathBuf>,
    /// The profile used, if any.
    pub profile: Option<String>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("file", &self.file)
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

fn env_value(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn read_file(path: &PathBuf) -> CliResult<Option<ConfigFile>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(CliError::usage(format!(
                "cannot read the config file {}: {e}",
                path.display()
            )));
        }
    };
    let config: ConfigFile = toml::from_str(&text).map_err(|e| {
        // toml's message names the line and column; keep it on one line.
        let msg = e.to_string().replace('\n', " ").replace("  ", " ");
        CliError::usage(format!(
            "config file {} is malformed: {}; fix it or point IDM_CONFIG elsewhere",
            path.display(),
            msg.trim()
        ))
    })?;
    warn_if_exposed(path, &config);
    Ok(Some(config))
}

/// Warns (once, on stderr) when a config file holding secrets can be read by other users.
#[cfg(unix)]
fn warn_if_exposed(path: &std::path::Path, config: &ConfigFile) {
    use std::os::unix::fs::PermissionsExt;
    let has_secret = config.profiles.values().any(|p| {
        Key::ALL
            .iter()
            .any(|k| k.is_secret() && p.get(*k).is_some())
    });
    let mode = std::fs::metadata(path)
        .map(|m| m.permissions().mode())
        .unwrap_or(0);
    if has_secret && mode & 0o077 != 0 {
        let shown = crate::sanitize::line(&path.display().to_string()).into_owned();
        eprintln!(
            "warning: {shown} holds secrets and other users can read it; run: chmod 600 {shown}"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_exposed(_path: &std::path::Path, _config: &ConfigFile) {}

impl Settings {
    /// Resolves every setting from the flags, the environment and the profile.
    ///
    /// The profile is `--profile`, else `IDM_PROFILE`, else the file's `default_profile`, else
    /// `default` when the file has one. Naming a profile the file does not have is an error.
    pub fn resolve(flags: &CredFlags, profile_flag: Option<&str>) -> CliResult<Settings> {
        let file = config_path();
        let parsed = match &file {
            Some(p) => read_file(p)?,
            None => None,
        };
        let asked = profile_flag
            .map(str::to_owned)
            .or_else(|| env_value("IDM_PROFILE"));
        let config = parsed.unwrap_or_default();
        let profile_name = match &asked {
            Some(name) => {
                if !config.profiles.contains_key(name) {
                    let known: Vec<&str> = config.profiles.keys().map(String::as_str).collect();
                    return Err(CliError::usage(format!(
                        "no profile {name:?} in {}; known profiles: {}",
                        file.as_ref()
                            .map(|p| p.display().to_string())
                            .unwrap_or_else(|| "the config file".into()),
                        if known.is_empty() {
                            "none".into()
                        } else {
                            known.join(", ")
                        }
                    )));
                }
                Some(name.clone())
            }
            None => match &config.default_profile {
                Some(name) if config.profiles.contains_key(name) => Some(name.clone()),
                Some(name) => {
                    return Err(CliError::usage(format!(
                        "default_profile {name:?} in {} names no [profiles.{name}] table",
                        file.as_ref()
                            .map(|p| p.display().to_string())
                            .unwrap_or_default()
                    )));
                }
                None => config
                    .profiles
                    .contains_key("default")
                    .then(|| "default".to_owned()),
            },
        };
        let profile = profile_name.as_ref().and_then(|n| config.profiles.get(n));
        let values = Key::ALL
            .iter()
            .map(|&key| {
                if let Some(v) = flags.get(key).filter(|v| !v.trim().is_empty()) {
                    (key, Some(v.clone()), Source::Flag)
                } else if let Some(v) = env_value(key.env()) {
                    (key, Some(v), Source::Env)
                } else if let (Some(v), Some(name)) = (
                    profile
                        .and_then(|p| p.get(key))
                        .filter(|v| !v.trim().is_empty()),
                    &profile_name,
                ) {
                    (key, Some(v.clone()), Source::Profile(name.clone()))
                } else if let Some(d) = key.default_value() {
                    (key, Some(d.to_owned()), Source::Default)
                } else {
                    (key, None, Source::Unset)
                }
            })
            .collect();
        Ok(Settings {
            values,
            file,
            profile: profile_name,
        })
    }

    /// The value of a setting.
    pub fn get(&self, key: Key) -> Option<&str> {
        self.values
            .iter()
            .find(|(k, _, _)| *k == key)
            .and_then(|(_, v, _)| v.as_deref())
    }

    /// The value of a setting and where it came from.
    pub fn value_and_source(&self, key: Key) -> (Option<&str>, &Source) {
        static UNSET: Source = Source::Unset;
        self.values
            .iter()
            .find(|(k, _, _)| *k == key)
            .map_or((None, &UNSET), |(_, v, s)| (v.as_deref(), s))
    }

    /// Replaces a value (the embedded sandbox's URLs and demo credentials).
    #[cfg_attr(not(feature = "sandbox"), allow(dead_code))]
    pub fn set(&mut self, key: Key, value: Option<String>, source: Source) {
        for entry in &mut self.values {
            if entry.0 == key {
                entry.1 = value.clone();
                entry.2 = source.clone();
            }
        }
    }

    /// Each setting as (name, shown value, source), secrets masked.
    pub fn display_rows(&self) -> Vec<(Key, String, Source)> {
        self.values
            .iter()
            .map(|(k, v, s)| {
                let shown = v.as_deref().map(|v| k.shown(v)).unwrap_or_default();
                (*k, shown, s.clone())
            })
            .collect()
    }
}

/// Shows only the last four characters of a long secret (`****abcd`), nothing of a short one.
pub fn mask(secret: &str) -> String {
    let n = secret.chars().count();
    if n <= 8 {
        "****".to_owned()
    } else {
        let tail: String = secret.chars().skip(n - 4).collect();
        format!("****{tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secrets() {
        assert_eq!(mask("short"), "****");
        assert_eq!(mask("0123456789abcdef"), "****cdef");
    }

    #[test]
    fn debug_never_shows_a_secret() {
        let flags = CredFlags {
            jumpcloud_api_key: Some("jc-key-very-secret-1234".into()),
            umapi_client_secret: Some("umapi-secret-very-secret-5678".into()),
            umapi_client_id: Some("client-id".into()),
            ..Default::default()
        };
        let shown = format!("{flags:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(
            shown.contains("****1234") && shown.contains("client-id"),
            "{shown}"
        );
    }

    #[test]
    fn url_passwords_are_hidden_when_shown() {
        let flags = CredFlags {
            jumpcloud_base_url: Some("http://u:PW-secret@host:8080".into()),
            umapi_endpoint: Some("https://a:PW-secret@umapi.example/v2/usermanagement".into()),
            ..Default::default()
        };
        let shown = format!("{flags:?}");
        assert!(!shown.contains("PW-secret"), "{shown}");
        assert!(shown.contains("http://u:****@host:8080"), "{shown}");
        assert_eq!(
            Key::UmapiImsUrl.shown("https://x:y@ims.example"),
            "https://x:****@ims.example"
        );
        assert_eq!(Key::UmapiOrgId.shown("a:b@c"), "a:b@c");
    }

    #[test]
    fn flags_are_named_after_keys() {
        assert_eq!(Key::UmapiClientSecret.flag(), "--umapi-client-secret");
        assert_eq!(Key::CaFile.env(), "IDM_CA_FILE");
    }

    #[test]
    fn config_file_rejects_unknown_keys_with_a_line() {
        let err = toml::from_str::<ConfigFile>("[profiles.a]\njumpcloud_api_kee = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
    }
}
