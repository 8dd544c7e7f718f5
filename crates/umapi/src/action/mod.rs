//! Actions: typed builders for every user and user-group step, their wire form, batching and
//! execution with per-action reports.
//!
//! ```
//! use umapi::{GroupAction, NewUser, UserAction};
//!
//! # fn main() -> Result<(), umapi::Error> {
//! let create = UserAction::new("jdoe@example.com")?
//!     .create(NewUser::federated("jdoe@example.com", "Jo", "Doe", "US"))?
//!     .add_to_groups(["All Apps - Default", "Design Team"])?;
//! let group = GroupAction::new("Design Team")?.add_users(["jdoe@example.com"])?;
//! assert_eq!(create.to_wire()["do"][0]["createFederatedID"]["country"], "US");
//! # let _ = group;
//! # Ok(()) }
//! ```

mod batch;
mod builders;
mod pack;
mod split;
mod wire;

use serde_json::Value;

pub use batch::{
    ActionQueue, ActionReport, ActionStatus, Applied, BatchError, BatchReport, StepError,
    StepWarning, codes,
};
pub use builders::{GroupAction, NewUser, UserAction, UserUpdate};
pub(crate) use split::{split_lists, split_steps};
pub use wire::Step;
pub(crate) use wire::{Field, Frame, Root};

use crate::{Error, Result};

/// A command entry for one user or one user group: a frame (`user` or `usergroup`, and
/// optionally `domain`, `useAdobeID`, `requestID`) and its steps, in order.
///
/// Built by [`UserAction`] and [`GroupAction`], or parsed from UMAPI's wire format with
/// [`Action::from_wire`].
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub(crate) frame: Frame,
    pub(crate) steps: Vec<Step>,
}

impl Action {
    /// Parses one command entry in UMAPI's own format (API.md §6.1), checking its shape: an
    /// object with exactly one of `user` or `usergroup` (a string) and a `do` array of
    /// single-key objects. Step contents are left to the server to judge.
    pub fn from_wire(value: &Value) -> Result<Action> {
        let obj = value.as_object().ok_or_else(|| {
            Error::Argument(format!(
                "a command entry must be a JSON object, got {}",
                kind(value)
            ))
        })?;
        let (root, target) = match (obj.get("user"), obj.get("usergroup")) {
            (Some(_), Some(_)) => {
                return Err(Error::Argument(
                    "a command entry has both `user` and `usergroup`; give one".into(),
                ));
            }
            (None, None) => {
                return Err(Error::Argument(
                    "a command entry needs `user` or `usergroup`".into(),
                ));
            }
            (Some(Value::String(u)), None) => (Root::User, u),
            (None, Some(Value::String(g))) => (Root::UserGroup, g),
            (Some(v), None) | (None, Some(v)) => {
                return Err(Error::Argument(format!(
                    "`user`/`usergroup` must be a string, got {}",
                    kind(v)
                )));
            }
        };
        let steps = match obj.get("do") {
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, s)| match s.as_object() {
                    Some(m) if m.len() == 1 => {
                        let (k, v) = m.iter().next().map(|(k, v)| (k.clone(), v.clone())).unwrap_or_default();
                        Ok(Step::new(k, v))
                    }
                    _ => Err(Error::Argument(format!("step {i} of `do` must be an object with exactly one key, like {{\"add\": {{\"group\": [\"G\"]}}}}"))),
                })
                .collect::<Result<Vec<_>>>()?,
            Some(other) => return Err(Error::Argument(format!("`do` must be an array of steps, got {}", kind(other)))),
            None => return Err(Error::Argument("a command entry needs a `do` array of steps".into())),
        };
        if steps.is_empty() {
            return Err(Error::Argument("`do` has no steps".into()));
        }
        let frame = Frame::from_map(root, target.clone(), obj);
        Ok(Action { frame, steps })
    }

    /// Parses a JSON array of command entries (any length: idm splits and batches it).
    pub fn list_from_wire(value: &Value) -> Result<Vec<Action>> {
        let items = value.as_array().ok_or_else(|| {
            Error::Argument(format!(
                "expected a JSON array of command entries, got {}",
                kind(value)
            ))
        })?;
        items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                Action::from_wire(v)
                    .map_err(|e| Error::Argument(format!("entry {i}: {}", strip(&e))))
            })
            .collect()
    }

    /// The wire form: the frame plus `do`.
    pub fn to_wire(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The user or group this action is about.
    pub fn target(&self) -> &str {
        &self.frame.target
    }

    /// The `requestID`, if one was set.
    pub fn request_id(&self) -> Option<&str> {
        self.frame.request_id.as_deref()
    }

    /// The steps, in order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }
}

impl serde::Serialize for Action {
    /// Serialises as the wire form, like [`to_wire`](Self::to_wire) without building it.
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        self.frame.serialize_entry(&self.steps, serializer)
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn strip(e: &Error) -> String {
    match e {
        Error::Argument(m) => m.clone(),
        other => other.to_string(),
    }
}

impl From<UserAction> for Action {
    fn from(a: UserAction) -> Self {
        a.into_action()
    }
}

impl From<GroupAction> for Action {
    fn from(a: GroupAction) -> Self {
        a.into_action()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wire_roundtrip() {
        let v = json!({"user": "jdoe", "domain": "example.com", "requestID": "r1",
                       "do": [{"createFederatedID": {"email": "jdoe@example.com", "firstname": "Jo",
                               "lastname": "Doe", "country": "US"}}, {"add": {"group": ["A"]}}]});
        let a = Action::from_wire(&v).unwrap();
        assert_eq!(a.target(), "jdoe");
        assert_eq!(a.request_id(), Some("r1"));
        assert_eq!(a.to_wire(), v);
    }

    #[test]
    fn wire_shape_errors_say_what_is_wrong() {
        let cases = [
            (json!([]), "JSON object"),
            (json!({"do": []}), "needs `user` or `usergroup`"),
            (json!({"user": "a", "usergroup": "b", "do": []}), "both"),
            (json!({"user": 5, "do": []}), "must be a string"),
            (json!({"user": "a"}), "`do` array"),
            (json!({"user": "a", "do": {}}), "must be an array"),
            (
                json!({"user": "a", "do": [{"a": 1, "b": 2}]}),
                "exactly one key",
            ),
            (json!({"user": "a", "do": []}), "no steps"),
        ];
        for (v, want) in cases {
            let err = Action::from_wire(&v).unwrap_err().to_string();
            assert!(err.contains(want), "{v}: {err}");
        }
        let err = Action::list_from_wire(&json!([{"user": "a", "do": [{"add": {}}]}, {"user": 1}]))
            .unwrap_err();
        assert!(err.to_string().contains("entry 1"), "{err}");
    }
}
