//! Rust-safe names from the spec's names: snake_case, UpperCamelCase, keywords, leading digits.

/// Words of an identifier: split on non-alphanumerics and on lower-to-upper case changes.
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let boundary = c.is_ascii_uppercase()
            && prev.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            });
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// `snake_case`, safe as a Rust identifier (`r#type`, `n3d_secure`).
pub fn snake(s: &str) -> String {
    let mut out = words(s)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if out.is_empty() {
        out = "value".into();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'n');
    }
    if KEYWORDS.contains(&out.as_str()) {
        if matches!(out.as_str(), "self" | "super" | "crate") {
            out.push('_');
        } else {
            out.insert_str(0, "r#");
        }
    }
    out
}

/// `UpperCamelCase`, safe as a Rust type or variant name.
pub fn camel(s: &str) -> String {
    let mut out: String = words(s)
        .iter()
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + &cs.as_str().to_ascii_lowercase(),
                None => String::new(),
            }
        })
        .collect();
    if out.is_empty() {
        out = "Empty".into();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    if matches!(
        out.as_str(),
        "Self" | "Option" | "Result" | "Vec" | "String" | "Box" | "Some" | "None" | "Ok" | "Err"
    ) {
        out.push('_');
    }
    out
}

/// Makes `name` unique among `taken` by appending 2, 3, ...
pub fn unique(name: String, taken: &mut std::collections::BTreeSet<String>) -> String {
    if taken.insert(name.clone()) {
        return name;
    }
    for n in 2.. {
        let candidate = format!("{name}{n}");
        if taken.insert(candidate.clone()) {
            return candidate;
        }
    }
    unreachable!("an unbounded range always yields a free name")
}

/// One line of documentation from spec prose: the first line, without markdown that rustdoc
/// would misread (links, HTML-looking tags), at most 160 characters.
pub fn doc_line(text: &str) -> String {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let mut out = String::new();
    for c in first.chars() {
        match c {
            '[' | ']' | '<' | '>' | '`' | '*' | '_' | '#' | '|' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
        if out.chars().count() >= 160 {
            out.push_str("...");
            break;
        }
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake("graph_systemMemberOf"), "graph_system_member_of");
        assert_eq!(snake("_id"), "id");
        assert_eq!(snake("type"), "r#type");
        assert_eq!(snake("3dSecure"), "n3d_secure");
        assert_eq!(snake("x-org-id"), "x_org_id");
        assert_eq!(snake("HTTPServer"), "http_server");
        assert_eq!(camel("systemuserputpost"), "Systemuserputpost");
        assert_eq!(camel("user-group"), "UserGroup");
        assert_eq!(camel("9"), "V9");
        assert_eq!(camel(""), "Empty");
        assert_eq!(camel("Self"), "Self_");
    }

    #[test]
    fn docs_escape_markdown() {
        assert_eq!(
            doc_line("List <all> [users]\nmore"),
            "List \\<all\\> \\[users\\]"
        );
    }
}
