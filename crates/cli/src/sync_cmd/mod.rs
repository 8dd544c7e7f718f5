//! `idm sync`: user-sync.py's `sync` command, on its own files — read the directory and every
//! Adobe user (complete reads or nothing), plan, then send the plan through the journaled queue.

mod log;

use std::path::{Path, PathBuf};

use clap::Args;
use idm_sync::config::{AdobeUsers, DirectorySource, Invocation, SyncConfig};
use idm_sync::jumpcloud_directory::ReadError;
use idm_sync::{AdobeOnlyAction, Plan};
use serde_json::json;

use crate::context::Ctx;
use crate::errors::{CliError, CliResult, exit};
use crate::output::{self, Format, ListWriter, columns};
use crate::stop::Stop;
use crate::umapi_cmd::{Reporter, RunFiles};
use idm_sync::exec::{Runner, Sent, planned};
use log::{Level, SyncLog};

/// `idm sync --help` epilogue.
pub const HELP: &str = "\
Examples:
  idm sync -c user-sync-config.yml --users file users.csv --process-groups --test-mode
  idm sync --users file users.csv --process-groups --plan-only
  idm sync --users file users.csv --adobe-only-user-action remove

The options and files are user-sync.py 2.10's: user-sync-config.yml names connector-umapi.yml
(credentials; without it, idm's own settings apply: UMAPI_* variables or a profile) and
connector-csv.yml (column names). invocation_defaults in the file fill in what the command line
leaves out. Without --process-groups only users and their attributes are synced.

Exit codes: 0 done; 2 a bad option or file; 3 credentials refused; 5 some actions failed;
6 throttled; 7 limits.max_adobe_only_users held the Adobe-only actions back (all else ran).";

/// `idm sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The main configuration file [default: user-sync-config.yml].
    #[arg(short = 'c', long = "config-filename", value_name = "FILE")]
    config_filename: Option<PathBuf>,
    /// The encoding of the configuration files (utf8 only) [default: utf8].
    #[arg(long, value_name = "NAME")]
    config_file_encoding: Option<String>,
    /// Which directory users: all | file PATH | mapped | group NAMES (comma-separated).
    #[arg(long, num_args = 1..=2, value_name = "ARG", overrides_with = "users")]
    users: Option<Vec<String>>,
    /// The directory connector: csv PATH, or jumpcloud (its users and user groups).
    #[arg(long, num_args = 1..=2, value_name = "ARG", overrides_with = "connector")]
    connector: Option<Vec<String>>,
    /// Add users to the mapped Adobe groups they should be in, and remove them from the others.
    #[arg(long, overrides_with = "no_process_groups")]
    process_groups: bool,
    /// Leave group memberships alone.
    #[arg(long, overrides_with = "process_groups")]
    no_process_groups: bool,
    /// Update names, email and username of matched users (adobe_users.update_attributes).
    #[arg(long, overrides_with = "no_update_user_info")]
    update_user_info: bool,
    /// Do not update user attributes.
    #[arg(long, overrides_with = "update_user_info")]
    no_update_user_info: bool,
    /// Adobe users the directory does not have: preserve | exclude | write-file PATH | delete |
    /// remove | remove-adobe-groups.
    #[arg(long, num_args = 1..=2, value_name = "ARG", overrides_with = "adobe_only_user_action")]
    adobe_only_user_action: Option<Vec<String>>,
    /// Act on the Adobe-only users of this file instead of reading the directory.
    #[arg(long, value_name = "FILE")]
    adobe_only_user_list: Option<String>,
    /// Which Adobe users are read: all | mapped (members of the mapped groups) | group NAMES.
    #[arg(long, num_args = 1..=2, value_name = "ARG", overrides_with = "adobe_users")]
    adobe_users: Option<Vec<String>>,
    /// Send every action with UMAPI's testOnly: validated, nothing changed.
    #[arg(short = 't', long, overrides_with = "no_test_mode")]
    test_mode: bool,
    /// Change Adobe for real (overrides invocation_defaults.test_mode).
    #[arg(short = 'T', long, overrides_with = "test_mode")]
    no_test_mode: bool,
    /// sync (read Adobe and send only what differs) | push (send every directory user; Adobe
    /// is not read, no Adobe-only user is acted on).
    #[arg(long, value_name = "STRATEGY")]
    strategy: Option<String>,
    /// Only directory users whose username matches this pattern (whole, without case).
    #[arg(long, value_name = "PATTERN")]
    user_filter: Option<String>,
    /// Do not create users who have no mapped group.
    #[arg(long, overrides_with = "include_unmapped_users")]
    exclude_unmapped_users: bool,
    /// Create users who have no mapped group (the default).
    #[arg(long, overrides_with = "exclude_unmapped_users")]
    include_unmapped_users: bool,
    /// Lift the client's pacing to UMAPI's documented limits (for a local sandbox that does not
    /// throttle).
    #[arg(long)]
    pub no_rate_limit: bool,
    /// Plan and print the plan (user, steps, reason); send nothing.
    #[arg(long)]
    plan_only: bool,
    /// Also write the full report (every action, its reason and result) as JSON to this file.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Write the run's journal to this new file [default: under $XDG_STATE_HOME/idm/runs].
    #[arg(long, value_name = "FILE", conflicts_with = "resume")]
    journal: Option<PathBuf>,
    /// Continue a sync that stopped (throttled past --max-wait, interrupted, some actions
    /// failed): read the directory and Adobe again, plan what is left, and append to that run's
    /// journal. What the earlier run did is not planned again.
    #[arg(long, value_name = "JOURNAL")]
    resume: Option<PathBuf>,
}

fn pair(on: bool, off: bool) -> Option<bool> {
    match (on, off) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    }
}

impl SyncArgs {
    fn invocation(&self) -> Invocation {
        Invocation {
            config_filename: self.config_filename.clone(),
            users: self.users.clone(),
            connector: self.connector.clone(),
            process_groups: pair(self.process_groups, self.no_process_groups),
            update_user_info: pair(self.update_user_info, self.no_update_user_info),
            adobe_only_user_action: self.adobe_only_user_action.clone(),
            adobe_only_user_list: self.adobe_only_user_list.clone(),
            adobe_users: self.adobe_users.clone(),
            test_mode: pair(self.test_mode, self.no_test_mode),
            strategy: self.strategy.clone(),
            user_filter: self.user_filter.clone(),
            exclude_unmapped_users: pair(self.exclude_unmapped_users, self.include_unmapped_users),
        }
    }
}

/// Runs `idm sync`.
pub async fn run(ctx: &Ctx, a: SyncArgs) -> CliResult {
    if let Some(enc) = &a.config_file_encoding
        && !idm_sync::config::is_utf8(enc)
    {
        return Err(CliError::usage(format!(
            "--config-file-encoding {enc}: only utf8 is read; save the files as UTF-8"
        )));
    }
    let config =
        idm_sync::config::load(&a.invocation()).map_err(|e| CliError::usage(e.to_string()))?;
    let mut log = SyncLog::open(&config.logging)?;
    log.say(
        Level::Info,
        &format!(
            "idm sync {}: {}{}",
            idm_http::VERSION,
            config.config_file.display(),
            if config.test_mode { " (TEST MODE)" } else { "" }
        ),
    );
    let jumpcloud_file = matches!(
        &config.directory,
        DirectorySource::Jumpcloud {
            connection: Some(_),
            ..
        }
    );
    if ctx.embedded() && (config.umapi.is_some() || jumpcloud_file) {
        // A sandbox run must never reach the organisation a connector file names.
        log.say(
            Level::Info,
            "--sandbox: the connector files' servers and credentials are not used; the embedded sandbox is",
        );
    }
    let client = match &config.umapi {
        Some(conn) if !ctx.embedded() => ctx.umapi_with(config.test_mode, |b| conn.configure(b))?,
        _ => ctx.umapi(config.test_mode)?,
    };
    let resumed = match &a.resume {
        Some(path) => Some(earlier_run(path, &client)?),
        None => None,
    };
    let listed = match &config.adobe_only_user_list {
        Some(path) => {
            let (users, warnings) = idm_sync::csv_directory::read_adobe_only_list(path)
                .map_err(|e| CliError::usage(e.to_string()))?;
            for w in &warnings {
                log.say(Level::Warning, w);
            }
            log.say(
                Level::Info,
                &format!(
                    "{} Adobe-only users read from {}; the directory and Adobe are not read",
                    users.len(),
                    path.display()
                ),
            );
            Some(users)
        }
        None => None,
    };
    let (directory, warnings) = match listed {
        Some(_) => (Vec::new(), Vec::new()),
        None => read_directory(ctx, &config).await?,
    };
    for w in &warnings {
        log.say(Level::Warning, w);
    }
    // Complete reads or nothing: a short Adobe listing is an error, never a plan.
    let mut plan = if let Some(users) = &listed {
        Ok(idm_sync::plan_listed(users, &config.rules))
    } else if config.push {
        log.say(
            Level::Info,
            "strategy push: Adobe is not read; every directory user is sent",
        );
        idm_sync::plan_push(&directory, &config.rules)
    } else {
        let adobe = read_adobe(&client, &config.adobe_users).await?;
        idm_sync::plan(&directory, &adobe, &config.rules)
    }
    .map_err(|e| CliError::usage(format!("{}: {e}", config.config_file.display())))?;
    if config.auto_create && config.rules.process_groups && !config.push && listed.is_none() {
        let existing = client.groups().all().await?;
        let n = plan.create_missing_groups(&existing);
        for p in &plan.actions[..n] {
            log.say(
                Level::Info,
                &format!("auto_create: creating the user group {:?}", p.target),
            );
        }
    }
    for w in &plan.warnings {
        log.say(Level::Warning, w);
    }
    if let AdobeOnlyAction::WriteFile(path) = &config.rules.adobe_only {
        write_adobe_only(Path::new(path), &plan, &mut log)?;
    }
    if let Some(l) = &plan.limit_held {
        log.say(
            Level::Critical,
            &format!(
                "not acting on the Adobe-only users: their count ({}) is larger than \
                 limits.max_adobe_only_users ({}); everything else runs",
                l.count, l.setting
            ),
        );
    }
    if a.plan_only {
        print_plan(ctx.format(true), &plan)?;
        print_summary(&config, &plan, None, &mut log);
        return limit_exit(&plan);
    }
    let files = RunFiles {
        journal: a.journal.clone(),
        resume: a.resume.clone(),
        report: a.report.clone(),
        input: None,
    };
    let mut reporter = Reporter::new(ctx, &client, "sync", &files)?;
    if let Some((earlier, next_seq)) = resumed {
        // The earlier run's lines stay as they are; this run's actions are numbered after them.
        reporter.set_seq_offset(next_seq);
        log.say(
            Level::Info,
            &format!(
                "resuming: the earlier run did {earlier} actions; planned again from what Adobe holds now, {} are left",
                plan.actions.len()
            ),
        );
    }
    let stop = Stop::install();
    reporter.set_stop(stop.clone());
    let to_send = plan.actions.len();
    reporter.set_progress(output::progress(Some(to_send as u64), "actions"));
    let runner = Runner {
        client: &client,
        to_send,
        sync_signals: true,
        first: plan.groups_first(),
    };
    let sent = if to_send > 0 {
        runner
            .run(&mut reporter, &mut planned(&plan), stop.wait())
            .await?
    } else {
        Sent::default()
    };
    reporter.end_progress();
    let (total, done) = reporter.tally();
    print_summary(&config, &plan, Some((total, done)), &mut log);
    let unread = (sent.stopped || sent.halted).then(|| to_send.saturating_sub(sent.sent));
    reporter.finish(unread)?;
    limit_exit(&plan)
}

/// The directory users and what was odd about some rows or users.
async fn read_directory(
    ctx: &Ctx,
    config: &SyncConfig,
) -> CliResult<(Vec<idm_sync::DirectoryUser>, Vec<String>)> {
    match config.directory.clone() {
        DirectorySource::Csv { path, options } => {
            let read =
                tokio::task::spawn_blocking(move || idm_sync::csv_directory::read(&path, &options))
                    .await
                    .map_err(|e| CliError::failure(format!("the directory reader stopped: {e}")))?
                    .map_err(|e| CliError::usage(e.to_string()))?;
            Ok((read.users, read.warnings))
        }
        DirectorySource::Jumpcloud {
            options,
            connection,
        } => {
            let client = match &connection {
                Some(c) if !ctx.embedded() => ctx.jumpcloud_with(|b| c.configure(b))?,
                _ => ctx.jumpcloud(None)?,
            };
            // Complete or an error: a short listing must never turn into removals.
            let read = idm_sync::jumpcloud_directory::read(&client, &options)
                .await
                .map_err(|e| match e {
                    ReadError::Jumpcloud(e) => CliError::from(e),
                    other => CliError::usage(other.to_string()),
                })?;
            Ok((read.users, read.warnings))
        }
    }
}

/// What `--resume JOURNAL` continues: the number of actions the earlier run did, and the
/// first `seq` free for this run's. The journal must be a sync's, of this organisation.
fn earlier_run(path: &Path, client: &umapi::Client) -> CliResult<(usize, usize)> {
    let journal = umapi::journal::Journal::read(path)
        .map_err(|e| CliError::usage(format!("cannot resume from {}: {e}", path.display())))?;
    if journal.header.command != "sync" {
        return Err(CliError::usage(format!(
            "{} is the journal of `{}`, not of a sync: resume it with `idm umapi apply --resume`",
            path.display(),
            journal.header.command
        )));
    }
    if journal.header.org_id != client.org_id() {
        return Err(CliError::usage(format!(
            "{} is the journal of organisation {}, not {}",
            path.display(),
            journal.header.org_id,
            client.org_id()
        )));
    }
    let next = journal.entries.keys().max().map_or(0, |m| m + 1);
    Ok((journal.done().len(), next))
}

/// The Adobe users `--adobe-users` asks for, each once, complete or an error.
async fn read_adobe(client: &umapi::Client, which: &AdobeUsers) -> CliResult<Vec<umapi::User>> {
    let AdobeUsers::Groups(groups) = which else {
        return Ok(client.users().all().await?);
    };
    let mut seen = std::collections::HashSet::new();
    let mut users = Vec::new();
    for g in groups {
        for u in client.users().in_group(g).all().await? {
            if seen.insert(u.email.to_lowercase()) {
                users.push(u);
            }
        }
    }
    Ok(users)
}

fn limit_exit(plan: &Plan) -> CliResult {
    match &plan.limit_held {
        Some(l) => Err(CliError::new(
            exit::LIMIT,
            format!(
                "limits.max_adobe_only_users ({}) held back the actions on {} Adobe-only users",
                l.setting, l.count
            ),
        )),
        None => Ok(()),
    }
}

/// `--plan-only`: a row per action (change, target, reason), or with `-o json` the whole plan.
fn print_plan(format: Format, plan: &Plan) -> CliResult {
    if format == Format::Json {
        let doc = json!({
            "summary": plan.summary,
            "actions": plan.actions.iter().map(|p| json!({
                "change": p.change,
                "target": p.target,
                "reason": p.reason,
                "action": p.action.to_wire(),
            })).collect::<Vec<_>>(),
            "adobe_only_users": plan.adobe_only_users,
            "limit_held": plan.limit_held,
            "warnings": plan.warnings,
        });
        return output::print_one(Format::Json, &doc, None);
    }
    let mut rows = ListWriter::stdout(format, Some(columns(&["change", "target", "reason"])));
    for p in &plan.actions {
        rows.push(&json!({"change": p.change, "target": p.target, "reason": p.reason, "action": p.action.to_wire()}))?;
    }
    rows.finish()
}

/// `write-file`: the Adobe-only users, `type,username,email,domain` (a tab between them unless
/// the file ends in `.csv`), for `--adobe-only-user-list` later.
fn write_adobe_only(path: &Path, plan: &Plan, log: &mut SyncLog) -> CliResult {
    let delimiter = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
    {
        b','
    } else {
        b'\t'
    };
    let fail = |e: &dyn std::fmt::Display| {
        CliError::usage(format!(
            "cannot write the Adobe-only users to {}: {e}",
            path.display()
        ))
    };
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .from_path(path)
        .map_err(|e| fail(&e))?;
    w.write_record(["type", "username", "email", "domain"])
        .map_err(|e| fail(&e))?;
    for u in &plan.adobe_only_users {
        w.write_record([&u.identity_type, &u.username, &u.email, &u.domain])
            .map_err(|e| fail(&e))?;
    }
    w.flush().map_err(|e| fail(&e))?;
    log.say(
        Level::Info,
        &format!(
            "wrote {} Adobe-only user{} to {}",
            plan.adobe_only_users.len(),
            if plan.adobe_only_users.len() == 1 {
                ""
            } else {
                "s"
            },
            path.display()
        ),
    );
    Ok(())
}

/// user-sync's action summary, line for line (on stderr); `sent` is (total, done) of a run.
fn print_summary(
    config: &SyncConfig,
    plan: &Plan,
    sent: Option<(usize, usize)>,
    log: &mut SyncLog,
) {
    let s = &plan.summary;
    let rules = &config.rules;
    let manages = rules.process_groups || rules.adobe_only.changes_users();
    let writes = matches!(rules.adobe_only, AdobeOnlyAction::WriteFile(_));
    let processes_strays = rules.adobe_only != AdobeOnlyAction::Exclude && (manages || writes);
    // user-sync's "processed" Adobe-only users: every one found, whether or not it had
    // anything to change; none when the limit held or a file is all that is written.
    let strays_processed = if processes_strays && manages && plan.limit_held.is_none() {
        s.adobe_only
    } else {
        0
    };
    let mut rows: Vec<(String, String)> = vec![
        (
            "Number of directory users read".into(),
            s.directory_users_read.to_string(),
        ),
        (
            "Number of directory users selected for input".into(),
            s.directory_users_selected.to_string(),
        ),
    ];
    if config.push {
        // user-sync's push rows: Adobe is not read.
        rows.push((
            "Number of directory users pushed to Adobe".into(),
            s.created.to_string(),
        ));
    } else {
        let no_changes = s
            .adobe_users_read
            .saturating_sub(s.adobe_users_excluded + s.updated + strays_processed);
        for (what, n) in [
            ("Number of Adobe users read", s.adobe_users_read),
            (
                "Number of Adobe users excluded from updates",
                s.adobe_users_excluded,
            ),
            (
                "Number of non-excluded Adobe users with no changes",
                no_changes,
            ),
            ("Number of new Adobe users added", s.created),
            ("Number of matching Adobe users updated", s.updated),
            ("Number of Adobe user-groups created", s.groups_created),
        ] {
            rows.push((what.into(), n.to_string()));
        }
        if processes_strays {
            rows.push((
                format!(
                    "Number of Adobe-only users {}",
                    rules.adobe_only.summary_verb()
                ),
                strays_processed.to_string(),
            ));
        }
    }
    let (total, done) = sent.unwrap_or((0, 0));
    rows.push((
        "Number of UMAPI actions sent (total, success, error)".into(),
        format!("({total}, {done}, {})", total - done),
    ));
    let pad = rows.iter().map(|(d, _)| d.len()).max().unwrap_or(0);
    let title = if config.test_mode {
        "- Action Summary (TEST MODE) -"
    } else {
        "------- Action Summary -------"
    };
    let dashes = "-".repeat(27);
    log.say(Level::Info, &format!("{dashes}{title}{dashes}"));
    for (d, v) in rows {
        log.say(Level::Info, &format!("  {d:>pad$}: {v}"));
    }
    log.say(Level::Info, &"-".repeat(84));
}
