//! Change-making runs: the journal, stopping by signal or closed stdout, resuming, the lock, and
//! the exit codes of failed runs.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::{Live, TempFile};
use idm_sandbox::RouteKind;
use idm_sandbox::SandboxConfig;
use serde_json::Value;

/// `n` actions creating `run{i}@example.com`, as a JSON file.
fn creates(n: usize) -> TempFile {
    let entries: Vec<Value> = (0..n)
        .map(|i| {
            serde_json::json!({"user": format!("run{i}@example.com"), "do": [
                {"createEnterpriseID": {"email": format!("run{i}@example.com"), "firstname": "R", "lastname": format!("{i}")}}
            ]})
        })
        .collect();
    TempFile::new("actions.json", &serde_json::to_string(&entries).unwrap())
}

use common::journal_lines as journal;

/// Every action the sandbox applied is journaled as done (or unknown), and every one journaled
/// as done was applied.
fn assert_journal_matches(l: &Live, lines: &std::collections::BTreeMap<u64, Value>, n: usize) {
    for i in 0..n {
        let email = format!("run{i}@example.com");
        let exists = l.sandbox().umapi_user(&email).is_some();
        let status = lines
            .get(&(i as u64))
            .and_then(|v| v["status"].as_str())
            .unwrap_or("absent");
        match (exists, status) {
            (true, "done" | "unknown") | (false, "not_sent" | "failed" | "unknown" | "absent") => {}
            _ => panic!("{email}: applied={exists} but journaled {status}"),
        }
    }
}

fn live() -> Live {
    Live::start(SandboxConfig::default().users(5).groups(3))
}

#[test]
fn a_journal_records_every_action_and_the_report_is_rendered_from_it() {
    let l = live();
    let file = creates(25);
    let dir = TempFile::new("keep", "");
    let journal_path = dir.0.with_file_name("run.ndjson");
    let report = dir.0.with_file_name("report.json");
    let out = l.run(&[
        "umapi",
        "--no-rate-limit",
        "apply",
        file.path(),
        "--journal",
        journal_path.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "-o",
        "ndjson",
    ]);
    let out = out.expect(0);
    assert!(out.stderr.contains("journal: "), "{}", out.stderr);
    let lines = journal(&journal_path);
    assert_eq!(lines.len(), 25);
    assert!(lines.values().all(|v| v["status"] == "done"));
    assert_eq!(
        lines[&3]["action"]["do"][0]["createEnterpriseID"]["email"],
        "run3@example.com"
    );
    assert_journal_matches(&l, &lines, 25);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(saved["actions"].as_array().unwrap().len(), 25);
    // A journal is never overwritten.
    let again = l.run(&[
        "umapi",
        "--no-rate-limit",
        "apply",
        file.path(),
        "--journal",
        journal_path.to_str().unwrap(),
    ]);
    let again = again.expect(2);
    assert!(
        again.stderr.contains("never overwritten"),
        "{}",
        again.stderr
    );
}

#[test]
fn a_report_or_journal_naming_the_input_is_refused_and_the_input_kept() {
    let l = live();
    let file = creates(3);
    let before = std::fs::read_to_string(&file.0).unwrap();
    let out = l
        .run(&["umapi", "apply", file.path(), "--report", file.path()])
        .expect(2);
    assert!(out.stderr.contains("is the input file"), "{}", out.stderr);
    let out = l
        .run(&["umapi", "apply", file.path(), "--journal", file.path()])
        .expect(2);
    assert!(out.stderr.contains("is the input file"), "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(&file.0).unwrap(), before);
    assert!(l.sandbox().umapi_user("run0@example.com").is_none());
}

#[test]
fn a_closed_stdout_stops_an_apply_cleanly_with_141_and_a_true_journal() {
    // Slow answers, so that the run is still sending when the reader goes away.
    let l = slow_sandbox(30);
    let n = 2500;
    let file = creates(n);
    let dir = TempFile::new("keep", "");
    let journal_path = dir.0.with_file_name("run.ndjson");
    let report = dir.0.with_file_name("report.json");
    let mut child = spawn_apply(
        &l,
        &file,
        &journal_path,
        &["--report", report.to_str().unwrap()],
    );
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader (and the pipe) is gone now.
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(141), "{stderr}");
    assert!(stderr.contains("stdout was closed"), "{stderr}");
    let lines = journal(&journal_path);
    let done = lines.values().filter(|v| v["status"] == "done").count();
    assert!(done >= 1000 && done < n, "{done} done");
    assert_journal_matches(&l, &lines, n);
    // The report is whole JSON, rendered from the journal.
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(saved["actions"].as_array().unwrap().len(), lines.len());
    // The sync-end signal went out.
    assert_eq!(l.sandbox().stats().sync_end, 1);
    // --resume sends only what was not done, and the whole file ends applied.
    let out = l.run(&[
        "umapi",
        "--no-rate-limit",
        "apply",
        "--resume",
        journal_path.to_str().unwrap(),
        "-o",
        "ndjson",
    ]);
    let out = out.expect(0);
    assert_eq!(out.ndjson().len(), n - done, "{}", out.stderr);
    let lines = journal(&journal_path);
    assert!(lines.values().all(|v| v["status"] == "done"));
    assert_journal_matches(&l, &lines, n);
}

/// A sandbox that answers every action request `delay_ms` late.
fn slow_sandbox(delay_ms: u64) -> Live {
    Live::start(
        SandboxConfig::default()
            .users(5)
            .faults_spec(&format!(
                "umapi.action:delay={delay_ms}:every=1:count=100000"
            ))
            .unwrap(),
    )
}

/// `idm umapi apply FILE --journal JOURNAL -o ndjson EXTRA...` against `l`, running, its
/// stdout and stderr piped.
fn spawn_apply(
    l: &Live,
    file: &TempFile,
    journal_path: &std::path::Path,
    extra: &[&str],
) -> std::process::Child {
    l.idm()
        .args([
            "umapi",
            "--no-rate-limit",
            "apply",
            file.path(),
            "--journal",
            journal_path.to_str().unwrap(),
            "-o",
            "ndjson",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// A slow sandbox and an apply of `n` creates running against it, journaling to `journal`.
fn slow_apply(n: usize, journal_path: &std::path::Path) -> (Live, TempFile, std::process::Child) {
    let l = slow_sandbox(50);
    let file = creates(n);
    let child = spawn_apply(&l, &file, journal_path, &[]);
    // Until some answers are journaled.
    let start = std::time::Instant::now();
    while (!journal_path.exists() || journal(journal_path).len() < 50)
        && start.elapsed().as_secs() < 30
    {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    (l, file, child)
}

#[cfg(unix)]
fn signal(child: &std::process::Child, sig: &str) {
    std::process::Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
}

#[cfg(unix)]
#[test]
fn sigterm_and_ctrl_c_stop_an_apply_cleanly_with_143_and_130() {
    for (sig, code, why) in [
        ("-TERM", 143, "terminated (SIGTERM)"),
        ("-INT", 130, "interrupted (Ctrl-C)"),
    ] {
        let n = 3000;
        let dir = TempFile::new("keep", "");
        let journal_path = dir.0.with_file_name("run.ndjson");
        let (l, _file, child) = slow_apply(n, &journal_path);
        signal(&child, sig);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{sig}: {stderr}");
        assert!(stderr.contains(why), "{stderr}");
        let lines = journal(&journal_path);
        let rows = String::from_utf8_lossy(&out.stdout).lines().count();
        assert_eq!(rows, lines.len(), "a row for every journaled action");
        assert!(lines.len() < n);
        assert_journal_matches(&l, &lines, n);
        assert_eq!(
            l.sandbox().stats().sync_end,
            1,
            "{sig}: the end signal went out"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_second_ctrl_c_exits_at_once_with_the_journal_intact() {
    let n = 3000;
    let dir = TempFile::new("keep", "");
    let journal_path = dir.0.with_file_name("run.ndjson");
    let (l, _file, mut child) = slow_apply(n, &journal_path);
    // From now on every request hangs, so the first Ctrl-C has requests in flight to wait for
    // however slow this machine is; wait until the ones sent before are answered.
    l.sandbox().clear_faults();
    for rule in idm_sandbox::parse_faults("umapi.action:delay=60000:every=1:count=100000").unwrap()
    {
        l.sandbox().inject(rule);
    }
    let mut seen = journal(&journal_path).len();
    loop {
        std::thread::sleep(std::time::Duration::from_millis(300));
        let now = journal(&journal_path).len();
        if now == seen {
            break;
        }
        seen = now;
    }
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    signal(&child, "-INT");
    // The second Ctrl-C once the first is reported, as a person would press it.
    let mut said = String::new();
    while !said.contains("stopping:") {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "{said}");
        said.push_str(&line);
    }
    signal(&child, "-INT");
    let status = child.wait().unwrap();
    std::io::Read::read_to_string(&mut stderr, &mut said).unwrap();
    assert_eq!(status.code(), Some(130), "{said}");
    assert!(said.contains("exiting now"), "{said}");
    // Every line the journal holds is whole and true.
    assert_journal_matches(&l, &journal(&journal_path), n);
}

#[test]
fn two_runs_against_one_organisation_do_not_overlap() {
    let dir = TempFile::new("keep", "");
    let journal_path = dir.0.with_file_name("run.ndjson");
    let (l, file, mut child) = slow_apply(3000, &journal_path);
    let out = l.run(&["umapi", "--no-rate-limit", "apply", file.path()]);
    let _ = child.kill();
    let _ = child.wait();
    let out = out.expect(2);
    assert!(
        out.stderr.contains("another idm run") && out.stderr.contains("run.ndjson"),
        "{}",
        out.stderr
    );
}

#[test]
fn refused_credentials_stop_at_the_first_refusal_and_exit_3() {
    let l = live();
    let file = creates(200);
    let out = l
        .idm()
        .env("UMAPI_CLIENT_SECRET", "wrong")
        .args(["umapi", "--no-rate-limit", "apply", file.path()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    let token_requests = l.sandbox().stats().requests_for(RouteKind::ImsToken);
    assert!(
        token_requests <= 4,
        "{token_requests} token requests for 200 actions"
    );
    assert!(l.sandbox().umapi_user("run0@example.com").is_none());
}

#[test]
fn an_action_throttled_past_every_retry_exits_6() {
    let l = Live::start(
        SandboxConfig::default()
            .users(5)
            .faults_spec("umapi.action:429:retry-after=0.01:count=1000")
            .unwrap(),
    );
    let out = l.run(&[
        "umapi",
        "--no-rate-limit",
        "users",
        "remove-from-groups",
        "jdoe@example.net",
        "Design Team",
    ]);
    assert_eq!(out.code, 6, "{}", out.stderr);
}
