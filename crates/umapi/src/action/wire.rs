//! The parts of a command entry — its frame and its steps — held typed and serialised straight to
//! UMAPI's JSON, without building a `serde_json::Value` tree for every action (on a bulk run that
//! tree's allocations, copies and drops were a fifth of the client's CPU).

use std::borrow::Cow;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

/// One step of an action, such as `{"add": {"group": ["Design"]}}`.
///
/// The builders ([`UserAction`](super::UserAction), [`GroupAction`](super::GroupAction)) make
/// typed steps; [`Step::new`] takes any step as JSON, for steps idm has no builder for. Either
/// way a step serialises as its wire form, `{name: argument}`.
#[derive(Debug, Clone)]
pub struct Step(Repr);

#[derive(Debug, Clone)]
enum Repr {
    /// An argument made of simple fields, such as `createEnterpriseID`'s.
    Fields {
        name: &'static str,
        fields: Vec<(&'static str, Field)>,
    },
    /// `add` or `remove` with lists of names, such as `{"group": ["A", "B"]}`; the only steps
    /// that are split when a list is long.
    Lists {
        name: &'static str,
        lists: Vec<(Cow<'static, str>, Vec<String>)>,
    },
    /// Any other step, as given.
    Json { name: String, value: Value },
}

/// A field value of a typed step.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Field {
    Text(String),
    Flag(bool),
}

impl Serialize for Field {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Text(s) => serializer.serialize_str(s),
            Field::Flag(b) => serializer.serialize_bool(*b),
        }
    }
}

/// The `&'static` spelling of a list step's name.
fn list_step(name: &str) -> Option<&'static str> {
    match name {
        "add" => Some("add"),
        "remove" => Some("remove"),
        _ => None,
    }
}

impl Step {
    /// A step from its name and argument, in UMAPI's JSON.
    ///
    /// An `add` or `remove` whose argument maps keys to lists of names is split like the
    /// builders' when a list is longer than UMAPI allows; any other step is sent as given.
    pub fn new(name: impl Into<String>, value: Value) -> Self {
        let name = name.into();
        let Some(step) = list_step(&name) else {
            return Step(Repr::Json { name, value });
        };
        let all_names = |v: &Value| v.as_array().is_some_and(|a| a.iter().all(Value::is_string));
        match value {
            Value::Object(map) if !map.is_empty() && map.values().all(all_names) => {
                let lists = map
                    .into_iter()
                    .map(|(key, list)| {
                        let names = match list {
                            Value::Array(items) => items
                                .into_iter()
                                .filter_map(|v| match v {
                                    Value::String(s) => Some(s),
                                    _ => None,
                                })
                                .collect(),
                            _ => Vec::new(),
                        };
                        (Cow::Owned(key), names)
                    })
                    .collect();
                Step(Repr::Lists { name: step, lists })
            }
            value => Step(Repr::Json { name, value }),
        }
    }

    /// A typed step of simple fields.
    pub(crate) fn fields(name: &'static str, fields: Vec<(&'static str, Field)>) -> Self {
        Step(Repr::Fields { name, fields })
    }

    /// A typed `add`/`remove` step with one list under `key`.
    pub(crate) fn list(name: &'static str, key: &'static str, names: Vec<String>) -> Self {
        Step(Repr::Lists {
            name,
            lists: vec![(Cow::Borrowed(key), names)],
        })
    }

    /// The step name (`createFederatedID`, `add`, `removeFromOrg`, ...).
    pub fn name(&self) -> &str {
        match &self.0 {
            Repr::Fields { name, .. } | Repr::Lists { name, .. } => name,
            Repr::Json { name, .. } => name,
        }
    }

    /// Its argument, as JSON.
    pub fn value(&self) -> Value {
        match &self.0 {
            Repr::Json { value, .. } => value.clone(),
            // Serialising strings, booleans and string-keyed maps into a `Value` cannot fail.
            typed => serde_json::to_value(Argument(typed)).unwrap_or(Value::Null),
        }
    }

    /// The wire form, `{name: argument}`.
    pub fn to_wire(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    pub(crate) fn is_create(&self) -> bool {
        matches!(
            self.name(),
            "addAdobeID" | "createEnterpriseID" | "createFederatedID" | "createUserGroup"
        )
    }

    /// The length of the longest name list (0 for a step without lists).
    pub(crate) fn longest_list(&self) -> usize {
        match &self.0 {
            Repr::Lists { lists, .. } => lists.iter().map(|(_, l)| l.len()).max().unwrap_or(0),
            _ => 0,
        }
    }

    /// The names of a user's `add`/`remove` step whose only list is `group`: the step split
    /// into one step per group. `None` for any other step.
    pub(crate) fn per_group(&self) -> Option<Vec<Step>> {
        let Repr::Lists { name, lists } = &self.0 else {
            return None;
        };
        let [(key, names)] = lists.as_slice() else {
            return None;
        };
        (key == "group").then(|| {
            names
                .iter()
                .map(|g| Step::list(name, "group", vec![g.clone()]))
                .collect()
        })
    }

    /// Part `chunk` of a list step cut in chunks of `max` names: the names of every list that
    /// fall in it, lists with none left out. Other steps are returned whole.
    pub(crate) fn list_chunk(&self, chunk: usize, max: usize) -> Step {
        let Repr::Lists { name, lists } = &self.0 else {
            return self.clone();
        };
        let lists = lists
            .iter()
            .filter_map(|(key, names)| {
                let part: Vec<String> = names.iter().skip(chunk * max).take(max).cloned().collect();
                (!part.is_empty()).then(|| (key.clone(), part))
            })
            .collect();
        Step(Repr::Lists { name, lists })
    }
}

/// Two steps are equal when their wire forms are (a typed step equals the same step given as JSON).
impl PartialEq for Step {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name() && self.value() == other.value()
    }
}

impl Serialize for Step {
    /// Serialises as the wire form, `{name: argument}`, without building it first.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.name(), &Argument(&self.0))?;
        map.end()
    }
}

/// A step's argument, serialised from whichever form the step holds.
struct Argument<'a>(&'a Repr);

impl Serialize for Argument<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        fn pairs<S: Serializer, K: AsRef<str>, V: Serialize>(
            serializer: S,
            pairs: &[(K, V)],
        ) -> Result<S::Ok, S::Error> {
            let mut map = serializer.serialize_map(Some(pairs.len()))?;
            for (k, v) in pairs {
                map.serialize_entry(k.as_ref(), v)?;
            }
            map.end()
        }
        match self.0 {
            Repr::Fields { fields, .. } => pairs(serializer, fields),
            Repr::Lists { lists, .. } => pairs(serializer, lists),
            Repr::Json { value, .. } => value.serialize(serializer),
        }
    }
}

/// Whether a command entry acts on a user or a user group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Root {
    User,
    UserGroup,
}

/// The frame of a command entry: `user` or `usergroup`, and optionally `domain`, `requestID`,
/// `useAdobeID`, plus any other key of an entry read from JSON, passed on as given.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Frame {
    pub root: Root,
    pub target: String,
    pub domain: Option<String>,
    pub request_id: Option<String>,
    pub use_adobe_id: Option<bool>,
    pub extra: Map<String, Value>,
}

impl Frame {
    pub(crate) fn new(root: Root, target: String) -> Self {
        Frame {
            root,
            target,
            domain: None,
            request_id: None,
            use_adobe_id: None,
            extra: Map::new(),
        }
    }

    /// Reads a frame from an entry's keys other than `do`; `root` and `target` were checked by
    /// the caller. Keys of an unexpected type are kept as given, for the server to judge.
    pub(crate) fn from_map(root: Root, target: String, map: &Map<String, Value>) -> Self {
        let mut frame = Frame::new(root, target);
        let root_key = frame.root_key();
        for (k, v) in map {
            match (k.as_str(), v) {
                (key, _) if key == root_key || key == "do" => {}
                ("domain", Value::String(s)) => frame.domain = Some(s.clone()),
                ("requestID", Value::String(s)) => frame.request_id = Some(s.clone()),
                ("useAdobeID", Value::Bool(b)) => frame.use_adobe_id = Some(*b),
                _ => {
                    frame.extra.insert(k.clone(), v.clone());
                }
            }
        }
        frame
    }

    /// The target in a form that compares equal for the same user or group: root kind, name
    /// and domain, in lower case.
    pub(crate) fn target_key(&self) -> String {
        let domain = self.domain.as_deref().unwrap_or("");
        let mut key = String::with_capacity(self.target.len() + domain.len() + 3);
        key.push_str(match self.root {
            Root::User => "u:",
            Root::UserGroup => "g:",
        });
        key.push_str(&self.target);
        key.push('|');
        key.push_str(domain);
        key.make_ascii_lowercase();
        key
    }

    fn root_key(&self) -> &'static str {
        match self.root {
            Root::User => "user",
            Root::UserGroup => "usergroup",
        }
    }

    fn len(&self) -> usize {
        1 + usize::from(self.domain.is_some())
            + usize::from(self.request_id.is_some())
            + usize::from(self.use_adobe_id.is_some())
            + self.extra.len()
    }

    /// Serialises the frame followed by `do`, the whole command entry.
    pub(crate) fn serialize_entry<S: Serializer>(
        &self,
        steps: &[Step],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len() + 1))?;
        map.serialize_entry(self.root_key(), &self.target)?;
        if let Some(d) = &self.domain {
            map.serialize_entry("domain", d)?;
        }
        if let Some(r) = &self.request_id {
            map.serialize_entry("requestID", r)?;
        }
        if let Some(b) = self.use_adobe_id {
            map.serialize_entry("useAdobeID", &b)?;
        }
        for (k, v) in &self.extra {
            map.serialize_entry(k, v)?;
        }
        map.serialize_entry("do", steps)?;
        map.end()
    }
}

/// UMAPI refuses a longer string in a command (`error.command.string.too_long`); the builders
/// hold the same limit.
const MAX_STRING: usize = 250;
/// A user group's own name may be a little longer (UMAPI's checks before create and update).
const MAX_GROUP_NAME: usize = 255;

/// The steps of an entry on a `user`.
pub(crate) const USER_STEPS: [&str; 7] = [
    "addAdobeID",
    "createEnterpriseID",
    "createFederatedID",
    "update",
    "add",
    "remove",
    "removeFromOrg",
];

/// The steps of an entry on a `usergroup`.
pub(crate) const GROUP_STEPS: [&str; 5] = [
    "createUserGroup",
    "updateUserGroup",
    "deleteUserGroup",
    "add",
    "remove",
];

/// Checks one step read from JSON against UMAPI's documented steps and the shape of their
/// arguments, so that a bad step is found before anything is sent
/// rather than by the server after other entries were applied. Values UMAPI judges against
/// the organisation (does the group exist?) are left to it. The error says what is wrong and
/// how to write it; the caller names the step's index.
pub(crate) fn check_step(root: Root, name: &str, arg: &Value) -> Result<(), String> {
    let user = root == Root::User;
    match (name, user) {
        ("addAdobeID", true) => check_create(name, arg, &["email"]),
        ("createEnterpriseID", true) => {
            check_create(name, arg, &["email", "firstname", "lastname"])
        }
        ("createFederatedID", true) => {
            check_create(name, arg, &["email", "firstname", "lastname", "country"])
        }
        ("update", true) => check_update(arg),
        ("add" | "remove", true) => check_lists(
            name,
            arg,
            &["group", "productConfiguration", "usergroup", "product"],
        ),
        ("removeFromOrg", true) => {
            let obj = object_or_null(name, arg)?;
            known_keys(name, &obj, &["deleteAccount"])?;
            match obj.get("deleteAccount") {
                None | Some(Value::Null | Value::Bool(_)) => Ok(()),
                Some(other) => Err(format!(
                    "`deleteAccount` must be true or false, got {}",
                    super::kind(other)
                )),
            }
        }
        ("createUserGroup", false) => {
            let obj = object_or_null(name, arg)?;
            known_keys(name, &obj, &["name", "description", "option"])?;
            text(&obj, "name", false, MAX_GROUP_NAME)?;
            text(&obj, "description", false, MAX_STRING)?;
            check_option(&obj)
        }
        ("updateUserGroup", false) => {
            let obj = object_or_null(name, arg)?;
            known_keys(name, &obj, &["name", "description"])?;
            if let Some(n) = text(&obj, "name", false, MAX_GROUP_NAME)?
                && n.trim().is_empty()
            {
                return Err("`name` must not be empty".into());
            }
            text(&obj, "description", false, MAX_STRING).map(drop)
        }
        ("deleteUserGroup", false) => match arg {
            Value::Null => Ok(()),
            Value::Object(m) if m.is_empty() => Ok(()),
            other => Err(format!(
                "deleteUserGroup takes an empty object, {{}}, got {}",
                describe(other)
            )),
        },
        ("add" | "remove", false) => {
            check_lists(name, arg, &["user", "productConfiguration", "product"])
        }
        (other, true) if GROUP_STEPS.contains(&other) => Err(format!(
            "{other} is a user-group step: use it in an entry with `usergroup`, not `user`"
        )),
        (other, false) if USER_STEPS.contains(&other) => Err(format!(
            "{other} is a user step: use it in an entry with `user`, not `usergroup`"
        )),
        (other, _) => Err(format!(
            "unknown step {other:?}; the steps of a {} entry are {}",
            if user { "`user`" } else { "`usergroup`" },
            if user {
                USER_STEPS.join(", ")
            } else {
                GROUP_STEPS.join(", ")
            }
        )),
    }
}

/// A create step's argument: an object of known keys, `required` ones present and not empty.
fn check_create(name: &str, arg: &Value, required: &[&str]) -> Result<(), String> {
    let Value::Object(obj) = arg else {
        return Err(format!(
            "{name} takes an object such as {{\"email\": \"jdoe@example.com\", ...}}, got {}",
            describe(arg)
        ));
    };
    known_keys(
        name,
        obj,
        &["email", "firstname", "lastname", "country", "option"],
    )?;
    for key in ["email", "firstname", "lastname", "country"] {
        let value = text(obj, key, required.contains(&key), MAX_STRING)?;
        match (key, value) {
            ("email", Some(e)) => {
                super::builders::check_email(e).map_err(|e| super::strip(&e))?;
            }
            ("country", Some(c))
                if !(c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase())) =>
            {
                return Err(format!(
                    "`country` {c:?} must be an ISO 3166-1 alpha-2 code in upper case, like \"US\""
                ));
            }
            _ => {}
        }
    }
    check_option(obj)
}

/// `update`: any of email, username, firstname, lastname.
fn check_update(arg: &Value) -> Result<(), String> {
    let Value::Object(obj) = arg else {
        return Err(format!(
            "update takes an object such as {{\"firstname\": \"Jo\"}}, got {}",
            describe(arg)
        ));
    };
    if obj.contains_key("option") {
        return Err("update takes no `option` (it belongs to the create steps)".into());
    }
    if obj.contains_key("country") {
        return Err("update cannot change `country`: UMAPI keeps a user's country".into());
    }
    known_keys(
        "update",
        obj,
        &["email", "username", "firstname", "lastname"],
    )?;
    if let Some(e) = text(obj, "email", false, MAX_STRING)? {
        super::builders::check_email(e).map_err(|e| super::strip(&e))?;
    }
    if let Some(u) = text(obj, "username", false, MAX_STRING)?
        && u.trim().is_empty()
    {
        return Err("`username` must not be empty".into());
    }
    text(obj, "firstname", false, MAX_STRING)?;
    text(obj, "lastname", false, MAX_STRING)?;
    Ok(())
}

/// `add` or `remove`: an object of name lists under `keys` (a user's `remove` also takes "all").
fn check_lists(name: &str, arg: &Value, keys: &[&str]) -> Result<(), String> {
    let user = keys.contains(&"group");
    let example = if user {
        "{\"group\": [\"Design Team\"]}"
    } else {
        "{\"user\": [\"jdoe@example.com\"]}"
    };
    let obj = match arg {
        Value::String(s) if s == "all" && name == "remove" && user => return Ok(()),
        Value::Object(m) if !m.is_empty() => m,
        Value::Object(_) => {
            return Err(format!("{name} needs at least one list, like {example}"));
        }
        other => {
            let all = if user && name == "remove" {
                " (or the string \"all\")"
            } else {
                ""
            };
            return Err(format!(
                "{name} takes an object of name lists, like {example}{all}, got {}",
                describe(other)
            ));
        }
    };
    known_keys(name, obj, keys)?;
    for (key, list) in obj {
        let Value::Array(items) = list else {
            return Err(format!(
                "`{key}` must be a list of names, like [\"A\", \"B\"], got {}",
                describe(list)
            ));
        };
        let mut seen = std::collections::HashSet::with_capacity(items.len());
        for item in items {
            let Some(n) = item.as_str() else {
                return Err(format!(
                    "`{key}` must hold only names (strings), not {}",
                    describe(item)
                ));
            };
            if n.trim().is_empty() {
                return Err(format!("`{key}` holds an empty name"));
            }
            if n.chars().count() > MAX_STRING {
                return Err(format!(
                    "`{key}` holds a name longer than {MAX_STRING} characters"
                ));
            }
            // UMAPI refuses a name listed twice (error.command.add_remove.duplicate.*).
            if !seen.insert(n.to_lowercase()) {
                return Err(format!("`{key}` lists {n:?} twice"));
            }
        }
    }
    Ok(())
}

/// The argument as an object; `null` reads as an empty one.
fn object_or_null<'a>(name: &str, arg: &'a Value) -> Result<Cow<'a, Map<String, Value>>, String> {
    match arg {
        Value::Object(m) => Ok(Cow::Borrowed(m)),
        Value::Null => Ok(Cow::Owned(Map::new())),
        other => Err(format!("{name} takes an object, got {}", describe(other))),
    }
}

fn known_keys(name: &str, obj: &Map<String, Value>, known: &[&str]) -> Result<(), String> {
    match obj.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(format!(
            "unknown key {k:?} in {name}; its keys are {}",
            known.join(", ")
        )),
        None => Ok(()),
    }
}

/// A string field: absent or null is `None` (an error when `required`), longer than `max`
/// characters or of another type is an error.
fn text<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    required: bool,
    max: usize,
) -> Result<Option<&'a str>, String> {
    match obj.get(key) {
        None | Some(Value::Null) if required => Err(format!("`{key}` is required")),
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if required && s.trim().is_empty() => {
            Err(format!("`{key}` must not be empty"))
        }
        Some(Value::String(s)) if s.chars().count() > max => {
            Err(format!("`{key}` is longer than {max} characters"))
        }
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!("`{key}` must be a string, got {}", describe(other))),
    }
}

fn check_option(obj: &Map<String, Value>) -> Result<(), String> {
    match obj.get("option") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s)) if s == "ignoreIfAlreadyExists" || s == "updateIfAlreadyExists" => {
            Ok(())
        }
        Some(other) => Err(format!(
            "`option` {} is not one of ignoreIfAlreadyExists, updateIfAlreadyExists",
            describe(other)
        )),
    }
}

/// A value for an error message: its kind, and its text when short.
fn describe(v: &Value) -> String {
    match v {
        Value::String(s) if s.chars().count() <= 40 => format!("the string {s:?}"),
        Value::Number(n) => format!("the number {n}"),
        Value::Bool(b) => format!("{b}"),
        other => super::kind(other).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typed_and_json_steps_have_the_same_wire_form() {
        let typed = Step::list("add", "group", vec!["A".into(), "B".into()]);
        let json_step = Step::new("add", json!({"group": ["A", "B"]}));
        assert_eq!(typed, json_step);
        assert_eq!(
            serde_json::to_value(&typed).unwrap(),
            json!({"add": {"group": ["A", "B"]}})
        );
        assert_eq!(json_step.longest_list(), 2);
        let fields = Step::fields(
            "createEnterpriseID",
            vec![
                ("email", Field::Text("a@b.c".into())),
                ("x", Field::Flag(true)),
            ],
        );
        assert_eq!(
            fields.to_wire(),
            json!({"createEnterpriseID": {"email": "a@b.c", "x": true}})
        );
        assert_eq!(serde_json::to_value(&fields).unwrap(), fields.to_wire());
        assert!(fields.is_create());
    }

    #[test]
    fn only_name_lists_become_list_steps() {
        // Not all strings, or not lists: sent as given, never split.
        for v in [
            json!({"group": ["A", 1]}),
            json!("all"),
            json!({}),
            json!({"group": "A"}),
        ] {
            let s = Step::new("remove", v.clone());
            assert_eq!(s.longest_list(), 0, "{v}");
            assert_eq!(s.value(), v);
        }
        let other = Step::new("update", json!({"firstname": "Jo"}));
        assert_eq!(other.name(), "update");
        assert_eq!(
            serde_json::to_value(&other).unwrap(),
            json!({"update": {"firstname": "Jo"}})
        );
    }

    #[test]
    fn frames_keep_unexpected_keys_for_the_server() {
        let map = json!({"user": "u@x.com", "domain": "x.com", "requestID": 7, "useAdobeID": false, "do": []});
        let frame = Frame::from_map(Root::User, "u@x.com".into(), map.as_object().unwrap());
        assert_eq!(frame.domain.as_deref(), Some("x.com"));
        assert_eq!(frame.request_id, None);
        assert_eq!(frame.use_adobe_id, Some(false));
        assert_eq!(frame.extra.get("requestID"), Some(&json!(7)));
        let mut out = Vec::new();
        frame
            .serialize_entry(&[], &mut serde_json::Serializer::new(&mut out))
            .unwrap();
        let back: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(back, map);
    }
}
