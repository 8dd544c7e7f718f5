//! `idm umapi`: users, groups, single actions, and `apply` for files of actions.

mod apply;
mod groups;
mod users;

use std::io::Write as _;
use std::path::{Path, PathBuf};

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

/// What a create does when the user or group exists already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IfExists {
    /// Leave it as it is; the action succeeds.
    Ignore,
    /// Update its names (users) or description (groups).
    Update,
    /// Fail the action.
    Error,
}

impl From<IfExists> for umapi::IfAlreadyExists {
    fn from(v: IfExists) -> Self {
        match v {
            IfExists::Ignore => umapi::IfAlreadyExists::Ignore,
            IfExists::Update => umapi::IfAlreadyExists::Update,
            IfExists::Error => umapi::IfAlreadyExists::Error,
        }
    }
}

/// `--test-only`, for every command that sends actions.
#[derive(Debug, Clone, Copy, Args)]
pub struct ActionOpts {
    /// Validate the actions with UMAPI (testOnly=true) without changing anything.
    #[arg(long)]
    pub test_only: bool,
}

/// Sends one action and prints its report; exit code 4 when it failed only because the user
/// or a group does not exist, 5 when it failed otherwise.
pub async fn execute_one(ctx: &Ctx, action: impl Into<Action>, opts: ActionOpts) -> CliResult {
    let client = ctx.umapi(opts.test_only)?;
    let mut reporter = Reporter::new(ctx, None, opts.test_only)?;
    let mut queue = client.queue();
    queue.push(action).await;
    let report = queue.flush().await;
    let missing = report.actions.iter().all(|a| {
        a.status == ActionStatus::Failed
            && !a.errors.is_empty()
            && a.errors.iter().all(|e| is_not_found(&e.code))
    });
    reporter.add(report)?;
    match reporter.finish() {
        Err(e) if missing && e.exit_code() == exit::PARTIAL => Err(CliError::not_found(
            "the action failed: the user or group it names does not exist",
        )),
        other => other,
    }
}

/// UMAPI's error codes for a user, group or domain that does not exist
/// (`error.user.nonexistent`, `error.group.not_found`, ...).
fn is_not_found(code: &str) -> bool {
    code.ends_with(".nonexistent") || code.ends_with(".not_found")
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

/// Writes the outcome of actions as batches of them end: a row each on stdout, an entry each in
/// the JSON report file, then a summary line on stderr and the exit code (5 when any failed).
/// Nothing is kept per action, so a run of any length needs the same memory.
pub struct Reporter {
    rows: ListWriter,
    file: Option<(PathBuf, std::io::BufWriter<std::fs::File>)>,
    test_mode: bool,
    total: usize,
    failed: usize,
    requests: usize,
    entries: usize,
    progress: Option<indicatif::ProgressBar>,
}

impl Reporter {
    /// Starts the report; the report file is created now, so that a bad path fails before any
    /// action is sent.
    pub fn new(ctx: &Ctx, report_file: Option<&Path>, test_mode: bool) -> CliResult<Self> {
        let file = match report_file {
            Some(path) => {
                let f = std::fs::File::create(path).map_err(|e| {
                    CliError::usage(format!(
                        "cannot write the report to {}: {e}",
                        path.display()
                    ))
                })?;
                let mut w = std::io::BufWriter::new(f);
                write!(w, "{{\"test_mode\": {test_mode},\n\"actions\": [")
                    .map_err(|e| file_error(path, &e))?;
                Some((path.to_path_buf(), w))
            }
            None => None,
        };
        Ok(Reporter {
            rows: ListWriter::stdout(
                ctx.format(true),
                Some(columns(&["index", "target", "status", "error"])),
            ),
            file,
            test_mode,
            total: 0,
            failed: 0,
            requests: 0,
            entries: 0,
            progress: None,
        })
    }

    /// Adds the reports of one flush of the queue (their indexes count from this batch's start).
    pub fn add(&mut self, batch: BatchReport) -> CliResult {
        match self.progress.clone() {
            // Rows for the terminal are written with the bar out of the way.
            Some(bar) => bar.suspend(|| {
                self.add_rows(batch)?;
                self.rows.flush()
            }),
            None => self.add_rows(batch),
        }
    }

    /// Shows a progress bar that report rows must not garble (stdout and stderr on one screen).
    pub fn set_progress(&mut self, bar: Option<indicatif::ProgressBar>) {
        self.progress = bar.filter(|_| std::io::IsTerminal::is_terminal(&std::io::stdout()));
    }

    fn add_rows(&mut self, batch: BatchReport) -> CliResult {
        let offset = self.total;
        for mut r in batch.actions {
            r.index += offset;
            self.rows.push(&report_row(&r, self.test_mode))?;
            if let Some((path, w)) = &mut self.file {
                let sep = if self.total == 0 { "\n" } else { ",\n" };
                w.write_all(sep.as_bytes())
                    .map_err(|e| file_error(path, &e))?;
                serde_json::to_writer(&mut *w, &r)
                    .map_err(|e| file_error(path, &std::io::Error::other(e)))?;
            }
            if r.status == ActionStatus::Failed {
                self.failed += 1;
            }
            self.total += 1;
        }
        self.requests += batch.requests;
        self.entries += batch.entries_sent;
        Ok(())
    }

    /// Ends the output and the report file, prints the summary, and returns exit code 5 when
    /// any action failed.
    pub fn finish(self) -> CliResult {
        if let Some((path, mut w)) = self.file {
            write!(
                w,
                "\n],\n\"requests\": {},\n\"entries_sent\": {}}}\n",
                self.requests, self.entries
            )
            .and_then(|()| w.flush())
            .map_err(|e| file_error(&path, &e))?;
        }
        self.rows.finish()?;
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let (total, failed) = (self.total, self.failed);
        eprintln!(
            "{}: {} completed, {failed} failed ({} in {}{})",
            plural(total, "action", "actions"),
            total - failed,
            plural(self.entries, "command entry", "command entries"),
            plural(self.requests, "request", "requests"),
            if self.test_mode {
                "; test only, nothing changed"
            } else {
                ""
            }
        );
        if failed > 0 {
            return Err(CliError::new(
                exit::PARTIAL,
                format!(
                    "{failed} of {total} actions failed; the report above gives each server error"
                ),
            ));
        }
        Ok(())
    }
}

fn file_error(path: &Path, e: &std::io::Error) -> CliError {
    CliError::failure(format!(
        "cannot write the report to {}: {e}",
        path.display()
    ))
}

/// The exit code when a listing asks for a user that does not exist.
pub fn no_such_user(email: &str) -> CliError {
    CliError::not_found(format!(
        "no user {email:?} in the organisation; `idm umapi users list` shows who is there"
    ))
}
