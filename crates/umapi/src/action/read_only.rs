//! Read-only groups, reported per group.
//!
//! UMAPI refuses a membership change of a read-only (shared) group by failing the whole step:
//! `add: {group: [A, Shared, B]}` adds the user to neither A nor B, and the entry's later steps
//! do not run. So that one read-only group fails only itself, the step is sent again as one
//! step per group, followed by the steps that did not run; a read-only group failing again is
//! reported with its own one-group command, and what follows it is sent on. Each round is one
//! request for every entry that needs one, and a round settles at least one group, so an entry
//! with `r` read-only groups costs at most `r + 1` extra requests. Nothing here runs when no
//! group is read-only.

use super::Root;
use super::batch::{Entry, EntryOutcome};

/// The prefix of UMAPI's read-only refusals (`.add_user_not_allowed`, `.remove_user_not_allowed`).
const READ_ONLY: &str = "error.usergroup.readonly.";

/// The entry to send after `entry` stopped at a read-only refusal, given the entry's latest
/// answer. A step of several groups is split and its refusal withdrawn from `answer` (the split
/// steps will report per group); a one-group step keeps its refusal and the steps after it go
/// on. `None` when the entry did not stop at a read-only refusal of a user's group step.
pub(super) fn follow_up(entry: &Entry, answer: &mut EntryOutcome) -> Option<Entry> {
    if entry.frame.root != Root::User {
        return None;
    }
    let [error] = answer.errors.as_slice() else {
        return None;
    };
    if !error.code.starts_with(READ_ONLY) {
        return None;
    }
    // The entry-local index of the failing step: the one mapped to the reported step whose
    // command it names (a long list split in chunks maps several to one).
    let local = entry
        .step_map
        .iter()
        .zip(&entry.steps)
        .position(|(&original, step)| {
            Some(original) == error.step && error.command.as_ref() == Some(&step.to_wire())
        })?;
    let split = entry.steps[local].per_group()?;
    let several = split.len() > 1;
    let (mut steps, mut step_map) = if several {
        let n = split.len();
        (split, vec![entry.step_map[local]; n])
    } else {
        (Vec::new(), Vec::new())
    };
    steps.extend(entry.steps[local + 1..].iter().cloned());
    step_map.extend_from_slice(&entry.step_map[local + 1..]);
    if steps.is_empty() {
        return None;
    }
    if several {
        answer.errors.clear();
    }
    Some(Entry {
        action: entry.action,
        step_map,
        frame: entry.frame.clone(),
        steps,
        key: entry.key.clone(),
    })
}
