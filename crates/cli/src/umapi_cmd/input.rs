//! Reading a file of actions for `idm umapi apply`: JSON in UMAPI's wire format or CSV, checked
//! entry by entry (never held whole), with errors that name the entry or line.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::ValueEnum;
use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};
use serde_json::Value;
use umapi::{Action, UserAction, UserUpdate};

use super::users::{IdType, new_user};
use crate::errors::{CliError, CliResult};

/// Input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// A JSON array of UMAPI command entries.
    Json,
    /// A CSV of user actions (columns in `idm umapi apply --help`).
    Csv,
}

/// Where the actions come from. A file is read twice (once to check every action, once to send
/// them) and never held in memory; stdin is read once and kept.
#[derive(Clone)]
pub(super) enum Input {
    File(PathBuf),
    Bytes(Arc<Vec<u8>>),
}

/// Shared bytes that `std::io::Cursor` can read.
#[derive(Clone)]
struct Shared(Arc<Vec<u8>>);

impl AsRef<[u8]> for Shared {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Input {
    pub(super) fn new(path: &Path) -> CliResult<Input> {
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| CliError::usage(format!("cannot read the actions from stdin: {e}")))?;
            return Ok(Input::Bytes(Arc::new(bytes)));
        }
        // Opened now so that a missing file is reported before anything else.
        std::fs::File::open(path)
            .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?;
        Ok(Input::File(path.to_path_buf()))
    }

    pub(super) fn open(&self) -> CliResult<Box<dyn Read + Send>> {
        match self {
            Input::File(path) => std::fs::File::open(path)
                .map(|f| Box::new(std::io::BufReader::new(f)) as Box<dyn Read + Send>)
                .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display()))),
            Input::Bytes(b) => Ok(Box::new(std::io::Cursor::new(Shared(Arc::clone(b))))),
        }
    }

    /// The first non-blank byte after any UTF-8 byte order mark, to tell JSON from CSV.
    pub(super) fn first_byte(&self) -> CliResult<Option<u8>> {
        let mut r = skip_bom(self.open()?)
            .map_err(|e| CliError::usage(format!("cannot read the actions: {e}")))?;
        let mut buf = [0u8; 512];
        loop {
            let n = r
                .read(&mut buf)
                .map_err(|e| CliError::usage(format!("cannot read the actions: {e}")))?;
            if n == 0 {
                return Ok(None);
            }
            if let Some(b) = buf[..n].iter().find(|b| !b.is_ascii_whitespace()) {
                return Ok(Some(*b));
            }
        }
    }
}

/// The UTF-8 byte order mark that Windows editors (Notepad, Excel's "CSV UTF-8") put first.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The input without a leading UTF-8 byte order mark (JSON does not allow one; the csv crate
/// skips it by itself, and skipping it twice is harmless).
fn skip_bom<R: Read>(mut input: R) -> std::io::Result<impl Read> {
    let mut head = [0u8; 3];
    let mut n = 0;
    // A short read is not the end: fill the three bytes unless the input ends first.
    while n < head.len() {
        match input.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let keep = if head[..n] == *BOM { 0 } else { n };
    Ok(std::io::Cursor::new(head[..keep].to_vec()).chain(input))
}

/// Which format a file is in.
pub(super) fn detect(path: &Path, first: Option<u8>, flag: Option<InputFormat>) -> InputFormat {
    if let Some(f) = flag {
        return f;
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("csv") => InputFormat::Csv,
        Some(e) if e.eq_ignore_ascii_case("json") => InputFormat::Json,
        _ if first == Some(b'[') => InputFormat::Json,
        _ => InputFormat::Csv,
    }
}

/// What is done with each action read; an error stops the reading.
type Sink<'a> = &'a mut dyn FnMut(Action) -> Result<(), String>;

/// Reads the actions one by one, checking each; returns how many there were.
pub(super) fn for_each_action(
    input: impl Read,
    format: InputFormat,
    origin: &str,
    sink: Sink<'_>,
) -> CliResult<usize> {
    match format {
        InputFormat::Json => for_each_json(input, origin, sink),
        InputFormat::Csv => for_each_csv(input, origin, sink),
    }
}

/// The entries of a JSON array, decoded one at a time (the array is never held whole).
struct Entries<'a, 'b>(&'a mut Sink<'b>);

impl<'de> DeserializeSeed<'de> for Entries<'_, '_> {
    type Value = usize;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entries<'_, '_> {
    type Value = usize;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON array of command entries")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut n = 0usize;
        while let Some(entry) = seq.next_element_seed(Strict(n))? {
            let action = Action::from_wire(&entry).map_err(|e| {
                let msg = match e {
                    umapi::Error::Argument(m) => m,
                    other => other.to_string(),
                };
                de::Error::custom(format!("entry {n}: {msg}"))
            })?;
            (self.0)(action).map_err(de::Error::custom)?;
            n += 1;
        }
        Ok(n)
    }
}

/// A JSON value read like `serde_json::Value`, except that an object naming a key twice is an
/// error (`Value` keeps the last silently: `{"user": "a", "user": "b"}` would act on `b`).
/// Holds the index of the entry it reads, for the error.
#[derive(Clone, Copy)]
struct Strict(usize);

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                // Raised here, serde_json adds the line and column of the second one.
                return Err(de::Error::custom(format!(
                    "entry {}: the key {key:?} appears twice in one object; keep one",
                    self.0
                )));
            }
            let value = map.next_value_seed(self)?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

/// Reads the JSON form.
fn for_each_json(input: impl Read, origin: &str, mut sink: Sink<'_>) -> CliResult<usize> {
    let input =
        skip_bom(input).map_err(|e| CliError::usage(format!("cannot read {origin}: {e}")))?;
    let mut de = serde_json::Deserializer::from_reader(input);
    let describe = |e: serde_json::Error| {
        if e.is_data() {
            CliError::usage(format!("{origin}: {e}"))
        } else {
            CliError::usage(format!("{origin} is not valid JSON: {e}"))
        }
    };
    let n = Entries(&mut sink).deserialize(&mut de).map_err(describe)?;
    de.end().map_err(describe)?;
    Ok(n)
}

/// Reads the CSV form.
fn for_each_csv(input: impl Read, origin: &str, sink: Sink<'_>) -> CliResult<usize> {
    const KNOWN: &[&str] = &[
        "user",
        "command",
        "domain",
        "type",
        "firstname",
        "lastname",
        "country",
        "email",
        "username",
        "groups",
        "delete_account",
    ];
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(input);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| CliError::usage(format!("{origin}: cannot read the CSV header: {e}")))?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    // A second column of the same name would be ignored (the first one wins): refuse it.
    for (i, h) in headers.iter().enumerate() {
        if let Some(j) = headers[..i].iter().position(|earlier| earlier == h) {
            return Err(CliError::usage(format!(
                "{origin} line 1: the column {h:?} appears twice (columns {} and {}); keep one",
                j + 1,
                i + 1
            )));
        }
    }
    if let Some(bad) = headers.iter().find(|h| !KNOWN.contains(&h.as_str())) {
        return Err(CliError::usage(format!(
            "{origin}: unknown CSV column {bad:?}; the columns are: {}",
            KNOWN.join(", ")
        )));
    }
    for need in ["user", "command"] {
        if !headers.iter().any(|h| h == need) {
            return Err(CliError::usage(format!(
                "{origin}: the CSV has no {need:?} column"
            )));
        }
    }
    let mut n = 0;
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| CliError::usage(format!("{origin} line {line}: {e}")))?;
        let get = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|p| record.get(p))
                .filter(|v| !v.is_empty())
        };
        let action =
            csv_row(&get).map_err(|e| CliError::usage(format!("{origin} line {line}: {e}")))?;
        sink(action).map_err(|e| CliError::usage(format!("{origin} line {line}: {e}")))?;
        n += 1;
    }
    Ok(n)
}

/// One CSV row as an action; the error says what is wrong with the row.
fn csv_row<'a>(get: &dyn Fn(&str) -> Option<&'a str>) -> Result<Action, String> {
    let user = get("user").ok_or("the user column is empty")?;
    let command = get("command").ok_or("the command column is empty")?;
    let groups: Vec<String> = get("groups")
        .map(|g| {
            g.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let s = |e: umapi::Error| match e {
        umapi::Error::Argument(m) => m,
        other => other.to_string(),
    };
    let base = match get("domain") {
        Some(d) => UserAction::with_domain(user, d),
        None => UserAction::new(user),
    }
    .map_err(s)?;
    let action = match command {
        "create" => {
            let id_type = match get("type") {
                Some("adobe") => IdType::Adobe,
                Some("enterprise") => IdType::Enterprise,
                Some("federated") => IdType::Federated,
                Some(other) => {
                    return Err(format!(
                        "type {other:?}: expected adobe, enterprise or federated"
                    ));
                }
                None => return Err("create needs a type (adobe, enterprise or federated)".into()),
            };
            let nu = new_user(
                id_type,
                user,
                get("firstname"),
                get("lastname"),
                get("country"),
            )
            .map_err(|e| e.to_string().replace("--", ""))?;
            let a = base.create(nu).map_err(s)?;
            if groups.is_empty() {
                a
            } else {
                a.add_to_groups(groups).map_err(s)?
            }
        }
        "update" => {
            let mut u = UserUpdate::new();
            if let Some(v) = get("firstname") {
                u = u.firstname(v);
            }
            if let Some(v) = get("lastname") {
                u = u.lastname(v);
            }
            if let Some(v) = get("email") {
                u = u.email(v);
            }
            if let Some(v) = get("username") {
                u = u.username(v);
            }
            base.update(u).map_err(s)?
        }
        "add-to-groups" => {
            if groups.is_empty() {
                return Err("add-to-groups needs groups".into());
            }
            base.add_to_groups(groups).map_err(s)?
        }
        "remove-from-groups" => match groups.as_slice() {
            [] => return Err("remove-from-groups needs groups (or '*' for all)".into()),
            [all] if all == "*" => base.remove_from_all_groups().map_err(s)?,
            _ => base.remove_from_groups(groups).map_err(s)?,
        },
        "remove" => {
            let delete = match get("delete_account") {
                None | Some("false") | Some("no") | Some("0") => false,
                Some("true") | Some("yes") | Some("1") => true,
                Some(other) => {
                    return Err(format!("delete_account {other:?}: expected true or false"));
                }
            };
            base.remove_from_org(delete).map_err(s)?
        }
        other => {
            return Err(format!(
                "unknown command {other:?}: expected create, update, add-to-groups, \
                 remove-from-groups or remove"
            ));
        }
    };
    action.build().map_err(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(text: &str, format: InputFormat, origin: &str) -> CliResult<Vec<Action>> {
        let mut out = Vec::new();
        for_each_action(text.as_bytes(), format, origin, &mut |a| {
            out.push(a);
            Ok(())
        })?;
        Ok(out)
    }

    fn parse_csv(text: &str, origin: &str) -> CliResult<Vec<Action>> {
        collect(text, InputFormat::Csv, origin)
    }

    fn parse_json(text: &str, origin: &str) -> CliResult<Vec<Action>> {
        collect(text, InputFormat::Json, origin)
    }

    #[test]
    fn csv_rows_become_actions() {
        let csv = "user,command,type,firstname,lastname,country,groups\n\
                   a@example.com,create,federated,A,B,US,G1;G2\n\
                   b@example.com,remove-from-groups,,,,,*\n";
        let actions = parse_csv(csv, "t.csv").unwrap();
        assert_eq!(actions.len(), 2);
        let wire = actions[0].to_wire();
        assert_eq!(wire["user"], "a@example.com");
        assert_eq!(wire["do"][0]["createFederatedID"]["country"], "US");
        assert_eq!(wire["do"][1]["add"]["group"][1], "G2");
        assert_eq!(actions[1].to_wire()["do"][0]["remove"], "all");
    }

    #[test]
    fn csv_errors_name_the_line() {
        let err = parse_csv("user,command\na@example.com,create\n", "t.csv").unwrap_err();
        assert!(
            err.to_string()
                .contains("t.csv line 2: create needs a type"),
            "{err}"
        );
        let err = parse_csv("user,command,colour\n", "t.csv").unwrap_err();
        assert!(
            err.to_string().contains("unknown CSV column \"colour\""),
            "{err}"
        );
        let err = parse_csv("user,command\na@example.com,fly\n", "t.csv").unwrap_err();
        assert!(err.to_string().contains("unknown command \"fly\""), "{err}");
    }

    #[test]
    fn json_must_be_an_array_of_entries() {
        assert!(parse_json("{}", "f").is_err());
        assert!(parse_json("[{\"user\": \"a@b.c\"}]", "f").is_err());
        assert_eq!(
            parse_json(
                "[{\"user\": \"a@b.c\", \"do\": [{\"add\": {\"group\": [\"G\"]}}]}]",
                "f"
            )
            .unwrap()
            .len(),
            1
        );
    }

    #[test]
    fn format_comes_from_the_extension_or_the_content() {
        let p = std::path::Path::new;
        assert_eq!(detect(p("a.CSV"), Some(b'['), None), InputFormat::Csv);
        assert_eq!(detect(p("a.txt"), Some(b'['), None), InputFormat::Json);
        assert_eq!(detect(p("-"), Some(b'u'), None), InputFormat::Csv);
        assert_eq!(
            detect(p("a.csv"), None, Some(InputFormat::Json)),
            InputFormat::Json
        );
    }

    #[test]
    fn json_errors_say_where() {
        let err = parse_json("[\n{\"user\": \"a@b.c\", \"do\": []}]", "f.json").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("entry 0") && msg.contains("line 2"), "{msg}");
        let err = parse_json("[] trailing", "f.json").unwrap_err();
        assert!(err.to_string().contains("not valid JSON"), "{err}");
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let json = "\u{feff}[{\"user\": \"a@b.co\", \"do\": [{\"remove\": \"all\"}]}]";
        assert_eq!(parse_json(json, "f.json").unwrap().len(), 1);
        let csv = "\u{feff}user,command\na@example.com,remove\n";
        assert_eq!(parse_csv(csv, "f.csv").unwrap().len(), 1);
        // Without an extension, the first byte after the mark tells JSON from CSV.
        let input = Input::Bytes(Arc::new(json.as_bytes().to_vec()));
        let first = input.first_byte().unwrap();
        assert_eq!(first, Some(b'['));
        assert_eq!(detect(Path::new("-"), first, None), InputFormat::Json);
        // Short inputs, and inputs that only start like a mark, are read whole.
        for text in ["", "[", "\u{feff}", "\u{feff}[]", "\u{fffe}"] {
            let mut out = String::new();
            skip_bom(text.as_bytes())
                .unwrap()
                .read_to_string(&mut out)
                .unwrap();
            assert_eq!(out, text.trim_start_matches('\u{feff}'), "{text:?}");
        }
    }

    #[test]
    fn a_key_given_twice_is_refused_with_its_line() {
        let json = "[{\"user\": \"a@b.co\", \"do\": [{\"remove\": \"all\"}]},\n \
                    {\"user\": \"a@b.co\",\n  \"user\": \"c@d.co\", \"do\": [{\"remove\": \"all\"}]}]";
        let err = parse_json(json, "f.json").unwrap_err().to_string();
        assert!(
            err.contains("f.json: entry 1: the key \"user\" appears twice")
                && err.contains("line 3"),
            "{err}"
        );
        // At any depth.
        let json = "[{\"user\": \"a@b.co\", \"do\": [{\"add\": {\"group\": [\"G\"], \"group\": [\"H\"]}}]}]";
        let err = parse_json(json, "f.json").unwrap_err().to_string();
        assert!(err.contains("the key \"group\" appears twice"), "{err}");
    }

    #[test]
    fn a_column_given_twice_is_refused() {
        let err = parse_csv("user,command,groups,User\n", "t.csv")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("t.csv line 1: the column \"user\" appears twice (columns 1 and 4)"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_last_entry_stops_the_check() {
        let json = "[{\"user\": \"a@b.co\", \"do\": [{\"remove\": \"all\"}]},\n\
                    {\"user\": \"a@b.co\", \"do\": [{\"remove\": \"all\"}, {\"addUser\": {}}]}]";
        let err = parse_json(json, "f.json").unwrap_err().to_string();
        assert!(
            err.contains("entry 1: step 1 (addUser): unknown step") && err.contains("line 2"),
            "{err}"
        );
    }

    #[test]
    fn a_stopped_sink_stops_the_reading() {
        let mut seen = 0;
        let err = for_each_action(
            "[{\"user\": \"a@b.c\", \"do\": [{\"remove\": \"all\"}]}, {\"user\": \"d@e.f\", \"do\": [{\"remove\": \"all\"}]}]"
                .as_bytes(),
            InputFormat::Json,
            "f",
            &mut |_| {
                seen += 1;
                Err("enough".into())
            },
        )
        .unwrap_err();
        assert_eq!(seen, 1);
        assert!(err.to_string().contains("enough"), "{err}");
    }
}
