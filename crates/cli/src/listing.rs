//! Listings shared by both APIs: `--limit`/`--all`, and streaming items to the output.

use clap::Args;
use futures_util::{Stream, TryStreamExt};
use serde::Serialize;
use serde_json::Value;

use crate::context::Ctx;
use crate::errors::{CliError, CliResult};
use crate::output::{self, Columns, ListWriter};

/// Items a listing shows when neither `--limit` nor `--all` is given.
pub const DEFAULT_LIMIT: u64 = 100;

/// How many items a listing shows.
#[derive(Debug, Clone, Args)]
pub struct LimitOpts {
    /// Show at most N items [default: 100].
    #[arg(long, value_name = "N", conflicts_with = "all")]
    pub limit: Option<u64>,
    /// Show every item (streamed, constant memory).
    #[arg(long)]
    pub all: bool,
    /// Pages fetched at once (in order; 1: one after another) [default: 16, or fewer when
    /// --limit needs fewer pages].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: Option<u16>,
}

impl LimitOpts {
    /// Every item.
    pub fn everything() -> Self {
        LimitOpts {
            limit: None,
            all: true,
            concurrency: None,
        }
    }

    /// Pages to fetch at once: `--concurrency`, else the default, but never more pages than
    /// the limit needs (a listing of 100 asks for one page, not sixteen).
    pub fn concurrency(&self, page_size: u64) -> usize {
        let wanted = self
            .concurrency
            .map_or(jumpcloud::DEFAULT_CONCURRENCY, usize::from);
        match self.max() {
            Some(max) => wanted
                .min(usize::try_from(max.div_ceil(page_size.max(1))).unwrap_or(1))
                .max(1),
            None => wanted,
        }
    }

    /// The most items to show (`None`: all).
    pub fn max(&self) -> Option<u64> {
        if self.all {
            None
        } else {
            Some(self.limit.unwrap_or(DEFAULT_LIMIT))
        }
    }

    /// The JumpCloud page size to ask for: no bigger than the limit, at most 100.
    pub fn page_size(&self) -> i64 {
        let size = self
            .max()
            .unwrap_or(jumpcloud::DEFAULT_PAGE_SIZE)
            .clamp(1, jumpcloud::DEFAULT_PAGE_SIZE);
        i64::try_from(size).unwrap_or(100)
    }

    fn is_default(&self) -> bool {
        !self.all && self.limit.is_none()
    }
}

/// `--columns`: the table and CSV columns of a listing (JSON and NDJSON always show every field).
#[derive(Debug, Clone, Args)]
pub struct ColumnOpts {
    /// Table and CSV columns, comma-separated field names (dotted for nested fields).
    #[arg(long, value_name = "FIELDS", value_delimiter = ',')]
    pub columns: Vec<String>,
}

impl ColumnOpts {
    /// The columns asked for, else the resource's defaults.
    pub fn or(&self, defaults: &[&str]) -> Columns {
        if self.columns.is_empty() {
            crate::output::columns(defaults)
        } else {
            self.columns.clone()
        }
    }
}

/// Any model as JSON.
pub fn to_value<T: Serialize>(item: &T) -> CliResult<Value> {
    serde_json::to_value(item)
        .map_err(|e| CliError::failure(format!("cannot represent the answer as JSON: {e}")))
}

/// Streams a listing to stdout in the chosen format, stopping at the limit (which drops the
/// stream, so no further page is requested). `columns: None` takes the first item's keys.
pub async fn print_stream<T, E, S>(
    ctx: &Ctx,
    stream: S,
    columns: Option<Columns>,
    limit: &LimitOpts,
    what: &str,
) -> CliResult
where
    T: Serialize,
    E: Into<CliError>,
    S: Stream<Item = Result<T, E>>,
{
    print_stream_as(ctx.format(true), stream, columns, limit, what).await
}

/// [`print_stream`] in a given format.
pub async fn print_stream_as<T, E, S>(
    format: output::Format,
    stream: S,
    columns: Option<Columns>,
    limit: &LimitOpts,
    what: &str,
) -> CliResult
where
    T: Serialize,
    E: Into<CliError>,
    S: Stream<Item = Result<T, E>>,
{
    let mut stream = std::pin::pin!(stream);
    let mut w = ListWriter::stdout(format, columns);
    let bar = output::progress(None, what);
    let max = limit.max();
    let mut result = Ok(());
    while max.is_none_or(|m| w.count() < m) {
        match stream.try_next().await {
            Ok(Some(item)) => {
                w.push(&to_value(&item)?)?;
                if let Some(b) = &bar {
                    b.inc(1);
                }
            }
            Ok(None) => break,
            Err(e) => {
                result = Err(e.into());
                break;
            }
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let shown = w.count();
    // What was received is printed even when a later page failed; the error follows, saying
    // that the output is incomplete.
    w.finish()?;
    if let Err(e) = result {
        return Err(if shown > 0 {
            CliError::new(
                e.exit_code(),
                format!(
                    "{e} ({shown} {what} were written before the failure: that output is incomplete)"
                ),
            )
        } else {
            e
        });
    }
    if limit.is_default() && shown == DEFAULT_LIMIT {
        eprintln!(
            "(showing the first {DEFAULT_LIMIT} {what}; --all for every one, --limit N for more)"
        );
    }
    Ok(())
}
