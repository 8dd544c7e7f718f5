//! Directory Insights: JumpCloud's audit log (`https://api.jumpcloud.com/insights/directory/v1`;
//! `api.eu.jumpcloud.com` and `api.in.jumpcloud.com` for the EU and India regions, chosen from
//! the client's console URL).
//!
//! ```no_run
//! # async fn run(client: jumpcloud::Client) -> jumpcloud::Result<()> {
//! use futures_util::TryStreamExt;
//! use jumpcloud::insights::since;
//!
//! // Every directory event of the last day, oldest first, one page in memory at a time.
//! let mut events = std::pin::pin!(client
//!     .insights()
//!     .events(since(std::time::Duration::from_secs(86_400)))
//!     .service("directory")
//!     .filter("event_type", "user_create")
//!     .stream());
//! while let Some(e) = events.try_next().await? {
//!     println!("{} {} {:?}", e.timestamp, e.event_type, e.resource);
//! }
//! # Ok(()) }
//! ```
//!
//! Events page by `search_after`: each answer's `X-Search_after` header is the cursor of the
//! next, and a page shorter than `X-Limit` (or than the page size asked for) is the last.
//! [`EventQuery::stream`] follows that, checking every page (its `X-Result-Count` against what
//! came, a non-empty cursor on every full page, a cursor that moves on from the one sent), so a
//! listing is never silently short or looping. The typed fields of an event are read leniently
//! (a number where text is expected, `"true"` for a boolean): one odd event never fails a page.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_core::Stream;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::catalog::{Api, BodyKind, Location, Operation, Param, ParamKind, ResponseKind, Source};
use crate::client::Client;
use crate::error::{Error, Result};

/// The largest page Directory Insights serves, and the default page size.
pub const MAX_PAGE_SIZE: u64 = 10_000;

const fn op(
    id: &'static str,
    method: &'static str,
    path: &'static str,
    params: &'static [Param],
    body: BodyKind,
) -> Operation {
    Operation {
        id,
        api: Api::Insights,
        method,
        path,
        tags: &["Directory Insights"],
        summary: "",
        params,
        body,
        response: ResponseKind::Json,
        paging: None,
        source: Source::DirectoryInsights,
    }
}

const JSON: BodyKind = BodyKind::Json { required: true };

/// The Directory Insights operations (from JumpCloud's Directory Insights spec).
pub static OPERATIONS: [Operation; 7] = [
    op("events_get", "POST", "/events", &[], JSON),
    op("events_count", "POST", "/events/count", &[], JSON),
    op("events_distinct", "POST", "/events/distinct", &[], JSON),
    op("events_interval", "POST", "/events/interval", &[], JSON),
    op("reports_list", "GET", "/reports", &[], BodyKind::None),
    op(
        "reports_create",
        "POST",
        "/reports/{report_type}",
        &[Param::new(
            "report_type",
            Location::Path,
            true,
            ParamKind::String,
        )],
        BodyKind::None,
    ),
    op(
        "report_artifact_content",
        "GET",
        "/reports/{report_id}/artifacts/{artifact_id}/content",
        &[
            Param::new("report_id", Location::Path, true, ParamKind::String),
            Param::new("artifact_id", Location::Path, true, ParamKind::String),
        ],
        BodyKind::None,
    ),
];

fn operation(id: &str) -> &'static Operation {
    OPERATIONS
        .iter()
        .find(|o| o.id == id)
        .unwrap_or(&OPERATIONS[0])
}

// Events come from many services, each with its own habits: the typed fields are read
// leniently, so that one oddly typed field never fails a whole page.

/// A text field: a string as it is, a number or boolean as its text, anything else as absent.
fn text<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

/// A text field that every event has: absent or null is empty.
fn text_or_empty<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    Ok(text(d)?.unwrap_or_default())
}

/// A yes/no field: a boolean, or its text (`"true"`, `"false"`).
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<bool>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => Some(b),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// Who or what: an object; anything else (a bare name) as an actor with only that id.
fn actor<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<Actor>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        object @ Value::Object(_) => serde_json::from_value(object).ok(),
        other => Some(Actor {
            id: text(other).unwrap_or_default(),
            ..Actor::default()
        }),
    })
}

/// Who did something, or what it was done to (`initiated_by`, `resource`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Actor {
    /// Its id.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<String>,
    /// Its type (`admin`, `user`, `system`, `user_group`...).
    #[serde(
        rename = "type",
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub kind: Option<String>,
    /// An email, for administrators and users.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub email: Option<String>,
    /// A username, for users.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub username: Option<String>,
    /// Everything else it carries.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One event: the envelope every event has, typed, and the rest as JSON.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Event {
    /// Its id.
    #[serde(default, deserialize_with = "text_or_empty")]
    pub id: String,
    /// The service that logged it (`directory`, `sso`, `radius`, `ldap`, `systems`...).
    #[serde(default, deserialize_with = "text_or_empty")]
    pub service: String,
    /// What happened (`user_create`, `association_change`, `admin_login_attempt`...).
    #[serde(default, deserialize_with = "text_or_empty")]
    pub event_type: String,
    /// When, RFC 3339 in UTC.
    #[serde(default, deserialize_with = "text_or_empty")]
    pub timestamp: String,
    /// Who did it.
    #[serde(
        default,
        deserialize_with = "actor",
        skip_serializing_if = "Option::is_none"
    )]
    pub initiated_by: Option<Actor>,
    /// What it was done to.
    #[serde(
        default,
        deserialize_with = "actor",
        skip_serializing_if = "Option::is_none"
    )]
    pub resource: Option<Actor>,
    /// The address it came from.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub client_ip: Option<String>,
    /// Whether it succeeded.
    #[serde(
        default,
        deserialize_with = "flag",
        skip_serializing_if = "Option::is_none"
    )]
    pub success: Option<bool>,
    /// The organisation.
    #[serde(
        default,
        deserialize_with = "text",
        skip_serializing_if = "Option::is_none"
    )]
    pub organization: Option<String>,
    /// Every other field of the event (`changes`, `association`, `geoip`, `useragent`...).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Where a listing of events stopped: send it back as [`EventQuery::after`] to continue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(pub Value);

/// One page of events and the cursor after it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EventPage {
    /// The events, in the query's order.
    pub events: Vec<Event>,
    /// The cursor after the last event (`None` when the page is empty).
    pub next: Option<Cursor>,
    /// Whether this was the last page (shorter than the page size).
    pub last: bool,
}

/// A value and how many events have it (`events/distinct`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Bucket {
    /// The value.
    pub key: String,
    /// How many events have it.
    pub count: u64,
}

/// The values of a field among the matching events (`events/distinct`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Distinct {
    /// The values, each with how many events have it, most frequent first.
    pub buckets: Vec<Bucket>,
    /// How many matching events have a value not listed: JumpCloud lists the most frequent
    /// values only, so when this is above 0 the list is not the whole.
    pub others: u64,
}

/// Events in one time interval (`events/interval`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IntervalBucket {
    /// Where it starts, RFC 3339.
    pub start: String,
    /// How many events it holds.
    pub count: u64,
}

/// The unit of [`EventQuery::interval`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalUnit {
    /// Seconds.
    Second,
    /// Minutes.
    Minute,
    /// Hours.
    Hour,
    /// Days.
    Day,
    /// Weeks.
    Week,
}

/// Directory Insights operations of a [`Client`].
#[derive(Debug, Clone)]
pub struct Insights {
    client: Client,
}

impl Client {
    /// Directory Insights: the audit log.
    pub fn insights(&self) -> Insights {
        Insights {
            client: self.clone(),
        }
    }
}

impl Insights {
    /// Events since `start_time` (RFC 3339: `2026-12-01T00:00:00Z`; see [`since`]), of every
    /// service until narrowed.
    pub fn events(&self, start_time: impl Into<String>) -> EventQuery {
        EventQuery {
            client: self.client.clone(),
            services: Vec::new(),
            start: start_time.into(),
            end: None,
            all_of: Vec::new(),
            search_term: None,
            text: None,
            fields: Vec::new(),
            descending: false,
            page_size: MAX_PAGE_SIZE,
            after: None,
        }
    }

    /// Every report made (`GET /reports`).
    pub async fn reports(&self) -> Result<Vec<Value>> {
        self.client
            .request(operation("reports_list"))
            .send_json()
            .await
    }

    /// Asks for a report of `report_type` (`users-to-user-groups`, `users-to-devices`...).
    pub async fn create_report(&self, report_type: &str) -> Result<Value> {
        let mut r = self.client.request(operation("reports_create"));
        r.path("report_type", report_type.to_owned());
        r.send_json().await
    }

    /// The content of a report's artifact.
    pub async fn report_content(&self, report_id: &str, artifact_id: &str) -> Result<Value> {
        let mut r = self.client.request(operation("report_artifact_content"));
        r.path("report_id", report_id.to_owned());
        r.path("artifact_id", artifact_id.to_owned());
        r.send_json().await
    }
}

/// A query of events, built up and then run as a [`stream`](Self::stream), one
/// [`page`](Self::page), a [`count`](Self::count), [`distinct`](Self::distinct) values or
/// [`interval`](Self::interval) counts.
#[derive(Debug, Clone)]
pub struct EventQuery {
    client: Client,
    services: Vec<String>,
    start: String,
    end: Option<String>,
    all_of: Vec<(String, Value)>,
    search_term: Option<Value>,
    text: Option<String>,
    fields: Vec<String>,
    descending: bool,
    page_size: u64,
    after: Option<Cursor>,
}

impl EventQuery {
    /// Only events of this service (`directory`, `sso`, `radius`, `ldap`, `systems`, `mdm`...);
    /// call again for more. Without any, every service (`all`).
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.services.push(service.into());
        self
    }

    /// Only events up to this time (RFC 3339).
    pub fn until(mut self, end_time: impl Into<String>) -> Self {
        self.end = Some(end_time.into());
        self
    }

    /// Only events whose `field` (dotted for nested ones: `initiated_by.email`) is `value`; a
    /// JSON list means any of its values. Several filters must all hold.
    pub fn filter(mut self, field: impl Into<String>, value: impl Into<Value>) -> Self {
        self.all_of.push((field.into(), value.into()));
        self
    }

    /// A whole `search_term` (`{"and": ..., "or": ..., "not": ...}`), as the API takes it; it
    /// replaces the [`filter`](Self::filter)s.
    pub fn search_term(mut self, term: Value) -> Self {
        self.search_term = Some(term);
        self
    }

    /// A full-text query (`q`).
    pub fn text(mut self, q: impl Into<String>) -> Self {
        self.text = Some(q.into());
        self
    }

    /// Only these fields of each event.
    pub fn fields<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fields = fields.into_iter().map(Into::into).collect();
        self
    }

    /// Newest first (the default is oldest first).
    pub fn descending(mut self) -> Self {
        self.descending = true;
        self
    }

    /// Events per request, 1 to [`MAX_PAGE_SIZE`] (the default).
    pub fn page_size(mut self, n: u64) -> Self {
        self.page_size = n;
        self
    }

    /// Continue after this cursor (from [`EventPage::next`]).
    pub fn after(mut self, cursor: Cursor) -> Self {
        self.after = Some(cursor);
        self
    }

    /// The query body; the times and page size are checked first.
    fn body(&self) -> Result<Value> {
        for (name, t) in [
            ("start time", Some(&self.start)),
            ("end time", self.end.as_ref()),
        ] {
            if let Some(t) = t
                && parse_rfc3339(t).is_none()
            {
                return Err(Error::Argument(format!(
                    "the {name} {t:?} is not an RFC 3339 time such as 2026-12-01T09:00:00Z"
                )));
            }
        }
        if !(1..=MAX_PAGE_SIZE).contains(&self.page_size) {
            return Err(Error::Argument(format!(
                "the page size must be 1 to {MAX_PAGE_SIZE}, not {}",
                self.page_size
            )));
        }
        let services = if self.services.is_empty() {
            vec!["all".to_owned()]
        } else {
            self.services.clone()
        };
        let mut body = json!({
            "service": services,
            "start_time": self.start,
            "sort": if self.descending { "DESC" } else { "ASC" },
            "limit": self.page_size,
        });
        if let Some(end) = &self.end {
            body["end_time"] = json!(end);
        }
        if let Some(term) = &self.search_term {
            body["search_term"] = term.clone();
        } else if !self.all_of.is_empty() {
            let conds: Vec<Value> = self.all_of.iter().map(|(k, v)| json!({k: v})).collect();
            body["search_term"] = json!({"and": conds});
        }
        if let Some(q) = &self.text {
            body["q"] = json!(q);
        }
        if !self.fields.is_empty() {
            body["fields"] = json!(self.fields);
        }
        if let Some(after) = &self.after {
            body["search_after"] = after.0.clone();
        }
        Ok(body)
    }

    /// One page: the events after the cursor (or from the start) and the cursor after them.
    pub async fn page(&self) -> Result<EventPage> {
        let op = operation("events_get");
        let mut r = self.client.request(op);
        r.json_body(&self.body()?);
        let (headers, body) = r.send_with_headers().await?;
        let events: Vec<Event> = serde_json::from_slice(&body).map_err(|e| Error::Decode {
            operation: op.id,
            detail: format!("{e}; body: {}", idm_http::excerpt(&body)),
        })?;
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let number = |name: &str| -> Result<u64> {
            header(name)
                .and_then(|v| v.trim().parse().ok())
                .ok_or_else(|| Error::Decode {
                    operation: op.id,
                    detail: format!("the {name} header is missing or not a number"),
                })
        };
        let (count, limit) = (number("x-result-count")?, number("x-limit")?);
        if count != events.len() as u64 {
            return Err(Error::Decode {
                operation: op.id,
                detail: format!(
                    "the page holds {} events but X-Result-Count says {count}: it was cut short",
                    events.len()
                ),
            });
        }
        // A cursor is the last event's sort values: a non-empty JSON array. An empty page has
        // none, whatever the header says, so a caller keeps the one it had.
        let next = match header("x-search_after").filter(|_| !events.is_empty()) {
            Some(text) => match serde_json::from_str::<Value>(text) {
                Ok(Value::Array(values)) if !values.is_empty() => {
                    Some(Cursor(Value::Array(values)))
                }
                Ok(_) => {
                    return Err(Error::Decode {
                        operation: op.id,
                        detail: format!("X-Search_after is not a non-empty JSON array: {text:?}"),
                    });
                }
                Err(e) => {
                    return Err(Error::Decode {
                        operation: op.id,
                        detail: format!("X-Search_after is not JSON ({e}): {text:?}"),
                    });
                }
            },
            None => None,
        };
        // A page shorter than what was asked for (or than the server's own cap) is the last.
        let last = count < limit.min(self.page_size);
        if !last && next.is_none() {
            return Err(Error::Decode {
                operation: op.id,
                detail:
                    "a full page came without X-Search_after: the next page cannot be asked for"
                        .into(),
            });
        }
        Ok(EventPage { events, next, last })
    }

    /// Every event, lazily and in order: one request per page, the next sent when this one is
    /// used up. Memory stays at one page.
    pub fn stream(self) -> impl Stream<Item = Result<Event>> + Send + 'static {
        use futures_util::StreamExt as _;
        let state = Some(self);
        futures_util::stream::unfold(state, |state| async move {
            let mut query = state?;
            match query.page().await {
                Err(e) => Some((vec![Err(e)], None)),
                Ok(page) => {
                    // Only a page that asks for another must move the cursor on.
                    let repeated = !page.last && page.next == query.after;
                    let items: Vec<Result<Event>> = page.events.into_iter().map(Ok).collect();
                    if repeated {
                        let e = Error::Decode {
                            operation: "events_get",
                            detail:
                                "the same X-Search_after came twice: the listing does not advance"
                                    .into(),
                        };
                        return Some((vec![Err(e)], None));
                    }
                    if page.last {
                        return Some((items, None));
                    }
                    query.after = page.next;
                    Some((items, Some(query)))
                }
            }
        })
        .flat_map(futures_util::stream::iter)
    }

    /// How many events match (`events/count`).
    pub async fn count(self) -> Result<u64> {
        #[derive(Deserialize)]
        struct Count {
            count: u64,
        }
        let c: Count = self.post("events_count", json!({})).await?;
        Ok(c.count)
    }

    /// The values of `field` among the matching events, with how many have each, most frequent
    /// first, and how many events have a value not listed (`events/distinct`).
    pub async fn distinct(self, field: &str) -> Result<Distinct> {
        #[derive(Deserialize)]
        struct Raw {
            buckets: Vec<RawBucket>,
            #[serde(default)]
            sum_other_doc_count: u64,
        }
        #[derive(Deserialize)]
        struct RawBucket {
            key: Value,
            doc_count: u64,
        }
        let raw: Raw = self
            .post("events_distinct", json!({"field": field}))
            .await?;
        let buckets = raw
            .buckets
            .into_iter()
            .map(|b| Bucket {
                key: match b.key {
                    Value::String(s) => s,
                    other => other.to_string(),
                },
                count: b.doc_count,
            })
            .collect();
        Ok(Distinct {
            buckets,
            others: raw.sum_other_doc_count,
        })
    }

    /// Counts of the matching events per `value` `unit`s (`events/interval`).
    pub async fn interval(self, unit: IntervalUnit, value: u32) -> Result<Vec<IntervalBucket>> {
        #[derive(Deserialize)]
        struct Raw {
            buckets: Vec<RawBucket>,
        }
        #[derive(Deserialize)]
        struct RawBucket {
            #[serde(default)]
            key_as_string: String,
            doc_count: u64,
        }
        let unit = match unit {
            IntervalUnit::Second => "s",
            IntervalUnit::Minute => "m",
            IntervalUnit::Hour => "h",
            IntervalUnit::Day => "d",
            IntervalUnit::Week => "w",
        };
        let extra = json!({"interval_unit": unit, "interval_value": value.to_string()});
        let raw: Raw = self.post("events_interval", extra).await?;
        Ok(raw
            .buckets
            .into_iter()
            .map(|b| IntervalBucket {
                start: b.key_as_string,
                count: b.doc_count,
            })
            .collect())
    }

    /// The query without paging, with `extra` fields, to one of the aggregate operations.
    async fn post<T: serde::de::DeserializeOwned>(&self, op: &str, extra: Value) -> Result<T> {
        let mut body = self.body()?;
        if let (Value::Object(b), Value::Object(x)) = (&mut body, extra) {
            for k in ["limit", "sort", "search_after", "fields"] {
                b.remove(k);
            }
            b.extend(x);
        }
        let mut r = self.client.request(operation(op));
        r.json_body(&body);
        r.send_json().await
    }
}

/// The RFC 3339 time `ago` before now: `since(Duration::from_secs(3600))` is an hour ago.
pub fn since(ago: Duration) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    rfc3339(now.saturating_sub(ago).as_millis() as i64)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for milliseconds since the epoch.
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms.rem_euclid(1000)
    )
}

/// Milliseconds since the epoch of an RFC 3339 time (`2026-12-02T10:00:00Z`, fractions and
/// offsets allowed), or `None` when the text is not one.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        let t = s.get(from..to)?;
        if t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    let (y, mo, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (h, mi, se) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let month_days = match mo {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=12).contains(&mo) || !(1..=month_days).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut millis = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        millis = format!("{:0<3}", &frac[..digits.min(3)]).parse().ok()?;
        rest = &frac[digits..];
    }
    let offset_min = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6
            && (rest.starts_with('+') || rest.starts_with('-'))
            && rest.as_bytes()[3] == b':' =>
        {
            let digits = |r: std::ops::Range<usize>| {
                rest.get(r)
                    .filter(|t| t.bytes().all(|c| c.is_ascii_digit()))
                    .and_then(|t| t.parse::<i64>().ok())
            };
            let (hours, minutes) = (digits(1..3)?, digits(4..6)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (hours * 60 + minutes)
        }
        _ => return None,
    };
    let (yy, mm) = if mo <= 2 {
        (y - 1, mo + 9)
    } else {
        (y, mo - 3)
    };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + h * 3600 + mi * 60 + se - offset_min * 60) * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        for ms in [0, 1_767_225_600_123, 951_782_400_000] {
            assert_eq!(parse_rfc3339(&rfc3339(ms)), Some(ms));
        }
        assert_eq!(
            parse_rfc3339("2026-01-01T01:30:00+01:30"),
            parse_rfc3339("2026-01-01T00:00:00Z")
        );
        for bad in [
            "2026-01-01",
            "24h",
            "2026-01-01T25:00:00Z",
            "2026-01-01T00:00:00",
            "2026-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-01-01T00:00:00+99:99",
            "2026-01-01T00:00:00+05x30",
            "2026-01-01T00:00:00+0a:00",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        assert!(
            parse_rfc3339("2024-02-29T00:00:00Z").is_some(),
            "a leap day"
        );
        let hour_ago = parse_rfc3339(&since(Duration::from_secs(3600))).unwrap();
        let now = parse_rfc3339(&since(Duration::ZERO)).unwrap();
        assert!((now - hour_ago - 3_600_000).abs() < 1000);
    }

    #[test]
    fn odd_fields_never_fail_an_event() {
        let e: Event = serde_json::from_value(json!({
            "id": null, "service": "sso", "event_type": 5, "success": "true",
            "initiated_by": "bob", "resource": null, "client_ip": 1, "geoip": {"country_code": "FR"}
        }))
        .unwrap();
        assert_eq!((e.id.as_str(), e.event_type.as_str()), ("", "5"));
        assert_eq!(e.success, Some(true));
        assert_eq!(e.initiated_by.unwrap().id.as_deref(), Some("bob"));
        assert_eq!((e.resource, e.client_ip.as_deref()), (None, Some("1")));
        assert_eq!(e.other["geoip"]["country_code"], "FR");
    }

    #[test]
    fn queries_are_checked_and_built() {
        let client = Client::builder().api_key("k").build().unwrap();
        let q = client
            .insights()
            .events("2026-12-01T00:00:00Z")
            .service("directory")
            .filter("event_type", json!(["user_create", "user_delete"]))
            .page_size(500)
            .descending();
        let body = q.body().unwrap();
        assert_eq!(body["service"], json!(["directory"]));
        assert_eq!(body["sort"], "DESC");
        assert_eq!(body["limit"], 500);
        assert_eq!(
            body["search_term"],
            json!({"and": [{"event_type": ["user_create", "user_delete"]}]})
        );
        let bad = client.insights().events("yesterday").body().unwrap_err();
        assert!(bad.to_string().contains("RFC 3339"), "{bad}");
        let bad = client
            .insights()
            .events("2026-12-01T00:00:00Z")
            .page_size(0)
            .body();
        assert!(bad.is_err());
    }
}
