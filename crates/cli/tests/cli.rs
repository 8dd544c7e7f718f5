//! The `idm` binary end to end.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn idm() -> Command {
    Command::new(env!("CARGO_BIN_EXE_idm"))
}

#[test]
fn demo_runs_end_to_end() {
    let out = idm().arg("demo").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for want in [
        "JumpCloud v1: list system users",
        "system users in all",
        "lastname is now \"Updated Last Name\"",
        "JumpCloud v2: list user groups",
        "System Context Authorization",
        "group(s)",
        "UMAPI: list users, page by page",
        "lastPage = true",
        "UMAPI: list groups, page by page",
        "\"status\":\"done\"",
        "error.group.not_found",
        "the user exists afterwards: false",
        "idm sync: JumpCloud → Adobe",
        "directory_group: Adobe_Designers",
        "idm sync again",
        "plan: 0 to create, 0 to update",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in:\n{stdout}");
    }
    // The first sync sends real work, all of it done; the second (checked by the demo itself)
    // plans nothing.
    let sent = stdout
        .lines()
        .find(|l| l.starts_with("sent "))
        .expect("the first sync sends");
    let count: usize = sent.split(' ').nth(1).unwrap().parse().unwrap();
    assert!(count >= 10, "{sent}");
    assert!(sent.ends_with(&format!("{count} done, 0 failed")), "{sent}");
}

#[test]
fn sandbox_serve_prints_one_ready_line_with_working_credentials() {
    let mut child = idm()
        .args(["sandbox", "serve", "--users", "7", "--systems", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ready: serde_json::Value = serde_json::from_str(&line).unwrap();
    let u = &ready["umapi"];
    for key in ["endpoint", "ims", "org_id", "client_id", "client_secret"] {
        assert!(
            u[key].as_str().is_some_and(|s| !s.is_empty()),
            "{key} in {line}"
        );
    }
    assert!(ready["tls_ca"].is_null());
    let sc = &ready["jumpcloud"]["system_context"];
    assert!(sc["system_id"].is_string(), "{line}");
    assert!(
        std::path::Path::new(sc["key_file"].as_str().unwrap()).exists(),
        "{line}"
    );
    // The credentials work.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let users = rt.block_on(async {
        umapi::Client::builder()
            .org_id(u["org_id"].as_str().unwrap())
            .oauth(
                u["client_id"].as_str().unwrap(),
                u["client_secret"].as_str().unwrap(),
            )
            .endpoint(u["endpoint"].as_str().unwrap())
            .ims_url(u["ims"].as_str().unwrap())
            .rate_limits(umapi::RateLimits::unlimited())
            .build()
            .unwrap()
            .users()
            .all()
            .await
    });
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(users.unwrap().len(), 7);
}

#[test]
fn sandbox_serve_accepts_a_jwt_public_key_for_legacy_clients() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../http/tests/fixtures");
    let mut child = idm()
        .args(["sandbox", "serve", "--users", "3", "--systems", "1"])
        .arg("--jwt-public-key")
        .arg(format!("{fixtures}/test-rsa-public.pem"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ready: serde_json::Value = serde_json::from_str(&line).unwrap();
    let u = &ready["umapi"];
    let key = std::fs::read(format!("{fixtures}/test-rsa-pkcs8.pem")).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let groups = rt.block_on(async {
        let jwt = umapi::JwtAuth::new(
            u["client_id"].as_str().unwrap(),
            u["client_secret"].as_str().unwrap(),
            "tech@techacct.adobe.com",
            &key,
        )
        .unwrap();
        umapi::Client::builder()
            .org_id(u["org_id"].as_str().unwrap())
            .credentials(jwt)
            .endpoint(u["endpoint"].as_str().unwrap())
            .ims_url(u["ims"].as_str().unwrap())
            .build()
            .unwrap()
            .groups()
            .all()
            .await
    });
    child.kill().unwrap();
    let _ = child.wait();
    assert!(!groups.unwrap().is_empty());
    let out = idm()
        .args([
            "sandbox",
            "serve",
            "--jwt-public-key",
            "/nonexistent/key.pem",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/key.pem"));
}

#[test]
fn bad_arguments_exit_2_with_a_clear_message() {
    let out = idm()
        .args(["sandbox", "serve", "--faults", "umapi.users:explode"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--faults") && stderr.contains("grammar"),
        "{stderr}"
    );
    let out = idm()
        .args(["sandbox", "serve", "--time-scale", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = idm().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(
            script.contains("jumpcloud") && script.contains("umapi"),
            "{shell}"
        );
    }
    let out = idm().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_shows_examples_and_exit_codes() {
    let out = idm().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("Exit codes:")
            && help.contains("5    some actions failed")
            && help.contains("143  stopped by SIGTERM"),
        "{help}"
    );
    for args in [
        &["jumpcloud", "users", "list", "--help"][..],
        &["jumpcloud", "call", "--help"],
        &["umapi", "apply", "--help"],
        &["sandbox", "serve", "--help"],
    ] {
        let out = idm().args(args).output().unwrap();
        assert!(out.status.success());
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("idm "), "{args:?}: {help}");
        assert!(help.contains("Example"), "{args:?}: {help}");
    }
    let out = idm().args(["umapi", "apply", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("command        create | update"));
}

#[test]
fn unknown_flags_exit_2() {
    let out = idm()
        .args(["jumpcloud", "users", "list", "--colour"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("'--colour'") && stderr.contains("--help"),
        "{stderr}"
    );
    let out = idm()
        .args(["umapi", "users", "list", "--limit", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let mut child = idm()
        .args(["jumpcloud", "operations", "-o", "ndjson"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // stdout is closed now (the reader was dropped).
    let out = child.wait_with_output().unwrap();
    assert!(first.contains("operation_id"));
    assert!(
        out.status.code() == Some(0),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
#[cfg(unix)]
fn sandbox_serve_stops_cleanly_on_sigterm_and_removes_its_key_files() {
    let mut child = idm()
        .args([
            "sandbox",
            "serve",
            // The multi-threaded runtime; the other tests use the default single thread.
            "--threads",
            "2",
            "--users",
            "3",
            "--systems",
            "1",
            "--seed",
            "7",
            "--user-page-size",
            "2",
            "--token-ttl",
            "60",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ready: serde_json::Value = serde_json::from_str(&line).unwrap();
    let key = ready["jumpcloud"]["system_context"]["key_file"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(std::path::Path::new(&key).exists());
    // SIGTERM through the `kill` program (procps); without it there is nothing to test here.
    let Ok(status) = Command::new("kill").arg(child.id().to_string()).status() else {
        eprintln!("no `kill` program: skipping the SIGTERM check");
        child.kill().unwrap();
        let _ = child.wait();
        return;
    };
    assert!(status.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(!std::path::Path::new(&key).exists(), "{key} left behind");
}

#[test]
fn sandbox_serve_rejects_bad_settings_with_exit_2() {
    for args in [
        &["sandbox", "serve", "--users", "20000000"][..],
        &["sandbox", "serve", "--user-page-size", "0"],
        &["sandbox", "serve", "--token-ttl", "0"],
        &["sandbox", "serve", "--threads", "0"],
    ] {
        let out = idm().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
    }
}

#[test]
fn demo_into_a_closed_pipe_is_not_an_error() {
    let mut child = idm()
        .arg("demo")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).is_empty());
}
