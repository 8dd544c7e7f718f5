//! After a request-level failure: was the action applied? Which steps are safe to send twice,
//! and, when the answer was lost, what reading the users back shows.

use serde_json::Value;

use super::answer::fail_all;
use super::batch::{Entry, EntryOutcome};
use super::{Root, Step, StepError, StepWarning, codes};
use crate::Error;
use crate::client::Client;

/// Whether a step leaves the same state, without an error, when sent twice: group adds and
/// removes, updates that rename nothing, creates that ignore or update an existing account.
/// Removals from the organisation, deletions, renames and plain creates are not.
pub(super) fn repeatable(root: Root, step: &Step) -> bool {
    // Decided by the name where it can be: building a step's JSON is work on every request.
    let value = || step.value();
    match (root, step.name()) {
        (_, "add" | "remove") => true,
        (Root::User, "update") => {
            let v = value();
            v.get("email").is_none() && v.get("username").is_none()
        }
        (Root::UserGroup, "updateUserGroup") => value().get("name").is_none(),
        (_, "createEnterpriseID" | "createFederatedID" | "addAdobeID" | "createUserGroup") => {
            matches!(
                value().get("option").and_then(Value::as_str),
                Some("ignoreIfAlreadyExists" | "updateIfAlreadyExists")
            )
        }
        _ => false,
    }
}

/// After a request-level failure: when the answer was lost after the server may have applied
/// the request (a reset or timeout, a gateway error, an unreadable 2xx), each user entry is
/// judged by reading the user back — done when the user now shows every step applied, not sent
/// when it shows none — and stays unknown only when that read fails or is inconclusive. Any
/// other failure fails every entry as it is.
pub(super) async fn fail_or_reconcile(
    client: &Client,
    batch: &[Entry],
    e: &Error,
) -> Vec<EntryOutcome> {
    let ambiguous = match e {
        Error::Transport(t) => !t.is_connect(),
        Error::Api(_) | Error::Unavailable(_) => matches!(e.status(), Some(502 | 504)),
        Error::Decode { .. } => true,
        _ => false,
    };
    let mut outcomes = fail_all(batch, e);
    if !ambiguous {
        return outcomes;
    }
    for (entry, outcome) in batch.iter().zip(outcomes.iter_mut()) {
        if entry.frame.root != Root::User {
            continue;
        }
        let mut q = client.user(entry.frame.target.clone());
        if let Some(d) = &entry.frame.domain {
            q = q.domain(d.clone());
        }
        let user = match q.get().await {
            Ok(u) => u,
            Err(read) => {
                tracing::warn!(target: "umapi::batch", "{}: the answer was lost and reading the user back failed too: {read}", entry.frame.target);
                continue;
            }
        };
        let seen: Vec<Option<bool>> = entry
            .steps
            .iter()
            .map(|s| step_shows(user.as_ref(), s))
            .collect();
        if seen.iter().all(|v| *v == Some(true)) {
            outcome.completed = true;
            outcome.warnings.push(StepWarning {
                step: None,
                code: "request.answer_lost".into(),
                message: format!(
                    "the answer was lost ({e}); reading the user back shows it applied"
                ),
            });
            outcome.errors.clear();
        } else if seen.iter().all(|v| *v == Some(false)) {
            outcome.errors = vec![StepError {
                step: None,
                command: None,
                code: codes::NOT_SENT.into(),
                message: format!(
                    "the answer was lost ({e}); reading the user back shows it not applied"
                ),
            }];
        }
    }
    outcomes
}

/// Whether a user as read back shows a step applied (`Some(true)`), not applied
/// (`Some(false)`), or cannot tell (`None`).
fn step_shows(user: Option<&crate::User>, step: &Step) -> Option<bool> {
    let value = step.value();
    let text = |k: &str| value.get(k).and_then(Value::as_str);
    let names = |v: Option<&Value>| -> Option<Vec<String>> {
        v?.as_array()?
            .iter()
            .map(|g| g.as_str().map(str::to_lowercase))
            .collect()
    };
    let member = |g: &str| user.is_some_and(|u| u.groups.iter().any(|h| h.eq_ignore_ascii_case(g)));
    match step.name() {
        "createEnterpriseID" | "createFederatedID" | "addAdobeID" => match user {
            None => Some(false),
            Some(u) => {
                let same = |k: &str, have: &Option<String>| {
                    text(k).is_none_or(|want| have.as_deref() == Some(want))
                };
                (same("firstname", &u.firstname) && same("lastname", &u.lastname)).then_some(true)
            }
        },
        "removeFromOrg" => Some(user.is_none()),
        "add" => {
            let groups = names(value.get("group"))?;
            if value.as_object().is_some_and(|m| m.len() != 1) {
                return None;
            }
            let present = groups.iter().filter(|g| member(g)).count();
            match present {
                0 => Some(false),
                n if n == groups.len() => Some(true),
                _ => None,
            }
        }
        "remove" => {
            let groups = names(value.get("group"))?;
            let present = groups.iter().filter(|g| member(g)).count();
            match present {
                0 => Some(true),
                n if n == groups.len() => Some(false),
                _ => None,
            }
        }
        "update" => {
            let u = user?;
            let fields = [("firstname", &u.firstname), ("lastname", &u.lastname)];
            if value
                .as_object()
                .is_some_and(|m| m.keys().any(|k| k != "firstname" && k != "lastname"))
            {
                return None;
            }
            fields
                .iter()
                .all(|(k, have)| text(k).is_none_or(|want| have.as_deref() == Some(want)))
                .then_some(true)
        }
        _ => None,
    }
}
