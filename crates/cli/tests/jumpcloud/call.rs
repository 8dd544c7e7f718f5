//! `idm jumpcloud operations` and `idm jumpcloud call`: every operation by its id.

use super::*;

#[test]
fn operations_lists_every_one_with_the_contract_fields() {
    let out = run(&["jumpcloud", "operations", "--json"]).expect(0);
    let ops = out.json();
    let ops = ops.as_array().unwrap();
    assert_eq!(ops.len(), jumpcloud::catalog::operations().count());
    // The 2022 specs' 393, and the 14 JumpCloud added since.
    let from = |spec: &str| ops.iter().filter(|o| o["spec"] == spec).count();
    assert_eq!((from("2022"), from("2026")), (393, 14));
    for op in ops {
        for key in ["operation_id", "method", "path", "api", "spec"] {
            assert!(op[key].is_string(), "{key} in {op}");
        }
    }
    assert!(
        ops.iter()
            .any(|o| o["operation_id"] == "graph_systemMemberOf"
                && o["method"] == "GET"
                && o["path"] == "/api/v2/systems/{system_id}/memberof"
                && o["api"] == "v2")
    );
    let v1 = run(&["jumpcloud", "operations", "--api", "v1", "-o", "ndjson"]).expect(0);
    assert_eq!(v1.ndjson().len(), 57);
    let search = run(&[
        "jumpcloud",
        "operations",
        "--search",
        "memberof",
        "-o",
        "table",
    ])
    .expect(0);
    let header: Vec<&str> = search
        .stdout
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(header, ["OPERATION_ID", "METHOD", "API", "PATH", "SPEC"]);
    assert!(search.stdout.contains("graph_systemMemberOf"));
}

#[test]
fn call_any_operation_by_id() {
    let l = live();
    let page = l
        .run(&[
            "jumpcloud",
            "call",
            "systemusers_list",
            "--param",
            "limit=2",
        ])
        .expect(0)
        .json();
    assert_eq!(page["results"].as_array().unwrap().len(), 2);
    assert_eq!(page["totalCount"], 30);
    // In the row formats a v1 page shows as its items.
    let rows = l
        .run(&[
            "jumpcloud",
            "call",
            "systemusers_list",
            "-p",
            "limit=3",
            "-o",
            "ndjson",
        ])
        .expect(0)
        .ndjson();
    assert_eq!(rows.len(), 3);
    assert!(rows[0]["username"].is_string());
    let all = l
        .run(&[
            "jumpcloud",
            "call",
            "systemusers_list",
            "--all",
            "-o",
            "ndjson",
        ])
        .expect(0)
        .ndjson();
    assert_eq!(all.len(), 30);
    // jcapi-python's snake_case names work too, and bodies from a file.
    let body = TempFile::new("group.json", r#"{"name": "From A File"}"#);
    let group = l
        .run(&[
            "jumpcloud",
            "call",
            "groups_user_post",
            "--body",
            &format!("@{}", body.path()),
        ])
        .expect(0)
        .json();
    assert_eq!(group["name"], "From A File");
    let id = group["id"].as_str().unwrap();
    let got = l
        .run(&[
            "jumpcloud",
            "call",
            "groups_user_get",
            "-p",
            &format!("id={id}"),
        ])
        .expect(0)
        .json();
    assert_eq!(got["name"], "From A File");
    // A file upload (the one multipart operation).
    let logo = TempFile::new("logo.png", "not really a png");
    l.run(&[
        "jumpcloud",
        "call",
        "applications_postLogo",
        "-p",
        "application_id=6ef219420000000000000001",
        "--file",
        &format!("image={}", logo.path()),
    ])
    .expect(0);
    // A file download is written as it comes, not as JSON.
    let out = l
        .run(&[
            "jumpcloud",
            "call",
            "applemdms_csrget",
            "-p",
            "apple_mdm_id=6ef219420000000000000001",
        ])
        .expect(0);
    assert!(!out.stdout.is_empty());
}

#[test]
fn call_rejects_bad_input_with_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["nosuch_operation"],
            "unknown operation \"nosuch_operation\"",
        ),
        (&["systemusers"], "did you mean"),
        (&["systemusers_get"], "needs --param id=VALUE"),
        (
            &["systemusers_get", "--param", "oops"],
            "expected NAME=VALUE",
        ),
        (
            &[
                "systemusers_get",
                "--param",
                "id=1",
                "--param",
                "colour=red",
            ],
            "has no parameter \"colour\"",
        ),
        (
            &["groups_user_post", "--body", "{not json"],
            "--body is not valid JSON",
        ),
        (
            &["systemusers_get", "--param", "id=1", "--body", "{}"],
            "takes no body",
        ),
        (
            &["groups_user_get", "--param", "id=1", "--all"],
            "not a paged list operation",
        ),
        (
            &["systemusers_list", "--file", "a=/nonexistent/logo.png"],
            "takes no file upload",
        ),
        (
            &["systemusers_list", "-p", "limit=ten"],
            "takes a whole number",
        ),
        (
            &[
                "applications_postLogo",
                "-p",
                "application_id=1",
                "--file",
                "image",
            ],
            "expected FIELD=PATH",
        ),
        (
            &[
                "applications_postLogo",
                "-p",
                "application_id=1",
                "--body",
                "{}",
            ],
            "pass --file FIELD=PATH",
        ),
    ];
    for (args, want) in cases {
        let mut all = vec!["--sandbox", "jumpcloud", "call"];
        all.extend_from_slice(args);
        let out = run(&all).expect(2);
        assert!(out.stderr.contains(want), "{args:?}: {}", out.stderr);
        assert_eq!(out.stderr.lines().count(), 1, "{args:?}: {}", out.stderr);
    }
}
