//! `Retry-After` parsing (RFC 9110 §10.2.3): delta-seconds or an HTTP-date.

use std::time::{Duration, SystemTime};

/// A parsed `Retry-After` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// Wait this long (delta-seconds form).
    Delay(Duration),
    /// Wait until this moment (HTTP-date form).
    At(SystemTime),
}

impl RetryAfter {
    /// How long to wait from `now`; a date in the past means "no wait".
    pub fn wait_from(self, now: SystemTime) -> Duration {
        match self {
            RetryAfter::Delay(d) => d,
            RetryAfter::At(t) => t.duration_since(now).unwrap_or(Duration::ZERO),
        }
    }
}

/// A wait in seconds for messages, exact to the millisecond: `38`, `1.5`, `0.25` (a
/// fractional `Retry-After` must not read "wait 0 s"). A nonzero wait under a millisecond
/// reads `0.001`.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(idm_http::secs(Duration::from_millis(250)), "0.25");
/// assert_eq!(idm_http::secs(Duration::from_secs(38)), "38");
/// ```
pub fn secs(d: Duration) -> String {
    let mut ms = d.as_millis();
    if ms == 0 && !d.is_zero() {
        ms = 1;
    }
    let (whole, frac) = (ms / 1000, ms % 1000);
    if frac == 0 {
        return whole.to_string();
    }
    let frac = format!("{frac:03}");
    format!("{whole}.{}", frac.trim_end_matches('0'))
}

/// Longest delta we represent: anything larger is clamped here (about 31 years), so absurd
/// values neither overflow nor panic. Policies cap the wait far below this.
const MAX_DELTA_SECS: u64 = 1 << 30;

/// Parses a `Retry-After` header value.
///
/// Accepts delta-seconds (`"38"`, tolerating surrounding white space and a fractional part such
/// as `"1.5"`) and HTTP-dates (`"Wed, 21 Oct 2015 07:28:00 GMT"`). Returns `None` for anything
/// else (negative numbers, garbage, empty values): callers then fall back to their own backoff.
/// Huge numbers are clamped rather than rejected.
pub fn parse_retry_after(value: &str) -> Option<RetryAfter> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if v.bytes().all(|b| b.is_ascii_digit()) {
        // Only digits: a (possibly enormous) delta.
        let secs = v
            .parse::<u64>()
            .unwrap_or(MAX_DELTA_SECS)
            .min(MAX_DELTA_SECS);
        return Some(RetryAfter::Delay(Duration::from_secs(secs)));
    }
    if let Some((int, frac)) = v.split_once('.') {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if digits(int) && digits(frac) {
            let secs: f64 = v.parse().ok()?;
            let secs = secs.min(MAX_DELTA_SECS as f64);
            return Some(RetryAfter::Delay(Duration::from_secs_f64(secs)));
        }
    }
    httpdate::parse_http_date(v).ok().map(RetryAfter::At)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn delta_seconds() {
        assert_eq!(
            parse_retry_after("38"),
            Some(RetryAfter::Delay(Duration::from_secs(38)))
        );
        assert_eq!(
            parse_retry_after(" 0 "),
            Some(RetryAfter::Delay(Duration::ZERO))
        );
        assert_eq!(
            parse_retry_after("1.5"),
            Some(RetryAfter::Delay(Duration::from_millis(1500)))
        );
    }

    #[test]
    fn waits_read_exactly() {
        for (d, want) in [
            (Duration::from_millis(250), "0.25"),
            (Duration::from_millis(1500), "1.5"),
            (Duration::from_secs(38), "38"),
            (Duration::ZERO, "0"),
            (Duration::from_micros(10), "0.001"),
            (Duration::from_millis(2001), "2.001"),
        ] {
            assert_eq!(secs(d), want, "{d:?}");
        }
    }

    #[test]
    fn http_date() {
        let parsed = parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        let RetryAfter::At(t) = parsed else {
            panic!("expected a date, got {parsed:?}")
        };
        let secs = t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
        assert_eq!(secs, 1_445_412_480);
        let before = t - Duration::from_secs(10);
        assert_eq!(parsed.wait_from(before), Duration::from_secs(10));
        assert_eq!(parsed.wait_from(t + Duration::from_secs(5)), Duration::ZERO);
    }

    #[test]
    fn garbage_is_none() {
        for v in [
            "",
            "soon",
            "-5",
            "1e9",
            "12abc",
            "Wed, 99 Foo 2015",
            ".5",
            "5.",
        ] {
            assert_eq!(parse_retry_after(v), None, "{v:?}");
        }
    }

    #[test]
    fn absurd_values_are_clamped() {
        let huge = parse_retry_after("99999999999999999999999999").unwrap();
        assert_eq!(huge, RetryAfter::Delay(Duration::from_secs(MAX_DELTA_SECS)));
        let huge_f = parse_retry_after("99999999999999999999999999.5").unwrap();
        assert_eq!(
            huge_f,
            RetryAfter::Delay(Duration::from_secs(MAX_DELTA_SECS))
        );
    }

    proptest! {
        #[test]
        fn never_panics_on_any_string(s in ".{0,64}") {
            let _ = parse_retry_after(&s);
        }

        #[test]
        fn any_integer_roundtrips(n in 0u64..MAX_DELTA_SECS) {
            prop_assert_eq!(
                parse_retry_after(&n.to_string()),
                Some(RetryAfter::Delay(Duration::from_secs(n)))
            );
        }

        #[test]
        fn formatted_dates_roundtrip(secs in 0u64..4_000_000_000) {
            let t = SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
            let text = httpdate::fmt_http_date(t);
            prop_assert_eq!(parse_retry_after(&text), Some(RetryAfter::At(t)));
        }
    }
}
