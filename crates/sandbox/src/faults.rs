//! Injectable faults: their grammar, parsing and the engine that decides which one fires.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::error::SandboxError;
use crate::stats::RouteKind;

/// Which requests a [`FaultRule`] applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FaultTarget {
    /// `umapi.users`: both user-list endpoints (`/users/{org}/{page}` and `.../{groupName}`).
    UmapiUsers,
    /// `umapi.user`: the single-user lookup.
    UmapiUser,
    /// `umapi.groups`: the group list.
    UmapiGroups,
    /// `umapi.action`: `POST /action`.
    UmapiAction,
    /// `umapi`: all four UMAPI endpoints above.
    Umapi,
    /// `ims`: the token endpoints (client credentials and JWT exchange).
    Ims,
    /// `jumpcloud`: every JumpCloud route (`/api`, `/api/v2`).
    JumpCloud,
    /// `any`: every route.
    Any,
}

impl FaultTarget {
    /// Whether requests of this route kind are targeted.
    pub fn matches(self, kind: RouteKind) -> bool {
        match self {
            FaultTarget::UmapiUsers => kind == RouteKind::UmapiUsers,
            FaultTarget::UmapiUser => kind == RouteKind::UmapiUser,
            FaultTarget::UmapiGroups => kind == RouteKind::UmapiGroups,
            FaultTarget::UmapiAction => kind == RouteKind::UmapiAction,
            FaultTarget::Umapi => kind.is_umapi(),
            FaultTarget::Ims => matches!(kind, RouteKind::ImsToken | RouteKind::ImsJwtExchange),
            FaultTarget::JumpCloud => kind == RouteKind::JumpCloud,
            FaultTarget::Any => true,
        }
    }

    /// The spelling used in fault specifications.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultTarget::UmapiUsers => "umapi.users",
            FaultTarget::UmapiUser => "umapi.user",
            FaultTarget::UmapiGroups => "umapi.groups",
            FaultTarget::UmapiAction => "umapi.action",
            FaultTarget::Umapi => "umapi",
            FaultTarget::Ims => "ims",
            FaultTarget::JumpCloud => "jumpcloud",
            FaultTarget::Any => "any",
        }
    }

    /// Whether the target can include paged routes.
    fn has_paged(self) -> bool {
        matches!(
            self,
            FaultTarget::UmapiUsers
                | FaultTarget::UmapiGroups
                | FaultTarget::Umapi
                | FaultTarget::Any
        )
    }
}

impl FromStr for FaultTarget {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "umapi.users" => FaultTarget::UmapiUsers,
            "umapi.user" => FaultTarget::UmapiUser,
            "umapi.groups" => FaultTarget::UmapiGroups,
            "umapi.action" => FaultTarget::UmapiAction,
            "umapi" => FaultTarget::Umapi,
            "ims" => FaultTarget::Ims,
            "jumpcloud" => FaultTarget::JumpCloud,
            "any" => FaultTarget::Any,
            other => return Err(format!("unknown target {other:?}")),
        })
    }
}

/// How a 429 fault fills its `Retry-After` header.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum RetryAfterValue {
    /// Delta-seconds (fractions allowed: `0.25` is sent as `0.25`).
    Seconds(f64),
    /// An HTTP-date this many seconds in the future.
    DateIn(u64),
}

/// Retry-After values are kept under this many seconds (about 31 years), so that an HTTP-date
/// stays a representable date (before the year 9999).
const MAX_RETRY_AFTER_SECS: u64 = 1_000_000_000;

impl RetryAfterValue {
    /// The header value to send now.
    pub(crate) fn header_value(self) -> String {
        match self {
            RetryAfterValue::Seconds(s) => format_seconds(s),
            RetryAfterValue::DateIn(s) => {
                // Capped: an HTTP-date must stay before the year 9999.
                let ahead = Duration::from_secs(s.min(MAX_RETRY_AFTER_SECS - 1));
                httpdate::fmt_http_date(std::time::SystemTime::now() + ahead)
            }
        }
    }
}

/// Formats seconds without a useless fractional part: `2` or `0.25`.
fn format_seconds(s: f64) -> String {
    if s.fract() == 0.0 {
        format!("{}", s as u64)
    } else {
        let text = format!("{s:.3}");
        text.trim_end_matches('0').to_owned()
    }
}

/// What an injected fault does.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FaultKind {
    /// `429`: answer 429 `{"error_code":"429050","message":"Too many requests"}` with `Retry-After`.
    TooManyRequests {
        /// The `Retry-After` value (default: 1 second).
        retry_after: RetryAfterValue,
    },
    /// `401`, `500`, `502`, `503`, `504` or any other 4xx/5xx: answer that status at once.
    Status(u16),
    /// `delay=MS`: wait this long, then answer normally (to trigger client timeouts).
    Delay(Duration),
    /// `reset`: close the connection without answering.
    Reset,
    /// `truncate`: on paged endpoints, answer an empty page with `lastPage: false` (or a 404 with
    /// `as=404`), as a backend that lost its place mid-stream would.
    Truncate {
        /// Answer 404 instead of an empty page.
        as_404: bool,
    },
    /// `lastpage`: on paged endpoints, answer the page as usual but with `lastPage: true` and
    /// no `X-Page-Count`, as the backend of umapi-client.py #111 did (a listing that ends early
    /// without a sign other than `X-Total-Count`).
    EarlyLastPage,
    /// `result=VALUE`: answer 200 normally but with `result` replaced by this value.
    Result(String),
}

impl FaultKind {
    /// Whether the fault only makes sense on paged endpoints.
    fn paged_only(&self) -> bool {
        matches!(self, FaultKind::Truncate { .. } | FaultKind::EarlyLastPage)
    }
}

/// One fault rule: a target, a fault and when it fires.
///
/// Build one with [`FaultRule::new`] and the trigger methods, or parse one from the fault grammar
/// (`"umapi.action:429:retry-after=2:count=3".parse()`, see [`parse_faults`]).
///
/// Triggers: with `nth` only the K-th matching request (1-based, counted from when the rule was
/// added) fires; with `every` each N-th; with `prob` each matching request with that probability
/// (deterministic from the sandbox seed); otherwise the next `count` matching requests (default 1).
/// `count` also caps `every` and `prob`. `page` restricts a rule to requests for that page of a
/// paged endpoint.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FaultRule {
    /// Which requests it applies to.
    pub target: FaultTarget,
    /// What it does.
    pub kind: FaultKind,
    /// Fire only on the K-th matching request (1-based).
    pub nth: Option<u64>,
    /// Fire at most this many times (default 1 unless `nth`, `every` or `prob` is set).
    pub count: Option<u64>,
    /// Fire on every N-th matching request.
    pub every: Option<u64>,
    /// Fire with this probability (0..=1) on each matching request.
    pub prob: Option<f64>,
    /// Only requests for this page (0-based, as in the path) of a paged endpoint.
    pub page: Option<u64>,
}

impl FaultRule {
    /// A rule that fires once on the next matching request.
    pub fn new(target: FaultTarget, kind: FaultKind) -> FaultRule {
        FaultRule {
            target,
            kind,
            nth: None,
            count: None,
            every: None,
            prob: None,
            page: None,
        }
    }

    /// Fire only on the K-th matching request (1-based).
    pub fn nth(mut self, k: u64) -> Self {
        self.nth = Some(k);
        self
    }

    /// Fire on the next N matching requests (or cap `every`/`prob` at N firings).
    pub fn count(mut self, n: u64) -> Self {
        self.count = Some(n);
        self
    }

    /// Fire on every N-th matching request.
    pub fn every(mut self, n: u64) -> Self {
        self.every = Some(n);
        self
    }

    /// Fire on each matching request with probability `p`.
    pub fn prob(mut self, p: f64) -> Self {
        self.prob = Some(p);
        self
    }

    /// Only requests for page `k` of a paged endpoint.
    pub fn page(mut self, k: u64) -> Self {
        self.page = Some(k);
        self
    }

    /// Whether a request of this kind, for this page, is counted by the rule.
    fn matches(&self, kind: RouteKind, page: Option<u64>) -> bool {
        if !self.target.matches(kind) {
            return false;
        }
        if self.kind.paged_only() && !kind.is_paged() {
            return false;
        }
        match self.page {
            Some(p) => kind.is_paged() && page == Some(p),
            None => true,
        }
    }

    fn check(&self, part: &str) -> Result<(), SandboxError> {
        let err = |reason: &str| {
            Err(SandboxError::FaultSpec {
                part: part.to_owned(),
                reason: reason.to_owned(),
            })
        };
        let triggers = [
            self.nth.is_some(),
            self.every.is_some(),
            self.prob.is_some(),
        ]
        .iter()
        .filter(|t| **t)
        .count();
        if triggers > 1 {
            return err("use only one of nth, every and prob");
        }
        if self.nth.is_some() && self.count.is_some() {
            return err("nth fires once: it cannot be combined with count");
        }
        if self.nth == Some(0) || self.every == Some(0) || self.count == Some(0) {
            return err("nth, every and count start at 1");
        }
        if let Some(p) = self.prob
            && !(0.0..=1.0).contains(&p)
        {
            return err("prob must be between 0 and 1");
        }
        if (self.page.is_some() || self.kind.paged_only()) && !self.target.has_paged() {
            return err(
                "truncate, lastpage and page=K apply only to paged endpoints (umapi.users, umapi.groups, umapi, any)",
            );
        }
        Ok(())
    }
}

impl FromStr for FaultRule {
    type Err = SandboxError;

    fn from_str(rule: &str) -> Result<Self, SandboxError> {
        parse_rule(rule.trim())
    }
}

impl fmt::Display for FaultRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.target.as_str())?;
        match &self.kind {
            FaultKind::TooManyRequests { retry_after } => match retry_after {
                RetryAfterValue::Seconds(s) => write!(f, "429:retry-after={}", format_seconds(*s))?,
                RetryAfterValue::DateIn(s) => write!(f, "429:retry-after-date={s}")?,
            },
            FaultKind::Status(code) => write!(f, "{code}")?,
            FaultKind::Delay(d) => write!(f, "delay={}", d.as_millis())?,
            FaultKind::Reset => write!(f, "reset")?,
            FaultKind::Truncate { as_404 } => {
                write!(f, "truncate")?;
                if *as_404 {
                    write!(f, ":as=404")?;
                }
            }
            FaultKind::EarlyLastPage => write!(f, "lastpage")?,
            FaultKind::Result(v) => write!(f, "result={v}")?,
        }
        let opts = [
            ("nth", self.nth.map(|v| v.to_string())),
            ("count", self.count.map(|v| v.to_string())),
            ("every", self.every.map(|v| v.to_string())),
            ("prob", self.prob.map(|v| v.to_string())),
            ("page", self.page.map(|v| v.to_string())),
        ];
        for (name, value) in opts {
            if let Some(v) = value {
                write!(f, ":{name}={v}")?;
            }
        }
        Ok(())
    }
}

/// Parses a fault specification: `RULE (";" RULE)*`, with `RULE = TARGET ":" FAULT (":" OPTION)*`.
///
/// Empty rules (a trailing `;`) are ignored. See the crate documentation for the whole grammar.
///
/// ```
/// let rules = idm_sandbox::parse_faults("umapi.action:429:retry-after=2:count=3;umapi.users:truncate:page=1")?;
/// assert_eq!(rules.len(), 2);
/// # Ok::<(), idm_sandbox::SandboxError>(())
/// ```
pub fn parse_faults(spec: &str) -> Result<Vec<FaultRule>, SandboxError> {
    spec.split(';')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(parse_rule)
        .collect()
}

fn parse_rule(rule: &str) -> Result<FaultRule, SandboxError> {
    let bad = |part: &str, reason: String| SandboxError::FaultSpec {
        part: part.to_owned(),
        reason,
    };
    let mut parts = rule.split(':').map(str::trim);
    let target_text = parts.next().unwrap_or_default();
    if target_text.is_empty() {
        return Err(bad(rule, "the rule has no target".into()));
    }
    let target: FaultTarget = target_text.parse().map_err(|e| bad(target_text, e))?;
    let fault_text = parts
        .next()
        .filter(|f| !f.is_empty())
        .ok_or_else(|| bad(rule, "the rule has no fault after the target".into()))?;
    let kind = parse_fault(fault_text).map_err(|e| bad(fault_text, e))?;
    let mut rule_out = FaultRule::new(target, kind);
    for opt in parts {
        let (name, value) = opt
            .split_once('=')
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim()))
            .ok_or_else(|| bad(opt, "options have the form NAME=VALUE".into()))?;
        let int = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| bad(opt, format!("{name} needs a whole number, got {v:?}")))
        };
        match name.as_str() {
            "nth" => rule_out.nth = Some(int(value)?),
            "count" => rule_out.count = Some(int(value)?),
            "every" => rule_out.every = Some(int(value)?),
            "page" => rule_out.page = Some(int(value)?),
            "prob" => {
                let p = value
                    .parse::<f64>()
                    .ok()
                    .filter(|p| p.is_finite())
                    .ok_or_else(|| {
                        bad(opt, format!("prob needs a number in 0..1, got {value:?}"))
                    })?;
                rule_out.prob = Some(p);
            }
            "retry-after" | "retry-after-date" => {
                let FaultKind::TooManyRequests { retry_after } = &mut rule_out.kind else {
                    return Err(bad(opt, format!("{name} applies only to the 429 fault")));
                };
                *retry_after = if name == "retry-after" {
                    let s = value
                        .parse::<f64>()
                        .ok()
                        .filter(|s| s.is_finite() && *s >= 0.0 && *s < MAX_RETRY_AFTER_SECS as f64)
                        .ok_or_else(|| {
                            bad(
                                opt,
                                format!("retry-after needs seconds (e.g. 2 or 0.5), got {value:?}"),
                            )
                        })?;
                    RetryAfterValue::Seconds(s)
                } else {
                    let s = int(value)?;
                    if s >= MAX_RETRY_AFTER_SECS {
                        return Err(bad(
                            opt,
                            format!("retry-after-date needs fewer than 1e9 seconds, got {value}"),
                        ));
                    }
                    RetryAfterValue::DateIn(s)
                };
            }
            "as" => {
                let FaultKind::Truncate { as_404 } = &mut rule_out.kind else {
                    return Err(bad(opt, "as=404 applies only to the truncate fault".into()));
                };
                if value != "404" {
                    return Err(bad(opt, "the only accepted value is as=404".into()));
                }
                *as_404 = true;
            }
            other => return Err(bad(opt, format!("unknown option {other:?}"))),
        }
    }
    rule_out.check(rule)?;
    Ok(rule_out)
}

fn parse_fault(text: &str) -> Result<FaultKind, String> {
    let lower = text.to_ascii_lowercase();
    if let Some(ms) = lower.strip_prefix("delay=") {
        let ms: u64 = ms
            .trim()
            .parse()
            .map_err(|_| format!("delay needs milliseconds, got {ms:?}"))?;
        return Ok(FaultKind::Delay(Duration::from_millis(ms)));
    }
    if let Some(value) = text.split_once('=').and_then(|(k, v)| {
        k.trim()
            .eq_ignore_ascii_case("result")
            .then(|| v.trim().to_owned())
    }) {
        if value.is_empty() {
            return Err("result needs a value, e.g. result=error".into());
        }
        return Ok(FaultKind::Result(value));
    }
    match lower.as_str() {
        "reset" => return Ok(FaultKind::Reset),
        "truncate" => return Ok(FaultKind::Truncate { as_404: false }),
        "lastpage" => return Ok(FaultKind::EarlyLastPage),
        "429" => {
            return Ok(FaultKind::TooManyRequests {
                retry_after: RetryAfterValue::Seconds(1.0),
            });
        }
        _ => {}
    }
    match lower.parse::<u16>() {
        Ok(code) if (400..=599).contains(&code) => Ok(FaultKind::Status(code)),
        _ => Err(format!("unknown fault {text:?}")),
    }
}

/// Per-rule counters.
#[derive(Debug, Default)]
struct RuleState {
    seen: u64,
    fired: u64,
}

/// The live fault rules of a sandbox.
#[derive(Debug)]
pub(crate) struct FaultEngine {
    rules: Vec<(FaultRule, RuleState)>,
    rng: fastrand::Rng,
}

impl FaultEngine {
    pub(crate) fn new(rules: Vec<FaultRule>, seed: u64) -> FaultEngine {
        FaultEngine {
            rules: rules
                .into_iter()
                .map(|r| (r, RuleState::default()))
                .collect(),
            rng: fastrand::Rng::with_seed(seed ^ 0x5eed_fa17),
        }
    }

    pub(crate) fn add(&mut self, rule: FaultRule) {
        self.rules.push((rule, RuleState::default()));
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    /// Counts the request against every matching rule and returns the fault of the first rule that
    /// fires, if any.
    pub(crate) fn decide(&mut self, kind: RouteKind, page: Option<u64>) -> Option<FaultKind> {
        let mut chosen = None;
        for (rule, state) in &mut self.rules {
            if !rule.matches(kind, page) {
                continue;
            }
            state.seen += 1;
            if chosen.is_some() {
                continue;
            }
            let under_cap = |cap: Option<u64>, default: u64| state.fired < cap.unwrap_or(default);
            let fires = if let Some(k) = rule.nth {
                state.seen == k
            } else if let Some(n) = rule.every {
                state.seen % n == 0 && under_cap(rule.count, u64::MAX)
            } else if let Some(p) = rule.prob {
                under_cap(rule.count, u64::MAX) && self.rng.f64() < p
            } else {
                under_cap(rule.count, 1)
            };
            if fires {
                state.fired += 1;
                chosen = Some(rule.kind.clone());
            }
        }
        // Forget rules that can never fire again.
        self.rules.retain(|(rule, state)| {
            if let Some(k) = rule.nth {
                state.seen < k
            } else if rule.every.is_some() || rule.prob.is_some() {
                rule.count.is_none_or(|c| state.fired < c)
            } else {
                state.fired < rule.count.unwrap_or(1)
            }
        });
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_example() {
        let rules =
            parse_faults("umapi.action:429:retry-after=2:count=3;umapi.users:truncate:page=1")
                .unwrap();
        assert_eq!(
            rules[0],
            FaultRule::new(
                FaultTarget::UmapiAction,
                FaultKind::TooManyRequests {
                    retry_after: RetryAfterValue::Seconds(2.0)
                }
            )
            .count(3)
        );
        assert_eq!(
            rules[1],
            FaultRule::new(
                FaultTarget::UmapiUsers,
                FaultKind::Truncate { as_404: false }
            )
            .page(1)
        );
        assert_eq!(
            rules[0].to_string(),
            "umapi.action:429:retry-after=2:count=3"
        );
    }

    #[test]
    fn round_trips() {
        for spec in [
            "ims:500",
            "any:delay=250:every=2",
            "umapi:reset:count=2:prob=0.5",
            "umapi.groups:truncate:as=404:nth=2",
            "umapi.users:lastpage:page=1",
            "umapi.user:result=error",
            "umapi.action:429:retry-after-date=30",
            "umapi.action:429:retry-after=0.25",
        ] {
            let rule: FaultRule = spec.parse().unwrap();
            assert_eq!(rule.to_string(), spec);
        }
    }

    #[test]
    fn rejects_bad_parts() {
        for (spec, part) in [
            ("umapi.nope:500", "umapi.nope"),
            ("umapi:teapot", "teapot"),
            ("umapi:500:often=2", "often=2"),
            ("umapi:500:nth=x", "nth=x"),
            ("umapi.action:truncate", "umapi.action:truncate"),
            ("umapi.action:lastpage", "umapi.action:lastpage"),
            ("umapi:500:retry-after=2", "retry-after=2"),
            (
                "umapi:429:retry-after-date=300000000000",
                "retry-after-date=300000000000",
            ),
            ("umapi", "umapi"),
        ] {
            match parse_faults(spec) {
                Err(SandboxError::FaultSpec { part: p, .. }) => assert_eq!(p, part, "{spec}"),
                other => panic!("{spec}: {other:?}"),
            }
        }
        // Built in code, a date past the year 9999 is capped rather than a panic.
        let far = RetryAfterValue::DateIn(u64::MAX).header_value();
        assert!(far.ends_with("GMT"), "{far}");
        let msg = parse_faults("x:500").unwrap_err().to_string();
        assert!(msg.contains("TARGET = umapi.users"), "{msg}");
    }

    #[test]
    fn triggers() {
        let mut e = FaultEngine::new(
            vec![
                FaultRule::new(FaultTarget::UmapiAction, FaultKind::Status(500)).count(2),
                FaultRule::new(FaultTarget::UmapiAction, FaultKind::Status(502)),
            ],
            1,
        );
        let got: Vec<_> = (0..4)
            .map(|_| e.decide(RouteKind::UmapiAction, None))
            .collect();
        assert_eq!(
            got,
            vec![
                Some(FaultKind::Status(500)),
                Some(FaultKind::Status(500)),
                Some(FaultKind::Status(502)),
                None
            ]
        );
        let mut e = FaultEngine::new(
            vec![FaultRule::new(FaultTarget::Umapi, FaultKind::Status(503)).nth(3)],
            1,
        );
        let got: Vec<_> = (0..4)
            .map(|_| e.decide(RouteKind::UmapiUser, None).is_some())
            .collect();
        assert_eq!(got, vec![false, false, true, false]);
        let mut e = FaultEngine::new(
            vec![FaultRule::new(FaultTarget::Any, FaultKind::Status(503)).every(2)],
            1,
        );
        let got: Vec<_> = (0..4)
            .map(|_| e.decide(RouteKind::Status, None).is_some())
            .collect();
        assert_eq!(got, vec![false, true, false, true]);
        let mut e = FaultEngine::new(
            vec![FaultRule::new(FaultTarget::UmapiUsers, FaultKind::Reset).page(1)],
            1,
        );
        assert!(e.decide(RouteKind::UmapiUsers, Some(0)).is_none());
        assert!(e.decide(RouteKind::UmapiUsers, Some(1)).is_some());
    }
}
