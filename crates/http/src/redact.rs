//! Hiding the password of a URL (`http://user:PASSWORD@host`) wherever a URL is shown: error
//! messages, logs, `idm config`. A proxy URL or a base URL may carry credentials; only the
//! password is hidden, so that the user name still tells which account was used.

use std::borrow::Cow;

/// What a hidden password is shown as.
pub const REDACTED: &str = "****";

/// One URL with the password of its userinfo replaced by `****` (`http://u:****@host`).
///
/// Works on the text as given (nothing is normalised), so it also hides the password of a URL
/// that does not parse. A URL without a password is returned unchanged.
///
/// ```
/// assert_eq!(idm_http::redact_url("http://u:s3cret@proxy:3128"), "http://u:****@proxy:3128");
/// assert_eq!(idm_http::redact_url("https://console.jumpcloud.com"), "https://console.jumpcloud.com");
/// ```
pub fn redact_url(url: &str) -> Cow<'_, str> {
    redact_urls(url)
}

/// Every URL in a text (an error message, a log line) with its password hidden, as
/// [`redact_url`] does for one. Text without `scheme://user:password@` is returned unchanged.
///
/// ```
/// let msg = "error sending request for url (http://bob:hunter2@10.0.0.1/api)";
/// assert_eq!(
///     idm_http::redact_urls(msg),
///     "error sending request for url (http://bob:****@10.0.0.1/api)"
/// );
/// ```
pub fn redact_urls(text: &str) -> Cow<'_, str> {
    if !text.contains("://") {
        return Cow::Borrowed(text);
    }
    let mut out = String::new();
    // Everything before `done` has been copied to `out` (or needs no change).
    let mut done = 0;
    let mut search = 0;
    while let Some(found) = text[search..].find("://") {
        let start = search + found + 3;
        // The authority ends at the path, query or fragment, or at white space; the userinfo is
        // what comes before its last `@` (a password may hold `@`, `:` or quotes unencoded).
        let end = text[start..]
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .map_or(text.len(), |i| start + i);
        let authority = &text[start..end];
        if let Some(at) = authority.rfind('@')
            && let Some(colon) = authority[..at].find(':')
        {
            let password = start + colon + 1..start + at;
            if text[password.clone()] != *REDACTED {
                out.push_str(&text[done..password.start]);
                out.push_str(REDACTED);
                done = password.end;
            }
        }
        // Not `end`: a `://` inside a path or query may start another URL.
        search = start;
    }
    if done == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[done..]);
    Cow::Owned(out)
}

/// Hides the password of a parsed URL in place (`user:****@`); the user name stays.
pub fn redact_url_mut(url: &mut reqwest::Url) {
    if url.password().is_some() {
        // Cannot fail: a URL with a password has a host that can carry one.
        let _ = url.set_password(Some(REDACTED));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn hides_only_the_password() {
        for (given, want) in [
            ("http://u:PW@host", "http://u:****@host"),
            (
                "http://u:PW@host:8080/a/b?c=d",
                "http://u:****@host:8080/a/b?c=d",
            ),
            (
                "https://alice:p@ss:w@rd@proxy.example",
                "https://alice:****@proxy.example",
            ),
            ("socks5://u:@h", "socks5://u:****@h"),
            ("http://user@host/x", "http://user@host/x"),
            ("http://host/x?u=a:b@c", "http://host/x?u=a:b@c"),
            (
                "https://console.jumpcloud.com",
                "https://console.jumpcloud.com",
            ),
            ("not a url", "not a url"),
            ("", ""),
        ] {
            assert_eq!(redact_url(given), want, "{given}");
        }
    }

    #[test]
    fn hides_every_url_of_a_text() {
        let text = "invalid URL \"http://a:one@h1\": see http://b:two@h2/x and ftp://c:three@h3";
        let shown = redact_urls(text);
        assert_eq!(
            shown,
            "invalid URL \"http://a:****@h1\": see http://b:****@h2/x and ftp://c:****@h3"
        );
        assert!(matches!(redact_urls("no url here"), Cow::Borrowed(_)));
        assert!(matches!(redact_urls("http://h/x"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_parsed_url_keeps_its_user() {
        let mut url = reqwest::Url::parse("http://bob:hunter2@proxy:3128/").unwrap();
        redact_url_mut(&mut url);
        assert_eq!(url.as_str(), "http://bob:****@proxy:3128/");
        let mut plain = reqwest::Url::parse("https://host/").unwrap();
        redact_url_mut(&mut plain);
        assert_eq!(plain.as_str(), "https://host/");
    }

    proptest! {
        #[test]
        fn never_shows_a_password(user in "[a-z]{1,8}", password in "[A-Za-z0-9:@!]{1,16}",
                                  host in "[a-z]{1,8}", before in ".{0,16}", after in "[ /?#].{0,16}") {
            let text = format!("{before}http://{user}:{password}SECRET@{host}{after}");
            let shown = redact_urls(&text);
            prop_assert!(!shown.contains("SECRET"), "{}", shown);
        }

        #[test]
        fn never_panics(text in ".{0,64}") {
            let _ = redact_urls(&text);
        }
    }
}
