//! `application/x-www-form-urlencoded` decoding, for request bodies and query strings.

use percent_encoding::percent_decode_str;

/// Decodes `a=1&b=x+y` into pairs; `+` is a space, `%XX` is decoded, bad UTF-8 is replaced.
pub(crate) fn parse(input: &str) -> Vec<(String, String)> {
    input
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Decodes one URL path segment: `%XX` only (`+` stays a plus).
pub(crate) fn decode_component(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

fn decode(s: &str) -> String {
    let spaced = s.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

/// The first value of `name` (case-sensitive, as in HTML forms).
pub(crate) fn get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The first value of `name`, matching the name case-insensitively (for query parameters).
pub(crate) fn get_ci<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes() {
        let p = parse("a=1&b=x+y%2Cz&&c&d=%E2%82%AC");
        assert_eq!(get(&p, "a"), Some("1"));
        assert_eq!(get(&p, "b"), Some("x y,z"));
        assert_eq!(get(&p, "c"), Some(""));
        assert_eq!(get(&p, "d"), Some("€"));
        assert_eq!(get_ci(&p, "A"), Some("1"));
        assert_eq!(get(&p, "e"), None);
    }
}
