//! `idm umapi apply FILE`: a JSON array of command entries in UMAPI's own format (any length),
//! or a CSV of user actions, executed in batches with a progress bar and a full report.

use std::io::Read;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::Value;
use umapi::{Action, BatchReport, UserAction, UserUpdate};

use super::finish_report;
use super::users::{IdType, new_user};
use crate::context::Ctx;
use crate::errors::{CliError, CliResult};
use crate::output;

/// `idm umapi apply --help` epilogue: examples and the CSV columns.
pub const HELP: &str = "\
Examples:
  idm umapi apply actions.json --test-only
  idm umapi apply users.csv --report report.json

JSON: an array of command entries exactly as UMAPI takes them, e.g.
  [{\"user\": \"jdoe@example.com\", \"do\": [{\"addAdobeID\": {\"email\": \"jdoe@example.com\"}},
                                         {\"add\": {\"group\": [\"Design Team\"]}}]}]
  of any length: idm splits long actions and sends 10 entries a request.

CSV: a header row, then one action a row. Columns (any order; only user and command required):
  user           the user's email (or username, with domain)
  command        create | update | add-to-groups | remove-from-groups | remove
  domain         the user's domain, when user is not an email
  type           create: adobe | enterprise | federated (required for create)
  firstname, lastname, country    create and update (country: create only)
  email, username                 update: the new email or username
  groups         create, add-to-groups, remove-from-groups: names separated by ';'
                 (remove-from-groups with groups '*': every group)
  delete_account remove: true to delete the account as well
Exit code 0 only when every action succeeded; 5 when some failed (see the report).";

/// Input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// A JSON array of UMAPI command entries.
    Json,
    /// A CSV of user actions (columns in `idm umapi apply --help`).
    Csv,
}

/// `idm umapi apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The file of actions (`-` for stdin).
    file: PathBuf,
    /// The file's format [default: from the extension, else JSON if it starts with `[`].
    #[arg(long, value_enum)]
    format: Option<InputFormat>,
    /// Validate every action with UMAPI (testOnly=true) without changing anything.
    #[arg(long)]
    test_only: bool,
    /// Also write the full report (every action, errors, warnings) as JSON to this file.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Do not send UMAPI's sync start/end signals around the run.
    #[arg(long)]
    no_sync_signals: bool,
}

fn read_input(path: &PathBuf) -> CliResult<String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| CliError::usage(format!("cannot read the actions from stdin: {e}")))?;
        return Ok(s);
    }
    std::fs::read_to_string(path)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))
}

/// Which format a file is in.
fn detect(path: &std::path::Path, text: &str, flag: Option<InputFormat>) -> InputFormat {
    if let Some(f) = flag {
        return f;
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("csv") => InputFormat::Csv,
        Some(e) if e.eq_ignore_ascii_case("json") => InputFormat::Json,
        _ if text.trim_start().starts_with('[') => InputFormat::Json,
        _ => InputFormat::Csv,
    }
}

/// Parses the JSON form.
pub fn parse_json(text: &str, origin: &str) -> CliResult<Vec<Action>> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| CliError::usage(format!("{origin} is not valid JSON: {e}")))?;
    Action::list_from_wire(&value).map_err(|e| CliError::usage(format!("{origin}: {e}")))
}

/// Parses the CSV form; every row is checked before anything is sent.
pub fn parse_csv(text: &str, origin: &str) -> CliResult<Vec<Action>> {
    const KNOWN: &[&str] = &[
        "user",
        "command",
        "domain",
        "type",
        "firstname",
        "lastname",
        "country",
        "email",
        "username",
        "groups",
        "delete_account",
    ];
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| CliError::usage(format!("{origin}: cannot read the CSV header: {e}")))?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    if let Some(bad) = headers.iter().find(|h| !KNOWN.contains(&h.as_str())) {
        return Err(CliError::usage(format!(
            "{origin}: unknown CSV column {bad:?}; the columns are: {}",
            KNOWN.join(", ")
        )));
    }
    for need in ["user", "command"] {
        if !headers.iter().any(|h| h == need) {
            return Err(CliError::usage(format!(
                "{origin}: the CSV has no {need:?} column"
            )));
        }
    }
    let mut actions = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| CliError::usage(format!("{origin} line {line}: {e}")))?;
        let get = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|p| record.get(p))
                .filter(|v| !v.is_empty())
        };
        let action =
            csv_row(&get).map_err(|e| CliError::usage(format!("{origin} line {line}: {e}")))?;
        actions.push(action);
    }
    Ok(actions)
}

/// One CSV row as an action; the error says what is wrong with the row.
fn csv_row<'a>(get: &dyn Fn(&str) -> Option<&'a str>) -> Result<Action, String> {
    let user = get("user").ok_or("the user column is empty")?;
    let command = get("command").ok_or("the command column is empty")?;
    let groups: Vec<String> = get("groups")
        .map(|g| {
            g.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let s = |e: umapi::Error| match e {
        umapi::Error::Argument(m) => m,
        other => other.to_string(),
    };
    let base = match get("domain") {
        Some(d) => UserAction::with_domain(user, d),
        None => UserAction::new(user),
    }
    .map_err(s)?;
    let action = match command {
        "create" => {
            let id_type = match get("type") {
                Some("adobe") => IdType::Adobe,
                Some("enterprise") => IdType::Enterprise,
                Some("federated") => IdType::Federated,
                Some(other) => {
                    return Err(format!(
                        "type {other:?}: expected adobe, enterprise or federated"
                    ));
                }
                None => return Err("create needs a type (adobe, enterprise or federated)".into()),
            };
            let nu = new_user(
                id_type,
                user,
                get("firstname"),
                get("lastname"),
                get("country"),
            )
            .map_err(|e| e.to_string().replace("--", ""))?;
            let a = base.create(nu).map_err(s)?;
            if groups.is_empty() {
                a
            } else {
                a.add_to_groups(groups).map_err(s)?
            }
        }
        "update" => {
            let mut u = UserUpdate::new();
            if let Some(v) = get("firstname") {
                u = u.firstname(v);
            }
            if let Some(v) = get("lastname") {
                u = u.lastname(v);
            }
            if let Some(v) = get("email") {
                u = u.email(v);
            }
            if let Some(v) = get("username") {
                u = u.username(v);
            }
            base.update(u).map_err(s)?
        }
        "add-to-groups" => {
            if groups.is_empty() {
                return Err("add-to-groups needs groups".into());
            }
            base.add_to_groups(groups).map_err(s)?
        }
        "remove-from-groups" => match groups.as_slice() {
            [] => return Err("remove-from-groups needs groups (or '*' for all)".into()),
            [all] if all == "*" => base.remove_from_all_groups().map_err(s)?,
            _ => base.remove_from_groups(groups).map_err(s)?,
        },
        "remove" => {
            let delete = match get("delete_account") {
                None | Some("false") | Some("no") | Some("0") => false,
                Some("true") | Some("yes") | Some("1") => true,
                Some(other) => {
                    return Err(format!("delete_account {other:?}: expected true or false"));
                }
            };
            base.remove_from_org(delete).map_err(s)?
        }
        other => {
            return Err(format!(
                "unknown command {other:?}: expected create, update, add-to-groups, \
                 remove-from-groups or remove"
            ));
        }
    };
    action.build().map_err(s)
}

/// Reads, checks and executes the file.
pub async fn run(ctx: &Ctx, a: ApplyArgs) -> CliResult {
    let text = read_input(&a.file)?;
    let origin = if a.file.as_os_str() == "-" {
        "stdin".to_owned()
    } else {
        a.file.display().to_string()
    };
    let actions = match detect(&a.file, &text, a.format) {
        InputFormat::Json => parse_json(&text, &origin)?,
        InputFormat::Csv => parse_csv(&text, &origin)?,
    };
    drop(text);
    let client = ctx.umapi(a.test_only)?;
    let report = execute(&client, actions, !a.no_sync_signals).await;
    finish_report(ctx, &report, a.report.as_deref())
}

/// Sends the actions in batches. With sync signals, the first request carries the start signal
/// and a last request of its own carries the end signal.
async fn execute(client: &umapi::Client, mut actions: Vec<Action>, sync: bool) -> BatchReport {
    let total = actions.len() as u64;
    let bar = output::progress_always(Some(total), "actions");
    let last = if sync && actions.len() > 1 {
        actions.pop()
    } else {
        None
    };
    if sync {
        client.start_sync();
    }
    let mut queue = client.queue();
    for action in actions {
        queue.push(action).await;
        if let Some(b) = &bar {
            b.inc(1);
        }
    }
    let mut report = queue.flush().await;
    if let Some(action) = last {
        // The end signal goes on the next request: make that the last one.
        client.end_sync();
        queue.push(action).await;
        let tail = queue.flush().await;
        let offset = report.actions.len();
        report.requests += tail.requests;
        report.entries_sent += tail.entries_sent;
        report.actions.extend(tail.actions.into_iter().map(|mut r| {
            r.index += offset;
            r
        }));
        if let Some(b) = &bar {
            b.inc(1);
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    report.test_mode = client.test_mode();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_become_actions() {
        let csv = "user,command,type,firstname,lastname,country,groups\n\
                   a@example.com,create,federated,A,B,US,G1;G2\n\
                   b@example.com,remove-from-groups,,,,,*\n";
        let actions = parse_csv(csv, "t.csv").unwrap();
        assert_eq!(actions.len(), 2);
        let wire = actions[0].to_wire();
        assert_eq!(wire["user"], "a@example.com");
        assert_eq!(wire["do"][0]["createFederatedID"]["country"], "US");
        assert_eq!(wire["do"][1]["add"]["group"][1], "G2");
        assert_eq!(actions[1].to_wire()["do"][0]["remove"], "all");
    }

    #[test]
    fn csv_errors_name_the_line() {
        let err = parse_csv("user,command\na@example.com,create\n", "t.csv").unwrap_err();
        assert!(
            err.to_string()
                .contains("t.csv line 2: create needs a type"),
            "{err}"
        );
        let err = parse_csv("user,command,colour\n", "t.csv").unwrap_err();
        assert!(
            err.to_string().contains("unknown CSV column \"colour\""),
            "{err}"
        );
        let err = parse_csv("user,command\na@example.com,fly\n", "t.csv").unwrap_err();
        assert!(err.to_string().contains("unknown command \"fly\""), "{err}");
    }

    #[test]
    fn json_must_be_an_array_of_entries() {
        assert!(parse_json("{}", "f").is_err());
        assert!(parse_json("[{\"user\": \"a@b.c\"}]", "f").is_err());
        assert_eq!(
            parse_json(
                "[{\"user\": \"a@b.c\", \"do\": [{\"add\": {\"group\": [\"G\"]}}]}]",
                "f"
            )
            .unwrap()
            .len(),
            1
        );
    }

    #[test]
    fn format_comes_from_the_extension_or_the_content() {
        let p = std::path::Path::new;
        assert_eq!(detect(p("a.CSV"), "[", None), InputFormat::Csv);
        assert_eq!(detect(p("a.txt"), " [", None), InputFormat::Json);
        assert_eq!(detect(p("-"), "user,command", None), InputFormat::Csv);
        assert_eq!(
            detect(p("a.csv"), "", Some(InputFormat::Json)),
            InputFormat::Json
        );
    }
}
