//! `idm umapi`: users, groups, single actions, and `apply` for files of actions.

mod apply;
mod groups;
mod input;
mod users;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::{Value, json};
use umapi::journal::{Journal, JournalHeader, Recorder};
use umapi::{Action, ActionQueue, ActionReport, ActionStatus, Applied, BatchReport};

use crate::context::Ctx;
use crate::errors::{CliError, CliResult, exit};
use crate::output::{ListWriter, columns};
use crate::stop::Stop;

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
/// or a group does not exist, 5 when it failed otherwise. It is journaled like `apply`.
pub async fn execute_one(ctx: &Ctx, action: impl Into<Action>, opts: ActionOpts) -> CliResult {
    let client = ctx.umapi(opts.test_only)?;
    let run = RunFiles::default();
    let mut reporter = Reporter::new(ctx, &client, "action", &run)?;
    let mut queue = client.queue();
    reporter.observe(&mut queue);
    let action = action.into();
    reporter.track(0, &action, None);
    queue.push(action).await;
    let report = queue.flush().await;
    let missing = report.actions.iter().all(|a| {
        a.status == ActionStatus::Failed
            && !a.errors.is_empty()
            && a.errors.iter().all(|e| is_not_found(&e.code))
    });
    reporter.add(report)?;
    match reporter.finish(None) {
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
fn report_row(index: usize, r: &ActionReport, test_mode: bool) -> Value {
    let error = r
        .errors
        .iter()
        .map(|e| match e.step {
            Some(s) => format!("step {s}: {}: {}", e.code, e.message),
            None => format!("{}: {}", e.code, e.message),
        })
        .collect::<Vec<_>>()
        .join("; ");
    let status = match (r.applied(), test_mode) {
        (Applied::Done, true) => "ok (test only)",
        (a, _) => a.as_str(),
    };
    let mut row = json!({
        "index": index,
        "target": r.target,
        "status": status,
        "errors": r.errors,
    });
    if let Some(m) = row.as_object_mut() {
        if !error.is_empty() {
            m.insert("error".into(), json!(error));
        }
        if let Some(id) = &r.request_id {
            m.insert("request_id".into(), json!(id));
        }
        if !r.warnings.is_empty() {
            m.insert("warnings".into(), json!(r.warnings));
        }
    }
    row
}

/// The files of a change-making run: the journal (given, or a new one under the state
/// directory), the report, and the input they must not overwrite.
#[derive(Debug, Default, Clone)]
pub struct RunFiles {
    /// `--journal FILE`.
    pub journal: Option<PathBuf>,
    /// `--resume JOURNAL`: append to it.
    pub resume: Option<PathBuf>,
    /// `--report FILE`.
    pub report: Option<PathBuf>,
    /// The input file, when there is one.
    pub input: Option<PathBuf>,
}

/// Where journals go by default: `$XDG_STATE_HOME/idm/runs`, else `~/.local/state/idm/runs`.
fn state_dir() -> PathBuf {
    std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(std::env::temp_dir)
        .join("idm")
}

/// True when two paths name the same file (or would: a file not there yet is compared by name).
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// A lock that keeps two change-making runs against one organisation from overlapping. Held
/// while the value lives; a lock left by a process that is gone is taken over.
struct RunLock {
    path: PathBuf,
}

impl RunLock {
    fn take(org_id: &str, endpoint: &str, journal: &Path) -> CliResult<RunLock> {
        let key = {
            use std::hash::{Hash, Hasher};
            let mut h = std::hash::DefaultHasher::new();
            (org_id, endpoint).hash(&mut h);
            h.finish()
        };
        let dir = state_dir().join("locks");
        std::fs::create_dir_all(&dir).map_err(|e| {
            CliError::failure(format!(
                "cannot create the lock directory {}: {e}; set XDG_STATE_HOME to a writable \
                 directory",
                dir.display()
            ))
        })?;
        let path = dir.join(format!("{key:016x}.lock"));
        let me = format!(
            "{}\n{}\n{}\n",
            std::process::id(),
            org_id,
            journal.display()
        );
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    f.write_all(me.as_bytes()).map_err(|e| {
                        CliError::failure(format!("cannot write {}: {e}", path.display()))
                    })?;
                    return Ok(RunLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let held = std::fs::read_to_string(&path).unwrap_or_default();
                    let mut lines = held.lines();
                    let pid = lines.next().and_then(|p| p.trim().parse::<u32>().ok());
                    let alive = pid.is_some_and(|p| Path::new(&format!("/proc/{p}")).exists());
                    if alive {
                        let journal = held.lines().nth(2).unwrap_or("?");
                        return Err(CliError::usage(format!(
                            "another idm run (process {}) is changing organisation {org_id} now \
                             (its journal: {journal}); wait for it to end, or remove {} if that \
                             process is not idm",
                            pid.unwrap_or(0),
                            path.display()
                        )));
                    }
                    // Left by a run that is gone.
                    let _ = std::fs::remove_file(&path);
                }
                Err(e) => {
                    return Err(CliError::failure(format!(
                        "cannot create the lock {}: {e}",
                        path.display()
                    )));
                }
            }
        }
        Err(CliError::failure(format!(
            "cannot take the lock {}",
            path.display()
        )))
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Counts of how actions ended.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    done: usize,
    failed: usize,
    not_sent: usize,
    unknown: usize,
    throttled: usize,
    auth: usize,
}

/// Reports a change-making run: a row per action on stdout as batches end, a journal line per
/// action as each answer arrives (fsynced), the report file rendered from the journal at the
/// end, a summary line on stderr and the exit code. Nothing is kept per action beyond what is
/// in flight, so a run of any length needs the same memory.
pub struct Reporter {
    rows: Option<ListWriter>,
    stop: Option<Stop>,
    recorder: Recorder,
    journal_path: PathBuf,
    report_file: Option<PathBuf>,
    _lock: RunLock,
    /// The command, when its runs can be resumed from their journal (`apply`, `sync`).
    resumable: Option<&'static str>,
    /// Added to every `seq` journaled.
    seq_offset: usize,
    test_mode: bool,
    counts: Counts,
    total: usize,
    requests: usize,
    entries: usize,
    progress: Option<indicatif::ProgressBar>,
}

impl Reporter {
    /// Starts the run's journal (and takes the organisation's lock); checks that the report
    /// and journal paths overwrite neither the input nor each other, before anything is sent.
    pub fn new(
        ctx: &Ctx,
        client: &umapi::Client,
        command: &str,
        files: &RunFiles,
    ) -> CliResult<Self> {
        let test_mode = client.test_mode();
        if let (Some(input), Some(report)) = (&files.input, &files.report)
            && same_file(input, report)
        {
            return Err(CliError::usage(format!(
                "--report {} is the input file: it would be overwritten; name another file",
                report.display()
            )));
        }
        let journal_path = match (&files.resume, &files.journal) {
            (_, Some(j)) => j.clone(),
            (Some(j), None) => j.clone(),
            (None, None) => {
                let stamp = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis())
                    .unwrap_or(0);
                state_dir().join("runs").join(format!(
                    "{stamp}-{}-{}.ndjson",
                    command.replace(' ', "-"),
                    std::process::id()
                ))
            }
        };
        for (other, what) in [
            (&files.input, "the input file"),
            (&files.report, "--report"),
        ] {
            if let Some(other) = other
                && same_file(other, &journal_path)
            {
                return Err(CliError::usage(format!(
                    "the journal {} is {what}; name another file with --journal",
                    journal_path.display()
                )));
            }
        }
        if let Some(report) = &files.report {
            // Created now, so that a bad path fails before any action is sent.
            std::fs::File::create(report).map_err(|e| {
                CliError::usage(format!(
                    "cannot write the report to {}: {e}",
                    report.display()
                ))
            })?;
        }
        let lock = RunLock::take(client.org_id(), &client.endpoint_url(), &journal_path)?;
        let mut header = JournalHeader::new(command, client.org_id(), test_mode);
        header.input = files.input.as_ref().map(|p| {
            std::fs::canonicalize(p)
                .unwrap_or_else(|_| p.clone())
                .display()
                .to_string()
        });
        let journal = if files.resume.as_ref() == Some(&journal_path) {
            Journal::append(&journal_path, &header)
        } else {
            Journal::create(&journal_path, &header)
        }
        .map_err(|e| {
            CliError::usage(format!(
                "cannot write the journal {}: {e}{}",
                journal_path.display(),
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    " (a journal is never overwritten: name a new file, or --resume it)"
                } else {
                    " (name a writable file with --journal, or set XDG_STATE_HOME to a writable \
                     directory)"
                }
            ))
        })?;
        if command == "action" {
            tracing::info!("journal: {}", journal_path.display());
        } else {
            eprintln!("journal: {}", journal_path.display());
        }
        Ok(Reporter {
            rows: Some(ListWriter::stdout(
                ctx.format(true),
                Some(columns(&["index", "target", "status", "error"])),
            )),
            stop: None,
            recorder: Recorder::new(journal),
            journal_path,
            report_file: files.report.clone(),
            _lock: lock,
            resumable: match command {
                "apply" => Some("idm umapi apply"),
                "sync" => Some("idm sync (the same options)"),
                _ => None,
            },
            seq_offset: 0,
            test_mode,
            counts: Counts::default(),
            total: 0,
            requests: 0,
            entries: 0,
            progress: None,
        })
    }

    /// Ends the progress bar, if any.
    pub fn end_progress(&mut self) {
        if let Some(b) = self.progress.take() {
            b.finish_and_clear();
        }
    }

    /// Actions reported so far: (all, done).
    pub fn tally(&self) -> (usize, usize) {
        (self.total, self.counts.done)
    }

    /// Where a closed stdout is reported as a stop request.
    pub fn set_stop(&mut self, stop: Stop) {
        self.stop = Some(stop);
    }

    /// Numbers this run's journal lines after an earlier run's (a resumed sync, whose plan is
    /// new).
    pub fn set_seq_offset(&mut self, offset: usize) {
        self.seq_offset = offset;
    }

    /// Makes the queue journal every action as its answer arrives.
    pub fn observe(&self, queue: &mut ActionQueue) {
        self.recorder.attach(queue);
    }

    /// Remembers an action about to be pushed (its place in the input is `seq`, why it is sent
    /// `reason`), for its journal line.
    pub fn track(&self, seq: usize, action: &Action, reason: Option<&str>) {
        self.recorder.track(seq + self.seq_offset, action, reason);
    }

    /// A failure to write the journal: the run must stop, since it could no longer say what
    /// it did.
    pub fn journal_error(&self) -> Option<CliError> {
        self.recorder.error().map(|e| {
            CliError::failure(format!(
                "cannot write the journal {}: {e}; stopped sending",
                self.journal_path.display()
            ))
        })
    }

    /// Adds the reports of one flush of the queue: rows on stdout, and journal lines for any
    /// action the queue did not hand out as answered (abandoned in flight).
    pub fn add(&mut self, batch: BatchReport) -> CliResult {
        self.recorder.flushed(&batch.actions);
        match self.progress.clone() {
            // Rows for the terminal are written with the bar out of the way.
            Some(bar) => bar.suspend(|| self.add_rows(batch)),
            None => self.add_rows(batch),
        }
    }

    /// Shows a progress bar that report rows must not garble (stdout and stderr on one screen).
    pub fn set_progress(&mut self, bar: Option<indicatif::ProgressBar>) {
        self.progress = bar.filter(|_| std::io::IsTerminal::is_terminal(&std::io::stdout()));
    }

    fn add_rows(&mut self, batch: BatchReport) -> CliResult {
        let offset = self.total;
        for r in &batch.actions {
            match r.applied() {
                Applied::Done => self.counts.done += 1,
                Applied::Failed => self.counts.failed += 1,
                Applied::NotSent => self.counts.not_sent += 1,
                Applied::Unknown => self.counts.unknown += 1,
            }
            self.counts.throttled += usize::from(r.throttled());
            self.counts.auth += usize::from(r.auth_failed());
            self.total += 1;
            if let Some(rows) = &mut self.rows {
                let written = rows
                    .push(&report_row(offset + r.index, r, self.test_mode))
                    .and_then(|()| {
                        if self.progress.is_some() {
                            rows.flush()
                        } else {
                            Ok(())
                        }
                    });
                if let Err(e) = written {
                    self.stdout_failed(e)?;
                }
            }
        }
        self.requests += batch.requests;
        self.entries += batch.entries_sent;
        Ok(())
    }

    /// stdout failed: closed (the reader went away) is a stop request; anything else an error.
    fn stdout_failed(&mut self, e: CliError) -> CliResult {
        self.rows = None;
        match &self.stop {
            Some(stop) if e.is_silent() => {
                stop.request(exit::BROKEN_PIPE);
                Ok(())
            }
            _ if e.is_silent() => Ok(()),
            _ => Err(e),
        }
    }

    /// Ends the output, writes the report from the journal, prints the summary (with the
    /// actions never read, `unread`, when the run stopped early) and returns the exit code.
    pub fn finish(mut self, unread: Option<usize>) -> CliResult {
        if let Some(rows) = self.rows.take()
            && let Err(e) = rows.finish()
        {
            self.stdout_failed(e)?;
        }
        let journal_error = self.journal_error();
        if let Some(path) = &self.report_file {
            self.write_report(path)?;
        }
        let c = self.counts;
        let mut parts = vec![format!("{} done", c.done), format!("{} failed", c.failed)];
        if c.not_sent > 0 {
            parts.push(format!("{} not sent", c.not_sent));
        }
        if c.unknown > 0 {
            parts.push(format!("{} unknown (may have been applied)", c.unknown));
        }
        if let Some(n) = unread.filter(|n| *n > 0) {
            parts.push(format!("{n} not read from the input"));
        }
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        eprintln!(
            "{}: {} ({} in {}{}); journal: {}",
            plural(self.total, "action", "actions"),
            parts.join(", "),
            plural(self.entries, "command entry", "command entries"),
            plural(self.requests, "request", "requests"),
            if self.test_mode {
                "; test only, nothing changed"
            } else {
                ""
            },
            self.journal_path.display()
        );
        if let Some(e) = journal_error {
            return Err(e);
        }
        let resume = match self.resumable {
            Some(command) => format!(
                "; `{command} --resume {}` sends what was not done",
                self.journal_path.display()
            ),
            None => String::new(),
        };
        if let Some(code) = self.stop.as_ref().and_then(Stop::requested) {
            let why = match code {
                exit::INTERRUPTED => "interrupted (Ctrl-C)",
                exit::TERMINATED => "terminated (SIGTERM)",
                _ => "stdout was closed",
            };
            return Err(CliError::new(
                code,
                format!("stopped: {why}; {} of the actions done{resume}", c.done),
            ));
        }
        let bad = c.failed + c.not_sent + c.unknown;
        if bad == 0 {
            return Ok(());
        }
        let total = self.total;
        let (code, what) = if c.auth == bad {
            (
                exit::AUTH,
                "the credentials were refused; check UMAPI_CLIENT_ID and UMAPI_CLIENT_SECRET",
            )
        } else if c.throttled == bad {
            (
                exit::RATE_LIMITED,
                "UMAPI kept throttling after every retry; try again later",
            )
        } else {
            (exit::PARTIAL, "the report above gives each server error")
        };
        Err(CliError::new(
            code,
            format!("{bad} of {total} actions were not done: {what}{resume}"),
        ))
    }

    /// The report file: every action of the journal (the latest line for each), in input order.
    fn write_report(&self, path: &Path) -> CliResult {
        let contents = Journal::read(&self.journal_path).map_err(|e| {
            CliError::failure(format!(
                "cannot read the journal {}: {e}",
                self.journal_path.display()
            ))
        })?;
        let mut entries: Vec<_> = contents.entries.into_values().collect();
        entries.sort_by_key(|e| e.seq);
        let actions: Vec<Value> = entries
            .iter()
            .map(|e| {
                let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
                if let Some(m) = v.as_object_mut() {
                    m.insert("index".into(), json!(e.seq));
                }
                v
            })
            .collect();
        let report = json!({
            "test_mode": self.test_mode,
            "journal": self.journal_path.display().to_string(),
            "actions": actions,
            "requests": self.requests,
            "entries_sent": self.entries,
        });
        let text = serde_json::to_string_pretty(&report)
            .map_err(|e| CliError::failure(format!("cannot render the report: {e}")))?;
        std::fs::write(path, text + "\n").map_err(|e| file_error(path, &e))
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

/// The run's engine reports to the Reporter: journal lines, rows, progress.
impl idm_sync::exec::Observer for Reporter {
    type Error = CliError;

    fn attach(&mut self, queue: &mut ActionQueue) {
        self.observe(queue);
    }

    fn queued(&mut self, seq: usize, action: &Action, reason: Option<&str>) {
        self.track(seq, action, reason);
    }

    fn flushed(&mut self, batch: BatchReport) -> CliResult {
        self.add(batch)
    }

    fn check(&mut self) -> CliResult {
        self.journal_error().map_or(Ok(()), Err)
    }

    fn answered(&mut self, count: usize) {
        if let Some(b) = &self.progress {
            b.set_position(count as u64);
        }
    }
}
