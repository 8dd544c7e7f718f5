//! The sandbox's error type.

use std::net::SocketAddr;
use std::path::PathBuf;

/// The fault grammar, as the crate documentation and the README show it: the one source of
/// those and of the summary in errors (a unit test checks that the README holds it line for
/// line).
pub(crate) const FAULT_GRAMMAR: &str = include_str!("fault_grammar.txt");

/// The grammar on one line, for error messages: each rule with its alternatives, without their
/// descriptions, read from [`FAULT_GRAMMAR`] so that it names every target, fault and option.
///
/// In the grammar, a rule starts `NAME = SYNTAX  description` and each alternative
/// `| SYNTAX  description`: the syntax ends at the first two spaces. `PAGED` is prose, left out.
pub(crate) fn fault_grammar_summary() -> String {
    fn syntax(rest: &str) -> &str {
        let rest = rest.trim_start();
        rest.split("  ").next().unwrap_or(rest).trim_end()
    }
    let mut rules: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in FAULT_GRAMMAR.lines() {
        let rule_start = line.split_once('=').filter(|(name, _)| {
            !name.starts_with(' ')
                && !name.trim().is_empty()
                && name.trim().bytes().all(|b| b.is_ascii_uppercase())
        });
        if let Some((name, rest)) = rule_start {
            rules.push((name.trim(), vec![syntax(rest)]));
        } else if let Some(rest) = line.trim_start().strip_prefix('|')
            && let Some((_, alternatives)) = rules.last_mut()
        {
            alternatives.push(syntax(rest));
        }
    }
    let rules: Vec<String> = rules
        .into_iter()
        .filter(|(name, _)| *name != "PAGED")
        .map(|(name, alternatives)| format!("{name} = {}", alternatives.join(" | ")))
        .collect();
    format!(
        "fault grammar: {}; example: umapi.action:429:retry-after=2:count=3;umapi.users:truncate:page=1 (the idm-sandbox README explains each part)",
        rules.join("; ")
    )
}

/// Everything that can go wrong when configuring, starting or driving a [`Sandbox`](crate::Sandbox).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// A fault specification could not be parsed.
    #[error("invalid fault rule {part:?}: {reason}\n{}", fault_grammar_summary())]
    FaultSpec {
        /// The offending part of the specification.
        part: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A configuration value is out of range.
    #[error("invalid sandbox setting {setting}: {reason}")]
    Config {
        /// The setting (field of [`SandboxConfig`](crate::SandboxConfig)).
        setting: &'static str,
        /// What is wrong and what is accepted.
        reason: String,
    },
    /// The listening socket could not be opened.
    #[error(
        "cannot listen on {addr}: {source} (choose another address, or port 0 to take any free port)"
    )]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The self-signed certificates could not be made.
    #[error("cannot set up TLS for the sandbox: {0}")]
    Tls(String),
    /// The CA certificate file could not be written.
    #[error(
        "cannot write the sandbox CA certificate to {path}: {source} (check that the temporary directory is writable, or set TMPDIR)"
    )]
    CaFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A client id that the sandbox does not know.
    #[error(
        "unknown client id {client_id:?}: the sandbox knows only {known:?} (see Sandbox::umapi_info)"
    )]
    UnknownClient {
        /// The client id given.
        client_id: String,
        /// The client id the sandbox knows.
        known: String,
    },
    /// A public key or certificate could not be read.
    #[error(
        "cannot read the public key: {0}; expected a PEM 'BEGIN PUBLIC KEY' (SPKI), 'BEGIN RSA PUBLIC KEY' or 'BEGIN CERTIFICATE' block holding an RSA key"
    )]
    PublicKey(String),
    /// A system's key pair for System Context Authorization could not be made or written.
    #[error(
        "cannot prepare the System Context key of system {system}: {reason} (check that the temporary directory is writable, or set TMPDIR)"
    )]
    SystemKey {
        /// The system id.
        system: String,
        /// What went wrong.
        reason: String,
    },
}
