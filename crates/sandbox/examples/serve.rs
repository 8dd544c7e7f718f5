//! Starts a sandbox and prints its readiness line, then serves until killed (Ctrl-C).
//!
//! ```text
//! cargo run -p idm-sandbox --example serve -- [USERS] [FAULT-SPEC]
//! ```
//!
//! With `IDM_SANDBOX_ONESHOT=1` it stops right after printing (handy in scripts and CI).

use idm_sandbox::{Sandbox, SandboxConfig};

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut config = SandboxConfig::default();
    if let Some(users) = args.next() {
        config = config.users(users.parse()?);
    }
    if let Some(spec) = args.next() {
        config = config.faults_spec(&spec)?;
    }
    let sandbox = Sandbox::start(config).await?;
    println!("{}", sandbox.readiness_line());
    if std::env::var_os("IDM_SANDBOX_ONESHOT").is_none() {
        std::future::pending::<()>().await;
    }
    sandbox.shutdown().await;
    Ok(())
}
