//! `idm jumpcloud events`: Directory Insights, the audit log. NDJSON when piped (one event a
//! line, whole, ready for a SIEM), a table on a terminal; `--count`, `--distinct FIELD`, and
//! `--follow`, which polls for new events after the last one seen.

use std::time::Duration;

use clap::Args;
use futures_util::TryStreamExt;
use jumpcloud::insights::{Event, EventQuery, parse_rfc3339, since};
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
    /// Seconds between polls with --follow.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 5.0,
        requires = "follow"
    )]
    poll_interval: f64,
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

/// A time argument: a duration back from now, or an RFC 3339 time.
fn time_arg(flag: &str, text: &str) -> CliResult<String> {
    let t = text.trim();
    if parse_rfc3339(t).is_some() {
        return Ok(t.to_owned());
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
        .and_then(|n| n.parse::<u64>().ok());
    match (amount, unit_secs) {
        (Some(n), Some(unit)) => Ok(since(Duration::from_secs(n.saturating_mul(unit)))),
        _ => Err(CliError::usage(format!(
            "{flag}: expected a time back from now such as 30m, 24h or 7d, or an RFC 3339 time such as 2026-12-01T09:00:00Z; got {text:?}"
        ))),
    }
}

/// The query the arguments describe.
fn query(ctx: &Ctx, a: &EventsArgs) -> CliResult<EventQuery> {
    let jc = ctx.jumpcloud(None)?;
    let mut q = jc.insights().events(time_arg("--since", &a.since)?);
    if let Some(until) = &a.until {
        q = q.until(time_arg("--until", until)?);
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
    let q = query(ctx, &a)?;
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
        let buckets = q.distinct(field).await?;
        let mut w = ListWriter::stdout(ctx.format(true), Some(columns(&["value", "count"])));
        for b in buckets {
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
    let max = a.limit;
    if !a.follow {
        let mut events = std::pin::pin!(q.stream());
        while max.is_none_or(|m| w.count() < m) {
            match events.try_next().await {
                Ok(Some(e)) => w.push(&shown(&e)?)?,
                Ok(None) => break,
                Err(e) => {
                    let written = w.count();
                    w.finish()?;
                    return Err(incomplete(e.into(), written));
                }
            }
        }
        return w.finish();
    }
    // --follow: page after page from the cursor of the last event seen; when caught up, wait
    // and ask again. The cursor is JumpCloud's own, so no event is shown twice or skipped.
    let stop = Stop::install();
    let pause = Duration::from_secs_f64(a.poll_interval.clamp(0.1, 3600.0));
    let mut cursor = None;
    loop {
        let mut page_query = q.clone();
        if let Some(c) = cursor.clone() {
            page_query = page_query.after(c);
        }
        let page = match page_query.page().await {
            Ok(p) => p,
            Err(e) => {
                let written = w.count();
                w.finish()?;
                return Err(incomplete(e.into(), written));
            }
        };
        for e in &page.events {
            if max.is_some_and(|m| w.count() >= m) {
                break;
            }
            w.push(&shown(e)?)?;
        }
        if max.is_some_and(|m| w.count() >= m) {
            break;
        }
        if page.next.is_some() {
            cursor = page.next;
        }
        if page.last {
            w.show_now()?;
            w.flush()?;
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = stop.wait() => break,
            }
        }
    }
    w.finish()
}

/// An error after some events were written: the output is incomplete, and says so.
fn incomplete(e: CliError, written: u64) -> CliError {
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
    fn times_back_from_now_and_absolute() {
        let day = parse_rfc3339(&time_arg("--since", "24h").unwrap()).unwrap();
        let now = parse_rfc3339(&since(Duration::ZERO)).unwrap();
        assert!((now - day - 86_400_000).abs() < 2000);
        assert_eq!(
            time_arg("--since", "2026-12-01T09:00:00Z").unwrap(),
            "2026-12-01T09:00:00Z"
        );
        for bad in ["yesterday", "24", "h", "-5m", "2026-12-01"] {
            let e = time_arg("--since", bad).unwrap_err();
            assert!(e.to_string().contains("RFC 3339"), "{bad}: {e}");
        }
    }
}
