//! `POST /action`: validation and execution of command entries (API.md §6–§8).
//!
//! Each entry is first checked as a whole (root keys, step shapes, create-first and
//! removeFromOrg-last, list limits, field formats); a failure there reports the offending step and
//! changes nothing. The steps then run in order against the store; the first failing step stops
//! the entry, and the steps before it stay applied. In test mode the same checks run against the
//! unchanged store and nothing is written; operations on users or groups that do not exist count
//! as successes, since a create earlier in the request never ran.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::store::{GroupType, IdType, PROTECTED_GROUPS, Resolved, Store, User, email_domain};

/// Most command entries in one request.
pub(crate) const MAX_ENTRIES: usize = 10;
const MAX_STEPS: usize = 10;
const MAX_LIST: usize = 10;
const MAX_STRING: usize = 250;
const MAX_GROUP_NAME: usize = 255;
const MAX_EMAIL: usize = 60;
const MAX_GROUP_MEMBERS: usize = 200_000;

/// A request body that is not a JSON array of 1 to 10 entries.
#[derive(Debug)]
pub(crate) struct Malformed(pub String);

/// The outcome of one request.
#[derive(Debug)]
pub(crate) struct ActionOutcome {
    /// The 200 body of API.md §7.
    pub body: Value,
    /// Entries processed.
    pub entries: usize,
}

#[derive(Debug)]
struct StepError {
    step: usize,
    code: &'static str,
    message: String,
}

fn fail<T>(step: usize, code: &'static str, message: impl Into<String>) -> Result<T, StepError> {
    Err(StepError {
        step,
        code,
        message: message.into(),
    })
}

#[derive(Debug)]
struct Warning {
    step: usize,
    code: &'static str,
    message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CreateOption {
    Error,
    Ignore,
    Update,
}

#[derive(Debug)]
struct CreateSpec {
    email: String,
    firstname: Option<String>,
    lastname: Option<String>,
    country: Option<String>,
    option: CreateOption,
}

#[derive(Debug, Default)]
struct UpdateSpec {
    email: Option<String>,
    username: Option<String>,
    firstname: Option<String>,
    lastname: Option<String>,
}

#[derive(Debug)]
enum Step {
    Create(IdType, CreateSpec),
    Update(UpdateSpec),
    AddGroups(Vec<String>),
    RemoveGroups(Vec<String>),
    RemoveAll,
    RemoveFromOrg,
    CreateGroup {
        description: Option<String>,
        option: CreateOption,
    },
    UpdateGroup {
        name: Option<String>,
        description: Option<String>,
    },
    DeleteGroup,
    GroupAdd {
        users: Vec<String>,
        profiles: Vec<String>,
    },
    GroupRemove {
        users: Vec<String>,
        profiles: Vec<String>,
    },
}

#[derive(Debug)]
enum Root {
    User {
        name: String,
        domain: Option<String>,
        use_adobe_id: bool,
    },
    Group(String),
}

#[derive(Debug)]
struct Entry {
    root: Root,
    steps: Vec<Step>,
}

/// Parses, validates and (unless `test_only`) executes a request body.
pub(crate) fn perform(
    store: &mut Store,
    body: &[u8],
    test_only: bool,
) -> Result<ActionOutcome, Malformed> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        Malformed(format!(
            "The request body is not valid JSON ({e}); send a JSON array of 1 to {MAX_ENTRIES} command entries"
        ))
    })?;
    let Value::Array(entries) = value else {
        return Err(Malformed(format!(
            "The request body must be a JSON array of 1 to {MAX_ENTRIES} command entries"
        )));
    };
    if entries.is_empty() {
        return Err(Malformed("The request body holds no command entry".into()));
    }
    if entries.len() > MAX_ENTRIES {
        return Err(Malformed(format!(
            "Too many command entries: {} (max is {MAX_ENTRIES} per request)",
            entries.len()
        )));
    }

    let mut completed = 0usize;
    let mut completed_test = 0usize;
    let mut not_completed = 0usize;
    let mut errors = Vec::new();
    let mut warnings_out = Vec::new();
    // UMAPI does not guarantee the order of a request's entries (API.md §6.4). The sandbox runs
    // them last to first, so that a client relying on their order fails here, not in production.
    for (index, raw) in entries.iter().enumerate().rev() {
        let mut warnings = Vec::new();
        let (user, request_id, parsed) = parse_entry(raw, &mut warnings);
        let outcome = parsed.and_then(|entry| execute(store, test_only, &entry));
        let base = |step: usize| {
            let mut m = Map::new();
            m.insert("index".into(), json!(index));
            m.insert("step".into(), json!(step));
            if let Some(rid) = &request_id {
                m.insert("requestID".into(), json!(rid));
            }
            m.insert("user".into(), json!(user));
            m
        };
        for w in warnings {
            let mut m = base(w.step);
            m.insert("warningCode".into(), json!(w.code));
            m.insert("message".into(), json!(w.message));
            warnings_out.push((index, Value::Object(m)));
        }
        match outcome {
            Ok(()) if test_only => completed_test += 1,
            Ok(()) => completed += 1,
            Err(e) => {
                not_completed += 1;
                let mut m = base(e.step);
                m.insert("errorCode".into(), json!(e.code));
                m.insert("message".into(), json!(e.message));
                errors.push((index, Value::Object(m)));
            }
        }
    }
    let result = if not_completed == 0 {
        "success"
    } else if not_completed == entries.len() {
        "error"
    } else {
        "partial"
    };
    let mut body = Map::new();
    body.insert("completed".into(), json!(completed));
    body.insert("notCompleted".into(), json!(not_completed));
    body.insert("completedInTestMode".into(), json!(completed_test));
    body.insert("result".into(), json!(result));
    // Reported in entry order, as UMAPI does (a stable sort keeps an entry's own order).
    let in_entry_order = |mut list: Vec<(usize, Value)>| {
        list.sort_by_key(|(i, _)| *i);
        Value::Array(list.into_iter().map(|(_, v)| v).collect())
    };
    if !errors.is_empty() {
        body.insert("errors".into(), in_entry_order(errors));
    }
    if !warnings_out.is_empty() {
        body.insert("warnings".into(), in_entry_order(warnings_out));
    }
    Ok(ActionOutcome {
        body: Value::Object(body),
        entries: entries.len(),
    })
}

// ---------------------------------------------------------------------------------------------
// Field rules

/// ISO 3166-1 alpha-2 codes, plus `UD` (Adobe's "undefined").
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ \
BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI \
FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT \
JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ \
MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS \
RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA \
UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW UD";

pub(crate) fn valid_country(c: &str) -> bool {
    c.len() == 2
        && c.bytes().all(|b| b.is_ascii_uppercase())
        && COUNTRIES.split(' ').any(|x| x == c)
}

/// A plausible email address of at most 60 characters.
pub(crate) fn valid_email(s: &str) -> bool {
    if s.is_empty() || s.len() > MAX_EMAIL {
        return false;
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

fn valid_group_name(name: &str) -> bool {
    !name.trim().is_empty() && !name.starts_with('_') && name.chars().count() <= MAX_GROUP_NAME
}

// ---------------------------------------------------------------------------------------------
// Parsing

fn parse_entry(
    raw: &Value,
    warnings: &mut Vec<Warning>,
) -> (String, Option<String>, Result<Entry, StepError>) {
    let Some(obj) = raw.as_object() else {
        return (
            String::new(),
            None,
            fail(
                0,
                "error.command.illegal_entry",
                "Each command entry must be a JSON object",
            ),
        );
    };
    let user_v = obj.get("user");
    let group_v = obj.get("usergroup");
    let report = match (user_v, group_v) {
        (Some(Value::String(s)), _) | (None, Some(Value::String(s))) => s.clone(),
        (Some(v), _) | (None, Some(v)) => v.to_string(),
        (None, None) => String::new(),
    };
    let request_id = match obj.get("requestID") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            return (
                report,
                Some(other.to_string()),
                fail(
                    0,
                    "error.command.string_expected",
                    "requestID must be a string",
                ),
            );
        }
    };
    let parsed = parse_entry_body(obj, user_v, group_v, warnings);
    (report, request_id, parsed)
}

fn root_string(v: &Value, key: &str) -> Result<String, StepError> {
    let Value::String(s) = v else {
        return fail(
            0,
            "error.command.string_expected",
            format!("{key} must be a string"),
        );
    };
    if s.chars().count() > MAX_STRING {
        return fail(
            0,
            "error.command.string.too_long",
            format!("{key} is longer than {MAX_STRING} characters"),
        );
    }
    Ok(s.clone())
}

fn parse_entry_body(
    obj: &Map<String, Value>,
    user_v: Option<&Value>,
    group_v: Option<&Value>,
    warnings: &mut Vec<Warning>,
) -> Result<Entry, StepError> {
    let root = match (user_v, group_v) {
        (Some(_), Some(_)) => {
            return fail(
                0,
                "error.command.illegal_entry",
                "A command entry names either a user or a usergroup, not both",
            );
        }
        (None, None) => {
            return fail(
                0,
                "error.command.user_usergroup.missing",
                "A command entry needs a user or a usergroup key",
            );
        }
        (Some(u), None) => {
            let name = root_string(u, "user")?;
            if name.trim().is_empty() {
                return fail(0, "error.command.user.missing", "user is empty");
            }
            let domain = match obj.get("domain") {
                None | Some(Value::Null) => None,
                Some(Value::String(d)) => Some(d.clone()),
                Some(_) => {
                    return fail(
                        0,
                        "error.command.domain.string_expected",
                        "domain must be a string",
                    );
                }
            };
            if name.contains('@') && domain.is_some() {
                return fail(
                    0,
                    "error.command.domain.must_be_used_with_nonemail_username",
                    "domain may only be given with a non-email username",
                );
            }
            if !name.contains('@') && domain.as_deref().is_none_or(|d| d.trim().is_empty()) {
                return fail(
                    0,
                    "error.command.domain.missing",
                    format!("A non-email username ({name}) needs a domain"),
                );
            }
            let use_adobe_id = match obj.get("useAdobeID") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => {
                    return fail(
                        0,
                        "error.command.boolean_expected",
                        "useAdobeID must be true or false",
                    );
                }
            };
            Root::User {
                name,
                domain,
                use_adobe_id,
            }
        }
        (None, Some(g)) => {
            let name = root_string(g, "usergroup")?;
            if name.trim().is_empty() {
                return fail(0, "error.group.invalid_name", "usergroup is empty");
            }
            Root::Group(name)
        }
    };
    let is_user = matches!(root, Root::User { .. });

    let Some(Value::Array(raw_steps)) = obj.get("do") else {
        return fail(
            0,
            "error.command.steps.malformed",
            "do must be an array of single-key step objects",
        );
    };
    if raw_steps.len() > MAX_STEPS {
        return fail(
            MAX_STEPS,
            "error.command.add_remove.list_too_long",
            format!(
                "Too many steps in a command: {} (max is {MAX_STEPS})",
                raw_steps.len()
            ),
        );
    }
    let last = raw_steps.len().saturating_sub(1);
    let mut seen_create = false;
    let mut steps = Vec::with_capacity(raw_steps.len());
    for (i, raw) in raw_steps.iter().enumerate() {
        let Some((name, body)) = raw
            .as_object()
            .filter(|o| o.len() == 1)
            .and_then(|o| o.iter().next())
        else {
            return fail(
                i,
                "error.command.steps.malformed",
                "Each step must be an object with exactly one key",
            );
        };
        let is_create = matches!(
            name.as_str(),
            "addAdobeID" | "createEnterpriseID" | "createFederatedID" | "createUserGroup"
        );
        if is_create {
            if seen_create {
                return fail(
                    i,
                    "error.command.create.more_than_one",
                    "Only one create step is allowed per command",
                );
            }
            if i != 0 {
                return fail(
                    i,
                    "error.command.create.not_first",
                    "The create step must be the first step",
                );
            }
            seen_create = true;
        }
        if name == "removeFromOrg" && i != last {
            return fail(
                i,
                "error.command.removefromorg.not_last",
                "removeFromOrg must be the last step",
            );
        }
        let step = if is_user {
            parse_user_step(i, name, body, warnings)?
        } else {
            parse_group_step(i, name, body, warnings)?
        };
        steps.push(step);
    }
    Ok(Entry { root, steps })
}

fn opt_string(
    i: usize,
    obj: &Map<String, Value>,
    key: &str,
    code: &'static str,
    max: usize,
) -> Result<Option<String>, StepError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() > max => fail(
            i,
            "error.command.string.too_long",
            format!("{key} is longer than {max} characters"),
        ),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => fail(i, code, format!("{key} must be a string")),
    }
}

fn parse_option(i: usize, obj: &Map<String, Value>) -> Result<CreateOption, StepError> {
    match obj.get("option") {
        None | Some(Value::Null) => Ok(CreateOption::Error),
        Some(Value::String(s)) if s == "ignoreIfAlreadyExists" => Ok(CreateOption::Ignore),
        Some(Value::String(s)) if s == "updateIfAlreadyExists" => Ok(CreateOption::Update),
        Some(other) => fail(
            i,
            "error.option.illegal",
            format!("Illegal option {other}: use ignoreIfAlreadyExists or updateIfAlreadyExists"),
        ),
    }
}

fn object_or_empty<'a>(
    i: usize,
    body: &'a Value,
    empty: &'a Map<String, Value>,
    code: &'static str,
    what: &str,
) -> Result<&'a Map<String, Value>, StepError> {
    match body {
        Value::Object(o) => Ok(o),
        Value::Null => Ok(empty),
        _ => fail(i, code, format!("{what} takes an object")),
    }
}

fn parse_user_step(
    i: usize,
    name: &str,
    body: &Value,
    warnings: &mut Vec<Warning>,
) -> Result<Step, StepError> {
    match name {
        "addAdobeID" => parse_create(i, IdType::Adobe, body),
        "createEnterpriseID" => parse_create(i, IdType::Enterprise, body),
        "createFederatedID" => parse_create(i, IdType::Federated, body),
        "update" => parse_update(i, body),
        "add" | "remove" => {
            let add = name == "add";
            if let Value::String(s) = body {
                return if !add && s == "all" {
                    Ok(Step::RemoveAll)
                } else {
                    fail(
                        i,
                        "error.command.add_remove.list",
                        format!(
                            "{name} takes an object of lists (only remove also accepts \"all\")"
                        ),
                    )
                };
            }
            let lists = parse_lists(
                i,
                body,
                &[
                    (
                        "group",
                        "error.command.add_remove.duplicate.group_list",
                        false,
                    ),
                    (
                        "productConfiguration",
                        "error.command.add_remove.duplicate.product_list",
                        false,
                    ),
                    (
                        "usergroup",
                        "error.command.add_remove.duplicate.usergroup_list",
                        false,
                    ),
                    (
                        "product",
                        "error.command.add_remove.duplicate.product_list",
                        true,
                    ),
                ],
                warnings,
            )?;
            let groups: Vec<String> = lists.into_iter().flat_map(|(_, l)| l).collect();
            Ok(if add {
                Step::AddGroups(groups)
            } else {
                Step::RemoveGroups(groups)
            })
        }
        "removeFromOrg" => {
            let empty = Map::new();
            let obj = object_or_empty(
                i,
                body,
                &empty,
                "error.command.illegal_entry",
                "removeFromOrg",
            )?;
            for (k, v) in obj {
                match k.as_str() {
                    "deleteAccount" if v.is_boolean() || v.is_null() => {}
                    "deleteAccount" => {
                        return fail(
                            i,
                            "error.command.boolean_expected",
                            "deleteAccount must be true or false",
                        );
                    }
                    other => {
                        return fail(
                            i,
                            "error.command.illegal_entry",
                            format!("Unknown key {other:?} in removeFromOrg"),
                        );
                    }
                }
            }
            Ok(Step::RemoveFromOrg)
        }
        "createUserGroup" | "updateUserGroup" | "deleteUserGroup" => fail(
            i,
            "error.command.step.unknown",
            format!("{name} is a usergroup step: use it in an entry with a usergroup key"),
        ),
        other => fail(
            i,
            "error.command.step.unknown",
            format!("Unknown step {other:?}"),
        ),
    }
}

fn parse_create(i: usize, kind: IdType, body: &Value) -> Result<Step, StepError> {
    let Value::Object(obj) = body else {
        return fail(
            i,
            "error.command.create.object_expected",
            "A create step takes an object",
        );
    };
    for k in obj.keys() {
        if !matches!(
            k.as_str(),
            "email" | "country" | "firstname" | "lastname" | "option"
        ) {
            return fail(
                i,
                "error.command.create.key.unknown",
                format!("Unknown key {k:?} in create step"),
            );
        }
    }
    let s = "error.command.create.string_expected";
    let email = opt_string(i, obj, "email", s, MAX_STRING)?.ok_or_else(|| StepError {
        step: i,
        code: "error.user.email.invalid",
        message: "The create step needs an email".into(),
    })?;
    if !valid_email(&email) {
        return fail(
            i,
            "error.user.email.invalid",
            format!("Invalid email address: {email}"),
        );
    }
    let firstname =
        opt_string(i, obj, "firstname", s, MAX_STRING)?.filter(|v| !v.trim().is_empty());
    let lastname = opt_string(i, obj, "lastname", s, MAX_STRING)?.filter(|v| !v.trim().is_empty());
    let country = opt_string(i, obj, "country", s, MAX_STRING)?;
    if kind != IdType::Adobe {
        if firstname.is_none() {
            return fail(i, "error.user.firstname_missing", "firstname is required");
        }
        if lastname.is_none() {
            return fail(i, "error.user.lastname_missing", "lastname is required");
        }
    }
    match &country {
        Some(c) if !valid_country(c) => {
            return fail(
                i,
                "error.country.invalid",
                format!(
                    "Invalid country {c:?}: use an ISO 3166-1 alpha-2 code in upper case, e.g. US"
                ),
            );
        }
        None if kind == IdType::Federated => {
            return fail(
                i,
                "error.country.invalid",
                "country is required for a Federated ID",
            );
        }
        _ => {}
    }
    let option = parse_option(i, obj)?;
    Ok(Step::Create(
        kind,
        CreateSpec {
            email,
            firstname,
            lastname,
            country,
            option,
        },
    ))
}

fn parse_update(i: usize, body: &Value) -> Result<Step, StepError> {
    let Value::Object(obj) = body else {
        return fail(i, "error.command.illegal_entry", "update takes an object");
    };
    let mut spec = UpdateSpec::default();
    for k in obj.keys() {
        match k.as_str() {
            "email" | "username" | "firstname" | "lastname" => {}
            "option" => {
                return fail(
                    i,
                    "error.command.update.option.no",
                    "update does not take an option",
                );
            }
            "country" => {
                return fail(
                    i,
                    "error.update.country.no_update",
                    "The country of a user cannot be changed",
                );
            }
            other => {
                return fail(
                    i,
                    "error.command.illegal_entry",
                    format!("Unknown key {other:?} in update"),
                );
            }
        }
    }
    let s = "error.command.string_expected";
    spec.email = opt_string(i, obj, "email", s, MAX_STRING)?;
    if let Some(e) = &spec.email
        && !valid_email(e)
    {
        return fail(
            i,
            "error.user.email.invalid",
            format!("Invalid email address: {e}"),
        );
    }
    spec.username = opt_string(i, obj, "username", s, MAX_STRING)?;
    if spec
        .username
        .as_deref()
        .is_some_and(|u| u.trim().is_empty())
    {
        return fail(i, "error.user.name.invalid", "username is empty");
    }
    spec.firstname = opt_string(i, obj, "firstname", s, MAX_STRING)?;
    spec.lastname = opt_string(i, obj, "lastname", s, MAX_STRING)?;
    Ok(Step::Update(spec))
}

/// Parses `{"key": [names], ...}`: `keys` are (key, duplicate error code, deprecated).
fn parse_lists(
    i: usize,
    body: &Value,
    keys: &[(&str, &'static str, bool)],
    warnings: &mut Vec<Warning>,
) -> Result<Vec<(String, Vec<String>)>, StepError> {
    let Value::Object(obj) = body else {
        return fail(
            i,
            "error.command.add_remove.list",
            "add and remove take an object of lists",
        );
    };
    if obj.is_empty() {
        return fail(
            i,
            "error.command.add_remove.missing_list",
            "add and remove need at least one list",
        );
    }
    let mut out = Vec::new();
    for (key, value) in obj {
        let Some(&(_, dup_code, deprecated)) = keys.iter().find(|(k, _, _)| k == key) else {
            let known: Vec<&str> = keys.iter().map(|(k, _, _)| *k).collect();
            return fail(
                i,
                "error.command.add_remove.key.unknown",
                format!("Unknown list {key:?}; use {}", known.join(", ")),
            );
        };
        if deprecated {
            warnings.push(Warning {
                step: i,
                code: "warning.command.deprecated",
                message: format!("'{key}' command is deprecated. Please use productConfiguration."),
            });
        }
        let Value::Array(items) = value else {
            return fail(
                i,
                "error.command.add_remove.list_not_array",
                format!("{key} must be an array"),
            );
        };
        if items.len() > MAX_LIST {
            return fail(
                i,
                "error.command.add_remove.list_too_long",
                format!(
                    "Too many names in {key}: {} (max is {MAX_LIST})",
                    items.len()
                ),
            );
        }
        let mut seen = HashSet::new();
        let mut names = Vec::with_capacity(items.len());
        for item in items {
            let Some(name) = item.as_str().filter(|s| !s.trim().is_empty()) else {
                let code = if key == "user" {
                    "error.user.user_list.invalid"
                } else {
                    "error.group.invalid_list"
                };
                return fail(i, code, format!("{key} holds an empty or non-string entry"));
            };
            if name.chars().count() > MAX_STRING {
                return fail(
                    i,
                    "error.command.add_remove.group_or_product_name_too_long",
                    format!("Name longer than {MAX_STRING} characters in {key}"),
                );
            }
            if !seen.insert(name.to_lowercase()) {
                return fail(i, dup_code, format!("Duplicate name in {key}: {name}"));
            }
            names.push(name.to_owned());
        }
        out.push((key.clone(), names));
    }
    Ok(out)
}

fn parse_group_step(
    i: usize,
    name: &str,
    body: &Value,
    warnings: &mut Vec<Warning>,
) -> Result<Step, StepError> {
    let empty = Map::new();
    match name {
        "createUserGroup" => {
            let obj = object_or_empty(
                i,
                body,
                &empty,
                "error.command.create.object_expected",
                name,
            )?;
            for k in obj.keys() {
                if !matches!(k.as_str(), "name" | "description" | "option") {
                    return fail(
                        i,
                        "error.command.create.key.unknown",
                        format!("Unknown key {k:?} in createUserGroup"),
                    );
                }
            }
            let s = "error.command.create.string_expected";
            opt_string(i, obj, "name", s, MAX_GROUP_NAME)?;
            let description = opt_string(i, obj, "description", s, MAX_STRING)?;
            let option = parse_option(i, obj)?;
            Ok(Step::CreateGroup {
                description,
                option,
            })
        }
        "updateUserGroup" => {
            let obj = object_or_empty(i, body, &empty, "error.command.illegal_entry", name)?;
            for k in obj.keys() {
                if !matches!(k.as_str(), "name" | "description") {
                    return fail(
                        i,
                        "error.command.illegal_entry",
                        format!("Unknown key {k:?} in updateUserGroup"),
                    );
                }
            }
            let s = "error.command.string_expected";
            let new_name = opt_string(i, obj, "name", s, MAX_GROUP_NAME)?;
            if let Some(n) = &new_name
                && !valid_group_name(n)
            {
                return fail(
                    i,
                    "error.group.invalid_name",
                    format!("Invalid group name {n:?}: it must not be empty or start with _"),
                );
            }
            let description = opt_string(i, obj, "description", s, MAX_STRING)?;
            Ok(Step::UpdateGroup {
                name: new_name,
                description,
            })
        }
        "deleteUserGroup" => {
            let obj = object_or_empty(i, body, &empty, "error.command.illegal_entry", name)?;
            if !obj.is_empty() {
                return fail(
                    i,
                    "error.command.object_not_empty",
                    "deleteUserGroup takes an empty object",
                );
            }
            Ok(Step::DeleteGroup)
        }
        "add" | "remove" => {
            let lists = parse_lists(
                i,
                body,
                &[
                    (
                        "user",
                        "error.command.add_remove.duplicate.user_list",
                        false,
                    ),
                    (
                        "productConfiguration",
                        "error.command.add_remove.duplicate.product_list",
                        false,
                    ),
                    (
                        "product",
                        "error.command.add_remove.duplicate.product_list",
                        true,
                    ),
                ],
                warnings,
            )?;
            let mut users = Vec::new();
            let mut profiles = Vec::new();
            for (key, names) in lists {
                if key == "user" {
                    users.extend(names);
                } else {
                    profiles.extend(names);
                }
            }
            Ok(if name == "add" {
                Step::GroupAdd { users, profiles }
            } else {
                Step::GroupRemove { users, profiles }
            })
        }
        "addAdobeID" | "createEnterpriseID" | "createFederatedID" | "update" | "removeFromOrg" => {
            fail(
                i,
                "error.command.step.unknown",
                format!("{name} is a user step: use it in an entry with a user key"),
            )
        }
        other => fail(
            i,
            "error.command.step.unknown",
            format!("Unknown step {other:?}"),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Execution

fn execute(store: &mut Store, dry: bool, entry: &Entry) -> Result<(), StepError> {
    match &entry.root {
        Root::User {
            name,
            domain,
            use_adobe_id,
        } => exec_user(
            store,
            dry,
            name,
            domain.as_deref(),
            *use_adobe_id,
            &entry.steps,
        ),
        Root::Group(name) => exec_group(store, dry, name, &entry.steps),
    }
}

fn nonexistent<T>(i: usize, dry: bool, name: &str, ok: T) -> Result<T, StepError> {
    if dry {
        Ok(ok)
    } else {
        fail(
            i,
            "error.user.nonexistent",
            format!("User Id does not exist: {name}"),
        )
    }
}

fn exec_user(
    store: &mut Store,
    dry: bool,
    name: &str,
    domain: Option<&str>,
    use_adobe_id: bool,
    steps: &[Step],
) -> Result<(), StepError> {
    let mut target = store.find_user(name, domain, use_adobe_id);
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step::Create(kind, spec) => {
                target = create_user(store, dry, i, *kind, spec, name, domain)?;
            }
            Step::Update(spec) => match target {
                Some(seq) => update_user(store, dry, i, seq, spec)?,
                None => nonexistent(i, dry, name, ())?,
            },
            Step::AddGroups(groups) => {
                let resolved = resolve_groups(store, i, groups, true)?;
                let Some(seq) = target else {
                    nonexistent(i, dry, name, ())?;
                    continue;
                };
                if !dry {
                    for r in resolved.into_iter().flatten() {
                        let gid = store.materialize(r);
                        store.add_member(gid, seq);
                    }
                }
            }
            Step::RemoveGroups(groups) => {
                let resolved = resolve_groups(store, i, groups, false)?;
                let Some(seq) = target else {
                    nonexistent(i, dry, name, ())?;
                    continue;
                };
                if !dry {
                    for r in resolved.into_iter().flatten() {
                        if let Resolved::Existing(gid) = r {
                            store.remove_member(gid, seq);
                        }
                    }
                }
            }
            Step::RemoveAll => {
                let Some(seq) = target else {
                    nonexistent(i, dry, name, ())?;
                    continue;
                };
                if !dry {
                    let removable: Vec<u64> = store
                        .user(seq)
                        .map(|u| {
                            u.groups
                                .iter()
                                .copied()
                                .filter(|gid| {
                                    store.group(*gid).is_some_and(|g| {
                                        !g.read_only
                                            && !PROTECTED_GROUPS
                                                .iter()
                                                .any(|p| g.name.eq_ignore_ascii_case(p))
                                    })
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    for gid in removable {
                        store.remove_member(gid, seq);
                    }
                }
            }
            Step::RemoveFromOrg => {
                if let Some(seq) = target
                    && !dry
                {
                    store.delete_user(seq);
                }
                target = None;
            }
            _ => {
                return fail(i, "error.command.step.unknown", "Not a user step");
            }
        }
    }
    Ok(())
}

/// Resolves the group names of a user's add/remove step. `None` entries are admin groups that
/// do not exist yet, in a removal (nothing to do).
fn resolve_groups(
    store: &Store,
    i: usize,
    names: &[String],
    add: bool,
) -> Result<Vec<Option<Resolved>>, StepError> {
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        if PROTECTED_GROUPS
            .iter()
            .any(|p| name.eq_ignore_ascii_case(p))
        {
            return fail(
                i,
                "error.group.invalid_name",
                format!("{name} cannot be assigned or removed through the User Management API"),
            );
        }
        let Some(resolved) = store.resolve(name) else {
            return fail(
                i,
                "error.group.not_found",
                format!("Group not found: {name}"),
            );
        };
        if let Resolved::Existing(gid) = &resolved
            && store.group(*gid).is_some_and(|g| g.read_only)
        {
            return if add {
                fail(
                    i,
                    "error.usergroup.readonly.add_user_not_allowed",
                    format!("Users cannot be added to the read-only group {name}"),
                )
            } else {
                fail(
                    i,
                    "error.usergroup.readonly.remove_user_not_allowed",
                    format!("Users cannot be removed from the read-only group {name}"),
                )
            };
        }
        match resolved {
            Resolved::Creatable { .. } if !add => out.push(None),
            r => out.push(Some(r)),
        }
    }
    Ok(out)
}

fn kind_name(kind: IdType) -> &'static str {
    match kind {
        IdType::Adobe => "Adobe ID",
        IdType::Enterprise => "Enterprise ID",
        IdType::Federated => "Federated ID",
    }
}

fn create_user(
    store: &mut Store,
    dry: bool,
    i: usize,
    kind: IdType,
    spec: &CreateSpec,
    name: &str,
    domain: Option<&str>,
) -> Result<Option<u64>, StepError> {
    let (username, dir_domain) = if kind == IdType::Adobe {
        (
            spec.email.clone(),
            email_domain(&spec.email).unwrap_or_default(),
        )
    } else if name.contains('@') {
        (name.to_owned(), email_domain(name).unwrap_or_default())
    } else {
        (
            name.to_owned(),
            domain.unwrap_or_default().to_ascii_lowercase(),
        )
    };
    let existing = if kind == IdType::Adobe {
        store.adobe_user_by_email(&spec.email)
    } else {
        for d in [Some(dir_domain.clone()), email_domain(&spec.email)]
            .into_iter()
            .flatten()
        {
            match store.claimed.get(&d) {
                None => {
                    return fail(
                        i,
                        "error.domain.trust.nonexistent",
                        format!(
                            "Changes to users are only allowed in claimed domains: {d} is not claimed"
                        ),
                    );
                }
                Some(t) if d == dir_domain && *t != kind => {
                    return fail(
                        i,
                        "error.user.type_mismatch",
                        format!(
                            "Domain {d} belongs to a directory of {}s: cannot create a {} there",
                            kind_name(*t),
                            kind_name(kind)
                        ),
                    );
                }
                _ => {}
            }
        }
        store
            .org_user_by_username(&username, &dir_domain)
            .or_else(|| store.org_user_by_email(&spec.email))
    };
    if let Some(seq) = existing {
        let existing_kind = store.user(seq).map(|u| u.id_type);
        if existing_kind.is_some_and(|k| k != kind) {
            return fail(
                i,
                "error.user.type_mismatch",
                format!("A user {name} of another identity type already exists"),
            );
        }
        return match spec.option {
            CreateOption::Error => fail(
                i,
                "error.user.already_in_org",
                format!("User already exists in the organization: {}", spec.email),
            ),
            CreateOption::Ignore => Ok(Some(seq)),
            CreateOption::Update => {
                if !dry && kind != IdType::Adobe {
                    store.edit_user(seq, |u| {
                        if spec.firstname.is_some() {
                            u.firstname.clone_from(&spec.firstname);
                        }
                        if spec.lastname.is_some() {
                            u.lastname.clone_from(&spec.lastname);
                        }
                    });
                }
                Ok(Some(seq))
            }
        };
    }
    if dry {
        return Ok(None);
    }
    let user = User {
        id: store.new_user_id(),
        email: spec.email.clone(),
        username,
        domain: dir_domain,
        firstname: spec.firstname.clone(),
        lastname: spec.lastname.clone(),
        country: spec.country.clone(),
        id_type: kind,
        groups: Default::default(),
    };
    Ok(Some(store.insert_user(user)))
}

fn update_user(
    store: &mut Store,
    dry: bool,
    i: usize,
    seq: u64,
    spec: &UpdateSpec,
) -> Result<(), StepError> {
    let Some(user) = store.user(seq) else {
        return fail(i, "error.user.nonexistent", "User Id does not exist");
    };
    if user.id_type == IdType::Adobe {
        return fail(
            i,
            "error.update.adobeid.no",
            "Adobe IDs cannot be updated through the User Management API",
        );
    }
    let kind = user.id_type;
    let mut email = user.email.clone();
    let mut username = user.username.clone();
    let mut domain = user.domain.clone();
    let same_directory = |store: &Store, d: &str| store.claimed.get(d) == Some(&kind);

    if let Some(new_email) = &spec.email
        && *new_email != user.email
    {
        if new_email.eq_ignore_ascii_case(&user.email) {
            return fail(
                i,
                "error.update.no",
                "The letter case of an email address cannot be changed",
            );
        }
        let d = email_domain(new_email).unwrap_or_default();
        if !store.claimed.contains_key(&d) {
            return fail(
                i,
                "error.domain.trust.nonexistent",
                format!("Changes to users are only allowed in claimed domains: {d} is not claimed"),
            );
        }
        if store
            .org_user_by_email(new_email)
            .is_some_and(|other| other != seq)
        {
            return fail(
                i,
                "error.user.email.name_in_use",
                format!("Email already in use: {new_email}"),
            );
        }
        if user.username.eq_ignore_ascii_case(&user.email) && same_directory(store, &d) {
            username.clone_from(new_email);
            domain = d;
        }
        email.clone_from(new_email);
    }
    if let Some(new_username) = &spec.username
        && *new_username != username
    {
        if new_username.contains('@') {
            let d = email_domain(new_username).unwrap_or_default();
            if !store.claimed.contains_key(&d) {
                return fail(
                    i,
                    "error.domain.trust.nonexistent",
                    format!(
                        "Changes to users are only allowed in claimed domains: {d} is not claimed"
                    ),
                );
            }
            if !same_directory(store, &d) {
                return fail(
                    i,
                    "error.update.domain.mismatch",
                    format!("The username's domain {d} is not in the user's directory"),
                );
            }
            domain = d;
        }
        username.clone_from(new_username);
    }
    if store
        .org_user_by_username(&username, &domain)
        .is_some_and(|other| other != seq)
    {
        return fail(
            i,
            "error.user.name_in_use",
            format!("Username already in use: {username}"),
        );
    }
    if dry {
        return Ok(());
    }
    store.edit_user(seq, |u| {
        u.email = email;
        u.username = username;
        u.domain = domain;
        if let Some(f) = &spec.firstname {
            u.firstname = Some(f.clone()).filter(|f| !f.is_empty());
        }
        if let Some(l) = &spec.lastname {
            u.lastname = Some(l.clone()).filter(|l| !l.is_empty());
        }
    });
    Ok(())
}

fn user_group(store: &Store, name: &str) -> Option<u64> {
    store
        .group_by_name(name)
        .filter(|g| g.kind == GroupType::UserGroup)
        .map(|g| g.id)
}

fn group_not_found<T>(i: usize, dry: bool, name: &str, ok: T) -> Result<T, StepError> {
    if dry {
        Ok(ok)
    } else {
        fail(
            i,
            "error.usergroup.not_found",
            format!("User group not found: {name}"),
        )
    }
}

fn exec_group(store: &mut Store, dry: bool, name: &str, steps: &[Step]) -> Result<(), StepError> {
    let mut current = user_group(store, name);
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step::CreateGroup {
                description,
                option,
            } => {
                if !valid_group_name(name) {
                    return fail(
                        i,
                        "error.group.invalid_name",
                        format!(
                            "Invalid group name {name:?}: it must not be empty or start with _"
                        ),
                    );
                }
                let existing = store
                    .group_by_name(name)
                    .map(|g| (g.id, g.kind, g.read_only));
                match existing {
                    Some((_, kind, _)) if kind != GroupType::UserGroup => {
                        return fail(
                            i,
                            "error.usergroup.already_exists",
                            format!("A group or product profile named {name} already exists"),
                        );
                    }
                    Some((gid, _, read_only)) => match option {
                        CreateOption::Error => {
                            return fail(
                                i,
                                "error.usergroup.already_exists",
                                format!("User group already exists: {name}"),
                            );
                        }
                        CreateOption::Ignore => {}
                        CreateOption::Update => {
                            if read_only {
                                return fail(
                                    i,
                                    "error.usergroup.readonly.update_not_allowed",
                                    format!("The read-only group {name} cannot be updated"),
                                );
                            }
                            if !dry
                                && description.is_some()
                                && let Some(g) = store.group_mut(gid)
                            {
                                g.description.clone_from(description);
                            }
                        }
                    },
                    None if dry => {}
                    None => {
                        let mut g = super::store::Group::new(name, GroupType::UserGroup);
                        g.description.clone_from(description);
                        current = Some(store.insert_group(g));
                    }
                }
            }
            Step::UpdateGroup {
                name: new_name,
                description,
            } => {
                let Some(gid) = current else {
                    group_not_found(i, dry, name, ())?;
                    continue;
                };
                if store.group(gid).is_some_and(|g| g.read_only) {
                    return fail(
                        i,
                        "error.usergroup.readonly.update_not_allowed",
                        format!("The read-only group {name} cannot be updated"),
                    );
                }
                if let Some(n) = new_name
                    && store.group_id(n).is_some_and(|other| other != gid)
                {
                    return fail(
                        i,
                        "error.usergroup.already_exists",
                        format!("A group named {n} already exists"),
                    );
                }
                if !dry {
                    if let Some(n) = new_name {
                        store.rename_group(gid, n);
                    }
                    if let (Some(d), Some(g)) = (description, store.group_mut(gid)) {
                        g.description = Some(d.clone());
                    }
                }
            }
            Step::DeleteGroup => {
                let Some(gid) = current else {
                    return group_not_found(i, dry, name, ());
                };
                if store.group(gid).is_some_and(|g| g.read_only) {
                    return fail(
                        i,
                        "error.usergroup.readonly.remove_not_allowed",
                        format!("The read-only group {name} cannot be deleted"),
                    );
                }
                if !dry {
                    store.delete_group(gid);
                }
                // No step runs after a delete.
                return Ok(());
            }
            Step::GroupAdd { users, profiles } | Step::GroupRemove { users, profiles } => {
                let add = matches!(step, Step::GroupAdd { .. });
                let mut profile_ids = Vec::with_capacity(profiles.len());
                for p in profiles {
                    match store.group_by_name(p) {
                        Some(g) if g.kind == GroupType::ProductProfile => profile_ids.push(g.id),
                        _ => {
                            return fail(
                                i,
                                "error.group.not_found",
                                format!("Product profile not found: {p}"),
                            );
                        }
                    }
                }
                let mut user_ids = Vec::with_capacity(users.len());
                for u in users {
                    match store.find_user(u, None, false) {
                        Some(seq) => user_ids.push(seq),
                        None if dry => {}
                        None => {
                            return fail(
                                i,
                                "error.user.nonexistent",
                                format!("User Id does not exist: {u}"),
                            );
                        }
                    }
                }
                let Some(gid) = current else {
                    group_not_found(i, dry, name, ())?;
                    continue;
                };
                let (read_only, members) = store
                    .group(gid)
                    .map(|g| (g.read_only, g.members.len()))
                    .unwrap_or_default();
                if read_only && !users.is_empty() {
                    return if add {
                        fail(
                            i,
                            "error.usergroup.readonly.add_user_not_allowed",
                            format!("Users cannot be added to the read-only group {name}"),
                        )
                    } else {
                        fail(
                            i,
                            "error.usergroup.readonly.remove_user_not_allowed",
                            format!("Users cannot be removed from the read-only group {name}"),
                        )
                    };
                }
                if add && members + user_ids.len() > MAX_GROUP_MEMBERS {
                    return fail(
                        i,
                        "error.usergroup.exceeds_maximum_member_count",
                        format!("User group {name} would exceed {MAX_GROUP_MEMBERS} members"),
                    );
                }
                if !dry {
                    for seq in user_ids {
                        if add {
                            store.add_member(gid, seq);
                        } else {
                            store.remove_member(gid, seq);
                        }
                    }
                    if let Some(g) = store.group_mut(gid) {
                        for p in profile_ids {
                            if add {
                                g.profiles.insert(p);
                            } else {
                                g.profiles.remove(&p);
                            }
                        }
                    }
                }
            }
            _ => return fail(i, "error.command.step.unknown", "Not a usergroup step"),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(valid_email("a.b+c@example.com"));
        assert!(!valid_email("a@b"));
        assert!(!valid_email("@example.com"));
        assert!(!valid_email("a b@example.com"));
        assert!(!valid_email("a..b@example.com"));
        assert!(!valid_email(&format!("{}@example.com", "a".repeat(50))));
    }

    #[test]
    fn countries() {
        assert!(valid_country("US"));
        assert!(valid_country("UD"));
        assert!(!valid_country("us"));
        assert!(!valid_country("XX"));
        assert!(!valid_country("USA"));
    }
}
