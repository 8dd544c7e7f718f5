//! The sandbox in a child process, for benchmarks that measure a client's own memory and CPU.
//!
//! A benchmark binary calls [`serve_if_child`] first thing in `main`; when it was started with
//! `--serve-sandbox` it serves until its standard input closes. The parent starts that child
//! with [`ChildSandbox::spawn`], reads the readiness line, and kills the child when dropped.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

use crate::{Sandbox, SandboxConfig};

/// The flag that puts a benchmark binary in sandbox mode.
pub const SERVE_FLAG: &str = "--serve-sandbox";

/// A sandbox served by a child process (the current executable in [`SERVE_FLAG`] mode).
#[derive(Debug)]
pub struct ChildSandbox {
    child: Child,
    /// The readiness line it printed (see `idm sandbox serve`).
    pub readiness_line: String,
}

impl ChildSandbox {
    /// Starts the child with sandbox options (`--users N`, `--groups N`, `--jumpcloud-events N`,
    /// `--throttle on|off`,
    /// `--time-scale F`, `--tls`, `--threads N`, default 1) and waits for its readiness line.
    pub fn spawn(options: &[String]) -> std::io::Result<ChildSandbox> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg(SERVE_FLAG)
            .args(options)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            BufReader::new(out).read_line(&mut line)?;
        }
        let mut sandbox = ChildSandbox {
            child,
            readiness_line: line,
        };
        if sandbox.readiness_line.trim().is_empty() {
            let _ = sandbox.child.kill();
            return Err(std::io::Error::other(
                "the sandbox child exited before printing its readiness line",
            ));
        }
        Ok(sandbox)
    }
}

impl Drop for ChildSandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// In a process started by [`ChildSandbox::spawn`]: serves the sandbox until standard input
/// closes and returns `Some` with the outcome. In any other process: returns `None` at once.
pub fn serve_if_child() -> Option<Result<(), Box<dyn std::error::Error + Send + Sync>>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == SERVE_FLAG) {
        return None;
    }
    Some(serve(&args))
}

fn serve(args: &[String]) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut config = SandboxConfig::default();
    let mut threads = 1;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{a} needs a value"))
        };
        match a.as_str() {
            "--users" => config.users = value()?.parse()?,
            "--groups" => config.groups = value()?.parse()?,
            "--jumpcloud-events" => config.jumpcloud_events = value()?.parse()?,
            "--time-scale" => config.time_scale = value()?.parse()?,
            "--throttle" => config.throttle = value()? == "on",
            "--tls" => config.tls = true,
            "--threads" => threads = value()?.parse()?,
            "--faults" => config = config.faults_spec(&value()?)?,
            _ => {}
        }
    }
    let runtime = crate::serving_runtime(threads)?;
    runtime.block_on(async {
        let sandbox = Sandbox::start(config).await?;
        println!("{}", sandbox.readiness_line());
        tokio::task::spawn_blocking(|| std::io::stdin().read_to_end(&mut Vec::new())).await??;
        sandbox.shutdown().await;
        Ok(())
    })
}

/// Peak resident set size of this process in MiB (Linux `VmHWM`; `None` elsewhere).
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}
