//! The one error type of the CLI: a message for stderr and the exit code scripts rely on.

use std::fmt;

/// Exit codes (documented in `idm --help` and the crate README).
pub mod exit {
    /// Everything worked.
    pub const OK: u8 = 0;
    /// A server error, a network failure, or anything not covered below.
    pub const GENERAL: u8 = 1;
    /// Bad flags or arguments, malformed input files or config (clap uses 2 as well).
    pub const USAGE: u8 = 2;
    /// Missing credentials, or the server refused them (401/403).
    pub const AUTH: u8 = 3;
    /// The object does not exist (404, or no such UMAPI user).
    pub const NOT_FOUND: u8 = 4;
    /// Some UMAPI actions failed (the report says which).
    pub const PARTIAL: u8 = 5;
    /// Every failed action failed by throttling (still rate limited after every retry).
    pub const RATE_LIMITED: u8 = 6;
    /// A safety limit held actions back (`idm sync`: `max_adobe_only_users`).
    #[allow(dead_code)] // reserved in the documented table for `idm sync`
    pub const LIMIT: u8 = 7;
    /// Stopped by Ctrl-C (SIGINT).
    pub const INTERRUPTED: u8 = 130;
    /// Stopped because stdout was closed (a change-making command piped into `head`).
    pub const BROKEN_PIPE: u8 = 141;
    /// Stopped by SIGTERM.
    pub const TERMINATED: u8 = 143;

    /// Every exit code and its meaning: the one table behind `idm --help` and the READMEs (a
    /// test holds them to it).
    #[cfg_attr(not(test), allow(dead_code))]
    pub const ALL: &[(u8, &str)] = &[
        (OK, "success"),
        (GENERAL, "server or network error"),
        (
            USAGE,
            "usage error (bad flag, argument, input file or config)",
        ),
        (
            AUTH,
            "authentication: missing credentials, or refused (HTTP 401/403)",
        ),
        (
            NOT_FOUND,
            "not found (HTTP 404, or no such user or group for a single action)",
        ),
        (
            PARTIAL,
            "some actions failed (see the report and the journal)",
        ),
        (
            RATE_LIMITED,
            "rate limited: every failed action was still throttled after every retry",
        ),
        (LIMIT, "a safety limit held actions back (idm sync)"),
        (
            INTERRUPTED,
            "stopped by Ctrl-C; the journal and report say what was done",
        ),
        (
            BROKEN_PIPE,
            "stopped because stdout was closed (changes only; a listing exits 0)",
        ),
        (
            TERMINATED,
            "stopped by SIGTERM; the journal and report say what was done",
        ),
    ];
}

/// The exit code section of `idm --help`, as a literal (for `concat!`).
#[macro_export]
macro_rules! exit_codes_help {
    () => {
        "Exit codes:
  0    success
  1    server or network error
  2    usage error (bad flag, argument, input file or config)
  3    authentication: missing credentials, or refused (HTTP 401/403)
  4    not found (HTTP 404, or no such user or group for a single action)
  5    some actions failed (see the report and the journal)
  6    rate limited: every failed action was still throttled after every retry
  7    a safety limit held actions back (idm sync)
  130  stopped by Ctrl-C; the journal and report say what was done
  141  stopped because stdout was closed (changes only; a listing exits 0)
  143  stopped by SIGTERM; the journal and report say what was done"
    };
}

/// A command's failure: the message and the exit code.
#[derive(Debug)]
pub struct CliError {
    message: String,
    code: u8,
}

impl CliError {
    /// A failure with an explicit exit code.
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            code,
        }
    }

    /// Bad arguments or input (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(exit::USAGE, message)
    }

    /// Anything else (exit code 1).
    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(exit::GENERAL, message)
    }

    /// Missing or refused credentials (exit code 3).
    pub fn auth(message: impl Into<String>) -> Self {
        Self::new(exit::AUTH, message)
    }

    /// No such object (exit code 4).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(exit::NOT_FOUND, message)
    }

    /// The exit code.
    pub fn exit_code(&self) -> u8 {
        self.code
    }

    /// A stdout write failure: a closed pipe (`idm ... | head`) is not an error.
    pub fn io(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Self::new(exit::OK, "")
        } else {
            Self::failure(format!("cannot write the output: {e}"))
        }
    }

    /// True when nothing should be printed (a closed output pipe).
    pub fn is_silent(&self) -> bool {
        self.message.is_empty()
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The exit code for an HTTP status.
fn code_for_status(status: u16) -> u8 {
    match status {
        401 | 403 => exit::AUTH,
        404 => exit::NOT_FOUND,
        429 => exit::RATE_LIMITED,
        _ => exit::GENERAL,
    }
}

impl From<jumpcloud::Error> for CliError {
    fn from(e: jumpcloud::Error) -> Self {
        let code = match &e {
            jumpcloud::Error::Api(api) => code_for_status(api.response.status),
            jumpcloud::Error::Argument(_) | jumpcloud::Error::Config(_) => exit::USAGE,
            _ => exit::GENERAL,
        };
        CliError::new(code, e.to_string())
    }
}

impl From<umapi::Error> for CliError {
    fn from(e: umapi::Error) -> Self {
        let code = match &e {
            umapi::Error::Auth { .. } => exit::AUTH,
            umapi::Error::Api(_) | umapi::Error::Unavailable(_) => {
                code_for_status(e.status().unwrap_or_default())
            }
            umapi::Error::Argument(_) | umapi::Error::Config(_) => exit::USAGE,
            umapi::Error::Batch(_) => exit::PARTIAL,
            _ => exit::GENERAL,
        };
        CliError::new(code, e.to_string())
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::io(e)
    }
}

/// Result alias of the CLI.
pub type CliResult<T = ()> = Result<T, CliError>;

#[cfg(test)]
mod tests {
    use super::exit;

    /// The table in `idm --help` and in both READMEs lists every code, with its meaning.
    #[test]
    fn every_exit_code_is_documented() {
        let help = exit_codes_help!();
        let readme = include_str!("../README.md");
        let top = include_str!("../../../README.md");
        for (code, meaning) in exit::ALL {
            let line = format!("{code:<4} {meaning}");
            assert!(help.contains(&line), "idm --help lacks {line:?}");
            let row = format!("| {code} | {meaning} |");
            assert!(readme.contains(&row), "crates/cli/README.md lacks {row:?}");
            assert!(top.contains(&row), "README.md lacks {row:?}");
        }
        assert_eq!(help.lines().count(), exit::ALL.len() + 1);
    }
}
