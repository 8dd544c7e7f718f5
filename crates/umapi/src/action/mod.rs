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
mod split;

use serde_json::{Map, Value};

pub use batch::{
    ActionQueue, ActionReport, ActionStatus, BatchError, BatchReport, StepError, StepWarning,
};
pub use builders::{GroupAction, NewUser, UserAction, UserUpdate};
pub(crate) use split::{split_lists, split_steps};

use crate::{Error, Result};

/// One step of an action: a single-key object such as `{"add": {"group": [...]}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The step name (`createFederatedID`, `add`, `removeFromOrg`, ...).
    pub name: String,
    /// Its argument.
    pub value: Value,
}

impl Step {
    /// A step from its name and argument.
    pub fn new(name: impl Into<String>, value: Value) -> Self {
        Step {
            name: name.into(),
            value,
        }
    }

    /// The wire form, `{name: value}`.
    pub fn to_wire(&self) -> Value {
        self.clone().into_wire()
    }

    /// Like [`to_wire`](Self::to_wire), consuming the step.
    pub fn into_wire(self) -> Value {
        let mut m = Map::new();
        m.insert(self.name, self.value);
        Value::Object(m)
    }

    pub(crate) fn is_create(&self) -> bool {
        matches!(
            self.name.as_str(),
            "addAdobeID" | "createEnterpriseID" | "createFederatedID" | "createUserGroup"
        )
    }
}

impl serde::Serialize for Step {
    /// Serialises as the wire form, `{name: value}`, without building it first.
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(&self.name, &self.value)?;
        map.end()
    }
}

/// A command entry for one user or one user group: a frame (`user` or `usergroup`, and
/// optionally `domain`, `useAdobeID`, `requestID`) and its steps, in order.
///
/// Built by [`UserAction`] and [`GroupAction`], or parsed from UMAPI's wire format with
/// [`Action::from_wire`].
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub(crate) frame: Map<String, Value>,
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
        let user = obj.get("user");
        let group = obj.get("usergroup");
        match (user, group) {
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
            (Some(v), None) | (None, Some(v)) if !v.is_string() => {
                return Err(Error::Argument(format!(
                    "`user`/`usergroup` must be a string, got {}",
                    kind(v)
                )));
            }
            _ => {}
        }
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
        let mut frame = obj.clone();
        frame.remove("do");
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
        let mut m = self.frame.clone();
        m.insert(
            "do".into(),
            Value::Array(self.steps.iter().map(Step::to_wire).collect()),
        );
        Value::Object(m)
    }

    /// The user or group this action is about.
    pub fn target(&self) -> &str {
        self.frame
            .get("user")
            .or_else(|| self.frame.get("usergroup"))
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// The `requestID`, if one was set.
    pub fn request_id(&self) -> Option<&str> {
        self.frame.get("requestID").and_then(Value::as_str)
    }

    /// The steps, in order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
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
