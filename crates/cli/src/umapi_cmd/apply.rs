//! `idm umapi apply FILE`: a JSON array of command entries in UMAPI's own format (any length),
//! or a CSV of user actions, executed in batches with a progress bar and a full report.

use std::path::PathBuf;

use clap::Args;
use umapi::Action;

use super::input::{Input, InputFormat, detect, for_each_action};
use super::{Reporter, RunFiles};
use crate::context::Ctx;
use crate::errors::{CliError, CliResult};
use crate::output;
use crate::stop::Stop;
use idm_sync::exec::Runner;
use umapi::journal::Journal;

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

/// `idm umapi apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The file of actions (`-` for stdin); with --resume, the journal's input by default.
    #[arg(required_unless_present = "resume")]
    file: Option<PathBuf>,
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
    /// Write the run's journal (a JSON line per action, as each answer arrives) to this new
    /// file [default: a new file under $XDG_STATE_HOME/idm/runs, named at the start].
    #[arg(long, value_name = "FILE")]
    journal: Option<PathBuf>,
    /// Continue the run of this journal: send only the actions it does not record as done,
    /// appending to it.
    #[arg(long, value_name = "JOURNAL")]
    resume: Option<PathBuf>,
}

/// Checks every action of the file, then sends them in batches, journaling and reporting as it
/// goes; stops cleanly on Ctrl-C, SIGTERM or a closed stdout.
pub async fn run(ctx: &Ctx, a: ApplyArgs) -> CliResult {
    let resumed = match &a.resume {
        Some(j) => Some(
            Journal::read(j)
                .map_err(|e| CliError::usage(format!("cannot resume from {}: {e}", j.display())))?,
        ),
        None => None,
    };
    let file = match (&a.file, &resumed) {
        (Some(f), _) => f.clone(),
        (None, Some(r)) => r.header.input.clone().map(PathBuf::from).ok_or_else(|| {
            CliError::usage("the journal names no input file: give the file of actions again")
        })?,
        (None, None) => return Err(CliError::usage("name the file of actions")),
    };
    let input = Input::new(&file)?;
    let origin = if file.as_os_str() == "-" {
        "stdin".to_owned()
    } else {
        file.display().to_string()
    };
    let format = detect(&file, input.first_byte()?, a.format);
    let client = ctx.umapi(a.test_only)?;
    let done = match &resumed {
        Some(r) if r.header.org_id != client.org_id() => {
            return Err(CliError::usage(format!(
                "the journal is of organisation {}, not {}",
                r.header.org_id,
                client.org_id()
            )));
        }
        Some(r) => r.done(),
        None => Default::default(),
    };
    // First pass: every action is checked before anything is sent.
    let total = {
        let (input, origin) = (input.clone(), origin.clone());
        tokio::task::spawn_blocking(move || {
            for_each_action(input.open()?, format, &origin, &mut |_| Ok(()))
        })
        .await
        .map_err(|e| CliError::failure(format!("the reader stopped: {e}")))??
    };
    let to_send = total - done.len().min(total);
    let files = RunFiles {
        journal: a.journal.clone(),
        resume: a.resume.clone(),
        report: a.report.clone(),
        input: (file.as_os_str() != "-").then(|| file.clone()),
    };
    let mut reporter = Reporter::new(ctx, &client, "apply", &files)?;
    if !done.is_empty() {
        eprintln!(
            "resuming: {} of {total} actions are done already; sending the other {to_send}",
            done.len()
        );
    }
    let stop = Stop::install();
    reporter.set_stop(stop.clone());
    // Second pass: a reader thread feeds the actions not done yet to the queue.
    // Apply's actions carry no reason of their own.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(usize, Action, Option<String>)>(256);
    let reader_origin = origin.clone();
    let reader = tokio::task::spawn_blocking(move || {
        let mut seq = 0usize;
        for_each_action(input.open()?, format, &reader_origin, &mut |action| {
            let this = seq;
            seq += 1;
            if done.contains(&this) {
                return Ok(());
            }
            tx.blocking_send((this, action, None))
                .map_err(|_| "stopped: the sender has gone".to_owned())
        })
    });
    reporter.set_progress(output::progress_always(Some(to_send as u64), "actions"));
    let runner = Runner {
        client: &client,
        to_send,
        sync_signals: !a.no_sync_signals,
        first: 0,
    };
    let sent = runner.run(&mut reporter, &mut rx, stop.wait()).await?;
    reporter.end_progress();
    drop(rx);
    let read = reader
        .await
        .map_err(|e| CliError::failure(format!("the reader stopped: {e}")))?;
    let unread = to_send.saturating_sub(sent.sent);
    if sent.stopped || sent.halted {
        return reporter.finish(Some(unread));
    }
    // What was sent is reported in any case; a file that changed under us is the error to show.
    let reported = reporter.finish(None);
    match read {
        Err(e) => Err(CliError::failure(format!(
            "{origin} changed while it was applied ({e}); the report above shows what was sent"
        ))),
        Ok(n) if n != total => Err(CliError::failure(format!(
            "{origin} changed while it was applied ({total} actions checked, {n} read); the \
             report above shows what was sent"
        ))),
        Ok(_) => reported,
    }
}
