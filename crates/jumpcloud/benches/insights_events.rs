//! Directory Insights streaming benchmark: every event of a sandbox seeded with N events of
//! history (1,000,000 by default), through `insights().events(..).stream()`, pages of
//! `--page-size` (10,000 by default, the API's maximum). The sandbox runs in a child process, so
//! the peak RSS printed is the client's alone; it is printed after a tenth of the events and at
//! the end, to show that memory stays flat.
//!
//! ```text
//! cargo bench -p jumpcloud --bench insights_events -- [--events N] [--page-size N]
//! ```

use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use idm_sandbox::child::{ChildSandbox, peak_rss_mib, serve_if_child};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn arg(name: &str, default: u64) -> Result<u64, String> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{name} needs a number")),
        None => Ok(default),
    }
}

fn main() -> Result<(), BoxError> {
    if let Some(served) = serve_if_child() {
        return served;
    }
    let events = arg("--events", 1_000_000)?;
    let page_size = arg("--page-size", 10_000)?;
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(bench(events, page_size))
}

async fn bench(events: u64, page_size: u64) -> Result<(), BoxError> {
    let child = ChildSandbox::spawn(&[
        "--users".into(),
        "10".into(),
        "--jumpcloud-events".into(),
        events.to_string(),
    ])?;
    let ready: serde_json::Value = serde_json::from_str(child.readiness_line.trim())?;
    let v1 = ready["jumpcloud"]["v1"].as_str().ok_or("no jumpcloud.v1")?;
    let key = ready["jumpcloud"]["api_key"].as_str().ok_or("no api_key")?;
    let client = jumpcloud::Client::builder()
        .base_url(v1)
        .api_key(key)
        .build()?;
    let started = Instant::now();
    let mut stream = std::pin::pin!(
        client
            .insights()
            .events(jumpcloud::insights::since(Duration::from_secs(8 * 86_400)))
            .page_size(page_size)
            .stream()
    );
    let mut n = 0u64;
    let mut last = (String::new(), String::new());
    let mut rss_at_tenth = f64::NAN;
    while let Some(e) = stream.try_next().await? {
        let key = (e.timestamp, e.id);
        if key <= last {
            return Err(format!("event {n} is out of order or repeated: {key:?}").into());
        }
        last = key;
        n += 1;
        if n == events / 10 {
            rss_at_tenth = peak_rss_mib().unwrap_or(f64::NAN);
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "events {n} | page size {page_size} | {secs:.2} s | {:.0} events/s | peak RSS {rss_at_tenth:.1} MiB after {} events, {:.1} MiB at the end",
        n as f64 / secs,
        events / 10,
        peak_rss_mib().unwrap_or(f64::NAN)
    );
    if n != events {
        return Err(format!("streamed {n} events, the sandbox holds {events}").into());
    }
    Ok(())
}
