use std::path::PathBuf;

use super::*;

/// A directory of configuration files, removed at the end.
struct Files(PathBuf);

impl Files {
    fn new(files: &[(&str, &str)]) -> Files {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "idm-sync-config-{}-{}",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        Files(dir)
    }

    fn invocation(&self, users: &[&str]) -> Invocation {
        Invocation {
            config_filename: Some(self.0.join("user-sync-config.yml")),
            users: Some(users.iter().map(|s| s.to_string()).collect()),
            ..Invocation::default()
        }
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const MAIN: &str = "
adobe_users:
  connectors:
    umapi: connector-umapi.yml
  exclude_identity_types: [adobeID]
  exclude_adobe_groups: [_org_admin]
  exclude_users:
  update_attributes: [firstname, LastName]
directory_users:
  user_identity_type: federatedID
  default_country_code: NO
  connectors:
    csv: connector-csv.yml
  groups:
    - directory_group: Designers
      adobe_groups: [Creative Cloud, Design Team]
    - directory_group: Interns
      adobe_groups:
  additional_groups:
    - source: ACL_(.+)
      target: Adobe-\\1
limits:
  max_adobe_only_users: 10%
logging:
  log_to_file: True
  file_log_directory: logs
invocation_defaults:
  process_groups: Yes
  adobe_only_user_action: [write-file, strays.csv]
  test_mode: No
  users: mapped
";

const UMAPI: &str = "
authentication_method: oauth
server:
  host: umapi.example.test
enterprise:
  org_id: ABC@AdobeOrg
  client_id: cid
  client_secret: very-secret-value
";

const CSV: &str = "
delimiter: ';'
email_column_name: mail
";

#[test]
fn reads_user_sync_files_as_user_sync_does() {
    let f = Files::new(&[
        ("user-sync-config.yml", MAIN),
        ("connector-umapi.yml", UMAPI),
        ("connector-csv.yml", CSV),
    ]);
    // The command line wins over invocation_defaults, which win over the defaults.
    let mut inv = f.invocation(&["file", "users.csv"]);
    inv.test_mode = Some(true);
    let c = load(&inv).unwrap();
    let r = &c.rules;
    assert!(r.process_groups && !r.update_user_info && c.test_mode);
    assert_eq!(
        r.adobe_only,
        AdobeOnlyAction::WriteFile("strays.csv".into())
    );
    assert_eq!(
        r.users,
        UserSelection::All,
        "--users file selects every user of the file"
    );
    assert_eq!(r.max_adobe_only_users, Limit::Percent(10.0));
    assert_eq!(r.exclude_identity_types, [IdentityType::AdobeId]);
    assert_eq!(
        r.update_attributes,
        [Attribute::FirstName, Attribute::LastName]
    );
    assert_eq!(r.default_country_code.as_deref(), Some("NO"));
    assert_eq!(r.mapping["Designers"], ["Creative Cloud", "Design Team"]);
    assert!(r.mapping["Interns"].is_empty());
    assert_eq!(r.additional_groups[0].target, "Adobe-${1}");
    let DirectorySource::Csv { path, options } = &c.directory else {
        panic!("{:?}", c.directory)
    };
    assert_eq!(
        path,
        &PathBuf::from("users.csv"),
        "relative to the working directory"
    );
    assert_eq!(
        (options.delimiter, options.email.as_str()),
        (Some(b';'), "mail")
    );
    assert_eq!(options.default_identity_type, IdentityType::FederatedId);
    let u = c.umapi.as_ref().unwrap();
    assert_eq!(u.endpoint, "https://umapi.example.test/v2/usermanagement");
    assert_eq!(u.ims_url, "https://ims-na1.adobelogin.com");
    assert_eq!((u.timeout_secs, u.retries), (120, 3));
    assert!(matches!(&u.auth, UmapiAuth::OAuth { client_id, .. } if client_id == "cid"));
    assert!(!format!("{c:?}").contains("very-secret-value"));
    assert!(c.logging.log_to_file);
    assert_eq!(c.logging.file_log_directory, f.0.join("logs"));

    // invocation_defaults apply when the command line is silent.
    let inv = Invocation {
        config_filename: Some(f.0.join("user-sync-config.yml")),
        connector: Some(vec!["csv".into(), "dir.csv".into()]),
        ..Invocation::default()
    };
    let c = load(&inv).unwrap();
    assert_eq!(c.rules.users, UserSelection::Mapped);
    assert!(!c.test_mode);
}

#[test]
fn jwt_is_the_default_authentication_with_the_key_beside_the_file() {
    let umapi = "enterprise:\n  org_id: A@AdobeOrg\n  client_id: c\n  client_secret: s\n  tech_acct_id: t@techacct.adobe.com\n  priv_key_path: private.key\n";
    let f = Files::new(&[
        (
            "user-sync-config.yml",
            "adobe_users:\n  connectors:\n    umapi: connector-umapi.yml\ndirectory_users: {}\nlimits:\n  max_adobe_only_users: 200\n",
        ),
        ("connector-umapi.yml", umapi),
    ]);
    let c = load(&f.invocation(&["file", "u.csv"])).unwrap();
    let Some(UmapiConnection {
        auth: UmapiAuth::Jwt { private_key, .. },
        ..
    }) = &c.umapi
    else {
        panic!("{:?}", c.umapi)
    };
    assert_eq!(private_key, &f.0.join("private.key"));
    assert_eq!(c.rules.max_adobe_only_users, Limit::Count(200));
}

/// Each bad configuration: its error names the file and what to fix.
#[test]
fn bad_configurations_say_what_is_wrong() {
    let base = "adobe_users: {}\ndirectory_users: {}\nlimits:\n  max_adobe_only_users: 5\n";
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "adobe_users: {}\ndirectory_users: {}\n",
            "'limits' must be specified",
            &["file", "u.csv"],
        ),
        (
            "adobe_users:\n  exclude_groups: [x]\n",
            "unknown field `exclude_groups`",
            &["file", "u.csv"],
        ),
        (
            "adobe_users:\n  exclude_identity_types: [robotID]\ndirectory_users: {}\nlimits:\n  max_adobe_only_users: 5\n",
            "\"robotID\" is not adobeID",
            &["file", "u.csv"],
        ),
        (
            "adobe_users: {}\ndirectory_users: {}\nlimits:\n  max_adobe_only_users: 150%\n",
            "from 0% to 100%",
            &["file", "u.csv"],
        ),
        (
            "adobe_users:\n  exclude_users: ['(?<=x)y']\ndirectory_users: {}\nlimits:\n  max_adobe_only_users: 5\n",
            "look-behind",
            &["file", "u.csv"],
        ),
        (
            "adobe_users: {}\ndirectory_users:\n  extension: ext.yml\nlimits:\n  max_adobe_only_users: 5\n",
            "Python extensions",
            &["file", "u.csv"],
        ),
        (base, "the ldap connector is not supported", &["all"]),
        (base, "--users group needs exactly one value", &["group"]),
        (
            "adobe_users: {}\ndirectory_users: {}\nlimits:\n  max_adobe_only_users: 5\ninvocation_defaults:\n  test_mode: perhaps\n",
            "\"perhaps\" is not a boolean",
            &["file", "u.csv"],
        ),
    ];
    for (main, want, users) in cases {
        let f = Files::new(&[("user-sync-config.yml", main)]);
        let e = load(&f.invocation(users)).unwrap_err();
        let shown = e.to_string();
        assert!(shown.contains(want), "{main}\n→ {shown}");
        assert!(shown.contains("user-sync-config.yml"), "{shown}");
    }

    // A key's error names its line.
    let f = Files::new(&[(
        "user-sync-config.yml",
        "adobe_users:\n  exclude_identity_types: [robotID]\ndirectory_users: {}\nlimits:\n  max_adobe_only_users: 5\n",
    )]);
    let e = load(&f.invocation(&["file", "u.csv"])).unwrap_err();
    assert_eq!(e.line, Some(2), "{e}");
    assert!(
        e.to_string()
            .contains("user-sync-config.yml:2: adobe_users.exclude_identity_types:"),
        "{e}"
    );

    // The connector file's problems name the connector file.
    let main = "adobe_users:\n  connectors:\n    umapi: c.yml\ndirectory_users: {}\nlimits:\n  max_adobe_only_users: 5\n";
    for (umapi, want) in [
        (
            "enterprise:\n  org_id: o\n  client_id: c\n  client_secret: s\n  secure_client_secret_key: k\n",
            "give client_secret or secure_client_secret_key, not both",
        ),
        (
            "enterprise:\n  org_id: o\n  client_id: c\n  client_secret: s\n  secure_priv_key_pass_key: k\n",
            "enterprise.secure_priv_key_pass_key: inline and encrypted private keys",
        ),
        ("server:\n  ssl_verify: No\nenterprise: {}\n", "IDM_CA_FILE"),
        (
            "authentication_method: oauth\nenterprise:\n  org_id: o\n  client_id: c\n",
            "client_secret must be specified",
        ),
    ] {
        let f = Files::new(&[("user-sync-config.yml", main), ("c.yml", umapi)]);
        let e = load(&f.invocation(&["file", "u.csv"])).unwrap_err();
        assert_eq!(e.file.as_deref(), Some(f.0.join("c.yml").as_path()), "{e}");
        assert!(e.message.contains(want), "{e}");
    }
}

#[test]
fn the_jumpcloud_connector_reads_the_mapped_groups_and_those_users_are_selected_by() {
    let main = "adobe_users: {}\ndirectory_users:\n  groups:\n    - directory_group: Adobe_Designers\n      adobe_groups: [Design Team]\nlimits:\n  max_adobe_only_users: 5\n";
    let f = Files::new(&[("user-sync-config.yml", main)]);
    let groups = |users: &[&str]| {
        let mut inv = f.invocation(users);
        inv.connector = Some(vec!["jumpcloud".into()]);
        match load(&inv).unwrap().directory {
            DirectorySource::Jumpcloud { options, .. } => {
                let mut g: Vec<String> = options.groups.unwrap().into_iter().collect();
                g.sort();
                g
            }
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(groups(&["all"]), ["Adobe_Designers"]);
    assert_eq!(
        groups(&["group", "Contractors,Interns"]),
        ["Adobe_Designers", "Contractors", "Interns"]
    );
}
