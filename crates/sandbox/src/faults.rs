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
    /// `jumpcloud.v1`: the JumpCloud v1 routes (`/api`, not `/api/v2`).
    JumpCloudV1,
    /// `jumpcloud.v2`: the JumpCloud v2 routes (`/api/v2`).
    JumpCloudV2,
    /// `any`: every route.
    Any,
}

impl FaultTarget {
    /// Every target, in the order of the fault grammar.
    pub const ALL: [FaultTarget; 10] = [
        FaultTarget::UmapiUsers,
        FaultTarget::UmapiUser,
        FaultTarget::UmapiGroups,
        FaultTarget::UmapiAction,
        FaultTarget::Umapi,
        FaultTarget::Ims,
        FaultTarget::JumpCloud,
        FaultTarget::JumpCloudV1,
        FaultTarget::JumpCloudV2,
        FaultTarget::Any,
    ];

    /// Whether requests of this route kind are targeted. `jumpcloud.v1` and `jumpcloud.v2`
    /// target some of the [`RouteKind::JumpCloud`] requests: those of their API version.
    pub fn matches(self, kind: RouteKind) -> bool {
        match self {
            FaultTarget::UmapiUsers => kind == RouteKind::UmapiUsers,
            FaultTarget::UmapiUser => kind == RouteKind::UmapiUser,
            FaultTarget::UmapiGroups => kind == RouteKind::UmapiGroups,
            FaultTarget::UmapiAction => kind == RouteKind::UmapiAction,
            FaultTarget::Umapi => kind.is_umapi(),
            FaultTarget::Ims => matches!(kind, RouteKind::ImsToken | RouteKind::ImsJwtExchange),
            FaultTarget::JumpCloud | FaultTarget::JumpCloudV1 | FaultTarget::JumpCloudV2 => {
                kind == RouteKind::JumpCloud
            }
            FaultTarget::Any => true,
        }
    }

    /// Whether one request is targeted: its route kind and, for JumpCloud, its API version.
    fn matches_request(self, asked: &Asked) -> bool {
        match self {
            FaultTarget::JumpCloudV1 => asked.kind == RouteKind::JumpCloud && !asked.jumpcloud_v2,
            FaultTarget::JumpCloudV2 => asked.kind == RouteKind::JumpCloud && asked.jumpcloud_v2,
            other => other.matches(asked.kind),
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
            FaultTarget::JumpCloudV1 => "jumpcloud.v1",
            FaultTarget::JumpCloudV2 => "jumpcloud.v2",
            FaultTarget::Any => "any",
        }
    }

    /// Whether the target includes UMAPI's paged lists (users, groups).
    fn has_umapi_pages(self) -> bool {
        matches!(
            self,
            FaultTarget::UmapiUsers
                | FaultTarget::UmapiGroups
                | FaultTarget::Umapi
                | FaultTarget::Any
        )
    }

    /// Whether the target includes listings of any API (UMAPI pages, JumpCloud listings).
    fn has_listings(self) -> bool {
        self.has_umapi_pages()
            || matches!(
                self,
                FaultTarget::JumpCloud | FaultTarget::JumpCloudV1 | FaultTarget::JumpCloudV2
            )
    }

    /// The spellings of the targets that pass `keep`, for error messages: `a, b, c`.
    fn names_where(keep: fn(FaultTarget) -> bool) -> String {
        let names: Vec<&str> = FaultTarget::ALL
            .into_iter()
            .filter(|t| keep(*t))
            .map(FaultTarget::as_str)
            .collect();
        names.join(", ")
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
            "jumpcloud.v1" => FaultTarget::JumpCloudV1,
            "jumpcloud.v2" => FaultTarget::JumpCloudV2,
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
    /// `truncate`: on listings, answer an empty page (UMAPI: with `lastPage: false`; JumpCloud:
    /// `totalCount` kept), or a 404 with `as=404`, as a backend that lost its place mid-stream
    /// would.
    Truncate {
        /// Answer 404 instead of an empty page.
        as_404: bool,
    },
    /// `lastpage`: on UMAPI's paged lists, answer the page as usual but with `lastPage: true`
    /// and no `X-Page-Count`, as the backend of umapi-client.py #111 did (a listing that ends
    /// early without a sign other than `X-Total-Count`).
    EarlyLastPage,
    /// `result=VALUE`: answer 200 normally but with `result` replaced by this value.
    Result(String),
    /// `short`: on listings, the page without its second half (at least one item dropped),
    /// while every count says the page is whole: UMAPI's `X-Total-Count`, `X-Page-Count`,
    /// `X-Page-Size` and `lastPage`, JumpCloud v1's `totalCount`. A JumpCloud v2 page (a JSON
    /// array) is just shorter, so a middle page looks like the last one. A page with no items
    /// is answered as it is.
    Short,
    /// `duplicate`: on listings, page K answers the items of page K-1 again, with page K's
    /// headers, `totalCount` and `lastPage`. It never fires on the first page (UMAPI page 0,
    /// JumpCloud `skip` < `limit`); there it does not count the request either.
    Duplicate,
    /// `malformed`: answer 200 with `content-type: application/json` and a body that is not
    /// JSON (the first half of the real body, then garbage). The request is served.
    Malformed,
    /// `html`: answer 200 with `content-type: text/html` and a proxy's "502 Bad Gateway" page.
    /// The request is not served.
    Html,
    /// `cut`: the real answer with the `Content-Length` of its whole body, but only the first
    /// half of the body is sent before the connection is closed. The request is served; an
    /// answer with an empty body is sent whole.
    Cut,
}

/// Where a fault can fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// On any route.
    Anywhere,
    /// On listings only: UMAPI's paged lists and JumpCloud's listings.
    Listings,
    /// On UMAPI's paged lists only (JumpCloud pages carry no last-page flag).
    UmapiPages,
}

impl FaultKind {
    fn scope(&self) -> Scope {
        match self {
            FaultKind::Truncate { .. } | FaultKind::Short | FaultKind::Duplicate => Scope::Listings,
            FaultKind::EarlyLastPage => Scope::UmapiPages,
            FaultKind::TooManyRequests { .. }
            | FaultKind::Status(_)
            | FaultKind::Delay(_)
            | FaultKind::Reset
            | FaultKind::Result(_)
            | FaultKind::Malformed
            | FaultKind::Html
            | FaultKind::Cut => Scope::Anywhere,
        }
    }
}

/// What the fault engine knows of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Asked {
    /// The route kind.
    pub kind: RouteKind,
    /// A JumpCloud request under `/api/v2` (rather than v1's `/api`).
    pub jumpcloud_v2: bool,
    /// The page asked for, when the route is a listing.
    pub listing: Option<PageAsked>,
}

/// Which page of a listing a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageAsked {
    /// The page number (0-based), when the request names a whole page.
    pub page: Option<u64>,
    /// Whether a previous page exists (the request is not for the first page).
    pub has_previous: bool,
}

impl Asked {
    /// A request of a route that is not a listing.
    #[cfg(test)]
    fn plain(kind: RouteKind) -> Asked {
        Asked {
            kind,
            jumpcloud_v2: false,
            listing: None,
        }
    }

    /// A request for page `page` of a UMAPI list.
    #[cfg(test)]
    fn umapi_page(kind: RouteKind, page: u64) -> Asked {
        Asked {
            kind,
            jumpcloud_v2: false,
            listing: Some(PageAsked {
                page: Some(page),
                has_previous: page > 0,
            }),
        }
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
/// listing: UMAPI's `{page}`, or on JumpCloud the request whose `skip` is `page × limit`.
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
    /// Only requests for this page (0-based) of a listing: UMAPI's `{page}` path segment;
    /// JumpCloud's `skip` = page × `limit` (`limit` as sent, default 10).
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

    /// Only requests for page `k` (0-based) of a listing (see [`FaultRule::page`](Self::page)).
    pub fn page(mut self, k: u64) -> Self {
        self.page = Some(k);
        self
    }

    /// Whether a request is counted by the rule.
    fn matches(&self, asked: &Asked) -> bool {
        if !self.target.matches_request(asked) {
            return false;
        }
        let fits = match self.kind.scope() {
            Scope::Anywhere => true,
            Scope::Listings => asked.listing.is_some(),
            Scope::UmapiPages => asked.listing.is_some() && asked.kind.is_paged(),
        };
        if !fits {
            return false;
        }
        if self.kind == FaultKind::Duplicate && !asked.listing.is_some_and(|l| l.has_previous) {
            return false;
        }
        match self.page {
            Some(p) => asked.listing.is_some_and(|l| l.page == Some(p)),
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
        let scope = self.kind.scope();
        if (self.page.is_some() || scope == Scope::Listings) && !self.target.has_listings() {
            let what = match &self.kind {
                FaultKind::Truncate { .. } => "truncate",
                FaultKind::Short => "short",
                FaultKind::Duplicate => "duplicate",
                _ => "page=K",
            };
            return err(&format!(
                "{what} applies only to listings (UMAPI's user and group lists, JumpCloud's paged lists), so only to the targets {}",
                FaultTarget::names_where(FaultTarget::has_listings)
            ));
        }
        if scope == Scope::UmapiPages && !self.target.has_umapi_pages() {
            return err(&format!(
                "lastpage applies only to UMAPI's paged lists (JumpCloud pages have no last-page flag), so only to the targets {}",
                FaultTarget::names_where(FaultTarget::has_umapi_pages)
            ));
        }
        if self.kind == FaultKind::Duplicate && self.page == Some(0) {
            return err("duplicate never fires on page 0: there is no previous page");
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
            FaultKind::Short => write!(f, "short")?,
            FaultKind::Duplicate => write!(f, "duplicate")?,
            FaultKind::Malformed => write!(f, "malformed")?,
            FaultKind::Html => write!(f, "html")?,
            FaultKind::Cut => write!(f, "cut")?,
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
/// Empty rules (a trailing `;`) are ignored. See the crate documentation for the whole grammar;
/// an error shows it too.
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
        "short" => return Ok(FaultKind::Short),
        "duplicate" => return Ok(FaultKind::Duplicate),
        "malformed" => return Ok(FaultKind::Malformed),
        "html" => return Ok(FaultKind::Html),
        "cut" => return Ok(FaultKind::Cut),
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

    /// Whether no rule is live (then no request needs looking at).
    pub(crate) fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Counts the request against every matching rule and returns the fault of the first rule that
    /// fires, if any.
    pub(crate) fn decide(&mut self, asked: &Asked) -> Option<FaultKind> {
        let mut chosen = None;
        for (rule, state) in &mut self.rules {
            if !rule.matches(asked) {
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
            "umapi.users:short:page=2",
            "jumpcloud.v1:duplicate:every=2",
            "jumpcloud.v2:truncate:as=404",
            "jumpcloud:short",
            "any:malformed:count=3",
            "ims:html",
            "umapi.action:cut:nth=2",
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
            ("umapi.action:short", "umapi.action:short"),
            ("umapi.user:duplicate", "umapi.user:duplicate"),
            ("ims:truncate", "ims:truncate"),
            ("ims:500:page=1", "ims:500:page=1"),
            ("jumpcloud:lastpage", "jumpcloud:lastpage"),
            (
                "jumpcloud.v2:lastpage:page=1",
                "jumpcloud.v2:lastpage:page=1",
            ),
            (
                "umapi.users:duplicate:page=0",
                "umapi.users:duplicate:page=0",
            ),
            ("umapi:cut:as=404", "as=404"),
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
        assert!(msg.contains("TARGET = umapi.users | umapi.user"), "{msg}");
        // The reasons name the targets a fault may take, from the one list of targets.
        let msg = parse_faults("ims:500:page=1").unwrap_err().to_string();
        assert!(msg.contains(": page=K applies only to listings"), "{msg}");
        let msg = parse_faults("umapi.action:short").unwrap_err().to_string();
        assert!(msg.contains(": short applies only to listings"), "{msg}");
        assert!(
            msg.contains("only to the targets umapi.users, umapi.groups, umapi, jumpcloud, jumpcloud.v1, jumpcloud.v2, any"),
            "{msg}"
        );
        let msg = parse_faults("jumpcloud:lastpage").unwrap_err().to_string();
        assert!(
            msg.contains(
                "only to the targets umapi.users, umapi.groups, umapi, any\nfault grammar: "
            ),
            "{msg}"
        );
    }

    /// One rule of each fault kind, as the grammar spells it.
    const EVERY_FAULT: [&str; 14] = [
        "429",
        "401",
        "500",
        "503",
        "delay=5",
        "reset",
        "malformed",
        "html",
        "cut",
        "result=error",
        "truncate",
        "short",
        "duplicate",
        "lastpage",
    ];

    #[test]
    fn the_grammar_names_every_target_and_fault_and_is_in_the_readme() {
        let grammar = crate::error::FAULT_GRAMMAR;
        // The summary in errors lists the alternatives of each rule.
        let summary = crate::error::fault_grammar_summary();
        let alternatives = |rule: &str| -> Vec<String> {
            let start = summary
                .find(&format!("{rule} = "))
                .unwrap_or_else(|| panic!("{rule}: {summary}"));
            let rest = &summary[start + rule.len() + 3..];
            rest[..rest.find(';').unwrap_or(rest.len())]
                .split(" | ")
                .map(str::to_owned)
                .collect()
        };
        let names: Vec<&str> = FaultTarget::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(alternatives("TARGET"), names, "{summary}");
        for target in FaultTarget::ALL {
            assert_eq!(target.as_str().parse::<FaultTarget>(), Ok(target));
        }
        let faults = alternatives("FAULT");
        assert_eq!(
            faults,
            [
                "429",
                "401",
                "500",
                "502",
                "503",
                "504",
                "<other 4xx/5xx>",
                "delay=MS",
                "reset",
                "malformed",
                "html",
                "cut",
                "result=VALUE",
                "truncate",
                "short",
                "duplicate",
                "lastpage"
            ],
            "{summary}"
        );
        assert_eq!(
            alternatives("OPTION"),
            [
                "nth=K",
                "count=N",
                "every=N",
                "prob=P",
                "page=K",
                "retry-after=S",
                "retry-after-date=S",
                "as=404"
            ],
            "{summary}"
        );
        assert!(
            summary.contains(r#"RULE = TARGET ":" FAULT (":" OPTION)*"#),
            "{summary}"
        );
        assert!(
            !summary.contains('\n') && !summary.contains("PAGED"),
            "{summary}"
        );
        for fault in EVERY_FAULT {
            let word = fault.split('=').next().unwrap_or_default();
            assert!(
                faults.iter().any(|f| f.split('=').next() == Some(word)),
                "{word}"
            );
            // Every spelling parses on a target that takes it, and round-trips.
            let rule: FaultRule = format!("umapi.users:{fault}").parse().unwrap();
            assert!(
                rule.to_string()
                    .starts_with(&format!("umapi.users:{fault}")),
                "{rule}"
            );
        }
        // Every kind is in the list above: the match has no catch-all, so a new kind stops
        // this test from compiling until it is handled here (and so in the list).
        let index = |kind: FaultKind| match kind {
            FaultKind::TooManyRequests { .. } => 0,
            FaultKind::Status(_) => 1,
            FaultKind::Delay(_) => 2,
            FaultKind::Reset => 3,
            FaultKind::Truncate { .. } => 4,
            FaultKind::EarlyLastPage => 5,
            FaultKind::Result(_) => 6,
            FaultKind::Short => 7,
            FaultKind::Duplicate => 8,
            FaultKind::Malformed => 9,
            FaultKind::Html => 10,
            FaultKind::Cut => 11,
        };
        let covered: std::collections::BTreeSet<usize> = EVERY_FAULT
            .iter()
            .map(|f| index(parse_fault(f).unwrap()))
            .collect();
        assert_eq!(covered, (0..12).collect());
        // The README shows the same grammar, line for line.
        let readme = include_str!("../README.md");
        assert!(
            readme.contains(grammar),
            "README.md's fault grammar differs from src/fault_grammar.txt"
        );
    }

    fn jumpcloud(v2: bool, page: Option<u64>, has_previous: bool) -> Asked {
        Asked {
            kind: RouteKind::JumpCloud,
            jumpcloud_v2: v2,
            listing: Some(PageAsked { page, has_previous }),
        }
    }

    #[test]
    fn listing_faults_match_only_listings_and_duplicate_skips_the_first_page() {
        let rule = |spec: &str| spec.parse::<FaultRule>().unwrap();
        let plain_jc = Asked::plain(RouteKind::JumpCloud);
        // short and truncate: listings of both APIs, never a single object.
        assert!(rule("any:short").matches(&jumpcloud(false, Some(0), false)));
        assert!(rule("any:short").matches(&Asked::umapi_page(RouteKind::UmapiGroups, 0)));
        assert!(!rule("any:short").matches(&plain_jc));
        assert!(!rule("any:truncate").matches(&Asked::plain(RouteKind::UmapiUser)));
        // lastpage: UMAPI pages only, even with a broad target.
        assert!(!rule("any:lastpage").matches(&jumpcloud(false, Some(1), true)));
        assert!(rule("any:lastpage").matches(&Asked::umapi_page(RouteKind::UmapiUsers, 1)));
        // duplicate: only where a previous page exists.
        assert!(!rule("jumpcloud:duplicate").matches(&jumpcloud(true, Some(0), false)));
        assert!(!rule("jumpcloud:duplicate").matches(&jumpcloud(true, None, false)));
        assert!(rule("jumpcloud:duplicate").matches(&jumpcloud(true, None, true)));
        assert!(
            !rule("umapi.users:duplicate").matches(&Asked::umapi_page(RouteKind::UmapiUsers, 0))
        );
        // page=K: the page of a listing; a request between pages (JumpCloud skip not a multiple
        // of limit) is no page.
        assert!(rule("jumpcloud:500:page=2").matches(&jumpcloud(true, Some(2), true)));
        assert!(!rule("jumpcloud:500:page=2").matches(&jumpcloud(true, None, true)));
        assert!(!rule("jumpcloud:500:page=0").matches(&plain_jc));
        // The API version of the JumpCloud sub-targets.
        assert!(rule("jumpcloud.v2:html").matches(&jumpcloud(true, None, false)));
        assert!(!rule("jumpcloud.v2:html").matches(&plain_jc));
        assert!(rule("jumpcloud.v1:html").matches(&plain_jc));
        assert!(!rule("jumpcloud.v1:html").matches(&Asked::plain(RouteKind::UmapiAction)));
        // Faults of any route fire anywhere.
        for fault in ["malformed", "html", "cut"] {
            assert!(rule(&format!("any:{fault}")).matches(&Asked::plain(RouteKind::ImsToken)));
        }
        // A duplicate rule does not count the first page: its count is kept for page 1.
        let mut e = FaultEngine::new(vec![rule("umapi.users:duplicate")], 1);
        assert_eq!(e.decide(&Asked::umapi_page(RouteKind::UmapiUsers, 0)), None);
        assert_eq!(
            e.decide(&Asked::umapi_page(RouteKind::UmapiUsers, 1)),
            Some(FaultKind::Duplicate)
        );
        assert!(e.is_empty());
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
            .map(|_| e.decide(&Asked::plain(RouteKind::UmapiAction)))
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
            .map(|_| e.decide(&Asked::plain(RouteKind::UmapiUser)).is_some())
            .collect();
        assert_eq!(got, vec![false, false, true, false]);
        let mut e = FaultEngine::new(
            vec![FaultRule::new(FaultTarget::Any, FaultKind::Status(503)).every(2)],
            1,
        );
        let got: Vec<_> = (0..4)
            .map(|_| e.decide(&Asked::plain(RouteKind::Status)).is_some())
            .collect();
        assert_eq!(got, vec![false, true, false, true]);
        let mut e = FaultEngine::new(
            vec![FaultRule::new(FaultTarget::UmapiUsers, FaultKind::Reset).page(1)],
            1,
        );
        assert!(
            e.decide(&Asked::umapi_page(RouteKind::UmapiUsers, 0))
                .is_none()
        );
        assert!(
            e.decide(&Asked::umapi_page(RouteKind::UmapiUsers, 1))
                .is_some()
        );
    }
}
