//! Injectable faults: their grammar, parsing and the engine that decides which one fires.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::error::SandboxError;
use crate::route_kind::RouteKind;

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
mod tests;
