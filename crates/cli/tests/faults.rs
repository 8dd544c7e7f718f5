//! The fault matrix: `idm umapi apply` and the listings of both APIs under every fault the
//! sandbox can inject. Whatever the fault, every action the sandbox applied is in the journal as
//! done (or unknown), every action journaled as done was applied, the exit code is the one the
//! table gives, and a listing is complete or fails — never silently short or long.

mod common;

use common::{Live, TempFile};
use idm_sandbox::SandboxConfig;
use serde_json::Value;

/// Every fault kind, as `FAULT[:options]` for a rule on the route under test.
const FAULTS: &[&str] = &[
    "429:retry-after=0.01",
    "500",
    "502",
    "503",
    "504",
    "reset",
    "delay=20",
    "malformed",
    "html",
    "cut",
];

/// Faults only paged listings know.
const LISTING_FAULTS: &[&str] = &["short", "duplicate", "truncate"];

/// 12 strict creates (not safe to repeat), then 8 group adds (safe to repeat).
fn actions() -> (TempFile, usize) {
    let mut entries: Vec<Value> = (0..12)
        .map(|i| {
            serde_json::json!({"user": format!("fm{i}@example.com"), "do": [
                {"createEnterpriseID": {"email": format!("fm{i}@example.com"), "firstname": "F", "lastname": "M"}}
            ]})
        })
        .collect();
    for i in 0..8 {
        entries.push(
            serde_json::json!({"user": format!("fm{i}@example.com"), "do": [
                {"add": {"group": ["Design Team"]}}
            ]}),
        );
    }
    let n = entries.len();
    (
        TempFile::new("actions.json", &serde_json::to_string(&entries).unwrap()),
        n,
    )
}

fn journal(path: &std::path::Path) -> Vec<Value> {
    common::journal_lines(path).into_values().collect()
}

#[test]
fn apply_under_every_fault_keeps_a_true_journal_and_the_exit_code_table() {
    for fault in FAULTS {
        // Every other action request faulted, three times: some actions survive, some do not.
        let spec = format!("umapi.action:{fault}:every=2:count=3");
        let l = Live::start(
            SandboxConfig::default()
                .users(5)
                .groups(3)
                .faults_spec(&spec)
                .unwrap(),
        );
        let (file, n) = actions();
        let j = file.0.with_file_name("journal.ndjson");
        let out = l.run(&[
            "umapi",
            "--no-rate-limit",
            "apply",
            file.path(),
            "--journal",
            j.to_str().unwrap(),
            "-o",
            "ndjson",
        ]);
        let lines = journal(&j);
        assert_eq!(
            lines.len(),
            n,
            "{spec}: every action journaled\n{}",
            out.stderr
        );
        for (i, line) in lines.iter().enumerate() {
            let status = line["status"].as_str().unwrap();
            let applied = if i < 12 {
                l.sandbox()
                    .umapi_user(&format!("fm{i}@example.com"))
                    .is_some()
            } else {
                l.sandbox()
                    .umapi_user(&format!("fm{}@example.com", i - 12))
                    .is_some_and(|u| {
                        u["groups"]
                            .as_array()
                            .is_some_and(|g| g.iter().any(|g| g == "Design Team"))
                    })
            };
            match (applied, status) {
                (true, "done" | "unknown") | (false, "failed" | "not_sent" | "unknown") => {}
                // A group add to a user whose create failed fails too: not applied.
                _ => panic!("{spec}: action {i} applied={applied}, journaled {status}: {line}"),
            }
        }
        let all_done = lines.iter().all(|v| v["status"] == "done");
        let all_throttled = lines.iter().filter(|v| v["status"] != "done").all(|v| {
            v["errors"]
                .as_array()
                .is_some_and(|e| e.iter().all(|e| e["code"] == "http.429"))
        });
        let want = if all_done {
            0
        } else if all_throttled {
            6
        } else {
            5
        };
        assert_eq!(out.code, want, "{spec}\n{}", out.stderr);
        // The rows on stdout are the journal's.
        assert_eq!(out.ndjson().len(), n, "{spec}");
    }
}

/// Runs a listing with and without a fault: it is either whole or a failure.
fn listing_is_whole_or_fails(args: &[&str], target: &str, extra: &[&str]) {
    let config = || SandboxConfig {
        user_page_size: 100,
        ..SandboxConfig::default().users(250).groups(230)
    };
    let baseline = {
        let l = Live::start(config());
        l.run(args).expect(0).ndjson().len()
    };
    assert!(baseline > 100, "{args:?}: {baseline}");
    for fault in FAULTS.iter().chain(LISTING_FAULTS).chain(extra) {
        for count in [1, 2] {
            let spec = format!("{target}:{fault}:page=1:count={count}");
            let l = Live::start(config().faults_spec(&spec).unwrap());
            let out = l.run(args);
            if out.code == 0 {
                assert_eq!(
                    out.ndjson().len(),
                    baseline,
                    "{spec}: exit 0 with a different count\n{}",
                    out.stderr
                );
            } else {
                assert!(out.stdout.lines().count() <= baseline, "{spec}");
                assert!(!out.stderr.is_empty(), "{spec}: a failure says why");
            }
            // One faulted read is always recovered: by the retries or by a second read.
            let recoverable = !matches!(*fault, "500" | "malformed" | "html")
                && !fault.starts_with("truncate:as");
            if count == 1 && recoverable {
                assert_eq!(
                    out.code, 0,
                    "{spec}: one fault is recovered\n{}",
                    out.stderr
                );
            }
            // Page-level faults twice in a row on one page: an error, never a short list.
            if count == 2 && LISTING_FAULTS.contains(fault) {
                assert_ne!(out.code, 0, "{spec}: a page wrong twice is an error");
            }
        }
    }
}

#[test]
fn umapi_user_listing_is_whole_or_fails_under_every_fault() {
    listing_is_whole_or_fails(
        &[
            "umapi",
            "--no-rate-limit",
            "users",
            "list",
            "--all",
            "-o",
            "ndjson",
        ],
        "umapi.users",
        &["lastpage"],
    );
}

#[test]
fn jumpcloud_v1_listing_is_whole_or_fails_under_every_fault() {
    listing_is_whole_or_fails(
        &["jumpcloud", "users", "list", "--all", "-o", "ndjson"],
        "jumpcloud.v1",
        &[],
    );
}

#[test]
fn jumpcloud_v2_listing_is_whole_or_fails_under_every_fault() {
    listing_is_whole_or_fails(
        &["jumpcloud", "user-groups", "list", "--all", "-o", "ndjson"],
        "jumpcloud.v2",
        &[],
    );
}
