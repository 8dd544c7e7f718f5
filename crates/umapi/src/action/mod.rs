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

mod answer;
mod batch;
mod builders;
mod pack;
mod read_only;
mod reconcile;
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

/// The longest `user` or `usergroup` UMAPI takes (`error.command.string.too_long`).
const MAX_TARGET: usize = 250;

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
    /// Parses one command entry in UMAPI's own format and checks it as UMAPI
    /// would before running anything: an object with exactly one of `user` or `usergroup` (a
    /// string), `domain` and `requestID` strings and `useAdobeID` a boolean when present, and a
    /// `do` array of single-key objects, each a documented step of that kind of entry with an
    /// argument of the documented shape; a create step only first, and
    /// `removeFromOrg` or `deleteUserGroup` only last. The error names the step by index and
    /// name. Whether the users and groups named exist is left to the server.
    pub fn from_wire(value: &Value) -> Result<Action> {
        let obj = value.as_object().ok_or_else(|| {
            Error::Argument(format!(
                "a command entry must be a JSON object, got {}",
                kind(value)
            ))
        })?;
        let (root, root_key, target) = match (obj.get("user"), obj.get("usergroup")) {
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
            (Some(Value::String(u)), None) => (Root::User, "user", u),
            (None, Some(Value::String(g))) => (Root::UserGroup, "usergroup", g),
            (Some(v), None) | (None, Some(v)) => {
                return Err(Error::Argument(format!(
                    "`user`/`usergroup` must be a string, got {}",
                    kind(v)
                )));
            }
        };
        if target.trim().is_empty() {
            return Err(Error::Argument(format!("`{root_key}` is empty")));
        }
        if target.chars().count() > MAX_TARGET {
            return Err(Error::Argument(format!(
                "`{root_key}` is longer than {MAX_TARGET} characters"
            )));
        }
        for (key, string) in [("domain", true), ("requestID", true), ("useAdobeID", false)] {
            match obj.get(key) {
                None | Some(Value::Null) | Some(Value::String(_)) if string => {}
                None | Some(Value::Null) | Some(Value::Bool(_)) if !string => {}
                Some(other) => {
                    return Err(Error::Argument(format!(
                        "`{key}` must be {}, got {}",
                        if string { "a string" } else { "true or false" },
                        kind(other)
                    )));
                }
                None => {}
            }
        }
        let items = match obj.get("do") {
            Some(Value::Array(items)) => items,
            Some(other) => {
                return Err(Error::Argument(format!(
                    "`do` must be an array of steps, got {}",
                    kind(other)
                )));
            }
            None => {
                return Err(Error::Argument(
                    "a command entry needs a `do` array of steps".into(),
                ));
            }
        };
        if items.is_empty() {
            return Err(Error::Argument("`do` has no steps".into()));
        }
        let last = items.len() - 1;
        let mut steps = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let Some((name, arg)) = item
                .as_object()
                .filter(|m| m.len() == 1)
                .and_then(|m| m.iter().next())
            else {
                return Err(Error::Argument(format!(
                    "step {i} of `do` must be an object with exactly one key, like \
                     {{\"add\": {{\"group\": [\"G\"]}}}}"
                )));
            };
            let bad = |msg: String| Error::Argument(format!("step {i} ({name}): {msg}"));
            wire::check_step(root, name, arg).map_err(bad)?;
            let step = Step::new(name.clone(), arg.clone());
            // UMAPI's order rules: refused by the server, or (after a
            // delete) steps silently not run.
            if step.is_create() && i != 0 {
                return Err(bad(
                    "a create step must be the first step of its entry (and the only one)".into(),
                ));
            }
            if matches!(name.as_str(), "removeFromOrg" | "deleteUserGroup") && i != last {
                return Err(bad(format!(
                    "{name} must be the last step of its entry: no step runs after it"
                )));
            }
            steps.push(step);
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
        let err = Action::list_from_wire(
            &json!([{"user": "a@b.co", "do": [{"add": {"group": ["G"]}}]}, {"user": 1}]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("entry 1"), "{err}");
    }

    /// Every documented step, as UMAPI documents them, is accepted.
    #[test]
    fn documented_steps_pass() {
        let entries = json!([
            {"user": "jdoe", "domain": "example.com", "requestID": "r1", "do": [
                {"createFederatedID": {"email": "jdoe@example.com", "firstname": "Jo", "lastname": "Doe",
                                       "country": "US", "option": "ignoreIfAlreadyExists"}},
                {"add": {"group": ["All Apps - Default", "Design Team"]}}]},
            {"user": "a@example.com", "useAdobeID": true, "do": [
                {"addAdobeID": {"email": "a@example.com", "country": "DE", "option": "updateIfAlreadyExists"}},
                {"update": {"firstname": "A", "lastname": "B", "email": "b@example.com", "username": "b"}},
                {"remove": {"group": ["X"], "productConfiguration": ["P"], "usergroup": ["U"]}},
                {"add": {"product": ["legacy"]}}]},
            {"user": "e@example.com", "do": [
                {"createEnterpriseID": {"email": "e@example.com", "firstname": "E", "lastname": "F"}},
                {"remove": "all"}, {"removeFromOrg": {"deleteAccount": false}}]},
            {"user": "f@example.com", "do": [{"removeFromOrg": {}}]},
            {"usergroup": "Design Team", "do": [
                {"createUserGroup": {"description": "Designers", "option": "updateIfAlreadyExists"}},
                {"updateUserGroup": {"name": "Designers", "description": "d"}},
                {"add": {"productConfiguration": ["All Apps - Default"], "user": ["jdoe@example.com"]}},
                {"remove": {"user": ["x@example.com"]}},
                {"deleteUserGroup": {}}]},
        ]);
        assert_eq!(Action::list_from_wire(&entries).unwrap().len(), 5);
    }

    #[test]
    fn bad_steps_are_refused_naming_the_step() {
        let user =
            |step: Value| json!({"user": "a@example.com", "do": [{"add": {"group": ["G"]}}, step]});
        let group = |step: Value| json!({"usergroup": "G", "do": [step]});
        let cases = [
            (
                user(json!({"addUser": {}})),
                "step 1 (addUser): unknown step \"addUser\"; the steps of a `user` entry are addAdobeID",
            ),
            (
                user(json!({"add": {"group": "G"}})),
                "step 1 (add): `group` must be a list of names",
            ),
            (
                user(json!({"add": {"groups": ["G"]}})),
                "unknown key \"groups\" in add",
            ),
            (
                user(json!({"add": {"group": ["G", 5]}})),
                "only names (strings), not the number 5",
            ),
            (
                user(json!({"add": {"group": ["G", "g"]}})),
                "lists \"g\" twice",
            ),
            (user(json!({"add": {}})), "needs at least one list"),
            (
                user(json!({"add": "all"})),
                "add takes an object of name lists",
            ),
            (
                user(json!({"update": {"firstname": 7}})),
                "`firstname` must be a string, got the number 7",
            ),
            (
                user(json!({"update": {"country": "US"}})),
                "cannot change `country`",
            ),
            (
                user(json!({"update": {"option": "ignoreIfAlreadyExists"}})),
                "takes no `option`",
            ),
            (
                user(json!({"update": {"email": "not-an-email"}})),
                "not a valid email",
            ),
            (
                user(json!({"removeFromOrg": {"deleteAccount": "yes"}})),
                "`deleteAccount` must be true or false",
            ),
            (
                user(json!({"createUserGroup": {}})),
                "step 1 (createUserGroup): createUserGroup is a user-group step",
            ),
            (
                json!({"user": "a@example.com", "do": [{"createFederatedID": {"email": "a@example.com", "firstname": "A", "lastname": "B"}}]}),
                "step 0 (createFederatedID): `country` is required",
            ),
            (
                json!({"user": "a@example.com", "do": [{"createEnterpriseID": {"email": "a@example.com", "firstname": "A", "lastname": ""}}]}),
                "`lastname` must not be empty",
            ),
            (
                json!({"user": "a@example.com", "do": [{"addAdobeID": {"email": "a@example.com", "country": "usa"}}]}),
                "`country` \"usa\" must be an ISO 3166-1 alpha-2 code",
            ),
            (
                json!({"user": "a@example.com", "do": [{"addAdobeID": {"email": "a@example.com", "option": "replace"}}]}),
                "`option` the string \"replace\" is not one of",
            ),
            (
                json!({"user": "a@example.com", "do": [{"addAdobeID": {"mail": "a@example.com"}}]}),
                "unknown key \"mail\" in addAdobeID",
            ),
            (
                user(json!({"addAdobeID": {"email": "a@example.com"}})),
                "step 1 (addAdobeID): a create step must be the first",
            ),
            (
                json!({"user": "a@example.com", "do": [{"removeFromOrg": {}}, {"add": {"group": ["G"]}}]}),
                "step 0 (removeFromOrg): removeFromOrg must be the last step",
            ),
            (
                group(json!({"deleteUserGroup": {"x": 1}})),
                "deleteUserGroup takes an empty object",
            ),
            (
                group(json!({"add": {"group": ["G"]}})),
                "unknown key \"group\" in add; its keys are user, productConfiguration, product",
            ),
            (
                group(json!({"remove": "all"})),
                "remove takes an object of name lists",
            ),
            (group(json!({"update": {}})), "update is a user step"),
            (
                group(json!({"updateUserGroup": {"name": ""}})),
                "`name` must not be empty",
            ),
            (
                json!({"user": "a@example.com", "useAdobeID": "yes", "do": [{"remove": "all"}]}),
                "`useAdobeID` must be true or false",
            ),
            (
                json!({"user": "a", "domain": 5, "do": [{"remove": "all"}]}),
                "`domain` must be a string",
            ),
            (
                json!({"user": " ", "do": [{"remove": "all"}]}),
                "`user` is empty",
            ),
        ];
        for (v, want) in cases {
            let err = Action::from_wire(&v).unwrap_err().to_string();
            assert!(err.contains(want), "{v}:\n  {err}\n  wanted: {want}");
        }
    }
}
