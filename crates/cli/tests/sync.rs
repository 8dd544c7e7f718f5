//! `idm sync` end to end against the sandbox: user-sync's files and flags, the plan, the run,
//! a second run that plans nothing, test mode, the limit, write-file, TLS with a connector
//! file, and bad configurations.

mod common;

use common::{Live, TempFile};
use idm_sandbox::SandboxConfig;

/// A directory holding a sync's files: `user-sync-config.yml` and whatever else is given.
struct SyncDir {
    main: TempFile,
}

impl SyncDir {
    fn new(main: &str, others: &[(&str, &str)]) -> SyncDir {
        let main = TempFile::new("user-sync-config.yml", main);
        for (name, text) in others {
            std::fs::write(main.0.with_file_name(name), text).unwrap();
        }
        SyncDir { main }
    }

    fn path(&self, name: &str) -> String {
        self.main.0.with_file_name(name).display().to_string()
    }

    /// `idm sync -c MAIN --connector jumpcloud ARGS`.
    fn jumpcloud(&self, extra: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = ["sync", "-c", self.main.path(), "--connector", "jumpcloud"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    }

    /// `idm sync -c MAIN --users file users.csv ARGS`.
    fn args<'a>(&'a self, extra: &[&'a str]) -> Vec<String> {
        let mut v: Vec<String> = vec![
            "sync".into(),
            "-c".into(),
            self.main.path().into(),
            "--users".into(),
            "file".into(),
            self.path("users.csv"),
        ];
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    }
}

const MAIN: &str = "
adobe_users:
  exclude_identity_types: [adobeID]
  exclude_adobe_groups: [_org_admin]
  update_attributes: [firstname, lastname]
directory_users:
  user_identity_type: federatedID
  default_country_code: US
  groups:
    - directory_group: Designers
      adobe_groups: [Design Team, All Apps - Default]
    - directory_group: Writers
      adobe_groups: Acrobat Pro - Default
limits:
  max_adobe_only_users: 100%
invocation_defaults:
  process_groups: Yes
";

/// jdoe (Federated, username `jdoe`) renamed and moved to Writers; a new Federated user; a
/// row with no email; everybody else in the org is Adobe-only.
const USERS: &str = "firstname,lastname,email,country,groups,type,username,domain
Joanna,Doe,jdoe@example.net,US,Writers,federatedID,jdoe,example.net
New,Person,new.person@example.net,GB,Designers,,,
No,Email,,US,Designers,,,
";

fn live() -> Live {
    Live::start(SandboxConfig::default().users(12).groups(6))
}

fn groups_of(l: &Live, email: &str) -> Vec<String> {
    let u = l.sandbox().umapi_user(email).expect("user exists");
    let mut g: Vec<String> = u["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| g.as_str().unwrap().to_owned())
        .collect();
    g.sort();
    g
}

fn run(l: &Live, args: &[String]) -> common::Out {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    l.run(&args)
}

#[test]
fn plans_runs_and_plans_nothing_the_second_time() {
    let l = live();
    let d = SyncDir::new(MAIN, &[("users.csv", USERS)]);
    let before = l.sandbox().umapi_user("jdoe@example.net").unwrap();

    // The plan, whole, sends nothing.
    let plan = run(
        &l,
        &d.args(&["--update-user-info", "--plan-only", "-o", "json"]),
    )
    .expect(0);
    let plan = plan.json();
    let actions = plan["actions"].as_array().unwrap();
    let jdoe = actions
        .iter()
        .find(|a| a["target"] == "jdoe (example.net)")
        .expect("jdoe is updated");
    assert_eq!(
        jdoe["action"]["do"][0],
        serde_json::json!({"update": {"firstname": "Joanna"}})
    );
    assert!(
        jdoe["reason"]
            .as_str()
            .unwrap()
            .contains("add to Acrobat Pro - Default")
    );
    assert!(
        actions
            .iter()
            .any(|a| a["change"] == "create" && a["target"] == "new.person@example.net")
    );
    assert_eq!(
        l.sandbox().umapi_user("jdoe@example.net").unwrap(),
        before,
        "plan-only changes nothing"
    );
    assert_eq!(plan["summary"]["directory_users_read"], 2);

    // The run, with its report.
    let report = d.path("report.json");
    let out = run(&l, &d.args(&["--update-user-info", "--report", &report])).expect(0);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let rows = report["actions"].as_array().unwrap();
    assert_eq!(rows.len(), actions.len());
    assert!(
        rows.iter()
            .all(|r| r["status"] == "done" && r["reason"].is_string()),
        "{report}"
    );
    assert!(
        out.stderr.contains("users.csv:4: missing or invalid email"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("------- Action Summary -------"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains(&format!("  {:>52}: 1\n", "Number of new Adobe users added")),
        "{}",
        out.stderr
    );
    let sent = actions.len();
    assert!(
        out.stderr.contains(&format!(
            "Number of UMAPI actions sent (total, success, error): ({sent}, {sent}, 0)"
        )),
        "{}",
        out.stderr
    );
    let jdoe = l.sandbox().umapi_user("jdoe@example.net").unwrap();
    assert_eq!(jdoe["firstname"], "Joanna");
    assert!(groups_of(&l, "jdoe@example.net").contains(&"Acrobat Pro - Default".to_owned()));
    assert_eq!(
        groups_of(&l, "new.person@example.net"),
        ["All Apps - Default", "Design Team"]
    );
    // Adobe-only users lost their mapped groups, and kept the others.
    for a in actions.iter().filter(|a| a["change"] == "adobe_only") {
        let email = a["target"].as_str().unwrap();
        if email.contains('@') {
            let g = groups_of(&l, email);
            assert!(
                !g.iter()
                    .any(|g| g == "Design Team" || g == "All Apps - Default"),
                "{email}: {g:?}"
            );
        }
    }

    // Right after: nothing to do.
    let again = run(
        &l,
        &d.args(&["--update-user-info", "--plan-only", "-o", "json"]),
    )
    .expect(0);
    assert_eq!(
        again.json()["actions"],
        serde_json::json!([]),
        "{}",
        again.stdout
    );
}

#[test]
fn test_mode_changes_nothing_and_says_so() {
    let l = live();
    let d = SyncDir::new(MAIN, &[("users.csv", USERS)]);
    let out = run(&l, &d.args(&["--test-mode"])).expect(0);
    assert!(
        out.stderr.contains("- Action Summary (TEST MODE) -"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("test only, nothing changed"),
        "{}",
        out.stderr
    );
    assert!(l.sandbox().umapi_user("new.person@example.net").is_none());
}

#[test]
fn the_limit_holds_back_adobe_only_actions_and_exits_7() {
    let l = live();
    let main = MAIN.replace("100%", "2");
    let d = SyncDir::new(&main, &[("users.csv", USERS)]);
    let strays = d.path("strays.csv");
    let out = run(
        &l,
        &d.args(&["--adobe-only-user-action", "write-file", &strays]),
    )
    .expect(7);
    assert!(
        out.stderr
            .contains("larger than limits.max_adobe_only_users (2)"),
        "{}",
        out.stderr
    );
    // Everything else ran.
    assert!(l.sandbox().umapi_user("new.person@example.net").is_some());
    // write-file wrote every Adobe-only user, whatever the limit.
    let written = std::fs::read_to_string(&strays).unwrap();
    let mut lines = written.lines();
    assert_eq!(lines.next(), Some("type,username,email,domain"));
    assert!(lines.count() > 2, "{written}");
}

#[test]
fn a_connector_file_over_tls_with_the_files_credentials() {
    let l = Live::start(SandboxConfig::default().users(5).groups(3).tls(true));
    let info = l.sandbox().umapi_info();
    let host = info.ims.trim_start_matches("https://").to_owned();
    let umapi = format!(
        "authentication_method: oauth\nserver:\n  host: {host}\n  auth_host: {host}\nenterprise:\n  org_id: {}\n  client_id: {}\n  client_secret: {}\n",
        info.org_id, info.client_id, info.client_secret
    );
    let main = MAIN.replace(
        "adobe_users:\n",
        "adobe_users:\n  connectors:\n    umapi: connector-umapi.yml\n",
    );
    let d = SyncDir::new(
        &main,
        &[("users.csv", USERS), ("connector-umapi.yml", &umapi)],
    );
    let ca = l.sandbox().ca_file().unwrap();
    // The file's credentials win: the environment's are wrong on purpose.
    let mut cmd = l.idm();
    cmd.env("UMAPI_CLIENT_SECRET", "wrong")
        .env("IDM_CA_FILE", &ca)
        .args(d.args(&["--plan-only", "-o", "json"]));
    let out = common::output(cmd).expect(0);
    assert!(
        out.json()["actions"].as_array().unwrap().len() >= 2,
        "{}",
        out.stdout
    );

    // ssl_verify: false is refused, naming the way to trust a certificate.
    let bad = format!(
        "authentication_method: oauth\nserver:\n  host: {host}\n  ssl_verify: False\nenterprise:\n  org_id: o\n  client_id: c\n  client_secret: s\n"
    );
    std::fs::write(d.path("connector-umapi.yml"), bad).unwrap();
    let out = run(&l, &d.args(&[])).expect(2);
    assert!(
        out.stderr
            .contains("connector-umapi.yml:4: ssl_verify: false is not supported")
            && out.stderr.contains("IDM_CA_FILE"),
        "{}",
        out.stderr
    );
}

#[test]
fn bad_files_and_options_are_clear_errors_before_anything_is_sent() {
    let l = live();
    for (main, args, want) in [
        (
            "adobe_users:\n  exclude_groups: [x]\n".to_owned(),
            vec![],
            "unknown field `exclude_groups`",
        ),
        (
            MAIN.replace("100%", "lots"),
            vec![],
            "\"lots\" is not a count",
        ),
        (
            MAIN.to_owned(),
            vec!["--strategy", "push", "--adobe-only-user-list", "x.csv"],
            "cannot be used with --strategy push",
        ),
        (
            MAIN.to_owned(),
            vec!["--adobe-only-user-action", "obliterate"],
            "unknown option \"obliterate\"",
        ),
    ] {
        let d = SyncDir::new(&main, &[("users.csv", USERS)]);
        let out = run(&l, &d.args(&args)).expect(2);
        assert!(out.stderr.contains(want), "{want}: {}", out.stderr);
        assert!(out.stdout.is_empty());
    }
    // A directory file that is not there.
    let d = SyncDir::new(MAIN, &[]);
    let out = run(&l, &d.args(&[])).expect(2);
    assert!(
        out.stderr.contains("cannot read the directory file"),
        "{}",
        out.stderr
    );
    assert_eq!(l.sandbox().stats().actions_processed, 0, "nothing was sent");
}

#[test]
fn logging_to_a_file_at_the_levels_asked_for() {
    let l = live();
    let main = format!(
        "{MAIN}logging:\n  log_to_file: Yes\n  file_log_directory: logs\n  file_log_name_format: 'sync-{{:%Y}}.log'\n  console_log_level: error\n  file_log_level: info\n"
    );
    let d = SyncDir::new(&main, &[("users.csv", USERS)]);
    let out = run(&l, &d.args(&["--plan-only", "-o", "json"])).expect(0);
    assert!(
        !out.stderr.contains("Action Summary"),
        "console at error: {}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("missing or invalid email"),
        "{}",
        out.stderr
    );
    let logs = d.main.0.with_file_name("logs");
    let file = std::fs::read_dir(&logs)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("sync-20") && name.ends_with(".log"),
        "{name}"
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains(" WARNING sync - ") && text.contains("missing or invalid email"),
        "{text}"
    );
    assert!(
        text.contains(" INFO sync - ") && text.contains("Action Summary"),
        "{text}"
    );

    let bad = format!("{MAIN}logging:\n  console_log_level: loud\n");
    let d = SyncDir::new(&bad, &[("users.csv", USERS)]);
    let out = run(&l, &d.args(&[])).expect(2);
    assert!(
        out.stderr.contains("logging.console_log_level: \"loud\""),
        "{}",
        out.stderr
    );
}

#[test]
fn selections_filters_and_adobe_only_actions() {
    let l = live();
    let users = "email,firstname,lastname,groups,type\n\
                 a.one@example.net,A,One,Designers,\n\
                 b.two@example.net,B,Two,Writers,\n\
                 svc.bot@example.net,S,Bot,Designers,\n";
    let main = MAIN.replace(
        "  update_attributes: [firstname, lastname]\n",
        "  update_attributes: [firstname, lastname]\n  exclude_users: ['jdoe']\n",
    );
    let d = SyncDir::new(&main, &[("users.csv", users)]);
    let plan = |extra: &[&str]| {
        let mut args = vec!["--plan-only", "-o", "json"];
        args.extend_from_slice(extra);
        run(&l, &d.args(&args)).expect(0).json()
    };
    let targets = |p: &serde_json::Value, change: &str| -> Vec<String> {
        p["actions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["change"] == change)
            .map(|a| a["target"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = plan(&[]);
    assert_eq!(
        targets(&all, "create"),
        [
            "a.one@example.net",
            "b.two@example.net",
            "svc.bot@example.net"
        ]
    );
    // --users group: only members of Writers; --user-filter: whole usernames, without case.
    // The last --users wins (the CSV named by --connector).
    let csv = d.path("users.csv");
    let p = plan(&["--connector", "csv", &csv, "--users", "group", "Writers"]);
    assert_eq!(p["summary"]["directory_users_selected"], 1);
    assert_eq!(targets(&p, "create"), ["b.two@example.net"]);
    let p = plan(&["--user-filter", "[AB]\\..*"]);
    assert_eq!(
        targets(&p, "create"),
        ["a.one@example.net", "b.two@example.net"]
    );
    // --exclude-unmapped-users: only users with a mapped group are created (all three have one).
    let p = plan(&["--exclude-unmapped-users"]);
    assert_eq!(targets(&p, "create").len(), 3);
    // Adobe-only users: remove-adobe-groups sends `remove: all`, never to an excluded user.
    let p = plan(&["--adobe-only-user-action", "remove-adobe-groups"]);
    let acts = p["actions"].as_array().unwrap();
    assert!(
        acts.iter()
            .any(|a| a["action"]["do"] == serde_json::json!([{"remove": "all"}]))
    );
    assert!(
        !targets(&p, "adobe_only")
            .iter()
            .any(|t| t.starts_with("jdoe")),
        "exclude_users"
    );
    assert!(
        !targets(&p, "adobe_only")
            .iter()
            .any(|t| t == "admin@example.com"),
        "_org_admin excluded"
    );
    // --adobe-users group: only the members of that group are read (and can be Adobe-only).
    let design = l.sandbox().umapi_group_members("Design Team").unwrap();
    let p = plan(&["--adobe-users", "group", "Design Team"]);
    assert_eq!(p["summary"]["adobe_users_read"], design.len(), "{p}");
    for t in targets(&p, "adobe_only") {
        assert!(
            design
                .iter()
                .any(|m| m.eq_ignore_ascii_case(&t) || t.starts_with("jdoe")),
            "{t}"
        );
    }
    let mapped = plan(&["--adobe-users", "mapped"]);
    assert!(mapped["summary"]["adobe_users_read"].as_u64() >= Some(design.len() as u64));
    // exclude: Adobe-only users are left and counted as excluded.
    let p = plan(&["--adobe-only-user-action", "exclude"]);
    assert!(targets(&p, "adobe_only").is_empty());
    assert!(p["summary"]["adobe_users_excluded"].as_u64().unwrap() > 2);
}

#[test]
fn adobe_only_users_are_removed_or_deleted_and_refused_credentials_exit_3() {
    let l = live();
    let d = SyncDir::new(MAIN, &[("users.csv", USERS)]);
    let plan = run(&l, &d.args(&["--plan-only", "-o", "json"]))
        .expect(0)
        .json();
    let gone: Vec<String> = plan["adobe_only_users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_owned())
        .collect();
    assert!(gone.len() > 2, "{plan}");
    run(&l, &d.args(&["--adobe-only-user-action", "delete"])).expect(0);
    let admin = l.sandbox().umapi_user("admin@example.com");
    assert!(
        admin.is_some(),
        "a member of an excluded group is never touched"
    );
    for email in &gone {
        if email != "admin@example.com" {
            let left = l.sandbox().umapi_user(email);
            // Adobe IDs are excluded (exclude_identity_types) and stay.
            assert!(
                left.is_none() || left.unwrap()["type"] == "adobeID",
                "{email}"
            );
        }
    }
    // Nothing left to do.
    let again = run(
        &l,
        &d.args(&[
            "--adobe-only-user-action",
            "delete",
            "--plan-only",
            "-o",
            "json",
        ]),
    )
    .expect(0);
    assert_eq!(again.json()["actions"], serde_json::json!([]));

    let mut cmd = l.idm();
    cmd.env("UMAPI_CLIENT_SECRET", "wrong").args(d.args(&[]));
    let out = common::output(cmd).expect(3);
    assert!(
        out.stderr.contains("authentication failed"),
        "{}",
        out.stderr
    );
}

/// The one company's JumpCloud → Adobe mapping (see `idm_sandbox::company`).
const COMPANY: &str = "
adobe_users:
  exclude_identity_types: [adobeID]
  exclude_adobe_groups: [_org_admin]
  update_attributes: [firstname, lastname]
directory_users:
  user_identity_type: enterpriseID
  default_country_code: US
  groups:
    - directory_group: Adobe_Designers
      adobe_groups: [Design Team, All Apps - Default]
    - directory_group: Adobe_Marketing
      adobe_groups: [Marketing Users, Adobe Express - Default]
limits:
  max_adobe_only_users: 100%
invocation_defaults:
  process_groups: Yes
  update_user_info: Yes
";

/// The JumpCloud directory as JSON: every system user, and the members of a group by name.
fn jumpcloud_users(l: &Live) -> Vec<serde_json::Value> {
    l.run(&["jumpcloud", "users", "list", "--all", "-o", "json"])
        .expect(0)
        .json()
        .as_array()
        .unwrap()
        .clone()
}

fn jumpcloud_members(l: &Live, group: &str) -> Vec<String> {
    let groups = l
        .run(&["jumpcloud", "user-groups", "list", "--all", "-o", "json"])
        .expect(0)
        .json();
    let id = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == group)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    l.run(&[
        "jumpcloud",
        "user-groups",
        "members",
        &id,
        "--all",
        "-o",
        "json",
    ])
    .expect(0)
    .json()
    .as_array()
    .unwrap()
    .iter()
    .map(|m| {
        m["to"]["id"]
            .as_str()
            .or(m["id"].as_str())
            .unwrap()
            .to_owned()
    })
    .collect()
}

#[test]
fn a_jumpcloud_directory_syncs_the_one_company() {
    let l = Live::start(SandboxConfig::default().users(120).groups(8));
    let users = jumpcloud_users(&l);
    let id = |u: &serde_json::Value| u["_id"].as_str().or(u["id"].as_str()).unwrap().to_owned();
    let email = |u: &serde_json::Value| u["email"].as_str().unwrap().to_owned();
    let designers = jumpcloud_members(&l, "Adobe_Designers");
    let marketing = jumpcloud_members(&l, "Adobe_Marketing");
    let active = |u: &&serde_json::Value| u["state"] == "ACTIVATED";
    let in_adobe = |u: &&serde_json::Value| l.sandbox().umapi_user(&email(u)).is_some();
    // The directory's kinds of people, from JumpCloud and Adobe themselves.
    let new_hire = users
        .iter()
        .filter(active)
        .find(|u| {
            !in_adobe(u)
                && u["addresses"][0]["country"]
                    .as_str()
                    .is_some_and(|c| c.len() > 2)
        })
        .expect("an active new hire whose country is a name");
    let staged_new = users
        .iter()
        .find(|u| u["state"] != "ACTIVATED" && !in_adobe(u))
        .expect("a staged or suspended new hire");
    let stale = users
        .iter()
        .filter(active)
        .find(|u| {
            l.sandbox()
                .umapi_user(&email(u))
                .is_some_and(|a| a["lastname"] != u["lastname"])
        })
        .expect("an Adobe user with a stale name");
    let both = users
        .iter()
        .filter(active)
        .find(|u| designers.contains(&id(u)) && marketing.contains(&id(u)))
        .expect("a user in both mapped groups");
    let d = SyncDir::new(COMPANY, &[]);
    let args = |extra: &[&str]| {
        let mut v = d.jumpcloud(&["--no-rate-limit"]);
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let plan = run(&l, &args(&["--plan-only", "-o", "json"]))
        .expect(0)
        .json();
    let actions = plan["actions"].as_array().unwrap();
    let action_for = |u: &serde_json::Value| {
        actions.iter().find(|a| {
            a["target"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case(&email(u))
        })
    };
    // A new hire is created, with the ISO code of the country name JumpCloud holds.
    let create = &action_for(new_hire).expect("the new hire is created")["action"]["do"][0];
    let country = new_hire["addresses"][0]["country"].as_str().unwrap();
    let code = idm_sync::jumpcloud_directory::iso_country(country).unwrap();
    assert_eq!(
        create["createEnterpriseID"]["country"], code,
        "{country}: {create}"
    );
    assert!(
        action_for(staged_new).is_none(),
        "staged and suspended users are absent"
    );
    let rename = action_for(stale).expect("the stale name is updated");
    assert!(
        rename["action"]["do"]
            .as_array()
            .unwrap()
            .iter()
            .any(|step| step["update"]["lastname"] == stale["lastname"]),
        "{rename}"
    );
    // Send it; every mapped Adobe group follows JumpCloud, and a second run plans nothing.
    let out = run(&l, &args(&[])).expect(0);
    // As user-sync counts them: every Adobe-only user is "processed", changed or not.
    let strays = plan["summary"]["adobe_only"].as_u64().unwrap();
    assert!(
        out.stderr.contains(&format!(
            "Number of Adobe-only users with groups processed: {strays}\n"
        )),
        "{}",
        out.stderr
    );
    let adobe_groups = groups_of(&l, &email(both));
    for g in [
        "Design Team",
        "All Apps - Default",
        "Marketing Users",
        "Adobe Express - Default",
    ] {
        assert!(
            adobe_groups.contains(&g.to_owned()),
            "{g} in {adobe_groups:?}"
        );
    }
    assert_eq!(
        l.sandbox().umapi_user(&email(stale)).unwrap()["lastname"],
        stale["lastname"]
    );
    // Adobe IDs and the org admin are excluded by the configuration: left as they are.
    let managed = |e: &str| {
        e.ends_with(".com") && e != "admin@example.com"
            || e.ends_with("@example.net")
            || e.ends_with("@example.org")
    };
    for g in ["Design Team", "Marketing Users"] {
        let mut want: Vec<String> = users
            .iter()
            .filter(active)
            .filter(|u| {
                let groups = if g == "Design Team" {
                    &designers
                } else {
                    &marketing
                };
                groups.contains(&id(u))
            })
            .map(|u| email(u).to_lowercase())
            .filter(|e| managed(e))
            .collect();
        want.sort();
        let mut have: Vec<String> = l
            .sandbox()
            .umapi_group_members(g)
            .unwrap()
            .into_iter()
            .map(|e| e.to_lowercase())
            .filter(|e| managed(e))
            .collect();
        have.sort();
        assert_eq!(
            have, want,
            "{g} holds exactly the mapped group's active members"
        );
    }
    let again = run(&l, &args(&["--plan-only", "-o", "json"]))
        .expect(0)
        .json();
    assert_eq!(again["actions"].as_array().unwrap().len(), 0, "{again}");
}

#[test]
fn a_cut_member_page_stops_the_sync_before_any_removal() {
    // Adobe_Designers has more than a page (100) of members, so a page cut short is visible.
    let l = Live::start(SandboxConfig::default().users(1000).groups(8));
    let main = COMPANY.replace(
        "    - directory_group: Adobe_Marketing\n      adobe_groups: [Marketing Users, Adobe Express - Default]\n",
        "",
    );
    let d = SyncDir::new(&main, &[]);
    let args = d.jumpcloud(&["--no-rate-limit"]);
    let before = l.sandbox().umapi_group_members("Design Team").unwrap();
    // v2 page-0 requests: the group listing, then the members' first page and the one re-read
    // that a failed check makes. Both reads of that page come back cut.
    l.sandbox()
        .inject("jumpcloud.v2:short:page=0:nth=2".parse().unwrap());
    l.sandbox()
        .inject("jumpcloud.v2:short:page=0:nth=3".parse().unwrap());
    let out = run(&l, &args);
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("/members): page 0 is short"),
        "{}",
        out.stderr
    );
    assert_eq!(
        l.sandbox().umapi_group_members("Design Team").unwrap(),
        before
    );
    // Healed: the same sync goes through.
    l.sandbox().clear_faults();
    run(&l, &args).expect(0);
    // A mapped group JumpCloud lacks is an error, never an empty group.
    let d = SyncDir::new(&main.replace("Adobe_Designers", "Adobe_Designerz"), &[]);
    let mut args = args.clone();
    args[2] = d.main.path().to_owned();
    let out = run(&l, &args).expect(2);
    assert!(
        out.stderr
            .contains("JumpCloud has no user group named \"Adobe_Designerz\""),
        "{}",
        out.stderr
    );
}

#[test]
fn push_sends_every_directory_user_without_reading_adobe() {
    let l = live();
    let d = SyncDir::new(MAIN, &[("users.csv", USERS)]);
    let plan = run(
        &l,
        &d.args(&["--strategy", "push", "--plan-only", "-o", "json"]),
    )
    .expect(0)
    .json();
    let actions = plan["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 2, "{plan}");
    // jdoe exists already: a create that is ignored, the groups it should not be in removed,
    // the one it should be in added.
    let jdoe = &actions[0]["action"];
    assert_eq!(jdoe["user"], "jdoe", "{jdoe}");
    assert_eq!(
        jdoe["do"][0]["createFederatedID"]["option"],
        "ignoreIfAlreadyExists"
    );
    assert_eq!(
        jdoe["do"][1]["remove"]["group"],
        serde_json::json!(["All Apps - Default", "Design Team"])
    );
    assert_eq!(
        jdoe["do"][2]["add"]["group"],
        serde_json::json!(["Acrobat Pro - Default"])
    );
    assert_eq!(plan["summary"]["adobe_users_read"], 0);
    let out = run(&l, &d.args(&["--strategy", "push"])).expect(0);
    assert!(l.sandbox().umapi_user("new.person@example.net").is_some());
    // user-sync's push summary: no Adobe rows.
    assert!(
        out.stderr
            .contains("Number of directory users pushed to Adobe: 2\n"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("Adobe users read"), "{}", out.stderr);
}

#[test]
fn an_adobe_only_list_written_then_acted_on() {
    let l = live();
    let main = MAIN.replace("100%", "500");
    let d = SyncDir::new(&main, &[("users.csv", USERS)]);
    let list = d.path("strays.csv");
    run(
        &l,
        &d.args(&[
            "--adobe-only-user-action",
            "write-file",
            &list,
            "--plan-only",
        ]),
    )
    .expect(0);
    let written = std::fs::read_to_string(&list).unwrap();
    let emails: Vec<String> = written
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().to_owned())
        .collect();
    assert!(emails.len() > 2, "{written}");
    // Acted on from the list alone: the directory file is not even needed.
    std::fs::remove_file(d.path("users.csv")).unwrap();
    let out = run(
        &l,
        &d.args(&[
            "--adobe-only-user-list",
            &list,
            "--adobe-only-user-action",
            "remove",
        ]),
    )
    .expect(0);
    assert!(
        out.stderr.contains("Adobe-only users read from"),
        "{}",
        out.stderr
    );
    for e in &emails {
        assert!(l.sandbox().umapi_user(e).is_none(), "{e} was removed");
    }
    // A percentage limit of no Adobe users read allows none, as in user-sync.
    let d2 = SyncDir::new(MAIN, &[("strays.csv", &written)]);
    run(
        &l,
        &d2.args(&[
            "--adobe-only-user-list",
            &d2.path("strays.csv"),
            "--adobe-only-user-action",
            "delete",
        ]),
    )
    .expect(7);
}

#[test]
fn auto_create_makes_the_missing_mapped_groups_first() {
    let l = live();
    let main = MAIN
        .replace(
            "[Design Team, All Apps - Default]",
            "[Brand New Team, All Apps - Default]",
        )
        .replace(
            "  default_country_code: US\n",
            "  default_country_code: US\n  group_sync_options:\n    auto_create: Yes\n",
        );
    let d = SyncDir::new(&main, &[("users.csv", USERS)]);
    assert!(l.sandbox().umapi_group_members("Brand New Team").is_none());
    let plan = run(&l, &d.args(&["--plan-only", "-o", "json"]))
        .expect(0)
        .json();
    let first = &plan["actions"][0];
    assert_eq!(
        (first["change"].as_str(), first["target"].as_str()),
        (Some("create_group"), Some("Brand New Team")),
        "{plan}"
    );
    let out = run(&l, &d.args(&[])).expect(0);
    assert!(
        out.stderr
            .contains(&format!("{:>52}: 1", "Number of Adobe user-groups created")),
        "{}",
        out.stderr
    );
    let members = l
        .sandbox()
        .umapi_group_members("Brand New Team")
        .expect("created");
    assert!(
        members.iter().any(|m| m == "new.person@example.net"),
        "{members:?}"
    );
    let again = run(&l, &d.args(&["--plan-only", "-o", "json"]))
        .expect(0)
        .json();
    assert_eq!(again["actions"], serde_json::json!([]), "{again}");
}

#[test]
fn a_jumpcloud_read_that_fails_sends_nothing() {
    // Every v2 request fails (group listings and member pages): no plan, nothing sent, and the
    // error says why.
    let l = Live::start(
        SandboxConfig::default()
            .users(12)
            .groups(6)
            .faults_spec("jumpcloud.v2:500:count=1000")
            .unwrap(),
    );
    let d = SyncDir::new(MAIN, &[]);
    let args = d.jumpcloud(&["--process-groups"]);
    let out = run(&l, &args);
    assert_ne!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("500"), "{}", out.stderr);
    assert_eq!(l.sandbox().stats().actions_processed, 0);
}

#[test]
fn throttled_past_max_wait_exits_6_and_resume_sends_what_is_left() {
    // UMAPI asks to wait 100 s on the first action requests; idm waits at most 1 s.
    let l = Live::start(
        SandboxConfig::default()
            .users(12)
            .groups(6)
            .faults_spec("umapi.action:429:retry-after=100:count=3")
            .unwrap(),
    );
    let d = SyncDir::new(MAIN, &[("users.csv", USERS)]);
    let journal = d.path("run.ndjson");
    let out = run(
        &l,
        &d.args(&["--max-wait", "1", "--no-rate-limit", "--journal", &journal]),
    );
    assert_eq!(out.code, 6, "{}", out.stderr);
    assert!(
        out.stdout.contains("more than the 1 s idm waits at most"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains(&format!("`idm sync (the same options) --resume {journal}`")),
        "{}",
        out.stderr
    );
    let first_lines = std::fs::read_to_string(&journal).unwrap().lines().count();
    // Once UMAPI lets requests through, --resume plans again and sends what is left, appending
    // to the same journal with its actions numbered after the first run's.
    l.sandbox().clear_faults();
    let out = run(
        &l,
        &d.args(&["--max-wait", "1", "--no-rate-limit", "--resume", &journal]),
    )
    .expect(0);
    assert!(
        out.stderr.contains("resuming: the earlier run did"),
        "{}",
        out.stderr
    );
    let text = std::fs::read_to_string(&journal).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() > first_lines, "the resumed run appends");
    let seqs: Vec<u64> = lines.iter().filter_map(|l| l["seq"].as_u64()).collect();
    let first_max = seqs[..].iter().take(first_lines - 1).max().copied();
    assert!(
        seqs.iter()
            .skip(first_lines - 1)
            .all(|s| Some(*s) > first_max),
        "{seqs:?}"
    );
    assert!(
        lines
            .iter()
            .skip(first_lines)
            .filter(|l| l.get("seq").is_some())
            .all(|l| l["status"] == "done"),
        "{text}"
    );
    let left = run(&l, &d.args(&["--plan-only", "-o", "json"])).expect(0);
    assert_eq!(left.json()["actions"], serde_json::json!([]));
    // Only a sync's journal, of this organisation, can be resumed.
    let other = d.path("apply.ndjson");
    std::fs::write(
        &other,
        "{\"journal\":\"idm-journal\",\"version\":1,\"command\":\"apply\",\"org_id\":\"x@AdobeOrg\",\"test_only\":false,\"started\":0}\n",
    )
    .unwrap();
    let out = run(&l, &d.args(&["--resume", &other])).expect(2);
    assert!(out.stderr.contains("not of a sync"), "{}", out.stderr);
}

#[test]
fn with_sandbox_the_connector_files_never_reach_another_organisation() {
    // The files name a real-looking organisation and server; --sandbox must not go there.
    let umapi = "authentication_method: oauth\nserver:\n  host: 127.0.0.1:9\n  auth_host: 127.0.0.1:9\nenterprise:\n  org_id: REAL0RG@AdobeOrg\n  client_id: real-id\n  client_secret: real-secret\n";
    let main = MAIN.replace(
        "adobe_users:\n",
        "adobe_users:\n  connectors:\n    umapi: connector-umapi.yml\n",
    );
    let d = SyncDir::new(
        &main,
        &[("users.csv", USERS), ("connector-umapi.yml", umapi)],
    );
    let mut args = vec!["--sandbox".to_owned()];
    args.extend(d.args(&["--plan-only", "-o", "json"]));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = common::run(&args).expect(0);
    assert!(
        out.stderr
            .contains("--sandbox: the connector files' servers and credentials are not used"),
        "{}",
        out.stderr
    );
    assert!(out.json()["summary"]["adobe_users_read"].as_u64().unwrap() > 0);
}

#[test]
fn a_jumpcloud_attribute_mapping_chooses_each_adobe_field() {
    let l = Live::start(SandboxConfig::default().users(40).groups(8));
    let users = jumpcloud_users(&l);
    // A new hire (not in Adobe, active) gets a custom attribute with the country to use.
    let hire = users
        .iter()
        .find(|u| {
            u["state"] == "ACTIVATED"
                && l.sandbox()
                    .umapi_user(u["email"].as_str().unwrap())
                    .is_none()
        })
        .expect("a new hire");
    let id = hire["_id"].as_str().or(hire["id"].as_str()).unwrap();
    l.run(&[
        "jumpcloud",
        "call",
        "systemusers_put",
        "-p",
        &format!("id={id}"),
        "--body",
        r#"{"attributes":[{"name":"adobeCountry","value":"Norway"}],"displayname":"Shown Name"}"#,
    ])
    .expect(0);
    let main = COMPANY.replace(
        "directory_users:\n",
        "directory_users:\n  connectors:\n    jumpcloud: connector-jumpcloud.yml\n",
    );
    let connector = "attributes:\n  username: username\n  country: attributes.adobeCountry\n  firstname: displayname\n";
    let d = SyncDir::new(&main, &[("connector-jumpcloud.yml", connector)]);
    let args = d.jumpcloud(&["--plan-only", "-o", "json"]);
    let plan = run(&l, &args).expect(0).json();
    let email = hire["email"].as_str().unwrap();
    let create = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["target"] == email)
        .unwrap_or_else(|| panic!("{email} is created: {plan}"));
    let step = &create["action"]["do"][0]["createEnterpriseID"];
    assert_eq!(step["email"], email, "{create}");
    assert_eq!(step["country"], "NO", "{create}");
    assert_eq!(step["firstname"], "Shown Name", "{create}");
    // The usernames now come from JumpCloud's (login names): Adobe's differ, and as username is
    // not in update_attributes, that is a warning, never a change.
    let login_names = plan["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w.as_str())
        .filter(|w| w.starts_with("username of "))
        .filter_map(|w| w.split(" in Adobe, \"").nth(1))
        .filter(|rest| rest.split('"').next().is_some_and(|u| !u.contains('@')))
        .count();
    assert!(login_names > 5, "{}", plan["warnings"]);
    // A source JumpCloud does not have is an error naming the key.
    std::fs::write(
        d.path("connector-jumpcloud.yml"),
        "attributes:\n  country: adress.country\n",
    )
    .unwrap();
    let out = run(&l, &args).expect(2);
    assert!(
        out.stderr.contains(
            "attributes.country: \"adress.country\" is not a JumpCloud system user attribute"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn against_a_time_scaled_sandbox_the_client_paces_itself_to_its_minute() {
    // A rate-limit minute of 0.1 s: UMAPI's limits, 600 times faster. 400 users make some 30
    // action requests, three windows' worth.
    let sandbox = || {
        Live::start(
            SandboxConfig::default()
                .users(400)
                .groups(8)
                .throttle(true)
                .time_scale(600.0),
        )
    };
    let d = SyncDir::new(COMPANY, &[]);
    let args = |extra: &[&str]| d.jumpcloud(extra);
    let l = sandbox();
    let bad = run(&l, &args(&["--rate-time-scale", "0"])).expect(2);
    assert!(
        bad.stderr
            .contains("rate_time_scale = \"0\" (from flag) is not a number"),
        "{}",
        bad.stderr
    );
    let out = run(&l, &args(&["--rate-time-scale", "600"])).expect(0);
    let paced = l.sandbox().stats();
    assert!(paced.actions_processed > 200, "{paced:?}");
    assert_eq!(
        paced.rate_limited, 0,
        "paced, never throttled: {}",
        out.stderr
    );
    // The same sync unpaced runs into the sandbox's limits (and retries through them).
    let l = sandbox();
    run(&l, &args(&["--no-rate-limit"])).expect(0);
    let unpaced = l.sandbox().stats();
    assert_eq!(unpaced.actions_processed, paced.actions_processed);
    assert!(unpaced.rate_limited > 0, "{unpaced:?}");
}
