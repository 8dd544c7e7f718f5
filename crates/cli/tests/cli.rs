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
        "UMAPI: list users, page by page",
        "lastPage = true",
        "\"status\":\"completed\"",
        "error.group.not_found",
        "the user exists afterwards: false",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in:\n{stdout}");
    }
}

#[test]
fn sandbox_serve_prints_one_ready_line_with_working_credentials() {
    let mut child = idm()
        .args(["sandbox", "serve", "--users", "7"])
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
