//! What idm prints is safe to print: no terminal escapes from server data, no spreadsheet
//! formulas in CSV, no password of a URL; and what goes wrong says why (TLS, refused
//! connections, a listing cut short), while a bad action file sends nothing.

mod common;

use common::{Live, TempFile, output, run};
use idm_sandbox::SandboxConfig;
use serde_json::{Value, json};

/// ESC (with a screen-clearing sequence), BEL, BS and a right-to-left override.
const NASTY: &str = "Mal\u{1b}[2J\u{7}lory\u{8}\u{202e}gnp.exe";
const NASTY_SHOWN: &str = "Mal\\x1b[2J\\x07lory\\x08\\u{202e}gnp.exe";

fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            c != '\n'
                && (c.is_control()
                    || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        })
        .collect()
}

#[test]
fn names_with_terminal_escapes_are_shown_escaped() {
    let l = Live::start(SandboxConfig::default().users(3));
    let out = l
        .run(&[
            "jumpcloud",
            "users",
            "create",
            "--username",
            "mallory",
            "--email",
            "mallory@example.com",
            "--firstname",
            NASTY,
            "--lastname",
            "=1+1",
            "-o",
            "json",
        ])
        .expect(0);
    let id = out.json()["_id"].as_str().unwrap().to_owned();
    // JSON carries the exact name (and no raw bidi or control character).
    assert_eq!(out.json()["firstname"], NASTY);
    assert!(raw_controls(&out.stdout).is_empty(), "{:?}", out.stdout);

    for args in [
        vec!["jumpcloud", "users", "get", &id, "-o", "table"],
        vec!["jumpcloud", "users", "list", "--all", "-o", "table"],
    ] {
        let out = l.run(&args).expect(0);
        assert!(
            raw_controls(&out.stdout).is_empty(),
            "{args:?}: {:?}",
            out.stdout
        );
        assert!(out.stdout.contains(NASTY_SHOWN), "{args:?}: {}", out.stdout);
    }

    // Server text echoed on stderr: a second user with the same username is refused with a
    // message that quotes it.
    let out = l
        .run(&[
            "jumpcloud",
            "users",
            "create",
            "--username",
            NASTY,
            "--email",
            "m1@example.com",
        ])
        .expect(0);
    drop(out);
    let out = l
        .run(&[
            "jumpcloud",
            "users",
            "create",
            "--username",
            NASTY,
            "--email",
            "m2@example.com",
        ])
        .expect(1);
    assert!(raw_controls(&out.stderr).is_empty(), "{:?}", out.stderr);
    assert!(out.stderr.contains(NASTY_SHOWN), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);

    // CSV: formulas are protected by default, and written as they are with --csv-raw.
    let out = l
        .run(&["jumpcloud", "users", "get", &id, "-o", "csv"])
        .expect(0);
    assert!(out.stdout.contains(",'=1+1"), "{}", out.stdout);
    let out = l
        .run(&["--csv-raw", "jumpcloud", "users", "get", &id, "-o", "csv"])
        .expect(0);
    assert!(out.stdout.contains(",=1+1"), "{}", out.stdout);
}

#[test]
fn an_untrusted_certificate_is_named_by_both_clients() {
    let live = Live::start(SandboxConfig::default().users(2).tls(true));
    for args in [["jumpcloud", "users", "list"], ["umapi", "groups", "list"]] {
        let out = live.run(&args).expect(1);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(
            out.stderr
                .contains("certificate not trusted (unknown issuer) — set IDM_CA_FILE to a PEM file with your CA"),
            "{args:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn a_refused_connection_is_named_and_a_url_password_never_shown() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://admin:PW-s3cret@127.0.0.1:{port}");
    let mut cmd = common::idm();
    cmd.env("JUMPCLOUD_API_KEY", "k")
        .env("JUMPCLOUD_BASE_URL", &url)
        .args(["jumpcloud", "users", "list"]);
    let out = output(cmd).expect(1);
    assert!(
        out.stderr
            .contains(&format!("connection refused by 127.0.0.1:{port}")),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("PW-s3cret"), "{}", out.stderr);

    // `idm config` shows the URL with its password hidden, in every format.
    for format in ["table", "json", "csv"] {
        let mut cmd = common::idm();
        cmd.env("JUMPCLOUD_BASE_URL", &url)
            .env("UMAPI_IMS_URL", "https://ims:PW-s3cret@ims.example")
            .args(["config", "-o", format]);
        let out = output(cmd).expect(0);
        assert!(!out.stdout.contains("PW-s3cret"), "{}", out.stdout);
        assert!(
            out.stdout
                .contains(&format!("http://admin:****@127.0.0.1:{port}")),
            "{}",
            out.stdout
        );
        assert!(
            out.stdout.contains("https://ims:****@ims.example"),
            "{}",
            out.stdout
        );
    }

    // A URL refused before any request: the error shows it without the password.
    let mut cmd = common::idm();
    cmd.env("JUMPCLOUD_API_KEY", "k")
        .env("JUMPCLOUD_BASE_URL", "http://admin:PW-s3cret@example.com")
        .args(["jumpcloud", "users", "list"]);
    let out = output(cmd).expect(2);
    assert!(!out.stderr.contains("PW-s3cret"), "{}", out.stderr);
    assert!(
        out.stderr.contains("admin:****@example.com"),
        "{}",
        out.stderr
    );
}

#[test]
fn apply_checks_the_whole_file_before_sending_anything() {
    let l = Live::start(SandboxConfig::default().users(3));
    let good = |i: usize| {
        json!({"user": format!("new{i}@example.com"), "do": [
            {"createEnterpriseID": {"email": format!("new{i}@example.com"), "firstname": "N", "lastname": "U"}}]})
    };
    let lasts = [
        (
            json!({"user": "new9@example.com", "do": [{"addUser": {"email": "new9@example.com"}}]}),
            "entry 3: step 0 (addUser): unknown step",
        ),
        (
            json!({"user": "new9@example.com", "do": [{"add": {"group": "Design Team"}}]}),
            "entry 3: step 0 (add): `group` must be a list of names",
        ),
        (
            json!({"user": "new9@example.com", "do": [{"createFederatedID": {"email": "new9@example.com", "firstname": "N", "lastname": "U"}}]}),
            "entry 3: step 0 (createFederatedID): `country` is required",
        ),
    ];
    for (last, want) in lasts {
        let entries = Value::Array(vec![good(0), good(1), good(2), last]);
        let file = TempFile::new(
            "actions.json",
            &serde_json::to_string_pretty(&entries).unwrap(),
        );
        let out = l
            .run(&["umapi", "--no-rate-limit", "apply", file.path()])
            .expect(2);
        assert!(out.stderr.contains(want), "{}", out.stderr);
        assert!(out.stderr.contains("line "), "{}", out.stderr);
    }
    let stats = l.sandbox().stats();
    assert_eq!(stats.actions_processed, 0, "{stats:?}");
    assert!(l.sandbox().umapi_user("new0@example.com").is_none());

    // Keys and columns given twice are refused, naming them and the line.
    let dup = "[{\"user\": \"new0@example.com\",\n \"user\": \"new1@example.com\", \"do\": [{\"remove\": \"all\"}]}]";
    let file = TempFile::new("dup.json", dup);
    let out = l
        .run(&["umapi", "--no-rate-limit", "apply", file.path()])
        .expect(2);
    assert!(
        out.stderr
            .contains("entry 0: the key \"user\" appears twice")
            && out.stderr.contains("line 2"),
        "{}",
        out.stderr
    );
    let file = TempFile::new(
        "dup.csv",
        "user,command,user\nnew0@example.com,remove,x@example.com\n",
    );
    let out = l
        .run(&["umapi", "--no-rate-limit", "apply", file.path()])
        .expect(2);
    assert!(
        out.stderr
            .contains("line 1: the column \"user\" appears twice (columns 1 and 3)"),
        "{}",
        out.stderr
    );
    assert_eq!(l.sandbox().stats().actions_processed, 0);

    // A byte order mark (Notepad, Excel) is accepted, with or without an extension.
    for (i, name) in [(5, "bom.json"), (6, "bom-actions")] {
        let body = serde_json::to_string(&vec![good(i)]).unwrap();
        let file = TempFile::new(name, &format!("\u{feff}{body}"));
        l.run(&["umapi", "--no-rate-limit", "apply", file.path()])
            .expect(0);
        assert!(
            l.sandbox()
                .umapi_user(&format!("new{i}@example.com"))
                .is_some()
        );
    }
}

#[test]
fn a_listing_cut_short_says_what_was_printed() {
    let config = SandboxConfig::default()
        .users(30)
        .user_page_size(10)
        .faults_spec("umapi.users:truncate:page=2:count=50")
        .unwrap();
    let l = Live::start(config);
    let out = l
        .run(&[
            "umapi",
            "--no-rate-limit",
            "users",
            "list",
            "--all",
            "-o",
            "ndjson",
        ])
        .expect(1);
    let printed = out.ndjson().len();
    assert!(printed > 0, "{}", out.stderr);
    assert!(!out.stderr.contains("no partial result"), "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "{printed} users were written before the failure: that output is incomplete"
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn a_fractional_retry_after_is_shown_as_it_is() {
    let config = SandboxConfig::default()
        .users(2)
        .faults_spec("umapi.groups:429:retry-after=0.25:count=50")
        .unwrap();
    let l = Live::start(config);
    let out = l.run(&["umapi", "groups", "list"]).expect(6);
    assert!(
        out.stderr.contains("the server asked to wait 0.25 s"),
        "{}",
        out.stderr
    );
    let out = l.run(&["-v", "umapi", "groups", "list"]).expect(6);
    assert!(out.stderr.contains("in 0.25 s"), "{}", out.stderr);
}

#[test]
fn usage_errors_echo_arguments_escaped() {
    // clap drops ESC sequences and C0 controls from what it echoes; a bidi override is left to us.
    let out = run(&[
        "jumpcloud",
        "users",
        "list",
        "--limit",
        "1\u{7}\u{202e}2\u{1b}[2J",
    ])
    .expect(2);
    assert!(raw_controls(&out.stderr).is_empty(), "{:?}", out.stderr);
    assert!(out.stderr.contains("\\u{202e}"), "{}", out.stderr);
}
