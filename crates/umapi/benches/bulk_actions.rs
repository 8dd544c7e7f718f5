//! Bulk provisioning benchmark: create N users (default 5,000) and add each to two user groups,
//! through a sandbox running in a separate process, then check that every user arrived.
//!
//! ```text
//! cargo bench -p umapi --bench bulk_actions -- [--throttle on|off] [--time-scale F] [--users N]
//!                                              [--concurrency C] [--tls] [--ready FILE] [--no-verify]
//!                                              [--threads N] [--sandbox-threads N]
//! ```
//!
//! The client runs on a current-thread runtime unless `--threads` asks for more (one thread is
//! what a bulk job needs: the work is waiting on the server), and on mimalloc, the allocator of
//! the `idm` binary; build with `--features bench-system-allocator` to measure it on the system
//! allocator instead.
//!
//! Without `--ready`, the benchmark starts its own sandbox as a child process (this same binary in
//! `--serve-sandbox` mode), so the peak RSS it reports is the client's alone. With `--ready FILE`
//! it uses a running `idm sandbox serve` whose readiness line is in FILE.
//!
//! Figures and commands are recorded in BENCHMARKS.md at the repository root.

use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use idm_http::HttpConfig;
use idm_sandbox::child::{ChildSandbox, peak_rss_mib, serve_if_child};
use serde_json::Value;
use umapi::{BatchOptions, Client, GroupType, NewUser, RateLimits, UserAction};

#[cfg(not(feature = "bench-system-allocator"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, Clone)]
struct Args {
    users: usize,
    throttle: bool,
    time_scale: f64,
    concurrency: usize,
    tls: bool,
    ready: Option<String>,
    verify: bool,
    threads: usize,
    sandbox_threads: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        users: 5000,
        throttle: false,
        time_scale: 60.0,
        concurrency: 4,
        tls: false,
        ready: None,
        verify: true,
        threads: 1,
        sandbox_threads: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--users" => args.users = num(&value("--users")?)?,
            "--concurrency" => args.concurrency = num(&value("--concurrency")?)?,
            "--time-scale" => args.time_scale = num(&value("--time-scale")?)?,
            "--throttle" => {
                args.throttle = match value("--throttle")?.as_str() {
                    "on" => true,
                    "off" => false,
                    other => return Err(format!("--throttle takes on|off, got {other:?}")),
                }
            }
            "--threads" => args.threads = num(&value("--threads")?)?,
            "--sandbox-threads" => args.sandbox_threads = num(&value("--sandbox-threads")?)?,
            "--tls" => args.tls = true,
            "--ready" => args.ready = Some(value("--ready")?),
            // For profiling the timed part alone.
            "--no-verify" => args.verify = false,
            // Passed by `cargo bench` to every bench target.
            "--bench" => {}
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

fn num<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    s.parse().map_err(|_| format!("not a number: {s:?}"))
}

fn main() -> Result<(), BoxError> {
    if let Some(served) = serve_if_child() {
        return served;
    }
    let args = parse_args()?;
    // The same choice of runtime as the sandbox's: one thread unless told otherwise.
    idm_sandbox::serving_runtime(args.threads)?.block_on(bench(args))
}

fn start_child(args: &Args) -> Result<ChildSandbox, BoxError> {
    let mut options = vec![
        "--throttle".to_string(),
        if args.throttle { "on" } else { "off" }.to_string(),
        "--time-scale".to_string(),
        args.time_scale.to_string(),
        "--threads".to_string(),
        args.sandbox_threads.to_string(),
    ];
    if args.tls {
        options.push("--tls".into());
    }
    Ok(ChildSandbox::spawn(&options)?)
}

struct Target {
    endpoint: String,
    ims: String,
    org_id: String,
    client_id: String,
    client_secret: String,
    ca: Option<String>,
}

fn parse_ready(line: &str) -> Result<Target, BoxError> {
    let v: Value = serde_json::from_str(line.trim())?;
    let s = |p: &str| -> Result<String, BoxError> {
        v.pointer(p)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("readiness line lacks {p}").into())
    };
    Ok(Target {
        endpoint: s("/umapi/endpoint")?,
        ims: s("/umapi/ims")?,
        org_id: s("/umapi/org_id")?,
        client_id: s("/umapi/client_id")?,
        client_secret: s("/umapi/client_secret")?,
        ca: v["tls_ca"].as_str().map(str::to_owned),
    })
}

/// The sandbox's counters (`GET /_sandbox/stats`).
async fn sandbox_stats(http: &idm_http::reqwest::Client, t: &Target) -> Result<Value, BoxError> {
    Ok(http
        .get(format!("{}/_sandbox/stats", t.ims))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

fn counter(stats: &Value, name: &str) -> u64 {
    stats[name].as_u64().unwrap_or(0)
}

/// CPU time (user + system) this process has used so far, in seconds (Linux, 10 ms resolution).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        f.get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    (ticks(11) + ticks(12)) / 100.0
}

async fn bench(args: Args) -> Result<(), BoxError> {
    let (_child, line) = match &args.ready {
        Some(file) => (None, std::fs::read_to_string(file)?),
        None => {
            let child = start_child(&args)?;
            let line = child.readiness_line.clone();
            (Some(child), line)
        }
    };
    let t = parse_ready(&line)?;
    let mut http = HttpConfig::default();
    if let Some(ca) = &t.ca {
        http = http.ca_file(ca);
    }
    let limits = if args.throttle {
        RateLimits::default().time_scale(args.time_scale)
    } else {
        RateLimits::unlimited()
    };
    let client = Client::builder()
        .org_id(&t.org_id)
        .oauth(&t.client_id, &t.client_secret)
        .endpoint(&t.endpoint)
        .ims_url(&t.ims)
        .http_config(http.clone())
        .rate_limits(limits)
        .batch_options(BatchOptions {
            concurrency: args.concurrency,
            ..Default::default()
        })
        .build()?;
    let raw = http.build_client()?;

    let groups: Vec<String> = client
        .groups()
        .all()
        .await?
        .into_iter()
        .filter(|g| g.group_type == Some(GroupType::UserGroup))
        .map(|g| g.group_name)
        .take(2)
        .collect();
    if groups.len() < 2 {
        return Err("the sandbox has fewer than two user groups".into());
    }
    let run = format!("b{}", std::process::id());
    let email = |i: usize| format!("{run}-{i}@example.com");
    let before = sandbox_stats(&raw, &t).await?;

    let started = Instant::now();
    let cpu_started = cpu_seconds();
    let mut queue = client.queue();
    for i in 0..args.users {
        let action = UserAction::new(email(i))?
            .create(NewUser::enterprise(email(i), "Bench", format!("User{i}")))?
            .add_to_groups(groups.clone())?;
        queue.push(action).await;
    }
    let report = queue.flush().await;
    let elapsed = started.elapsed();
    let cpu = cpu_seconds() - cpu_started;

    let after = sandbox_stats(&raw, &t).await?;
    let completed = report.completed().count();
    let failed = report.failed().count();
    let throttled = counter(&after, "throttled") - counter(&before, "throttled");
    let entries = counter(&after, "actions_processed") - counter(&before, "actions_processed");

    // Verify on the server side: every user is a member of both groups.
    let mut in_groups = Vec::new();
    for g in groups.iter().filter(|_| args.verify) {
        let members = client
            .users()
            .in_group(g)
            .stream()
            .try_filter(|u| std::future::ready(u.email.starts_with(&format!("{run}-"))))
            .try_fold(0usize, |n, _| std::future::ready(Ok(n + 1)))
            .await?;
        in_groups.push(members);
    }

    let secs = elapsed.as_secs_f64();
    let rate = args.users as f64 / secs;
    println!(
        "users {} | throttle {} | time scale {} | concurrency {} | tls {} | client threads {} | allocator {}",
        args.users,
        if args.throttle { "on" } else { "off" },
        args.time_scale,
        args.concurrency,
        t.ca.is_some(),
        args.threads.max(1),
        if cfg!(feature = "bench-system-allocator") {
            "system"
        } else {
            "mimalloc"
        }
    );
    println!(
        "elapsed {secs:.2} s | {rate:.0} actions/s | requests {} | entries processed {entries} | client CPU {cpu:.2} s",
        report.requests
    );
    println!(
        "completed {completed} | failed {failed} | found in groups {in_groups:?} | 429s {throttled} | client retries {}",
        client.local_status().retries
    );
    if args.throttle {
        // The per-client limit: 10 action requests of 10 entries each per (scaled) minute.
        let window = Duration::from_secs(60)
            .div_f64(args.time_scale)
            .as_secs_f64();
        let allowed = 100.0 / window;
        println!(
            "allowed {allowed:.1} actions/s | achieved {:.1}% of the allowed rate",
            100.0 * rate / allowed
        );
    }
    if let Some(mib) = peak_rss_mib() {
        println!("client peak RSS {mib:.1} MiB");
    }
    let lost = args.users - completed;
    if lost > 0 || (args.verify && in_groups.iter().any(|&n| n != args.users)) {
        return Err(format!(
            "{lost} action(s) not completed; group membership counts {in_groups:?} (want {})",
            args.users
        )
        .into());
    }
    Ok(())
}
