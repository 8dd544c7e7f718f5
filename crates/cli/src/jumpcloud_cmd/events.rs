//! `idm jumpcloud events`: Directory Insights, the audit log. NDJSON when piped (one event a
//! line, whole, ready for a SIEM), a table on a terminal; `--count`, `--distinct FIELD`, and
//! `--follow`, which polls for new events after the last one seen.

use std::time::Duration;

use clap::Args;
use futures_util::TryStreamExt;
use jumpcloud::insights::{Event, EventQuery, MAX_PAGE_SIZE, parse_rfc3339, rfc3339, since};
use serde_json::{Value, json};

use super::log_op;
use crate::context::Ctx;
use crate::errors::{CliError, CliResult};
use crate::listing::to_value;
use crate::output::{Format, ListWriter, columns};
use crate::stop::Stop;

/// The table's columns (a shortened view: NDJSON and JSON carry every field).
const COLUMNS: &[&str] = &[
    "timestamp",
    "service",
    "event_type",
    "initiated_by",
    "resource",
    "client_ip",
    "success",
];

/// `idm jumpcloud events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Events since: a time back from now (`90s`, `30m`, `24h`, `7d`, `2w`) or an RFC 3339 time
    /// (`2026-12-01T09:00:00Z`).
    #[arg(long, value_name = "AGO|TIME", default_value = "24h")]
    since: String,
    /// Events until this time (AGO or RFC 3339, as --since); default now.
    #[arg(long, value_name = "AGO|TIME")]
    until: Option<String>,
    /// Only this service (directory, sso, radius, ldap, systems, mdm, software, ...); repeat
    /// for several.
    #[arg(long = "service", value_name = "NAME")]
    services: Vec<String>,
    /// Only this event type (user_create, admin_login_attempt, ...); repeat for any of several.
    #[arg(long = "type", value_name = "EVENT")]
    types: Vec<String>,
    /// Only events whose FIELD (dotted for nested ones: initiated_by.email) is VALUE; repeat
    /// for several (all must hold; the same field twice means either value).
    #[arg(long = "filter", value_name = "FIELD=VALUE")]
    filters: Vec<String>,
    /// Keep polling for new events after the last one, until Ctrl-C.
    #[arg(long, conflicts_with_all = ["count", "distinct", "newest_first"])]
    follow: bool,
    /// Seconds between polls with --follow (0.1 to 3600).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value = "5",
        value_parser = seconds,
        requires = "follow"
    )]
    poll_interval: Duration,
    /// With --follow, how far back each poll looks again: an event indexed late, or in the
    /// same millisecond as the last one shown, is still found (none is shown twice). 0 to 86400
    /// seconds.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value = "300",
        value_parser = lookback,
        requires = "follow"
    )]
    lookback: Duration,
    /// Print how many events match, not the events.
    #[arg(long, conflicts_with = "distinct")]
    count: bool,
    /// Print the values of FIELD among the matching events, with how many have each.
    #[arg(long, value_name = "FIELD")]
    distinct: Option<String>,
    /// Newest first (the default is oldest first).
    #[arg(long)]
    newest_first: bool,
    /// Stop after N events.
    #[arg(long, value_name = "N")]
    limit: Option<u64>,
}

/// `--poll-interval`: a number of seconds from 0.1 to 3600.
fn seconds(text: &str) -> Result<Duration, String> {
    bounded_seconds(text, 0.1, 3600.0)
}

/// `--lookback`: a number of seconds from 0 to a day.
fn lookback(text: &str) -> Result<Duration, String> {
    bounded_seconds(text, 0.0, 86_400.0)
}

fn bounded_seconds(text: &str, min: f64, max: f64) -> Result<Duration, String> {
    match text.trim().parse::<f64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(Duration::from_secs_f64(n)),
        _ => Err(format!("expected a number of seconds from {min} to {max}")),
    }
}

/// A time argument: a duration back from now, or an RFC 3339 time; sent as UTC.
fn time_arg(flag: &str, text: &str) -> CliResult<String> {
    let t = text.trim();
    if let Some(ms) = parse_rfc3339(t) {
        return Ok(rfc3339(ms));
    }
    let unit_secs = match t.chars().last() {
        Some('s') => Some(1),
        Some('m') => Some(60),
        Some('h') => Some(3600),
        Some('d') => Some(86_400),
        Some('w') => Some(7 * 86_400),
        _ => None,
    };
    let amount = t
        .get(..t.len().saturating_sub(1))
        .filter(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()))
        .and_then(|n| n.parse::<u64>().ok());
    match (amount, unit_secs) {
        (Some(n), Some(unit)) => Ok(since(Duration::from_secs(n.saturating_mul(unit)))),
        _ => Err(CliError::usage(format!(
            "{flag}: expected a time back from now such as 30m, 24h or 7d, or an RFC 3339 time such as 2026-12-01T09:00:00Z; got {text:?}"
        ))),
    }
}

/// The --since and --until times the arguments give, read once (a time back from now would
/// move if read again), the end checked not to come before the start.
fn times(a: &EventsArgs) -> CliResult<(String, Option<String>)> {
    let start = time_arg("--since", &a.since)?;
    let until = a
        .until
        .as_deref()
        .map(|u| time_arg("--until", u))
        .transpose()?;
    if let Some(until) = &until
        && parse_rfc3339(until) < parse_rfc3339(&start)
    {
        return Err(CliError::usage(format!(
            "--until ({until}) is before --since ({start}): nothing can match"
        )));
    }
    Ok((start, until))
}

/// The query the arguments describe, from `start` (the --since time, or where a poll of
/// --follow looks from) to `until`.
fn query(
    jc: &jumpcloud::Client,
    a: &EventsArgs,
    start: String,
    until: Option<&str>,
) -> CliResult<EventQuery> {
    let mut q = jc.insights().events(start);
    if let Some(until) = until {
        q = q.until(until);
    }
    // No more than --limit events are fetched for a short listing.
    if let Some(n) = a.limit {
        q = q.page_size(n.clamp(1, MAX_PAGE_SIZE));
    }
    for s in &a.services {
        q = q.service(s.clone());
    }
    // Filters on one field are alternatives; different fields must all hold.
    let mut by_field: Vec<(String, Vec<Value>)> = Vec::new();
    let mut add = |field: &str, value: &str| {
        // `success=false` means the boolean, `exit_code=0` the number: both forms are sent.
        let mut forms = vec![json!(value)];
        if let Ok(scalar @ (Value::Bool(_) | Value::Number(_))) = serde_json::from_str(value) {
            forms.push(scalar);
        }
        match by_field.iter_mut().find(|(f, _)| f == field) {
            Some((_, values)) => values.extend(forms),
            None => by_field.push((field.to_owned(), forms)),
        }
    };
    for t in &a.types {
        add("event_type", t);
    }
    for f in &a.filters {
        match f.split_once('=') {
            Some((field, value)) if !field.trim().is_empty() => add(field.trim(), value),
            _ => {
                return Err(CliError::usage(format!(
                    "--filter: expected FIELD=VALUE such as event_type=user_create or initiated_by.email=admin@example.com; got {f:?}"
                )));
            }
        }
    }
    for (field, mut values) in by_field {
        let value = if values.len() == 1 {
            values.remove(0)
        } else {
            Value::Array(values)
        };
        q = q.filter(field, value);
    }
    if a.newest_first {
        q = q.descending();
    }
    Ok(q)
}

/// An event as a table shows it: who and what in one cell each.
fn table_row(e: &Event) -> Value {
    let actor = |a: &Option<jumpcloud::insights::Actor>| -> String {
        a.as_ref()
            .map(|a| {
                let name = a
                    .email
                    .clone()
                    .or_else(|| a.username.clone())
                    .or_else(|| {
                        a.other
                            .get("name")
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    })
                    .or_else(|| a.id.clone())
                    .unwrap_or_default();
                match &a.kind {
                    Some(k) => format!("{k} {name}"),
                    None => name,
                }
            })
            .unwrap_or_default()
    };
    json!({
        "timestamp": e.timestamp,
        "service": e.service,
        "event_type": e.event_type,
        "initiated_by": actor(&e.initiated_by),
        "resource": actor(&e.resource),
        "client_ip": e.client_ip,
        "success": e.success,
    })
}

/// Runs `idm jumpcloud events`.
pub async fn run(ctx: &Ctx, a: EventsArgs) -> CliResult {
    let jc = ctx.jumpcloud(None)?;
    let (start, until) = times(&a)?;
    let q = query(&jc, &a, start.clone(), until.as_deref())?;
    if a.count {
        log_op("events_count");
        let n = q.count().await?;
        // A bare number (for `$(idm jumpcloud events --count)`) unless a format is asked for.
        return match ctx.format_flag() {
            None | Some(Format::Table) => {
                println!("{n}");
                Ok(())
            }
            Some(format) => crate::output::print_one(format, &json!({"count": n}), None),
        };
    }
    if let Some(field) = &a.distinct {
        log_op("events_distinct");
        let distinct = q.distinct(field).await?;
        if distinct.others > 0 {
            eprintln!(
                "warning: {} more events have a value of {} not listed (JumpCloud lists the most frequent values only)",
                distinct.others,
                crate::sanitize::line(field)
            );
        }
        let mut w = ListWriter::stdout(ctx.format(true), Some(columns(&["value", "count"])));
        for b in distinct.buckets {
            w.push(&json!({"value": b.key, "count": b.count}))?;
        }
        return w.finish();
    }
    log_op("events_get");
    let format = ctx.format(true);
    let table = format == Format::Table;
    let mut w = ListWriter::stdout(format, table.then(|| columns(COLUMNS)));
    let shown =
        |e: &Event| -> CliResult<Value> { if table { Ok(table_row(e)) } else { to_value(e) } };
    if !a.follow {
        let mut events = std::pin::pin!(q.stream());
        while a.limit.is_none_or(|m| w.count() < m) {
            match events.try_next().await {
                Ok(Some(e)) => w.push(&shown(&e)?)?,
                Ok(None) => break,
                Err(e) => return Err(incomplete(e.into(), w)),
            }
        }
        return w.finish();
    }
    match follow(&jc, &a, (&start, until.as_deref()), &mut w, &shown).await {
        Ok(()) => w.finish(),
        Err(e) => Err(incomplete(e, w)),
    }
}

/// `--follow`: every poll reads the events from a little before the newest one shown
/// (`--lookback`) and shows those not shown yet, so that an event indexed late, or sharing the
/// newest one's millisecond, is not missed, and none is shown twice. Ctrl-C stops it between
/// and during polls; so does reaching --until or --limit.
async fn follow(
    jc: &jumpcloud::Client,
    a: &EventsArgs,
    (since, until): (&str, Option<&str>),
    w: &mut ListWriter,
    shown: &dyn Fn(&Event) -> CliResult<Value>,
) -> CliResult {
    let stop = Stop::install();
    let since_ms = parse_rfc3339(since).unwrap_or(0);
    let until_ms = until.and_then(parse_rfc3339);
    let window = i64::try_from(a.lookback.as_millis()).unwrap_or(i64::MAX);
    // The ids shown, with their times, kept while they are inside the window.
    let mut seen: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    let mut newest = since_ms;
    let full = |w: &ListWriter| a.limit.is_some_and(|m| w.count() >= m);
    loop {
        let from = newest.saturating_sub(window).max(since_ms);
        let mut events = std::pin::pin!(query(jc, a, rfc3339(from), until)?.stream());
        loop {
            let next = tokio::select! {
                next = events.try_next() => next,
                () = stop.wait() => return Ok(()),
            };
            let event = match next {
                Ok(Some(event)) => event,
                Ok(None) => break,
                Err(e) => return Err(e.into()),
            };
            let at = parse_rfc3339(&event.timestamp).unwrap_or(newest);
            if seen.contains_key(&event.id) {
                continue;
            }
            w.push(&shown(&event)?)?;
            newest = newest.max(at);
            seen.insert(event.id.clone(), at);
            if full(w) {
                return Ok(());
            }
        }
        let horizon = newest.saturating_sub(window);
        seen.retain(|_, at| *at >= horizon);
        w.show_now()?;
        w.flush()?;
        if until_ms.is_some_and(|u| now_ms() > u.saturating_add(window)) {
            return Ok(());
        }
        tokio::select! {
            () = tokio::time::sleep(a.poll_interval) => {}
            () = stop.wait() => return Ok(()),
        }
    }
}

/// Now, in milliseconds since 1970.
fn now_ms() -> i64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    now.map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// An error after the events in `w` were written: they are flushed, and the error says the
/// output is incomplete.
fn incomplete(e: CliError, w: ListWriter) -> CliError {
    let written = w.count();
    if let Err(flush) = w.finish() {
        return flush;
    }
    if written == 0 {
        return e;
    }
    CliError::new(
        e.exit_code(),
        format!(
            "{e} ({written} events were written before the failure: that output is incomplete)"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_bounded_and_finite() {
        assert_eq!(seconds("0.5"), Ok(Duration::from_millis(500)));
        for bad in ["nan", "inf", "-1", "0", "3601", "x"] {
            assert!(seconds(bad).is_err(), "{bad}");
        }
        assert_eq!(lookback("0"), Ok(Duration::ZERO));
        assert!(lookback("86401").is_err());
    }

    #[test]
    fn times_back_from_now_and_absolute() {
        let day = parse_rfc3339(&time_arg("--since", "24h").unwrap()).unwrap();
        let now = parse_rfc3339(&since(Duration::ZERO)).unwrap();
        assert!((now - day - 86_400_000).abs() < 2000);
        // Absolute times are sent in UTC.
        assert_eq!(
            time_arg("--since", "2026-12-01T10:30:00+01:30").unwrap(),
            "2026-12-01T09:00:00.000Z"
        );
        for bad in [
            "yesterday",
            "24",
            "h",
            "-5m",
            "+5m",
            "2026-12-01",
            "2026-02-30T00:00:00Z",
        ] {
            let e = time_arg("--since", bad).unwrap_err();
            assert!(e.to_string().contains("RFC 3339"), "{bad}: {e}");
        }
    }
}
