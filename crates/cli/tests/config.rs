//! Settings from flags, environment and profiles; `idm config`; malformed config files.

mod common;

use common::{Live, TempFile, output};
use idm_sandbox::SandboxConfig;

fn setting<'a>(doc: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    doc["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == key)
        .unwrap()
}

#[test]
fn config_shows_each_source_and_masks_secrets() {
    let file = TempFile::new(
        "config.toml",
        r#"
default_profile = "work"

[profiles.work]
jumpcloud_api_key = "profile-key-0123456789"
jumpcloud_org_id = "org-from-profile"
umapi_client_id = "client-from-profile"
umapi_client_secret = "profile-secret-abcdef"

[profiles.other]
umapi_org_id = "OTHER@AdobeOrg"
"#,
    );
    let mut cmd = common::idm();
    cmd.env("IDM_CONFIG", file.path())
        .env("JUMPCLOUD_ORG_ID", "org-from-env")
        .args([
            "config",
            "--umapi-client-id",
            "client-from-flag",
            "-o",
            "json",
        ]);
    let out = output(cmd).expect(0);
    let doc = out.json();
    assert_eq!(doc["profile"], "work");
    assert_eq!(doc["config_file_exists"], true);
    let key = setting(&doc, "jumpcloud_api_key");
    assert_eq!(key["source"], "profile work");
    assert_eq!(key["value"], "****6789");
    assert_eq!(setting(&doc, "jumpcloud_org_id")["source"], "env");
    assert_eq!(setting(&doc, "jumpcloud_org_id")["value"], "org-from-env");
    assert_eq!(setting(&doc, "umapi_client_id")["source"], "flag");
    assert_eq!(
        setting(&doc, "umapi_client_id")["value"],
        "client-from-flag"
    );
    assert_eq!(setting(&doc, "umapi_client_secret")["value"], "****cdef");
    assert_eq!(setting(&doc, "umapi_endpoint")["source"], "default");
    assert_eq!(setting(&doc, "umapi_org_id")["source"], "unset");
    assert!(!out.stdout.contains("profile-key-0123456789"));
    assert!(!out.stdout.contains("profile-secret"));

    // --profile picks another profile; the table form names the file.
    let mut cmd = common::idm();
    cmd.env("IDM_CONFIG", file.path())
        .args(["config", "--profile", "other", "-o", "table"]);
    let out = output(cmd).expect(0);
    assert!(
        out.stdout
            .contains(&format!("config file: {}", file.path())),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("profile:     other"), "{}", out.stdout);
    let row: Vec<&str> = out
        .stdout
        .lines()
        .find(|l| l.starts_with("umapi_org_id"))
        .unwrap()
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        row,
        [
            "umapi_org_id",
            "profile other",
            "UMAPI_ORG_ID",
            "OTHER@AdobeOrg"
        ]
    );

    let mut cmd = common::idm();
    cmd.env("IDM_CONFIG", file.path())
        .args(["config", "--profile", "nope"]);
    let out = output(cmd).expect(2);
    assert!(
        out.stderr.contains("no profile \"nope\"") && out.stderr.contains("other, work"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_malformed_config_file_is_a_clear_error() {
    let file = TempFile::new(
        "config.toml",
        "[profiles.a]\njumpcloud_api_key = \"x\"\nthis is not toml\n",
    );
    let mut cmd = common::idm();
    cmd.env("IDM_CONFIG", file.path())
        .args(["jumpcloud", "users", "list"]);
    let out = output(cmd).expect(2);
    assert!(out.stderr.contains(file.path()), "{}", out.stderr);
    assert!(out.stderr.contains("line 3"), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);

    let file = TempFile::new("config.toml", "[profiles.a]\njumpcloud_apikey = \"x\"\n");
    let mut cmd = common::idm();
    cmd.env("IDM_CONFIG", file.path()).arg("config");
    let out = output(cmd).expect(2);
    assert!(out.stderr.contains("jumpcloud_apikey"), "{}", out.stderr);
}

#[test]
fn credentials_from_a_profile_work() {
    let live = Live::start(SandboxConfig::default().users(5));
    let s = live.sandbox();
    let um = s.umapi_info();
    let file = TempFile::new(
        "config.toml",
        &format!(
            "[profiles.default]\njumpcloud_api_key = \"{}\"\njumpcloud_base_url = \"{}\"\n\
             umapi_org_id = \"{}\"\numapi_client_id = \"{}\"\numapi_client_secret = \"{}\"\n\
             umapi_endpoint = \"{}\"\numapi_ims_url = \"{}\"\n",
            idm_sandbox::JUMPCLOUD_API_KEY,
            s.base_url(),
            um.org_id,
            um.client_id,
            um.client_secret,
            um.endpoint,
            um.ims
        ),
    );
    let mut cmd = common::idm();
    cmd.env("IDM_CONFIG", file.path())
        .args(["jumpcloud", "users", "list", "--all"]);
    assert_eq!(output(cmd).expect(0).ndjson().len(), 5);
    let mut cmd = common::idm();
    cmd.env("IDM_CONFIG", file.path())
        .args(["umapi", "users", "list", "--all"]);
    assert_eq!(output(cmd).expect(0).ndjson().len(), 5);
    // A flag beats the profile.
    let mut cmd = common::idm();
    cmd.env("IDM_CONFIG", file.path()).args([
        "--jumpcloud-api-key",
        "flag-key-that-is-wrong",
        "jumpcloud",
        "users",
        "list",
    ]);
    output(cmd).expect(3);
}

#[test]
fn sandbox_settings_are_shown_as_such() {
    let out = common::run(&["--sandbox", "config", "-o", "json"]).expect(0);
    let doc = out.json();
    assert_eq!(setting(&doc, "umapi_client_secret")["source"], "sandbox");
    assert_eq!(setting(&doc, "jumpcloud_api_key")["source"], "sandbox");
    assert!(
        setting(&doc, "jumpcloud_api_key")["value"]
            .as_str()
            .unwrap()
            .starts_with("****")
    );
}

#[test]
fn https_with_an_extra_ca_file() {
    let live = Live::start(SandboxConfig::default().users(4).tls(true));
    let ca = live.sandbox().ca_file().unwrap();
    assert!(live.sandbox().base_url().starts_with("https://"));
    // Without the CA the certificate is refused: a network error, exit 1.
    let out = live.run(&["jumpcloud", "users", "list"]).expect(1);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    // With IDM_CA_FILE both APIs work.
    let mut cmd = live.idm();
    cmd.env("IDM_CA_FILE", &ca)
        .args(["jumpcloud", "users", "list", "--all"]);
    assert_eq!(output(cmd).expect(0).ndjson().len(), 4);
    let mut cmd = live.idm();
    cmd.args([
        "--ca-file",
        ca.to_str().unwrap(),
        "umapi",
        "users",
        "list",
        "--all",
    ]);
    assert_eq!(output(cmd).expect(0).ndjson().len(), 4);
}

#[test]
#[cfg(unix)]
fn a_config_file_with_secrets_readable_by_others_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let file = TempFile::new(
        "config.toml",
        "[profiles.default]\numapi_client_secret = \"s3cr3t-value-123\"\n",
    );
    std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut cmd = common::idm();
    cmd.env("IDM_CONFIG", file.path())
        .args(["config", "-o", "json"]);
    let out = output(cmd).expect(0);
    assert!(out.stderr.contains("chmod 600"), "{}", out.stderr);
    assert!(!out.stderr.contains("s3cr3t"), "{}", out.stderr);
    std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut cmd = common::idm();
    cmd.env("IDM_CONFIG", file.path())
        .args(["config", "-o", "json"]);
    assert_eq!(output(cmd).expect(0).stderr, "");
}

#[test]
fn retries_and_their_delay_are_settings() {
    // One 503 on the first read: the default retries recover it, `--retries 0` does not.
    let faulted = || {
        Live::start(
            SandboxConfig::default()
                .users(3)
                .faults_spec("jumpcloud:503:count=1")
                .unwrap(),
        )
    };
    let l = faulted();
    let out = l
        .run(&["jumpcloud", "users", "list", "-o", "ndjson"])
        .expect(0);
    assert_eq!(out.ndjson().len(), 3);
    let l = faulted();
    let out = l.run(&["--retries", "0", "jumpcloud", "users", "list"]);
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("503"), "{}", out.stderr);

    // A value that is not a number names the setting, its source and both ways to set it.
    let mut cmd = common::idm();
    cmd.env("IDM_RETRY_DELAY", "soon")
        .args(["--sandbox", "jumpcloud", "users", "list"]);
    let out = output(cmd).expect(2);
    assert!(
        out.stderr
            .contains(r#"retry_delay = "soon" (from env) is not a number of seconds"#)
            && out.stderr.contains("--retry-delay or IDM_RETRY_DELAY"),
        "{}",
        out.stderr
    );
    let out = common::run(&[
        "--sandbox",
        "--retries",
        "101",
        "jumpcloud",
        "users",
        "list",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("from 0 to 100"), "{}", out.stderr);
}
