//! What a sync run says, on stderr and (with `logging.log_to_file`) in a log file, each at the
//! level `logging` asks for: user-sync's levels (debug, info, warning, error, critical) and
//! its file names (`{:%Y-%m-%d}.log`, in UTC).

use std::io::Write as _;
use std::path::PathBuf;

use idm_sync::config::LoggingConfig;

use crate::errors::{CliError, CliResult};

/// user-sync's log levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Details.
    Debug,
    /// What happened.
    Info,
    /// Something skipped or odd.
    Warning,
    /// Something not done.
    Error,
    /// The run cannot go on.
    Critical,
}

impl Level {
    fn parse(s: &str) -> Option<Level> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "debug" => Level::Debug,
            "info" => Level::Info,
            "warning" => Level::Warning,
            "error" => Level::Error,
            "critical" => Level::Critical,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
            Level::Critical => "CRITICAL",
        }
    }
}

/// The run's log.
pub struct SyncLog {
    console: Level,
    file: Option<(std::fs::File, Level)>,
}

impl SyncLog {
    /// Opens the log file when the configuration asks for one (appending, as user-sync).
    pub fn open(config: &LoggingConfig) -> CliResult<SyncLog> {
        let level = |key: &str, v: &str| {
            Level::parse(v).ok_or_else(|| {
                CliError::usage(format!(
                    "logging.{key}: {v:?} is not debug, info, warning, error or critical"
                ))
            })
        };
        let console = level("console_log_level", &config.console_log_level)?;
        let file = if config.log_to_file {
            let file_level = level("file_log_level", &config.file_log_level)?;
            let path = log_path(config, now_secs());
            let fail = |e: std::io::Error| {
                CliError::usage(format!(
                    "cannot write the log file {} (logging.file_log_directory): {e}",
                    path.display()
                ))
            };
            std::fs::create_dir_all(&config.file_log_directory).map_err(fail)?;
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(fail)?;
            Some((f, file_level))
        } else {
            None
        };
        Ok(SyncLog { console, file })
    }

    /// Says `text` at `level`: on stderr (prefixed by `warning:` or `error:` at those levels)
    /// and in the file, each if its level lets it through.
    pub fn say(&mut self, level: Level, text: &str) {
        let text = crate::sanitize::line(text);
        if level >= self.console {
            match level {
                Level::Warning => eprintln!("warning: {text}"),
                Level::Error | Level::Critical => eprintln!("error: {text}"),
                _ => eprintln!("{text}"),
            }
        }
        if let Some((f, min)) = &mut self.file
            && level >= *min
        {
            let line = format!(
                "{} {} {} sync - {text}\n",
                timestamp(now_secs()),
                std::process::id(),
                level.name()
            );
            // A log line that cannot be written is not worth failing a sync for.
            let _ = f.write_all(line.as_bytes());
        }
    }
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The log file of a run at `secs`: `file_log_name_format` with its `{:%…}` fields filled in.
fn log_path(config: &LoggingConfig, secs: i64) -> PathBuf {
    config
        .file_log_directory
        .join(fill_name(&config.file_log_name_format, secs))
}

/// Fills Python's `{:%Y-%m-%d}` style fields (`%Y %m %d %H %M %S %%`).
fn fill_name(format: &str, secs: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(secs);
    let mut out = String::new();
    let mut rest = format;
    while let Some(start) = rest.find("{:") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let spec = &rest[start + 2..start + end];
        let mut chars = spec.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('Y') => out.push_str(&format!("{y:04}")),
                Some('m') => out.push_str(&format!("{mo:02}")),
                Some('d') => out.push_str(&format!("{d:02}")),
                Some('H') => out.push_str(&format!("{h:02}")),
                Some('M') => out.push_str(&format!("{mi:02}")),
                Some('S') => out.push_str(&format!("{s:02}")),
                Some(other) => {
                    out.push('%');
                    out.push(other);
                }
                None => out.push('%'),
            }
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

fn timestamp(secs: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(secs);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

/// UTC calendar date and time of a Unix time (Howard Hinnant's days-to-civil).
fn civil(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m,
        d,
        (tod / 3600) as u32,
        (tod % 3600 / 60) as u32,
        (tod % 60) as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_times_as_python_formats_them() {
        // 2026-12-02 04:55:06 UTC.
        let t = 1_796_187_306;
        assert_eq!(fill_name("{:%Y-%m-%d}.log", t), "2026-12-02.log");
        assert_eq!(
            fill_name("sync-{:%Y%m%d-%H%M%S}.txt", t),
            "sync-20261202-045506.txt"
        );
        assert_eq!(fill_name("plain.log", t), "plain.log");
        assert_eq!(timestamp(0), "1970-01-01 00:00:00");
        assert_eq!(timestamp(951_782_400), "2000-02-29 00:00:00");
        assert!(Level::parse("WARNING").is_some_and(|l| l > Level::Info));
    }
}
