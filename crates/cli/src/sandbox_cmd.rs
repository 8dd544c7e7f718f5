//! `idm sandbox serve`.

use std::net::SocketAddr;

use clap::{Args, Subcommand, ValueEnum};
use idm_sandbox::{Sandbox, SandboxConfig};

use crate::CliError;

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Serve the sandbox until killed; prints one JSON line with URLs and credentials when ready.
    #[command(after_help = "Examples:\n  idm sandbox serve\n  \
        idm sandbox serve --users 5000 --throttle on --time-scale 60 --faults \"umapi.action:429:count=3\"")]
    Serve(ServeArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Seeded users.
    #[arg(long, default_value_t = 200)]
    users: usize,
    /// Seeded user groups (JumpCloud also gets groups/4 system groups, at least one).
    #[arg(long, default_value_t = 20)]
    groups: usize,
    /// Seeded JumpCloud systems; the first one's key file is in the ready line, for System
    /// Context Authorization.
    #[arg(long, default_value_t = 10)]
    systems: usize,
    /// Enforce the APIs' documented rate limits (429 with Retry-After).
    #[arg(long, value_enum, default_value = "off")]
    throttle: OnOff,
    /// Speed up time for rate limiting: 60 makes a rate-limit minute last one second.
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// Send Retry-After with millisecond decimals instead of whole seconds (faster throttled
    /// tests with a time scale, for clients that accept decimals; HTTP itself allows only whole seconds).
    #[arg(long)]
    fractional_retry_after: bool,
    /// Inject faults, e.g. "umapi.action:429:retry-after=2:count=3;umapi.users:truncate:page=1"
    /// (see the idm-sandbox README for the grammar).
    #[arg(long)]
    faults: Option<String>,
    /// Serve https with a self-signed certificate; its CA file is named in the ready line.
    #[arg(long)]
    tls: bool,
    /// Seed of the demo data (the same seed always gives the same organisation).
    #[arg(long, default_value_t = idm_sandbox::DEFAULT_SEED)]
    seed: u64,
    /// Users per UMAPI user-list page (UMAPI's own is 2000).
    #[arg(long, default_value_t = 2000, value_name = "N")]
    user_page_size: usize,
    /// Groups per UMAPI group-list page (UMAPI's own is 400).
    #[arg(long, default_value_t = 400, value_name = "N")]
    group_page_size: usize,
    /// Lifetime of IMS access tokens, in seconds (short ones exercise token refresh).
    #[arg(long, default_value_t = 86399, value_name = "SECONDS")]
    token_ttl: u64,
    /// Register this public key (PEM: public key or certificate) for the demo integration, so
    /// that a legacy JWT client can exchange JWTs signed with the matching private key.
    #[arg(long, value_name = "FILE")]
    jwt_public_key: Option<std::path::PathBuf>,
    /// Worker threads. One (the default) serves a local client fastest and leaves the other
    /// cores to it; raise it when many clients call the sandbox at once.
    #[arg(long, default_value_t = 1, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=512))]
    pub threads: u16,
}

/// Runs `idm sandbox ...`.
pub async fn run(cmd: SandboxCommand) -> Result<(), CliError> {
    match cmd {
        SandboxCommand::Serve(args) => serve(args).await,
    }
}

async fn serve(args: ServeArgs) -> Result<(), CliError> {
    if !(args.time_scale.is_finite() && args.time_scale > 0.0) {
        return Err(CliError::usage(format!(
            "--time-scale must be a positive number, got {}",
            args.time_scale
        )));
    }
    let mut config = SandboxConfig {
        listen: args.listen,
        users: args.users,
        groups: args.groups,
        systems: args.systems,
        throttle: args.throttle == OnOff::On,
        time_scale: args.time_scale,
        fractional_retry_after: args.fractional_retry_after,
        tls: args.tls,
        seed: args.seed,
        user_page_size: args.user_page_size,
        group_page_size: args.group_page_size,
        token_ttl: std::time::Duration::from_secs(args.token_ttl),
        ..Default::default()
    };
    config
        .validate()
        .map_err(|e| CliError::usage(e.to_string()))?;
    // stderr only: stdout carries the one readiness line that scripts read.
    if let Some(warning) = exposure_warning(args.listen) {
        eprintln!("{warning}");
    }
    if let Some(spec) = &args.faults {
        config = config
            .faults_spec(spec)
            .map_err(|e| CliError::usage(format!("--faults: {e}")))?;
    }
    // Read before starting, so that a bad file is a usage error with nothing to clean up.
    let jwt_key = match &args.jwt_public_key {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
            CliError::usage(format!(
                "--jwt-public-key: cannot read {}: {e}",
                path.display()
            ))
        })?),
        None => None,
    };
    let sandbox = Sandbox::start(config)
        .await
        .map_err(|e| CliError::failure(format!("cannot start the sandbox: {e}")))?;
    if let Some(pem) = jwt_key
        && let Err(e) = sandbox.register_jwt_public_key(&sandbox.umapi_info().client_id, &pem)
    {
        sandbox.shutdown().await;
        return Err(CliError::usage(format!("--jwt-public-key: {e}")));
    }
    // Listen for stop signals before saying ready: a signal right after the line must not kill
    // the process before it cleans up.
    let stop = StopSignals::install()?;
    println!("{}", sandbox.readiness_line());
    stop.wait().await;
    // A clean stop removes the sandbox's temporary files (CA, system keys).
    sandbox.shutdown().await;
    Ok(())
}

/// The warning for a sandbox that listens beyond this machine: anyone who reaches it can use the
/// published demo credentials and change its data. `None` on a loopback address.
fn exposure_warning(listen: SocketAddr) -> Option<String> {
    if listen.ip().to_canonical().is_loopback() {
        return None;
    }
    Some(format!(
        "warning: the sandbox listens on {listen}, beyond loopback, and accepts its published demo credentials: anyone who can reach it can read and change its data (use --listen 127.0.0.1:PORT to keep it local)"
    ))
}

/// Ctrl-C and, on Unix, SIGTERM (what `kill` and process managers send).
struct StopSignals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn install() -> Result<Self, CliError> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let fail =
                |e: std::io::Error| CliError::failure(format!("cannot listen for signals: {e}"));
            Ok(StopSignals {
                term: signal(SignalKind::terminate()).map_err(fail)?,
                int: signal(SignalKind::interrupt()).map_err(fail)?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(StopSignals {})
        }
    }

    async fn wait(mut self) {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => {}
                _ = self.int.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = &mut self;
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_only_beyond_loopback() {
        for local in [
            "127.0.0.1:0",
            "127.0.0.2:8080",
            "[::1]:0",
            "[::ffff:127.0.0.1]:0",
        ] {
            assert_eq!(exposure_warning(local.parse().unwrap()), None, "{local}");
        }
        for open in ["0.0.0.0:0", "192.168.1.5:8080", "[::]:0"] {
            let warning = exposure_warning(open.parse().unwrap()).unwrap();
            assert!(warning.starts_with("warning: "), "{warning}");
            assert!(warning.contains(open), "{warning}");
            assert!(!warning.contains('\n'), "one line: {warning}");
        }
    }
}
