//! The one sanitising layer between data idm did not write (names, server messages, file
//! contents) and the terminal.
//!
//! A user name holding ESC can move the cursor, rewrite the screen or change the terminal's
//! title; BEL, BS and CR hide or overwrite what came before; a bidi override (U+202E) shows
//! text in another order than it is. Tables, `error: ...` lines, warnings and log lines show
//! such characters escaped instead:
//!
//! | characters | shown as |
//! | --- | --- |
//! | tab, line feed, carriage return | `\t`, `\n`, `\r` |
//! | other C0 controls (U+0000–U+001F) and DEL (U+007F) | `\x1b`, `\x07`, `\x7f`, ... |
//! | C1 controls (U+0080–U+009F) | `\u{9b}`, ... |
//! | bidi marks, embeddings, overrides and isolates: U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069 | `\u{202e}`, ... |
//!
//! Escaping is for display: a backslash is not doubled, so a name that holds the text `\x1b`
//! shows the same as one that holds ESC. JSON and NDJSON carry the exact data (see
//! [`JsonSafe`]); CSV cells are written as they are, apart from formula protection.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;

/// Whether a character is shown escaped.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{061c}' | '\u{200e}' | '\u{200f}'
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn escape_into(out: &mut String, c: char) {
    match c {
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\u{0}'..='\u{1f}' | '\u{7f}' => {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        }
        _ => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

fn escape_where(s: &str, unsafe_char: impl Fn(char) -> bool) -> Cow<'_, str> {
    let Some(first) = s.find(&unsafe_char) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        if unsafe_char(c) {
            escape_into(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Text for one line (a table cell, an error or warning line): every unsafe character escaped,
/// line feeds and tabs included.
pub fn line(s: &str) -> Cow<'_, str> {
    escape_where(s, is_unsafe)
}

/// Text of several lines (a text answer shown on a terminal): as [`line()`], but line feeds and
/// tabs are kept.
pub fn text(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| c != '\n' && c != '\t' && is_unsafe(c))
}

/// A `serde_json` formatter that also writes DEL, C1 controls and bidi characters as `\uXXXX`
/// escapes (serde_json escapes only C0 controls). The document is the same to any JSON
/// parser, and shows no raw control or bidi character when it lands on a terminal.
pub struct JsonSafe<F>(pub F);

impl JsonSafe<serde_json::ser::CompactFormatter> {
    /// One line of JSON.
    pub fn compact() -> Self {
        JsonSafe(serde_json::ser::CompactFormatter)
    }
}

impl JsonSafe<serde_json::ser::PrettyFormatter<'static>> {
    /// Indented JSON.
    pub fn pretty() -> Self {
        JsonSafe(serde_json::ser::PrettyFormatter::new())
    }
}

/// Writes `value` with a [`JsonSafe`] formatter.
pub fn write_json<W, F, T>(out: W, formatter: JsonSafe<F>, value: &T) -> serde_json::Result<()>
where
    W: io::Write,
    F: serde_json::ser::Formatter,
    T: serde::Serialize + ?Sized,
{
    let mut ser = serde_json::Serializer::with_formatter(out, formatter);
    value.serialize(&mut ser)
}

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for JsonSafe<F> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Fast path: the characters to escape are DEL (0x7f) or start with one of these
        // UTF-8 lead bytes (C1: 0xc2, U+061C: 0xd8, U+200E–U+2069: 0xe2).
        if !fragment
            .bytes()
            .any(|b| matches!(b, 0x7f | 0xc2 | 0xd8 | 0xe2))
        {
            return writer.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            // serde_json escaped C0 already; what is left is in the BMP: one `\uXXXX` each.
            if is_unsafe(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                write!(writer, "\\u{:04x}", u32::from(c))?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    // The layout is the wrapped formatter's (PrettyFormatter indents through these).
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const NASTY: &str =
        "a\u{1b}[2Jb\u{7}c\u{8}d\u{202e}e\tf\r\ng\u{7f}h\u{9b}i\u{2066}j\u{61c}k\u{200f}";

    #[test]
    fn a_line_shows_every_control_escaped() {
        assert_eq!(
            line(NASTY),
            "a\\x1b[2Jb\\x07c\\x08d\\u{202e}e\\tf\\r\\ng\\x7fh\\u{9b}i\\u{2066}j\\u{61c}k\\u{200f}"
        );
        assert!(matches!(line("Zoë Ünïcødé 名前 — ok"), Cow::Borrowed(_)));
        assert!(!line(NASTY).chars().any(is_unsafe));
    }

    #[test]
    fn text_keeps_line_feeds_and_tabs() {
        assert_eq!(text("a\tb\nc\u{1b}d\r\n"), "a\tb\nc\\x1bd\\r\n");
    }

    #[test]
    fn json_stays_the_same_data_without_raw_controls() {
        let v = json!({"name": NASTY, "plain": "Zoë 名前", NASTY: [NASTY]});
        for pretty in [false, true] {
            let mut out = Vec::new();
            if pretty {
                write_json(&mut out, JsonSafe::pretty(), &v).unwrap();
            } else {
                write_json(&mut out, JsonSafe::compact(), &v).unwrap();
            }
            let text = String::from_utf8(out).unwrap();
            assert!(!text.chars().any(|c| c != '\n' && is_unsafe(c)), "{text}");
            assert!(
                text.contains("\\u202e") && text.contains("\\u007f"),
                "{text}"
            );
            assert!(text.contains("Zoë 名前"), "{text}");
            let back: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(back, v);
        }
        let mut pretty = Vec::new();
        write_json(&mut pretty, JsonSafe::pretty(), &json!({"a": [1]})).unwrap();
        assert_eq!(
            String::from_utf8(pretty).unwrap(),
            serde_json::to_string_pretty(&json!({"a": [1]})).unwrap()
        );
    }
}
