//! Listing benchmark: every system user of a sandbox holding 20,000 (v1 `systemusers`, 200 pages
//! of 100), through `stream()` with `concurrency(N)` pages at once (16 by default).
//!
//! ```text
//! cargo bench -p jumpcloud --bench list_users -- [--users N] [--concurrency N] [--delay MS] [--ready FILE]
//! ```
//!
//! `--delay MS` makes the child sandbox answer every JumpCloud request MS milliseconds late (a
//! `jumpcloud:delay=MS` fault), as a real network would.
//!
//! Without `--ready` the sandbox runs in a child process (this binary in `--serve-sandbox` mode),
//! so the peak RSS printed is the client's alone. Figures and the wrk baseline: BENCHMARKS.md.

use std::time::Instant;

use futures_util::TryStreamExt;
use idm_sandbox::child::{ChildSandbox, peak_rss_mib, serve_if_child};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct Args {
    users: usize,
    concurrency: usize,
    delay_ms: u64,
    ready: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        users: 20_000,
        concurrency: 16,
        delay_ms: 0,
        ready: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |n: &str| it.next().ok_or_else(|| format!("{n} needs a value"));
        let num = |s: String| {
            s.parse::<usize>()
                .map_err(|_| format!("not a number: {s:?}"))
        };
        match arg.as_str() {
            "--users" => a.users = num(value("--users")?)?,
            "--concurrency" => a.concurrency = num(value("--concurrency")?)?,
            "--ready" => a.ready = Some(value("--ready")?),
            "--delay" => a.delay_ms = num(value("--delay")?)? as u64,
            "--bench" => {}
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(a)
}

fn main() -> Result<(), BoxError> {
    if let Some(served) = serve_if_child() {
        return served;
    }
    let args = parse_args()?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(bench(args))
}

async fn bench(args: Args) -> Result<(), BoxError> {
    let (_child, line) = match &args.ready {
        Some(f) => (None, std::fs::read_to_string(f)?),
        None => {
            let mut child_args = vec!["--users".to_string(), args.users.to_string()];
            if args.delay_ms > 0 {
                child_args.push("--faults".into());
                child_args.push(format!(
                    "jumpcloud:delay={}:every=1:count=100000000",
                    args.delay_ms
                ));
            }
            let child = ChildSandbox::spawn(&child_args)?;
            let line = child.readiness_line.clone();
            (Some(child), line)
        }
    };
    let ready: serde_json::Value = serde_json::from_str(line.trim())?;
    let v1 = ready["jumpcloud"]["v1"]
        .as_str()
        .ok_or("no jumpcloud.v1 in the readiness line")?;
    let key = ready["jumpcloud"]["api_key"].as_str().ok_or("no api_key")?;
    let client = jumpcloud::Client::builder()
        .base_url(v1)
        .api_key(key)
        .build()?;

    let started = Instant::now();
    let mut n = 0usize;
    let mut bytes_seen = 0usize;
    let mut users = std::pin::pin!(
        client
            .v1()
            .systemusers()
            .list()
            .concurrency(args.concurrency)
            .stream()
    );
    while let Some(u) = users.try_next().await? {
        n += 1;
        bytes_seen += u.username.map_or(0, |s| s.len());
    }
    let secs = started.elapsed().as_secs_f64();
    let pages = n.div_ceil(100);
    println!(
        "users {n} | pages {pages} | concurrency {} | delay {} | {secs:.3} s | {:.0} pages/s | {:.0} users/s | peak RSS {:.1} MiB",
        args.concurrency,
        if args.ready.is_some() {
            "as served".to_string()
        } else {
            format!("{} ms", args.delay_ms)
        },
        pages as f64 / secs,
        n as f64 / secs,
        peak_rss_mib().unwrap_or(f64::NAN)
    );
    if n != args.users && args.ready.is_none() {
        return Err(format!(
            "listed {n} users, the sandbox holds {} ({bytes_seen})",
            args.users
        )
        .into());
    }
    Ok(())
}
