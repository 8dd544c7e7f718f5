//! Page-time benchmark of the JumpCloud half: a sandbox holding N users (100,000 by default)
//! in this process, and one keep-alive HTTP client asking for pages of 100 full records at
//! several depths. Prints the median and 95th percentile of each, from sending the request to
//! the answer's last byte (the sandbox's work and the transfer), and the median time the client
//! then takes to parse the answer into JSON values.
//!
//! ```text
//! cargo bench -p idm-sandbox --bench pages -- [--users N] [--rounds N]
//! ```

use std::time::{Duration, Instant};

use idm_sandbox::{Sandbox, SandboxConfig};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn arg(name: &str, default: usize) -> Result<usize, String> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{name} needs a number")),
        None => Ok(default),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() -> Result<(), BoxError> {
    let users = arg("--users", 100_000)?;
    let rounds = arg("--rounds", 200)?;
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(run(users, rounds))
}

async fn run(users: usize, rounds: usize) -> Result<(), BoxError> {
    let started = Instant::now();
    let sb = Sandbox::start(SandboxConfig::default().users(users).systems(50).groups(20)).await?;
    println!(
        "sandbox with {users} users ready in {:.2?}, peak RSS {:.0} MiB",
        started.elapsed(),
        idm_sandbox::child::peak_rss_mib().unwrap_or(0.0)
    );
    let key = sb.jumpcloud_info().api_key;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder().no_proxy().build()?;
    let deep = users.saturating_sub(100);
    let mid = users / 2;
    let paths = [
        "/api/systemusers?limit=100&skip=0".to_owned(),
        format!("/api/systemusers?limit=100&skip={mid}"),
        format!("/api/systemusers?limit=100&skip={deep}"),
        format!("/api/systemusers?limit=100&skip={deep}&fields=username%20email"),
        "/api/v2/usergroups?limit=100".to_owned(),
        "/api/v2/policytemplates?limit=100".to_owned(),
    ];
    println!("| request | median | p95 | answer | client parse (median) |");
    println!("| --- | --- | --- | --- | --- |");
    for path in paths {
        let url = format!("{}{path}", sb.base_url());
        let mut times = Vec::with_capacity(rounds);
        let mut parse = Vec::with_capacity(rounds);
        let mut size = 0;
        for _ in 0..rounds {
            let t = Instant::now();
            let resp = http.get(&url).header("x-api-key", &key).send().await?;
            if !resp.status().is_success() {
                return Err(format!("{path}: HTTP {}", resp.status()).into());
            }
            let body = resp.bytes().await?;
            times.push(t.elapsed());
            let t = Instant::now();
            let _: serde_json::Value = serde_json::from_slice(&body)?;
            parse.push(t.elapsed());
            size = body.len();
        }
        times.sort();
        parse.sort();
        println!(
            "| `GET {path}` | {:.2?} | {:.2?} | {} KiB | {:.2?} |",
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            size / 1024,
            percentile(&parse, 0.5)
        );
    }
    Ok(())
}
