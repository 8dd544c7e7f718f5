//! Sending actions: a queue that packs command entries into requests of at most 10, sends them
//! concurrently (paced by the rate limiter), and routes every server error and warning back to
//! the action the caller built. No action is lost: each ends reported as completed or failed.

use std::sync::atomic::Ordering;

use idm_http::reqwest::Method;
use serde::ser::{Serialize, Serializer};
use serde_json::Value;
use tokio::task::JoinSet;

use super::answer::{fail_entries, route};
use super::pack::{Keyed, Packer};
use super::read_only::follow_up;
use super::reconcile::{fail_or_reconcile, repeatable};
use super::{Action, Frame, Step, split_lists, split_steps};
use crate::client::{Client, excerpt, segment};
use crate::limiter::RouteClass;
use crate::{Error, Result};

/// The codes of request-level failures (a [`StepError`] with no step), and what each means for
/// whether the action was applied.
pub mod codes {
    /// The request was never sent: the queue was halted (a stop was requested, or an earlier
    /// request failed authentication).
    pub const NOT_SENT: &str = "request.not_sent";
    /// No access token could be had; the request was not sent.
    pub const AUTH: &str = "request.auth";
    /// The server could not be reached; the request was not sent.
    pub const CONNECT: &str = "request.connect";
    /// The connection failed after the request was sent (reset, timeout, a body cut off): it
    /// may or may not have been applied.
    pub const TRANSPORT: &str = "request.transport";
    /// A 2xx answer that could not be read: probably applied, but which entries failed is unknown.
    pub const DECODE: &str = "request.decode";
    /// The request was in flight when the queue stopped waiting for it.
    pub const LOST: &str = "request.lost";
    /// The action had no step.
    pub const EMPTY: &str = "request.empty";
    /// Still throttled (HTTP 429) after every retry: not applied.
    pub const THROTTLED: &str = "http.429";
}

/// Whether an action was applied, as far as its report can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Applied {
    /// Every entry completed.
    Done,
    /// The server refused it (at least one step failed), or it could not be sent for a reason
    /// that will not change by itself.
    Failed,
    /// Nothing of it was sent.
    NotSent,
    /// It may or may not have been applied (the answer was lost).
    Unknown,
}

impl Applied {
    /// Lower-case name, as in journals and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Applied::Done => "done",
            Applied::Failed => "failed",
            Applied::NotSent => "not_sent",
            Applied::Unknown => "unknown",
        }
    }
}

/// A server error (or a request-level failure) attached to an action.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StepError {
    /// Index of the failing step in the action as built (before any splitting); `None` when the
    /// whole request failed.
    pub step: Option<usize>,
    /// The failing step as sent, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Value>,
    /// UMAPI's `errorCode` (e.g. `error.user.nonexistent`), or `request.failed` when the request
    /// as a whole failed.
    pub code: String,
    /// The message.
    pub message: String,
}

/// A server warning attached to an action (warnings never fail a step).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StepWarning {
    /// Index of the step in the action as built.
    pub step: Option<usize>,
    /// UMAPI's `warningCode`.
    pub code: String,
    /// The message.
    pub message: String,
}

/// How an action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionStatus {
    /// Every command entry of the action was done (in test mode: would be). UMAPI's own word
    /// is `completed`; idm says `done` everywhere (CLI, journal, reports).
    #[doc(alias = "Completed")]
    Done,
    /// At least one entry failed; see the errors.
    Failed,
}

/// The outcome of one action.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ActionReport {
    /// Position of the action in submission order (0-based).
    pub index: usize,
    /// The user or group acted on.
    pub target: String,
    /// The `requestID` the caller set, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// How it ended.
    pub status: ActionStatus,
    /// Command entries it was split into.
    pub entries: usize,
    /// The names of its steps, in order (`createFederatedID`, `add`, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<String>,
    /// Errors, in the order the server reported them. A read-only group in a group step fails
    /// alone: one error for each such group, whose `command` names that group only, while the
    /// step's other groups and the action's later steps are applied.
    pub errors: Vec<StepError>,
    /// Warnings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<StepWarning>,
}

impl ActionReport {
    /// Whether the action was applied: done, failed (the server said so), not sent, or unknown
    /// (a request-level failure after the request may have reached the server).
    pub fn applied(&self) -> Applied {
        if self.status == ActionStatus::Done {
            return Applied::Done;
        }
        // An error the server attributed to a step: the server saw the action and refused it.
        if self.errors.iter().any(|e| e.step.is_some()) {
            return Applied::Failed;
        }
        let code = |c: &str| self.errors.iter().any(|e| e.code == c);
        if code(codes::TRANSPORT)
            || code(codes::DECODE)
            || code(codes::LOST)
            || code("http.502")
            || code("http.504")
        {
            Applied::Unknown
        } else if !self.errors.is_empty()
            && self
                .errors
                .iter()
                .all(|e| [codes::NOT_SENT, codes::AUTH, codes::CONNECT].contains(&e.code.as_str()))
        {
            Applied::NotSent
        } else {
            Applied::Failed
        }
    }

    /// True when it failed only because the server kept throttling (HTTP 429 after every retry).
    pub fn throttled(&self) -> bool {
        self.status == ActionStatus::Failed
            && !self.errors.is_empty()
            && self.errors.iter().all(|e| e.code == codes::THROTTLED)
    }

    /// True when it failed only because no access token could be had (credentials refused).
    pub fn auth_failed(&self) -> bool {
        self.status == ActionStatus::Failed
            && self.errors.iter().any(|e| e.code == codes::AUTH)
            && self
                .errors
                .iter()
                .all(|e| e.code == codes::AUTH || e.code == codes::NOT_SENT)
    }
}

/// The outcome of a batch of actions.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct BatchReport {
    /// One report per action, in submission order.
    pub actions: Vec<ActionReport>,
    /// Action requests sent.
    pub requests: usize,
    /// Command entries sent.
    pub entries_sent: usize,
    /// Whether the batch ran in test mode (nothing changed).
    pub test_mode: bool,
}

impl BatchReport {
    /// Actions that completed.
    pub fn completed(&self) -> impl Iterator<Item = &ActionReport> {
        self.actions
            .iter()
            .filter(|a| a.status == ActionStatus::Done)
    }

    /// Actions that failed.
    pub fn failed(&self) -> impl Iterator<Item = &ActionReport> {
        self.actions
            .iter()
            .filter(|a| a.status == ActionStatus::Failed)
    }

    /// True when every action completed.
    pub fn is_success(&self) -> bool {
        self.failed().next().is_none()
    }

    /// `Ok(self)` when every action completed, otherwise [`Error::Batch`] carrying this report.
    pub fn into_result(self) -> Result<BatchReport> {
        if self.is_success() {
            Ok(self)
        } else {
            Err(Error::Batch(Box::new(BatchError { report: self })))
        }
    }
}

/// Some actions of a batch failed. The report holds every action's outcome, successes included.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{} of {} actions failed ({} completed; {} command entries in {} requests){}",
    report.failed().count(), report.actions.len(), report.completed().count(),
    report.entries_sent, report.requests, first_failure(report))]
pub struct BatchError {
    /// The full report.
    pub report: BatchReport,
}

impl BatchError {
    /// Actions that completed.
    pub fn completed(&self) -> usize {
        self.report.completed().count()
    }

    /// Actions that failed.
    pub fn failed(&self) -> usize {
        self.report.failed().count()
    }
}

fn first_failure(r: &BatchReport) -> String {
    r.failed()
        .next()
        .and_then(|a| {
            a.errors
                .first()
                .map(|e| format!("; first: {}: {} ({})", a.target, e.code, e.message))
        })
        .unwrap_or_default()
}

/// One command entry ready to send: part `part` of action `action`. Serialises to the wire form
/// (the frame's fields, then `do`) without building it as a `Value` first.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) action: usize,
    /// For each step of this entry, the index of the step in the action as built.
    pub(super) step_map: Vec<usize>,
    pub(super) frame: Frame,
    pub(super) steps: Vec<Step>,
    /// The user or group it acts on (see [`Frame::target_key`]).
    pub(super) key: String,
}

impl Keyed for Entry {
    fn key(&self) -> &str {
        &self.key
    }
}

impl Serialize for Entry {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.frame.serialize_entry(&self.steps, serializer)
    }
}

/// What one entry came back with.
#[derive(Debug, Default)]
pub(super) struct EntryOutcome {
    pub(super) action: usize,
    pub(super) completed: bool,
    pub(super) errors: Vec<StepError>,
    pub(super) warnings: Vec<StepWarning>,
}

/// Collects actions and sends them in batches. Get one from [`Client::queue`].
///
/// [`push`](Self::push) sends full requests as they fill (up to the configured concurrency, then
/// it waits); [`flush`](Self::flush) sends the rest and returns every action's report.
///
/// UMAPI runs the entries of one request in any order, so the queue never puts two
/// entries for the same user or group in one request, nor in two requests at once: actions on
/// one target, and the parts of an action split because it was long, run in the order pushed.
/// Actions on different targets go out together, up to 10 entries a request.
///
/// Drop it only after [`flush`](Self::flush): dropping it with actions pending abandons them
/// (and logs an error saying how many).
pub struct ActionQueue {
    client: Client,
    pending: Packer<Entry>,
    inflight: JoinSet<(Vec<String>, Vec<EntryOutcome>)>,
    reports: Vec<ActionReport>,
    /// Per action, the entries not answered yet.
    outstanding: Vec<usize>,
    /// Actions whose every entry has been answered (or that had none to send).
    answered: usize,
    requests: usize,
    entries_sent: usize,
    /// Set once nothing more may be sent: (code, message) given to every entry not yet sent.
    halted: Option<(&'static str, String)>,
    observer: Option<Observer>,
}

/// Called with the reports of the actions that one answer finished.
type Observer = Box<dyn FnMut(&[ActionReport]) + Send>;

impl ActionQueue {
    pub(crate) fn new(client: Client) -> Self {
        ActionQueue {
            client,
            pending: Packer::new(),
            inflight: JoinSet::new(),
            reports: Vec::new(),
            outstanding: Vec::new(),
            answered: 0,
            requests: 0,
            entries_sent: 0,
            halted: None,
            observer: None,
        }
    }

    /// Calls `f` with the reports of the actions each answer finishes, as it arrives (before
    /// [`flush`](Self::flush) returns them all): for journals that must record every action as
    /// soon as its fate is known. Report indexes count from the last flush.
    pub fn on_answer(&mut self, f: impl FnMut(&[ActionReport]) + Send + 'static) {
        self.observer = Some(Box::new(f));
    }

    /// Stops sending: entries not sent yet are reported failed with
    /// [`codes::NOT_SENT`] and `reason`, requests in flight still end normally. For a run that
    /// was asked to stop. Actions pushed afterwards are not sent either.
    pub fn halt(&mut self, reason: impl Into<String>) {
        self.halted
            .get_or_insert_with(|| (codes::NOT_SENT, reason.into()));
    }

    /// Whether the queue was halted (by [`halt`](Self::halt), or after credentials were refused).
    pub fn is_halted(&self) -> bool {
        self.halted.is_some()
    }

    /// Number of actions pushed since the last flush whose every request has been answered:
    /// for progress bars. It grows as [`push`](Self::push) sends full requests and waits for
    /// free slots; [`flush`](Self::flush) answers the rest and starts the count again at 0.
    pub fn answered(&self) -> usize {
        self.answered
    }

    /// Number of actions pushed since the last flush.
    pub fn len(&self) -> usize {
        self.reports.len()
    }

    /// True when nothing was pushed since the last flush.
    pub fn is_empty(&self) -> bool {
        self.reports.is_empty()
    }

    /// Queues an action, splitting it as UMAPI requires, and sends every full request.
    /// Returns the action's index in the report.
    pub async fn push(&mut self, action: impl Into<Action>) -> usize {
        let Action { frame, steps } = action.into();
        let index = self.reports.len();
        let opts = self.client.inner.batch;
        let target = frame.target.clone();
        let request_id = frame.request_id.clone();
        let step_names = steps.iter().map(|s| s.name().to_owned()).collect();
        let parts = split_steps(
            split_lists(steps, opts.names_per_list),
            opts.steps_per_entry,
        );
        self.reports.push(ActionReport {
            index,
            target,
            request_id,
            status: ActionStatus::Done,
            entries: parts.len(),
            steps: step_names,
            errors: Vec::new(),
            warnings: Vec::new(),
        });
        self.outstanding.push(parts.len());
        if parts.is_empty() {
            self.answered += 1;
            self.reports[index].status = ActionStatus::Failed;
            self.reports[index].errors.push(StepError {
                step: None,
                command: None,
                code: codes::EMPTY.into(),
                message: "the action has no step; nothing was sent".into(),
            });
            if let Some(f) = &mut self.observer {
                f(std::slice::from_ref(&self.reports[index]));
            }
        }
        self.client
            .inner
            .counters
            .actions_queued
            .fetch_add(parts.len() as u64, Ordering::Relaxed);
        // Every part repeats the frame; the last one takes it instead of a copy.
        let frames = std::iter::repeat_n(frame, parts.len());
        for (part, wire) in parts.into_iter().zip(frames) {
            let step_map = part.iter().map(|(i, _)| *i).collect();
            self.pending.push(Entry {
                action: index,
                step_map,
                key: wire.target_key(),
                frame: wire,
                steps: part.into_iter().map(|(_, s)| s).collect(),
            });
        }
        let full = opts.entries_per_request.max(1);
        // Entries that wait for their target's earlier request pile up; past this many, wait
        // for answers rather than queue more.
        let high_water = full * opts.concurrency.max(1) * 4;
        loop {
            if self.pending.len() >= full && self.pending.ready(full) >= full {
                self.send_one().await;
            } else if self.pending.len() < high_water {
                break;
            } else if !self.inflight.is_empty() {
                self.join_one().await;
            } else if self.pending.ready(1) > 0 {
                self.send_one().await;
            } else {
                // Every waiting target is held by a request that ended abnormally: flush()
                // reports their actions.
                break;
            }
        }
        index
    }

    /// Starts sending one request of the entries that can go now, first waiting for a free slot.
    async fn send_one(&mut self) {
        let opts = self.client.inner.batch;
        while self.inflight.len() >= opts.concurrency.max(1) {
            self.join_one().await;
        }
        let batch = self.pending.take(opts.entries_per_request.max(1));
        if batch.is_empty() {
            return;
        }
        if let Some((code, message)) = &self.halted {
            // Answered here, without a request.
            let outcomes = fail_entries(&batch, code, message);
            self.pending.release(batch.iter().map(|e| e.key.as_str()));
            self.record(outcomes);
            return;
        }
        self.requests += 1;
        self.entries_sent += batch.len();
        let keys: Vec<String> = batch.iter().map(|e| e.key.clone()).collect();
        let client = self.client.clone();
        self.inflight
            .spawn(async move { (keys, send_batch(client, batch).await) });
    }

    async fn join_one(&mut self) {
        if let Some(done) = self.inflight.join_next().await {
            match done {
                Ok((keys, outcomes)) => {
                    self.pending.release(keys.iter().map(String::as_str));
                    self.record(outcomes);
                }
                // A panicked or cancelled task cannot tell which entries it held; send_batch does
                // not panic, so this is unreachable in practice, but never lose the actions:
                // every still-undecided action is marked failed in flush().
                Err(e) => {
                    tracing::error!(target: "umapi::batch", "a batch task ended abnormally: {e}")
                }
            }
        }
    }

    fn record(&mut self, outcomes: Vec<EntryOutcome>) {
        let counters = &self.client.inner.counters;
        let mut finished = Vec::new();
        if self.halted.is_none()
            && let Some(e) = outcomes
                .iter()
                .flat_map(|o| &o.errors)
                .find(|e| e.code == codes::AUTH)
        {
            // Refused credentials will be refused again: send nothing more (one token request,
            // not one per batch).
            self.halted = Some((
                codes::AUTH,
                format!(
                    "not sent: an earlier request failed authentication ({})",
                    e.message
                ),
            ));
        }
        for o in outcomes {
            let r = &mut self.reports[o.action];
            if o.completed {
                counters.actions_completed.fetch_add(1, Ordering::Relaxed);
            } else {
                counters.actions_failed.fetch_add(1, Ordering::Relaxed);
                r.status = ActionStatus::Failed;
            }
            r.errors.extend(o.errors);
            r.warnings.extend(o.warnings);
            let left = &mut self.outstanding[o.action];
            if *left == 1 {
                self.answered += 1;
                finished.push(o.action);
            }
            *left = left.saturating_sub(1);
        }
        if let Some(f) = &mut self.observer
            && !finished.is_empty()
        {
            let done: Vec<ActionReport> =
                finished.iter().map(|&i| self.reports[i].clone()).collect();
            f(&done);
        }
    }

    /// Sends everything still queued, waits for every request, and returns the report of every
    /// action pushed since the last flush. The queue is empty afterwards.
    pub async fn flush(&mut self) -> BatchReport {
        self.flush_until(None).await
    }

    /// As [`flush`](Self::flush), but waits for requests in flight at most `limit`: those still
    /// unanswered then are abandoned and their actions reported with [`codes::LOST`] (they may
    /// or may not have been applied). For a run that must stop soon.
    pub async fn flush_within(&mut self, limit: std::time::Duration) -> BatchReport {
        self.flush_until(Some(tokio::time::Instant::now() + limit))
            .await
    }

    async fn flush_until(&mut self, deadline: Option<tokio::time::Instant>) -> BatchReport {
        if let Some(deadline) = deadline {
            let drained = tokio::time::timeout_at(deadline, self.drain()).await;
            if drained.is_err() {
                tracing::warn!(target: "umapi::batch", requests = self.inflight.len(), "stopped waiting for requests in flight");
                self.inflight.abort_all();
                while self.inflight.join_next().await.is_some() {}
            }
        } else {
            self.drain().await;
        }
        self.finish()
    }

    /// Sends what is queued and waits for every request.
    async fn drain(&mut self) {
        let concurrency = self.client.inner.batch.concurrency.max(1);
        while !self.pending.is_empty() {
            if self.inflight.len() < concurrency && self.pending.ready(1) > 0 {
                self.send_one().await;
            } else if !self.inflight.is_empty() {
                self.join_one().await;
            } else {
                // Nothing in flight yet nothing can go: only after a task ended abnormally.
                // Those entries are reported below as lost.
                break;
            }
        }
        while !self.inflight.is_empty() {
            self.join_one().await;
        }
    }

    /// The reports of everything pushed since the last flush; the queue starts afresh.
    fn finish(&mut self) -> BatchReport {
        self.pending.clear();
        let mut actions = std::mem::take(&mut self.reports);
        let outstanding = std::mem::take(&mut self.outstanding);
        self.answered = 0;
        for (r, left) in actions.iter_mut().zip(outstanding) {
            // Entries that never got an answer must not pass for done.
            if left > 0 {
                r.status = ActionStatus::Failed;
                r.errors.push(StepError {
                    step: None,
                    command: None,
                    code: codes::LOST.into(),
                    message: format!(
                        "{left} of {} command entries got no answer (stopped waiting, or the \
                         sending task failed): they may or may not have been applied",
                        r.entries
                    ),
                });
            }
        }
        BatchReport {
            actions,
            requests: std::mem::take(&mut self.requests),
            entries_sent: std::mem::take(&mut self.entries_sent),
            test_mode: self.client.inner.test_mode,
        }
    }
}

impl Drop for ActionQueue {
    fn drop(&mut self) {
        let unreported = self.reports.len();
        if unreported > 0 {
            tracing::error!(
                target: "umapi::batch",
                "an action queue was dropped with {unreported} action(s) not flushed: those not sent yet are abandoned and no report of them is kept; call flush() before dropping the queue"
            );
        }
    }
}

/// Sends one action request and turns the answer into one outcome per entry; entries stopped by
/// a read-only group are sent on until each read-only group has failed alone.
async fn send_batch(client: Client, batch: Vec<Entry>) -> Vec<EntryOutcome> {
    let mut outcomes = send_once(&client, &batch).await;
    let mut rounds = 0;
    // (outcome index, the entry to send on), from each entry's latest answer.
    let mut next: Vec<(usize, Entry)> = batch
        .iter()
        .zip(outcomes.iter_mut())
        .enumerate()
        .filter_map(|(i, (entry, answer))| Some((i, follow_up(entry, answer)?)))
        .collect();
    while !next.is_empty() {
        rounds += 1;
        let resend: Vec<Entry> = next.iter().map(|(_, e)| e.clone()).collect();
        let answers = send_once(&client, &resend).await;
        let mut after = Vec::new();
        for ((i, entry), mut answer) in next.into_iter().zip(answers) {
            if let Some(more) = follow_up(&entry, &mut answer) {
                after.push((i, more));
            }
            let o = &mut outcomes[i];
            o.errors.extend(answer.errors);
            o.warnings.extend(answer.warnings);
            o.completed = o.errors.is_empty();
        }
        next = after;
    }
    if rounds > 0 {
        tracing::debug!(target: "umapi::batch", "read-only groups: {rounds} more request(s) to settle each group on its own");
    }
    outcomes
}

/// Sends one action request and turns the answer into one outcome per entry.
async fn send_once(client: &Client, batch: &[Entry]) -> Vec<EntryOutcome> {
    let inner = &client.inner;
    let path = format!("/action/{}", segment(&inner.org_id));
    let query: Vec<(&str, String)> = if inner.test_mode {
        vec![("testOnly", "true".into())]
    } else {
        Vec::new()
    };
    // Serialised by reference: the entries stay here to route the answer back.
    let bytes = serde_json::to_vec(batch).unwrap_or_default();
    inner
        .counters
        .actions_sent
        .fetch_add(batch.len() as u64, Ordering::Relaxed);
    let repeatable = batch
        .iter()
        .all(|e| e.steps.iter().all(|s| repeatable(e.frame.root, s)));
    let answer = match client
        .request_with(
            RouteClass::Action,
            Method::POST,
            &path,
            &query,
            Some(bytes),
            repeatable,
        )
        .await
    {
        Ok(a) => client.json_ok(&a, "POST", &path).map(|v| (v, a)),
        Err(e) => Err(e),
    };
    let (body, attempted) = match answer {
        Ok(x) => x,
        Err(e) => return fail_or_reconcile(client, batch, &e).await,
    };
    match route(batch, &body) {
        Ok(outcomes) => outcomes,
        Err(detail) => {
            let e = Error::Decode {
                what: format!("POST {path}"),
                detail: format!("{detail}: {}", excerpt(&attempted.body)),
            };
            fail_or_reconcile(client, batch, &e).await
        }
    }
}

impl Client {
    /// A queue for sending many actions in batches.
    pub fn queue(&self) -> ActionQueue {
        ActionQueue::new(self.clone())
    }

    /// Sends these actions at once (split and batched as needed) and waits for all of them.
    ///
    /// Returns the report when every action completed, and [`Error::Batch`] (with the full report,
    /// successes included) when any failed. To go through the outcomes whatever they are, use
    /// [`submit`](Self::submit).
    pub async fn execute<I, A>(&self, actions: I) -> Result<BatchReport>
    where
        I: IntoIterator<Item = A>,
        A: Into<Action>,
    {
        self.submit(actions).await.into_result()
    }

    /// Sends these actions as [`execute`](Self::execute) does, and returns every action's
    /// outcome, failures included: done, failed (with UMAPI's errors), not sent, or unknown
    /// (the answer was lost). Never an `Err`: a failed request fails its actions in the report.
    pub async fn submit<I, A>(&self, actions: I) -> BatchReport
    where
        I: IntoIterator<Item = A>,
        A: Into<Action>,
    {
        let mut q = self.queue();
        for a in actions {
            q.push(a).await;
        }
        q.flush().await
    }
}
