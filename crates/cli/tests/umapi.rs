//! `idm umapi ...` end to end, against the sandbox.

mod common;

use common::{Live, TempFile, golden, run};
use idm_sandbox::SandboxConfig;

fn live() -> Live {
    Live::start(SandboxConfig::default().users(30).groups(6))
}

#[test]
fn users_list_table_golden() {
    let out = run(&[
        "--sandbox",
        "umapi",
        "users",
        "list",
        "--limit",
        "4",
        "-o",
        "table",
    ])
    .expect(0);
    golden("umapi_users_table.txt", &out.stdout);
}

#[test]
fn groups_list_csv_golden() {
    let out = run(&[
        "--sandbox",
        "umapi",
        "groups",
        "list",
        "--limit",
        "6",
        "-o",
        "csv",
    ])
    .expect(0);
    golden("umapi_groups.csv", &out.stdout);
}

#[test]
fn users_list_all_and_filters() {
    let l = live();
    let all = l
        .run(&["umapi", "users", "list", "--all"])
        .expect(0)
        .ndjson();
    assert_eq!(all.len(), 30);
    let group = "Design Team";
    let members = l
        .run(&["umapi", "users", "list", "--group", group, "--all"])
        .expect(0)
        .ndjson();
    assert!(!members.is_empty());
    // directOnly (UMAPI's default: true) decides whether `groups` also lists the product
    // profiles reached through user groups.
    let count = |args: &[&str]| -> usize {
        l.run(args)
            .expect(0)
            .ndjson()
            .iter()
            .map(|u| u["groups"].as_array().map_or(0, Vec::len))
            .sum()
    };
    let default = count(&["umapi", "users", "list", "--all"]);
    let direct = count(&["umapi", "users", "list", "--all", "--direct-only"]);
    let indirect = count(&["umapi", "users", "list", "--all", "--direct-only", "false"]);
    assert_eq!(default, direct);
    assert!(indirect > direct, "{indirect} > {direct}");
    let in_domain = l
        .run(&["umapi", "users", "list", "--domain", "example.com", "--all"])
        .expect(0)
        .ndjson();
    assert!(!in_domain.is_empty());
    assert!(
        in_domain.iter().all(|u| u["domain"] == "example.com"),
        "{in_domain:?}"
    );
    let slim = l
        .run(&[
            "umapi",
            "users",
            "list",
            "--group",
            group,
            "--exclude-groups",
            "--all",
        ])
        .expect(0)
        .ndjson();
    assert_eq!(slim.len(), members.len());
    assert!(slim.iter().all(|u| u.get("groups").is_none()), "{slim:?}");
    l.run(&["umapi", "users", "list", "--exclude-groups"])
        .expect(2);
    l.run(&[
        "umapi", "users", "list", "--group", group, "--status", "sleepy",
    ])
    .expect(2);
    let out = l
        .run(&["umapi", "users", "list", "--direct-only", "maybe"])
        .expect(2);
    assert!(out.stderr.contains("maybe"), "{}", out.stderr);
}

#[test]
fn users_get_and_not_found() {
    let l = live();
    let user = l
        .run(&["umapi", "users", "get", "jdoe@example.net"])
        .expect(0)
        .json();
    assert_eq!(user["firstname"], "Jo");
    let out = l
        .run(&["umapi", "users", "get", "nobody@example.com"])
        .expect(4);
    assert!(
        out.stderr.contains("no user \"nobody@example.com\""),
        "{}",
        out.stderr
    );
}

#[test]
fn create_and_add_to_groups_in_one_action() {
    let l = live();
    let out = l
        .run(&[
            "umapi",
            "users",
            "create",
            "cli.new@example.com",
            "--type",
            "enterprise",
            "--firstname",
            "Cli",
            "--lastname",
            "New",
            "--groups",
            "Design Team",
            "-o",
            "json",
        ])
        .expect(0);
    let report = out.json();
    assert_eq!(report[0]["status"], "done");
    let user = l.sandbox().umapi_user("cli.new@example.com").unwrap();
    assert_eq!(user["firstname"], "Cli");
    assert!(
        user["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g == "Design Team"),
        "{user}"
    );
    assert!(
        out.stderr.contains("1 action: 1 done, 0 failed"),
        "{}",
        out.stderr
    );

    l.run(&[
        "umapi",
        "users",
        "update",
        "cli.new@example.com",
        "--lastname",
        "Renamed",
    ])
    .expect(0);
    assert_eq!(
        l.sandbox().umapi_user("cli.new@example.com").unwrap()["lastname"],
        "Renamed"
    );
    l.run(&[
        "umapi",
        "users",
        "remove-from-groups",
        "cli.new@example.com",
        "Design Team",
    ])
    .expect(0);
    assert!(
        !l.sandbox()
            .umapi_group_members("Design Team")
            .unwrap()
            .contains(&"cli.new@example.com".to_owned())
    );
    l.run(&[
        "umapi",
        "users",
        "add-to-groups",
        "cli.new@example.com",
        "Design Team",
    ])
    .expect(0);
    l.run(&[
        "umapi",
        "users",
        "remove-from-groups",
        "cli.new@example.com",
        "--all-groups",
    ])
    .expect(0);
    l.run(&[
        "umapi",
        "users",
        "remove",
        "cli.new@example.com",
        "--delete-account",
    ])
    .expect(0);
    assert!(l.sandbox().umapi_user("cli.new@example.com").is_none());
}

#[test]
fn a_failing_action_shows_the_step_error_and_exits_4_or_5() {
    // The group does not exist: not found.
    let out = run(&[
        "--sandbox",
        "umapi",
        "users",
        "add-to-groups",
        "jdoe@example.net",
        "No Such Group",
        "-o",
        "table",
    ])
    .expect(4);
    assert!(
        out.stdout.contains("failed  step 0: error.group.not_found"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("does not exist"), "{}", out.stderr);
    // Any other failure: exit 5 with the server's error.
    let out = run(&[
        "--sandbox",
        "umapi",
        "users",
        "create",
        "admin@example.com",
        "--type",
        "enterprise",
        "--firstname",
        "A",
        "--lastname",
        "B",
        "--if-exists",
        "error",
        "-o",
        "table",
    ])
    .expect(5);
    assert!(
        out.stdout.contains("error.user.already_in_org"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("1 of 1 actions were not done"),
        "{}",
        out.stderr
    );
}

#[test]
fn test_only_changes_nothing() {
    let l = live();
    let out = l
        .run(&[
            "umapi",
            "users",
            "create",
            "dry@example.com",
            "--type",
            "enterprise",
            "--firstname",
            "D",
            "--lastname",
            "R",
            "--test-only",
            "-o",
            "json",
        ])
        .expect(0);
    assert_eq!(out.json()[0]["status"], "ok (test only)");
    assert!(
        out.stderr.contains("test only, nothing changed"),
        "{}",
        out.stderr
    );
    assert!(l.sandbox().umapi_user("dry@example.com").is_none());
}

#[test]
fn user_groups_actions() {
    let l = live();
    l.run(&[
        "umapi",
        "user-groups",
        "create",
        "CLI Team",
        "--description",
        "from the CLI",
    ])
    .expect(0);
    l.run(&[
        "umapi",
        "user-groups",
        "add-users",
        "CLI Team",
        "jdoe@example.net",
        "admin@example.com",
    ])
    .expect(0);
    let mut members = l.sandbox().umapi_group_members("CLI Team").unwrap();
    members.sort();
    assert_eq!(members, ["admin@example.com", "jdoe@example.net"]);
    l.run(&[
        "umapi",
        "user-groups",
        "remove-users",
        "CLI Team",
        "admin@example.com",
    ])
    .expect(0);
    assert_eq!(
        l.sandbox().umapi_group_members("CLI Team").unwrap(),
        ["jdoe@example.net"]
    );
    let groups = l
        .run(&["umapi", "groups", "list", "--all"])
        .expect(0)
        .ndjson();
    let profile = groups
        .iter()
        .find(|g| g["type"] == "PRODUCT_PROFILE")
        .and_then(|g| g["groupName"].as_str())
        .unwrap()
        .to_owned();
    l.run(&["umapi", "user-groups", "add-products", "CLI Team", &profile])
        .expect(0);
    let user_groups = l
        .run(&["umapi", "user-groups", "list", "--all"])
        .expect(0)
        .ndjson();
    let read_only: Vec<&str> = user_groups
        .iter()
        .filter(|g| g["isReadOnly"] == true)
        .filter_map(|g| g["name"].as_str())
        .collect();
    // The seed's shared groups are the read-only ones.
    assert!(
        read_only.contains(&"Partner Agency (Read-Only)"),
        "{read_only:?}"
    );
    assert!(read_only.iter().all(|g| g.ends_with("(Read-Only)")));
    let team = user_groups
        .iter()
        .find(|g| g["name"] == "CLI Team")
        .unwrap();
    assert_eq!(team["userCount"], 1);
    l.run(&[
        "umapi",
        "user-groups",
        "remove-products",
        "CLI Team",
        &profile,
    ])
    .expect(0);
    l.run(&[
        "umapi",
        "user-groups",
        "update",
        "CLI Team",
        "--new-name",
        "CLI Crew",
    ])
    .expect(0);
    assert!(l.sandbox().umapi_group_members("CLI Crew").is_some());
    l.run(&["umapi", "user-groups", "delete", "CLI Crew"])
        .expect(0);
    assert!(l.sandbox().umapi_group_members("CLI Crew").is_none());
    // Deleting it again: the group no longer exists.
    l.run(&["umapi", "user-groups", "delete", "CLI Crew"])
        .expect(4);
}

#[test]
fn apply_json_reports_every_action_and_exits_5_on_a_failure() {
    let l = live();
    let mut entries = Vec::new();
    // More than one request's worth (10 entries), to see batching.
    for i in 0..23 {
        entries.push(serde_json::json!({"user": format!("bulk{i}@example.com"), "do": [
            {"createEnterpriseID": {"email": format!("bulk{i}@example.com"), "firstname": "B", "lastname": format!("{i}")}},
            {"add": {"group": ["Design Team"]}}
        ]}));
    }
    entries.push(serde_json::json!({"user": "jdoe@example.net", "do": [{"add": {"group": ["No Such Group"]}}]}));
    let file = TempFile::new("actions.json", &serde_json::to_string(&entries).unwrap());
    let report = TempFile::new("report.json", "");
    let out = l
        .run(&[
            "umapi",
            "apply",
            file.path(),
            "--report",
            report.path(),
            "-o",
            "ndjson",
        ])
        .expect(5);
    let rows = out.ndjson();
    assert_eq!(rows.len(), 24);
    assert!(rows[..23].iter().all(|r| r["status"] == "done"));
    assert_eq!(rows[23]["status"], "failed");
    assert_eq!(rows[23]["errors"][0]["code"], "error.group.not_found");
    assert!(
        out.stderr.contains("24 actions: 23 done, 1 failed"),
        "{}",
        out.stderr
    );
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.path()).unwrap()).unwrap();
    assert_eq!(saved["actions"].as_array().unwrap().len(), 24);
    assert_eq!(saved["actions"][23]["status"], "failed");
    assert_eq!(saved["actions"][23]["index"], 23);
    assert!(saved["requests"].as_u64().unwrap() >= 3);
    assert!(l.sandbox().umapi_user("bulk22@example.com").is_some());
}

#[test]
fn apply_csv_and_test_only() {
    let l = live();
    let csv = "user,command,type,firstname,lastname,country,groups\n\
               csv1@example.com,create,enterprise,C,One,,Design Team\n\
               csv2@example.org,create,federated,C,Two,DE,\n\
               jdoe@example.net,add-to-groups,,,,,Design Team;Engineering\n";
    let file = TempFile::new("users.csv", csv);
    let out = l
        .run(&["umapi", "apply", file.path(), "--test-only", "-o", "csv"])
        .expect(0);
    assert!(
        out.stdout.starts_with("index,target,status,error\n"),
        "{}",
        out.stdout
    );
    assert!(l.sandbox().umapi_user("csv1@example.com").is_none());
    let out = l
        .run(&["umapi", "apply", file.path(), "-o", "table"])
        .expect(0);
    assert_eq!(out.stdout.lines().count(), 4, "{}", out.stdout);
    assert!(l.sandbox().umapi_user("csv1@example.com").is_some());
    assert!(l.sandbox().umapi_user("csv2@example.org").is_some());
    let groups = l.sandbox().umapi_user("jdoe@example.net").unwrap()["groups"].clone();
    assert!(
        groups
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g == "Engineering"),
        "{groups}"
    );
}

#[test]
fn apply_rejects_bad_files_before_sending_anything() {
    let cases: &[(&str, &str, &str)] = &[
        ("a.json", "{\"user\": \"x\"}", "expected a JSON array"),
        (
            "b.json",
            "[{\"user\": \"a@b.c\", \"do\": [{\"add\": 1, \"remove\": 2}]}]",
            "entry 0",
        ),
        ("c.json", "[oops", "is not valid JSON"),
        (
            "d.csv",
            "user,command\na@example.com,explode\n",
            "line 2: unknown command \"explode\"",
        ),
        ("e.csv", "email,command\n", "no \"user\" column"),
        (
            "f.csv",
            "user,command,colour\n",
            "unknown CSV column \"colour\"",
        ),
    ];
    for (name, content, want) in cases {
        let file = TempFile::new(name, content);
        let out = run(&["--sandbox", "umapi", "apply", file.path()]);
        assert_eq!(out.code, 2, "{name}: {out:?}");
        assert!(out.stderr.contains(want), "{name}: {}", out.stderr);
    }
    let out = run(&["--sandbox", "umapi", "apply", "/nonexistent/actions.json"]).expect(2);
    assert!(
        out.stderr.contains("cannot read /nonexistent/actions.json"),
        "{}",
        out.stderr
    );
}

#[test]
fn missing_credentials_exit_3() {
    let mut cmd = common::idm();
    cmd.env("UMAPI_ORG_ID", "X@AdobeOrg")
        .args(["umapi", "users", "list"]);
    let out = common::output(cmd).expect(3);
    assert!(out.stderr.contains("UMAPI_CLIENT_ID"), "{}", out.stderr);
    assert!(out.stderr.contains("UMAPI_CLIENT_SECRET"), "{}", out.stderr);
    assert!(!out.stderr.contains("UMAPI_ORG_ID"), "{}", out.stderr);
    // Wrong secret: IMS refuses, exit 3, the secret never shown.
    let l = live();
    let mut cmd = l.idm();
    cmd.env("UMAPI_CLIENT_SECRET", "not-the-secret-42")
        .args(["umapi", "groups", "list"]);
    let out = common::output(cmd).expect(3);
    assert!(!out.stderr.contains("not-the-secret-42"), "{}", out.stderr);
}

#[test]
fn apply_sends_sync_start_and_end_signals() {
    let l = live();
    let entries: Vec<serde_json::Value> = (0..12)
        .map(|i| serde_json::json!({"user": "jdoe@example.net", "do": [{"add": {"group": [if i % 2 == 0 { "Design Team" } else { "Engineering" }]}}]}))
        .collect();
    let file = TempFile::new("a.json", &serde_json::to_string(&entries).unwrap());
    // One user's entries go in one request each (their order matters): lift the pacing, which
    // would hold the eleventh request for a minute.
    l.run(&["umapi", "apply", file.path(), "--no-rate-limit"])
        .expect(0);
    let stats = l.sandbox().stats();
    assert_eq!((stats.sync_start, stats.sync_end), (1, 1));
    l.run(&[
        "umapi",
        "apply",
        file.path(),
        "--no-sync-signals",
        "--no-rate-limit",
    ])
    .expect(0);
    let stats = l.sandbox().stats();
    assert_eq!((stats.sync_start, stats.sync_end), (1, 1));
}

#[test]
fn throttled_until_retries_run_out_exits_6_and_server_errors_exit_1() {
    let config = SandboxConfig::default()
        .users(5)
        .faults_spec("umapi.groups:429:retry-after=0.01:count=50")
        .unwrap();
    let l = Live::start(config);
    let out = l.run(&["umapi", "groups", "list"]).expect(6);
    assert!(out.stderr.contains("try again later"), "{}", out.stderr);
    assert_eq!(
        out.stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .count(),
        1,
        "{}",
        out.stderr
    );

    let config = SandboxConfig::default()
        .users(5)
        .faults_spec("umapi.user:500:count=50")
        .unwrap();
    let l = Live::start(config);
    let out = l
        .run(&["umapi", "users", "get", "jdoe@example.net"])
        .expect(1);
    assert!(out.stderr.contains("500"), "{}", out.stderr);
}

#[test]
fn apply_reads_stdin() {
    use std::io::Write;
    use std::process::Stdio;
    let l = live();
    let mut cmd = l.idm();
    cmd.args(["umapi", "apply", "-", "-o", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"user,command,groups\njdoe@example.net,add-to-groups,Design Team\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["status"], "done");
    assert!(
        l.sandbox()
            .umapi_group_members("Design Team")
            .unwrap()
            .contains(&"jdoe@example.net".to_owned())
    );
}

#[test]
fn no_rate_limit_lifts_the_client_side_pacing() {
    let l = live();
    // 120 actions are 12 requests: more than the 10 a minute the client would allow itself, so
    // without the flag the last two would wait for the next minute.
    let entries: Vec<serde_json::Value> = (0..120)
        .map(|i| {
            serde_json::json!({"user": format!("fast{i}@example.com"), "do": [
                {"createEnterpriseID": {"email": format!("fast{i}@example.com"), "firstname": "F", "lastname": "L"}}]})
        })
        .collect();
    let file = TempFile::new("fast.json", &serde_json::to_string(&entries).unwrap());
    let started = std::time::Instant::now();
    l.run(&[
        "umapi",
        "--no-rate-limit",
        "apply",
        file.path(),
        "-o",
        "ndjson",
    ])
    .expect(0);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert!(l.sandbox().umapi_user("fast119@example.com").is_some());
}

#[test]
#[cfg(unix)]
fn on_a_terminal_apply_shows_a_progress_bar_and_a_table() {
    // `script` (util-linux) runs idm under a pseudo-terminal; without it there is nothing to test.
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("no `script` program: skipping the terminal check");
        return;
    }
    let entries: Vec<serde_json::Value> = (0..30)
        .map(|i| serde_json::json!({"user": format!("tty{i}@example.com"), "do": [
            {"createEnterpriseID": {"email": format!("tty{i}@example.com"), "firstname": "T", "lastname": "Y"}}]}))
        .collect();
    let file = TempFile::new("tty.json", &serde_json::to_string(&entries).unwrap());
    let command = format!(
        "{} --sandbox umapi apply {}",
        env!("CARGO_BIN_EXE_idm"),
        file.path()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("IDM_CONFIG", "/nonexistent/idm-tests/config.toml")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{screen}");
    assert!(screen.contains("/30 actions"), "no progress bar: {screen}");
    assert!(screen.contains("INDEX  TARGET"), "no table: {screen}");
    assert!(screen.contains("30 actions: 30 done, 0 failed"), "{screen}");
}

#[test]
fn create_when_it_exists_already() {
    let l = live();
    let create = |how: &str| {
        l.run(&[
            "umapi",
            "users",
            "create",
            "jdoe@example.net",
            "--type",
            "federated",
            "--firstname",
            "Johanna",
            "--lastname",
            "Doe",
            "--country",
            "US",
            "--if-exists",
            how,
        ])
    };
    create("ignore").expect(0);
    assert_eq!(
        l.sandbox().umapi_user("jdoe@example.net").unwrap()["firstname"],
        "Jo"
    );
    create("update").expect(0);
    assert_eq!(
        l.sandbox().umapi_user("jdoe@example.net").unwrap()["firstname"],
        "Johanna"
    );
    let out = create("error").expect(5);
    assert!(out.stdout.contains("error.user."), "{}", out.stdout);
    l.run(&["umapi", "user-groups", "create", "Design Team"])
        .expect(0);
    l.run(&[
        "umapi",
        "user-groups",
        "create",
        "Design Team",
        "--if-exists",
        "error",
    ])
    .expect(5);
}

#[test]
fn columns_pick_what_tables_and_csv_show() {
    let out = run(&[
        "--sandbox",
        "umapi",
        "users",
        "list",
        "--limit",
        "2",
        "-o",
        "csv",
        "--columns",
        "email,lastname",
    ])
    .expect(0);
    assert_eq!(
        out.stdout,
        "email,lastname\nadmin@example.com,Admin\njdoe@example.net,Doe\n"
    );
    let out = run(&[
        "--sandbox",
        "umapi",
        "groups",
        "list",
        "--limit",
        "1",
        "-o",
        "table",
        "--columns",
        "groupName",
    ])
    .expect(0);
    assert_eq!(out.stdout, "GROUP_NAME\n_org_admin\n");
}
