//! Output: tables for people, JSON, NDJSON and CSV for scripts.
//!
//! Listings stream: NDJSON, JSON and CSV rows are written as items arrive; a table buffers only
//! its first [`TABLE_WINDOW`] rows to size its columns, then prints the rest with those widths.
//!
//! Nothing a server sent reaches the terminal raw: table cells go through
//! [`sanitize::line`], JSON through [`sanitize::JsonSafe`], and CSV cells that a spreadsheet
//! would run as a formula get a leading `'` (unless `--csv-raw`).

use std::borrow::Cow;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use clap::ValueEnum;
use serde_json::Value;

use crate::errors::{CliError, CliResult};
use crate::sanitize::{self, JsonSafe};

/// Rows a table looks at to size its columns.
pub const TABLE_WINDOW: usize = 100;
/// The widest a table column gets (but the last); longer cells are cut with `…`.
pub const MAX_WIDTH: usize = 48;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns (the default on a terminal).
    Table,
    /// One JSON document (an array for listings).
    Json,
    /// One JSON object a line (the default for listings when piped).
    Ndjson,
    /// Comma-separated values with a header row.
    Csv,
}

/// The format to use: `--output`, else a table on a terminal, else NDJSON for listings and
/// JSON for single objects.
pub fn choose(flag: Option<Format>, listing: bool) -> Format {
    match flag {
        Some(f) => f,
        None if std::io::stdout().is_terminal() => Format::Table,
        None if listing => Format::Ndjson,
        None => Format::Json,
    }
}

/// A column: the JSON key it shows.
pub type Columns = Vec<String>;

/// Turns a slice of key names into columns.
pub fn columns(keys: &[&str]) -> Columns {
    keys.iter().map(|k| (*k).to_owned()).collect()
}

/// A column's header: the key without a leading `_`, upper case, camelCase split with `_`.
fn header(key: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in key.trim_start_matches('_').chars() {
        if c.is_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        out.extend(c.to_uppercase());
    }
    out
}

/// `--csv-raw`: CSV cells are written as they are, formulas included.
static CSV_RAW: AtomicBool = AtomicBool::new(false);

/// Sets `--csv-raw` for every CSV written from now on (a global flag, read by every writer).
pub fn set_csv_raw(raw: bool) {
    CSV_RAW.store(raw, Ordering::Relaxed);
}

/// A CSV cell a spreadsheet will not run as a formula (OWASP's advice for CSV injection): text
/// starting with `=`, `+`, `-`, `@`, a tab or a carriage return (or the full-width `＝＋－＠`,
/// which some spreadsheets read the same way) gets a leading `'`.
pub fn csv_safe(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some(
            '=' | '+' | '-' | '@' | '\t' | '\r' | '\u{ff1d}' | '\u{ff0b}' | '\u{ff0d}' | '\u{ff20}',
        ) => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// A value as one cell: text as is, lists of scalars joined with `,`, objects as compact JSON.
pub fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) if items.iter().all(|i| !i.is_object() && !i.is_array()) => items
            .iter()
            .map(|i| cell(Some(i)))
            .collect::<Vec<_>>()
            .join(","),
        Some(other) => other.to_string(),
    }
}

/// Looks up a column in an item: a plain key, or a dotted path (`attributes.kind`).
fn lookup<'a>(item: &'a Value, key: &str) -> Option<&'a Value> {
    if let Some(v) = item.get(key) {
        return Some(v);
    }
    let mut cur = item;
    for part in key.split('.') {
        cur = cur.get(part)?;
    }
    Some(cur)
}

/// Cuts a cell to `width` characters, ending with `…` when cut; control and bidi characters
/// are shown escaped (cells are sanitised already; this is the last line of defence).
fn fit(s: &str, width: usize) -> String {
    let clean = sanitize::line(s);
    if clean.chars().count() <= width {
        clean.into_owned()
    } else {
        let mut out: String = clean.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// The columns of an item when none were given: its keys whose values are not objects, at most 8.
fn default_columns(item: &Value) -> Columns {
    match item.as_object() {
        Some(map) => map
            .iter()
            .filter(|(_, v)| !v.is_object())
            .map(|(k, _)| k.clone())
            .take(8)
            .collect(),
        None => vec![String::new()],
    }
}

/// Writes a stream of items in one format.
pub struct ListWriter {
    format: Format,
    columns: Option<Columns>,
    out: Box<dyn Write>,
    /// Table rows held to size the columns.
    window: Vec<Vec<String>>,
    widths: Option<Vec<usize>>,
    csv: Option<csv::Writer<Box<dyn Write>>>,
    /// CSV cells as they are (`--csv-raw`), formulas included.
    csv_raw: bool,
    count: u64,
}

impl ListWriter {
    /// A writer to stdout. `columns` are the table/CSV columns (`None`: from the first item).
    pub fn stdout(format: Format, columns: Option<Columns>) -> Self {
        Self::new(
            format,
            columns,
            Box::new(std::io::BufWriter::new(std::io::stdout())),
        )
    }

    /// A writer to any output.
    pub fn new(format: Format, columns: Option<Columns>, out: Box<dyn Write>) -> Self {
        ListWriter {
            format,
            columns,
            out,
            window: Vec::new(),
            widths: None,
            csv: None,
            csv_raw: CSV_RAW.load(Ordering::Relaxed),
            count: 0,
        }
    }

    /// Writes CSV cells as they are (`true`) or protected from formulas (`false`, the default
    /// unless `--csv-raw`).
    #[cfg(test)]
    pub fn csv_raw(mut self, raw: bool) -> Self {
        self.csv_raw = raw;
        self
    }

    /// Items written so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The cells of an item, each with its value (for CSV, which protects only text).
    fn values<'a>(&self, item: &'a Value) -> Vec<Option<&'a Value>> {
        match &self.columns {
            Some(cols) if cols.len() == 1 && cols[0].is_empty() => vec![Some(item)],
            Some(cols) => cols.iter().map(|c| lookup(item, c)).collect(),
            None => Vec::new(),
        }
    }

    /// A table row: every cell sanitised, so that widths count what is shown.
    fn table_row(&self, item: &Value) -> Vec<String> {
        self.values(item)
            .into_iter()
            .map(|v| sanitize::line(&cell(v)).into_owned())
            .collect()
    }

    /// A CSV row: text that a spreadsheet would run as a formula is protected, unless
    /// `--csv-raw`; numbers, booleans and objects cannot start a formula and stay as they are.
    fn csv_row(&self, item: &Value) -> Vec<String> {
        self.values(item)
            .into_iter()
            .map(|v| {
                let text = cell(v);
                match v {
                    Some(Value::String(_) | Value::Array(_)) if !self.csv_raw => {
                        csv_safe(&text).into_owned()
                    }
                    _ => text,
                }
            })
            .collect()
    }

    /// Writes one item.
    pub fn push(&mut self, item: &Value) -> CliResult {
        if self.columns.is_none() {
            self.columns = Some(default_columns(item));
        }
        match self.format {
            Format::Ndjson => {
                sanitize::write_json(&mut self.out, JsonSafe::compact(), item).map_err(json_err)?;
                self.out.write_all(b"\n")?;
            }
            Format::Json => {
                self.out
                    .write_all(if self.count == 0 { b"[\n  " } else { b",\n  " })?;
                sanitize::write_json(&mut self.out, JsonSafe::compact(), item).map_err(json_err)?;
            }
            Format::Csv => {
                let row = self.csv_row(item);
                self.csv_writer()?.write_record(&row).map_err(csv_err)?;
            }
            Format::Table => {
                let row = self.table_row(item);
                if self.widths.is_some() {
                    self.write_table_row(&row)?;
                } else {
                    self.window.push(row);
                    if self.window.len() >= TABLE_WINDOW {
                        self.flush_window()?;
                    }
                }
            }
        }
        self.count += 1;
        Ok(())
    }

    fn csv_writer(&mut self) -> CliResult<&mut csv::Writer<Box<dyn Write>>> {
        if self.csv.is_none() {
            let out = std::mem::replace(&mut self.out, Box::new(std::io::sink()));
            let mut w = csv::Writer::from_writer(out);
            let cols = self.columns.clone().unwrap_or_default();
            let raw = self.csv_raw;
            // Column names come from `--columns` or the data: protected like any cell.
            let head: Vec<String> = cols
                .iter()
                .map(|c| {
                    if raw {
                        c.clone()
                    } else {
                        csv_safe(c).into_owned()
                    }
                })
                .collect();
            w.write_record(&head).map_err(csv_err)?;
            self.csv = Some(w);
        }
        self.csv
            .as_mut()
            .ok_or_else(|| CliError::failure("the CSV writer is gone"))
    }

    fn flush_window(&mut self) -> CliResult {
        let cols = self.columns.clone().unwrap_or_default();
        let head: Vec<String> = cols
            .iter()
            .map(|c| sanitize::line(&header(c)).into_owned())
            .collect();
        let mut widths: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
        for row in &self.window {
            for (w, c) in widths.iter_mut().zip(row) {
                *w = (*w).max(c.chars().count());
            }
        }
        for w in &mut widths {
            *w = (*w).min(MAX_WIDTH);
        }
        self.widths = Some(widths);
        self.write_table_row(&head)?;
        for row in std::mem::take(&mut self.window) {
            self.write_table_row(&row)?;
        }
        Ok(())
    }

    fn write_table_row(&mut self, row: &[String]) -> CliResult {
        let widths = self.widths.clone().unwrap_or_default();
        let mut line = String::new();
        let last = row.len().saturating_sub(1);
        for (i, (c, w)) in row.iter().zip(&widths).enumerate() {
            if i == last {
                // Nothing follows the last column: it is never cut (error messages stay whole).
                line.push_str(&fit(c, usize::MAX));
            } else {
                // A cell longer than its column (a row after the sizing window) pushes the rest
                // of its row right rather than losing characters; only MAX_WIDTH cuts.
                let text = fit(c, MAX_WIDTH);
                let pad = w.saturating_sub(text.chars().count());
                line.push_str(&text);
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        writeln!(self.out, "{}", line.trim_end())?;
        Ok(())
    }

    /// Prints the rows a table holds to size its columns now, sizing them by those rows (for
    /// output that must show as it comes, such as `--follow`); later rows keep those widths.
    pub fn show_now(&mut self) -> CliResult {
        if self.format == Format::Table && self.widths.is_none() && !self.window.is_empty() {
            self.flush_window()?;
        }
        Ok(())
    }

    /// Pushes what is buffered to the output (rows a table still holds to size its columns stay).
    pub fn flush(&mut self) -> CliResult {
        if let Some(w) = self.csv.as_mut() {
            w.flush()?;
        }
        self.out.flush()?;
        Ok(())
    }

    /// Ends the output (closes the JSON array, prints a table that fit in its window, flushes).
    pub fn finish(mut self) -> CliResult {
        match self.format {
            Format::Json => {
                self.out
                    .write_all(if self.count == 0 { b"[]\n" } else { b"\n]\n" })?;
            }
            Format::Table if self.widths.is_none() && self.columns.is_some() => {
                self.flush_window()?;
            }
            Format::Csv => {
                if self.csv.is_none() && self.columns.is_some() {
                    self.csv_writer()?;
                }
                if let Some(w) = self.csv.as_mut() {
                    w.flush()?;
                }
            }
            _ => {}
        }
        self.out.flush()?;
        Ok(())
    }
}

fn json_err(e: serde_json::Error) -> CliError {
    match e.io_error_kind() {
        Some(kind) => CliError::io(std::io::Error::from(kind)),
        None => CliError::failure(format!("cannot write JSON: {e}")),
    }
}

fn csv_err(e: csv::Error) -> CliError {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => CliError::io(io),
        other => CliError::failure(format!("cannot write CSV: {other:?}")),
    }
}

/// Prints one object: a KEY/VALUE table, pretty JSON, one NDJSON line, or a one-row CSV.
pub fn print_one(format: Format, item: &Value, columns: Option<Columns>) -> CliResult {
    let mut out = std::io::BufWriter::new(std::io::stdout());
    match format {
        Format::Json => {
            sanitize::write_json(&mut out, JsonSafe::pretty(), item).map_err(json_err)?;
            out.write_all(b"\n")?;
        }
        Format::Ndjson => {
            sanitize::write_json(&mut out, JsonSafe::compact(), item).map_err(json_err)?;
            out.write_all(b"\n")?;
        }
        Format::Csv => {
            drop(out);
            // One object: every field is a column (a listing keeps to its first eight).
            let columns = columns.or_else(|| {
                item.as_object()
                    .map(|m| m.keys().cloned().collect::<Columns>())
            });
            let mut w = ListWriter::stdout(Format::Csv, columns);
            w.push(item)?;
            return w.finish();
        }
        Format::Table => match item.as_object() {
            Some(map) => {
                let keys: Vec<String> = match columns {
                    Some(c) => c,
                    None => map.keys().cloned().collect(),
                };
                let shown: Vec<String> = keys
                    .iter()
                    .map(|k| sanitize::line(k).into_owned())
                    .collect();
                let width = shown.iter().map(|k| k.chars().count()).max().unwrap_or(0);
                for (k, label) in keys.iter().zip(&shown) {
                    let v = cell(lookup(item, k));
                    writeln!(out, "{label:<width$}  {}", sanitize::line(v.trim_end()))?;
                }
            }
            None => writeln!(out, "{}", sanitize::line(&cell(Some(item))))?,
        },
    }
    out.flush()?;
    Ok(())
}

/// A progress bar or spinner on stderr, shown only when stderr is a terminal and stdout is not
/// (so it never mixes with a table being printed on the same screen).
pub fn progress(len: Option<u64>, what: &str) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() || std::io::stdout().is_terminal() {
        return None;
    }
    Some(progress_bar(len, what))
}

/// A progress bar on stderr whenever stderr is a terminal (for batches, whose report comes after).
pub fn progress_always(len: Option<u64>, what: &str) -> Option<indicatif::ProgressBar> {
    std::io::stderr()
        .is_terminal()
        .then(|| progress_bar(len, what))
}

fn progress_bar(len: Option<u64>, what: &str) -> indicatif::ProgressBar {
    let bar = match len {
        Some(n) => indicatif::ProgressBar::new(n).with_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} ({elapsed})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        ),
        None => indicatif::ProgressBar::new_spinner().with_style(
            indicatif::ProgressStyle::with_template("{spinner} {pos} {msg} ({elapsed})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        ),
    };
    bar.set_message(what.to_owned());
    bar
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn render(format: Format, cols: Option<Columns>, items: &[Value]) -> String {
        let buf = Buf::default();
        let mut w = ListWriter::new(format, cols, Box::new(buf.clone()));
        for i in items {
            w.push(i).unwrap();
        }
        w.finish().unwrap();
        String::from_utf8(buf.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn table_aligns_and_cuts() {
        let long = "x".repeat(60);
        let out = render(
            Format::Table,
            Some(columns(&["_id", "name", "tags"])),
            &[
                json!({"_id": "1", "name": "a", "tags": ["p", "q"]}),
                json!({"_id": "22", "name": long}),
            ],
        );
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], format!("ID  NAME{}TAGS", " ".repeat(46)));
        assert_eq!(lines[1], format!("1   a{}p,q", " ".repeat(49)));
        assert!(lines[2].ends_with('…'));
        assert_eq!(lines[2].chars().count(), 4 + 48);
    }

    #[test]
    fn empty_json_listing_is_an_empty_array() {
        assert_eq!(render(Format::Json, None, &[]), "[]\n");
        let out = render(Format::Json, None, &[json!({"a": 1}), json!({"a": 2})]);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v, json!([{"a": 1}, {"a": 2}]));
    }

    #[test]
    fn csv_quotes_and_has_a_header() {
        let out = render(
            Format::Csv,
            Some(columns(&["a", "b"])),
            &[json!({"a": "x,y", "b": 3})],
        );
        assert_eq!(out, "a,b\n\"x,y\",3\n");
    }

    #[test]
    fn table_cells_show_controls_and_bidi_escaped() {
        let nasty = "Ev\u{1b}]0;pwned\u{7}il\u{8}\u{202e}nap\tx\ny\u{9b}";
        let out = render(
            Format::Table,
            Some(columns(&["name", "id"])),
            &[
                json!({"name": nasty, "id": "1"}),
                json!({"name": "plain", "id": "2"}),
            ],
        );
        assert!(
            !out.chars().any(|c| c != '\n' && sanitize::is_unsafe(c)),
            "{out:?}"
        );
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{out:?}");
        let shown = "Ev\\x1b]0;pwned\\x07il\\x08\\u{202e}nap\\tx\\ny\\u{9b}";
        assert_eq!(lines[1], format!("{shown}  1"));
        // The width counts what is shown: the next row lines up.
        assert_eq!(
            lines[2],
            format!("plain{}  2", " ".repeat(shown.chars().count() - 5))
        );
    }

    #[test]
    fn csv_protects_formulas_unless_raw() {
        let items = [
            json!({"a": "=HYPERLINK(\"http://x\")", "b": "+1 555 0100", "c": -5}),
            json!({"a": "@SUM(A1)", "b": "-2+3", "c": "\tx"}),
            json!({"a": "\rx", "b": "safe", "c": ["=x", "y"]}),
            json!({"a": "\u{ff1d}1+1", "b": "a=b", "c": true}),
        ];
        let cols = || Some(columns(&["a", "b", "c"]));
        let buf = Buf::default();
        let mut w = ListWriter::new(Format::Csv, cols(), Box::new(buf.clone())).csv_raw(false);
        for i in &items {
            w.push(i).unwrap();
        }
        w.finish().unwrap();
        let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert_eq!(
            out,
            "a,b,c\n\
             \"'=HYPERLINK(\"\"http://x\"\")\",'+1 555 0100,-5\n\
             '@SUM(A1),'-2+3,'\tx\n\
             \"'\rx\",safe,\"'=x,y\"\n\
             '\u{ff1d}1+1,a=b,true\n"
        );
        let buf = Buf::default();
        let mut w = ListWriter::new(Format::Csv, cols(), Box::new(buf.clone())).csv_raw(true);
        w.push(&items[0]).unwrap();
        w.finish().unwrap();
        let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert_eq!(
            out,
            "a,b,c\n\"=HYPERLINK(\"\"http://x\"\")\",+1 555 0100,-5\n"
        );
    }

    #[test]
    fn ndjson_escapes_bidi_and_stays_the_same_data() {
        let item = json!({"name": "a\u{202e}b\u{7f}"});
        let out = render(Format::Ndjson, None, std::slice::from_ref(&item));
        assert_eq!(out, "{\"name\":\"a\\u202eb\\u007f\"}\n");
        assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), item);
    }

    #[test]
    fn a_longer_cell_after_the_window_is_not_cut() {
        let mut items: Vec<Value> = (0..TABLE_WINDOW)
            .map(|i| json!({"user": format!("u{}", i % 10), "n": i}))
            .collect();
        items.push(json!({"user": "a.much.longer.user@example.com", "n": 1}));
        let out = render(Format::Table, Some(columns(&["user", "n"])), &items);
        let last = out.lines().last().unwrap();
        assert_eq!(last, "a.much.longer.user@example.com  1");
    }

    #[test]
    fn table_beyond_the_window_keeps_widths() {
        let items: Vec<Value> = (0..TABLE_WINDOW + 5)
            .map(|i| json!({"n": i.to_string()}))
            .collect();
        let out = render(Format::Table, None, &items);
        assert_eq!(out.lines().count(), TABLE_WINDOW + 6);
    }
}
