//! A run's journal: one JSON line per action, appended and written to disk as each request's
//! answer arrives, so that whatever stops a run (a signal, a crash, a closed pipe) leaves a true
//! record of what was done. One schema serves every change-making command (`idm umapi apply`,
//! the single-action commands, `idm sync`).
//!
//! The first line describes the run ([`JournalHeader`]); each other line is a [`JournalEntry`]:
//! the action's place in the run's input (`seq`), its target, its wire form, why it was sent,
//! and whether it was applied ([`Applied`]). A resumed run appends to the same journal; a later
//! line for a `seq` supersedes an earlier one.
//!
//! ```no_run
//! # fn main() -> std::io::Result<()> {
//! use umapi::journal::{Journal, JournalHeader};
//! let mut journal = Journal::create("run.ndjson".as_ref(), &JournalHeader::new("apply", "12345@AdobeOrg", false))?;
//! // ... journal.record(seq, &action, Some("in the CSV"), &report)?; journal.sync()?;
//! let done = Journal::read("run.ndjson".as_ref())?.done();
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::action::{Action, ActionReport, Applied};

/// The journal format's version.
pub const VERSION: u32 = 1;

/// The first line of a journal: what ran, against which organisation, when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalHeader {
    /// Always `"idm-journal"`: tells a journal from any other NDJSON file.
    pub journal: String,
    /// [`VERSION`].
    pub version: u32,
    /// The command (`apply`, `sync`, `users create`, ...).
    pub command: String,
    /// The UMAPI organisation.
    pub org_id: String,
    /// Whether actions were sent with UMAPI's testOnly (nothing changed).
    pub test_only: bool,
    /// The input the actions came from, when there is one (a file path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// When the run started, in seconds since the Unix epoch.
    pub started: u64,
}

impl JournalHeader {
    /// A header for a run of `command` against `org_id`, starting now.
    pub fn new(command: &str, org_id: &str, test_only: bool) -> Self {
        JournalHeader {
            journal: "idm-journal".into(),
            version: VERSION,
            command: command.into(),
            org_id: org_id.into(),
            test_only,
            input: None,
            started: now(),
        }
    }
}

/// One action's line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// The action's position in the run's input (0-based).
    pub seq: usize,
    /// The user or group acted on.
    pub target: String,
    /// The action in UMAPI's wire form (`{"user": ..., "do": [...]}`).
    pub action: Value,
    /// Why it was planned, when the command knows (a sync's reason, a CSV's line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Whether it was applied.
    pub status: Applied,
    /// The errors, when it was not done.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Value>,
    /// The server's warnings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Value>,
    /// The `requestID` the caller set, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// When the answer was recorded, in seconds since the Unix epoch.
    pub at: u64,
}

impl JournalEntry {
    /// The line for an action and its report.
    pub fn new(seq: usize, action: &Action, reason: Option<&str>, report: &ActionReport) -> Self {
        JournalEntry {
            seq,
            target: report.target.clone(),
            action: action.to_wire(),
            reason: reason.map(str::to_owned),
            status: report.applied(),
            errors: to_values(&report.errors),
            warnings: to_values(&report.warnings),
            request_id: report.request_id.clone(),
            at: now(),
        }
    }
}

fn to_values<T: Serialize>(v: &[T]) -> Vec<Value> {
    v.iter()
        .filter_map(|e| serde_json::to_value(e).ok())
        .collect()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A journal open for appending.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    out: BufWriter<File>,
}

/// Journals the actions of a queue as their answers arrive: [`track`](Self::track) each action
/// before it is pushed, hand [`attach`](Self::attach) the queue, and every answer is written
/// (and synced) once per request. Shared by every change-making run.
#[derive(Debug, Clone)]
pub struct Recorder {
    inner: std::sync::Arc<std::sync::Mutex<RecorderState>>,
}

#[derive(Debug)]
struct RecorderState {
    journal: Journal,
    /// The actions pushed since the last flush, by their index in the queue.
    slots: Vec<Option<(usize, Action, Option<String>)>>,
    error: Option<String>,
}

impl RecorderState {
    fn record(&mut self, reports: &[ActionReport]) {
        for r in reports {
            if let Some((seq, action, reason)) = self.slots.get_mut(r.index).and_then(Option::take)
                && let Err(e) = self.journal.record(seq, &action, reason.as_deref(), r)
            {
                self.error.get_or_insert(e.to_string());
            }
        }
        if let Err(e) = self.journal.sync() {
            self.error.get_or_insert(e.to_string());
        }
    }
}

impl Recorder {
    /// Records into `journal`.
    pub fn new(journal: Journal) -> Recorder {
        Recorder {
            inner: std::sync::Arc::new(std::sync::Mutex::new(RecorderState {
                journal,
                slots: Vec::new(),
                error: None,
            })),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, RecorderState> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Makes `queue` journal every action as its answer arrives.
    pub fn attach(&self, queue: &mut crate::ActionQueue) {
        let me = self.clone();
        queue.on_answer(move |reports| me.state().record(reports));
    }

    /// Remembers an action about to be pushed: its place in the run's input is `seq`, why it
    /// is sent `reason`.
    pub fn track(&self, seq: usize, action: &Action, reason: Option<&str>) {
        self.state()
            .slots
            .push(Some((seq, action.clone(), reason.map(str::to_owned))));
    }

    /// Records the reports of one flush of the queue (the answers not yet journaled: actions
    /// abandoned in flight), then forgets the flushed actions.
    pub fn flushed(&self, reports: &[ActionReport]) {
        let mut state = self.state();
        state.record(reports);
        state.slots.clear();
    }

    /// The first failure to write the journal: a run must stop, since it could no longer say
    /// what it did.
    pub fn error(&self) -> Option<String> {
        self.state().error.clone()
    }
}

impl Journal {
    /// Creates a new journal (never overwriting a file) and writes its header.
    pub fn create(path: &Path, header: &JournalHeader) -> std::io::Result<Journal> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().write(true).create_new(true).open(path)?;
        let mut j = Journal {
            path: path.to_path_buf(),
            out: BufWriter::new(file),
        };
        j.line(header)?;
        j.sync()?;
        Ok(j)
    }

    /// Opens an existing journal to append a resumed run's lines (after a new header).
    pub fn append(path: &Path, header: &JournalHeader) -> std::io::Result<Journal> {
        let file = OpenOptions::new().append(true).open(path)?;
        let mut j = Journal {
            path: path.to_path_buf(),
            out: BufWriter::new(file),
        };
        j.line(header)?;
        j.sync()?;
        Ok(j)
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn line(&mut self, value: &impl Serialize) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.out, value).map_err(std::io::Error::other)?;
        self.out.write_all(b"\n")
    }

    /// Appends one action's line (buffered: call [`sync`](Self::sync) once per answer).
    pub fn record(
        &mut self,
        seq: usize,
        action: &Action,
        reason: Option<&str>,
        report: &ActionReport,
    ) -> std::io::Result<()> {
        self.line(&JournalEntry::new(seq, action, reason, report))
    }

    /// Writes what is buffered and waits until the disk has it.
    pub fn sync(&mut self) -> std::io::Result<()> {
        self.out.flush()?;
        self.out.get_ref().sync_data()
    }

    /// Reads a journal: its first header and the latest line for each action.
    pub fn read(path: &Path) -> std::io::Result<JournalContents> {
        let file = File::open(path)?;
        let bad = |line: usize, what: String| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{} line {line}: {what}", path.display()),
            )
        };
        let mut header: Option<JournalHeader> = None;
        let mut entries: HashMap<usize, JournalEntry> = HashMap::new();
        for (i, line) in BufReader::new(file).lines().enumerate() {
            let line = line?;
            let n = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            let v: Value = match serde_json::from_str(&line) {
                Ok(v) => v,
                // A run killed mid-write leaves at most a cut last line: the action it was
                // writing is then taken as not recorded.
                Err(e) if e.is_eof() => break,
                Err(e) => return Err(bad(n, format!("not JSON: {e}"))),
            };
            if v.get("journal").is_some() {
                let h: JournalHeader = serde_json::from_value(v)
                    .map_err(|e| bad(n, format!("not a journal header: {e}")))?;
                if h.journal != "idm-journal" || h.version != VERSION {
                    return Err(bad(n, format!("not an idm journal of version {VERSION}")));
                }
                header.get_or_insert(h);
            } else {
                let e: JournalEntry = serde_json::from_value(v)
                    .map_err(|e| bad(n, format!("not a journal entry: {e}")))?;
                entries.insert(e.seq, e);
            }
        }
        let header =
            header.ok_or_else(|| bad(1, "no journal header: this is not an idm journal".into()))?;
        Ok(JournalContents { header, entries })
    }
}

/// What a journal holds: its run's header and the latest line for each action.
#[derive(Debug, Clone)]
pub struct JournalContents {
    /// The first run's header.
    pub header: JournalHeader,
    /// The latest line for each `seq`.
    pub entries: HashMap<usize, JournalEntry>,
}

impl JournalContents {
    /// The positions of the actions that were done.
    pub fn done(&self) -> std::collections::HashSet<usize> {
        self.entries
            .values()
            .filter(|e| e.status == Applied::Done)
            .map(|e| e.seq)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::ActionStatus;
    use crate::{UserAction, action::StepError};

    fn report(index: usize, status: ActionStatus, code: Option<&str>) -> ActionReport {
        ActionReport {
            index,
            target: format!("u{index}@example.com"),
            request_id: None,
            status,
            entries: 1,
            steps: vec!["add".into()],
            errors: code
                .map(|c| StepError {
                    step: None,
                    command: None,
                    code: c.into(),
                    message: "m".into(),
                })
                .into_iter()
                .collect(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn lines_round_trip_and_later_lines_supersede() {
        let dir = std::env::temp_dir().join(format!("idm-journal-{}", std::process::id()));
        let path = dir.join("j.ndjson");
        let _ = std::fs::remove_file(&path);
        let action: Action = UserAction::new("u0@example.com")
            .unwrap()
            .remove_from_all_groups()
            .unwrap()
            .build()
            .unwrap();
        let mut j =
            Journal::create(&path, &JournalHeader::new("apply", "o@AdobeOrg", false)).unwrap();
        j.record(
            0,
            &action,
            Some("row 2"),
            &report(0, ActionStatus::Done, None),
        )
        .unwrap();
        j.record(
            1,
            &action,
            None,
            &report(1, ActionStatus::Failed, Some("request.not_sent")),
        )
        .unwrap();
        j.record(
            2,
            &action,
            None,
            &report(2, ActionStatus::Failed, Some("request.transport")),
        )
        .unwrap();
        j.sync().unwrap();
        // Never overwritten.
        assert!(Journal::create(&path, &JournalHeader::new("apply", "o", false)).is_err());
        let c = Journal::read(&path).unwrap();
        assert_eq!(c.header.org_id, "o@AdobeOrg");
        assert_eq!(c.entries[&0].reason.as_deref(), Some("row 2"));
        assert_eq!(c.entries[&1].status, Applied::NotSent);
        assert_eq!(c.entries[&2].status, Applied::Unknown);
        assert_eq!(c.entries[&0].action["do"][0]["remove"], "all");
        // A resumed run's line supersedes.
        let mut j =
            Journal::append(&path, &JournalHeader::new("apply", "o@AdobeOrg", false)).unwrap();
        j.record(1, &action, None, &report(1, ActionStatus::Done, None))
            .unwrap();
        j.sync().unwrap();
        // A cut last line (a run killed mid-write) is ignored.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"seq\": 2, \"tar")
            .unwrap();
        let c = Journal::read(&path).unwrap();
        let mut done: Vec<_> = c.done().into_iter().collect();
        done.sort();
        assert_eq!(done, vec![0, 1]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
