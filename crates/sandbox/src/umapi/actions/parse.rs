//! Checking a command entry as a whole before anything runs: root keys, each step's shape and
//! fields, create-first and removeFromOrg-last, list limits.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::*;

// ---------------------------------------------------------------------------------------------
// Parsing

pub(super) fn parse_entry(
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
