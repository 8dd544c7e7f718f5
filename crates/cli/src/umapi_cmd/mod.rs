//! `idm umapi`: users, groups, single actions, and `apply` for files of actions.

mod apply;
mod groups;
mod users;

use std::path::Path;

use clap::{Args, Subcommand};
use serde_json::{Value, json};
use umapi::{Action, ActionReport, ActionStatus, BatchReport};

use crate::context::Ctx;
use crate::errors::{CliError, CliResult, exit};
use crate::output::{ListWriter, columns};

/// `idm umapi ...`.
#[derive(Debug, Args)]
pub struct UmapiArgs {
    /// The organisation id (…@AdobeOrg) [env: UMAPI_ORG_ID].
    #[arg(long, global = true, value_name = "ID")]
    pub org_id: Option<String>,

    /// Do not pace requests to UMAPI's documented per-client limits (10 action requests, 25 user
    /// reads, 5 group listings a minute); for local sandboxes. Server 429s are still honoured.
    #[arg(long, global = true)]
    pub no_rate_limit: bool,

    #[command(subcommand)]
    command: UmapiCommand,
}

#[derive(Debug, Subcommand)]
enum UmapiCommand {
    /// Users: list, show, create, update, group memberships, removal.
    #[command(
        subcommand,
        after_help = "Example:\n  idm umapi users list --group \"Design Team\" --all"
    )]
    Users(users::UsersCmd),
    /// Groups (user groups, product profiles, admin groups): list.
    #[command(
        subcommand,
        after_help = "Example:\n  idm umapi groups list --all -o csv"
    )]
    Groups(groups::GroupsCmd),
    /// User groups: create, update, delete, members and product profiles.
    #[command(
        subcommand,
        after_help = "Example:\n  idm umapi user-groups add-users \"Design Team\" jdoe@example.com"
    )]
    UserGroups(groups::UserGroupsCmd),
    /// Execute a file of actions (JSON in UMAPI's format, or CSV) in batches, with a report.
    #[command(after_help = apply::HELP)]
    Apply(apply::ApplyArgs),
}

/// Runs a UMAPI command.
pub async fn run(ctx: &Ctx, args: UmapiArgs) -> CliResult {
    match args.command {
        UmapiCommand::Users(cmd) => users::run(ctx, cmd).await,
        UmapiCommand::Groups(cmd) => groups::run(ctx, cmd).await,
        UmapiCommand::UserGroups(cmd) => groups::run_user_groups(ctx, cmd).await,
        UmapiCommand::Apply(a) => apply::run(ctx, a).await,
    }
}

/// `--test-only`, for every command that sends actions.
#[derive(Debug, Clone, Copy, Args)]
pub struct ActionOpts {
    /// Validate the actions with UMAPI (testOnly=true) without changing anything.
    #[arg(long)]
    pub test_only: bool,
}

/// Sends one action and prints its report; exit code 5 when it failed.
pub async fn execute_one(ctx: &Ctx, action: impl Into<Action>, opts: ActionOpts) -> CliResult {
    let client = ctx.umapi(opts.test_only)?;
    let mut queue = client.queue();
    queue.push(action).await;
    let report = queue.flush().await;
    finish_report(ctx, &report, None)
}

/// One action's outcome as a row: structured errors for JSON, one `error` text for tables and CSV.
fn report_row(r: &ActionReport, test_mode: bool) -> Value {
    let error = r
        .errors
        .iter()
        .map(|e| match e.step {
            Some(s) => format!("step {s}: {}: {}", e.code, e.message),
            None => format!("{}: {}", e.code, e.message),
        })
        .collect::<Vec<_>>()
        .join("; ");
    let status = match (r.status, test_mode) {
        (ActionStatus::Completed, false) => "done",
        (ActionStatus::Completed, true) => "ok (test only)",
        (ActionStatus::Failed, _) => "failed",
    };
    let mut row = json!({
        "index": r.index,
        "target": r.target,
        "status": status,
        "errors": r.errors,
    });
    if !error.is_empty()
        && let Some(m) = row.as_object_mut()
    {
        m.insert("error".into(), json!(error));
    }
    if let (Some(id), Some(m)) = (&r.request_id, row.as_object_mut()) {
        m.insert("request_id".into(), json!(id));
    }
    if !r.warnings.is_empty()
        && let Some(m) = row.as_object_mut()
    {
        m.insert("warnings".into(), json!(r.warnings));
    }
    row
}

/// Prints every action's outcome and a summary, writes `report_file`, and turns failures into
/// exit code 5.
pub fn finish_report(ctx: &Ctx, report: &BatchReport, report_file: Option<&Path>) -> CliResult {
    if let Some(path) = report_file {
        let text = serde_json::to_string_pretty(report)
            .map_err(|e| CliError::failure(format!("cannot write the report: {e}")))?;
        std::fs::write(path, text + "\n").map_err(|e| {
            CliError::failure(format!(
                "cannot write the report to {}: {e}",
                path.display()
            ))
        })?;
    }
    let mut w = ListWriter::stdout(
        ctx.format(true),
        Some(columns(&["index", "target", "status", "error"])),
    );
    for r in &report.actions {
        w.push(&report_row(r, report.test_mode))?;
    }
    w.finish()?;
    let failed = report.failed().count();
    let total = report.actions.len();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    eprintln!(
        "{}: {} completed, {failed} failed ({} in {}{})",
        plural(total, "action", "actions"),
        total - failed,
        plural(report.entries_sent, "command entry", "command entries"),
        plural(report.requests, "request", "requests"),
        if report.test_mode {
            "; test only, nothing changed"
        } else {
            ""
        }
    );
    if failed > 0 {
        return Err(CliError::new(
            exit::PARTIAL,
            format!("{failed} of {total} actions failed; the report above gives each server error"),
        ));
    }
    Ok(())
}

/// The exit code when a listing asks for a user that does not exist.
pub fn no_such_user(email: &str) -> CliError {
    CliError::not_found(format!(
        "no user {email:?} in the organisation; `idm umapi users list` shows who is there"
    ))
}
