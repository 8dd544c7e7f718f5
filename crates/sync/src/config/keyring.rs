//! `secure_X_key` credentials of `connector-umapi.yml`, read from the OS keyring where
//! user-sync.py (Python's `keyring`) keeps them: the service is the key's value and the user
//! name the organisation id. idm asks the operating system's own keyring tool rather than link
//! a keyring library:
//!
//! - Linux and the BSDs: `secret-tool lookup service S username U` (libsecret's tool, package
//!   `libsecret-tools`; the Secret Service that Python's keyring uses on a desktop);
//! - macOS: `security find-generic-password -s S -a U -w` (the login keychain).
//!
//! Elsewhere, or without the tool, or with no such entry, the error names the key and says how
//! to give the value instead. The value is never logged.

use std::ffi::OsStr;
use std::io::ErrorKind;
use std::process::{Command, Stdio};

/// The keyring tool of this operating system and its arguments for one lookup.
fn tool(service: &str, user: &str) -> Option<(&'static str, Vec<String>)> {
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect();
    if cfg!(target_os = "macos") {
        Some((
            "security",
            args(&["find-generic-password", "-s", service, "-a", user, "-w"]),
        ))
    } else if cfg!(unix) {
        Some((
            "secret-tool",
            args(&["lookup", "service", service, "username", user]),
        ))
    } else {
        None
    }
}

/// The secret stored for `service` and `user`; `key` names the setting in errors.
pub(super) fn lookup(key: &str, service: &str, user: &str) -> Result<String, String> {
    let Some((program, args)) = tool(service, user) else {
        return Err(format!(
            "{key}: idm reads the keyring through secret-tool (Linux) or security (macOS), and this system has neither; put the value in the file (readable by you only) or use UMAPI_* variables with no connector file"
        ));
    };
    run(key, OsStr::new(program), &args, service, user)
}

/// Runs `program args` and reads the secret from its output.
fn run(
    key: &str,
    program: &OsStr,
    args: &[String],
    service: &str,
    user: &str,
) -> Result<String, String> {
    let shown = program.to_string_lossy();
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| match e.kind() {
            ErrorKind::NotFound => format!(
                "{key}: the keyring tool `{shown}` is not installed (on Debian and Ubuntu: apt-get install libsecret-tools); install it, or put the value in the file (readable by you only) or in UMAPI_* variables with no connector file"
            ),
            _ => format!("{key}: cannot run the keyring tool `{shown}`: {e}"),
        })?;
    let secret = String::from_utf8(out.stdout).map_err(|_| {
        format!("{key}: the keyring entry for service {service:?} is not UTF-8 text")
    })?;
    // The tools end the secret with a newline; a secret's own spaces are kept.
    let secret = secret.strip_suffix('\n').unwrap_or(&secret);
    let secret = secret.strip_suffix('\r').unwrap_or(secret);
    if !out.status.success() || secret.is_empty() {
        return Err(format!(
            "{key}: the keyring has no entry for service {service:?} and user {user:?} (the organisation id, as user-sync.py stores it); add it (e.g. `secret-tool store --label=idm service {service} username {user}`) or give the value another way"
        ));
    }
    Ok(secret.to_owned())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    /// A stand-in keyring tool: prints `secret` for service `svc` and user `org`, else fails.
    fn fake_tool(dir: &std::path::Path) -> std::path::PathBuf {
        let path = dir.join("fake-secret-tool");
        std::fs::write(
            &path,
            "#!/bin/sh\n[ \"$2 $3 $4 $5\" = \"service svc username org\" ] && { printf 's3cr3t value\\n'; exit 0; }\nexit 1\n",
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn reads_the_entry_the_tool_prints_and_names_the_key_otherwise() {
        let dir = std::env::temp_dir().join(format!("idm-keyring-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let program = fake_tool(&dir);
        let (_, args) = tool("svc", "org").unwrap();
        let found = run(
            "secure_client_secret_key",
            program.as_os_str(),
            &args,
            "svc",
            "org",
        );
        assert_eq!(found.unwrap(), "s3cr3t value");
        let (_, args) = tool("other", "org").unwrap();
        let missing = run(
            "secure_client_secret_key",
            program.as_os_str(),
            &args,
            "other",
            "org",
        )
        .unwrap_err();
        assert!(
            missing.starts_with(
                "secure_client_secret_key: the keyring has no entry for service \"other\""
            ),
            "{missing}"
        );
        let absent = run(
            "secure_client_id_key",
            dir.join("no-such-tool").as_os_str(),
            &args,
            "svc",
            "org",
        )
        .unwrap_err();
        assert!(absent.contains("is not installed"), "{absent}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
