//! `idm jumpcloud ...` end to end, against the sandbox.

mod common;

use common::{Live, TempFile, golden, run};
use idm_sandbox::SandboxConfig;

#[path = "jumpcloud/call.rs"]
mod call;

fn live() -> Live {
    Live::start(SandboxConfig::default().users(30).groups(4))
}

#[test]
fn users_list_table_golden() {
    let out = run(&[
        "--sandbox",
        "jumpcloud",
        "users",
        "list",
        "--limit",
        "3",
        "-o",
        "table",
    ])
    .expect(0);
    golden("jumpcloud_users_table.txt", &out.stdout);
}

#[test]
fn users_list_csv_golden() {
    let out = run(&[
        "--sandbox",
        "jumpcloud",
        "users",
        "list",
        "--limit",
        "3",
        "--output",
        "csv",
        "--fields",
        "_id,username,department",
    ])
    .expect(0);
    golden("jumpcloud_users.csv", &out.stdout);
}

#[test]
fn users_list_streams_every_page_with_all() {
    let l = live();
    let out = l
        .run(&["jumpcloud", "users", "list", "--all", "-o", "ndjson"])
        .expect(0);
    let users = out.ndjson();
    assert_eq!(users.len(), 30);
    assert!(
        users
            .iter()
            .all(|u| u["_id"].is_string() && u["email"].is_string())
    );
    // Piped, a listing is NDJSON by default; the default limit is 100.
    let out = l
        .run(&["jumpcloud", "users", "list", "--limit", "5"])
        .expect(0);
    assert_eq!(out.ndjson().len(), 5);
    let out = l
        .run(&["jumpcloud", "users", "list", "-o", "json", "--limit", "2"])
        .expect(0);
    assert_eq!(out.json().as_array().unwrap().len(), 2);
}

#[test]
fn users_filter_and_get() {
    let l = live();
    let first = l
        .run(&["jumpcloud", "users", "list", "--limit", "1"])
        .expect(0)
        .ndjson()[0]
        .clone();
    let email = first["email"].as_str().unwrap();
    let id = first["_id"].as_str().unwrap();
    let out = l
        .run(&[
            "jumpcloud",
            "users",
            "list",
            "--filter",
            &format!("email:$eq:{email}"),
        ])
        .expect(0);
    let found = out.ndjson();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["_id"], id);
    let got = l.run(&["jumpcloud", "users", "get", id]).expect(0).json();
    assert_eq!(got["email"], email);
    // One object as CSV: a header with every field, one row.
    let csv = l
        .run(&["jumpcloud", "users", "get", id, "-o", "csv"])
        .expect(0)
        .stdout;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[0].starts_with("_id,") && lines[0].contains(",username"),
        "{csv}"
    );
    assert!(lines[1].contains(email), "{csv}");
    // v1 listings take one filter.
    let out = l
        .run(&[
            "jumpcloud",
            "users",
            "list",
            "--filter",
            "a:$eq:b",
            "--filter",
            "c:$eq:d",
        ])
        .expect(2);
    assert!(out.stderr.contains("one --filter"), "{}", out.stderr);
}

#[test]
fn users_create_update_delete() {
    let l = live();
    let created = l
        .run(&[
            "jumpcloud",
            "users",
            "create",
            "--username",
            "cli.user",
            "--email",
            "cli.user@example.com",
            "--firstname",
            "Cli",
            "--body",
            r#"{"lastname": "Body", "department": "QA"}"#,
            "-o",
            "json",
        ])
        .expect(0)
        .json();
    let id = created["_id"].as_str().unwrap().to_owned();
    assert_eq!(created["lastname"], "Body");
    let updated = l
        .run(&[
            "jumpcloud",
            "users",
            "update",
            &id,
            "--lastname",
            "Updated Last Name",
            "-o",
            "json",
        ])
        .expect(0)
        .json();
    assert_eq!(updated["lastname"], "Updated Last Name");
    assert_eq!(updated["username"], "cli.user");
    l.run(&["jumpcloud", "users", "delete", &id, "-o", "json"])
        .expect(0);
    let out = l.run(&["jumpcloud", "users", "get", &id]).expect(4);
    assert!(
        out.stderr.starts_with("error: ") && out.stderr.contains("404"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
}

#[test]
fn create_with_a_bad_body_is_a_usage_error() {
    let out = run(&[
        "--sandbox",
        "jumpcloud",
        "users",
        "create",
        "--body",
        "{nope",
    ])
    .expect(2);
    assert!(
        out.stderr.contains("--body is not valid JSON"),
        "{}",
        out.stderr
    );
    let out = run(&["--sandbox", "jumpcloud", "users", "create", "--body", "[1]"]).expect(2);
    assert!(out.stderr.contains("JSON object"), "{}", out.stderr);
    let out = run(&[
        "--sandbox",
        "jumpcloud",
        "users",
        "create",
        "--body",
        "@/nonexistent/body.json",
    ])
    .expect(2);
    assert!(
        out.stderr.contains("cannot read /nonexistent/body.json"),
        "{}",
        out.stderr
    );
}

#[test]
fn user_groups_lifecycle_and_members() {
    let l = live();
    let group = l
        .run(&[
            "jumpcloud",
            "user-groups",
            "create",
            "CLI Group",
            "--description",
            "made by a test",
            "-o",
            "json",
        ])
        .expect(0)
        .json();
    let gid = group["id"].as_str().unwrap().to_owned();
    assert_eq!(group["name"], "CLI Group");
    let got = l
        .run(&["jumpcloud", "user-groups", "get", &gid])
        .expect(0)
        .json();
    assert_eq!(got["description"], "made by a test");
    let listed = l
        .run(&["jumpcloud", "user-groups", "list", "--all"])
        .expect(0)
        .ndjson();
    assert!(listed.iter().any(|g| g["id"] == gid.as_str()));

    let user = l
        .run(&["jumpcloud", "users", "list", "--limit", "1"])
        .expect(0)
        .ndjson()[0]["_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let done = l
        .run(&["jumpcloud", "user-groups", "add-member", &gid, &user])
        .expect(0)
        .json();
    assert_eq!(done["status"], "done");
    let members = l
        .run(&["jumpcloud", "user-groups", "members", &gid])
        .expect(0)
        .ndjson();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0]["to"]["id"], user.as_str());
    let groups = l
        .run(&["jumpcloud", "member-of", "--user-id", &user, "--all"])
        .expect(0)
        .ndjson();
    assert!(groups.iter().any(|g| g["id"] == gid.as_str()), "{groups:?}");
    l.run(&["jumpcloud", "user-groups", "remove-member", &gid, &user])
        .expect(0);
    let members = l
        .run(&["jumpcloud", "user-groups", "members", &gid])
        .expect(0);
    assert_eq!(members.stdout, "");
    l.run(&["jumpcloud", "user-groups", "delete", &gid])
        .expect(0);
    l.run(&["jumpcloud", "user-groups", "get", &gid]).expect(4);
}

#[test]
fn member_of_table() {
    let out = run(&[
        "--sandbox",
        "jumpcloud",
        "user-groups",
        "members",
        "6ef219420000000000000001",
        "--limit",
        "2",
        "-o",
        "table",
    ])
    .expect(0);
    assert!(out.stdout.starts_with("TO.ID"), "{}", out.stdout);
    let out = run(&["--sandbox", "jumpcloud", "member-of"]).expect(2);
    assert!(
        out.stderr.contains("--user-id") || out.stderr.contains("--system-id"),
        "{}",
        out.stderr
    );
}

#[test]
fn missing_or_wrong_credentials_exit_3() {
    let out = run(&["jumpcloud", "users", "list"]).expect(3);
    assert!(out.stderr.contains("JUMPCLOUD_API_KEY"), "{}", out.stderr);
    assert!(out.stderr.contains("--sandbox"), "{}", out.stderr);
    let l = live();
    let mut cmd = l.idm();
    cmd.env("JUMPCLOUD_API_KEY", "wrong-key-0123456789")
        .args(["jumpcloud", "users", "list"]);
    let out = common::output(cmd).expect(3);
    assert!(out.stderr.contains("401"), "{}", out.stderr);
    assert!(
        !out.stderr.contains("wrong-key"),
        "the key leaked: {}",
        out.stderr
    );
}

#[test]
fn org_id_picks_the_tenant_of_a_multi_tenant_key() {
    let l = live();
    let orgs = l.sandbox().jumpcloud_org_ids();
    assert!(orgs.len() >= 2, "{orgs:?}");
    let as_admin = |args: &[&str]| {
        let mut cmd = l.idm();
        cmd.env(
            "JUMPCLOUD_API_KEY",
            idm_sandbox::JUMPCLOUD_MULTI_TENANT_API_KEY,
        )
        .args(args);
        common::output(cmd)
    };
    // A multi-tenant key must name the organisation: the server says so (HTTP 400, exit 1).
    let out = as_admin(&["jumpcloud", "users", "list"]).expect(1);
    assert!(out.stderr.contains("x-org-id"), "{}", out.stderr);
    let main = as_admin(&["jumpcloud", "--org-id", &orgs[0], "users", "list", "--all"])
        .expect(0)
        .ndjson();
    let other = as_admin(&["jumpcloud", "--org-id", &orgs[1], "users", "list", "--all"])
        .expect(0)
        .ndjson();
    assert_eq!(main.len(), 30);
    assert_ne!(main.len(), other.len());
    // JUMPCLOUD_ORG_ID does the same.
    let mut cmd = l.idm();
    cmd.env(
        "JUMPCLOUD_API_KEY",
        idm_sandbox::JUMPCLOUD_MULTI_TENANT_API_KEY,
    )
    .env("JUMPCLOUD_ORG_ID", &orgs[1])
    .args(["jumpcloud", "users", "list", "--all"]);
    assert_eq!(common::output(cmd).expect(0).ndjson().len(), other.len());
    // The single-tenant key is refused another organisation (403: exit 3).
    l.run(&["jumpcloud", "--org-id", &orgs[1], "users", "list"])
        .expect(3);
}

#[test]
fn verbose_logs_requests_without_secrets() {
    let l = live();
    let out = l.run(&[
        "-v",
        "jumpcloud",
        "call",
        "systemusers_list",
        "-p",
        "limit=1",
    ]);
    let key = idm_sandbox::JUMPCLOUD_API_KEY;
    assert!(
        out.stderr.contains("GET /api/systemusers"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(key), "{}", out.stderr);
    let out = l
        .run(&["-v", "jumpcloud", "user-groups", "list", "--limit", "1"])
        .expect(0);
    assert!(
        out.stderr
            .contains("GET /api/v2/usergroups (groups_user_list)"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(key), "{}", out.stderr);
    // Without -v, nothing but the result.
    let out = l
        .run(&["jumpcloud", "user-groups", "list", "--limit", "1"])
        .expect(0);
    assert_eq!(out.stderr, "");
}

#[test]
fn systems_list_get_update_delete() {
    let l = Live::start(SandboxConfig::default().users(5).groups(2).systems(4));
    let systems = l
        .run(&["jumpcloud", "systems", "list", "--all"])
        .expect(0)
        .ndjson();
    assert_eq!(systems.len(), 4);
    let id = systems[0]["_id"].as_str().unwrap().to_owned();
    let table = l
        .run(&["jumpcloud", "systems", "list", "-o", "table"])
        .expect(0);
    let header: Vec<&str> = table
        .stdout
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        [
            "ID",
            "DISPLAY_NAME",
            "HOSTNAME",
            "OS",
            "VERSION",
            "ACTIVE",
            "LAST_CONTACT"
        ]
    );
    let got = l
        .run(&["jumpcloud", "systems", "get", &id])
        .expect(0)
        .json();
    assert_eq!(got["_id"], id.as_str());
    let updated = l
        .run(&[
            "jumpcloud",
            "systems",
            "update",
            &id,
            "--display-name",
            "renamed-by-cli",
            "--allow-ssh-root-login",
            "false",
            "-o",
            "json",
        ])
        .expect(0)
        .json();
    assert_eq!(updated["displayName"], "renamed-by-cli");
    let got = l
        .run(&[
            "jumpcloud",
            "systems",
            "get",
            &id,
            "--fields",
            "displayName",
        ])
        .expect(0)
        .json();
    assert_eq!(got["displayName"], "renamed-by-cli");
    l.run(&["jumpcloud", "systems", "delete", &id]).expect(0);
    l.run(&["jumpcloud", "systems", "get", &id]).expect(4);
    assert_eq!(
        l.run(&["jumpcloud", "systems", "list", "--all"])
            .expect(0)
            .ndjson()
            .len(),
        3
    );
}

#[test]
fn system_groups_lifecycle_and_members() {
    let l = Live::start(SandboxConfig::default().users(5).groups(2).systems(3));
    let system = l
        .run(&["jumpcloud", "systems", "list", "--limit", "1"])
        .expect(0)
        .ndjson()[0]["_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let group = l
        .run(&[
            "jumpcloud",
            "system-groups",
            "create",
            "CLI Fleet",
            "-o",
            "json",
        ])
        .expect(0)
        .json();
    let gid = group["id"].as_str().unwrap().to_owned();
    assert_eq!(
        l.run(&["jumpcloud", "system-groups", "get", &gid])
            .expect(0)
            .json()["name"],
        "CLI Fleet"
    );
    let listed = l
        .run(&["jumpcloud", "system-groups", "list", "--all"])
        .expect(0)
        .ndjson();
    assert!(listed.iter().any(|g| g["id"] == gid.as_str()));
    l.run(&["jumpcloud", "system-groups", "add-member", &gid, &system])
        .expect(0);
    let members = l
        .run(&["jumpcloud", "system-groups", "members", &gid])
        .expect(0)
        .ndjson();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0]["to"]["id"], system.as_str());
    assert_eq!(members[0]["to"]["type"], "system");
    let groups = l
        .run(&["jumpcloud", "member-of", "--system-id", &system])
        .expect(0)
        .ndjson();
    assert!(groups.iter().any(|g| g["id"] == gid.as_str()), "{groups:?}");
    l.run(&["jumpcloud", "system-groups", "remove-member", &gid, &system])
        .expect(0);
    assert_eq!(
        l.run(&["jumpcloud", "system-groups", "members", &gid])
            .expect(0)
            .stdout,
        ""
    );
    let out = l
        .run(&[
            "jumpcloud",
            "system-groups",
            "create",
            "X",
            "--description",
            "d",
        ])
        .expect(2);
    assert!(out.stderr.contains("no description"), "{}", out.stderr);
    l.run(&["jumpcloud", "system-groups", "delete", &gid])
        .expect(0);
    l.run(&["jumpcloud", "system-groups", "get", &gid])
        .expect(4);
}

#[test]
fn member_of_signed_as_the_system_needs_no_api_key() {
    let l = Live::start(SandboxConfig::default().users(5).groups(2).systems(2));
    let ctx = l.sandbox().jumpcloud_info().system_context.unwrap();
    let mut cmd = l.idm();
    cmd.env_remove("JUMPCLOUD_API_KEY").args([
        "jumpcloud",
        "member-of",
        "--system-id",
        &ctx.system_id,
        "--system-context",
        &ctx.key_file,
    ]);
    let groups = common::output(cmd).expect(0).ndjson();
    assert!(!groups.is_empty());
    assert!(
        groups.iter().all(|g| g["type"] == "system_group"),
        "{groups:?}"
    );
    // Signed with the wrong system's key: refused.
    let other = l
        .run(&["jumpcloud", "systems", "list", "--all"])
        .expect(0)
        .ndjson()[1]["_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut cmd = l.idm();
    cmd.env_remove("JUMPCLOUD_API_KEY").args([
        "jumpcloud",
        "member-of",
        "--system-id",
        &other,
        "--system-context",
        &ctx.key_file,
    ]);
    common::output(cmd).expect(3);
    // A key file that does not exist is a usage error naming it.
    let out = l
        .run(&[
            "jumpcloud",
            "member-of",
            "--system-id",
            &other,
            "--system-context",
            "/nonexistent/client.key",
        ])
        .expect(2);
    assert!(
        out.stderr.contains("/nonexistent/client.key"),
        "{}",
        out.stderr
    );
    // Any operation can be called signed as the system.
    let mut cmd = l.idm();
    cmd.env_remove("JUMPCLOUD_API_KEY").args([
        "jumpcloud",
        "call",
        "graph_systemMemberOf",
        "-p",
        &format!("system_id={}", ctx.system_id),
        "--system-id",
        &ctx.system_id,
        "--system-context",
        &ctx.key_file,
    ]);
    let answer = common::output(cmd).expect(0).json();
    assert!(!answer.as_array().unwrap().is_empty(), "{answer}");
    l.run(&[
        "jumpcloud",
        "call",
        "systems_get",
        "-p",
        "id=x",
        "--system-id",
        "x",
    ])
    .expect(2);
    // --system-context needs --system-id.
    l.run(&[
        "jumpcloud",
        "member-of",
        "--user-id",
        "x",
        "--system-context",
        "/k",
    ])
    .expect(2);
}

#[test]
fn jumpcloud_throttling_exits_6_and_server_errors_exit_1() {
    let config = SandboxConfig::default()
        .users(5)
        .faults_spec("jumpcloud:429:retry-after=0.01:count=50")
        .unwrap();
    let l = Live::start(config);
    let out = l.run(&["jumpcloud", "users", "list"]).expect(6);
    assert!(out.stderr.contains("429"), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);

    let config = SandboxConfig::default()
        .users(5)
        .faults_spec("jumpcloud:500:count=50")
        .unwrap();
    let l = Live::start(config);
    let out = l.run(&["jumpcloud", "user-groups", "list"]).expect(1);
    assert!(out.stderr.contains("HTTP 500"), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
}

#[test]
fn filters_sort_and_fields_reach_the_api() {
    let l = live();
    let groups = l
        .run(&[
            "jumpcloud",
            "user-groups",
            "list",
            "--filter",
            "name:eq:Sales 1",
        ])
        .expect(0)
        .ndjson();
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(groups[0]["name"], "Sales 1");
    let users = l
        .run(&[
            "jumpcloud",
            "users",
            "list",
            "--sort=-username",
            "--all",
            "--fields",
            "username,email",
        ])
        .expect(0)
        .ndjson();
    let names: Vec<&str> = users
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(names, sorted);
    assert!(
        users.iter().all(|u| u.get("firstname").is_none()),
        "{users:?}"
    );
    let systems = l
        .run(&[
            "jumpcloud",
            "systems",
            "list",
            "--filter",
            "os:$eq:Windows",
            "--all",
        ])
        .expect(0)
        .ndjson();
    assert!(!systems.is_empty());
    assert!(systems.iter().all(|s| s["os"] == "Windows"));
}

#[test]
fn systems_list_table_golden() {
    let out = run(&[
        "--sandbox",
        "jumpcloud",
        "systems",
        "list",
        "--limit",
        "4",
        "-o",
        "table",
    ])
    .expect(0);
    golden("jumpcloud_systems_table.txt", &out.stdout);
}

#[test]
fn a_body_from_stdin() {
    use std::io::Write;
    let l = live();
    let mut cmd = l.idm();
    cmd.args([
        "jumpcloud",
        "user-groups",
        "create",
        "From Stdin",
        "--body",
        "@-",
        "-o",
        "json",
    ])
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"description": "piped in"}"#)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let group: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(group["name"], "From Stdin");
    assert_eq!(group["description"], "piped in");
}

#[test]
fn events_show_what_was_just_done_and_follow_new_ones() {
    let l = Live::start(
        SandboxConfig::default()
            .users(3)
            .groups(2)
            .jumpcloud_events(30),
    );
    let body = |name: &str| format!(r#"{{"username": "{name}", "email": "{name}@example.com"}}"#);
    l.run(&[
        "jumpcloud",
        "call",
        "systemusers_post",
        "--body",
        &body("ev.one"),
    ])
    .expect(0);
    // Piped: NDJSON, whole events.
    let events = l
        .run(&[
            "jumpcloud",
            "events",
            "--since",
            "1h",
            "--service",
            "directory",
            "--type",
            "user_create",
        ])
        .expect(0)
        .ndjson();
    let mine: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["resource"]["username"] == "ev.one")
        .collect();
    assert_eq!(mine.len(), 1, "{events:?}");
    assert_eq!(mine[0]["initiated_by"]["type"], "admin");
    assert!(mine[0]["timestamp"].is_string() && mine[0]["id"].is_string());
    // The seeded week of history, counted and by value.
    let all = l
        .run(&["jumpcloud", "events", "--since", "8d", "--count"])
        .expect(0);
    assert_eq!(all.stdout.trim(), "31");
    let failed = l
        .run(&[
            "jumpcloud",
            "events",
            "--since",
            "8d",
            "--filter",
            "success=false",
            "--count",
        ])
        .expect(0);
    let failed: u64 = failed.stdout.trim().parse().unwrap();
    assert!(failed > 0 && failed < 31);
    let kinds = l
        .run(&[
            "jumpcloud",
            "events",
            "--since",
            "8d",
            "--distinct",
            "service",
        ])
        .expect(0)
        .ndjson();
    let total: u64 = kinds.iter().map(|k| k["count"].as_u64().unwrap()).sum();
    assert_eq!(total, 31);
    // A table on request, one row per event.
    let table = l
        .run(&["jumpcloud", "events", "--since", "1h", "-o", "table"])
        .expect(0);
    assert!(table.stdout.lines().next().unwrap().contains("EVENT_TYPE"));
    assert!(table.stdout.contains("user_create"));
    // Bad times and filters are usage errors that say what to write.
    let bad = l
        .run(&["jumpcloud", "events", "--since", "yesterday"])
        .expect(2);
    assert!(bad.stderr.contains("30m, 24h or 7d"), "{}", bad.stderr);
    let bad = l
        .run(&["jumpcloud", "events", "--filter", "event_type"])
        .expect(2);
    assert!(bad.stderr.contains("FIELD=VALUE"), "{}", bad.stderr);

    // --follow: the event above, then two made while it polls; none twice, none missed.
    let mut follow = l.idm();
    follow
        .args([
            "jumpcloud",
            "events",
            "--since",
            "1h",
            "--type",
            "user_create",
            "--follow",
        ])
        .args(["--poll-interval", "0.2", "--limit", "3"])
        .stdout(std::process::Stdio::piped());
    let child = follow.spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(600));
    for name in ["ev.two", "ev.three"] {
        l.run(&[
            "jumpcloud",
            "call",
            "systemusers_post",
            "--body",
            &body(name),
        ])
        .expect(0);
        std::thread::sleep(std::time::Duration::from_millis(400));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let followed: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let names: Vec<&str> = followed
        .iter()
        .map(|e| e["resource"]["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ev.one", "ev.two", "ev.three"]);
    // A follow with --until ends once that time has passed (and the lookback after it).
    let ended = l
        .run(&[
            "jumpcloud",
            "events",
            "--since",
            "1h",
            "--until",
            "0s",
            "--type",
            "user_create",
            "--follow",
            "--lookback",
            "0",
            "--poll-interval",
            "0.1",
        ])
        .expect(0);
    assert_eq!(ended.stdout.lines().count(), 3, "{}", ended.stdout);
    // Bad numbers and an --until before --since are usage errors.
    for (args, says) in [
        (
            vec!["--follow", "--poll-interval", "nan"],
            "seconds from 0.1 to 3600",
        ),
        (vec!["--since", "1h", "--until", "2h"], "is before --since"),
    ] {
        let out = l
            .run(&[&["jumpcloud", "events"][..], &args[..]].concat())
            .expect(2);
        assert!(out.stderr.contains(says), "{}", out.stderr);
    }
}

#[test]
fn users_are_bound_to_systems_with_a_sudo_level() {
    let l = Live::start(SandboxConfig::default().users(3).groups(2).systems(3));
    let user = l
        .run(&[
            "jumpcloud",
            "users",
            "create",
            "--username",
            "ops",
            "--email",
            "ops@example.com",
            "-o",
            "json",
        ])
        .expect(0)
        .json()["_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let systems = l
        .run(&["jumpcloud", "systems", "list", "--all"])
        .expect(0)
        .ndjson();
    let system = systems[2]["_id"].as_str().unwrap().to_owned();
    let listed = |l: &Live| {
        l.run(&["jumpcloud", "users", "systems", &user, "-o", "ndjson"])
            .expect(0)
            .ndjson()
    };
    assert!(listed(&l).is_empty());
    let done = l
        .run(&[
            "jumpcloud",
            "users",
            "bind",
            &user,
            &system,
            "--sudo",
            "nopassword",
        ])
        .expect(0)
        .json();
    assert_eq!(
        (&done["status"], &done["sudo"], &done["new"]),
        (
            &serde_json::json!("done"),
            &serde_json::json!("nopassword"),
            &serde_json::json!(true)
        )
    );
    let rows = listed(&l);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["id"], system.as_str());
    assert_eq!(rows[0]["hostname"], systems[2]["hostname"]);
    assert_eq!(
        (&rows[0]["sudo"], &rows[0]["direct"]),
        (&serde_json::json!("nopassword"), &serde_json::json!(true))
    );
    // Binding again sets the level; the table names the columns.
    l.run(&[
        "jumpcloud",
        "users",
        "bind",
        &user,
        &system,
        "--sudo",
        "password",
    ])
    .expect(0);
    let table = l
        .run(&["jumpcloud", "users", "systems", &user, "-o", "table"])
        .expect(0)
        .stdout;
    assert!(table.starts_with("ID") && table.contains("SUDO"), "{table}");
    assert!(
        table.contains("password") && !table.contains("nopassword"),
        "{table}"
    );
    // Without --sudo, a binding already there keeps its level.
    let kept = l
        .run(&["jumpcloud", "users", "bind", &user, &system])
        .expect(0)
        .json();
    assert_eq!(
        (&kept["new"], &kept["sudo"]),
        (&serde_json::json!(false), &serde_json::json!("unchanged"))
    );
    assert_eq!(listed(&l)[0]["sudo"], "password");
    // From the system's side: who may log in, with what sudo.
    let on_system = |l: &Live| {
        let users = l
            .run(&["jumpcloud", "systems", "users", &system, "-o", "ndjson"])
            .expect(0)
            .ndjson();
        let row = users
            .into_iter()
            .find(|u| u["id"] == user.as_str())
            .unwrap();
        (row["username"].clone(), row["sudo"].clone())
    };
    assert_eq!(
        on_system(&l),
        (serde_json::json!("ops"), serde_json::json!("password"))
    );
    // The user's own setting grants sudo on every bound system, here more than the binding.
    l.run(&[
        "jumpcloud",
        "users",
        "bind",
        &user,
        &system,
        "--sudo",
        "off",
    ])
    .expect(0);
    assert_eq!(on_system(&l).1, "off");
    l.run(&[
        "jumpcloud",
        "users",
        "update",
        &user,
        "--body",
        r#"{"sudo": true}"#,
    ])
    .expect(0);
    assert_eq!(on_system(&l).1, "password");
    assert_eq!(listed(&l)[0]["sudo"], "password");
    let bad = l
        .run(&[
            "jumpcloud",
            "users",
            "bind",
            &user,
            &system,
            "--sudo",
            "root",
        ])
        .expect(2);
    assert!(
        bad.stderr.contains("off, password or nopassword"),
        "{}",
        bad.stderr
    );
    let gone = l
        .run(&["jumpcloud", "users", "unbind", &user, &system])
        .expect(0);
    assert_eq!(gone.json()["paths_left"], 0);
    assert!(!gone.stderr.contains("warning"), "{}", gone.stderr);
    assert!(listed(&l).is_empty());
    // Access through a group is not revoked by unbinding: the command says so.
    let group = l
        .run(&["jumpcloud", "user-groups", "create", "Ops", "-o", "json"])
        .expect(0)
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    l.run(&["jumpcloud", "user-groups", "add-member", &group, &user])
        .expect(0);
    let associate = format!(r#"{{"op": "add", "type": "system", "id": "{system}"}}"#);
    l.run(&[
        "jumpcloud",
        "call",
        "graph_userGroupAssociationsPost",
        "-p",
        &format!("group_id={group}"),
        "--body",
        &associate,
    ])
    .expect(0);
    let still = l
        .run(&["jumpcloud", "users", "unbind", &user, &system])
        .expect(0);
    assert_eq!(still.json()["paths_left"], 1);
    assert!(still.stderr.contains("still reaches"), "{}", still.stderr);
}

#[test]
fn follow_finds_an_event_indexed_after_a_newer_one() {
    // The sandbox indexes every other event late, as JumpCloud can: the first user's creation
    // becomes searchable 4 s after the second's.
    let lag = std::time::Duration::from_secs(4);
    let l = Live::start(
        SandboxConfig::default()
            .users(2)
            .groups(1)
            .jumpcloud_index_lag(lag),
    );
    for name in ["late.one", "soon.two"] {
        let body = format!(r#"{{"username": "{name}", "email": "{name}@example.com"}}"#);
        l.run(&["jumpcloud", "call", "systemusers_post", "--body", &body])
            .expect(0);
    }
    let follow = |lookback: &str| -> Vec<String> {
        let out = l
            .run(&[
                "jumpcloud",
                "events",
                "--since",
                "1h",
                "--until",
                "0s",
                "--type",
                "user_create",
                "--follow",
                "--lookback",
                lookback,
                "--poll-interval",
                "0.2",
            ])
            .expect(0);
        out.stdout
            .lines()
            .map(|line| {
                let e: serde_json::Value = serde_json::from_str(line).unwrap();
                e["resource"]["username"].as_str().unwrap().to_owned()
            })
            .collect()
    };
    // Following from the newest event only, the late one is never seen...
    assert_eq!(follow("0"), ["soon.two"]);
    // ...looking back over the last 5 s, it is, once, after the newer one.
    assert_eq!(follow("5"), ["soon.two", "late.one"]);
}
