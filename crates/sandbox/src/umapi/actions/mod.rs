//! `POST /action`: validation and execution of command entries.
//!
//! Each entry is first checked as a whole (root keys, step shapes, create-first and
//! removeFromOrg-last, list limits, field formats); a failure there reports the offending step and
//! changes nothing. The steps then run in order against the store; the first failing step stops
//! the entry, and the steps before it stay applied. In test mode the same checks run against the
//! unchanged store and nothing is written; operations on users or groups that do not exist count
//! as successes, since a create earlier in the request never ran.

use serde_json::{Map, Value, json};

use super::store::{GroupType, IdType, PROTECTED_GROUPS, Resolved, Store, User, email_domain};

mod exec;
mod parse;

use exec::execute;
use parse::parse_entry;

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
    /// The 200 body UMAPI documents.
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
    // UMAPI does not guarantee the order of a request's entries. The sandbox runs
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
