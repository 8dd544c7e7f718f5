//! user-sync's configuration, read as user-sync reads it: the main file
//! (`user-sync-config.yml`), the UMAPI connector file, the CSV connector file and the command
//! line, with `invocation_defaults` between the built-in defaults and the command line.
//!
//! Paths in a file are relative to that file; paths on the command line to the working
//! directory. A key or value of a feature idm does not have yet is an error that names it.

mod files;
mod keyring;
mod umapi_file;

use std::path::{Path, PathBuf};

use umapi::IdentityType;

use crate::csv_directory::CsvOptions;
use crate::model::{normalize, parse_identity_type};
use crate::rules::{
    AdditionalGroup, AdobeOnlyAction, Attribute, Limit, Rules, UserSelection, full_match,
    prefix_match, python_replacement,
};
use files::{CsvFile, InvocationDefaults, MainFile};
use umapi_file::umapi_connection;
pub use umapi_file::{UmapiAuth, UmapiConnection};

/// A configuration that cannot be used: the file (and line, when a key is to blame) and what
/// to fix. Shown as `FILE:LINE: key: what is wrong`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{}{message}",
    file.as_ref().map(|f| match line {
        Some(n) => format!("{}:{n}: ", f.display()),
        None => format!("{}: ", f.display()),
    }).unwrap_or_default()
)]
pub struct ConfigError {
    /// The file at fault, if any.
    pub file: Option<PathBuf>,
    /// The line of the key at fault, when the message starts with a key (`a.b.c: ...`).
    pub line: Option<usize>,
    /// What is wrong and how to fix it.
    pub message: String,
}

fn err(file: Option<&Path>, message: impl Into<String>) -> ConfigError {
    let message = message.into();
    let line = file.and_then(|f| key_line(f, &message));
    ConfigError {
        file: file.map(Path::to_owned),
        line,
        message,
    }
}

/// The line of the key a message starts with (`adobe_users.exclude_users: ...`): the first line
/// of the file that sets its last segment.
fn key_line(file: &Path, message: &str) -> Option<usize> {
    let (key, _) = message.split_once(": ")?;
    if key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return None;
    }
    let last = key.rsplit('.').next()?;
    let text = std::fs::read_to_string(file).ok()?;
    text.lines()
        .position(|l| {
            let l = l.trim_start().trim_start_matches("- ");
            l.strip_prefix(last)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|i| i + 1)
}

/// The `sync` command line as given: `None` is "not given" (then `invocation_defaults`, then
/// user-sync's default, apply). Multi-word options keep their words (`["file", "users.csv"]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invocation {
    /// `-c/--config-filename` (default `user-sync-config.yml`).
    pub config_filename: Option<PathBuf>,
    /// `--users all | file PATH | mapped | group NAMES`.
    pub users: Option<Vec<String>>,
    /// `--connector csv PATH | ldap | okta | adobe_console`.
    pub connector: Option<Vec<String>>,
    /// `--process-groups` / `--no-process-groups`.
    pub process_groups: Option<bool>,
    /// `--update-user-info` / `--no-update-user-info`.
    pub update_user_info: Option<bool>,
    /// `--adobe-only-user-action preserve | exclude | write-file PATH | delete | remove |
    /// remove-adobe-groups`.
    pub adobe_only_user_action: Option<Vec<String>>,
    /// `--adobe-only-user-list PATH`.
    pub adobe_only_user_list: Option<String>,
    /// `--adobe-users all | mapped | group NAMES`.
    pub adobe_users: Option<Vec<String>>,
    /// `-t/--test-mode` / `-T/--no-test-mode`.
    pub test_mode: Option<bool>,
    /// `--strategy sync | push`.
    pub strategy: Option<String>,
    /// `--user-filter PATTERN`.
    pub user_filter: Option<String>,
    /// `--exclude-unmapped-users` (`true`) / `--include-unmapped-users` (`false`).
    pub exclude_unmapped_users: Option<bool>,
}

/// Where the directory users come from.
#[derive(Debug, Clone)]
pub enum DirectorySource {
    /// A CSV file, read with these columns.
    Csv {
        /// The file (relative to the working directory, as user-sync).
        path: PathBuf,
        /// Columns and defaults.
        options: CsvOptions,
    },
    /// JumpCloud (`--connector jumpcloud`).
    Jumpcloud {
        /// What to read.
        options: crate::jumpcloud_directory::JumpcloudOptions,
        /// The connection the connector file gives; `None`: idm's own settings.
        connection: Option<JumpcloudConnection>,
    },
}

/// A JumpCloud connection from `connector-jumpcloud.yml`.
#[derive(Clone, PartialEq, Eq)]
pub struct JumpcloudConnection {
    /// The API key.
    pub api_key: String,
    /// `x-org-id`, for multi-tenant keys.
    pub org_id: Option<String>,
    /// The console root (`https://console.eu.jumpcloud.com` in the EU).
    pub base_url: Option<String>,
}

impl std::fmt::Debug for JumpcloudConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JumpcloudConnection")
            .field("org_id", &self.org_id)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl JumpcloudConnection {
    /// Sets these settings on a client builder.
    pub fn configure(&self, b: jumpcloud::ClientBuilder) -> jumpcloud::ClientBuilder {
        let mut b = b.api_key(&self.api_key);
        if let Some(o) = &self.org_id {
            b = b.org_id(o);
        }
        if let Some(u) = &self.base_url {
            b = b.base_url(u);
        }
        b
    }
}

/// `logging:` as the files set it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LoggingConfig {
    /// Also write the log to a file.
    pub log_to_file: bool,
    /// Its directory (relative to the main configuration file).
    pub file_log_directory: PathBuf,
    /// Its name, a strftime-like pattern (`{:%Y-%m-%d}.log`).
    pub file_log_name_format: String,
    /// `debug`, `info`, `warning`, `error` or `critical`.
    pub file_log_level: String,
    /// The same, for the console.
    pub console_log_level: String,
    /// Progress lines (`N/T (P%) actions completed`).
    pub log_progress: bool,
}

/// Everything a sync run needs, resolved.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// The main configuration file.
    pub config_file: PathBuf,
    /// The planner's rules.
    pub rules: Rules,
    /// The directory.
    pub directory: DirectorySource,
    /// The UMAPI connection; `None` when no connector file is named (then idm's own settings:
    /// environment variables or a profile).
    pub umapi: Option<UmapiConnection>,
    /// `--test-mode`: every action is sent with UMAPI's `testOnly`.
    pub test_mode: bool,
    /// `logging:`.
    pub logging: LoggingConfig,
    /// `--adobe-users`: which Adobe users are read.
    pub adobe_users: AdobeUsers,
    /// `group_sync_options.auto_create`: create the mapped user groups Adobe does not have
    /// (with `--process-groups`, `--strategy sync`).
    pub auto_create: bool,
    /// `--adobe-only-user-list FILE`: act on the Adobe-only users this file lists (as
    /// `write-file` writes them); neither the directory nor Adobe is read.
    pub adobe_only_user_list: Option<PathBuf>,
    /// `--strategy push`: Adobe is not read; every directory user is sent (see
    /// [`plan_push`](crate::plan_push)).
    pub push: bool,
}

/// Which Adobe users a sync reads (user-sync's `--adobe-users`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdobeUsers {
    /// Every user of the organisation.
    All,
    /// The members of these groups (`mapped`: every Adobe group of the mapping; `group
    /// NAMES`: these). Adobe users outside them are neither matched nor Adobe-only.
    Groups(Vec<String>),
}

fn adobe_users(
    words: &[String],
    rules: &Rules,
    file: Option<&Path>,
) -> Result<AdobeUsers, ConfigError> {
    match words {
        [w] if normalize(w) == "all" => Ok(AdobeUsers::All),
        [w] if normalize(w) == "mapped" => {
            let mut groups: Vec<String> = Vec::new();
            for g in rules.mapping.values().flatten() {
                if !groups.iter().any(|x| normalize(x) == normalize(g)) {
                    groups.push(g.clone());
                }
            }
            Ok(AdobeUsers::Groups(groups))
        }
        [w, names] if normalize(w) == "group" => Ok(AdobeUsers::Groups(
            names.split(',').map(str::to_owned).collect(),
        )),
        _ => Err(err(
            file,
            format!(
                "--adobe-users {}: use all, mapped, or group NAMES (comma-separated)",
                words.join(" ")
            ),
        )),
    }
}

/// Reads the configuration files named by `invocation` (and by each other) and resolves the
/// command line against `invocation_defaults`.
pub fn load(invocation: &Invocation) -> Result<SyncConfig, ConfigError> {
    let config_file = invocation
        .config_filename
        .clone()
        .unwrap_or_else(|| PathBuf::from("user-sync-config.yml"));
    let main: MainFile = read_yaml(&config_file)?;
    let dir = config_file.parent().map(Path::to_owned).unwrap_or_default();
    let file = Some(config_file.as_path());
    let defaults = main.invocation_defaults.unwrap_or_default();
    let inv = resolve(invocation, &defaults);

    let adobe = main
        .adobe_users
        .ok_or_else(|| err(file, "'adobe_users' must be specified"))?;
    let directory_users = main
        .directory_users
        .ok_or_else(|| err(file, "'directory_users' must be specified"))?;
    let limits = main.limits.ok_or_else(|| {
        err(
            file,
            "'limits' must be specified, with max_adobe_only_users",
        )
    })?;

    let mut rules = Rules {
        process_groups: inv.process_groups,
        update_user_info: inv.update_user_info,
        exclude_unmapped_users: inv.exclude_unmapped_users,
        ..Rules::default()
    };
    rules.max_adobe_only_users = parse_limit(limits.max_adobe_only_users.as_deref())
        .map_err(|m| err(file, format!("limits.max_adobe_only_users: {m}")))?;
    rules.group_removals_only = limits.group_removals_only.unwrap_or(false);
    read_adobe_users(&adobe, &mut rules, file)?;
    let new_account_type = match &directory_users.user_identity_type {
        Some(t) => parse_identity_type(t).ok_or_else(|| {
            err(
                file,
                format!("directory_users.user_identity_type: {t:?} is not adobeID, enterpriseID or federatedID"),
            )
        })?,
        None => IdentityType::EnterpriseId,
    };
    read_directory_users(&directory_users, &mut rules, file)?;
    apply_invocation(&inv, &mut rules, file)?;
    let adobe_users = adobe_users(&inv.adobe_users, &rules, file)?;

    let umapi = umapi_connection(&adobe, &dir, file)?;
    // With an Adobe-only list, no directory is read: any connector will do.
    let directory = match &inv.adobe_only_user_list {
        Some(_) => DirectorySource::Csv {
            path: PathBuf::new(),
            options: CsvOptions::default(),
        },
        None => directory_source(&inv, &directory_users, &dir, new_account_type, file)?,
    };
    let logging = logging(main.logging.unwrap_or_default(), &dir);
    if let Some(enc) = &defaults.encoding_name
        && !is_utf8(enc)
    {
        return Err(err(
            file,
            format!(
                "invocation_defaults.encoding_name: {enc:?} is not supported; save the configuration files as UTF-8"
            ),
        ));
    }
    if defaults.ssl_cert_verify == Some(false) {
        return Err(err(
            file,
            "invocation_defaults.ssl_cert_verify: false is not supported: idm always verifies TLS; give the extra root certificate in IDM_CA_FILE instead",
        ));
    }
    Ok(SyncConfig {
        config_file,
        rules,
        directory,
        umapi,
        test_mode: inv.test_mode,
        logging,
        adobe_users,
        push: inv.strategy == "push",
        auto_create: directory_users
            .group_sync_options
            .as_ref()
            .and_then(|o| o.auto_create)
            .unwrap_or(false),
        adobe_only_user_list: inv.adobe_only_user_list.as_ref().map(PathBuf::from),
    })
}

fn read_yaml<T: serde::de::DeserializeOwned + Default>(path: &Path) -> Result<T, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        err(
            Some(path),
            format!("cannot read it: {e}; name the configuration file with -c"),
        )
    })?;
    if text.trim().is_empty() {
        return Ok(T::default());
    }
    serde_norway::from_str(&text).map_err(|e| err(Some(path), e.to_string()))
}

/// The options in force: the command line, else `invocation_defaults`, else user-sync's.
struct Resolved {
    users: Vec<String>,
    connector: Vec<String>,
    process_groups: bool,
    update_user_info: bool,
    adobe_only_user_action: Vec<String>,
    adobe_only_user_list: Option<String>,
    adobe_users: Vec<String>,
    test_mode: bool,
    strategy: String,
    user_filter: Option<String>,
    exclude_unmapped_users: bool,
}

fn resolve(cli: &Invocation, d: &InvocationDefaults) -> Resolved {
    let list = |cli: &Option<Vec<String>>, file: &Option<Vec<String>>, default: &str| {
        cli.clone()
            .or_else(|| file.clone().filter(|l| !l.is_empty()))
            .unwrap_or_else(|| vec![default.to_owned()])
    };
    Resolved {
        users: list(&cli.users, &d.users, "all"),
        connector: list(&cli.connector, &d.connector, "ldap"),
        process_groups: cli.process_groups.or(d.process_groups).unwrap_or(false),
        update_user_info: cli.update_user_info.or(d.update_user_info).unwrap_or(false),
        adobe_only_user_action: list(
            &cli.adobe_only_user_action,
            &d.adobe_only_user_action,
            "preserve",
        ),
        adobe_only_user_list: cli
            .adobe_only_user_list
            .clone()
            .or_else(|| d.adobe_only_user_list.clone().filter(|s| !s.is_empty())),
        adobe_users: list(&cli.adobe_users, &d.adobe_users, "all"),
        test_mode: cli.test_mode.or(d.test_mode).unwrap_or(false),
        strategy: cli
            .strategy
            .clone()
            .or_else(|| d.strategy.clone().filter(|s| !s.is_empty()))
            .unwrap_or_else(|| "sync".into()),
        user_filter: cli
            .user_filter
            .clone()
            .or_else(|| d.user_filter.clone().filter(|s| !s.is_empty())),
        exclude_unmapped_users: cli
            .exclude_unmapped_users
            .or(d.exclude_unmapped_users)
            .unwrap_or(false),
    }
}

/// `200`, `"200"` or `"10%"`.
fn parse_limit(v: Option<&str>) -> Result<Limit, String> {
    let v = v.ok_or("missing: set a count (200) or a percentage (10%)")?;
    let v = v.trim();
    if let Some(p) = v.strip_suffix('%') {
        let p: f64 = p
            .trim()
            .parse()
            .map_err(|_| format!("{v:?} is not a percentage (10%)"))?;
        if !(0.0..=100.0).contains(&p) {
            return Err(format!("{v:?}: a percentage is from 0% to 100%"));
        }
        return Ok(Limit::Percent(p));
    }
    v.parse::<u64>()
        .map(Limit::Count)
        .map_err(|_| format!("{v:?} is not a count (200) or a percentage (10%)"))
}

fn read_adobe_users(
    adobe: &files::AdobeUsers,
    rules: &mut Rules,
    file: Option<&Path>,
) -> Result<(), ConfigError> {
    for t in &adobe.exclude_identity_types {
        rules.exclude_identity_types.push(parse_identity_type(t).ok_or_else(|| {
            err(
                file,
                format!("adobe_users.exclude_identity_types: {t:?} is not adobeID, enterpriseID or federatedID"),
            )
        })?);
    }
    rules.exclude_adobe_groups = adobe.exclude_adobe_groups.clone();
    for p in &adobe.exclude_users {
        rules.exclude_users.push(full_match(p).map_err(|e| {
            err(
                file,
                format!("adobe_users.exclude_users: {p:?} is not a pattern idm can use: {e}"),
            )
        })?);
    }
    if let Some(attrs) = &adobe.update_attributes {
        rules.update_attributes = attrs
            .iter()
            .map(|a| {
                Attribute::parse(a).ok_or_else(|| {
                    err(
                        file,
                        format!("adobe_users.update_attributes: {a:?} is not firstname, lastname, email or username"),
                    )
                })
            })
            .collect::<Result<_, _>>()?;
    }
    Ok(())
}

fn read_directory_users(
    d: &files::DirectoryUsers,
    rules: &mut Rules,
    file: Option<&Path>,
) -> Result<(), ConfigError> {
    rules.default_country_code = d.default_country_code.clone();
    for m in d.groups.iter().flatten() {
        let targets = rules.mapping.entry(m.directory_group.clone()).or_default();
        for g in &m.adobe_groups {
            if g.trim().is_empty() {
                return Err(err(
                    file,
                    format!(
                        "directory_users.groups: an empty Adobe group for the directory group {:?}",
                        m.directory_group
                    ),
                ));
            }
            if g.contains("::") {
                return Err(err(
                    file,
                    format!(
                        "directory_users.groups: {g:?} names a group of another organisation (secondary UMAPI connectors), which idm sync does not support yet"
                    ),
                ));
            }
            if !targets.iter().any(|t| normalize(t) == normalize(g)) {
                targets.push(g.clone());
            }
        }
    }
    for rule in d.additional_groups.iter().flatten() {
        let source = prefix_match(&rule.source).map_err(|e| {
            err(
                file,
                format!(
                    "directory_users.additional_groups: source {:?} is not a pattern idm can use: {e}",
                    rule.source
                ),
            )
        })?;
        rules.additional_groups.push(AdditionalGroup {
            source,
            target: python_replacement(&rule.target),
        });
    }
    if d.extension.is_some() {
        return Err(err(
            file,
            "directory_users.extension: user-sync's Python extensions cannot run in idm sync",
        ));
    }
    Ok(())
}

fn apply_invocation(
    inv: &Resolved,
    rules: &mut Rules,
    file: Option<&Path>,
) -> Result<(), ConfigError> {
    rules.adobe_only = match inv.adobe_only_user_action.as_slice() {
        [a, rest @ ..] => match (normalize(a).as_str(), rest) {
            ("preserve", _) => AdobeOnlyAction::Preserve,
            ("exclude", _) => AdobeOnlyAction::Exclude,
            ("write-file", [path]) => AdobeOnlyAction::WriteFile(path.clone()),
            ("write-file", _) => {
                return Err(err(
                    file,
                    "--adobe-only-user-action write-file needs exactly one file",
                ));
            }
            ("delete", _) => AdobeOnlyAction::Delete,
            ("remove", _) => AdobeOnlyAction::Remove,
            ("remove-adobe-groups", _) => AdobeOnlyAction::RemoveAdobeGroups,
            (other, _) => {
                return Err(err(
                    file,
                    format!(
                        "--adobe-only-user-action: unknown option {other:?} (preserve, exclude, write-file FILE, delete, remove, remove-adobe-groups)"
                    ),
                ));
            }
        },
        [] => AdobeOnlyAction::Preserve,
    };
    rules.users = match inv.users.as_slice() {
        [u, rest @ ..] => match (normalize(u).as_str(), rest) {
            ("all", _) | ("file", [_]) => UserSelection::All,
            ("mapped", _) => UserSelection::Mapped,
            ("group", [names]) => {
                UserSelection::Groups(names.split(',').map(str::to_owned).collect())
            }
            ("file" | "group", _) => {
                return Err(err(
                    file,
                    format!("--users {u} needs exactly one value after it"),
                ));
            }
            (other, _) => {
                return Err(err(
                    file,
                    format!(
                        "--users: unknown option {other:?} (all, file FILE, mapped, group NAMES)"
                    ),
                ));
            }
        },
        [] => UserSelection::All,
    };
    if let Some(f) = &inv.user_filter {
        rules.user_filter = Some(full_match(f).map_err(|e| {
            err(
                file,
                format!("--user-filter: {f:?} is not a pattern idm can use: {e}"),
            )
        })?);
    }
    if inv.strategy == "push" {
        // As user-sync: a push knows no Adobe-only users.
        rules.adobe_only = AdobeOnlyAction::Preserve;
        if inv.adobe_only_user_list.is_some() {
            return Err(err(
                file,
                "--adobe-only-user-list cannot be used with --strategy push",
            ));
        }
    }
    if inv.adobe_only_user_list.is_some()
        && matches!(rules.adobe_only, AdobeOnlyAction::WriteFile(_))
    {
        return Err(err(
            file,
            "--adobe-only-user-list and --adobe-only-user-action write-file cannot go together",
        ));
    }
    Ok(())
}

fn directory_source(
    inv: &Resolved,
    d: &files::DirectoryUsers,
    dir: &Path,
    new_account_type: IdentityType,
    file: Option<&Path>,
) -> Result<DirectorySource, ConfigError> {
    // `--users file PATH` is a CSV connector on PATH; else `--connector csv PATH`.
    let csv_path = match (inv.users.as_slice(), inv.connector.as_slice()) {
        ([u, path], _) if normalize(u) == "file" => {
            if inv.connector.first().map(|c| normalize(c)).as_deref() == Some("csv") {
                return Err(err(
                    file,
                    "give the CSV file with --users file or with --connector csv, not both",
                ));
            }
            path.clone()
        }
        (_, [c, path]) if normalize(c) == "csv" => path.clone(),
        (_, [c]) if normalize(c) == "jumpcloud" => {
            return jumpcloud_source(d, dir, new_account_type, &rules_groups(d, &inv.users));
        }
        (_, [c, ..]) => {
            return Err(err(
                file,
                format!(
                    "--connector {c}: idm sync reads a CSV file (--users file FILE, --connector csv FILE) or JumpCloud (--connector jumpcloud); the {c} connector is not supported"
                ),
            ));
        }
        (_, []) => return Err(err(file, "--connector needs a value")),
    };
    let mut options = CsvOptions {
        default_identity_type: new_account_type,
        ..CsvOptions::default()
    };
    let named = d
        .connectors
        .as_ref()
        .and_then(|c| c.get("csv"))
        .and_then(|v| v.as_str());
    if let Some(named) = named {
        let path = dir.join(named);
        let f: CsvFile = read_yaml(&path)?;
        apply_csv_file(&f, &mut options, &path)?;
    }
    Ok(DirectorySource::Csv {
        path: PathBuf::from(csv_path),
        options,
    })
}

/// The directory groups a JumpCloud read needs: the mapped ones, or every group when
/// `additional_groups` may use any.
/// The JumpCloud groups whose members are read: the mapped ones and those `--users group
/// NAMES` selects by; every group when `additional_groups` may turn any into an Adobe group.
fn rules_groups(
    d: &files::DirectoryUsers,
    users: &[String],
) -> Option<std::collections::HashSet<String>> {
    if d.additional_groups.as_ref().is_some_and(|a| !a.is_empty()) {
        return None;
    }
    let mut groups: std::collections::HashSet<String> = d
        .groups
        .iter()
        .flatten()
        .map(|m| m.directory_group.clone())
        .collect();
    if let [u, names] = users
        && normalize(u) == "group"
    {
        groups.extend(names.split(',').map(str::to_owned));
    }
    Some(groups)
}

fn jumpcloud_source(
    d: &files::DirectoryUsers,
    dir: &Path,
    identity_type: IdentityType,
    groups: &Option<std::collections::HashSet<String>>,
) -> Result<DirectorySource, ConfigError> {
    let named = d
        .connectors
        .as_ref()
        .and_then(|c| c.get("jumpcloud"))
        .and_then(|v| v.as_str());
    let (mut filter, mut connection) = (None, None);
    let mut attributes = crate::jumpcloud_directory::AttributeMap::default();
    if let Some(named) = named {
        let path = dir.join(named);
        let f: files::JumpcloudFile = read_yaml(&path)?;
        filter = f.filter;
        for (field, source) in f.attributes.iter().flatten() {
            attributes
                .set(field, source)
                .map_err(|m| err(Some(&path), m))?;
        }
        connection = match (f.api_key, f.org_id, f.base_url) {
            (Some(api_key), org_id, base_url) => Some(JumpcloudConnection {
                api_key,
                org_id,
                base_url,
            }),
            (None, None, None) => None,
            _ => {
                return Err(err(
                    Some(&path),
                    "org_id and base_url are read only with an api_key in the same file: add api_key, or remove them (then JUMPCLOUD_API_KEY, JUMPCLOUD_ORG_ID and JUMPCLOUD_BASE_URL, or a profile, apply)",
                ));
            }
        };
    }
    Ok(DirectorySource::Jumpcloud {
        options: crate::jumpcloud_directory::JumpcloudOptions {
            filter,
            identity_type,
            attributes,
            groups: groups.clone(),
        },
        connection,
    })
}

fn apply_csv_file(f: &CsvFile, o: &mut CsvOptions, path: &Path) -> Result<(), ConfigError> {
    let here = Some(path);
    if let Some(d) = &f.delimiter {
        let bytes = d.as_bytes();
        let b = match (d.as_str(), bytes) {
            ("\\t", _) => b'\t',
            (_, [b]) => *b,
            _ => {
                return Err(err(
                    here,
                    format!("delimiter: {d:?} is not a single character"),
                ));
            }
        };
        o.delimiter = Some(b);
    }
    if let Some(enc) = &f.string_encoding
        && !is_utf8(enc)
    {
        return Err(err(
            here,
            format!("string_encoding: {enc:?} is not supported; save the file as UTF-8"),
        ));
    }
    for (v, slot) in [
        (&f.email_column_name, &mut o.email),
        (&f.first_name_column_name, &mut o.firstname),
        (&f.last_name_column_name, &mut o.lastname),
        (&f.country_column_name, &mut o.country),
        (&f.groups_column_name, &mut o.groups),
        (&f.identity_type_column_name, &mut o.identity_type),
        (&f.username_column_name, &mut o.username),
        (&f.domain_column_name, &mut o.domain),
    ] {
        if let Some(v) = v {
            slot.clone_from(v);
        }
    }
    if let Some(t) = &f.user_identity_type {
        o.default_identity_type = parse_identity_type(t).ok_or_else(|| {
            err(
                here,
                format!("user_identity_type: {t:?} is not adobeID, enterpriseID or federatedID"),
            )
        })?;
    }
    Ok(())
}

/// `utf8`, `UTF-8`, `utf_8`, `utf-8-sig`: the encodings idm reads.
pub fn is_utf8(name: &str) -> bool {
    matches!(
        normalize(name).replace(['-', '_'], "").as_str(),
        "utf8" | "utf8sig"
    )
}

fn logging(l: files::Logging, dir: &Path) -> LoggingConfig {
    LoggingConfig {
        log_to_file: l.log_to_file.unwrap_or(false),
        file_log_directory: dir.join(l.file_log_directory.unwrap_or_else(|| "logs".into())),
        file_log_name_format: l
            .file_log_name_format
            .unwrap_or_else(|| "{:%Y-%m-%d}.log".into()),
        file_log_level: l.file_log_level.unwrap_or_else(|| "info".into()),
        console_log_level: l.console_log_level.unwrap_or_else(|| "info".into()),
        log_progress: l.log_progress.unwrap_or(true),
    }
}

#[cfg(test)]
mod tests;
