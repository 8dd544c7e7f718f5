//! The sandbox's error type.

use std::net::SocketAddr;
use std::path::PathBuf;

/// A one-line summary of the fault grammar, shown in fault-spec errors.
pub(crate) const FAULT_GRAMMAR: &str = "fault grammar: SPEC = RULE (\";\" RULE)*, \
RULE = TARGET \":\" FAULT (\":\" OPTION)*; \
TARGET = umapi.users | umapi.user | umapi.groups | umapi.action | umapi | ims | any; \
FAULT = 429 | 401 | 500 | 502 | 503 | 504 | <other 4xx/5xx> | delay=MS | reset | truncate | result=VALUE; \
OPTION = nth=K | count=N | every=N | prob=P | page=K | retry-after=SECONDS | retry-after-date=SECONDS | as=404; \
example: umapi.action:429:retry-after=2:count=3;umapi.users:truncate:page=1";

/// Everything that can go wrong when configuring, starting or driving a [`Sandbox`](crate::Sandbox).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// A fault specification could not be parsed.
    #[error("invalid fault rule {part:?}: {reason}\n{FAULT_GRAMMAR}")]
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
