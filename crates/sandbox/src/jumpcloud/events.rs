//! The organisation's audit log, as Directory Insights serves it: every change made through the
//! JumpCloud half (and every refused key) becomes an event with the fields the real API uses
//! (`id`, `service`, `event_type`, `timestamp`, `initiated_by`, `resource`, `client_ip`,
//! `success`, `organization`, ...). Events are kept in `(timestamp, id)` order; seeded history
//! (for benchmarks: a million events) is computed from its index, not stored.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use super::spec::Op;
use crate::fast_hash::FastMap;

/// One stored event: its sort key and body.
#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub(crate) ts: i64,
    /// When a search can first find it: its time, or later for an event indexed late.
    pub(crate) visible_at: i64,
    pub(crate) id: String,
    pub(crate) body: Map<String, Value>,
}

/// History computed from an index: `count` events before the sandbox started, three to a
/// millisecond step, over the week before it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Seeded {
    pub(crate) count: usize,
    pub(crate) first_ts: i64,
    pub(crate) step_ms: i64,
}

/// The kinds of seeded event: (service, event_type).
const SEEDED_KINDS: [(&str, &str); 8] = [
    ("directory", "user_login_attempt"),
    ("directory", "admin_login_attempt"),
    ("directory", "user_update"),
    ("sso", "sso_auth"),
    ("radius", "radius_auth"),
    ("ldap", "ldap_bind"),
    ("systems", "login_attempt"),
    ("directory", "association_change"),
];

impl Seeded {
    /// `count` events over the `span_ms` before `now_ms`.
    pub(crate) fn new(count: usize, now_ms: i64) -> Seeded {
        let span_ms: i64 = 7 * 86_400_000;
        let groups = count.div_ceil(3).max(1) as i64;
        let step_ms = (span_ms / groups).max(1);
        Seeded {
            count,
            first_ts: now_ms - step_ms * groups,
            step_ms,
        }
    }

    pub(crate) fn ts(&self, i: usize) -> i64 {
        self.first_ts + (i as i64 / 3) * self.step_ms
    }

    pub(crate) fn id(i: usize) -> String {
        format!("s{i:023x}")
    }

    /// The index of the first seeded event at or after `ts`.
    pub(crate) fn first_at(&self, ts: i64) -> usize {
        if ts <= self.first_ts {
            return 0;
        }
        let group = (ts - self.first_ts + self.step_ms - 1) / self.step_ms;
        (group as usize).saturating_mul(3).min(self.count)
    }

    /// Seeded event `i` of organisation `org`.
    pub(crate) fn event(&self, i: usize, org: &str) -> Event {
        let (service, event_type) = SEEDED_KINDS[i % SEEDED_KINDS.len()];
        let ts = self.ts(i);
        let user = i % 500;
        let mut body = json!({
            "id": Self::id(i),
            "service": service,
            "event_type": event_type,
            "timestamp": rfc3339_millis(ts),
            "organization": org,
            "initiated_by": {"type": "user", "id": format!("{user:024x}"), "username": format!("user{user}")},
            "resource": {"type": "user", "id": format!("{user:024x}"), "username": format!("user{user}")},
            "client_ip": format!("203.0.113.{}", 1 + i % 254),
            "success": !i.is_multiple_of(11),
            "auth_method": "password",
            "useragent": seeded_agent(i),
            "@version": "1",
        });
        if event_type == "admin_login_attempt" {
            body["initiated_by"] = json!({"type": "admin", "email": "admin@example.com"});
        }
        let Value::Object(body) = body else {
            unreachable!("a JSON object literal")
        };
        Event {
            ts,
            visible_at: ts,
            id: Self::id(i),
            body,
        }
    }
}

/// The browser of seeded event `i`: one of three, as JumpCloud's log shows them.
fn seeded_agent(i: usize) -> Value {
    let (name, version, os, device) = [
        ("Chrome", "120.0.6099", "Mac OS X", "Mac"),
        ("Firefox", "121.0.1", "Windows", "Other"),
        ("Mobile Safari", "17.2.1", "iOS", "iPhone"),
    ][i % 3];
    agent(name, version, os, device)
}

/// A `useragent` object: the product, its version whole and split, the system and device.
fn agent(name: &str, version: &str, os: &str, device: &str) -> Value {
    let mut parts = version.split('.');
    let mut part = || parts.next().unwrap_or("").to_owned();
    let (major, minor, patch) = (part(), part(), part());
    json!({"name": name, "version": version, "major": major, "minor": minor, "patch": patch,
           "os": os, "os_name": os, "device": device})
}

/// The event log of one organisation.
#[derive(Debug, Default)]
pub(crate) struct EventLog {
    pub(crate) seeded: Seeded,
    pub(crate) live: Vec<Event>,
    next: u64,
    /// How long every other live event stays out of searches (JumpCloud indexes events late,
    /// and not in order); 0 for none.
    lag_ms: i64,
    /// Reports made (`POST /reports/{type}`), by id, in order.
    pub(crate) reports: Vec<(String, Value, Vec<Value>)>,
    pub(crate) report_index: FastMap<String, usize>,
}

/// Milliseconds since the epoch, now.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl EventLog {
    /// A log with `seeded` events of history, every other new event indexed `lag` late.
    pub(crate) fn new(seeded: usize, lag: std::time::Duration) -> EventLog {
        EventLog {
            seeded: Seeded::new(seeded, now_ms()),
            lag_ms: i64::try_from(lag.as_millis()).unwrap_or(i64::MAX),
            ..Default::default()
        }
    }

    /// Appends an event now (never before the last one, so the log stays in order).
    pub(crate) fn record(&mut self, mut body: Map<String, Value>) {
        let last = self.live.last().map_or(i64::MIN, |e| e.ts);
        let ts = now_ms().max(last);
        self.next += 1;
        let id = format!("e{:023x}", self.next);
        body.insert("id".into(), json!(id));
        body.insert("timestamp".into(), json!(rfc3339_millis(ts)));
        body.insert("@version".into(), json!("1"));
        // The first, third, fifth... event is the one indexed late.
        let late = self.next % 2 == 1;
        let visible_at = if late {
            ts.saturating_add(self.lag_ms)
        } else {
            ts
        };
        self.live.push(Event {
            ts,
            visible_at,
            id,
            body,
        });
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub(crate) fn rfc3339_millis(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms.rem_euclid(1000)
    )
}

/// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Milliseconds since the epoch of an RFC 3339 time (`2026-12-02T10:00:00Z`, with fractions or
/// an offset), or `None` when it is not one.
pub(crate) fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if b[13] != b':' || b[16] != b':' || !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    if h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut millis = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let padded = format!("{:0<3}", &frac[..digits.min(3)]);
        millis = padded.parse::<i64>().ok()?;
        rest = &frac[digits..];
    }
    let offset_min = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6
            && matches!(rest.as_bytes()[0], b'+' | b'-')
            && rest.as_bytes()[3] == b':' =>
        {
            let oh: i64 = rest.get(1..3)?.parse().ok()?;
            let om: i64 = rest.get(4..6)?.parse().ok()?;
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (oh * 60 + om)
        }
        _ => return None,
    };
    // Days from the civil date (inverse of `civil`).
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
    Some(((days * 86_400 + h * 3600 + mi * 60 + se) - offset_min * 60) * 1000 + millis)
}

/// The `useragent` of an event, from the request's `User-Agent`: the first product's name and
/// version (split into major, minor and patch), the operating system when a comment names one,
/// and the header as sent. Browsers' own grammar is not parsed; JumpCloud's is a full parser.
pub(crate) fn user_agent(header: &str) -> Option<Value> {
    let header = header.trim();
    let product = header.split_whitespace().next()?;
    let (name, version) = product.split_once('/').unwrap_or((product, ""));
    let os = header
        .split_once('(')
        .and_then(|(_, rest)| rest.split([';', ')']).next())
        .map(str::trim)
        .filter(|os| !os.is_empty())
        .unwrap_or("Other");
    let mut agent = agent(name, version, os, "Other");
    agent["original"] = json!(header);
    Some(agent)
}

/// The user events of a bulk job: one `user_create` or `user_update` for each entry that
/// finished, as the one-user operation (`POST` or `PUT /systemusers`) logs it.
pub(crate) fn of_bulk_entries<'s>(
    op: &Op,
    sent: &Value,
    results: &[Value],
    user: impl Fn(&str) -> Option<&'s Map<String, Value>>,
) -> Vec<Map<String, Value>> {
    let create = op.id == "bulk_usersCreate";
    let one = if create {
        "systemusers_post"
    } else {
        "systemusers_put"
    };
    let Some(one) = super::spec::spec().op(one) else {
        return Vec::new();
    };
    let entries = sent.as_array().map(Vec::as_slice).unwrap_or_default();
    entries
        .iter()
        .zip(results)
        .filter(|(_, result)| result["status"] == "finished")
        .filter_map(|(entry, result)| {
            let id = result["id"].as_str()?;
            let mut fields = entry.clone();
            if let Value::Object(m) = &mut fields {
                m.remove("id");
            }
            // The user as it now is names the resource, as a one-user answer would.
            let mut answer = match user(id) {
                Some(stored) => {
                    json!({"username": stored.get("username"), "email": stored.get("email")})
                }
                None => result["persistedFields"].clone(),
            };
            answer["_id"] = json!(id);
            let path = if create {
                Vec::new()
            } else {
                vec![("id".to_owned(), id.to_owned())]
            };
            of_change(one, &path, &fields, &answer)
        })
        .collect()
}

/// The event a successful change makes: its type, the object it touched, what was sent.
/// `None` for operations that change nothing the log tracks (reads, actions on devices).
pub(crate) fn of_change(
    op: &Op,
    path: &[(String, String)],
    sent: &Value,
    answer: &Value,
) -> Option<Map<String, Value>> {
    // A search is a POST that only reads.
    if op.collection() == Some("search") {
        return None;
    }
    let verb = match op.method.as_str() {
        "POST" => "create",
        "PUT" | "PATCH" => "update",
        "DELETE" => "delete",
        _ => return None,
    };
    let mut event = Map::new();
    let id_of = |v: &Value| {
        ["_id", "id"]
            .iter()
            .find_map(|k| v.get(*k).and_then(Value::as_str).map(str::to_owned))
    };
    if op.id.starts_with("graph_") {
        // Membership and associations: one event for the edge.
        let (from_type, from_id) = (resource_type(op)?, path.first()?.1.clone());
        event.insert("event_type".into(), json!("association_change"));
        event.insert(
            "association".into(),
            json!({
                "op": sent.get("op").cloned().unwrap_or(json!("add")),
                "attributes": sent.get("attributes").map(redacted).unwrap_or(json!({})),
                "connection": {
                    "from": {"type": from_type, "id": from_id},
                    "to": {"type": sent.get("type").cloned().unwrap_or(Value::Null),
                           "id": sent.get("id").cloned().unwrap_or(Value::Null)},
                },
            }),
        );
        event.insert("resource".into(), json!({"type": from_type, "id": from_id}));
        return Some(event);
    }
    // The operations whose path does not name what they change.
    let named = match op.id.as_str() {
        "commands_run" => Some(("command_run", "command", sent.get("_id"))),
        "command_trigger_webhook_post" => Some(("command_trigger", "command", None)),
        "bulk_usersCreate" | "bulk_usersUpdate" => {
            Some(("bulk_user_job", "job", answer.get("jobId")))
        }
        "access_request_approval_post" => {
            Some(("access_request_update", "access_request", sent.get("id")))
        }
        "approval_flow_settings_put" => {
            Some(("approval_settings_update", "approval_settings", None))
        }
        _ => None,
    };
    if let Some((event_type, kind, id)) = named {
        event.insert("event_type".into(), json!(event_type));
        event.insert(
            "resource".into(),
            json!({"type": kind, "id": id.cloned().unwrap_or(Value::Null)}),
        );
        return Some(event);
    }
    let resource = resource_type(op)?;
    let verb = match op.id.as_str() {
        // Actions on a user change it.
        "systemusers_expire"
        | "systemusers_unlock"
        | "systemusers_state_activate"
        | "systemusers_resetmfa" => "update",
        _ if op.method == "POST" && op.item_param().is_some() => return None,
        _ => verb,
    };
    event.insert("event_type".into(), json!(format!("{resource}_{verb}")));
    let id = id_of(answer)
        .or_else(|| {
            path.iter()
                .rev()
                .find(|(k, _)| k == "id" || k.ends_with("_id"))
                .map(|(_, v)| v.clone())
        })
        .or_else(|| path.last().map(|(_, v)| v.clone()));
    let mut target = json!({"type": resource, "id": id});
    for name in ["username", "email", "name", "displayName", "hostname"] {
        if let Some(v) = answer
            .get(name)
            .or_else(|| sent.get(name))
            .filter(|v| v.is_string())
        {
            target[name] = v.clone();
        }
    }
    event.insert("resource".into(), target);
    if verb == "update"
        && let Value::Object(fields) = sent
    {
        // A secret's name is logged, never its value, at any depth.
        let changes: Vec<Value> = fields
            .iter()
            .map(|(k, v)| {
                if is_secret(k) {
                    json!({"field": k})
                } else {
                    json!({"field": k, "to": redacted(v)})
                }
            })
            .collect();
        event.insert("changes".into(), Value::Array(changes));
    }
    Some(event)
}

/// Whether a property holds a secret, by its name (`password`, `sharedSecret`, `privateKey`,
/// `apiToken`, `integrationKey`...).
fn is_secret(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["password", "secret", "token", "private", "key"]
        .iter()
        .any(|s| n.contains(s))
}

/// A value with the secrets inside it left out.
fn redacted(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !is_secret(k))
                .map(|(k, v)| (k.clone(), redacted(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redacted).collect()),
        other => other.clone(),
    }
}

/// The type of object an operation's path names: `user` for `/systemusers`, `user_group` for
/// `/usergroups`, else the collection's last word made singular (`iplist`, `policy`).
fn resource_type(op: &Op) -> Option<String> {
    let shape = op.shape();
    let first = op.collection()?;
    let core = match first {
        "systemusers" | "users" => Some("user"),
        "systems" => Some("system"),
        "usergroups" => Some("user_group"),
        "systemgroups" => Some("system_group"),
        "policygroups" => Some("policy_group"),
        "organizations" => Some("organization"),
        _ => None,
    };
    if op.id.starts_with("graph_") || !shape.contains("/{}/") {
        if let Some(t) = core {
            return Some(t.to_owned());
        }
        if let Some(k) = super::kind::Kind::from_plural(first) {
            return Some(k.wire().to_owned());
        }
    }
    let word = shape
        .split('/')
        .rev()
        .find(|s| *s != "{}")?
        .replace('-', "_");
    let singular = if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else {
        word.strip_suffix('s').unwrap_or(&word).to_owned()
    };
    Some(singular)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_agent_is_summarised_from_its_first_product() {
        let a = user_agent("audit-script/2.1.0 (Linux; x86_64) reqwest/0.12").unwrap();
        assert_eq!(
            (
                &a["name"],
                &a["version"],
                &a["major"],
                &a["minor"],
                &a["patch"],
                &a["os"]
            ),
            (
                &json!("audit-script"),
                &json!("2.1.0"),
                &json!("2"),
                &json!("1"),
                &json!("0"),
                &json!("Linux")
            )
        );
        let b = user_agent("idm/0.1").unwrap();
        assert_eq!(
            (&b["minor"], &b["patch"], &b["os"]),
            (&json!("1"), &json!(""), &json!("Other"))
        );
        assert_eq!(user_agent("  "), None);
    }

    #[test]
    fn times_round_trip() {
        for ms in [0, 1_767_225_600_123, 951_782_400_000, 1_798_761_599_999] {
            assert_eq!(parse_rfc3339(&rfc3339_millis(ms)), Some(ms), "{ms}");
        }
        assert_eq!(
            parse_rfc3339("2026-01-01T01:00:00+01:00"),
            parse_rfc3339("2026-01-01T00:00:00Z")
        );
        for bad in [
            "2026-01-01",
            "2026-13-01T00:00:00Z",
            "yesterday",
            "2026-01-01T00:00:00",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn seeded_history_is_ordered_with_equal_timestamps() {
        let s = Seeded::new(10, 1_000_000_000_000);
        assert_eq!(s.ts(0), s.ts(2));
        assert!(s.ts(3) > s.ts(2));
        assert!(s.ts(9) < 1_000_000_000_000);
        assert_eq!(s.first_at(s.ts(3)), 3);
        assert_eq!(s.first_at(s.ts(3) - 1), 3);
        assert_eq!(s.first_at(i64::MAX), 10);
        assert!(Seeded::id(1) > Seeded::id(0));
    }
}
